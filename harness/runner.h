/* One measured point (benchmark x mode x placement x size x param) runs in a child process of
 * its own, in its own process group, under a watchdog: a benchmark that hangs or crashes takes
 * only that child (and its peers) down, and the run goes on. */
#ifndef IPCBENCH_RUNNER_H
#define IPCBENCH_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "measure.h"

struct point {
        const struct bench *bench;
        enum peer_kind mode;
        enum placement placement;
        size_t size_bytes;        /* 0: the benchmark takes no size */
        long param_value;         /* -1: no param */
        int stream;               /* a throughput point (bench->stream), not a round trip */
        int idle_allowed;         /* run with idle CPUs allowed to halt, in a run that holds
                                   * them awake (a benchmark's wake_cost points) */
};

/* Where each side ran, how often it was switched out per timed operation, and what the host
 * did meanwhile: one repetition of a point. */
struct point_context {
        int cpu_main, cpu_peer;   /* -1: no peer, or not pinned */
        uint64_t ops;
        uint64_t batch;           /* operations per timed sample: above 1 a sample is a batch mean */
        double main_voluntary, main_involuntary, peer_voluntary, peer_involuntary;
        uint64_t window_ns;       /* the timed window */
        double steal_ns;          /* stolen from the point's CPUs in it; NAN: unknown */
        double probe_before_ns, probe_after_ns;   /* cross-cpu: the cache-line probe; else NAN */
        double start_s;           /* when the repetition started, from the run's start (the
                                   * parent's clock): noise that comes in episodes shows in time */
};

/* Why a repetition's figure may not be what the mechanism costs: the host took more than
 * NOISE_STEAL_FLAG of its CPUs' time in the timed window (steal), or its two probes disagree
 * (moved). One reading for placement.csv's flags and the summary's count. */
int point_context_stolen(const struct point_context *c);
int point_context_moved(const struct point_context *c);

enum outcome { OUTCOME_OK, OUTCOME_SKIPPED, OUTCOME_FAILED };

/* The values of one metric from one run of a point: e.g. "rtt" in ns, one per sample. */
enum { SERIES_MAX = 12 };

struct series {
        char metric[32];
        char unit[16];
        double *values;           /* malloc'ed */
        size_t n;
};

struct point_outcome {
        enum outcome status;
        char reason[1024];
        struct series series[SERIES_MAX];
        size_t n_series;
        struct point_context context;
};

void point_outcome_free(struct point_outcome *out);

/* For bench_own_sysv_queue(): the parent removes System V queue `id` once the point ends. */
int runner_own_sysv_queue(int id);

/* For bench_report(): add one value to the series of `metric`, in this process. */
int runner_record(const char *metric, const char *unit, double value);

/* Failures and skips reported by bench_fail/bench_skip (see bench.c). */
struct bench_report {
        int taken;                 /* a report claimed the page (the first wins) ... */
        int written;               /* ... and has written its reason and skipped */
        int skipped;
        char reason[1024];
};

struct bench_report *runner_report_page(void);

/* Run one point in a watched child process. Never fails itself: the outcome says what happened. */
void runner_run_point(const struct point *pt, const struct measure_plan *plan, double timeout_s,
                      const char *helper_path, struct point_outcome *out);

/* The environment variable that carries --dir to every point's process. */
#define RUNNER_DATA_DIR_ENV "IPCBENCH_DATA_DIR"

/* The hidden verb under which a point's own process runs, and its entry from cli_main. */
#define RUNNER_POINT_VERB "__point"
int runner_point_main(int argc, char **argv, const struct bench *const *table, size_t count);

/* Async-signal-safe: make the running point stop (its process group is killed) and every later
 * runner_run_point return at once as failed with reason "interrupted". */
void runner_interrupt(void);
int runner_interrupted(void);

#endif
