/* meta.json: what the machine was and what shapes its wake-ups, so a figure can be judged. */
#ifndef IPCBENCH_META_H
#define IPCBENCH_META_H

#include <stdio.h>
#include <time.h>

#include "options.h"

struct meta_notice {
        const char *kind;            /* "skipped", "failed" or "unstable" */
        const char *point;           /* e.g. "create.fork process any" */
        const char *reason;
};

/* A row whose interval stayed wider than allowed after its repetitions. */
struct meta_unstable {
        const char *point;
        const char *metric;
        double half_width;           /* relative: 0.073 is ±7.3 % */
        unsigned repetitions;
};

struct meta_info {
        const char *run_id;
        time_t started;
        double wall_s;
        int argc;
        char **argv;
        double timer_cost_ns;
        double load_average_1m;      /* read at start, before any load of ours */
        const struct run_options *options;
        const struct meta_notice *notices;
        size_t n_notices;
        const struct meta_unstable *unstable;
        size_t n_unstable;
        int idle_held;               /* idle CPUs were held awake */
        const char *idle_reason;     /* why not, when awake was asked for; NULL otherwise */
        unsigned long long seed;     /* of the repetitions' order */
        unsigned rounds;             /* rounds over the plan, the extra ones included */
        int extra_time_spent;        /* the extra repetitions stopped at their time cap */
        double max_half_width;       /* wider intervals asked for more repetitions */
};

void meta_write(FILE *f, const struct meta_info *m);

/* An argument of the command line as meta.json keeps it: the program by its name alone, an
 * absolute path inside the working directory relative to it (no machine's paths in a run that
 * is shared). */
const char *meta_portable_arg(const char *arg, int is_program);

/* The 1-minute load average, or -1. */
double meta_load_average(void);

/* A JSON string with escapes. */
void json_string(FILE *f, const char *text);

#endif
