#include "report.h"

#include <math.h>
#include <string.h>

const char *placement_name(enum placement placement)
{
        switch (placement) {
        case PLACE_SAME_CPU: return "same-cpu";
        case PLACE_CROSS_CPU: return "cross-cpu";
        default: return "any";
        }
}

void report_time(char *buf, size_t len, double ns)
{
        static const struct { double scale; const char *unit; } units[] = {
                { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "µs" }, { 1, "ns" },
        };
        size_t i = 0;

        if (isnan(ns)) {
                snprintf(buf, len, "-");
                return;
        }
        while (i + 1 < sizeof units / sizeof *units && fabs(ns) < units[i].scale)
                i++;
        double v = ns / units[i].scale;
        /* Three significant digits are what a reader compares. */
        snprintf(buf, len, "%.*f %s", v >= 100 ? 0 : v >= 10 ? 1 : 2, v, units[i].unit);
}

/* Three significant digits, never in exponent form. */
static void report_digits(char *buf, size_t len, double v, const char *unit)
{
        double a = fabs(v);

        snprintf(buf, len, "%.*f %s", a >= 100 ? 0 : a >= 10 ? 1 : 2, v, unit);
}

void report_value(char *buf, size_t len, double value, const char *unit)
{
        if (strcmp(unit, "ns") == 0)
                report_time(buf, len, value);
        else if (isnan(value))
                snprintf(buf, len, "-");
        else if (strcmp(unit, "bool") == 0)
                snprintf(buf, len, "%s", value >= 0.5 ? "yes" : "no");
        else if (strcmp(unit, "MB/s") == 0 && value >= 1000)
                report_digits(buf, len, value / 1000, "GB/s");
        else if (strcmp(unit, "msg/s") == 0 && value >= 1e6)
                report_digits(buf, len, value / 1e6, "M msg/s");
        else if (strcmp(unit, "msg/s") == 0 && value >= 1e3)
                report_digits(buf, len, value / 1e3, "k msg/s");
        else
                report_digits(buf, len, value, unit);
}

int bench_has_modes(const struct bench *b)
{
        return b->peer || b->per_mode;
}

void report_size(char *buf, size_t len, size_t bytes)
{
        if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
                snprintf(buf, len, "%zu MiB", bytes >> 20);
        else if (bytes >= 1024 && bytes % 1024 == 0)
                snprintf(buf, len, "%zu KiB", bytes >> 10);
        else
                snprintf(buf, len, "%zu B", bytes);
}

void report_point(char *buf, size_t len, const struct point *pt)
{
        char size[32] = "", param[64] = "";

        if (pt->size_bytes) {
                size[0] = ' ';
                report_size(size + 1, sizeof size - 1, pt->size_bytes);
        }
        if (pt->bench->param)
                snprintf(param, sizeof param, " %s=%ld", pt->bench->param, pt->param_value);
        snprintf(buf, len, "%s %s %s%s%s%s%s", pt->bench->name, peer_kind_name(pt->mode),
                 placement_name(pt->placement), size, param, pt->stream ? " stream" : "",
                 pt->idle_allowed ? " idle-allowed" : "");
}

void report_row(char *buf, size_t len, const struct result *r)
{
        char point[200];

        report_point(point, sizeof point, &r->pt);
        if (r->distance == DISTANCE_NONE)
                snprintf(buf, len, "%s", point);
        else
                snprintf(buf, len, "%s %s", point, noise_distance_name(r->distance));
}

/* Series that compare directly: same group, metric, placement, size and param. */
static int same_comparison(const struct result *a, const struct result_series *as,
                           const struct result *b, const struct result_series *bs)
{
        return strcmp(a->pt.bench->group, b->pt.bench->group) == 0 &&
               strcmp(as->metric, bs->metric) == 0 && a->pt.placement == b->pt.placement &&
               a->pt.size_bytes == b->pt.size_bytes && a->pt.param_value == b->pt.param_value &&
               a->pt.idle_allowed == b->pt.idle_allowed && a->distance == b->distance;
}

static double fastest_median(const struct result *results, size_t n, const struct result *r,
                             const struct result_series *rs)
{
        double best = rs->stats.p50;

        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < results[i].n_series; k++)
                        if (results[i].status == OUTCOME_OK &&
                            same_comparison(&results[i], &results[i].series[k], r, rs) &&
                            results[i].series[k].stats.p50 < best)
                                best = results[i].series[k].stats.p50;
        return best;
}

/* Rows of the same benchmark, placement, size, parameter, kind and vCPU distance: they differ at
 * most in mode and idle choice. */
static int same_point(const struct result *a, const struct result *b)
{
        return a->pt.bench == b->pt.bench && a->pt.placement == b->pt.placement &&
               a->pt.size_bytes == b->pt.size_bytes && a->pt.param_value == b->pt.param_value &&
               a->pt.stream == b->pt.stream && a->distance == b->distance;
}

