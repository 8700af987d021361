#include "measure.h"

#include <errno.h>
#include <stdlib.h>

#include "clock.h"

enum { CALIBRATION_PROBES = 3 };

int measure_prepare(struct bench_ctx *ctx, measure_op op, const struct measure_plan *plan,
                    uint64_t *batch)
{
        const struct bench *b = ctx->bench;
        uint64_t n = 1, start = now_ns(), warmup_ns = (uint64_t)(plan->warmup_s * 1e9);
        int rc;

        /* Grow the batch until one lasts min_batch_ns: operations far shorter than the clock's
         * resolution are then timed in bulk, longer ones one by one. */
        for (;;) {
                /* The fastest of a few tries: one slow first call (a cold cache, a halted CPU
                 * woken late) must not fix the batch at one operation for the whole point. */
                uint64_t elapsed = UINT64_MAX;
                for (int probe = 0; probe < CALIBRATION_PROBES; probe++) {
                        if (b->before_sample && (rc = b->before_sample(ctx, n)) != BENCH_OK)
                                return rc;
                        uint64_t t0 = now_ns();
                        if ((rc = op(ctx, n)) != BENCH_OK)
                                return rc;
                        uint64_t took = now_ns() - t0;
                        if (took < elapsed)
                                elapsed = took;
                }
                if (elapsed >= plan->min_batch_ns || n >= (UINT64_C(1) << 40))
                        break;
                /* Aim a little past the target; at most 16x per step so one slow run cannot
                 * make the next batch absurd. */
                uint64_t grow = elapsed ? (plan->min_batch_ns * 5 / 4) / elapsed + 1 : 16;
                n *= grow > 16 ? 16 : (grow < 2 ? 2 : grow);
        }
        if (plan->iterations && n > plan->iterations)
                n = plan->iterations;
        *batch = n;
        /* Warm up: caches, page tables, the peer's wake-up path, CPU frequency. */
        while (now_ns() - start < warmup_ns)
                if ((b->before_sample && (rc = b->before_sample(ctx, n)) != BENCH_OK) ||
                    (rc = op(ctx, n)) != BENCH_OK)
                        return rc;
        return BENCH_OK;
}

int measure_samples(struct bench_ctx *ctx, measure_op op, const struct measure_plan *plan,
                    uint64_t batch, struct measure_samples *out)
{
        const struct bench *b = ctx->bench;
        size_t cap = plan->max_samples, want = cap;
        uint64_t budget_ns = (uint64_t)(plan->duration_s * 1e9), spent_ns = 0;
        double *ns = NULL;
        size_t n = 0;
        int rc = BENCH_OK;

        if (plan->iterations) {
                want = (size_t)((plan->iterations + batch - 1) / batch);
                if (want > cap)
                        want = cap;
        }
        ns = malloc((want < 1024 ? want : 1024) * sizeof *ns);
        size_t allocated = want < 1024 ? want : 1024;
        if (!ns)
                return bench_fail(ctx, "malloc(samples)", ENOMEM);
        while (n < want) {
                if (n == allocated) {    /* grow outside the timed region */
                        size_t more = allocated * 2 < want ? allocated * 2 : want;
                        double *bigger = realloc(ns, more * sizeof *ns);
                        if (!bigger) {
                                free(ns);
                                return bench_fail(ctx, "realloc(samples)", ENOMEM);
                        }
                        ns = bigger;
                        allocated = more;
                }
                if (b->before_sample && (rc = b->before_sample(ctx, batch)) != BENCH_OK)
                        break;
                uint64_t t0 = now_ns();
                rc = op(ctx, batch);
                uint64_t elapsed = now_ns() - t0;
                if (rc != BENCH_OK)
                        break;
                /* A lossy stream counts only what arrived: the receiver's count is the truth. */
                uint64_t done = b->lossy && ctx->streaming ? ctx->delivered : batch;
                if (done == 0) {
                        rc = bench_failf(ctx, "none of %llu messages arrived", (unsigned long long)batch);
                        break;
                }
                ns[n++] = (double)elapsed / (double)done;
                spent_ns += elapsed;
                if (!plan->iterations && spent_ns >= budget_ns && n >= plan->min_samples)
                        break;
        }
        if (rc != BENCH_OK) {
                free(ns);
                return rc;
        }
        out->ns_per_op = ns;
        out->n = n;
        out->batch = batch;
        return BENCH_OK;
}
