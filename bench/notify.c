/* Notifications without a payload: one side wakes the other, which wakes it back. One
 * iteration is one round trip (metric rtt); nothing is copied but a counter or a word.
 *  - ipc.eventfd: two eventfds, one per direction. main writes 1 to the peer's, the peer's
 *    read (blocked until then) returns the counter and zeroes it, and the peer writes 1 to
 *    main's. The value read says how many notifications arrived since the last read: it must
 *    be exactly 1 (0 cannot be read; 2 would be a notification too many).
 *  - ipc.futex: a word in shared memory per direction, futex wait to sleep on it and futex
 *    wake after changing it (bench/futex.h): the floor for a blocking handoff, which pipes,
 *    eventfds and semaphores build on. ctx.futex is the same handoff with a working set and a
 *    baseline; this one is the bare handoff. The word carries the round trip's sequence
 *    number, which the peer checks and sends back. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"
#include "futex.h"

/* ---- ipc.eventfd ---- */

enum direction { TO_PEER, TO_MAIN };

/* stop() writes this: a count that no single notification makes, so the peer tells it apart. */
static const uint64_t EVENTFD_STOP = UINT64_C(1) << 32;

struct eventfd_state {
        int efd[2];             /* one per direction, named by who reads it */
};

static void eventfd_teardown(struct bench_ctx *ctx)
{
        struct eventfd_state *s = ctx->state;

        for (int d = 0; d < 2; d++) {
                if (s->efd[d] >= 0)
                        close(s->efd[d]);
                s->efd[d] = -1;
        }
}

static int eventfd_setup(struct bench_ctx *ctx)
{
        struct eventfd_state *s = ctx->state;

        s->efd[TO_PEER] = s->efd[TO_MAIN] = -1;
        for (int d = 0; d < 2; d++) {
                if ((s->efd[d] = eventfd(0, EFD_CLOEXEC)) < 0) {
                        int err = errno;
                        eventfd_teardown(ctx);
                        return bench_fail(ctx, "eventfd", err);
                }
        }
        return BENCH_OK;
}

static int notify(struct bench_ctx *ctx, int fd, uint64_t value)
{
        if (write_full(fd, &value, sizeof value) != sizeof value)
                return bench_fail(ctx, "write(eventfd)", errno);
        return BENCH_OK;
}

/* Block until the counter is not zero; *count gets it (and the counter is zero again). */
static int await(struct bench_ctx *ctx, int fd, uint64_t *count)
{
        if (read_full(fd, count, sizeof *count) != sizeof *count)
                return bench_fail(ctx, "read(eventfd)", errno);
        return BENCH_OK;
}

static int eventfd_peer(struct bench_ctx *ctx)
{
        struct eventfd_state *s = ctx->state;
        uint64_t count;

        for (;;) {
                if (await(ctx, s->efd[TO_PEER], &count) != BENCH_OK)
                        return BENCH_FAILED;
                if (count == EVENTFD_STOP)
                        return BENCH_OK;
                if (count != 1)
                        return bench_failf(ctx, "the eventfd counted %llu notifications, 1 was sent",
                                           (unsigned long long)count);
                if (notify(ctx, s->efd[TO_MAIN], 1) != BENCH_OK)
                        return BENCH_FAILED;
        }
}

static int eventfd_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct eventfd_state *s = ctx->state;
        uint64_t count;

        while (iters--) {
                if (notify(ctx, s->efd[TO_PEER], 1) != BENCH_OK ||
                    await(ctx, s->efd[TO_MAIN], &count) != BENCH_OK)
                        return BENCH_FAILED;
                if (count != 1)
                        return bench_failf(ctx, "the eventfd counted %llu answers, 1 was due",
                                           (unsigned long long)count);
        }
        return BENCH_OK;
}

static void eventfd_stop(struct bench_ctx *ctx)
{
        struct eventfd_state *s = ctx->state;

        notify(ctx, s->efd[TO_PEER], EVENTFD_STOP);
}

/* ---- ipc.futex ---- */

/* ping never takes this value as a sequence number (that would take 2^32 - 1 round trips). */
enum { FUTEX_STOP = UINT32_MAX };

struct futex_state {
        _Atomic uint32_t ping, pong;    /* main's sequence number; the peer's copy of it */
        uint32_t seq;                   /* main's next; only main writes it */
};

static int futex_setup(struct bench_ctx *ctx)
{
        struct futex_state *s = ctx->state;

        s->seq = 1;
        return BENCH_OK;
}

static int futex_peer(struct bench_ctx *ctx)
{
        struct futex_state *s = ctx->state;
        uint32_t last = 0, seq;

        for (;;) {
                if (futex_wait_change(ctx, &s->ping, last, &seq) != BENCH_OK)
                        return BENCH_FAILED;
                if (seq == FUTEX_STOP)
                        return BENCH_OK;
                if (seq != last + 1)
                        return bench_failf(ctx, "sequence number %u arrived after %u", seq, last);
                if (futex_post(ctx, &s->pong, seq) != BENCH_OK)
                        return BENCH_FAILED;
                last = seq;
        }
}

static int futex_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct futex_state *s = ctx->state;
        uint32_t back;

        while (iters--) {
                if (futex_post(ctx, &s->ping, s->seq) != BENCH_OK ||
                    /* pong holds the previous answer until the peer replies */
                    futex_wait_change(ctx, &s->pong, s->seq - 1, &back) != BENCH_OK)
                        return BENCH_FAILED;
                if (back != s->seq)
                        return bench_failf(ctx, "sequence number %u came back as %u", s->seq, back);
                s->seq++;
        }
        return BENCH_OK;
}

static void futex_stop(struct bench_ctx *ctx)
{
        struct futex_state *s = ctx->state;

        futex_post(ctx, &s->ping, FUTEX_STOP);
}

static const struct bench ipc_eventfd = {
        .name = "ipc.eventfd", .group = "ipc", .mechanism = "eventfd", .variant = "",
        .summary = "a notification there and back: write 1 to one eventfd, the peer reads it and "
                   "writes 1 to the other",
        .metric = "rtt", .state_bytes = sizeof(struct eventfd_state),
        .setup = eventfd_setup, .peer = eventfd_peer, .run = eventfd_run,
        .stop = eventfd_stop, .teardown = eventfd_teardown,
};

static const struct bench ipc_futex = {
        .name = "ipc.futex", .group = "ipc", .mechanism = "futex", .variant = "",
        .summary = "a wake-up there and back: a word in shared memory changed, futex wake, the peer "
                   "wakes from futex wait and answers the same way",
        .metric = "rtt", .state_bytes = sizeof(struct futex_state),
        .setup = futex_setup, .peer = futex_peer, .run = futex_run,
        .stop = futex_stop,
};

const struct bench *const notify_benches[] = { &ipc_eventfd, &ipc_futex, NULL };
