#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
        double rank = p * (double)(n - 1);
        size_t lo = (size_t)rank;

        if (lo + 1 >= n)
                return sorted[n - 1];
        return sorted[lo] + (rank - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

static double *sorted_copy(const double *values, size_t n)
{
        double *copy = malloc(n * sizeof *copy);

        if (!copy)
                return NULL;
        memcpy(copy, values, n * sizeof *copy);
        qsort(copy, n, sizeof *copy, cmp_double);
        return copy;
}

double stats_median(const double *values, size_t n)
{
        double *sorted = sorted_copy(values, n);
        double median;

        if (!sorted)
                return NAN;
        median = stats_quantile_sorted(sorted, n, 0.5);
        free(sorted);
        return median;
}

static double tail_quantile(const double *sorted, size_t n, double p)
{
        if ((double)n * (1.0 - p) < STATS_TAIL_MIN - 1e-9)
                return NAN;
        return stats_quantile_sorted(sorted, n, p);
}

/* Outliers by the modified z-score (Iglewicz and Hoaglin): |x - median| / (1.4826 MAD) > 3.5.
 * They are counted for a warning, never dropped. */
static size_t count_outliers(const double *sorted, size_t n, double median)
{
        double *dev = malloc(n * sizeof *dev);
        size_t count = 0;
        double mad;

        if (!dev)
                return 0;
        for (size_t i = 0; i < n; i++)
                dev[i] = fabs(sorted[i] - median);
        qsort(dev, n, sizeof *dev, cmp_double);
        mad = stats_quantile_sorted(dev, n, 0.5);
        if (mad > 0)
                for (size_t i = 0; i < n; i++)
                        if (fabs(sorted[i] - median) / (1.4826 * mad) > 3.5)
                                count++;
        free(dev);
        return count;
}

/* Welford: the mean and the sum of squared deviations in one pass, with no catastrophic
 * cancellation on large nanosecond values. */
static void welford(const double *values, size_t n, double *mean, double *m2)
{
        *mean = *m2 = 0;
        for (size_t i = 0; i < n; i++) {
                double delta = values[i] - *mean;
                *mean += delta / (double)(i + 1);
                *m2 += delta * (values[i] - *mean);
        }
}

int stats_summarize(const double *samples, size_t n, struct stats *out)
{
        double *sorted = sorted_copy(samples, n);
        double mean = 0, m2 = 0;

        if (!sorted)
                return -1;
        welford(samples, n, &mean, &m2);
        out->n = n;
        out->min = sorted[0];
        out->max = sorted[n - 1];
        out->p50 = stats_quantile_sorted(sorted, n, 0.5);
        out->p90 = tail_quantile(sorted, n, 0.90);
        out->p99 = tail_quantile(sorted, n, 0.99);
        out->p999 = tail_quantile(sorted, n, 0.999);
        out->mean = mean;
        out->stddev = n >= 2 ? sqrt(m2 / (double)(n - 1)) : NAN;
        out->outliers = count_outliers(sorted, n, out->p50);
        /* Ranks j and k (1-based) with j = floor((n - 1.96 sqrt n) / 2), k = ceil(1 + (n + 1.96
         * sqrt n) / 2): the normal approximation of the binomial around the median's rank. */
        double spread = 1.96 * sqrt((double)n);
        double j = floor(((double)n - spread) / 2), k = ceil(1 + ((double)n + spread) / 2);
        out->median_low = sorted[j < 1 ? 0 : (size_t)j - 1];
        out->median_high = sorted[k > (double)n ? n - 1 : (size_t)k - 1];
        free(sorted);
        return 0;
}

double stats_t975(size_t df)
{
        static const double table[] = {
                12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        };

        if (df == 0)
                return NAN;
        if (df <= sizeof table / sizeof *table)
                return table[df - 1];
        return 1.96 + 2.5 / (double)df;
}

double stats_relative_variance(const double *values, size_t n)
{
        double mean = 0, m2 = 0;

        if (n < 2)
                return NAN;
        welford(values, n, &mean, &m2);
        if (m2 == 0)
                return 0;       /* all alike, zero included: nothing varies */
        return mean != 0 ? m2 / (double)(n - 1) / (mean * mean) : NAN;
}

void stats_median_interval(double center, const double *rep_medians, size_t reps,
                           const struct stats_prior *prior, double within_low, double within_high,
                           double *low, double *high)
{
        double prior_df = prior && prior->df > 0 && isfinite(prior->rel_var) ? prior->df : 0;
        double own_df = reps >= 2 ? (double)reps - 1 : 0, df = prior_df + own_df;
        double own = reps >= 2 ? stats_relative_variance(rep_medians, reps) : 0;

        *low = *high = NAN;
        if (df == 0 || reps == 0 || isnan(own))
                return;
        double var = (prior_df * (prior_df ? prior->rel_var : 0) + own_df * own) / df;
        /* t for a whole number of degrees of freedom, rounded down: a little wider, never less. */
        double half = stats_t975((size_t)df) * sqrt(var / (double)reps) * fabs(center);
        *low = fmin(within_low, center - half);
        *high = fmax(within_high, center + half);
}
