/* A peer: a function started as a thread (pthread_create) or as a process (fork) behind one
 * call, with a start barrier, and whose failure, in any form, becomes an error message. */
#ifndef IPCBENCH_PEER_H
#define IPCBENCH_PEER_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

/* PEER_NONE only labels benchmarks that are neither (one task touching memory): "n/a". */
enum peer_kind { PEER_THREAD, PEER_PROCESS, PEER_NONE };

const char *peer_kind_name(enum peer_kind kind);   /* "thread", "process" or "n/a" */

/* What the peer writes about itself; shared memory, so a process peer's writes are seen too. */
struct peer_shared {
        pid_t tgid, tid;
        int cpu_start, cpu_end;      /* sched_getcpu() before and after the function */
        int status;                  /* the function's return value */
        char reason[512];            /* why it failed, when it says */
};

struct peer {
        enum peer_kind kind;
        pthread_t thread;
        pid_t pid;
        int ready_fd;                /* read end of the start barrier */
        int ready_write_fd;
        int cpu;                     /* -1: not pinned */
        int (*fn)(void *arg);
        void *arg;
        struct peer_shared *shared;
        struct peer_shared last;     /* a copy of *shared taken when joined */
};

/* Start fn(arg) as a thread or process pinned to `cpu` (-1 for none). Returns 0, or -1 with
 * the reason in err. A process peer dies with its parent (PR_SET_PDEATHSIG). */
int peer_start(struct peer *p, enum peer_kind kind, int (*fn)(void *arg), void *arg, int cpu,
               char *err, size_t err_len);

/* The start barrier: returns 0 once the peer runs on its CPU and is about to call fn,
 * or -1 with the reason if it failed before that. */
int peer_wait_ready(struct peer *p, char *err, size_t err_len);

/* Wait for the peer to end. Returns 0 if fn returned 0; otherwise -1 with the reason: what fn
 * said, a non-zero exit status, or the signal that killed the process. */
int peer_join(struct peer *p, char *err, size_t err_len);

/* Kill a process peer (SIGKILL) and reap it; a thread cannot be killed alone, so for a thread
 * this does nothing and the caller must end its process. */
void peer_kill(struct peer *p);

#endif
