/* Command-line values: sizes, counts, durations, and the options of `ipcbench run`.
 * Every parser names the bad value and what is accepted, for a one-line error and exit 2. */
#ifndef IPCBENCH_OPTIONS_H
#define IPCBENCH_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum { OPTIONS_MAX_SIZES = 64, OPTIONS_MAX_GLOBS = 64, OPTIONS_MAX_PARAMS = 64 };
enum { MODE_THREAD = 1, MODE_PROCESS = 2 };
enum { PLACEMENT_SAME = 1, PLACEMENT_CROSS = 2 };

/* How much to sweep and for how long: quick (a first look, seconds), default (every size the
 * charts need, minutes), full (every size and parameter value there is, longer points,
 * repeated). */
enum run_profile { PROFILE_DEFAULT, PROFILE_QUICK, PROFILE_FULL };

struct run_options {
        enum run_profile profile;
        unsigned modes;               /* MODE_* bits */
        unsigned placements;          /* PLACEMENT_* bits */
        size_t sizes[OPTIONS_MAX_SIZES];
        size_t n_sizes;               /* 0: each benchmark's own sizes */
        long params[OPTIONS_MAX_PARAMS + 1];   /* terminated by -1 */
        size_t n_params;              /* 0: each benchmark's own values */
        uint64_t iterations;          /* 0: by duration */
        double duration_s;            /* per point */
        unsigned repeat;              /* repetitions of every point, at least */
        unsigned max_repeat;          /* at most, for a point whose interval stays wide */
        int cpu_idle_allow;           /* --cpu-idle allow: do not hold idle CPUs awake */
        uint64_t seed;                /* of the repetitions' order */
        int seed_set;                 /* 0: a random one, recorded in meta.json */
        double timeout_s;             /* watchdog, per point and repetition */
        const char *out_root;
        const char *data_dir;         /* --dir: where file benchmarks write; NULL: /dev/shm */
        int raw;
        int no_stream;                /* round-trip (and other timed) points only */
        int dry_run;                  /* list the points, measure nothing */
        int help;
        const char *globs[OPTIONS_MAX_GLOBS];
        size_t n_globs;
};

/* "64", "4K", "1M", "2G" (binary multiples; a trailing B or iB is allowed: 4KiB, 4KB). */
int options_parse_size(const char *text, size_t *bytes);

/* For any command's options: whether arg is --name or --name=value ... */
int is_option(const char *arg, const char *name);
/* ... and its value: after '=', else the next argument (advancing *i); NULL if missing. */
const char *option_value(int argc, char **argv, int *i, const char *arg);

/* A comma-separated list of sizes; on error err names the offending item. */
int options_parse_sizes(const char *text, size_t *sizes, size_t max, size_t *count,
                        char *err, size_t err_len);

/* A whole number in [min, max]. */
int options_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *value);

/* The same into an unsigned, for the tools' options (max at most UINT_MAX). */
int options_parse_unsigned(const char *text, unsigned min, unsigned max, unsigned *value);

/* Seconds, a decimal number in (0, max]. */
int options_parse_seconds(const char *text, double max, double *value);

/* Parse the arguments after "run". Returns 0, or 2 with a one-line reason in err. */
int options_parse_run(int argc, char **argv, struct run_options *o, char *err, size_t err_len);

/* "default", "quick" or "full". */
const char *options_profile_name(enum run_profile profile);

extern const char options_run_help[];

#endif
