/* Context switches: main and its peer (two threads, or two processes) pass a token back and
 * forth; one iteration is one round trip, so on one CPU it is two context switches. Between
 * hops each side reads its own working set (every cache line), to show what refilling caches
 * and TLBs does to threads (one address space) and to processes (two).
 *
 * As lmbench's lat_ctx does, the same work done inside one task (the token through the pipes,
 * or the futex calls, and both working sets) is timed first as the baseline, and
 * switch_corrected = (rtt - baseline) / 2 is what the switch itself costs. On two CPUs a hop
 * is a wake-up across CPUs rather than a switch; `switch` (rtt / 2) is the figure to read there.
 *
 * The token carries a sequence number that each side checks at every hop. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"
#include "ctx.h"
#include "fault.h"
#include "futex.h"

static const long working_sets_kib[] = { 0, 16, 64, 256, 1024, -1 };
static const long quick_working_sets_kib[] = { 0, 256, -1 };
static const long full_working_sets_kib[] = { 0, 16, 64, 256, 1024, 4096, -1 };

/* Read every cache line of a working set; the sum goes to the reading side's own line. */
static void touch(const struct ctx_state *s, const char *ws, struct ctx_side *side)
{
        unsigned long sum = 0;

        for (size_t i = 0; i < s->ws_bytes; i += CACHE_LINE_BYTES)
                sum += (unsigned char)ws[i];
        side->sink += sum;
}

static char *working_set(size_t bytes)
{
        char *ws = malloc(bytes ? bytes : 1);

        if (ws)
                for (size_t i = 0; i < bytes; i++)
                        ws[i] = (char)i;
        return ws;
}

static int setup_common(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;

        s->ws_bytes = (size_t)ctx->param_value * 1024;
        s->main_ws = working_set(s->ws_bytes);
        s->peer_ws = working_set(s->ws_bytes);
        if (!s->main_ws || !s->peer_ws)
                return bench_fail(ctx, "malloc(working set)", ENOMEM);
        s->main.next_seq = 1;
        ctx->parts = 2;         /* two switches per round trip */
        return fault_init(ctx);
}

static void teardown_common(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;

        free(s->main_ws);
        free(s->peer_ws);
}

/* Main's token, or a corrupted one where a test's fault (fault.h) strikes its round trip. */
static uint32_t corrupt_token(uint32_t token)
{
        return fault_strikes(FAULT_CORRUPT, (token + 1) / 2) ? token ^ (1u << 20) : token;
}

/* ---- ctx.pipe: the token through two pipes, as lat_ctx and perf bench sched pipe do ---- */

static int pipe_setup(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;

        s->to_peer[0] = s->to_peer[1] = s->to_main[0] = s->to_main[1] = -1;
        if (pipe(s->to_peer) != 0 || pipe(s->to_main) != 0)
                return bench_fail(ctx, "pipe", errno);
        return setup_common(ctx);
}

static int pipe_peer(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;
        uint32_t token, expect = 1;
        ssize_t n;

        bench_close_other_side(ctx, s->to_peer[1]);
        bench_close_other_side(ctx, s->to_main[0]);
        while ((n = read_full(s->to_peer[0], &token, sizeof token)) == sizeof token) {
                if (token != expect)
                        return bench_failf(ctx, "token %u arrived, expected %u", token, expect);
                touch(s, s->peer_ws, &s->peer);
                token++;
                if (write_full(s->to_main[1], &token, sizeof token) != sizeof token)
                        return bench_fail(ctx, "write(pipe)", errno);
                expect += 2;
        }
        return n == 0 ? BENCH_OK : bench_fail(ctx, "read(pipe)", errno);
}

static int pipe_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct ctx_state *s = ctx->state;

        while (iters--) {
                uint32_t token = corrupt_token(s->main.next_seq), back;
                touch(s, s->main_ws, &s->main);
                if (write_full(s->to_peer[1], &token, sizeof token) != sizeof token)
                        return bench_fail(ctx, "write(pipe)", errno);
                if (read_full(s->to_main[0], &back, sizeof back) != sizeof back)
                        return bench_failf(ctx, "the peer stopped answering");
                if (back != token + 1)
                        return bench_failf(ctx, "token %u came back as %u, expected %u", token, back, token + 1);
                s->main.next_seq += 2;
        }
        return BENCH_OK;
}

/* Both hops' pipe work and both working sets, in one task: no switch. */
static int pipe_baseline(struct bench_ctx *ctx, uint64_t iters)
{
        struct ctx_state *s = ctx->state;

        while (iters--) {
                uint32_t token = 7, back;
                touch(s, s->main_ws, &s->main);
                if (write_full(s->to_peer[1], &token, sizeof token) != sizeof token ||
                    read_full(s->to_peer[0], &back, sizeof back) != sizeof back)
                        return bench_fail(ctx, "pipe (baseline)", errno);
                touch(s, s->peer_ws, &s->peer);
                back++;
                if (write_full(s->to_main[1], &back, sizeof back) != sizeof back ||
                    read_full(s->to_main[0], &token, sizeof token) != sizeof token)
                        return bench_fail(ctx, "pipe (baseline)", errno);
                if (token != 8)
                        return bench_failf(ctx, "baseline token %u, expected 8", token);
        }
        return BENCH_OK;
}

