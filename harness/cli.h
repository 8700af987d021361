/* The ipcbench command line: `list`, `run`, `--help`. The binary's main() hands it the one
 * table of benchmarks; tests hand it tables of their own. */
#ifndef IPCBENCH_CLI_H
#define IPCBENCH_CLI_H

#include <stddef.h>

#include "bench.h"

int cli_main(int argc, char **argv, const struct bench *const *table, size_t count);

/* A command of its own beside list and run (e.g. `serve`), added before cli_main: its main
 * gets argv[0] = the command's name, and `ipcbench --help` shows its one-line summary. */
struct cli_command {
        const char *name;
        const char *args;             /* e.g. "[OPTIONS]" */
        const char *summary;          /* what it does, one line */
        int (*main)(int argc, char **argv);
};

void cli_add_commands(const struct cli_command *commands, size_t n);

#endif
