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

/* The half-width of the interval of values[] (repetition medians), relative to their median,
 * with the family's prior. */
static double relative_half_width(const double *values, size_t n, const struct stats_prior *prior)
{
        double center = stats_median(values, n), low, high;

        stats_median_interval(center, values, n, prior, center, center, &low, &high);
        if (isnan(low) || isnan(high))
                return INFINITY;
        if (high == low)
                return 0;
        return center != 0 ? (high - center) / fabs(center) : INFINITY;
}

static int same_family(const struct point *a, const struct point *b)
{
        return strcmp(a->bench->group, b->bench->group) == 0 && a->placement == b->placement &&
               a->stream == b->stream;
}

void repeat_family_priors(const struct trial *trials, size_t n, struct stats_prior *priors)
{
        double *own = malloc((n ? n : 1) * sizeof *own), *family = malloc((n ? n : 1) * sizeof *family);

        for (size_t i = 0; i < n; i++)
                priors[i] = (struct stats_prior){ .rel_var = NAN, .df = 0 };
        if (!own || !family)
                goto out;
        for (size_t i = 0; i < n; i++)
                own[i] = trials[i].n_reps >= 2 ? stats_relative_variance(trials[i].primary_medians,
                                                                         trials[i].n_reps) : NAN;
        for (size_t i = 0; i < n; i++) {
                size_t k = 0;
                for (size_t j = 0; j < n; j++)
                        if (!isnan(own[j]) && same_family(&trials[i].pt, &trials[j].pt))
                                family[k++] = own[j];
                /* A family of one says nothing beyond the point itself. */
                if (k >= 3)
                        priors[i] = (struct stats_prior){ .rel_var = stats_median(family, k),
                                                          .df = STATS_PRIOR_DF };
        }
out:
        free(own);
        free(family);
}

double trial_half_width(const struct trial *t, const struct stats_prior *prior)
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
                        widest = fmax(widest, relative_half_width(values, n, prior));
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
static int summarize(struct result *r, double max_half_width, const struct stats_prior *prior)
{
        double probes[2 * 64];
        size_t n_probes = 0;

        for (size_t k = 0; k < r->n_series; k++) {
                struct result_series *rs = &r->series[k];
                if (stats_summarize(rs->samples, rs->n, &rs->stats) != 0)
                        return -1;
                stats_median_interval(rs->stats.p50, rs->repetition_medians, rs->repetitions, prior,
                                      rs->stats.median_low, rs->stats.median_high, &rs->ci_low, &rs->ci_high);
                /* A time, a rate or a size is never negative: nor is its interval. */
                if (rs->stats.min >= 0 && rs->ci_low < 0)
                        rs->ci_low = 0;
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

int trial_rows(const struct trial *t, struct result rows[TRIAL_MAX_ROWS], double max_half_width,
               const struct stats_prior *prior)
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
                if (summarize(r, max_half_width, prior) != 0)
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