/* The thread-mode series matching a process-mode one, or NULL. */
static const struct result_series *thread_twin(const struct result *results, size_t n,
                                               const struct result *p, const struct result_series *ps)
{
        for (size_t j = 0; j < n; j++) {
                const struct result *t = &results[j];
                if (t->status != OUTCOME_OK || !same_point(t, p) || t->pt.mode != PEER_THREAD ||
                    t->pt.idle_allowed != p->pt.idle_allowed)
                        continue;
                for (size_t k = 0; k < t->n_series; k++)
                        if (strcmp(t->series[k].metric, ps->metric) == 0)
                                return &t->series[k];
        }
        return NULL;
}

/* How well a bound's point stands in for `r`'s: the same placement is best, then one CPU (a
 * bound without a peer, e.g. memcpy), then unpinned; the same mode, then none (n/a). */
static int bound_fit(const struct result *r, const struct result *b)
{
        int fit = b->pt.placement == r->pt.placement ? 4 : b->pt.placement == PLACE_SAME_CPU ? 2 : 1;

        return fit * 3 + (b->pt.mode == r->pt.mode ? 2 : b->pt.mode == PEER_NONE ? 1 : 0);
}

/* The series of benchmark `bound` that bounds series `rs` of `r`: the same metric, at the same
 * size unless the bound takes none, in the same placement if the bound has a peer; the best
 * fitting point. NULL if the run has none. */
static const struct result *bound_point(const struct result *results, size_t n, const char *bound,
                                        const struct result *r, const struct result_series *rs,
                                        const struct result_series **out)
{
        const struct result *best = NULL;

        for (size_t j = 0; j < n; j++) {
                const struct result *b = &results[j];
                if (b->status != OUTCOME_OK || strcmp(b->pt.bench->name, bound) != 0 ||
                    (b->pt.size_bytes && b->pt.size_bytes != r->pt.size_bytes) ||
                    /* Two sides on one CPU are not bounded by a handoff between two. */
                    (b->pt.bench->peer && b->pt.placement != r->pt.placement) ||
                    (best && bound_fit(r, b) <= bound_fit(r, best)))
                        continue;
                for (size_t k = 0; k < b->n_series; k++)
                        if (strcmp(b->series[k].metric, rs->metric) == 0 && b->series[k].stats.p50 > 0) {
                                best = b;
                                *out = &b->series[k];
                        }
        }
        return best;
}

/* Each round trip and throughput of a bounded benchmark against its bound: "0.62x" of memcpy's
 * throughput, "2.1x" a cache line's round trip. */
static void report_bounds(FILE *out, const struct result *results, size_t n)
{
        char point[160];

        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                if (r->status != OUTCOME_OK || !r->pt.bench->bounds)
                        continue;
                report_row(point, sizeof point, r);
                for (size_t k = 0; k < r->n_series; k++) {
                        const struct result_series *rs = &r->series[k], *bs = NULL;
                        /* A stream's rate is its throughput again, in messages. */
                        if (strcmp(rs->metric, "rtt") != 0 && strcmp(rs->metric, "throughput") != 0)
                                continue;
                        for (const char *const *bound = r->pt.bench->bounds; *bound; bound++) {
                                /* Across CPUs the point's own probe is its cache line, measured
                                 * around it with the vCPUs where they were then. */
                                if (strcmp(*bound, BENCH_CACHELINE_BOUND) == 0 && !isnan(r->probe_ns) &&
                                    strcmp(rs->metric, "rtt") == 0) {
                                        fprintf(out, "of limit  %s %s: %.3gx its own cache-line probe (%.0f ns)%s\n",
                                                point, rs->metric, rs->stats.p50 / r->probe_ns, r->probe_ns,
                                                rs->stats.p50 < r->probe_ns ? ": BELOW the floor, so not a "
                                                "hand-over between these two CPUs" : "");
                                        continue;
                                }
                                const struct result *b = bound_point(results, n, *bound, r, rs, &bs);
                                if (b)
                                        fprintf(out, "of limit  %s %s: %.3gx %s (%s %s)\n", point,
                                                rs->metric, rs->stats.p50 / bs->stats.p50, *bound,
                                                peer_kind_name(b->pt.mode), placement_name(b->pt.placement));
                        }
                }
        }
}

/* Above this share of outliers a point is called noisy in the summary. */
enum { NOISY_OUTLIER_PCT = 10 };

/* Width of a printf field holding `text`, so that it shows as `width` columns: "µ", "…" and
 * "σ" take more bytes than columns. */
static int field(const char *text, int width)
{
        int extra = 0;

        for (const unsigned char *c = (const unsigned char *)text; *c; c++)
                if ((*c & 0xc0) == 0x80)
                        extra++;
        return width + extra;
}

