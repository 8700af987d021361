/* The one table of every benchmark ipcbench knows, in the order they run and are listed. */
#include "bench.h"
#include "cli.h"

extern const struct bench create_pthread, create_fork, create_vfork, create_clone_vm,
        create_posix_spawn, create_fork_exec;

static const struct bench *const registry[] = {
        &create_pthread, &create_fork, &create_vfork, &create_clone_vm,
        &create_posix_spawn, &create_fork_exec,
};

int main(int argc, char **argv)
{
        return cli_main(argc, argv, registry, sizeof registry / sizeof *registry);
}