static void pipe_stop(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;

        close(s->to_peer[1]);   /* the peer reads end of file and returns */
        s->to_peer[1] = -1;
}

static void pipe_teardown(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;

        for (int i = 0; i < 2; i++) {
                if (s->to_peer[i] >= 0)
                        close(s->to_peer[i]);
                if (s->to_main[i] >= 0)
                        close(s->to_main[i]);
        }
        teardown_common(ctx);
}

/* ---- ctx.futex: the token in shared memory, a futex to sleep and wake: no data copied ---- */

enum { FUTEX_STOP = UINT32_MAX };

static int futex_setup(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;

        atomic_store(&s->ping, 0);
        atomic_store(&s->pong, 0);
        return setup_common(ctx);
}

static int futex_peer(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;
        uint32_t last = 0, token;

        for (;;) {
                if (futex_wait_change(ctx, &s->ping, last, &token) != BENCH_OK)
                        return BENCH_FAILED;
                if (token == FUTEX_STOP)
                        return BENCH_OK;
                if (token != last + 2 && !(last == 0 && token == 1))
                        return bench_failf(ctx, "token %u arrived after %u", token, last);
                touch(s, s->peer_ws, &s->peer);
                if (futex_post(ctx, &s->pong, token + 1) != BENCH_OK)
                        return BENCH_FAILED;
                last = token;
        }
}

static int futex_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct ctx_state *s = ctx->state;

        while (iters--) {
                uint32_t token = corrupt_token(s->main.next_seq), back = token - 1;
                touch(s, s->main_ws, &s->main);
                if (futex_post(ctx, &s->ping, token) != BENCH_OK)
                        return BENCH_FAILED;
                /* pong still holds the previous answer (token - 1) until the peer replies. */
                if (futex_wait_change(ctx, &s->pong, token == 1 ? 0 : token - 1, &back) != BENCH_OK)
                        return BENCH_FAILED;
                if (back != token + 1)
                        return bench_failf(ctx, "token %u came back as %u, expected %u", token, back, token + 1);
                s->main.next_seq += 2;
        }
        return BENCH_OK;
}

/* Both sides' futex calls (a wake with no sleeper, a wait that returns at once) and both
 * working sets, in one task: no switch. Uses words of its own, not the token's. */
static int futex_baseline(struct bench_ctx *ctx, uint64_t iters)
{
        struct ctx_state *s = ctx->state;
        _Atomic uint32_t word = 0;

        while (iters--) {
                for (int side = 0; side < 2; side++) {
                        touch(s, side ? s->peer_ws : s->main_ws, side ? &s->peer : &s->main);
                        uint32_t value = atomic_load_explicit(&word, memory_order_acquire);
                        if (futex_post(ctx, &word, value + 1) != BENCH_OK)
                                return BENCH_FAILED;
                        if (futex_call(&word, FUTEX_WAIT, value) == 0 || errno != EAGAIN)
                                return bench_fail(ctx, "futex(FUTEX_WAIT) in the baseline", errno);
                }
        }
        return BENCH_OK;
}

static void futex_stop(struct bench_ctx *ctx)
{
        struct ctx_state *s = ctx->state;

        atomic_store_explicit(&s->ping, FUTEX_STOP, memory_order_release);
        futex_call(&s->ping, FUTEX_WAKE, 1);
}

static void futex_teardown(struct bench_ctx *ctx)
{
        teardown_common(ctx);
}

#define CTX_BENCH(mech, text)                                                                \
        static const struct bench ctx_##mech = {                                             \
                .name = "ctx." #mech, .group = "ctx", .mechanism = #mech, .variant = "",      \
                .summary = text, .metric = "rtt", .state_bytes = sizeof(struct ctx_state),   \
                .param = "working_set_kib", .param_values = working_sets_kib,                \
                .quick_param_values = quick_working_sets_kib,                                \
                .full_param_values = full_working_sets_kib,                                  \
                .setup = mech##_setup, .peer = mech##_peer, .run = mech##_run,               \
                .stop = mech##_stop, .teardown = mech##_teardown,                            \
                .baseline = mech##_baseline,                                                 \
                .split_metric = "switch", .excess_metric = "switch_corrected",               \
                .wake_cost = 1,                                                              \
        }

CTX_BENCH(pipe, "a 4-byte token there and back through two pipes (two switches on one CPU)");
CTX_BENCH(futex, "a token there and back in shared memory, futex wait/wake (two switches on one CPU)");

const struct bench *const ctx_benches[] = { &ctx_pipe, &ctx_futex, NULL };
