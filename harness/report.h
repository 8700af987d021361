/* What a person reads in the terminal: numbers rounded, units chosen for reading, aligned. */
#ifndef IPCBENCH_REPORT_H
#define IPCBENCH_REPORT_H

#include <stdio.h>

#include "runner.h"
#include "stats.h"

/* One metric of one point, its repetitions pooled. */
struct result_series {
        char metric[32], unit[16];
        double *samples;
        size_t n;
        struct stats stats;
        double repetition_median_min, repetition_median_max;
        unsigned repetitions;
};

/* One point's result. */
struct result {
        struct point pt;
        enum outcome status;
        char reason[1024];
        unsigned repetitions;        /* that succeeded */
        struct result_series series[SERIES_MAX];
        size_t n_series;
        struct point_context *contexts;   /* one per successful repetition */
};

/* Whether a benchmark runs once per selected mode (a peer, or per_mode). */
int bench_has_modes(const struct bench *b);

const char *placement_name(enum placement placement);   /* "same-cpu", "cross-cpu", "any" */

/* "812 ns", "12.3 µs", "1.23 ms", "2.05 s" */
void report_time(char *buf, size_t len, double ns);

/* A value in its unit for reading: times as above, "yes"/"no" for bool, else 3 digits + unit. */
void report_value(char *buf, size_t len, double value, const char *unit);

/* "64 B", "4 KiB", "1 MiB" */
void report_size(char *buf, size_t len, size_t bytes);

/* "create.fork process any", "ipc.pipe thread same-cpu 64 B" */
void report_point(char *buf, size_t len, const struct point *pt);

/* The summary table of all successful results, then process/thread ratios and warnings. */
void report_summary(FILE *out, const struct result *results, size_t n);

#endif
