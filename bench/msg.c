#include "msg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "fault.h"

const size_t msg_rtt_sizes[] = { 64, 4096, 0 };
const size_t msg_quick_rtt_sizes[] = { 64, 0 };
const size_t msg_full_rtt_sizes[] = { 64, 1024, 4096, 16384, 65536, 0 };
/* The default profile's streams: 64 B to 1 MiB with the sizes where mechanisms peak (16 KiB
 * to 256 KiB) all there; the full profile has every power of four. */
const size_t msg_stream_sizes[] = { 64, 1024, 16384, 65536, 262144, 1048576, 0 };
const size_t msg_quick_stream_sizes[] = { 64, 65536, 0 };
const size_t msg_full_stream_sizes[] = { 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
                                         4u << 20, 16u << 20, 0 };

int msg_object_name(char *buf, size_t len, const char *prefix, const char *suffix)
{
        uint64_t bits;

        if (getrandom(&bits, sizeof bits, 0) != (ssize_t)sizeof bits)
                return -1;
        snprintf(buf, len, "/%s%d-%016" PRIx64 "%s", prefix, (int)getpid(), bits, suffix);
        return 0;
}

/* Where the middle copy of the sequence number goes: the word holding the message's middle
 * byte, or the tail's place when the two would overlap (a message under 24 bytes). */
static size_t middle_of(size_t size)
{
        size_t at = (size / 2) & ~(size_t)(MSG_SEQ_BYTES - 1);

        return at + MSG_SEQ_BYTES > size - MSG_SEQ_BYTES ? size - MSG_SEQ_BYTES : at;
}

void msg_stamp(void *buf, size_t size, uint64_t seq)
{
        memcpy(buf, &seq, MSG_SEQ_BYTES);
        memcpy((char *)buf + middle_of(size), &seq, MSG_SEQ_BYTES);
        memcpy((char *)buf + size - MSG_SEQ_BYTES, &seq, MSG_SEQ_BYTES);
}

void msg_copy_stamps(void *dst, const void *src, size_t size)
{
        size_t middle = middle_of(size), tail = size - MSG_SEQ_BYTES;

        memcpy(dst, src, MSG_SEQ_BYTES);
        memcpy((char *)dst + middle, (const char *)src + middle, MSG_SEQ_BYTES);
        memcpy((char *)dst + tail, (const char *)src + tail, MSG_SEQ_BYTES);
}

int msg_check(struct bench_ctx *ctx, const void *buf, size_t size, uint64_t want)
{
        uint64_t head, middle, tail;

        memcpy(&head, buf, MSG_SEQ_BYTES);
        memcpy(&middle, (const char *)buf + middle_of(size), MSG_SEQ_BYTES);
        memcpy(&tail, (const char *)buf + size - MSG_SEQ_BYTES, MSG_SEQ_BYTES);
        if (head == want && middle == want && tail == want)
                return BENCH_OK;
        if (head == middle && middle == tail)
                return bench_failf(ctx, "sequence %llu expected, %llu received (a message lost, "
                                   "duplicated or reordered)", (unsigned long long)want,
                                   (unsigned long long)head);
        return bench_failf(ctx, "message %llu arrived torn: sequence %llu at its head, %llu in its "
                           "middle, %llu at its tail (corrupted, or cut short and completed by the "
                           "next)", (unsigned long long)want, (unsigned long long)head,
                           (unsigned long long)middle, (unsigned long long)tail);
}

int msg_setup(struct bench_ctx *ctx)
{
        struct msg_link *l = ctx->state;

        l->control[0] = l->control[1] = l->ack[0] = l->ack[1] = -1;
        l->seq = 1;
        if (fault_init(ctx) != BENCH_OK)
                return BENCH_FAILED;
        if (ctx->size_bytes < MSG_SEQ_BYTES)
                return bench_skip(ctx, "a message needs at least %d bytes for its sequence number; "
                                  "%zu is too small", MSG_SEQ_BYTES, ctx->size_bytes);
        if (ctx->streaming && (pipe(l->control) != 0 || pipe(l->ack) != 0))
                return bench_fail(ctx, "pipe(control)", errno);
        return BENCH_OK;
}

