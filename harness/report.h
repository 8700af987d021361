/* What a person reads in the terminal: numbers rounded, units chosen for reading, aligned. */
#ifndef IPCBENCH_REPORT_H
#define IPCBENCH_REPORT_H

#include <stdio.h>

#include "meta.h"
#include "noise.h"
#include "runner.h"
#include "stats.h"

/* One metric of one point, its repetitions pooled. */
struct result_series {
        char metric[32], unit[16];
        double *samples;
        size_t n;
        struct stats stats;
        double ci_low, ci_high;      /* 95 % interval of stats.p50 (stats_median_interval) */
        double *repetition_medians;  /* one per repetition */
        unsigned repetitions;
};

/* One row of results: a point's repetitions that saw one vCPU distance, pooled. */
struct result {
        struct point pt;
        enum outcome status;
        char reason[1024];
        unsigned repetitions;        /* that succeeded */
        struct result_series series[SERIES_MAX];
        size_t n_series;
        struct point_context *contexts;   /* one per successful repetition */
        enum vcpu_distance distance;
        double probe_ns;             /* median of its repetitions' probes; NAN: none */
        uint64_t batch;              /* the largest batch of its repetitions */
        int unstable;                /* its first metric's interval stayed wider than allowed */
};

/* The interval's half-width relative to the median, the wider side: 0.05 is "±5 %". */
double result_half_width(const struct result_series *rs);

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

/* report_point and, across CPUs, the vCPUs' distance: "ipc.pipe thread cross-cpu 64 B near" */
void report_row(char *buf, size_t len, const struct result *r);

/* The summary table of all successful results, then process/thread ratios and warnings. */
void report_summary(FILE *out, const struct result *results, size_t n, const struct meta_info *m);

#endif
