/* How a benchmark's failure or skip reaches the harness: the first report is kept in a page
 * shared by main and peer, so a process peer's words arrive too. */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

static void report(struct bench_ctx *ctx, int skipped, const char *fmt, va_list ap)
{
        struct bench_report *page = runner_report_page();
        char text[sizeof page->reason - 64];
        int expected = 0;

        /* The first report wins: a peer failing because main gave up is not the cause. */
        if (!page || !__atomic_compare_exchange_n(&page->taken, &expected, 1, 0,
                                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                return;
        vsnprintf(text, sizeof text, fmt, ap);
        if (skipped)
                snprintf(page->reason, sizeof page->reason, "%s", text);
        else
                snprintf(page->reason, sizeof page->reason, "%s, %s side: %s",
                         peer_kind_name(ctx->mode), ctx->side, text);
        page->skipped = skipped;
        __atomic_store_n(&page->written, 1, __ATOMIC_RELEASE);
}

int bench_fail_at(struct bench_ctx *ctx, const char *call, int err, const char *file, int line)
{
        char hint[256];

        bench_failf(ctx, "%s: %s%s [%s:%d]", call, strerror(err), limit_hint(call, err, hint, sizeof hint),
                    file, line);
        return BENCH_FAILED;
}

int bench_failf(struct bench_ctx *ctx, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        report(ctx, 0, fmt, ap);
        va_end(ap);
        return BENCH_FAILED;
}

int bench_skip(struct bench_ctx *ctx, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        report(ctx, 1, fmt, ap);
        va_end(ap);
        return BENCH_SKIPPED;
}

void bench_close_other_side(struct bench_ctx *ctx, int fd)
{
        if (ctx->mode == PEER_PROCESS)
                close(fd);
}

int bench_report(struct bench_ctx *ctx, const char *metric, const char *unit, double value)
{
        if (runner_record(metric, unit, value) != 0)
                return bench_failf(ctx, "more than the allowed number of metrics, or out of memory, "
                                   "reporting '%s'", metric);
        return BENCH_OK;
}

int bench_own_sysv_queue(struct bench_ctx *ctx, int id)
{
        if (runner_own_sysv_queue(id) != 0)
                return bench_failf(ctx, "System V queue %d created outside a point's process", id);
        return BENCH_OK;
}
