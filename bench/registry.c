/* The one table of every benchmark ipcbench knows: each family file registers its own
 * benchmarks in a table, and this joins them, in the order they run and are listed. */
#include <stdio.h>

#include "bench.h"
#include "cli.h"
#include "tools.h"

extern const struct bench *const create_benches[], *const ctx_benches[], *const mem_benches[],
        *const vm_benches[], *const iso_benches[], *const limit_benches[], *const ipc_benches[],
        *const shm_benches[], *const signal_benches[], *const notify_benches[],
        *const zerocopy_benches[], *const server_benches[];

static const struct bench *const *const families[] = {
        create_benches, ctx_benches, mem_benches, vm_benches, iso_benches,
        limit_benches,          /* the machine's limits first: the IPC figures are read against them */
        ipc_benches, shm_benches, signal_benches, notify_benches, zerocopy_benches,
        server_benches,
};

enum { REGISTRY_MAX = 256 };

int main(int argc, char **argv)
{
        static const struct bench *registry[REGISTRY_MAX];
        size_t count = 0;

        for (size_t f = 0; f < sizeof families / sizeof *families; f++)
                for (const struct bench *const *b = families[f]; *b; b++) {
                        if (count == REGISTRY_MAX) {
                                fprintf(stderr, "ipcbench: more than %d benchmarks\n", REGISTRY_MAX);
                                return 1;
                        }
                        registry[count++] = *b;
                }
        static const struct cli_command commands[] = {
                { "serve", "[OPTIONS]", "the lecture's TCP ack server (see 'ipcbench serve --help')",
                  serve_main },
                { "load", "[OPTIONS]",
                  "load an ack server: requests/s and latency (see 'ipcbench load --help')", load_main },
                { "clean", "[--dry-run]", "remove what a killed run left behind (see 'ipcbench clean --help')",
                  clean_main },
        };
        cli_add_commands(commands, sizeof commands / sizeof *commands);
        return cli_main(argc, argv, registry, count);
}
