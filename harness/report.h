/* What a person reads in the terminal: numbers rounded, units chosen for reading, aligned. */
#ifndef IPCBENCH_REPORT_H
#define IPCBENCH_REPORT_H

#include <stdio.h>

#include "runner.h"
#include "stats.h"

/* One point's result, its repetitions pooled. */
struct result {
        struct point pt;
        const char *metric, *unit;
        enum outcome status;
        char reason[1024];
        double *samples;             /* ns per operation, all repetitions */
        size_t n;
        struct stats stats;
        unsigned repetitions;        /* that succeeded */
        double repetition_median_min, repetition_median_max;
        struct point_context *contexts;   /* one per successful repetition */
};

const char *placement_name(enum placement placement);   /* "same-cpu", "cross-cpu", "any" */

/* "812 ns", "12.3 µs", "1.23 ms", "2.05 s" */
void report_time(char *buf, size_t len, double ns);

/* "64 B", "4 KiB", "1 MiB" */
void report_size(char *buf, size_t len, size_t bytes);

/* "create.fork process any", "ipc.pipe thread same-cpu 64 B" */
void report_point(char *buf, size_t len, const struct point *pt);

/* The summary table of all successful results, then process/thread ratios and warnings. */
void report_summary(FILE *out, const struct result *results, size_t n);

#endif
