/* The CSV writer against a golden file: the contract's header, empty cells for missing values,
 * full precision, RFC 4180 quoting, the repetitions' interval, batch, idle choice and probe. */
#include <unistd.h>

#include "check.h"
#include "csv.h"

int main(int argc, char **argv)
{
        char got[8192] = "", want[8192] = "";
        FILE *f;
        size_t n;

        if (argc != 2) {
                fprintf(stderr, "usage: test_csv GOLDEN_FILE\n");
                return TEST_FAIL;
        }
        f = tmpfile();
        CHECK(f != NULL);
        if (!f)
                return check_result();
        csv_write_header(f);
        struct csv_row plain = {
                .run_id = "20261125-101500", .benchmark = "create.fork", .group = "create",
                .mechanism = "fork", .variant = "", .mode = "process", .placement = "any",
                .metric = "create", .unit = "ns",
                .stats = { .n = 3, .min = 100, .p50 = 123.25, .p90 = NAN, .p99 = NAN,
                           .p999 = NAN, .max = 0.1 + 0.2, .mean = 1.0 / 3.0, .stddev = 2e-9 },
                .repetitions = 3, .ci_low = 99.5, .ci_high = 150, .batch = 1, .cpu_idle = "awake",
                .vcpu_distance = "", .probe_ns = NAN,
        };
        csv_write_row(f, &plain);
        struct csv_row tricky = {
                .run_id = "r", .benchmark = "odd,name", .group = "say \"hi\"", .mechanism = "two\nlines",
                .variant = "v", .mode = "thread", .placement = "same-cpu", .size_bytes = 65536,
                .param = "parent_rss_mib", .param_value = 256, .metric = "rtt", .unit = "ns",
                .stats = { .n = 6000, .min = 1, .p50 = 2, .p90 = 3, .p99 = 4, .p999 = 5,
                           .max = 123456789012345.0, .mean = 2.5, .stddev = 0.5 },
                .repetitions = 7, .ci_low = 1.9, .ci_high = 2.25, .batch = 64, .cpu_idle = "allowed",
                .vcpu_distance = "far", .probe_ns = 553.5,
        };
        csv_write_row(f, &tricky);
        rewind(f);
        n = fread(got, 1, sizeof got - 1, f);
        got[n] = '\0';
        fclose(f);

        f = fopen(argv[1], "r");
        CHECK(f != NULL);
        if (!f)
                return check_result();
        n = fread(want, 1, sizeof want - 1, f);
        want[n] = '\0';
        fclose(f);
        CHECK_STR(got, want);
        return check_result();
}
