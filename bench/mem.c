/* Memory overhead: what one more idle thread costs compared with one more idle process (the
 * lecture's "Overhead" row).
 *
 * One measurement, for N = ctx->param_value: bring up N idle units of ctx->mode (threads with
 * pthread_create, or processes with fork), each of which says it runs (a byte on the ready pipe)
 * and then blocks reading the release pipe, whose write end main holds. With all N alive it reports
 *   memory_user    KiB  the sum of Pss over every process involved (main, plus the N children in
 *                       process mode): resident pages, each shared page divided among its sharers,
 *                       so what the children share with main is counted once in all (pages shared
 *                       with other programs too, such as libc's, count only in part);
 *   memory_kernel  KiB  the rise of KernelStack + PageTables + Slab in /proc/meminfo from just
 *                       before the first unit is created to when all N are alive: system-wide, so
 *                       noisy, but the only place kernel memory can be seen;
 *   memory_total   KiB  their sum;
 *   bringup        ns   from before the first creation until all N have said they run.
 * Then it closes the release pipe, so every unit reads end of file and ends, and joins or reaps all.
 * The cost of one unit is the slope over N, fitted later by the table and plot scripts.
 *
 * Threads are created with the default attributes, since the question is what an ordinary thread
 * costs: their default stack (ulimit -s, usually 8 MiB) is address space reserved, not memory
 * resident, and Pss counts only the few pages a thread has touched. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"

enum { PROC_TEXT_BYTES = 8192 };        /* more than /proc/meminfo or a smaps_rollup holds */

/* What a unit writes on the ready pipe: it runs, or it failed before it could (and said why). */
enum { UNIT_READY = 'R', UNIT_FAILED = 'E' };

struct idle_units {
        struct bench_ctx *ctx;
        enum peer_kind kind;
        long wanted;                /* N */
        long started;               /* created so far: the first `started` of threads or pids */
        int ran_out;                /* creation failed with EAGAIN: a limit, so a skip */
        pthread_t *threads;
        pid_t *pids;
        pid_t main_pid;
        int ready[2];               /* each unit writes one byte here once it runs */
        int release[2];             /* units block reading [0]; main closing [1] lets them end */
};

/* ---- reading /proc ---------------------------------------------------------------------- */

/* The whole of a small /proc file as a string. Returns 0 or an errno value. */
static int read_proc_text(const char *path, char *text, size_t cap)
{
        size_t len = 0;
        ssize_t n;
        int err, fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return errno;
        while ((n = read(fd, text + len, cap - 1 - len)) > 0)
                len += (size_t)n;
        err = n < 0 ? errno : len == cap - 1 ? EFBIG : 0;
        close(fd);
        text[len] = '\0';
        return err;
}

/* The value of the line "name  123 kB" in a /proc text (name includes its colon), or -1. */
static long field_kib(const char *text, const char *name)
{
        size_t name_len = strlen(name);

        for (const char *line = text; *line;) {
                const char *end = strchrnul(line, '\n');
                if (strncmp(line, name, name_len) == 0)
                        return strtol(line + name_len, NULL, 10);
                line = *end ? end + 1 : end;
        }
        return -1;
}

/* Proportional set size of process `pid` (0: this one), from its smaps_rollup. */
static int pss_kib(struct bench_ctx *ctx, pid_t pid, long *kib)
{
        char path[64], text[PROC_TEXT_BYTES];
        int err;

        if (pid)
                snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
        else
                snprintf(path, sizeof path, "/proc/self/smaps_rollup");
        if ((err = read_proc_text(path, text, sizeof text)) != 0)
                return bench_fail(ctx, pid ? "read(/proc/<child>/smaps_rollup)" : "read(/proc/self/smaps_rollup)", err);
        if ((*kib = field_kib(text, "Pss:")) < 0)
                return bench_failf(ctx, "no Pss: line in %s", path);
        return BENCH_OK;
}

/* Kernel memory that a thread or process adds to, system-wide: KernelStack + PageTables + Slab.
 * The kernel keeps these counts per CPU and adds them into the totals that /proc/meminfo shows
 * only in batches (up to some tens of pages per CPU and counter, or once a second): hundreds of
 * KiB of error, more than one unit costs. Writing /proc/sys/vm/stat_refresh folds them in now;
 * it changes no setting, but only root may, so for anyone else the figures keep that error. */
