/* Virtual memory: what a process's separate address space costs.
 *  - vm.fork_rss: creating a process (fork, child exits, waitpid) while the parent has touched
 *    more and more private memory, beside creating a thread (pthread_create + join) at the
 *    same sizes: fork copies the page tables of all of it, a thread shares them.
 *  - vm.cow: after fork, the child writes every page of a region: each write is a
 *    copy-on-write fault. The same fork without the writes is the baseline; the excess divided
 *    by the number of pages is the cost of one fault.
 *  - vm.touch.private / vm.touch.shared: the first touch of a page of a private vs a shared
 *    anonymous mapping (one page fault each).
 * Regions are mapped with MADV_NOHUGEPAGE so that a page is 4 KiB whatever the machine's
 * transparent huge page setting: with 2 MiB pages there would be 512 times fewer faults and
 * page table entries, and "per page" would mean something else. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "create.h"

enum { PAGE_BYTES = 4096, TOUCH_REGION_PAGES = 16384 };

struct vm_state {
        char *region;
        size_t region_bytes;
        size_t next_page;               /* vm.touch: the first page not yet touched */
};

static const long parent_rss_mib[] = { 0, 16, 64, 256, -1 };
static const long quick_parent_rss_mib[] = { 0, 64, 256, -1 };
static const long full_parent_rss_mib[] = { 0, 16, 64, 256, 1024, 4096, -1 };
static const long cow_region_mib[] = { 16, 64, -1 };
static const long quick_cow_region_mib[] = { 16, -1 };
static const long full_cow_region_mib[] = { 16, 64, 256, -1 };

/* MemAvailable in MiB, or -1. */
static long available_mib(void)
{
        char line[256];
        long kib = -1;
        FILE *f = fopen("/proc/meminfo", "r");

        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
                        break;
        if (f)
                fclose(f);
        return kib < 0 ? -1 : kib / 1024;
}

/* Map `bytes` of private or shared anonymous memory in 4 KiB pages, touched or not. */
static char *map_region(struct bench_ctx *ctx, size_t bytes, int shared, int touch)
{
        char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

        if (p == MAP_FAILED) {
                bench_fail(ctx, "mmap", errno);
                return NULL;
        }
        if (madvise(p, bytes, MADV_NOHUGEPAGE) != 0) {
                bench_fail(ctx, "madvise(MADV_NOHUGEPAGE)", errno);
                munmap(p, bytes);
                return NULL;
        }
        if (touch)
                for (size_t at = 0; at < bytes; at += PAGE_BYTES)
                        p[at] = 1;
        return p;
}

/* A touched private region of param_value MiB, if the machine can hold it twice over (the
 * child of fork may copy it all) with room to spare. */
static int setup_parent_memory(struct bench_ctx *ctx)
{
        struct vm_state *s = ctx->state;
        long want_mib = ctx->param_value, have_mib = available_mib();

        if (have_mib >= 0 && 2 * want_mib + 256 > have_mib)
                return bench_skip(ctx, "%ld MiB of parent memory needs about %ld MiB free; "
                                  "MemAvailable is %ld MiB", want_mib, 2 * want_mib + 256, have_mib);
        s->region_bytes = (size_t)want_mib << 20;
        if (s->region_bytes == 0)
                return BENCH_OK;
        s->region = map_region(ctx, s->region_bytes, 0, 1);
        return s->region ? BENCH_OK : BENCH_FAILED;
}

static void teardown_region(struct bench_ctx *ctx)
{
        struct vm_state *s = ctx->state;

        if (s->region)
                munmap(s->region, s->region_bytes);
        s->region = NULL;
}

/* ---- vm.fork_rss ---- */

static int fork_rss_run(struct bench_ctx *ctx, uint64_t iters)
{
        return ctx->mode == PEER_THREAD ? create_run_pthread(ctx, iters) : create_run_fork(ctx, iters);
}

/* ---- vm.cow ---- */

static int cow_setup(struct bench_ctx *ctx)
{
        int rc = setup_parent_memory(ctx);

        ctx->parts = (double)(((struct vm_state *)ctx->state)->region_bytes / PAGE_BYTES);
        return rc;
}

