/* Parsing what a person types: sizes with suffixes, counts, seconds, and `run` options,
 * each bad value refused with a message that names it. */
#include <stdarg.h>

#include "check.h"
#include "options.h"

static int parse(struct run_options *o, char *err, size_t len, int argc, ...)
{
        char *argv[16];
        va_list ap;

        va_start(ap, argc);
        for (int i = 0; i < argc; i++)
                argv[i] = va_arg(ap, char *);
        va_end(ap);
        err[0] = '\0';
        return options_parse_run(argc, argv, o, err, len);
}

int main(void)
{
        struct run_options o;
        char err[512];
        size_t bytes, sizes[OPTIONS_MAX_SIZES], count;
        uint64_t n;
        double s;

        /* Sizes. */
        CHECK_INT(options_parse_size("64", &bytes), 0);
        CHECK_INT(bytes, 64);
        CHECK_INT(options_parse_size("4K", &bytes), 0);
        CHECK_INT(bytes, 4096);
        CHECK_INT(options_parse_size("4k", &bytes), 0);
        CHECK_INT(bytes, 4096);
        CHECK_INT(options_parse_size("4KiB", &bytes), 0);
        CHECK_INT(bytes, 4096);
        CHECK_INT(options_parse_size("1M", &bytes), 0);
        CHECK_INT(bytes, 1 << 20);
        CHECK_INT(options_parse_size("1G", &bytes), 0);
        CHECK_INT(bytes, 1 << 30);
        CHECK_INT(options_parse_size("12X", &bytes), -1);
        CHECK_INT(options_parse_size("0", &bytes), -1);
        CHECK_INT(options_parse_size("-4", &bytes), -1);
        CHECK_INT(options_parse_size("2G", &bytes), -1);
        CHECK_INT(options_parse_size("", &bytes), -1);
        CHECK_INT(options_parse_size("99999999999999999999999", &bytes), -1);

        CHECK_INT(options_parse_sizes("64,4K,1M", sizes, OPTIONS_MAX_SIZES, &count, err, sizeof err), 0);
        CHECK_INT(count, 3);
        CHECK_INT(sizes[2], 1 << 20);
        CHECK_INT(options_parse_sizes("64,12X", sizes, OPTIONS_MAX_SIZES, &count, err, sizeof err), -1);
        CHECK_CONTAINS(err, "'12X'");
        CHECK_INT(options_parse_sizes("64,,1M", sizes, OPTIONS_MAX_SIZES, &count, err, sizeof err), -1);
        CHECK_INT(options_parse_sizes("64,", sizes, OPTIONS_MAX_SIZES, &count, err, sizeof err), -1);

        /* Counts and seconds. */
        CHECK_INT(options_parse_count("100", 1, 1000, &n), 0);
        CHECK_INT(n, 100);
        CHECK_INT(options_parse_count("-5", 1, 1000, &n), -1);
        CHECK_INT(options_parse_count("0", 1, 1000, &n), -1);
        CHECK_INT(options_parse_count("1001", 1, 1000, &n), -1);
        CHECK_INT(options_parse_count("10x", 1, 1000, &n), -1);
        CHECK_INT(options_parse_seconds("0.25", 10, &s), 0);
        CHECK_NUM(s, 0.25);
        CHECK_INT(options_parse_seconds("0", 10, &s), -1);
        CHECK_INT(options_parse_seconds("nan", 10, &s), -1);
        CHECK_INT(options_parse_seconds("11", 10, &s), -1);

        /* Defaults. */
        CHECK_INT(parse(&o, err, sizeof err, 0), 0);
        CHECK_INT(o.modes, MODE_THREAD | MODE_PROCESS);
        CHECK_INT(o.placements, PLACEMENT_SAME | PLACEMENT_CROSS);
        CHECK_INT(o.profile, PROFILE_DEFAULT);
        CHECK_NUM(o.duration_s, 0.03);
        CHECK_INT(o.repeat, 3);
        CHECK_INT(o.max_repeat, 6);
        CHECK_INT(o.cpu_idle_allow, 0);
        CHECK_INT(o.seed_set, 0);
        CHECK_STR(o.out_root, "results");

        /* The full profile: longer repetitions, more of them, unless told otherwise. */
        CHECK_INT(parse(&o, err, sizeof err, 1, "--full"), 0);
        CHECK_INT(o.profile, PROFILE_FULL);
        CHECK_NUM(o.duration_s, 0.2);
        CHECK_INT(o.repeat, 5);
        CHECK_INT(o.max_repeat, 10);
        CHECK_INT(o.dry_run, 0);
        CHECK_INT(parse(&o, err, sizeof err, 2, "--dry-run", "--no-stream"), 0);
        CHECK_INT(o.dry_run, 1);
        CHECK_INT(o.no_stream, 1);
        CHECK_INT(parse(&o, err, sizeof err, 5, "--full", "--repeat", "1", "--duration", "2"), 0);
        CHECK_INT(o.repeat, 1);
        CHECK_INT(o.max_repeat, 10);
        CHECK_NUM(o.duration_s, 2);
        /* More repetitions than the profile's most: the most follows. */
        CHECK_INT(parse(&o, err, sizeof err, 2, "--repeat", "12"), 0);
        CHECK_INT(o.max_repeat, 12);
        CHECK_INT(parse(&o, err, sizeof err, 4, "--repeat", "4", "--max-repeat=9"), 0);
        CHECK_INT(o.repeat, 4);
        CHECK_INT(o.max_repeat, 9);
        CHECK_INT(parse(&o, err, sizeof err, 4, "--repeat", "4", "--max-repeat", "3"), 2);
        CHECK_CONTAINS(err, "--max-repeat 3 is below --repeat 4");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--max-repeat", "0"), 2);
        CHECK_CONTAINS(err, "--max-repeat: '0'");
        /* The idle choice and the order's seed. */
        CHECK_INT(parse(&o, err, sizeof err, 2, "--cpu-idle", "allow"), 0);
        CHECK_INT(o.cpu_idle_allow, 1);
        CHECK_INT(parse(&o, err, sizeof err, 1, "--cpu-idle=awake"), 0);
        CHECK_INT(o.cpu_idle_allow, 0);
        CHECK_INT(parse(&o, err, sizeof err, 2, "--cpu-idle", "off"), 2);
        CHECK_CONTAINS(err, "--cpu-idle: 'off' is not accepted; use awake");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--seed", "18446744073709551615"), 0);
        CHECK(o.seed == UINT64_MAX && o.seed_set);
        CHECK_INT(parse(&o, err, sizeof err, 2, "--seed", "-1"), 2);
        CHECK_CONTAINS(err, "--seed: '-1'");

        /* Options before and after patterns, both spellings of a value. */
        CHECK_INT(parse(&o, err, sizeof err, 6, "create.*", "--mode", "thread", "--placement=cross-cpu",
                        "--quick", "ipc.*"), 0);
        CHECK_INT(o.modes, MODE_THREAD);
        CHECK_INT(o.placements, PLACEMENT_CROSS);
        CHECK_INT(o.profile, PROFILE_QUICK);
        CHECK_NUM(o.duration_s, 0.01);
        CHECK_INT(o.repeat, 2);
        CHECK_INT(o.max_repeat, 2);
        CHECK_INT(o.n_globs, 2);
        CHECK_STR(o.globs[1], "ipc.*");
        CHECK_INT(parse(&o, err, sizeof err, 4, "--sizes", "64,4K", "--iterations", "50"), 0);
        CHECK_INT(o.n_sizes, 2);
        CHECK_INT(o.iterations, 50);

        CHECK_INT(parse(&o, err, sizeof err, 2, "--params", "0,16,1024"), 0);
        CHECK_INT(o.n_params, 3);
        CHECK_INT(o.params[2], 1024);
        CHECK_INT(o.params[3], -1);

        /* Bad input: exit status 2 and a message naming the value and what is accepted. */
        CHECK_INT(parse(&o, err, sizeof err, 2, "--mode", "fish"), 2);
        CHECK_CONTAINS(err, "'fish'");
        CHECK_CONTAINS(err, "thread, process or both");
        CHECK_INT(parse(&o, err, sizeof err, 1, "--mode"), 2);
        CHECK_CONTAINS(err, "--mode needs a value");
        CHECK_INT(parse(&o, err, sizeof err, 1, "--mode="), 2);
        CHECK_CONTAINS(err, "--mode needs a value");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--iterations", "-5"), 2);
        CHECK_CONTAINS(err, "'-5'");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--sizes", "12X"), 2);
        CHECK_CONTAINS(err, "'12X'");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--placement", "left"), 2);
        CHECK_CONTAINS(err, "same-cpu, cross-cpu or both");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--repeat", "0"), 2);
        CHECK_INT(parse(&o, err, sizeof err, 2, "--duration", "forever"), 2);
        CHECK_CONTAINS(err, "'forever'");
        CHECK_INT(parse(&o, err, sizeof err, 4, "--duration", "1", "--iterations", "5"), 2);
        CHECK_CONTAINS(err, "exclude each other");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--quick", "--full"), 2);
        CHECK_CONTAINS(err, "--quick and --full");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--params", "1,-2"), 2);
        CHECK_CONTAINS(err, "'-2'");
        CHECK_INT(parse(&o, err, sizeof err, 2, "--params", "1,,2"), 2);
        CHECK_INT(parse(&o, err, sizeof err, 1, "--frobnicate"), 2);
        CHECK_CONTAINS(err, "'--frobnicate'");
        return check_result();
}