static int meminfo_kernel_kib(struct bench_ctx *ctx, long *kib)
{
        static const char *const fields[] = { "KernelStack:", "PageTables:", "Slab:" };
        char text[PROC_TEXT_BYTES];
        int err, fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

        if (fd >= 0) {
                err = write(fd, "1", 1) == 1 ? 0 : errno;
                close(fd);
                /* Kernels before 5.13 fold, then say EINVAL if a counter is below zero. */
                if (err != 0 && err != EINVAL)
                        return bench_fail(ctx, "write(/proc/sys/vm/stat_refresh)", err);
        } else if (errno != EACCES && errno != EPERM && errno != ENOENT && errno != EROFS) {
                return bench_fail(ctx, "open(/proc/sys/vm/stat_refresh)", errno);
        }
        if ((err = read_proc_text("/proc/meminfo", text, sizeof text)) != 0)
                return bench_fail(ctx, "read(/proc/meminfo)", err);
        *kib = 0;
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
                long v = field_kib(text, fields[i]);
                if (v < 0)
                        return bench_failf(ctx, "no %s line in /proc/meminfo", fields[i]);
                *kib += v;
        }
        return BENCH_OK;
}

enum {
        SETTLE_STEP_MS = 20,
        SETTLE_QUIET_STEPS = 3,
        SETTLE_QUIET_KIB = 64,
        SETTLE_MAX_MS = 2000,
};

/* The units of the point before this one are freed lazily, by RCU callbacks and slab pages handed
 * back in batches, for up to a few hundred ms after they ended: a bring-up inside that time sees
 * kernel memory fall by megabytes. So wait until the kernel figures keep still, SETTLE_QUIET_STEPS
 * steps of SETTLE_STEP_MS in a row each moving them by less than SETTLE_QUIET_KIB, or at most
 * SETTLE_MAX_MS (the rest of the system is never quite still). The last reading is returned. */
static int meminfo_kernel_settled_kib(struct bench_ctx *ctx, long *kib)
{
        const struct timespec step = { .tv_nsec = SETTLE_STEP_MS * 1000000L };
        long previous_kib;
        int quiet_steps = 0;

        if (meminfo_kernel_kib(ctx, &previous_kib) != BENCH_OK)
                return BENCH_FAILED;
        for (int waited_ms = 0; quiet_steps < SETTLE_QUIET_STEPS && waited_ms < SETTLE_MAX_MS;
             waited_ms += SETTLE_STEP_MS) {
                if (nanosleep(&step, NULL) != 0 && errno != EINTR)
                        return bench_fail(ctx, "nanosleep", errno);
                if (meminfo_kernel_kib(ctx, kib) != BENCH_OK)
                        return BENCH_FAILED;
                quiet_steps = labs(*kib - previous_kib) < SETTLE_QUIET_KIB ? quiet_steps + 1 : 0;
                previous_kib = *kib;
        }
        *kib = previous_kib;
        return BENCH_OK;
}

/* Entries of /proc/self/task: the threads of this process. */
static int task_count(struct bench_ctx *ctx, long *count)
{
        DIR *dir = opendir("/proc/self/task");
        struct dirent *e;

        if (!dir)
                return bench_fail(ctx, "opendir(/proc/self/task)", errno);
        *count = 0;
        errno = 0;
        while ((e = readdir(dir)) != NULL)
                if (e->d_name[0] != '.')
                        ++*count;
        if (errno != 0) {
                int err = errno;
                closedir(dir);
                return bench_fail(ctx, "readdir(/proc/self/task)", err);
        }
        closedir(dir);
        return BENCH_OK;
}

/* The state letter of process `pid` (R, S, Z, ...) from /proc/<pid>/stat, or 0 if it is gone. */
static int process_state(struct bench_ctx *ctx, pid_t pid, char *state)
{
        char path[64], text[PROC_TEXT_BYTES];
        const char *paren;
        int err;

        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        *state = 0;
        if ((err = read_proc_text(path, text, sizeof text)) == ENOENT || err == ESRCH)
                return BENCH_OK;
        if (err != 0)
                return bench_fail(ctx, "read(/proc/<child>/stat)", err);
        /* "pid (comm) S ...": the name may hold anything, so look after its last ')'. */
        if (!(paren = strrchr(text, ')')) || paren[1] != ' ' || !paren[2])
                return bench_failf(ctx, "%s does not read as \"pid (comm) state ...\"", path);
        *state = paren[2];
        return BENCH_OK;
}

/* ---- one idle unit ---------------------------------------------------------------------- */

/* The same for a thread and a process: say it runs, then block until main closes the release
 * pipe (end of file). A unit reports in its own name, the "idle unit" side. */
