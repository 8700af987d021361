/* meta.json: what the machine was and what shapes its wake-ups, so a figure can be judged. */
#ifndef IPCBENCH_META_H
#define IPCBENCH_META_H

#include <stdio.h>
#include <time.h>

#include "options.h"

struct meta_notice {
        const char *kind;            /* "skipped" or "failed" */
        const char *point;           /* e.g. "create.fork process any" */
        const char *reason;
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
};

void meta_write(FILE *f, const struct meta_info *m);

/* The 1-minute load average, or -1. */
double meta_load_average(void);

/* A JSON string with escapes. */
void json_string(FILE *f, const char *text);

#endif
