#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "placement.h"

const char *peer_kind_name(enum peer_kind kind)
{
        return kind == PEER_THREAD ? "thread" : kind == PEER_PROCESS ? "process" : "n/a";
}

/* Runs in the peer, thread or process: pin, say "ready", run, record how it ended. */
static int peer_body(struct peer *p)
{
        struct peer_shared *sh = p->shared;
        char ready = 'R';

        sh->tgid = getpid();
        sh->tid = gettid();
        if (p->cpu >= 0 && placement_pin_self(p->cpu, sh->reason, sizeof sh->reason) != 0) {
                sh->status = -1;
                close(p->ready_write_fd);   /* the barrier sees end of file: failed before ready */
                return -1;
        }
        sh->cpu_start = sched_getcpu();
        if (write_full(p->ready_write_fd, &ready, 1) != 1) {
                snprintf(sh->reason, sizeof sh->reason, "write(start barrier): %s", strerror(errno));
                sh->status = -1;
        }
        close(p->ready_write_fd);
        if (sh->status != 0)
                return sh->status;
        sh->status = p->fn(p->arg);
        sh->cpu_end = sched_getcpu();
        return sh->status;
}

static void *peer_thread_main(void *arg)
{
        return (void *)(intptr_t)peer_body(arg);
}

int peer_start(struct peer *p, enum peer_kind kind, int (*fn)(void *arg), void *arg, int cpu,
               char *err, size_t err_len)
{
        int fds[2], rc;
        pid_t parent = getpid();
        char hint[256];

        memset(p, 0, sizeof *p);
        p->kind = kind;
        p->fn = fn;
        p->arg = arg;
        p->cpu = cpu;
        p->pid = -1;
        p->shared = mmap(NULL, sizeof *p->shared, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p->shared == MAP_FAILED) {
                snprintf(err, err_len, "mmap(peer page): %s", strerror(errno));
                p->shared = NULL;
                return -1;
        }
        p->shared->cpu_start = p->shared->cpu_end = -1;
        if (pipe2(fds, O_CLOEXEC) != 0) {
                snprintf(err, err_len, "pipe(start barrier): %s%s", strerror(errno),
                         limit_hint("pipe", errno, hint, sizeof hint));
                goto fail_unmap;
        }
        p->ready_fd = fds[0];
        p->ready_write_fd = fds[1];

        if (kind == PEER_THREAD) {
                rc = pthread_create(&p->thread, NULL, peer_thread_main, p);
                if (rc != 0) {
                        snprintf(err, err_len, "pthread_create: %s%s", strerror(rc),
                                 limit_hint("pthread_create", rc, hint, sizeof hint));
                        goto fail_close;
                }
                return 0;
        }
        p->pid = fork();
        if (p->pid < 0) {
                snprintf(err, err_len, "fork: %s%s", strerror(errno), limit_hint("fork", errno, hint, sizeof hint));
                goto fail_close;
        }
        if (p->pid == 0) {
                /* A peer never outlives the process that started it, even after SIGKILL. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
                        _exit(1);
                close(p->ready_fd);
                _exit(peer_body(p) == 0 ? 0 : 1);
        }
        close(p->ready_write_fd);
        p->ready_write_fd = -1;
        return 0;

fail_close:
        close(fds[0]);
        close(fds[1]);
fail_unmap:
        munmap(p->shared, sizeof *p->shared);
        p->shared = NULL;
        return -1;
}

int peer_wait_ready(struct peer *p, char *err, size_t err_len)
{
        char ready;
        ssize_t n = read_full(p->ready_fd, &ready, 1);

        close(p->ready_fd);
        p->ready_fd = -1;
        if (n == 1)
                return 0;
        /* End of file: the peer failed (or died) before it was ready; join says why. */
        if (peer_join(p, err, err_len) == 0)
                snprintf(err, err_len, "%s peer ended before the start barrier", peer_kind_name(p->kind));
        return -1;
}

static void describe_failure(const struct peer *p, const char *how, char *err, size_t err_len)
{
        const char *said = p->shared->reason;

        snprintf(err, err_len, "%s peer %s%s%s", peer_kind_name(p->kind), how,
                 said[0] ? ": " : "", said);
}

int peer_join(struct peer *p, char *err, size_t err_len)
{
        char how[96];
        int failed = 0;

        if (!p->shared)         /* already joined */
                return 0;
        if (p->kind == PEER_THREAD) {
                void *ret;
                int rc = pthread_join(p->thread, &ret);

                if (rc != 0) {
                        snprintf(how, sizeof how, "could not be joined (pthread_join: %s)", strerror(rc));
                        failed = 1;
                } else if ((intptr_t)ret != 0) {
                        snprintf(how, sizeof how, "returned %d", (int)(intptr_t)ret);
                        failed = 1;
                }
        } else {
                int st;
                pid_t r;

                while ((r = waitpid(p->pid, &st, 0)) < 0 && errno == EINTR)
                        ;
                if (r < 0) {
                        snprintf(how, sizeof how, "could not be reaped (waitpid: %s)", strerror(errno));
                        failed = 1;
                } else if (WIFSIGNALED(st)) {
                        snprintf(how, sizeof how, "was killed by signal %d (%s)", WTERMSIG(st),
                                 strsignal(WTERMSIG(st)));
                        failed = 1;
                } else if (WEXITSTATUS(st) != 0) {
                        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
                        failed = 1;
                }
                p->pid = -1;
        }
        if (failed)
                describe_failure(p, how, err, err_len);
        p->last = *p->shared;
        if (p->ready_fd >= 0)
                close(p->ready_fd);
        munmap(p->shared, sizeof *p->shared);
        p->shared = NULL;
        return failed ? -1 : 0;
}

void peer_kill(struct peer *p)
{
        if (p->kind == PEER_PROCESS && p->pid > 0)
                kill(p->pid, SIGKILL);
}
