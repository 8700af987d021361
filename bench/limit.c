/* The machine's limits, measured in the same run as the IPC figures they bound:
 *  - limit.memcpy: one thread copying size_bytes from one buffer to another, for each message
 *    size and for a buffer larger than the last-level cache. Shared memory passes a message by
 *    copying it in and out, so no copying mechanism beats this. Throughput counts the bytes
 *    copied (each read once and written once).
 *  - limit.cacheline: one cache line there and back between two CPUs: main stores a sequence
 *    number in its line, the peer, spinning, sees it and stores it in its own line, which main
 *    is spinning on. No system call, no sleep: the floor for any handoff between two cores.
 *  - limit.syscall: a null system call (getppid through syscall(), which no C library
 *    caches): the floor for anything that enters the kernel. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "spin.h"

enum { CACHE_LINE_BYTES = 64 };

/* ---- limit.memcpy ---- */

struct memcpy_state {
        char *dst;
};

/* Per profile, the sizes of the IPC benchmarks' throughput points (msg.h), and one beyond any
 * cache. */
static const size_t memcpy_sizes[] = { 64, 1024, 16384, 65536, 262144, 1048576, 128u << 20, 0 };
static const size_t quick_memcpy_sizes[] = { 64, 65536, 128u << 20, 0 };
static const size_t full_memcpy_sizes[] = { 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
                                            4u << 20, 16u << 20, 128u << 20, 0 };

static int memcpy_setup(struct bench_ctx *ctx)
{
        struct memcpy_state *s = ctx->state;

        s->dst = malloc(ctx->size_bytes);
        if (!s->dst)
                return bench_fail(ctx, "malloc(destination)", ENOMEM);
        memset(s->dst, 1, ctx->size_bytes);     /* its pages exist before timing */
        return BENCH_OK;
}

static int memcpy_stream(struct bench_ctx *ctx, uint64_t iters)
{
        struct memcpy_state *s = ctx->state;

        while (iters--) {
                memcpy(s->dst, ctx->buf, ctx->size_bytes);
                /* Every copy happens: the compiler may not merge or drop repeated copies. */
                __asm__ volatile("" ::: "memory");
        }
        return BENCH_OK;
}

static void memcpy_teardown(struct bench_ctx *ctx)
{
        struct memcpy_state *s = ctx->state;

        free(s->dst);
}

/* ---- limit.cacheline ---- */

static const uint64_t CACHELINE_STOP = UINT64_MAX;

struct cacheline_state {
        _Alignas(CACHE_LINE_BYTES) _Atomic uint64_t ping;       /* main writes */
        _Alignas(CACHE_LINE_BYTES) _Atomic uint64_t pong;       /* the peer writes */
        _Alignas(CACHE_LINE_BYTES) uint64_t next;               /* main's next number */
};

static int cacheline_setup(struct bench_ctx *ctx)
{
        struct cacheline_state *s = ctx->state;

        s->next = 1;
        return BENCH_OK;
}

static int cacheline_peer(struct bench_ctx *ctx)
{
        struct cacheline_state *s = ctx->state;
        uint64_t last = 0, seen;

        for (;;) {
                while ((seen = atomic_load_explicit(&s->ping, memory_order_acquire)) == last)
                        spin_pause();
                if (seen == CACHELINE_STOP)
                        return BENCH_OK;
                if (seen != last + 1)
                        return bench_failf(ctx, "line value %llu arrived after %llu",
                                           (unsigned long long)seen, (unsigned long long)last);
                atomic_store_explicit(&s->pong, seen, memory_order_release);
                last = seen;
        }
}

static int cacheline_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct cacheline_state *s = ctx->state;

        while (iters--) {
                uint64_t want = s->next++;
                atomic_store_explicit(&s->ping, want, memory_order_release);
                while (atomic_load_explicit(&s->pong, memory_order_acquire) != want)
                        spin_pause();
        }
        return BENCH_OK;
}

static void cacheline_stop(struct bench_ctx *ctx)
{
        struct cacheline_state *s = ctx->state;

        atomic_store_explicit(&s->ping, CACHELINE_STOP, memory_order_release);
}

/* ---- limit.syscall ---- */

static int syscall_run(struct bench_ctx *ctx, uint64_t iters)
{
        while (iters--)
                if (syscall(SYS_getppid) < 0)
                        return bench_fail(ctx, "getppid", errno);
        return BENCH_OK;
}

static const struct bench limit_memcpy = {
        .name = "limit.memcpy", .group = "limit", .mechanism = "memcpy", .variant = "",
        .summary = "one thread copies size_bytes between two buffers (the bound of any copying "
                   "mechanism); up to a buffer beyond the last-level cache",
        .metric = "throughput", .fixed_mode = PEER_NONE, .state_bytes = sizeof(struct memcpy_state),
        .stream_sizes = memcpy_sizes, .quick_stream_sizes = quick_memcpy_sizes,
        .full_stream_sizes = full_memcpy_sizes,
        .setup = memcpy_setup, .stream = memcpy_stream, .teardown = memcpy_teardown,
};

static const struct bench limit_cacheline = {
        .name = "limit.cacheline", .group = "limit", .mechanism = "cacheline", .variant = "",
        .summary = "one cache line there and back between two spinning CPUs (the floor of any "
                   "handoff between cores)",
        .metric = "rtt", .state_bytes = sizeof(struct cacheline_state),
        .cross_cpu_only = 1,
        .setup = cacheline_setup, .peer = cacheline_peer, .run = cacheline_run,
        .stop = cacheline_stop,
};

static const struct bench limit_syscall = {
        .name = "limit.syscall", .group = "limit", .mechanism = "syscall", .variant = "",
        .summary = "a null system call, getppid (the floor of anything that enters the kernel)",
        .metric = "syscall", .fixed_mode = PEER_NONE, .run = syscall_run,
};

const struct bench *const limit_benches[] = { &limit_memcpy, &limit_cacheline, &limit_syscall, NULL };
