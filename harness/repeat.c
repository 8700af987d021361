#include "repeat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static enum vcpu_distance rep_distance(const struct point_outcome *o)
{
        return noise_distance(o->context.probe_before_ns, o->context.probe_after_ns);
}

void trial_add(struct trial *t, struct point_outcome *out)
{
        struct point_outcome *reps = realloc(t->reps, (t->n_reps + 1) * sizeof *reps);
        double *medians = reps ? realloc(t->primary_medians, (t->n_reps + 1) * sizeof *medians) : NULL;

        if (reps)
                t->reps = reps;
        if (medians)
                t->primary_medians = medians;
        if (!reps || !medians) {
                t->status = OUTCOME_FAILED;
                strcpy(t->reason, "out of memory for the samples");
                point_outcome_free(out);
                return;
        }
        t->primary_medians[t->n_reps] = out->n_series ? stats_median(out->series[0].values,
                                                                    out->series[0].n) : NAN;
        t->reps[t->n_reps++] = *out;
        memset(out, 0, sizeof *out);    /* its series belong to the trial now */
}

/* t(0.975, R-1) s / sqrt(R) of values[], relative to their median. */
static double relative_half_width(const double *values, size_t n)
{
        double center, mean = 0, m2 = 0;

        if (n < 2)
                return INFINITY;
        center = stats_median(values, n);
        for (size_t i = 0; i < n; i++) {
                double delta = values[i] - mean;
                mean += delta / (double)(i + 1);
                m2 += delta * (values[i] - mean);
        }
        double half = stats_t975(n - 1) * sqrt(m2 / (double)(n - 1) / (double)n);
        return half == 0 ? 0 : center != 0 ? half / fabs(center) : INFINITY;
}

double trial_half_width(const struct trial *t)
{
        double widest = 0, *values = malloc((t->n_reps ? t->n_reps : 1) * sizeof *values);

        if (!values)
                return INFINITY;
        for (enum vcpu_distance d = DISTANCE_NONE; d <= DISTANCE_MIXED; d++) {
                size_t n = 0;
                for (size_t i = 0; i < t->n_reps; i++)
                        if (rep_distance(&t->reps[i]) == d)
                                values[n++] = t->primary_medians[i];
                if (n)
                        widest = fmax(widest, relative_half_width(values, n));
        }
        free(values);
        return widest;
}

double result_half_width(const struct result_series *rs)
{
        double p50 = rs->stats.p50, wider = fmax(p50 - rs->ci_low, rs->ci_high - p50);

        if (isnan(rs->ci_low) || isnan(rs->ci_high))
                return INFINITY;        /* no interval: as unsure as can be */
        if (wider == 0)
                return 0;
        return p50 != 0 ? wider / fabs(p50) : INFINITY;
}

/* Add one repetition to a row, series by series. */
static int pool(struct result *r, const struct point_outcome *o)
{
        struct point_context *ctx = realloc(r->contexts, (r->repetitions + 1) * sizeof *ctx);

        if (!ctx)
                return -1;
        r->contexts = ctx;
        r->contexts[r->repetitions++] = o->context;
        if (o->context.batch > r->batch)
                r->batch = o->context.batch;
        for (size_t i = 0; i < o->n_series; i++) {
                const struct series *in = &o->series[i];
                struct result_series *rs = NULL;
                for (size_t k = 0; k < r->n_series && !rs; k++)
                        if (strcmp(r->series[k].metric, in->metric) == 0 &&
                            strcmp(r->series[k].unit, in->unit) == 0)
                                rs = &r->series[k];
                if (!rs) {
                        if (r->n_series == SERIES_MAX)
                                continue;
                        rs = &r->series[r->n_series++];
                        memcpy(rs->metric, in->metric, sizeof rs->metric);
                        memcpy(rs->unit, in->unit, sizeof rs->unit);
                }
                double *more = realloc(rs->samples, (rs->n + in->n) * sizeof *more);
                if (!more)
                        return -1;
                rs->samples = more;
                memcpy(rs->samples + rs->n, in->values, in->n * sizeof *more);
                rs->n += in->n;
                double *medians = realloc(rs->repetition_medians, (rs->repetitions + 1) * sizeof *medians);
                if (!medians)
                        return -1;
                rs->repetition_medians = medians;
                rs->repetition_medians[rs->repetitions++] = stats_median(in->values, in->n);
        }
        return 0;
}

