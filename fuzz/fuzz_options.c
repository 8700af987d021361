/* Fuzz target: the options of `ipcbench run` (harness/options.c, options_parse_run).
 *
 * The input, split at every NUL and newline, is the argument list after "run". Checked:
 *   - it succeeds with no message, or fails (status 2) with one non-empty line; never both;
 *   - on success every value lies inside its documented bounds;
 *   - on success the result is what the arguments say when read by a model written here: each
 *     option takes the value after '=' or the next argument, the last of each option wins,
 *     "--" ends the options, "-" and anything not starting with '-' is a pattern, and the
 *     patterns are the very arguments given, in order; --quick and --full exclude each other,
 *     and without --duration or --repeat a run has those of its profile given alone; without
 *     --max-repeat, the profile's most or --repeat, whichever is more; --cpu-idle allow alone
 *     lets idle CPUs halt; a --seed given is the seed kept.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "options.h"

enum { MAX_ARGS = 256, ERR_BYTES = 512 };       /* cli.c's message buffer is 512 bytes */

/* The options that take a value, as `ipcbench run --help` lists them. */
static const char *const valued[] = {
        "--mode", "--placement", "--sizes", "--params", "--iterations", "--duration",
        "--repeat", "--timeout", "--dir", "--out", "--max-repeat", "--seed", "--cpu-idle",
};

/* What the model expects from an argument list that parsed. */
struct expected {
        bool quick, full, raw, no_stream, dry_run, help;
        const char *value[sizeof valued / sizeof *valued];      /* the last one given, or NULL */
        char *globs[MAX_ARGS];
        size_t n_globs;
};

/* "--name" or "--name=..." for a valued option: its index, else -1. */
static int valued_index(const char *arg)
{
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) {
                size_t len = strlen(valued[k]);

                if (strncmp(arg, valued[k], len) == 0 && (arg[len] == '\0' || arg[len] == '='))
                        return (int)k;
        }
        return -1;
}

/* Reads the arguments as the help describes them; only called when the parser accepted them,
 * so every option here is known and has a value. */
static void model_read(int argc, char **argv, struct expected *e)
{
        bool options_done = false;

        memset(e, 0, sizeof *e);
        for (int i = 0; i < argc; i++) {
                char *arg = argv[i], *eq;
                int k;

                if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
                        e->globs[e->n_globs++] = arg;
                } else if (strcmp(arg, "--") == 0) {
                        options_done = true;
                } else if (strcmp(arg, "--quick") == 0) {
                        e->quick = true;
                } else if (strcmp(arg, "--full") == 0) {
                        e->full = true;
                } else if (strcmp(arg, "--raw") == 0) {
                        e->raw = true;
                } else if (strcmp(arg, "--no-stream") == 0) {
                        e->no_stream = true;
                } else if (strcmp(arg, "--dry-run") == 0) {
                        e->dry_run = true;
                } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                        e->help = true;
                } else {
                        k = valued_index(arg);
                        FUZZ_CHECK(k >= 0, "'%s' accepted, but it is no option of ipcbench run", arg);
                        eq = strchr(arg, '=');
                        FUZZ_CHECK(eq || i + 1 < argc, "'%s' accepted without a value", arg);
                        e->value[k] = eq ? eq + 1 : argv[++i];
                }
        }
}

/* For messages: a value, or that there was none. */
static const char *shown(const char *value)
{
        return value ? value : "(none)";
}

static const char *value_of(const struct expected *e, const char *name)
{
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
                if (strcmp(valued[k], name) == 0)
                        return e->value[k];
        abort();        /* a name missing from valued[]: a bug in this file */
}

