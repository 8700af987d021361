/* Isolation, the lecture's Chrome case: does a fault in a worker reach the rest of the program?
 * One measurement starts a worker as a thread or as a process and reports whether the program
 * around it survived (1) or not (0).
 *
 * "The program" is a supervising child that measure() forks for each measurement, not the
 * benchmark's own process: in thread mode the worker's crash must kill the whole program, and
 * the program that dies must not be the harness's. The supervisor starts the worker, waits for
 * it, and tells measure() what it saw by its exit status. */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* How the supervisor ends when it survives its worker. Killed by a signal is the other answer. */
enum supervisor_exit {
        SUPERVISOR_INTACT = 0,          /* it survived, and saw what it expected of the worker */
        SUPERVISOR_CORRUPTED = 1,       /* it survived, but its data was overwritten (scribble) */
        SUPERVISOR_BROKEN = 3,          /* a call failed or the worker misbehaved: see reason */
};

enum { SIBLING_BYTES = 4096 };

/* Shared by measure() and the supervisor (the harness maps it shared): why it broke. */
struct iso_state {
        char reason[256];
};

/* Supervisor and worker process die with their parent, so none outlives a killed run. */
static void die_with_parent(pid_t parent)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)        /* the parent died before prctl took effect */
                _exit(SUPERVISOR_BROKEN);
}

static __attribute__((noreturn, format(printf, 2, 3)))
void supervisor_broken(struct bench_ctx *ctx, const char *fmt, ...)
{
        struct iso_state *s = ctx->state;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(s->reason, sizeof s->reason, fmt, ap);
        va_end(ap);
        _exit(SUPERVISOR_BROKEN);
}

/* Wait for the worker process, retrying on EINTR. */
static int reap_worker(struct bench_ctx *ctx, pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        supervisor_broken(ctx, "waitpid(worker): %s", strerror(errno));
        return status;
}

/* Fork the supervisor, let it run `supervise`, and wait for how it ended. Returns BENCH_OK
 * with *status filled in, or BENCH_FAILED. */
static int run_supervisor(struct bench_ctx *ctx, void (*supervise)(struct bench_ctx *ctx),
                          int *status)
{
        struct iso_state *s = ctx->state;
        pid_t parent = getpid(), pid;

        s->reason[0] = '\0';
        fflush(NULL);                   /* the child must not flush our buffered output again */
        pid = fork();
        if (pid < 0)
                return bench_fail(ctx, "fork(supervisor)", errno);
        if (pid == 0) {
                struct rlimit no_core = { 0, 0 };

                die_with_parent(parent);
                /* A crash is the expected outcome here: leave no core file behind. Not dumpable
                 * also keeps a piped core_pattern (systemd-coredump, apport) from being run. */
                setrlimit(RLIMIT_CORE, &no_core);
                prctl(PR_SET_DUMPABLE, 0);
                supervise(ctx);
                _exit(SUPERVISOR_INTACT);
        }
        while (waitpid(pid, status, 0) < 0)
                if (errno != EINTR)
                        return bench_fail(ctx, "waitpid(supervisor)", errno);
        return BENCH_OK;
}

