/* Futex wait and wake on 32-bit words in memory shared by both sides (a MAP_SHARED page, so
 * a process peer sees them too): the building block of blocking handoffs. */
#ifndef IPCBENCH_FUTEX_H
#define IPCBENCH_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

#include "bench.h"

/* The raw system call (shared, not FUTEX_PRIVATE: the word may be in another process's view). */
long futex_call(_Atomic uint32_t *word, int op, uint32_t value);

/* Sleep until *word is no longer `seen`; *now gets the new value. EAGAIN (it changed before
 * we slept) and EINTR are the normal ways back. Returns a bench_status. */
int futex_wait_change(struct bench_ctx *ctx, _Atomic uint32_t *word, uint32_t seen, uint32_t *now);

/* Store `value` (release) and wake one waiter. Returns a bench_status. */
int futex_post(struct bench_ctx *ctx, _Atomic uint32_t *word, uint32_t value);

#endif