/* Bounds that hold after any successful parse, whatever the arguments. */
static void check_bounds(const struct run_options *o)
{
        FUZZ_CHECK(o->modes >= 1 && o->modes <= (MODE_THREAD | MODE_PROCESS), "modes %u", o->modes);
        FUZZ_CHECK(o->placements >= 1 && o->placements <= (PLACEMENT_SAME | PLACEMENT_CROSS),
                   "placements %u", o->placements);
        FUZZ_CHECK(o->n_sizes <= OPTIONS_MAX_SIZES, "%zu sizes", o->n_sizes);
        for (size_t i = 0; i < o->n_sizes; i++)
                FUZZ_CHECK(o->sizes[i] >= 1 && o->sizes[i] <= (size_t)1 << 30, "size %zu: %zu bytes",
                           i, o->sizes[i]);
        FUZZ_CHECK(o->n_params <= OPTIONS_MAX_PARAMS, "%zu params", o->n_params);
        if (o->n_params > 0)
                FUZZ_CHECK(o->params[o->n_params] == -1, "params not terminated by -1: %ld",
                           o->params[o->n_params]);
        for (size_t i = 0; i < o->n_params; i++)
                FUZZ_CHECK(o->params[i] >= 0 && o->params[i] <= 1000000000, "param %zu: %ld", i,
                           o->params[i]);
        FUZZ_CHECK(o->iterations <= 1000000000, "iterations %llu", (unsigned long long)o->iterations);
        FUZZ_CHECK(isfinite(o->duration_s) && o->duration_s > 0 && o->duration_s <= 3600,
                   "duration %g s", o->duration_s);
        FUZZ_CHECK(o->repeat >= 1 && o->repeat <= 1000, "repeat %u", o->repeat);
        FUZZ_CHECK(o->max_repeat >= o->repeat && o->max_repeat <= 1000, "max_repeat %u with repeat %u",
                   o->max_repeat, o->repeat);
        FUZZ_CHECK(isfinite(o->timeout_s) && o->timeout_s > 0 && o->timeout_s <= 86400,
                   "timeout %g s", o->timeout_s);
        FUZZ_CHECK(o->out_root && o->out_root[0], "an empty --out");
        FUZZ_CHECK(!o->data_dir || o->data_dir[0], "an empty --dir");
        FUZZ_CHECK(o->n_globs <= OPTIONS_MAX_GLOBS, "%zu patterns", o->n_globs);
}

static unsigned mode_bits(const char *v)
{
        return !v || strcmp(v, "both") == 0 ? MODE_THREAD | MODE_PROCESS
             : strcmp(v, "thread") == 0    ? MODE_THREAD
                                           : MODE_PROCESS;
}

static unsigned placement_bits(const char *v)
{
        return !v || strcmp(v, "both") == 0  ? PLACEMENT_SAME | PLACEMENT_CROSS
             : strcmp(v, "same-cpu") == 0    ? PLACEMENT_SAME
                                             : PLACEMENT_CROSS;
}

/* The options of a profile given alone: its default duration and repetitions. */
static struct run_options profile_alone(enum run_profile profile)
{
        static char quick[] = "--quick", full[] = "--full";
        char *argv[1] = { profile == PROFILE_QUICK ? quick : full }, err[ERR_BYTES];
        struct run_options o;
        int rc = options_parse_run(profile == PROFILE_DEFAULT ? 0 : 1, argv, &o, err, sizeof err);

        FUZZ_CHECK(rc == 0 && o.profile == profile, "profile %d alone: status %d, profile %d (%s)",
                   profile, rc, o.profile, err);
        return o;
}

