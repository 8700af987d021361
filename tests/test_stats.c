/* Statistics of known arrays: medians of odd and even counts, interpolated percentiles, a real
 * standard deviation, percentiles left empty without enough samples, outliers counted. */
#include "check.h"
#include "stats.h"

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
        return check_result();
}