static int cow_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct vm_state *s = ctx->state;

        while (iters--) {
                pid_t pid = fork();
                if (pid < 0)
                        return bench_fail(ctx, "fork", errno);
                if (pid == 0) {
                        /* Every page is shared with the parent and write-protected: each
                         * write copies one. */
                        for (size_t at = 0; at < s->region_bytes; at += PAGE_BYTES)
                                s->region[at] = 2;
                        _exit(0);
                }
                if (create_reap_clean(ctx, pid) != BENCH_OK)
                        return BENCH_FAILED;
        }
        return BENCH_OK;
}

/* ---- vm.touch.private / vm.touch.shared ---- */

static int touch_setup(struct bench_ctx *ctx, int shared)
{
        struct vm_state *s = ctx->state;

        s->region_bytes = (size_t)TOUCH_REGION_PAGES * PAGE_BYTES;
        s->region = map_region(ctx, s->region_bytes, shared, 0);
        return s->region ? BENCH_OK : BENCH_FAILED;
}

static int touch_private_setup(struct bench_ctx *ctx)
{
        return touch_setup(ctx, 0);
}

static int touch_shared_setup(struct bench_ctx *ctx)
{
        return touch_setup(ctx, 1);
}

/* Untimed: make sure the next `batch` pages were never touched, by mapping the region anew
 * when it runs out (a shared anonymous page would otherwise stay in its shmem file). */
static int touch_before_sample(struct bench_ctx *ctx, uint64_t batch)
{
        struct vm_state *s = ctx->state;
        int shared = strcmp(ctx->bench->variant, "shared") == 0;

        if (batch > TOUCH_REGION_PAGES)
                return bench_failf(ctx, "a batch of %llu pages is larger than the region (%d pages)",
                                   (unsigned long long)batch, TOUCH_REGION_PAGES);
        if (s->next_page + batch <= TOUCH_REGION_PAGES)
                return BENCH_OK;
        teardown_region(ctx);
        s->next_page = 0;
        s->region = map_region(ctx, s->region_bytes, shared, 0);
        return s->region ? BENCH_OK : BENCH_FAILED;
}

static int touch_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct vm_state *s = ctx->state;

        while (iters--)
                s->region[s->next_page++ * PAGE_BYTES] = 1;
        return BENCH_OK;
}

static const struct bench vm_fork_rss = {
        .name = "vm.fork_rss", .group = "vm", .mechanism = "fork_rss", .variant = "",
        .summary = "create a process (fork, _exit, waitpid) or a thread (pthread_create + join) "
                   "while the parent holds parent_rss_mib of touched memory",
        .metric = "create", .per_mode = 1, .state_bytes = sizeof(struct vm_state),
        .param = "parent_rss_mib", .param_values = parent_rss_mib,
        .quick_param_values = quick_parent_rss_mib, .full_param_values = full_parent_rss_mib,
        .setup = setup_parent_memory, .run = fork_rss_run, .teardown = teardown_region,
};

static const struct bench vm_cow = {
        .name = "vm.cow", .group = "vm", .mechanism = "cow", .variant = "",
        .summary = "fork, the child writes every 4 KiB page of region_mib, _exit, waitpid; "
                   "cow_fault = the excess over fork alone, per page",
        .metric = "fork_write", .fixed_mode = PEER_PROCESS, .state_bytes = sizeof(struct vm_state),
        .param = "region_mib", .param_values = cow_region_mib,
        .quick_param_values = quick_cow_region_mib, .full_param_values = full_cow_region_mib,
        .setup = cow_setup, .run = cow_run, .teardown = teardown_region,
        .baseline = create_run_fork, .excess_metric = "cow_fault",
};

#define TOUCH_BENCH(kind, text)                                                              \
        static const struct bench vm_touch_##kind = {                                        \
                .name = "vm.touch." #kind, .group = "vm", .mechanism = "touch",              \
                .variant = #kind, .summary = text, .metric = "fault",                        \
                .fixed_mode = PEER_NONE, .state_bytes = sizeof(struct vm_state),             \
                .setup = touch_##kind##_setup, .before_sample = touch_before_sample,         \
                .run = touch_run, .teardown = teardown_region,                               \
        }

TOUCH_BENCH(private, "first write to a page of a private anonymous mapping (one page fault)");
TOUCH_BENCH(shared, "first write to a page of a shared anonymous mapping (one page fault)");

const struct bench *const vm_benches[] = {
        &vm_fork_rss, &vm_cow, &vm_touch_private, &vm_touch_shared, NULL,
};