/* An exit status the supervisor should not have ended with: name it. */
static int supervisor_failed(struct bench_ctx *ctx, int status)
{
        struct iso_state *s = ctx->state;

        if (WIFEXITED(status) && WEXITSTATUS(status) == SUPERVISOR_BROKEN)
                return bench_failf(ctx, "the supervising process broke: %s",
                                   s->reason[0] ? s->reason : "its parent died before it started");
        if (WIFEXITED(status))
                return bench_failf(ctx, "the supervising process exited with unexpected status %d",
                                   WEXITSTATUS(status));
        return bench_failf(ctx, "the supervising process was killed by signal %d (%s)",
                           WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* Run fn(arg) as the worker, a thread or a process as ctx->mode says, and wait for it. A
 * thread's return value goes to *thread_ret; a process exits 0 if fn handed back its argument,
 * and how it ended goes to *process_status. */
static void run_worker(struct bench_ctx *ctx, void *(*fn)(void *), void *arg, void **thread_ret,
                       int *process_status)
{
        if (ctx->mode == PEER_THREAD) {
                pthread_t worker;
                char hint[256];
                int rc = pthread_create(&worker, NULL, fn, arg);

                if (rc != 0)
                        supervisor_broken(ctx, "pthread_create(worker): %s%s", strerror(rc),
                                          limit_hint("pthread_create", rc, hint, sizeof hint));
                if ((rc = pthread_join(worker, thread_ret)) != 0)
                        supervisor_broken(ctx, "pthread_join(worker): %s", strerror(rc));
                return;
        }
        pid_t self = getpid(), pid = fork();

        if (pid < 0) {
                char hint[256];
                supervisor_broken(ctx, "fork(worker): %s%s", strerror(errno),
                                  limit_hint("fork", errno, hint, sizeof hint));
        }
        if (pid == 0) {
                die_with_parent(self);
                _exit(fn(arg) == arg ? 0 : 1);
        }
        *process_status = reap_worker(ctx, pid);
}

/* ---- iso.crash: the worker writes through a null pointer ---- */

/* UBSan's null check (GCC's catches this store) would end the worker with its report and
 * exit status 1 instead of the fault the benchmark is about. */
__attribute__((no_sanitize("null")))
static void *crash(void *arg)
{
        /* Both volatile. The pointer: the compiler must read it at run time, so it cannot see
         * the null and treat the write as undefined. The int: with only the pointer volatile,
         * GCC 12 -O2 still dropped the store (its points-to analysis knows `stray` only ever
         * holds null, so the store writes no object). The store faults: SIGSEGV. */
        volatile int *volatile stray = NULL;

        /* cppcheck-suppress nullPointer ; the fault is the benchmark */
        *stray = 1;
        return arg;
}

static void supervise_crash(struct bench_ctx *ctx)
{
        int status = 0;

        /* In thread mode a SIGSEGV in any thread kills the whole process: the join inside
         * never returns. */
        run_worker(ctx, crash, NULL, NULL, &status);
        if (ctx->mode == PEER_THREAD)
                supervisor_broken(ctx, "the worker thread returned: its write through a null "
                                  "pointer did not fault");
        /* The worker's fault is its own: the supervisor only sees how it ended. */
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
                supervisor_broken(ctx, "the worker process did not die of SIGSEGV: %s %d",
                                  WIFSIGNALED(status) ? "killed by signal" : "exit status",
                                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static int measure_crash(struct bench_ctx *ctx)
{
        int status;

        if (run_supervisor(ctx, supervise_crash, &status) != BENCH_OK)
                return BENCH_FAILED;
        if (WIFEXITED(status) && WEXITSTATUS(status) == SUPERVISOR_INTACT)
                return bench_report(ctx, "survived", "bool", 1.0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
                return bench_report(ctx, "survived", "bool", 0.0);
        return supervisor_failed(ctx, status);
}

/* ---- iso.scribble: the worker overwrites its sibling's data through a stray pointer ---- */

static unsigned char pattern_byte(size_t i)
{
        return (unsigned char)(i * 131 + 7);
}

/* Overwrite the whole buffer, then read it back: the write must have landed where the worker
 * can see it, or the supervisor's intact data would prove nothing. Volatile: every byte is
 * really stored and really loaded. */
static void *scribble(void *arg)
{
        volatile unsigned char *stray = arg;

        for (size_t i = 0; i < SIBLING_BYTES; i++)
                stray[i] = (unsigned char)~pattern_byte(i);
        for (size_t i = 0; i < SIBLING_BYTES; i++)
                if (stray[i] != (unsigned char)~pattern_byte(i))
                        return NULL;
        return arg;
}

static void supervise_scribble(struct bench_ctx *ctx)
{
        /* The sibling's data: private to the supervisor, never shared on purpose. */
        static unsigned char sibling[SIBLING_BYTES];
        volatile unsigned char *data = sibling;

        for (size_t i = 0; i < SIBLING_BYTES; i++)
                data[i] = pattern_byte(i);

        /* A thread writes into the supervisor's memory. fork gives a process a copy-on-write
         * copy: the same address, but its first write copies the page, so the write lands in
         * the worker's own page and the supervisor's stays as it was. */
        void *ret = NULL;
        int status = 0;

        run_worker(ctx, scribble, sibling, &ret, &status);
        if (ctx->mode == PEER_THREAD && ret != sibling)
                supervisor_broken(ctx, "the worker thread did not see its own writes");
        if (ctx->mode == PEER_PROCESS && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                supervisor_broken(ctx, "the worker process %s %d",
                                  WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
                                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));

        for (size_t i = 0; i < SIBLING_BYTES; i++)
                if (data[i] != pattern_byte(i))
                        _exit(SUPERVISOR_CORRUPTED);
}

static int measure_scribble(struct bench_ctx *ctx)
{
        int status;

        if (run_supervisor(ctx, supervise_scribble, &status) != BENCH_OK)
                return BENCH_FAILED;
        if (WIFEXITED(status) && WEXITSTATUS(status) == SUPERVISOR_INTACT)
                return bench_report(ctx, "survived", "bool", 1.0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == SUPERVISOR_CORRUPTED)
                return bench_report(ctx, "survived", "bool", 0.0);
        return supervisor_failed(ctx, status);
}

#define ISO_BENCH(mech, text, measure_fn)                                                    \
        static const struct bench iso_##mech = {                                             \
                .name = "iso." #mech, .group = "iso", .mechanism = #mech, .variant = "",     \
                .summary = text, .metric = "survived", .per_mode = 1, .unpinned_only = 1,    \
                .state_bytes = sizeof(struct iso_state), .measure = measure_fn,              \
        }

ISO_BENCH(crash, "a worker writes through a null pointer (SIGSEGV): does the program survive?",
          measure_crash);
ISO_BENCH(scribble, "a worker overwrites a sibling's 4 KiB through a stray pointer: does the data survive?",
          measure_scribble);

const struct bench *const iso_benches[] = {
        &iso_crash, &iso_scribble, NULL,
};
