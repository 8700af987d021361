/* Statistics of known arrays: medians of odd and even counts, interpolated percentiles, a real
 * standard deviation, percentiles left empty without enough samples, outliers counted; the
 * median's interval against answers worked by hand and against its promised coverage. */
#include "check.h"
#include "stats.h"

#include <stdint.h>

/* A standard normal variate from a fixed generator (Box-Muller over a 64-bit LCG), so the
 * coverage check below sees the same draws on every run. */
static double normal(uint64_t *state)
{
        double u[2];

        for (int i = 0; i < 2; i++) {
                *state = *state * 6364136223846793005u + 1442695040888963407u;
                u[i] = ((double)(*state >> 11) + 0.5) / 9007199254740992.0;
        }
        return sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
}

static void check_intervals(void)
{
        struct stats s;
        double low, high;

        /* Order statistics of 1..100: ranks floor((100 - 19.6) / 2) = 40 and
         * ceil(1 + (100 + 19.6) / 2) = 61. */
        static double hundred[100];
        for (int i = 0; i < 100; i++)
                hundred[i] = 100 - i;
        CHECK_INT(stats_summarize(hundred, 100, &s), 0);
        CHECK_NUM(s.median_low, 40);
        CHECK_NUM(s.median_high, 61);
        /* Too few samples for inner ranks: the whole range. */
        double three[] = { 3, 1, 2 };
        CHECK_INT(stats_summarize(three, 3, &s), 0);
        CHECK_NUM(s.median_low, 1);
        CHECK_NUM(s.median_high, 3);

        CHECK_NUM(stats_t975(1), 12.706);
        CHECK_NUM(stats_t975(4), 2.776);
        CHECK_NUM(stats_t975(30), 2.042);
        CHECK(fabs(stats_t975(60) - 2.000) < 0.002 && fabs(stats_t975(120) - 1.980) < 0.002);

        /* Medians 10, 12, 14: s = 2, half-width 4.303 * 2 / sqrt(3), around the center given. */
        double medians[] = { 10, 12, 14 };
        stats_median_interval(12, medians, 3, NULL, 11.9, 12.1, &low, &high);
        CHECK_NUM(low, 12 - 4.303 * 2 / sqrt(3));
        CHECK_NUM(high, 12 + 4.303 * 2 / sqrt(3));
        /* The within-repetition interval is kept where it is the wider side. */
        stats_median_interval(12, medians, 3, NULL, 0, 13, &low, &high);
        CHECK_NUM(low, 0);
        CHECK_NUM(high, 12 + 4.303 * 2 / sqrt(3));
        /* One repetition and no family: nothing says how far a second would move. */
        stats_median_interval(12, medians, 1, NULL, 11.5, 12.5, &low, &high);
        CHECK(isnan(low) && isnan(high));
        /* A family's prior (relative variance 0.01, worth 4 degrees of freedom) moderates three
         * repetitions that agree by chance: v = (4 * 0.01 + 2 * 0) / 6, t(0.975, 6) = 2.447. */
        struct stats_prior prior = { .rel_var = 0.01, .df = 4 };
        double agreeing[] = { 100, 100, 100 };
        stats_median_interval(100, agreeing, 3, &prior, 100, 100, &low, &high);
        CHECK_NUM(high, 100 + 2.447 * sqrt(0.04 / 6 / 3) * 100);
        CHECK_NUM(low, 100 - 2.447 * sqrt(0.04 / 6 / 3) * 100);
        /* ... and gives one repetition the family's interval: t(0.975, 4) sqrt(0.01). */
        stats_median_interval(100, agreeing, 1, &prior, 100, 100, &low, &high);
        CHECK_NUM(high, 100 + 2.776 * 0.1 * 100);
        /* Identical repetitions add no width. */
        double same[] = { 5, 5, 5, 5 };
        stats_median_interval(5, same, 4, NULL, 5, 5, &low, &high);
        CHECK_NUM(low, 5);
        CHECK_NUM(high, 5);

        /* The promise: with repetition medians drawn around a known true value, the interval
         * holds it 95 % of the time. 4000 draws of 5 repetitions, centered on their mean:
         * between 94 and 96 % (the binomial's 3.2 sigma). */
        uint64_t state = 42;
        int covered = 0, trials = 4000;
        for (int t = 0; t < trials; t++) {
                double rep[5], mean = 0;
                for (int i = 0; i < 5; i++)
                        mean += (rep[i] = 100 + 5 * normal(&state)) / 5;
                stats_median_interval(mean, rep, 5, NULL, mean, mean, &low, &high);
                covered += low <= 100 && 100 <= high;
        }
        CHECK(covered >= trials * 94 / 100 && covered <= trials * 96 / 100);
        /* The same with three repetitions and a family prior that knows the variance (5 % of
         * 100): at least 95 % (94 with the draws' own spread), at most 99: the prior is read as
         * an estimate worth 4 degrees of freedom, so an exact one makes it a little wider. */
        struct stats_prior known = { .rel_var = 0.0025, .df = 4 };
        covered = 0;
        for (int t = 0; t < trials; t++) {
                double rep[3], mean = 0;
                for (int i = 0; i < 3; i++)
                        mean += (rep[i] = 100 + 5 * normal(&state)) / 3;
                stats_median_interval(mean, rep, 3, &known, mean, mean, &low, &high);
                covered += low <= 100 && 100 <= high;
        }
        CHECK(covered >= trials * 94 / 100 && covered <= trials * 99 / 100);
}

