/* The timed loop: calibrate a batch by time, warm up, then take samples of one batch each. */
#ifndef IPCBENCH_MEASURE_H
#define IPCBENCH_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"

struct measure_plan {
        uint64_t iterations;      /* timed operations wanted; 0: sample for duration_s */
        double duration_s;        /* time budget of the timed samples */
        double warmup_s;          /* untimed running before the first sample */
        uint64_t min_batch_ns;    /* a sample lasts at least this long, so the clock's cost is small */
        size_t min_samples;       /* taken even when the duration is spent (unless iterations set) */
        size_t max_samples;       /* bounds memory */
};

struct measure_samples {
        double *ns_per_op;        /* one value per sample: the batch's time / batch */
        size_t n;
        uint64_t batch;           /* operations per sample */
};

/* What is timed: `iters` operations (a benchmark's run, or its baseline). */
typedef int (*measure_op)(struct bench_ctx *ctx, uint64_t iters);

/* Find the batch size and warm up; the operation runs untimed. Returns a bench_status. */
int measure_prepare(struct bench_ctx *ctx, measure_op op, const struct measure_plan *plan,
                    uint64_t *batch);

/* Take the timed samples with that batch; the benchmark's before_sample, if any, runs untimed
 * before each. Returns a bench_status; on BENCH_OK out->ns_per_op is malloc'ed and the caller
 * frees it. */
int measure_samples(struct bench_ctx *ctx, measure_op op, const struct measure_plan *plan,
                    uint64_t batch, struct measure_samples *out);

#endif
