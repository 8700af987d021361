/* What a benchmark file sees of the harness: the descriptor it fills in and the context it is
 * handed. A benchmark gives plain functions; the harness owns options, placement, the peer,
 * the start barrier, the timed loop, statistics and output. Linux only. */
#ifndef IPCBENCH_BENCH_H
#define IPCBENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"
#include "peer.h"

enum placement { PLACE_ANY, PLACE_SAME_CPU, PLACE_CROSS_CPU };

/* Return values of setup, peer and run. */
enum bench_status { BENCH_OK = 0, BENCH_FAILED = -1, BENCH_SKIPPED = 1 };

struct bench_ctx {
        const struct bench *bench;
        enum peer_kind mode;       /* how the peer runs; for benchmarks without a peer, their label */
        enum placement placement;
        size_t size_bytes;         /* message size; 0 for benchmarks that take none */
        long param_value;          /* the value of bench->param for this point */
        void *state;               /* bench->state_bytes, zeroed, shared by main and peer in both modes */
        void *buf;                 /* size_bytes of private memory, touched before timing */
        const char *helper_path;   /* the ipcbench-true program, beside the binary */
        const char *data_dir;      /* where benchmarks that need files put them (--dir) */
        const char *side;          /* "main" or "peer": named in error messages */
        int streaming;             /* a throughput point: stream and stream_peer run */
        uint64_t delivered;        /* a lossy stream sets it, each call, to the messages the
                                    * receiver counted */
        uint64_t sent_total, delivered_total;   /* a lossy stream's running counts */
        double duration_s;         /* for measure(): how long to measure (--duration), unless */
        uint64_t iterations;       /* ... this many operations were asked for (--iterations) */
        double parts;              /* what one operation divides into for split_metric and
                                    * excess_metric (e.g. 2 switches per round trip); setup may
                                    * set it, default 1 */
};

struct bench {
        const char *name;          /* dotted: group.mechanism[.variant] */
        const char *group;
        const char *mechanism;
        const char *variant;       /* "" when none */
        const char *summary;       /* one line: what one iteration is */
        const char *metric;        /* CSV metric of a timed iteration, e.g. "create", "rtt" */
        /* Benchmarks without a peer: fixed_mode says what they create, unless per_mode is set,
         * when they run once per selected mode and run() reads ctx->mode. */
        enum peer_kind fixed_mode;
        int per_mode;
        /* Without a peer, points run pinned to one CPU (same-cpu) and unpinned (any); set this
         * when where they run does not matter (memory, isolation): unpinned only. */
        int unpinned_only;
        /* Its two sides spin, waiting for each other: on one CPU the spinner would keep the
         * side it waits for from running until preempted, which measures the scheduler's time
         * slice. It runs across two CPUs only. */
        int cross_cpu_only;
        /* Its cross-cpu round trips, at the first parameter value, are measured a second time
         * with idle CPUs allowed to halt, in a run that holds them awake: the difference is
         * what waking an idle CPU costs on this machine, a figure of its own. */
        int wake_cost;
        size_t state_bytes;
        /* What each profile sweeps (options.h): sizes and param_values are the default
         * profile's; quick_* and full_* replace them in those profiles, when given. */
        const size_t *sizes;       /* 0-terminated; NULL when the benchmark takes no size */
        const size_t *quick_sizes;
        const size_t *full_sizes;
        const char *param;         /* the swept variable other than size, or NULL */
        const long *param_values;  /* terminated by -1 */
        const long *quick_param_values;
        const long *full_param_values;

        int (*setup)(struct bench_ctx *ctx);               /* before the peer starts; may skip */
        int (*peer)(struct bench_ctx *ctx);                /* NULL: no peer */
        int (*run)(struct bench_ctx *ctx, uint64_t iters); /* timed: only the operation; NULL
                                                            * for a benchmark that only streams
                                                            * (peer is then its stream_peer, if
                                                            * it has one: peer says it has) */
        void (*stop)(struct bench_ctx *ctx);               /* tell the peer to return */
        void (*teardown)(struct bench_ctx *ctx);           /* always called after setup succeeded */

        /* Optional. Untimed, before every sample of `batch` operations (e.g. fresh pages). */
        int (*before_sample)(struct bench_ctx *ctx, uint64_t batch);
        /* Optional: each sample divided by ctx->parts, as another metric (e.g. "switch"). */
        const char *split_metric;
        /* Optional: the same work without what is measured (lmbench's lat_ctx: the pipe work
         * inside one task), timed first, before the peer starts, reported as metric
         * "baseline"; each sample's excess over the baseline's median, divided by ctx->parts,
         * is reported as excess_metric. */
        int (*baseline)(struct bench_ctx *ctx, uint64_t iters);
        const char *excess_metric;
        /* Optional: a one-way stream, on points of its own (stream_sizes): send `iters`
         * messages of size_bytes and return once the peer has received them all (the
         * receiver's count is the truth). The peer runs stream_peer. Reported as metrics
         * "throughput" (MB/s, 10^6 bytes) and "rate" (msg/s). Without a peer, stream is the
         * whole operation (e.g. a memcpy of size_bytes). */
        int (*stream)(struct bench_ctx *ctx, uint64_t iters);
        int (*stream_peer)(struct bench_ctx *ctx);
        const size_t *stream_sizes;   /* 0-terminated */
        int lossy;                    /* the stream may lose messages: the receiver's count
                                       * (ctx->delivered) sets the rate, and the share lost is
                                       * reported as metric "loss" */
        const size_t *quick_stream_sizes;
        const size_t *full_stream_sizes;
        /* Optional, NULL-terminated: benchmarks whose figures bound this one's (e.g.
         * "limit.memcpy"). The summary reads each round trip and throughput against the bound's
         * of the same metric and size measured in the same run. */
        const char *const *bounds;  /* BENCH_CACHELINE_BOUND, across CPUs, is read against
                                     * the point's own cache-line probe instead */
        /* Instead of run(): an untimed benchmark that measures once (per repetition) and
         * reports what it found with bench_report(). */
        int (*measure)(struct bench_ctx *ctx);
};

/* The bound that the harness measures itself around every cross-cpu point (noise.h). */
#define BENCH_CACHELINE_BOUND "limit.cacheline"

/* A System V object has no name to unlink early and outlives a killed process: call this
 * right after creating message queue `id` (in setup, main side), and the harness removes it
 * when the point ends, even if its process was killed. Teardown removes it as usual. */
int bench_own_sysv_queue(struct bench_ctx *ctx, int id);

/* For measure(): one value of `metric` in `unit` (e.g. "memory", "KiB"), from the main side. */
int bench_report(struct bench_ctx *ctx, const char *metric, const char *unit, double value);

/* Report an unexpected failure of `call` (errno value `err`) and return BENCH_FAILED.
 * For pthread_* pass the returned value as err. */
#define bench_fail(ctx, call, err) bench_fail_at((ctx), (call), (err), __FILE__, __LINE__)
int bench_fail_at(struct bench_ctx *ctx, const char *call, int err, const char *file, int line);

/* Report wrong data or a broken protocol (no errno) and return BENCH_FAILED. */
int bench_failf(struct bench_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Say why this point cannot run here (a kernel limit, a missing feature) and return BENCH_SKIPPED. */
int bench_skip(struct bench_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For a process peer, close its copy of a descriptor that belongs to the other side (so, for
 * instance, the peer sees end of file when main closes its end). For a thread peer this does
 * nothing: the descriptor table is shared and main still needs it. */
void bench_close_other_side(struct bench_ctx *ctx, int fd);

#endif
