/* The files of a run, each written whole under a temporary name and renamed: results.csv (one
 * row per point, distance and metric), placement.csv (one row per repetition: where it ran and
 * what the host did meanwhile), samples.csv (--raw) and meta.json. */
#ifndef IPCBENCH_OUTPUT_H
#define IPCBENCH_OUTPUT_H

#include <stddef.h>

#include "meta.h"
#include "report.h"

/* "awake" or "allowed": the idle choice a row was measured under. */
const char *output_cpu_idle(const struct result *r, int idle_held);

int output_results(const char *dir, const char *run_id, const struct result *rows, size_t n,
                   int idle_held);
int output_placement(const char *dir, const char *run_id, const struct result *rows, size_t n,
                     int idle_held);
int output_samples(const char *dir, const char *run_id, const struct result *rows, size_t n);
int output_meta(const char *dir, const struct meta_info *m);

#endif
