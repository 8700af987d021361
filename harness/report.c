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
        snprintf(buf, len, "%s %s %s%s%s", pt->bench->name, peer_kind_name(pt->mode),
                 placement_name(pt->placement), size, param);
}

/* Results that compare directly: same group, metric, placement, size and param. */
static int same_comparison(const struct result *a, const struct result *b)
{
        return strcmp(a->pt.bench->group, b->pt.bench->group) == 0 &&
               strcmp(a->metric, b->metric) == 0 && a->pt.placement == b->pt.placement &&
               a->pt.size_bytes == b->pt.size_bytes && a->pt.param_value == b->pt.param_value;
}

static double fastest_median(const struct result *results, size_t n, const struct result *r)
{
        double best = r->stats.p50;

        for (size_t i = 0; i < n; i++)
                if (results[i].status == OUTCOME_OK && same_comparison(&results[i], r) &&
                    results[i].stats.p50 < best)
                        best = results[i].stats.p50;
        return best;
}

/* Above this share of outliers a point is called noisy in the summary. */
enum { NOISY_OUTLIER_PCT = 10 };

void report_summary(FILE *out, const struct result *results, size_t n)
{
        char median[32], sigma[32], lo[32], hi[32], range[80], point[160];
        size_t shown = 0, noisy = 0;

        fprintf(out, "\n%-44s %-8s %10s %10s  %-23s %8s %9s %9s\n", "benchmark  mode  placement",
                "metric", "median", "± σ", "min … max", "n", "outliers", "relative");
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                if (r->status != OUTCOME_OK)
                        continue;
                report_point(point, sizeof point, &r->pt);
                report_time(median, sizeof median, r->stats.p50);
                report_time(sigma, sizeof sigma, r->stats.stddev);
                report_time(lo, sizeof lo, r->stats.min);
                report_time(hi, sizeof hi, r->stats.max);
                snprintf(range, sizeof range, "%s … %s", lo, hi);
                /* "µ" and "…" take two bytes more than they show: widen their fields to match. */
                double outlier_pct = 100.0 * (double)r->stats.outliers / (double)r->stats.n;
                fprintf(out, "%-44s %-8s %*s %*s  %-*s %8zu %8.1f%% %8.2fx\n", point, r->metric,
                        10 + (int)(strstr(median, "µ") != NULL), median,
                        10 + (int)(strstr(sigma, "µ") != NULL), sigma,
                        25 + (int)(strstr(lo, "µ") != NULL) + (int)(strstr(hi, "µ") != NULL), range,
                        r->stats.n, outlier_pct, r->stats.p50 / fastest_median(results, n, r));
                noisy += outlier_pct > NOISY_OUTLIER_PCT;
                shown++;
        }
        if (!shown)
                fprintf(out, "(no results)\n");

        /* The lecture's question asked of every benchmark that ran both ways. */
        for (size_t i = 0; i < n; i++) {
                const struct result *p = &results[i];
                if (p->status != OUTCOME_OK || p->pt.mode != PEER_PROCESS || !p->pt.bench->peer)
                        continue;
                for (size_t j = 0; j < n; j++) {
                        const struct result *t = &results[j];
                        if (t->status == OUTCOME_OK && t->pt.bench == p->pt.bench &&
                            t->pt.mode == PEER_THREAD && t->pt.placement == p->pt.placement &&
                            t->pt.size_bytes == p->pt.size_bytes &&
                            t->pt.param_value == p->pt.param_value) {
                                report_point(point, sizeof point, &p->pt);
                                fprintf(out, "process ÷ thread  %s: %.2f\n", point,
                                        p->stats.p50 / t->stats.p50);
                        }
                }
        }
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                if (r->status != OUTCOME_OK)
                        continue;
                report_point(point, sizeof point, &r->pt);
                if (r->repetitions > 1) {
                        report_time(lo, sizeof lo, r->repetition_median_min);
                        report_time(hi, sizeof hi, r->repetition_median_max);
                        fprintf(out, "repetitions  %s: %u, medians %s … %s\n", point,
                                r->repetitions, lo, hi);
                }
        }
        if (noisy)
                fprintf(out, "warning: %zu of %zu points have over %d%% outliers (samples more than "
                        "3.5 MADs from the median; kept, not dropped). Creation and wake-ups have long "
                        "tails, but if the machine is busy, re-run on a quiet system with --repeat 3.\n",
                        noisy, shown, NOISY_OUTLIER_PCT);
}
