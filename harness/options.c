#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char options_run_help[] =
"usage: ipcbench run [OPTIONS] [GLOB...]\n"
"\n"
"Run the benchmarks whose names match GLOB (shell-style, e.g. 'create.*'; default: all),\n"
"print a summary, and write results.csv, placement.csv and meta.json into OUT/<run_id>/.\n"
"\n"
"options:\n"
"  --quick                 quick profile: fewer sizes, 2 repetitions of 0.01 s (a first look)\n"
"  --full                  full profile: every size and parameter value, 5 to 10\n"
"                          repetitions of 0.2 s (default profile: 3 to 6 of 0.03 s)\n"
"  --mode M                thread | process | both (default both): how the peer runs\n"
"  --placement P           same-cpu | cross-cpu | both (default both): where the peers run\n"
"  --sizes LIST            message sizes, e.g. 64,4K,1M (binary K/M/G), for round trips\n"
"                          and throughput alike\n"
"  --params LIST           values of the swept parameter (see 'ipcbench list'), e.g. 0,64\n"
"  --iterations N          timed operations per point (instead of a duration)\n"
"  --duration SECONDS      timed seconds per repetition (default 0.03, quick 0.01, full 0.2)\n"
"  --repeat R              independent repetitions of every point, each in a fresh process,\n"
"                          spread through the run in rounds of shuffled order (default 3,\n"
"                          quick 2, full 5); they give each median its 95 % interval\n"
"  --max-repeat M          more repetitions, up to M, for a point whose interval is wider\n"
"                          than -+5 % of its median, while the run has taken at most a quarter\n"
"                          longer than its first rounds (default 6, quick 2, full 10)\n"
"  --seed N                the order of the repetitions (default: random; meta.json says it)\n"
"  --cpu-idle C            awake | allow (default awake): awake holds a PM QoS request of 0\n"
"                          on /dev/cpu_dma_latency while measuring, so idle CPUs poll instead\n"
"                          of halting and a wake-up across CPUs is not a wake from deep idle\n"
"  --timeout SECONDS       watchdog: a point running longer is killed and marked failed\n"
"                          (default 60)\n"
"  --out DIR               results root (default: results); the run goes to DIR/<run_id>\n"
"  --dir DIR               where file benchmarks (ipc.file*) write (default /dev/shm, a\n"
"                          tmpfs; give a directory on a disk to measure the disk)\n"
"  --raw                   also write every sample to samples.csv\n"
"  --no-stream             skip the one-way stream (throughput) points\n"
"  --dry-run               list the points the run would measure, and how long it takes at\n"
"                          least; measure nothing\n"
"  -h, --help              this help\n"
"\n"
"Benchmarks without a peer (create.*) ignore --mode: their mode column says what they\n"
"create. For them same-cpu pins the parent (children inherit its CPU) and cross-cpu runs\n"
"unpinned, recorded as placement 'any': the scheduler may start the child on an idle CPU.\n"
"Exit status: 0 all ran (skips included), 1 a benchmark failed, 2 bad usage, 130 interrupted.\n";

int options_parse_size(const char *text, size_t *bytes)
{
        char *end;
        unsigned long long n;
        int shift = 0;

        if (!isdigit((unsigned char)text[0]))
                return -1;
        errno = 0;
        n = strtoull(text, &end, 10);
        if (errno)
                return -1;
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10; end++; break;
        case 'M': shift = 20; end++; break;
        case 'G': shift = 30; end++; break;
        }
        if (shift && *end == 'i')
                end++;
        if (*end == 'B' || *end == 'b')
                end++;
        if (*end != '\0' || n == 0 || n > (1ULL << 30) >> shift)
                return -1;
        *bytes = (size_t)(n << shift);
        return 0;
}

int options_parse_sizes(const char *text, size_t *sizes, size_t max, size_t *count,
                        char *err, size_t err_len)
{
        const char *item = text;

        *count = 0;
        for (;;) {
                size_t len = strcspn(item, ",");
                char one[32];

                if (len == 0 || len >= sizeof one) {
                        snprintf(err, err_len, "--sizes: '%.*s' is not a size; use bytes with an "
                                 "optional K, M or G suffix, 1 B to 1G, e.g. 64,4K,1M",
                                 (int)(len ? len : strlen(text)), len ? item : text);
                        return -1;
                }
                memcpy(one, item, len);
                one[len] = '\0';
                if (options_parse_size(one, &sizes[*count]) != 0) {
                        snprintf(err, err_len, "--sizes: '%s' is not a size; use bytes with an "
                                 "optional K, M or G suffix, 1 B to 1G, e.g. 64,4K,1M", one);
                        return -1;
                }
                if (++*count == max && item[len] == ',') {
                        snprintf(err, err_len, "--sizes: more than %zu sizes", max);
                        return -1;
                }
                if (item[len] == '\0')
                        return 0;
                item += len + 1;
        }
}

