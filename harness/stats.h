/* Statistics of a set of samples: percentiles only where enough samples stand behind them. */
#ifndef IPCBENCH_STATS_H
#define IPCBENCH_STATS_H

#include <stddef.h>

/* A percentile p is reported only when at least this many samples lie beyond it, i.e.
 * n * (1 - p) >= STATS_TAIL_MIN: p90 needs 50 samples, p99 500, p99.9 5000. */
enum { STATS_TAIL_MIN = 5 };

struct stats {
        size_t n;
        double min, p50, p90, p99, p999, max;   /* NAN when not enough samples */
        double mean, stddev;                    /* stddev: sample standard deviation, NAN if n < 2 */
        size_t outliers;                        /* modified z-score above 3.5 (MAD based) */
        /* A 95 % interval of the median from these samples alone, by order statistics (the
         * ranks n/2 -+ 1.96 sqrt(n)/2): what one repetition knows of its own median. */
        double median_low, median_high;
};

/* Summarize n samples (n >= 1); the array is not modified. Returns 0, or -1 if out of memory. */
int stats_summarize(const double *samples, size_t n, struct stats *out);

/* Median of n values (n >= 1); the array is not modified. NAN if out of memory. */
double stats_median(const double *values, size_t n);

/* The p-quantile (0..1) of sorted values by linear interpolation between closest ranks. */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

/* Student's t: the 0.975 quantile for df >= 1 degrees of freedom (a table to 30, then
 * 1.96 + 2.5/df, within 0.002 of the true value). */
double stats_t975(size_t df);

/* What a point's family (the other points of its kind in the run) says of the variation
 * between repetitions: the median of their relative variances, (s / mean)^2 of each one's
 * repetition medians, weighed as `df` degrees of freedom. df 0: no prior. */
struct stats_prior {
        double rel_var;
        double df;
};

/* The weight of a family's prior: as much as this many repetitions' degrees of freedom. */
#define STATS_PRIOR_DF 4.0

/* A 95 % interval of a point's median that reflects the variation between its repetitions,
 * not only within one: center -+ t(0.975, df) sqrt(v / R) |center|, where v is the relative
 * variance (s / mean)^2 of the R repetitions' own medians moderated by the family's prior
 * (limma's moderated variance: v = (df0 v0 + (R-1) v_R) / (df0 + R-1), df = df0 + R-1), then
 * widened where needed to hold [within_low, within_high] (the pooled samples' own interval).
 * Three repetitions that agree by chance no longer make a narrow interval on their own, and
 * one noisy point does not make its family's wide. Without a prior (NULL or df 0) it is
 * Student's t on the R medians; with neither a prior nor two repetitions, NAN: nothing says
 * how far a second run would move. The repetitions run apart from each other in time, so the
 * variance holds what changes between runs (the host's episodes, a vCPU moved), not just the
 * jitter within one. */
void stats_median_interval(double center, const double *rep_medians, size_t reps,
                           const struct stats_prior *prior, double within_low, double within_high,
                           double *low, double *high);

/* The relative variance (s / mean)^2 of n values (n >= 2), or NAN. */
double stats_relative_variance(const double *values, size_t n);

#endif