/* The parser's result against the model's reading of the same arguments. */
static void check_model(const struct run_options *o, int argc, char **argv)
{
        enum run_profile profile;
        struct run_options alone;
        struct expected e;
        const char *v;

        model_read(argc, argv, &e);
        FUZZ_CHECK(!(e.quick && e.full), "--quick and --full accepted together");
        profile = e.quick ? PROFILE_QUICK : e.full ? PROFILE_FULL : PROFILE_DEFAULT;
        FUZZ_CHECK(o->profile == profile, "profile %d, expected %d", o->profile, profile);
        FUZZ_CHECK(o->raw == e.raw && o->no_stream == e.no_stream && o->help == e.help &&
                   o->dry_run == e.dry_run,
                   "raw/no-stream/help/dry-run %d/%d/%d/%d, expected %d/%d/%d/%d", o->raw, o->no_stream,
                   o->help, o->dry_run, e.raw, e.no_stream, e.help, e.dry_run);
        FUZZ_CHECK(o->n_globs == e.n_globs, "%zu patterns, expected %zu", o->n_globs, e.n_globs);
        for (size_t i = 0; i < e.n_globs; i++)
                FUZZ_CHECK(o->globs[i] == e.globs[i], "pattern %zu is '%s', expected '%s'", i,
                           o->globs[i], e.globs[i]);
        FUZZ_CHECK(o->modes == mode_bits(value_of(&e, "--mode")), "modes %u after --mode '%s'",
                   o->modes, shown(value_of(&e, "--mode")));
        FUZZ_CHECK(o->placements == placement_bits(value_of(&e, "--placement")),
                   "placements %u after --placement '%s'", o->placements,
                   shown(value_of(&e, "--placement")));
        v = value_of(&e, "--out");
        FUZZ_CHECK(strcmp(o->out_root, v ? v : "results") == 0, "out '%s', expected '%s'",
                   o->out_root, v ? v : "results");
        v = value_of(&e, "--dir");
        FUZZ_CHECK(o->data_dir == v, "dir '%s', expected '%s'", shown(o->data_dir), shown(v));
        if ((v = value_of(&e, "--sizes"))) {
                size_t sizes[OPTIONS_MAX_SIZES], count;
                char err[ERR_BYTES];

                FUZZ_CHECK(options_parse_sizes(v, sizes, OPTIONS_MAX_SIZES, &count, err, sizeof err) == 0,
                           "--sizes '%s' accepted in run, refused alone: %s", v, err);
                FUZZ_CHECK(count == o->n_sizes && memcmp(sizes, o->sizes, count * sizeof *sizes) == 0,
                           "--sizes '%s': %zu sizes, alone %zu", v, o->n_sizes, count);
        } else {
                FUZZ_CHECK(o->n_sizes == 0, "%zu sizes without --sizes", o->n_sizes);
        }
        alone = profile_alone(profile);
        if ((v = value_of(&e, "--repeat"))) {
                uint64_t r;

                FUZZ_CHECK(options_parse_count(v, 1, 1000, &r) == 0 && r == o->repeat,
                           "--repeat '%s' gave %u", v, o->repeat);
        } else {
                FUZZ_CHECK(o->repeat == alone.repeat, "repeat %u without --repeat, the profile's is %u",
                           o->repeat, alone.repeat);
        }
        if ((v = value_of(&e, "--max-repeat"))) {
                uint64_t r;

                FUZZ_CHECK(options_parse_count(v, 1, 1000, &r) == 0 && r == o->max_repeat,
                           "--max-repeat '%s' gave %u", v, o->max_repeat);
        } else {
                unsigned most = alone.max_repeat > o->repeat ? alone.max_repeat : o->repeat;
                FUZZ_CHECK(o->max_repeat == most, "max_repeat %u without --max-repeat, expected %u",
                           o->max_repeat, most);
        }
        v = value_of(&e, "--cpu-idle");
        FUZZ_CHECK(o->cpu_idle_allow == (v && strcmp(v, "allow") == 0), "cpu_idle_allow %d after '%s'",
                   o->cpu_idle_allow, shown(v));
        if ((v = value_of(&e, "--seed"))) {
                uint64_t seed;

                FUZZ_CHECK(o->seed_set && options_parse_count(v, 0, UINT64_MAX, &seed) == 0 &&
                           seed == o->seed, "--seed '%s' gave %llu", v, (unsigned long long)o->seed);
        } else {
                FUZZ_CHECK(!o->seed_set, "a seed without --seed");
        }
        if (!value_of(&e, "--duration"))
                FUZZ_CHECK(o->duration_s == alone.duration_s,
                           "duration %g s without --duration, the profile's is %g s", o->duration_s,
                           alone.duration_s);
        else
                FUZZ_CHECK(o->iterations == 0, "--iterations %llu accepted beside --duration",
                           (unsigned long long)o->iterations);
        if (!value_of(&e, "--iterations"))
                FUZZ_CHECK(o->iterations == 0, "iterations %llu without --iterations",
                           (unsigned long long)o->iterations);
        if (!value_of(&e, "--params"))
                FUZZ_CHECK(o->n_params == 0, "%zu params without --params", o->n_params);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1), *argv[MAX_ARGS], err[ERR_BYTES];
        struct run_options o;
        int argc = 0, rc;
        size_t start = 0;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        /* Every NUL or newline ends an argument; the last one ends at the end of the input. */
        for (size_t i = 0; i <= size && argc < MAX_ARGS; i++)
                if (i == size || text[i] == '\0' || text[i] == '\n') {
                        text[i] = '\0';
                        argv[argc++] = text + start;
                        start = i + 1;
                }
        err[0] = '\0';
        rc = options_parse_run(argc, argv, &o, err, sizeof err);
        if (rc == 0) {
                FUZZ_CHECK(err[0] == '\0', "success, and a message: '%s'", err);
                check_bounds(&o);
                check_model(&o, argc, argv);
        } else {
                FUZZ_CHECK(rc == 2, "status %d; expected 0 or 2", rc);
                FUZZ_CHECK(err[0] != '\0', "status 2 without a message");
                FUZZ_CHECK(strchr(err, '\n') == NULL, "a message of more than one line: '%s'", err);
        }
        free(text);
        return 0;
}
