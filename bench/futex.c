#include "futex.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

long futex_call(_Atomic uint32_t *word, int op, uint32_t value)
{
        return syscall(SYS_futex, (uint32_t *)word, op, value, NULL, NULL, 0);
}

int futex_wait_change(struct bench_ctx *ctx, _Atomic uint32_t *word, uint32_t seen, uint32_t *now)
{
        while ((*now = atomic_load_explicit(word, memory_order_acquire)) == seen)
                if (futex_call(word, FUTEX_WAIT, seen) != 0 && errno != EAGAIN && errno != EINTR)
                        return bench_fail(ctx, "futex(FUTEX_WAIT)", errno);
        return BENCH_OK;
}

int futex_post(struct bench_ctx *ctx, _Atomic uint32_t *word, uint32_t value)
{
        atomic_store_explicit(word, value, memory_order_release);
        if (futex_call(word, FUTEX_WAKE, 1) < 0)
                return bench_fail(ctx, "futex(FUTEX_WAKE)", errno);
        return BENCH_OK;
}