int options_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
        char *end;
        unsigned long long n;

        if (!isdigit((unsigned char)text[0]))
                return -1;      /* also refuses "-5": strtoull would wrap it */
        errno = 0;
        n = strtoull(text, &end, 10);
        if (errno || *end != '\0' || n < min || n > max)
                return -1;
        *value = n;
        return 0;
}

int options_parse_unsigned(const char *text, unsigned min, unsigned max, unsigned *value)
{
        uint64_t n;

        if (options_parse_count(text, min, max, &n) != 0)
                return -1;
        *value = (unsigned)n;
        return 0;
}

int options_parse_seconds(const char *text, double max, double *value)
{
        char *end;
        double s;

        if (!isdigit((unsigned char)text[0]) && text[0] != '.')
                return -1;
        errno = 0;
        s = strtod(text, &end);
        if (errno || *end != '\0' || !isfinite(s) || s <= 0 || s > max)
                return -1;
        *value = s;
        return 0;
}

/* A comma-separated list of whole numbers from 0 to 1000000000. */
static int parse_params(const char *text, struct run_options *o, char *err, size_t err_len)
{
        const char *item = text;

        o->n_params = 0;
        for (;;) {
                size_t len = strcspn(item, ",");
                char one[24];
                uint64_t value;

                if (len == 0 || len >= sizeof one || o->n_params == OPTIONS_MAX_PARAMS) {
                        snprintf(err, err_len, "--params: '%s' is not a list of at most %d whole "
                                 "numbers, e.g. 0,64,1024", text, OPTIONS_MAX_PARAMS);
                        return -1;
                }
                memcpy(one, item, len);
                one[len] = '\0';
                if (options_parse_count(one, 0, 1000000000, &value) != 0) {
                        snprintf(err, err_len, "--params: '%s' is not a whole number from 0 to "
                                 "1000000000, e.g. 0,64,1024", one);
                        return -1;
                }
                o->params[o->n_params++] = (long)value;
                o->params[o->n_params] = -1;
                if (item[len] == '\0')
                        return 0;
                item += len + 1;
        }
}

const char *option_value(int argc, char **argv, int *i, const char *arg)
{
        const char *eq = strchr(arg, '=');

        if (eq)
                return eq + 1;
        if (*i + 1 < argc)
                return argv[++*i];
        return NULL;
}

int is_option(const char *arg, const char *name)
{
        size_t len = strlen(name);

        return strncmp(arg, name, len) == 0 && (arg[len] == '\0' || arg[len] == '=');
}

