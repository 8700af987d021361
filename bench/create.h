/* Creating one unit of execution and waiting for it, checked: shared by the creation
 * benchmarks and by those that create under other conditions (vm.fork_rss). */
#ifndef IPCBENCH_CREATE_H
#define IPCBENCH_CREATE_H

#include <stdint.h>
#include <sys/types.h>

#include "bench.h"

/* `iters` times pthread_create + pthread_join of an empty function that hands back its argument. */
int create_run_pthread(struct bench_ctx *ctx, uint64_t iters);

/* `iters` times fork, the child _exit(0)s, waitpid. */
int create_run_fork(struct bench_ctx *ctx, uint64_t iters);

/* Reap `pid` and insist it exited with status 0. */
int create_reap_clean(struct bench_ctx *ctx, pid_t pid);

#endif
