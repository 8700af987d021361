/* The ipcbench command line: `list`, `run`, `--help`. The binary's main() hands it the one
 * table of benchmarks; tests hand it tables of their own. */
#ifndef IPCBENCH_CLI_H
#define IPCBENCH_CLI_H

#include <stddef.h>

#include "bench.h"

int cli_main(int argc, char **argv, const struct bench *const *table, size_t count);

#endif