void msg_teardown(struct bench_ctx *ctx)
{
        struct msg_link *l = ctx->state;

        for (int i = 0; i < 2; i++) {
                if (l->control[i] >= 0)
                        close(l->control[i]);
                if (l->ack[i] >= 0)
                        close(l->ack[i]);
                l->control[i] = l->ack[i] = -1;
        }
}

void msg_peer_close_main_side(struct bench_ctx *ctx)
{
        struct msg_link *l = ctx->state;

        if (l->control[1] >= 0)
                bench_close_other_side(ctx, l->control[1]);
        if (l->ack[0] >= 0)
                bench_close_other_side(ctx, l->ack[0]);
}

int msg_stop_stream(struct bench_ctx *ctx)
{
        struct msg_link *l = ctx->state;

        if (!ctx->streaming)
                return 0;
        close(l->control[1]);
        l->control[1] = -1;
        return 1;
}

static char *buffer(struct bench_ctx *ctx, const struct msg_ops *ops)
{
        return ops->buffer ? ops->buffer(ctx) : ctx->buf;
}

/* Only a process peer has anything to do before its first message: a thread shares main's
 * descriptors and pages, and must not even read main's descriptors, which main, done with its
 * messages, may be closing (and setting to -1) at that moment. */
static void peer_begin(struct bench_ctx *ctx, const struct msg_ops *ops)
{
        if (ctx->mode != PEER_PROCESS)
                return;
        msg_peer_close_main_side(ctx);
        if (ops->peer_begin)
                ops->peer_begin(ctx);
}

int msg_echo_peer(struct bench_ctx *ctx, const struct msg_ops *ops)
{
        char *buf = buffer(ctx, ops);
        uint64_t expect = 1;
        int rc;

        peer_begin(ctx, ops);
        while ((rc = ops->recv(ctx, buf, expect)) == BENCH_OK) {
                if (msg_check(ctx, buf, ctx->size_bytes, expect++) != BENCH_OK ||
                    ops->send(ctx, buf) != BENCH_OK)
                        return BENCH_FAILED;
        }
        return rc == BENCH_SKIPPED ? BENCH_OK : BENCH_FAILED;
}

/* Main sends the messages that stand for message l->seq: itself, or what a test's fault
 * makes of it (fault.h), the one place where one enters. */
static int send_faulty(struct bench_ctx *ctx, const struct msg_ops *ops, char *buf,
                       const struct fault_plan *plan)
{
        for (int k = 0; k < plan->n; k++) {
                const struct fault_send *f = &plan->send[k];
                int rc;

                msg_stamp(buf, ctx->size_bytes, f->seq);
                if (f->corrupt)
                        buf[ctx->size_bytes / 2] ^= 0x5a;
                ctx->size_bytes -= f->truncated;
                rc = ops->send(ctx, buf);
                ctx->size_bytes += f->truncated;
                if (rc != BENCH_OK)
                        return BENCH_FAILED;
        }
        return BENCH_OK;
}

int msg_send_next(struct bench_ctx *ctx, const struct msg_ops *ops, char *buf, struct fault_plan *plan)
{
        struct msg_link *l = ctx->state;

        if (!fault_strikes_message(l->seq)) {
                *plan = (struct fault_plan){ .n = 1, .send = { { .seq = l->seq } }, .used = 1 };
                msg_stamp(buf, ctx->size_bytes, l->seq++);
                return ops->send(ctx, buf);
        }
        fault_plan(l->seq, plan);
        l->seq += plan->used;
        return send_faulty(ctx, ops, buf, plan);
}