static int idle_unit(struct idle_units *u)
{
        struct bench_ctx unit_ctx = *u->ctx;
        char byte = UNIT_READY;
        ssize_t n;

        unit_ctx.side = "idle unit";
        if (write_full(u->ready[1], &byte, 1) < 0)
                return bench_fail(&unit_ctx, "write(ready pipe)", errno);
        if ((n = read_full(u->release[0], &byte, 1)) < 0)
                return bench_fail(&unit_ctx, "read(release pipe)", errno);
        if (n != 0)
                return bench_failf(&unit_ctx, "read a byte on the release pipe, where only its end "
                                   "of file was expected");
        return BENCH_OK;
}

static void *idle_thread(void *arg)
{
        struct idle_units *u = arg;

        return idle_unit(u) == BENCH_OK ? u : NULL;    /* handing back `u` says it ended well */
}

/* A child: dies with main, drops main's end of the release pipe (or it would never see end of
 * file), and idles. Never returns. */
static void idle_process(struct idle_units *u)
{
        struct bench_ctx unit_ctx = *u->ctx;
        char failed = UNIT_FAILED;
        int err;

        unit_ctx.side = "idle unit";
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
                err = errno;
                bench_fail(&unit_ctx, "prctl(PR_SET_PDEATHSIG)", err);
                write_full(u->ready[1], &failed, 1);    /* so main stops waiting; the reason is said */
                _exit(1);
        }
        if (getppid() != u->main_pid)
                _exit(1);               /* main ended before the line above: no one is left to tell */
        if (close(u->release[1]) != 0 || close(u->ready[0]) != 0) {
                err = errno;
                bench_fail(&unit_ctx, "close(main's pipe ends)", err);
                write_full(u->ready[1], &failed, 1);
                _exit(1);
        }
        _exit(idle_unit(u) == BENCH_OK ? 0 : 1);
}

/* ---- bring-up --------------------------------------------------------------------------- */

static int units_open(struct idle_units *u, struct bench_ctx *ctx)
{
        int capacity_bytes;

        memset(u, 0, sizeof *u);
        u->ctx = ctx;
        u->kind = ctx->mode;
        u->wanted = ctx->param_value;
        u->main_pid = getpid();
        u->ready[0] = u->ready[1] = u->release[0] = u->release[1] = -1;
        if (u->wanted < 1)
                return bench_failf(ctx, "count must be at least 1, not %ld", u->wanted);
        if (u->kind == PEER_THREAD)
                u->threads = calloc((size_t)u->wanted, sizeof *u->threads);
        else
                u->pids = calloc((size_t)u->wanted, sizeof *u->pids);
        if (!u->threads && !u->pids)
                return bench_fail(ctx, "calloc(units)", ENOMEM);
        if (pipe2(u->ready, O_CLOEXEC) != 0 || pipe2(u->release, O_CLOEXEC) != 0)
                return bench_fail(ctx, "pipe2", errno);
        /* Main reads the ready bytes only once all N are created, so the pipe must hold N of them
         * (a unit blocked writing its byte would never reach its read of the release pipe). */
        if ((capacity_bytes = fcntl(u->ready[0], F_GETPIPE_SZ)) < 0)
                return bench_fail(ctx, "fcntl(F_GETPIPE_SZ)", errno);
        if (capacity_bytes < u->wanted && fcntl(u->ready[0], F_SETPIPE_SZ, (int)u->wanted) < 0)
                return errno == EPERM || errno == EINVAL
                       ? bench_skip(ctx, "the ready pipe cannot hold %ld bytes, one per unit: raise "
                                    "/proc/sys/fs/pipe-max-size", u->wanted)
                       : bench_fail(ctx, "fcntl(F_SETPIPE_SZ)", errno);
        return BENCH_OK;
}

/* Create the N units, counting each in u->started. EAGAIN (out of threads or processes) returns
 * BENCH_SKIPPED with u->ran_out set; the skip is reported once they are torn down. */
static int units_start(struct idle_units *u)
{
        while (u->started < u->wanted) {
                if (u->kind == PEER_THREAD) {
                        int rc = pthread_create(&u->threads[u->started], NULL, idle_thread, u);
                        if (rc == EAGAIN) {
                                u->ran_out = 1;
                                return BENCH_SKIPPED;
                        }
                        if (rc != 0)
                                return bench_fail(u->ctx, "pthread_create", rc);
                } else {
                        pid_t pid = fork();
                        if (pid == 0)
                                idle_process(u);
                        if (pid < 0 && errno == EAGAIN) {
                                u->ran_out = 1;
                                return BENCH_SKIPPED;
                        }
                        if (pid < 0)
                                return bench_fail(u->ctx, "fork", errno);
                        u->pids[u->started] = pid;
                }
                u->started++;
        }
        return BENCH_OK;
}

