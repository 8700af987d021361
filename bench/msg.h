/* The message layer every message-carrying IPC benchmark shares, so that each mechanism only
 * says how one side sends and receives one message:
 *  - every message carries its sequence number in its first, middle and last 8 bytes, checked
 *    at every hop: a message that arrives torn, out of order, twice or not at all fails;
 *  - round trip (msg_round_trip / msg_echo_peer): main sends one message of size_bytes, the
 *    peer echoes the whole of it back;
 *  - one-way stream (msg_stream / msg_sink_peer): main tells the peer on a control pipe how
 *    many messages come, sends them, and waits for the peer's receipt (bytes received and the
 *    sum of their sequence numbers), compared with what was sent: the receiver's count is the
 *    truth. The control pipe is used once per batch, outside the per-message path.
 * A benchmark's state struct must begin with a struct msg_link (the layer finds it at
 * ctx->state). */
#ifndef IPCBENCH_MSG_H
#define IPCBENCH_MSG_H

#include <stdint.h>

#include "bench.h"

enum { MSG_SEQ_BYTES = 8 };

struct msg_link {
        int control[2], ack[2];         /* stream: main -> peer counts, peer -> main receipts */
        uint64_t seq;                   /* main's next sequence number */
        uint64_t window;                /* messages the medium holds unread (a stream's batch is
                                         * cut to it); 0: no limit */
        uint64_t bytes_acked;           /* stream: what the peer has confirmed so far */
        uint64_t seq_sum_sent;          /* stream: the sum of the sequence numbers sent */
};

/* How one side moves one message of ctx->size_bytes. The side is ctx->side: main sends
 * towards the peer and receives from it, the peer the other way round. */
struct msg_ops {
        int (*send)(struct bench_ctx *ctx, const void *buf);
        /* Receive message `seq` into buf (buf may be ignored by a mechanism that hands out its
         * own memory through `buffer`). Returns BENCH_OK, BENCH_SKIPPED when the other side
         * has ended the conversation (end of file), or BENCH_FAILED. */
        int (*recv)(struct bench_ctx *ctx, void *buf, uint64_t seq);
        /* Optional: where this side builds and receives its messages; default ctx->buf. */
        char *(*buffer)(struct bench_ctx *ctx);
        /* Optional: run by a process peer (never a thread) before its first message, e.g. to
         * close main's ends. */
        void (*peer_begin)(struct bench_ctx *ctx);
};

/* The message sizes of every message-passing benchmark, per profile (options.h): round trips
 * (the latency charts, one per size) and one-way streams (the throughput charts' x axis,
 * shared with limit.memcpy so that each figure has its bound at the same size). */
extern const size_t msg_rtt_sizes[], msg_quick_rtt_sizes[], msg_full_rtt_sizes[];
extern const size_t msg_stream_sizes[], msg_quick_stream_sizes[], msg_full_stream_sizes[];

/* The name of a POSIX shm or mq object: "/<prefix><pid>-<16 hex digits><suffix>". The pid lets
 * `ipcbench clean` tell an abandoned object; the random part keeps another local user from
 * guessing the name and taking it first (O_EXCL would then fail the benchmark, or without it
 * we would open theirs). Returns 0, or -1 with errno set when no random bytes could be had. */
int msg_object_name(char *buf, size_t len, const char *prefix, const char *suffix);

/* The sequence number at both ends and in the middle of a message, and its check. */
void msg_stamp(void *buf, size_t size, uint64_t seq);
int msg_check(struct bench_ctx *ctx, const void *buf, size_t size, uint64_t want);
/* Copy the three stamped words of message src into dst (a mechanism that sends from a slot of
 * its own rather than from the buffer the layer built). */
void msg_copy_stamps(void *dst, const void *src, size_t size);

/* In setup, first: skips sizes too small to carry a sequence number, opens the stream's
 * control pipes on a throughput point, starts at sequence 1. */
int msg_setup(struct bench_ctx *ctx);
/* In teardown: closes what msg_setup opened. */
void msg_teardown(struct bench_ctx *ctx);
/* In the peer, first: a process peer closes main's ends of the control pipes. */
void msg_peer_close_main_side(struct bench_ctx *ctx);
/* In stop: on a throughput point, ends the peer (its control pipe reads end of file) and
 * returns 1; on a round-trip point returns 0 and the mechanism ends the conversation itself. */
int msg_stop_stream(struct bench_ctx *ctx);

/* Main sends message l->seq, stamped into buf, and moves l->seq past it: the one place where a
 * test's fault (fault.h) changes what goes out; *plan says what went out instead. For a
 * mechanism with a loop of its own (ipc.udp's stream). */
struct fault_plan;
int msg_send_next(struct bench_ctx *ctx, const struct msg_ops *ops, char *buf, struct fault_plan *plan);

int msg_round_trip(struct bench_ctx *ctx, const struct msg_ops *ops, uint64_t iters);
int msg_echo_peer(struct bench_ctx *ctx, const struct msg_ops *ops);
int msg_stream(struct bench_ctx *ctx, const struct msg_ops *ops, uint64_t iters);
int msg_sink_peer(struct bench_ctx *ctx, const struct msg_ops *ops);

#endif