int msg_round_trip(struct bench_ctx *ctx, const struct msg_ops *ops, uint64_t iters)
{
        char *buf = buffer(ctx, ops);
        struct fault_plan plan;

        while (iters--) {
                if (msg_send_next(ctx, ops, buf, &plan) != BENCH_OK)
                        return BENCH_FAILED;
                /* Each message that went out whole comes back (a cut one cannot). */
                for (int k = 0; k < plan.n; k++) {
                        if (plan.send[k].truncated)
                                continue;
                        int rc = ops->recv(ctx, buf, plan.send[k].seq);
                        if (rc == BENCH_SKIPPED)
                                return bench_failf(ctx, "the peer closed its end");
                        if (rc != BENCH_OK || msg_check(ctx, buf, ctx->size_bytes, plan.send[k].seq) != BENCH_OK)
                                return BENCH_FAILED;
                }
        }
        return BENCH_OK;
}

/* What the receiver confirms after each batch: the bytes it received and the sum of the
 * sequence numbers they carried, a checksum of which messages arrived. (Summing every byte
 * would put that CPU work inside the measured stream.) */
struct receipt {
        uint64_t bytes, seq_sum;
};

int msg_sink_peer(struct bench_ctx *ctx, const struct msg_ops *ops)
{
        struct msg_link *l = ctx->state;
        char *buf = buffer(ctx, ops);
        uint64_t expect = 1, count, head, receipts = 0;
        struct receipt got = { 0, 0 }, said;
        ssize_t n;

        peer_begin(ctx, ops);
        while ((n = read_full(l->control[0], &count, sizeof count)) == sizeof count) {
                while (count--) {
                        int rc = ops->recv(ctx, buf, expect);
                        if (rc == BENCH_SKIPPED)
                                return bench_failf(ctx, "end of file with messages still due");
                        if (rc != BENCH_OK || msg_check(ctx, buf, ctx->size_bytes, expect++) != BENCH_OK)
                                return BENCH_FAILED;
                        memcpy(&head, buf, sizeof head);
                        got.bytes += ctx->size_bytes;
                        got.seq_sum += head;
                }
                said = got;
                said.bytes -= fault_strikes(FAULT_RECEIPT, ++receipts);
                if (write_full(l->ack[1], &said, sizeof said) != sizeof said)
                        return bench_fail(ctx, "write(ack)", errno);
        }
        return n == 0 ? BENCH_OK : bench_fail(ctx, "read(control)", errno);
}

int msg_stream(struct bench_ctx *ctx, const struct msg_ops *ops, uint64_t iters)
{
        struct msg_link *l = ctx->state;
        char *buf = buffer(ctx, ops);
        struct fault_plan plan;
        struct receipt got;

        while (iters) {
                uint64_t chunk = l->window && iters > l->window ? l->window : iters;
                if (write_full(l->control[1], &chunk, sizeof chunk) != sizeof chunk)
                        return bench_fail(ctx, "write(control)", errno);
                /* `chunk` whole messages go out, from sequence `first`: that is what the receipt
                 * is held against. (Under a test's fault one may be lost or cut short, and the
                 * stream goes on with the next, as a stream does.) */
                uint64_t first = l->seq;
                for (uint64_t whole = 0; whole < chunk;) {
                        if (msg_send_next(ctx, ops, buf, &plan) != BENCH_OK)
                                return BENCH_FAILED;
                        for (int k = 0; k < plan.n; k++)
                                whole += !plan.send[k].truncated;
                }
                l->seq_sum_sent += chunk * first + chunk * (chunk - 1) / 2;
                if (read_full(l->ack[0], &got, sizeof got) != sizeof got)
                        return bench_failf(ctx, "the peer did not confirm what it received");
                l->bytes_acked += chunk * ctx->size_bytes;
                if (got.bytes != l->bytes_acked || got.seq_sum != l->seq_sum_sent)
                        return bench_failf(ctx, "the receipt says %llu bytes (sequence sum %llu), %llu "
                                           "were sent (sum %llu)", (unsigned long long)got.bytes,
                                           (unsigned long long)got.seq_sum,
                                           (unsigned long long)l->bytes_acked,
                                           (unsigned long long)l->seq_sum_sent);
                iters -= chunk;
        }
        return BENCH_OK;
}