/* Wait until every unit has written its byte: then all N run. */
static int units_wait_ready(struct idle_units *u)
{
        char bytes[256];

        for (long got = 0; got < u->started;) {
                size_t want = (size_t)(u->started - got) < sizeof bytes ? (size_t)(u->started - got)
                                                                         : sizeof bytes;
                ssize_t n = read_full(u->ready[0], bytes, want);
                if (n < 0)
                        return bench_fail(u->ctx, "read(ready pipe)", errno);
                if (n == 0)     /* cannot happen while main holds the write end */
                        return bench_failf(u->ctx, "the ready pipe ended after %ld of %ld units", got,
                                           u->started);
                for (size_t i = 0; i < want; i++)
                        if (bytes[i] != UNIT_READY)
                                return bench_failf(u->ctx, "an idle unit failed before it ran");
                got += (long)want;
        }
        return BENCH_OK;
}

/* ThreadSanitizer starts a thread of its own beside main when main starts its first. */
#ifdef IPCBENCH_SANITIZE_THREAD
enum { SANITIZER_THREADS = 1 };
#else
enum { SANITIZER_THREADS = 0 };
#endif

/* Every unit said it runs before memory was read; if each is still there, neither a zombie nor
 * gone, after it was read, then all N were alive throughout. */
static int units_check_alive(struct idle_units *u)
{
        if (u->kind == PEER_THREAD) {
                long tasks = 0;
                if (task_count(u->ctx, &tasks) != BENCH_OK)
                        return BENCH_FAILED;
                if (tasks != u->wanted + 1 + SANITIZER_THREADS)
                        return bench_failf(u->ctx, "expected %ld threads in /proc/self/task (main and "
                                           "%ld idle), found %ld", u->wanted + 1, u->wanted, tasks);
                return BENCH_OK;
        }
        for (long i = 0; i < u->wanted; i++) {
                char state = 0;
                if (process_state(u->ctx, u->pids[i], &state) != BENCH_OK)
                        return BENCH_FAILED;
                if (state == 0 || state == 'Z' || state == 'X')
                        return bench_failf(u->ctx, "idle child %d (%ld of %ld) should be alive but is %s",
                                           (int)u->pids[i], i + 1, u->wanted,
                                           state ? "a zombie" : "gone from /proc");
        }
        return BENCH_OK;
}

/* ---- reading memory --------------------------------------------------------------------- */

/* Pss of main, plus that of each child in process mode. */
static int user_pss_kib(struct idle_units *u, long *kib)
{
        long one = 0;

        if (pss_kib(u->ctx, 0, kib) != BENCH_OK)
                return BENCH_FAILED;
        for (long i = 0; u->kind == PEER_PROCESS && i < u->started; i++) {
                if (pss_kib(u->ctx, u->pids[i], &one) != BENCH_OK)
                        return BENCH_FAILED;
                *kib += one;
        }
        return BENCH_OK;
}

/* ---- teardown --------------------------------------------------------------------------- */

/* Reap `pid` and insist it exited with status 0. */
static int reap_clean(struct bench_ctx *ctx, pid_t pid)
{
        int status;
        pid_t r;

        while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return bench_fail(ctx, "waitpid", errno);
        if (WIFSIGNALED(status))
                return bench_failf(ctx, "idle child %d was killed by signal %d", (int)pid, WTERMSIG(status));
        if (WEXITSTATUS(status) != 0)
                return bench_failf(ctx, "idle child %d exited with status %d", (int)pid, WEXITSTATUS(status));
        return BENCH_OK;
}

/* Whatever happened before: close the write end of the release pipe, so every unit reads end of
 * file and ends; join every thread, reap every child; close and free the rest. The first failure
 * is the one reported. */