/* Statistics, intervals and the probe's median of a row whose repetitions are pooled. */
static int summarize(struct result *r, double max_half_width)
{
        double probes[2 * 64];
        size_t n_probes = 0;

        for (size_t k = 0; k < r->n_series; k++) {
                struct result_series *rs = &r->series[k];
                if (stats_summarize(rs->samples, rs->n, &rs->stats) != 0)
                        return -1;
                stats_median_interval(rs->stats.p50, rs->repetition_medians, rs->repetitions,
                                      rs->stats.median_low, rs->stats.median_high, &rs->ci_low, &rs->ci_high);
                /* A time, a rate or a size is never negative: nor is its interval. */
                if (rs->stats.min >= 0 && rs->ci_low < 0)
                        rs->ci_low = 0;
                /* One repetition knows nothing of how far a second would move (its own
                 * samples' interval held a second run's median 1 time in 10 here): no interval,
                 * rather than a narrow one that misleads. */
                if (rs->repetitions < 2)
                        rs->ci_low = rs->ci_high = NAN;
        }
        r->unstable = r->n_series && result_half_width(&r->series[0]) > max_half_width;
        for (unsigned i = 0; i < r->repetitions && n_probes + 2 <= sizeof probes / sizeof *probes; i++) {
                if (!isnan(r->contexts[i].probe_before_ns))
                        probes[n_probes++] = r->contexts[i].probe_before_ns;
                if (!isnan(r->contexts[i].probe_after_ns))
                        probes[n_probes++] = r->contexts[i].probe_after_ns;
        }
        r->probe_ns = n_probes ? stats_median(probes, n_probes) : NAN;
        return 0;
}

int trial_rows(const struct trial *t, struct result rows[TRIAL_MAX_ROWS], double max_half_width)
{
        int n_rows = 0;

        for (enum vcpu_distance d = DISTANCE_NONE; d <= DISTANCE_MIXED; d++) {
                struct result *r = &rows[n_rows];
                memset(r, 0, sizeof *r);
                r->pt = t->pt;
                r->status = OUTCOME_OK;
                r->distance = d;
                for (size_t i = 0; i < t->n_reps; i++)
                        if (rep_distance(&t->reps[i]) == d && pool(r, &t->reps[i]) != 0)
                                goto out_of_memory;
                if (r->repetitions == 0)
                        continue;
                if (summarize(r, max_half_width) != 0)
                        goto out_of_memory;
                n_rows++;
        }
        return n_rows;
out_of_memory:          /* rows[n_rows] is the one being made */
        for (int i = 0; i <= n_rows; i++)
                result_free(&rows[i]);
        return -1;
}

void result_free(struct result *r)
{
        for (size_t k = 0; k < r->n_series; k++) {
                free(r->series[k].samples);
                free(r->series[k].repetition_medians);
        }
        free(r->contexts);
        r->n_series = 0;
        r->contexts = NULL;
}

void trial_free(struct trial *t)
{
        for (size_t i = 0; i < t->n_reps; i++)
                point_outcome_free(&t->reps[i]);
        free(t->reps);
        free(t->primary_medians);
        t->reps = NULL;
        t->n_reps = 0;
}

/* splitmix64: a small generator whose whole state is the seed recorded in meta.json. */
static uint64_t next_random(uint64_t *state)
{
        uint64_t z = (*state += 0x9e3779b97f4a7c15u);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
}

void repeat_shuffle(size_t *order, size_t n, uint64_t *state)
{
        for (size_t i = n; i > 1; i--) {
                size_t j = (size_t)(next_random(state) % i);
                size_t kept = order[i - 1];
                order[i - 1] = order[j];
                order[j] = kept;
        }
}