int main(void)
{
        struct stats s;

        /* Odd count, unsorted input, which must be left as it was. */
        double odd[] = { 5, 1, 4, 2, 3 };
        CHECK_INT(stats_summarize(odd, 5, &s), 0);
        CHECK_INT(s.n, 5);
        CHECK_NUM(s.min, 1);
        CHECK_NUM(s.max, 5);
        CHECK_NUM(s.p50, 3);
        CHECK_NUM(s.mean, 3);
        CHECK_NUM(s.stddev, sqrt(2.5));         /* sample stddev (n - 1), not the standard error */
        CHECK(isnan(s.p90) && isnan(s.p99) && isnan(s.p999));
        CHECK_NUM(odd[0], 5);
        CHECK_NUM(odd[4], 3);

        /* Even count: the median lies between the two middle values. */
        double even[] = { 10, 40, 20, 30 };
        CHECK_INT(stats_summarize(even, 4, &s), 0);
        CHECK_NUM(s.p50, 25);
        CHECK_NUM(stats_median(even, 4), 25);

        /* One sample: no spread to speak of. */
        double one[] = { 7 };
        CHECK_INT(stats_summarize(one, 1, &s), 0);
        CHECK_NUM(s.p50, 7);
        CHECK(isnan(s.stddev));
        CHECK_INT(s.outliers, 0);

        /* 1..1000: percentiles by linear interpolation between closest ranks. */
        static double ramp[1000];
        for (int i = 0; i < 1000; i++)
                ramp[i] = 1000 - i;              /* descending: the summary must sort */
        CHECK_INT(stats_summarize(ramp, 1000, &s), 0);
        CHECK_NUM(s.p50, 500.5);
        CHECK_NUM(s.p90, 900.1);
        CHECK_NUM(s.p99, 990.01);
        CHECK(isnan(s.p999));                    /* 1000 samples leave 1 beyond p99.9: not enough */
        CHECK_NUM(s.mean, 500.5);
        CHECK_INT(s.outliers, 0);

        /* p99.9 appears once 5000 samples stand behind it. */
        static double many[5000];
        for (int i = 0; i < 5000; i++)
                many[i] = i + 1;
        CHECK_INT(stats_summarize(many, 5000, &s), 0);
        CHECK_NUM(s.p999, 4995.001);
        CHECK_NUM(stats_quantile_sorted(many, 5000, 0), 1);
        CHECK_NUM(stats_quantile_sorted(many, 5000, 1), 5000);

        /* Percentile thresholds: p90 needs 50 samples, p99 500. */
        CHECK_INT(stats_summarize(many, 49, &s), 0);
        CHECK(isnan(s.p90));
        CHECK_INT(stats_summarize(many, 50, &s), 0);
        CHECK(!isnan(s.p90) && isnan(s.p99));
        CHECK_INT(stats_summarize(many, 500, &s), 0);
        CHECK(!isnan(s.p99));

        /* Outliers are counted, never dropped: max and mean still see them. */
        double spiky[] = { 10, 11, 9, 10, 12, 10, 9, 11, 10, 1000 };
        CHECK_INT(stats_summarize(spiky, 10, &s), 0);
        CHECK_INT(s.outliers, 1);
        CHECK_NUM(s.max, 1000);
        CHECK_NUM(s.mean, 109.2);

        /* Large nanosecond values: the standard deviation must not cancel to garbage. */
        double big[] = { 1e12 + 1, 1e12 + 2, 1e12 + 3 };
        CHECK_INT(stats_summarize(big, 3, &s), 0);
        CHECK_NUM(s.stddev, 1);
        check_intervals();
        return check_result();
}
