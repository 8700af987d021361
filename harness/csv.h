/* The CSV contract of results.csv: one row per measured point and metric, base units, full
 * precision (the shortest text that reads back as the same double), RFC 4180 quoting. */
#ifndef IPCBENCH_CSV_H
#define IPCBENCH_CSV_H

#include <stdint.h>
#include <stdio.h>

#include "stats.h"

extern const char csv_results_header[];

struct csv_row {
        const char *run_id, *benchmark, *group, *mechanism, *variant, *mode, *placement;
        size_t size_bytes;           /* 0: empty cell */
        const char *param;           /* NULL: param and param_value cells empty */
        long param_value;
        const char *metric, *unit;
        struct stats stats;          /* NAN fields become empty cells */
        unsigned repetitions;
        double ci_low, ci_high;      /* 95 % interval of stats.p50 */
        uint64_t batch;              /* operations per timed sample */
        const char *cpu_idle;        /* "awake" or "allowed" */
        const char *vcpu_distance;   /* "near", "far", "mixed", or "" */
        double probe_ns;             /* NAN: empty */
};

void csv_write_header(FILE *f);
void csv_write_row(FILE *f, const struct csv_row *row);

/* One field, quoted only when it holds a comma, a quote or a line break. NULL is empty. */
void csv_field(FILE *f, const char *text);

/* A number at full precision; NAN is an empty cell. */
void csv_number(FILE *f, double value);

#endif