int options_parse_run(int argc, char **argv, struct run_options *o, char *err, size_t err_len)
{
        int duration_set = 0, repeat_set = 0, max_repeat_set = 0, options_done = 0, quick = 0, full = 0;

        memset(o, 0, sizeof *o);
        o->modes = MODE_THREAD | MODE_PROCESS;
        o->placements = PLACEMENT_SAME | PLACEMENT_CROSS;
        o->repeat = 1;
        o->timeout_s = 60;
        o->out_root = "results";

        for (int i = 0; i < argc; i++) {
                const char *arg = argv[i], *v = NULL;

                if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
                        if (o->n_globs == OPTIONS_MAX_GLOBS) {
                                snprintf(err, err_len, "more than %d benchmark patterns", OPTIONS_MAX_GLOBS);
                                return 2;
                        }
                        o->globs[o->n_globs++] = arg;
                        continue;
                }
#define VALUE(what)                                                                          \
        do {                                                                                 \
                if (!(v = option_value(argc, argv, &i, arg)) || !*v) {                       \
                        snprintf(err, err_len, "%.*s needs a value: %s",                     \
                                 (int)strcspn(arg, "="), arg, what);                         \
                        return 2;                                                            \
                }                                                                            \
        } while (0)
                if (strcmp(arg, "--") == 0) {
                        options_done = 1;
                } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                        o->help = 1;
                } else if (strcmp(arg, "--quick") == 0) {
                        quick = 1;
                } else if (strcmp(arg, "--full") == 0) {
                        full = 1;
                } else if (strcmp(arg, "--raw") == 0) {
                        o->raw = 1;
                } else if (strcmp(arg, "--no-stream") == 0) {
                        o->no_stream = 1;
                } else if (strcmp(arg, "--dry-run") == 0) {
                        o->dry_run = 1;
                } else if (is_option(arg, "--mode")) {
                        VALUE("thread, process or both");
                        if (strcmp(v, "thread") == 0)
                                o->modes = MODE_THREAD;
                        else if (strcmp(v, "process") == 0)
                                o->modes = MODE_PROCESS;
                        else if (strcmp(v, "both") == 0)
                                o->modes = MODE_THREAD | MODE_PROCESS;
                        else {
                                snprintf(err, err_len, "--mode: '%s' is not a mode; use thread, process or both", v);
                                return 2;
                        }
                } else if (is_option(arg, "--placement")) {
                        VALUE("same-cpu, cross-cpu or both");
                        if (strcmp(v, "same-cpu") == 0)
                                o->placements = PLACEMENT_SAME;
                        else if (strcmp(v, "cross-cpu") == 0)
                                o->placements = PLACEMENT_CROSS;
                        else if (strcmp(v, "both") == 0)
                                o->placements = PLACEMENT_SAME | PLACEMENT_CROSS;
                        else {
                                snprintf(err, err_len, "--placement: '%s' is not a placement; use same-cpu, cross-cpu or both", v);
                                return 2;
                        }
                } else if (is_option(arg, "--sizes")) {
                        VALUE("a list of sizes such as 64,4K,1M");
                        if (options_parse_sizes(v, o->sizes, OPTIONS_MAX_SIZES, &o->n_sizes, err, err_len) != 0)
                                return 2;
                } else if (is_option(arg, "--params")) {
                        VALUE("a list of whole numbers such as 0,64,1024");
                        if (parse_params(v, o, err, err_len) != 0)
                                return 2;
                } else if (is_option(arg, "--iterations")) {
                        VALUE("a whole number of timed operations, 1 to 1000000000");
                        if (options_parse_count(v, 1, 1000000000, &o->iterations) != 0) {
                                snprintf(err, err_len, "--iterations: '%s' is not a whole number from 1 to 1000000000", v);
                                return 2;
                        }
                } else if (is_option(arg, "--duration")) {
                        VALUE("seconds per point, e.g. 0.5");
                        if (options_parse_seconds(v, 3600, &o->duration_s) != 0) {
                                snprintf(err, err_len, "--duration: '%s' is not a number of seconds above 0 and up to 3600", v);
                                return 2;
                        }
                        duration_set = 1;
                } else if (is_option(arg, "--repeat")) {
                        uint64_t r;
                        VALUE("a whole number of repetitions, 1 to 1000");
                        if (options_parse_count(v, 1, 1000, &r) != 0) {
                                snprintf(err, err_len, "--repeat: '%s' is not a whole number from 1 to 1000", v);
                                return 2;
                        }
                        o->repeat = (unsigned)r;
                        repeat_set = 1;
                } else if (is_option(arg, "--max-repeat")) {
                        VALUE("a whole number of repetitions, 1 to 1000");
                        if (options_parse_unsigned(v, 1, 1000, &o->max_repeat) != 0) {
                                snprintf(err, err_len, "--max-repeat: '%s' is not a whole number from 1 to 1000", v);
                                return 2;
                        }
                        max_repeat_set = 1;
                } else if (is_option(arg, "--seed")) {
                        VALUE("a whole number, 0 to 18446744073709551615");
                        if (options_parse_count(v, 0, UINT64_MAX, &o->seed) != 0) {
                                snprintf(err, err_len, "--seed: '%s' is not a whole number from 0 to "
                                         "18446744073709551615", v);
                                return 2;
                        }
                        o->seed_set = 1;
                } else if (is_option(arg, "--cpu-idle")) {
                        VALUE("awake or allow");
                        if (strcmp(v, "awake") == 0 || strcmp(v, "allow") == 0) {
                                o->cpu_idle_allow = strcmp(v, "allow") == 0;
                        } else {
                                snprintf(err, err_len, "--cpu-idle: '%s' is not accepted; use awake "
                                         "(hold idle CPUs awake while measuring) or allow", v);
                                return 2;
                        }
                } else if (is_option(arg, "--timeout")) {
                        VALUE("seconds, e.g. 60");
                        if (options_parse_seconds(v, 86400, &o->timeout_s) != 0) {
                                snprintf(err, err_len, "--timeout: '%s' is not a number of seconds above 0 and up to 86400", v);
                                return 2;
                        }
                } else if (is_option(arg, "--dir")) {
                        VALUE("a directory");
                        o->data_dir = v;
                } else if (is_option(arg, "--out")) {
                        VALUE("a directory");
                        o->out_root = v;
                } else {
                        snprintf(err, err_len, "unknown option '%s'; see 'ipcbench run --help'", arg);
                        return 2;
                }
#undef VALUE
        }
        if (duration_set && o->iterations) {
                snprintf(err, err_len, "--iterations and --duration exclude each other; give one");
                return 2;
        }
        if (quick && full) {
                snprintf(err, err_len, "--quick and --full exclude each other; give one");
                return 2;
        }
        o->profile = quick ? PROFILE_QUICK : full ? PROFILE_FULL : PROFILE_DEFAULT;
        if (!duration_set)
                o->duration_s = quick ? 0.01 : full ? 0.2 : 0.03;
        if (!repeat_set)
                o->repeat = quick ? 2 : full ? 5 : 3;
        if (!max_repeat_set)
                o->max_repeat = quick ? 2 : full ? 10 : 6;
        if (max_repeat_set && o->max_repeat < o->repeat) {
                snprintf(err, err_len, "--max-repeat %u is below --repeat %u; give at least as many",
                         o->max_repeat, o->repeat);
                return 2;
        }
        if (o->max_repeat < o->repeat)
                o->max_repeat = o->repeat;
        return 0;
}

const char *options_profile_name(enum run_profile profile)
{
        return profile == PROFILE_QUICK ? "quick" : profile == PROFILE_FULL ? "full" : "default";
}
