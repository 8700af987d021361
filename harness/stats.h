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
};

/* Summarize n samples (n >= 1); the array is not modified. Returns 0, or -1 if out of memory. */
int stats_summarize(const double *samples, size_t n, struct stats *out);

/* Median of n values (n >= 1); the array is not modified. NAN if out of memory. */
double stats_median(const double *values, size_t n);

/* The p-quantile (0..1) of sorted values by linear interpolation between closest ranks. */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

#endif