/* "±2.1 %": the interval's wider side relative to the median. */
static void interval_text(char *buf, size_t len, const struct result_series *rs)
{
        double half = result_half_width(rs) * 100;

        if (isinf(half) || isnan(half))
                snprintf(buf, len, "-");
        else
                snprintf(buf, len, "±%.*f %%", half < 10 ? 1 : 0, half);
}

/* A ratio a / b of two medians and its interval from theirs: [a_low / b_high, a_high / b_low]. */
static void ratio_text(char *buf, size_t len, const struct result_series *a, const struct result_series *b)
{
        double ratio = a->stats.p50 / b->stats.p50, low = a->ci_low / b->ci_high,
               high = b->ci_low > 0 ? a->ci_high / b->ci_low : INFINITY;

        if (isnan(low) || isnan(high))
                snprintf(buf, len, "%.2f (no interval: one of the two has a single repetition)", ratio);
        else if (low <= 1 && 1 <= high)
                snprintf(buf, len, "%.2f [%.2f … %.2f]: the same within this run's noise", ratio, low, high);
        else
                snprintf(buf, len, "%.2f [%.2f … %.2f]", ratio, low, high);
}

static void summary_rows(FILE *out, const struct result *results, size_t n, int width, size_t *batched)
{
        char median[32], ci[32], lo[32], hi[32], range[80], point[160];
        size_t shown = 0;

        fprintf(out, "\n%-*s %-16s %10s %*s  %-*s %8s %5s %9s\n", width, "benchmark mode placement",
                "metric", "median", field("95 % CI", 9), "95 % CI", field("min … max", 24), "min … max",
                "n", "reps", "relative");
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                if (r->status != OUTCOME_OK)
                        continue;
                report_row(point, sizeof point, r);
                for (size_t k = 0; k < r->n_series; k++) {
                        const struct result_series *rs = &r->series[k];
                        report_value(median, sizeof median, rs->stats.p50, rs->unit);
                        interval_text(ci, sizeof ci, rs);
                        if (k == 0 && r->unstable)
                                strcat(ci, "!");
                        report_value(lo, sizeof lo, rs->stats.min, rs->unit);
                        report_value(hi, sizeof hi, rs->stats.max, rs->unit);
                        /* A batched sample is a batch mean: its extremes are of means. */
                        snprintf(range, sizeof range, "%s … %s%s", lo, hi, r->batch > 1 ? " *" : "");
                        fprintf(out, "%-*s %-16s %*s %*s  %-*s %8zu %5u ", width, point, rs->metric,
                                field(median, 10), median, field(ci, 9), ci, field(range, 24), range,
                                rs->stats.n, rs->repetitions);
                        /* Only times compare as "x the fastest"; a rate's best is its largest. */
                        double fastest = strcmp(rs->unit, "ns") == 0 ? fastest_median(results, n, r, rs) : 0;
                        if (fastest > 0)
                                fprintf(out, "%8.2fx\n", rs->stats.p50 / fastest);
                        else
                                fprintf(out, "%9s\n", "-");
                        shown++;
                }
                *batched += r->batch > 1;
        }
        if (!shown)
                fprintf(out, "(no results)\n");
}

/* The lecture's question asked of every benchmark that ran both ways. */
static void summary_process_thread(FILE *out, const struct result *results, size_t n)
{
        char point[160], ratio[96];

        for (size_t i = 0; i < n; i++) {
                const struct result *p = &results[i];
                if (p->status != OUTCOME_OK || p->pt.mode != PEER_PROCESS || !bench_has_modes(p->pt.bench))
                        continue;
                report_row(point, sizeof point, p);
                for (size_t k = 0; k < p->n_series; k++) {
                        const char *metric = p->series[k].metric, *split = p->pt.bench->split_metric;
                        /* A split is the same ratio again, a baseline is not the comparison. */
                        if ((split && strcmp(metric, split) == 0) || strcmp(metric, "baseline") == 0)
                                continue;
                        const struct result_series *t = thread_twin(results, n, p, &p->series[k]);
                        if (t && t->stats.p50 != 0) {
                                ratio_text(ratio, sizeof ratio, &p->series[k], t);
                                fprintf(out, "process ÷ thread  %s %s: %s\n", point, metric, ratio);
                        }
                }
        }
}

/* What waking an idle CPU costs: each point measured with idle allowed against its twin with
 * the CPUs held awake. */