static int units_stop(struct idle_units *u)
{
        int rc = BENCH_OK;

        if (u->release[1] >= 0 && close(u->release[1]) != 0)
                rc = bench_fail(u->ctx, "close(release pipe)", errno);
        for (long i = 0; i < u->started; i++) {
                if (u->kind == PEER_THREAD) {
                        void *ret;
                        int err = pthread_join(u->threads[i], &ret);
                        if (err != 0)
                                rc = bench_fail(u->ctx, "pthread_join", err);
                        else if (ret != u)
                                rc = bench_failf(u->ctx, "idle thread %ld of %ld did not end well", i + 1,
                                                 u->started);
                } else if (reap_clean(u->ctx, u->pids[i]) != BENCH_OK) {
                        rc = BENCH_FAILED;
                }
        }
        /* The ready pipe stays open until here: a unit still writing its byte must not get SIGPIPE. */
        for (int *fd = &u->ready[0]; fd <= &u->ready[1]; fd++)
                if (*fd >= 0)
                        close(*fd);
        if (u->release[0] >= 0)
                close(u->release[0]);
        free(u->threads);
        free(u->pids);
        return rc;
}

static int skip_out_of_units(struct idle_units *u)
{
        struct rlimit nproc;
        char limit[32] = "unknown";

        if (getrlimit(RLIMIT_NPROC, &nproc) == 0)
                snprintf(limit, sizeof limit, nproc.rlim_cur == RLIM_INFINITY ? "unlimited" : "%llu",
                         (unsigned long long)nproc.rlim_cur);
        return bench_skip(u->ctx, "%s: EAGAIN after %ld of %ld %s: out of tasks; raise ulimit -u (now %s; "
                          "it counts every thread and process of this user), /proc/sys/kernel/threads-max "
                          "or the cgroup's pids.max%s",
                          u->kind == PEER_THREAD ? "pthread_create" : "fork", u->started, u->wanted,
                          u->kind == PEER_THREAD ? "threads" : "processes", limit,
                          u->kind == PEER_THREAD ? ", or the address space for their stacks (ulimit -v)" : "");
}

/* ---- one measurement -------------------------------------------------------------------- */

static int measure_idle(struct bench_ctx *ctx)
{
        struct idle_units u;
        long kernel_before_kib = 0, kernel_after_kib = 0, user_kib = 0;
        uint64_t start_ns = 0, all_running_ns = 0;
        int rc, stop_rc;

        rc = units_open(&u, ctx);
        if (rc == BENCH_OK)
                rc = meminfo_kernel_settled_kib(ctx, &kernel_before_kib);
        if (rc == BENCH_OK) {
                /* A measure() benchmark times its own phase, with the harness's clock. */
                start_ns = now_ns();
                rc = units_start(&u);
                if (rc == BENCH_OK)
                        rc = units_wait_ready(&u);
                all_running_ns = now_ns();
        }
        /* Kernel memory first: reading a child's /proc files allocates slab (its proc inodes). */
        if (rc == BENCH_OK)
                rc = meminfo_kernel_kib(ctx, &kernel_after_kib);
        if (rc == BENCH_OK)
                rc = user_pss_kib(&u, &user_kib);
        if (rc == BENCH_OK)
                rc = units_check_alive(&u);
        stop_rc = units_stop(&u);
        if (stop_rc != BENCH_OK)
                return stop_rc;
        if (u.ran_out)
                return skip_out_of_units(&u);
        if (rc != BENCH_OK)
                return rc;

        long kernel_kib = kernel_after_kib - kernel_before_kib;
        if (bench_report(ctx, "memory_user", "KiB", (double)user_kib) != BENCH_OK ||
            bench_report(ctx, "memory_kernel", "KiB", (double)kernel_kib) != BENCH_OK ||
            bench_report(ctx, "memory_total", "KiB", (double)(user_kib + kernel_kib)) != BENCH_OK ||
            bench_report(ctx, "bringup", "ns", (double)(all_running_ns - start_ns)) != BENCH_OK)
                return BENCH_FAILED;
        return BENCH_OK;
}

/* ---- the descriptor --------------------------------------------------------------------- */

static const long idle_counts[] = { 1, 10, 100, 1000, -1 };
static const long quick_idle_counts[] = { 1, 10, 100, -1 };
static const long full_idle_counts[] = { 1, 10, 100, 1000, 4000, -1 };

static const struct bench mem_idle = {
        .name = "mem.idle", .group = "mem", .mechanism = "idle", .variant = "",
        .summary = "N idle threads or processes, each blocked on a pipe read: Pss, kernel memory, bring-up",
        .metric = "memory", .per_mode = 1, .unpinned_only = 1,
        .param = "count", .param_values = idle_counts, .quick_param_values = quick_idle_counts,
        .full_param_values = full_idle_counts,
        .measure = measure_idle,
};

const struct bench *const mem_benches[] = {
        &mem_idle,
        NULL,
};
