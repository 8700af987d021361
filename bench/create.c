/* Creation: one iteration creates one unit of execution that does nothing, and waits until it
 * has finished, checking that it really ran (its exit status, or the thread's return value).
 * Here creation is what is timed, so it happens inside the timed loop by design. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "create.h"

extern char **environ;

enum { CLONE_STACK_BYTES = 64 * 1024 };

struct create_state {
        char *clone_stack;          /* mapped in setup, outside the timed loop */
};

/* Reap `pid` and insist it exited with status 0: a child that failed to exec (127), crashed
 * or never ran is a failure, not a fast sample. */
int create_reap_clean(struct bench_ctx *ctx, pid_t pid)
{
        int status;
        pid_t r;

        while ((r = waitpid(pid, &status, __WALL)) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return bench_fail(ctx, "waitpid", errno);
        if (WIFSIGNALED(status))
                return bench_failf(ctx, "child %d was killed by signal %d", (int)pid, WTERMSIG(status));
        if (WEXITSTATUS(status) != 0)
                return bench_failf(ctx, "child %d exited with status %d%s", (int)pid, WEXITSTATUS(status),
                                   WEXITSTATUS(status) == 127 ? " (could not run the helper program)" : "");
        return BENCH_OK;
}

/* ---- create.pthread ---- */

static void *empty_thread(void *arg)
{
        return arg;     /* handing back the argument proves the thread ran */
}

int create_run_pthread(struct bench_ctx *ctx, uint64_t iters)
{
        while (iters--) {
                pthread_t t;
                void *ret;
                int rc = pthread_create(&t, NULL, empty_thread, ctx);
                if (rc != 0)
                        return bench_fail(ctx, "pthread_create", rc);
                if ((rc = pthread_join(t, &ret)) != 0)
                        return bench_fail(ctx, "pthread_join", rc);
                if (ret != ctx)
                        return bench_failf(ctx, "the thread returned %p, not %p", ret, (void *)ctx);
        }
        return BENCH_OK;
}

/* ---- create.fork ---- */

int create_run_fork(struct bench_ctx *ctx, uint64_t iters)
{
        while (iters--) {
                pid_t pid = fork();
                if (pid < 0)
                        return bench_fail(ctx, "fork", errno);
                if (pid == 0)
                        _exit(0);
                if (create_reap_clean(ctx, pid) != BENCH_OK)
                        return BENCH_FAILED;
        }
        return BENCH_OK;
}

/* ---- create.vfork: the parent sleeps until the child exits; no page tables are copied ---- */

/* The child borrows this frame until it exits, so nothing else may live in it. */
static __attribute__((noinline)) pid_t vfork_exit(void)
{
        pid_t pid = vfork();

        if (pid == 0)
                _exit(0);
        return pid;
}

static int run_vfork(struct bench_ctx *ctx, uint64_t iters)
{
        while (iters--) {
                pid_t pid = vfork_exit();
                if (pid < 0)
                        return bench_fail(ctx, "vfork", errno);
                if (create_reap_clean(ctx, pid) != BENCH_OK)
                        return BENCH_FAILED;
        }
        return BENCH_OK;
}

/* ---- create.clone_vm: a process that shares the parent's memory, as a thread does ---- */

static int setup_clone(struct bench_ctx *ctx)
{
        struct create_state *s = ctx->state;

        s->clone_stack = mmap(NULL, CLONE_STACK_BYTES, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (s->clone_stack == MAP_FAILED) {
                s->clone_stack = NULL;
                return bench_fail(ctx, "mmap(clone stack)", errno);
        }
        return BENCH_OK;
}

static void teardown_clone(struct bench_ctx *ctx)
{
        struct create_state *s = ctx->state;

        if (s->clone_stack)
                munmap(s->clone_stack, CLONE_STACK_BYTES);
}

static int empty_clone(void *arg)
{
        (void)arg;
        return 0;
}

static int run_clone_vm(struct bench_ctx *ctx, uint64_t iters)
{
        struct create_state *s = ctx->state;

        while (iters--) {
                /* One child at a time, reaped before the next: the stack can be reused. */
                pid_t pid = clone(empty_clone, s->clone_stack + CLONE_STACK_BYTES,
                                  CLONE_VM | SIGCHLD, NULL);
                if (pid < 0)
                        return bench_fail(ctx, "clone(CLONE_VM)", errno);
                if (create_reap_clean(ctx, pid) != BENCH_OK)
                        return BENCH_FAILED;
        }
        return BENCH_OK;
}

/* ---- create.posix_spawn and create.fork_exec: start the ipcbench-true program ---- */

static int setup_helper(struct bench_ctx *ctx)
{
        if (access(ctx->helper_path, X_OK) != 0)
                return bench_fail(ctx, "access(ipcbench-true helper)", errno);
        return BENCH_OK;
}

static int run_posix_spawn(struct bench_ctx *ctx, uint64_t iters)
{
        char *const argv[] = { (char *)"ipcbench-true", NULL };

        while (iters--) {
                pid_t pid;
                int rc = posix_spawn(&pid, ctx->helper_path, NULL, NULL, argv, environ);
                if (rc != 0)
                        return bench_fail(ctx, "posix_spawn", rc);
                if (create_reap_clean(ctx, pid) != BENCH_OK)
                        return BENCH_FAILED;
        }
        return BENCH_OK;
}

static int run_fork_exec(struct bench_ctx *ctx, uint64_t iters)
{
        char *const argv[] = { (char *)"ipcbench-true", NULL };

        while (iters--) {
                pid_t pid = fork();
                if (pid < 0)
                        return bench_fail(ctx, "fork", errno);
                if (pid == 0) {
                        execve(ctx->helper_path, argv, environ);
                        _exit(127);
                }
                if (create_reap_clean(ctx, pid) != BENCH_OK)
                        return BENCH_FAILED;
        }
        return BENCH_OK;
}

#define CREATE_BENCH(mech, kind, text, ...)                                                  \
        static const struct bench create_##mech = {                                                 \
                .name = "create." #mech, .group = "create", .mechanism = #mech,               \
                .variant = "", .summary = text, .metric = "create", .fixed_mode = kind,      \
                .state_bytes = sizeof(struct create_state), __VA_ARGS__                      \
        }

CREATE_BENCH(pthread, PEER_THREAD, "pthread_create + pthread_join of an empty function",
             .run = create_run_pthread);
CREATE_BENCH(fork, PEER_PROCESS, "fork, the child _exit(0)s, waitpid",
             .run = create_run_fork);
CREATE_BENCH(vfork, PEER_PROCESS, "vfork, the child _exit(0)s, waitpid",
             .run = run_vfork);
CREATE_BENCH(clone_vm, PEER_PROCESS, "clone(CLONE_VM) of an empty function (a thread-like process), waitpid",
             .setup = setup_clone, .run = run_clone_vm, .teardown = teardown_clone);
CREATE_BENCH(posix_spawn, PEER_PROCESS, "posix_spawn of the ipcbench-true program, waitpid",
             .setup = setup_helper, .run = run_posix_spawn);
CREATE_BENCH(fork_exec, PEER_PROCESS, "fork + execve of the ipcbench-true program, waitpid",
             .setup = setup_helper, .run = run_fork_exec);

const struct bench *const create_benches[] = {
        &create_pthread, &create_fork, &create_vfork, &create_clone_vm,
        &create_posix_spawn, &create_fork_exec, NULL,
};