static void summary_wake_cost(FILE *out, const struct result *results, size_t n)
{
        char point[160], allowed[32], awake[32], cost[32];

        for (size_t i = 0; i < n; i++) {
                const struct result *a = &results[i];
                if (a->status != OUTCOME_OK || !a->pt.idle_allowed || !a->n_series)
                        continue;
                for (size_t j = 0; j < n; j++) {
                        const struct result *h = &results[j];
                        if (h->status != OUTCOME_OK || h->pt.idle_allowed || !h->n_series ||
                            !same_point(h, a) || h->pt.mode != a->pt.mode ||
                            strcmp(h->series[0].metric, a->series[0].metric) != 0)
                                continue;
                        report_row(point, sizeof point, h);
                        report_value(allowed, sizeof allowed, a->series[0].stats.p50, a->series[0].unit);
                        report_value(awake, sizeof awake, h->series[0].stats.p50, h->series[0].unit);
                        report_value(cost, sizeof cost, a->series[0].stats.p50 - h->series[0].stats.p50,
                                     a->series[0].unit);
                        const struct result_series *as = &a->series[0], *hs = &h->series[0];
                        /* Overlapping intervals (or none): no cost shown, whichever way the
                         * medians fell (haltpoll may have kept the idle CPU polling). */
                        if (!(as->ci_low > hs->ci_high))
                                fprintf(out, "waking an idle CPU  %s %s: no cost beyond this run's noise "
                                        "(%s with idle allowed, %s held awake)\n", point, as->metric,
                                        allowed, awake);
                        else
                                fprintf(out, "waking an idle CPU  %s %s: %s more (%s with idle allowed, "
                                        "%s held awake)\n", point, as->metric, cost, allowed, awake);
                        break;
                }
        }
}

static void summary_noise(FILE *out, const struct result *results, size_t n, const struct meta_info *m,
                          size_t batched)
{
        size_t reps = 0, steal = 0, moved = 0;

        for (size_t i = 0; i < n; i++)
                for (unsigned k = 0; k < results[i].repetitions; k++) {
                        reps++;
                        steal += point_context_stolen(&results[i].contexts[k]);
                        moved += point_context_moved(&results[i].contexts[k]);
                }
        if (batched)
                fprintf(out, "* %zu rows are of batched samples (operations far shorter than the "
                        "clock's cost, timed together): their min, max and tail are of batch means\n", batched);
        fprintf(out, "idle CPUs: %s; repetitions %u to %u each, in %u shuffled rounds (seed %llu)%s\n",
                m->idle_held ? "held awake (PM QoS 0 on /dev/cpu_dma_latency)"
                             : "allowed to halt: cross-cpu figures include waking them",
                m->options->repeat, m->options->max_repeat, m->rounds, m->seed,
                m->extra_time_spent ? "; the extra repetitions stopped at their time cap" : "");
        if (steal || moved)
                fprintf(out, "noise: of %zu repetitions, %zu lost over %.0f %% of their time to the host "
                        "(steal) and %zu saw the two vCPUs moved (probes over %gx apart): placement.csv "
                        "flags each\n", reps, steal, NOISE_STEAL_FLAG * 100, moved, NOISE_MOVED_RATIO);
        if (!m->n_unstable)
                return;
        fprintf(out, "unstable (95 %% interval still over ±%.0f %% of the median; marked !): %zu of %zu rows",
                m->max_half_width * 100, m->n_unstable, n);
        for (size_t i = 0; i < m->n_unstable && i < 8; i++)
                if (isfinite(m->unstable[i].half_width))
                        fprintf(out, "%s %s (±%.0f %%)", i ? "," : ":", m->unstable[i].point,
                                m->unstable[i].half_width * 100);
                else
                        fprintf(out, "%s %s (one repetition)", i ? "," : ":", m->unstable[i].point);
        fprintf(out, "%s\n", m->n_unstable > 8 ? ", … (all in meta.json)" : "");
}

void report_summary(FILE *out, const struct result *results, size_t n, const struct meta_info *m)
{
        char point[160];
        size_t batched = 0;
        int width = 30;

        for (size_t i = 0; i < n; i++) {
                report_row(point, sizeof point, &results[i]);
                if ((int)strlen(point) > width)
                        width = (int)strlen(point);
        }
        summary_rows(out, results, n, width, &batched);
        summary_process_thread(out, results, n);
        report_bounds(out, results, n);
        summary_wake_cost(out, results, n);
        /* A correction larger than what it corrects is noise, not a fast switch. */
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                const char *excess = r->pt.bench->excess_metric;
                if (r->status != OUTCOME_OK || !excess)
                        continue;
                for (size_t k = 0; k < r->n_series; k++)
                        if (strcmp(r->series[k].metric, excess) == 0 && !(r->series[k].stats.p50 > 0)) {
                                report_row(point, sizeof point, r);
                                fprintf(out, "warning: %s: %s is not above zero: the baseline took as long "
                                        "as the measurement, so the difference is noise here; re-run "
                                        "with a longer --duration\n", point, excess);
                        }
        }
        summary_noise(out, results, n, m, batched);
}
