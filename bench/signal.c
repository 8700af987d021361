/* Signals as a message channel: the lecture's approach #3 (`kill`). A standard signal says
 * only "signal N happened" (and, to a receiver that asks, who sent it and how); a real-time
 * signal sent with sigqueue also carries one int.
 *
 * Who receives a signal. kill(pid, sig) and sigqueue make a process-directed signal: it is
 * pending for the whole process, and the kernel hands it to any one thread of that process
 * that does not block it (or to the first that waits for it in sigwaitinfo or on a signalfd).
 * pthread_kill (tgkill) and pthread_sigqueue make a thread-directed signal: pending for that
 * one thread, and only that thread can take it. In process mode each side is a process of one
 * thread and the signals are process-directed (kill, sigqueue). In thread mode both sides are
 * threads of one process, so each aims at the other's thread (pthread_kill, pthread_sigqueue):
 * a process-directed signal could be taken by the sender itself.
 *
 * Round trips (metric rtt; one iteration: main signals the peer, the peer signals main back):
 *  - ipc.signal.sigwait: SIGUSR1 there, SIGUSR2 back, both blocked, taken with sigwaitinfo.
 *  - ipc.signal.handler: the same signals caught by a handler that counts them. Each side
 *    keeps them blocked and sleeps in sigsuspend, which unblocks the awaited signal only
 *    while it sleeps: a signal that comes between the look at the counter and the sleep stays
 *    pending and ends the sleep, so none is missed (the classic race-free pattern).
 *  - ipc.signal.signalfd: the same signals blocked and read from a signalfd, like a descriptor.
 *  - ipc.signal.rt: SIGRTMIN there, SIGRTMIN+1 back with sigqueue, the sequence number as the
 *    payload, taken with sigwaitinfo.
 * Streams (metrics throughput and rate; the size is 4 bytes: an RT signal's int payload, and
 * for a standard signal its number, all it says):
 *  - ipc.signal.rt: main queues RT signals whose payloads are 1, 2, 3, ... and the peer checks
 *    that each arrives, in order; the batch's count and last payload come back on a pipe.
 *    RT signals queue: none may be lost. The queue is bounded by RLIMIT_SIGPENDING (see send_signal).
 *  - ipc.signal.coalesce: main sends SIGUSR1 with kill (pthread_kill) as fast as it can; the
 *    peer's handler counts what arrives; main says "batch done" on a pipe and the peer
 *    answers with its count. Standard signals coalesce: a process (or thread) has one pending
 *    bit per signal, so a SIGUSR1 sent while the previous one is still pending is lost. The
 *    rate is what arrived per second; the share lost is reported as "loss".
 *
 * Integrity: every signal taken is checked for its number, how it was sent (si_code SI_USER
 * for kill, SI_TKILL for pthread_kill, SI_QUEUE for sigqueue) and its sender (si_pid: the other
 * process; in thread mode the process itself); an RT signal's payload is the sequence number.
 *
 * The signals are blocked in setup, before the peer exists, so the peer (a thread, or a process
 * forked later) starts with them blocked; teardown discards any still pending and restores the
 * mask and the previous actions. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "bench.h"
#include "fault.h"

enum { CACHE_LINE_BYTES = 64, SIGNAL_PAYLOAD_BYTES = sizeof(int) };

/* A direction is named by who receives it; it indexes the per-direction arrays below. */
enum direction { TO_PEER, TO_MAIN };

/* The standard signals of the round trips and of the coalescing stream. */
enum { SIG_TO_PEER = SIGUSR1, SIG_TO_MAIN = SIGUSR2 };

enum receiver { BY_SIGWAIT, BY_HANDLER, BY_SIGNALFD };

struct sig_state {
        enum receiver how;
        int queued;                     /* sigqueue with the sequence number as payload */
        int signo[2];                   /* the signal sent in each direction */
        pid_t pid[2];                   /* the process that receives each direction */
        pthread_t thread[2];            /* thread mode: the thread that receives each direction */
        _Atomic int peer_ready;         /* the peer has published pid[TO_PEER], thread[TO_PEER] */
        _Atomic int stopping;           /* round trip: the next signal tells the peer to return */
        int peer_known;                 /* main has seen peer_ready */
        sigset_t wait_set[2];           /* just the signal of that direction */
        sigset_t suspend_mask[2];       /* sigsuspend: everything of ours blocked but that one */
        int sfd[2];                     /* signalfd of each receiver, or -1 */
        int control[2], ack[2];         /* streams: main -> peer batch sizes, peer -> receipts */
        uint32_t seq;                   /* main's next sequence number */
        uint64_t sent;                  /* rt stream: signals main has queued, all batches */
        long pending_limit;             /* RLIMIT_SIGPENDING (soft), for messages */
        int blocked;                    /* setup changed the mask and saved the actions */
        sigset_t old_mask;
        struct sigaction old_action[2];
        /* rt stream: signals the peer has taken, all batches; a line of its own, as the peer
         * writes it per signal while main writes its fields above. */
        _Alignas(CACHE_LINE_BYTES) _Atomic uint64_t taken;
};

/* What the handler saw, per direction. Only the handler of the side that receives a direction
 * writes its slot (in thread mode both threads share these; each has its own direction). */
static volatile sig_atomic_t arrived[2], last_sender[2], last_code[2];
/* What the receiving side has already accounted for. */
static sig_atomic_t handled[2];

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
        int dir = sig == SIG_TO_MAIN ? TO_MAIN : TO_PEER;

        (void)uctx;
        last_sender[dir] = info->si_pid;
        last_code[dir] = info->si_code;
        arrived[dir]++;         /* no nesting: the signal is blocked while its handler runs */
}

/* What one signal brought. */
struct arrival {
        int signo, code;
        pid_t sender;
        uint32_t value;         /* sigqueue's payload; meaningless for kill */
};

/* ---- sending ---- */

static const char *send_call(const struct bench_ctx *ctx)
{
        const struct sig_state *s = ctx->state;

        if (ctx->mode == PEER_THREAD)
                return s->queued ? "pthread_sigqueue" : "pthread_kill";
        return s->queued ? "sigqueue" : "kill";
}

/* Send direction dir's signal, carrying `value` when queued. Returns 0 or an errno value. */
static int post(struct bench_ctx *ctx, enum direction dir, uint32_t value)
{
        struct sig_state *s = ctx->state;
        union sigval v = { .sival_int = (int)value };

        if (ctx->mode == PEER_THREAD)
                return s->queued ? pthread_sigqueue(s->thread[dir], s->signo[dir], v)
                                 : pthread_kill(s->thread[dir], s->signo[dir]);
        if (s->queued)
                return sigqueue(s->pid[dir], s->signo[dir], v) == 0 ? 0 : errno;
        return kill(s->pid[dir], s->signo[dir]) == 0 ? 0 : errno;
}

/* sigqueue fails with EAGAIN when the queue of pending signals is full. That queue is bounded
 * by RLIMIT_SIGPENDING, which counts, per real user, every signal queued to any process of that
 * user (the default is half of kernel.threads-max, which follows the RAM size; `ulimit -i`
 * sets it). Standard signals sent with kill are never refused by it (the kernel overrides
 * the limit for them). While the peer holds some of ours it is draining them: yield and
 * retry (that wait is part of what a stream costs). If it holds none, other processes of
 * this user fill the queue, and waiting on them would measure nothing of ours. */
static int send_signal(struct bench_ctx *ctx, enum direction dir, uint32_t value)
{
        struct sig_state *s = ctx->state;

        for (;;) {
                /* Taken before the call: if it equals what was sent, none of ours was queued. */
                uint64_t taken = atomic_load_explicit(&s->taken, memory_order_acquire);
                int err = post(ctx, dir, value);

                if (err == 0)
                        return BENCH_OK;
                if (err != EAGAIN)
                        return bench_fail(ctx, send_call(ctx), err);
                if (!ctx->streaming || taken == s->sent)
                        return bench_skip(ctx, "the queue of this user's pending signals is full of "
                                          "other processes' signals (RLIMIT_SIGPENDING = %ld, counted "
                                          "across all of the user's processes); raise it with "
                                          "ulimit -i, or end what holds them", s->pending_limit);
                sched_yield();
        }
}

/* Main signals the peer for its message s->seq and moves s->seq past it. An RT signal
 * carries the sequence number, and a test's fault (fault.h) changes what goes out (a
 * corrupted payload has a high bit flipped; nothing is cut short in an int); a standard
 * signal carries nothing a fault could change. *plan says what went out. */
static int send_next(struct bench_ctx *ctx, struct fault_plan *plan)
{
        struct sig_state *s = ctx->state;
        int rc;

        if (s->queued)
                fault_plan(s->seq, plan);
        else
                *plan = (struct fault_plan){ .n = 1, .send = { { .seq = s->seq } }, .used = 1 };
        s->seq += (uint32_t)plan->used;
        for (int k = 0; k < plan->n; k++) {
                uint32_t value = (uint32_t)plan->send[k].seq ^ (plan->send[k].corrupt ? 1u << 30 : 0);
                if ((rc = send_signal(ctx, TO_PEER, value)) != BENCH_OK)
                        return rc;
        }
        return BENCH_OK;
}

/* ---- receiving ---- */

static int take_with_sigwait(struct bench_ctx *ctx, enum direction dir, struct arrival *a)
{
        struct sig_state *s = ctx->state;
        siginfo_t si;

        /* EINTR: another signal's handler ran (in process mode, the runner's SIGCHLD). */
        while (sigwaitinfo(&s->wait_set[dir], &si) < 0)
                if (errno != EINTR)
                        return bench_fail(ctx, "sigwaitinfo", errno);
        *a = (struct arrival){ .signo = si.si_signo, .code = si.si_code, .sender = si.si_pid,
                               .value = (uint32_t)si.si_value.sival_int };
        return BENCH_OK;
}

static int take_from_signalfd(struct bench_ctx *ctx, enum direction dir, struct arrival *a)
{
        struct sig_state *s = ctx->state;
        struct signalfd_siginfo si;

        if (read_full(s->sfd[dir], &si, sizeof si) != sizeof si)
                return bench_fail(ctx, "read(signalfd)", errno);
        *a = (struct arrival){ .signo = (int)si.ssi_signo, .code = si.ssi_code,
                               .sender = (pid_t)si.ssi_pid, .value = (uint32_t)si.ssi_int };
        return BENCH_OK;
}

static int take_with_handler(struct bench_ctx *ctx, enum direction dir, struct arrival *a)
{
        struct sig_state *s = ctx->state;

        /* The signal is blocked here, so the counter cannot move between the look and the
         * sleep; sigsuspend always returns -1 (EINTR) once a handler has run. */
        while (arrived[dir] == handled[dir])
                sigsuspend(&s->suspend_mask[dir]);
        if (arrived[dir] != handled[dir] + 1)
                return bench_failf(ctx, "%d signals arrived where one was due",
                                   (int)(arrived[dir] - handled[dir]));
        handled[dir]++;
        *a = (struct arrival){ .signo = s->signo[dir], .code = last_code[dir],
                               .sender = last_sender[dir] };
        return BENCH_OK;
}

/* Wait for the next signal of direction dir. */
static int take(struct bench_ctx *ctx, enum direction dir, struct arrival *a)
{
        struct sig_state *s = ctx->state;

        switch (s->how) {
        case BY_SIGNALFD:
                return take_from_signalfd(ctx, dir, a);
        case BY_HANDLER:
                return take_with_handler(ctx, dir, a);
        default:
                return take_with_sigwait(ctx, dir, a);
        }
}

/* The signal of direction dir, sent by the other side the way it sends, carrying `want`. */
static int check(struct bench_ctx *ctx, enum direction dir, const struct arrival *a, uint32_t want)
{
        struct sig_state *s = ctx->state;
        int code = s->queued ? SI_QUEUE : ctx->mode == PEER_THREAD ? SI_TKILL : SI_USER;
        pid_t sender = s->pid[dir == TO_PEER ? TO_MAIN : TO_PEER];

        /* glibc's sigwaitinfo reports SI_TKILL as SI_USER (so that raise() looks like kill). */
        if (code == SI_TKILL && s->how == BY_SIGWAIT)
                code = SI_USER;

        if (a->signo != s->signo[dir] || a->code != code || a->sender != sender)
                return bench_failf(ctx, "signal %d (si_code %d) came from pid %d; expected signal %d "
                                   "(si_code %d) from pid %d", a->signo, a->code, (int)a->sender,
                                   s->signo[dir], code, (int)sender);
        if (s->queued && a->value != want)
                return bench_failf(ctx, "sequence %u expected, RT signal with payload %u received "
                                   "(lost, duplicated, reordered or corrupted)", want, a->value);
        return BENCH_OK;
}

/* ---- setup and teardown ---- */

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void teardown(struct bench_ctx *ctx)
{
        struct sig_state *s = ctx->state;
        struct sigaction ignore = { .sa_handler = SIG_IGN };

        for (int i = 0; i < 2; i++) {
                close_fd(&s->sfd[i]);
                close_fd(&s->control[i]);
                close_fd(&s->ack[i]);
        }
        if (!s->blocked)
                return;
        /* Ignoring a signal discards it where it is pending: after a failure, one of ours left
         * pending would otherwise meet the default action (end the process) once unblocked. */
        sigemptyset(&ignore.sa_mask);
        for (int d = 0; d < 2; d++)
                sigaction(s->signo[d], &ignore, NULL);
        pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
        for (int d = 0; d < 2; d++)
                sigaction(s->signo[d], &s->old_action[d], NULL);
        s->blocked = 0;
}

/* Block both signals on main before the peer exists (the peer inherits the mask), and
 * prepare how each side waits. */
static int block_and_prepare(struct bench_ctx *ctx)
{
        struct sig_state *s = ctx->state;
        struct sigaction catch = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
        sigset_t both;
        int rc;

        sigemptyset(&both);
        sigaddset(&both, s->signo[TO_PEER]);
        sigaddset(&both, s->signo[TO_MAIN]);
        for (int d = 0; d < 2; d++)
                if (sigaction(s->signo[d], NULL, &s->old_action[d]) != 0)
                        return bench_fail(ctx, "sigaction(save)", errno);
        if ((rc = pthread_sigmask(SIG_BLOCK, &both, &s->old_mask)) != 0)
                return bench_fail(ctx, "pthread_sigmask(SIG_BLOCK)", rc);
        s->blocked = 1;
        sigemptyset(&catch.sa_mask);
        for (int d = 0; d < 2; d++) {
                sigemptyset(&s->wait_set[d]);
                sigaddset(&s->wait_set[d], s->signo[d]);
                s->suspend_mask[d] = s->old_mask;
                sigaddset(&s->suspend_mask[d], s->signo[TO_PEER]);
                sigaddset(&s->suspend_mask[d], s->signo[TO_MAIN]);
                sigdelset(&s->suspend_mask[d], s->signo[d]);
                if (s->how == BY_HANDLER && sigaction(s->signo[d], &catch, NULL) != 0)
                        return bench_fail(ctx, "sigaction", errno);
                if (s->how == BY_SIGNALFD &&
                    (s->sfd[d] = signalfd(-1, &s->wait_set[d], SFD_CLOEXEC)) < 0)
                        return bench_fail(ctx, "signalfd", errno);
        }
        return BENCH_OK;
}

static int setup_signals(struct bench_ctx *ctx, enum receiver how, int queued, int to_peer, int to_main)
{
        struct sig_state *s = ctx->state;
        struct rlimit limit;
        int rc;

        s->how = how;
        s->queued = queued;
        s->signo[TO_PEER] = to_peer;
        s->signo[TO_MAIN] = to_main;
        s->seq = 1;
        for (int i = 0; i < 2; i++)
                s->sfd[i] = s->control[i] = s->ack[i] = -1;
        s->pid[TO_MAIN] = getpid();
        s->thread[TO_MAIN] = pthread_self();
        if (fault_init(ctx) != BENCH_OK)
                return BENCH_FAILED;
        for (int d = 0; d < 2; d++)
                arrived[d] = handled[d] = last_sender[d] = last_code[d] = 0;
        if (getrlimit(RLIMIT_SIGPENDING, &limit) != 0)
                return bench_fail(ctx, "getrlimit(RLIMIT_SIGPENDING)", errno);
        s->pending_limit = limit.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)limit.rlim_cur;
        if (queued && s->pending_limit == 0)
                return bench_skip(ctx, "RLIMIT_SIGPENDING is 0: no signal may be queued with sigqueue; "
                                  "raise it with ulimit -i");

        if (ctx->streaming && ctx->size_bytes != SIGNAL_PAYLOAD_BYTES)
                return bench_skip(ctx, "a signal carries %d bytes (an int), not %zu",
                                  SIGNAL_PAYLOAD_BYTES, ctx->size_bytes);
        if (ctx->streaming && (pipe(s->control) != 0 || pipe(s->ack) != 0))
                rc = bench_fail(ctx, "pipe(control)", errno);
        else
                rc = block_and_prepare(ctx);
        if (rc != BENCH_OK)
                teardown(ctx);
        return rc;
}

static int sigwait_setup(struct bench_ctx *ctx)
{
        return setup_signals(ctx, BY_SIGWAIT, 0, SIG_TO_PEER, SIG_TO_MAIN);
}

static int handler_setup(struct bench_ctx *ctx)
{
        return setup_signals(ctx, BY_HANDLER, 0, SIG_TO_PEER, SIG_TO_MAIN);
}

static int signalfd_setup(struct bench_ctx *ctx)
{
        return setup_signals(ctx, BY_SIGNALFD, 0, SIG_TO_PEER, SIG_TO_MAIN);
}

static int rt_setup(struct bench_ctx *ctx)
{
        return setup_signals(ctx, BY_SIGWAIT, 1, SIGRTMIN, SIGRTMIN + 1);
}

/* The coalescing stream: the peer's handler counts SIGUSR1 (SIGUSR2 goes unused). */
static int coalesce_setup(struct bench_ctx *ctx)
{
        return setup_signals(ctx, BY_HANDLER, 0, SIG_TO_PEER, SIG_TO_MAIN);
}

/* ---- who is who ---- */

/* The peer's first act: say where signals reach it. */
static void peer_begin(struct bench_ctx *ctx)
{
        struct sig_state *s = ctx->state;

        s->pid[TO_PEER] = getpid();
        s->thread[TO_PEER] = pthread_self();
        atomic_store_explicit(&s->peer_ready, 1, memory_order_release);
        if (s->sfd[TO_MAIN] >= 0)
                bench_close_other_side(ctx, s->sfd[TO_MAIN]);
        if (s->control[1] >= 0)
                bench_close_other_side(ctx, s->control[1]);
        if (s->ack[0] >= 0)
                bench_close_other_side(ctx, s->ack[0]);
}

/* Main learns the peer's identity once: the peer publishes it first thing, and the harness's
 * start barrier has already seen the peer start, so this wait is over at once or nearly. */
static void await_peer(struct sig_state *s)
{
        if (s->peer_known)
                return;
        while (!atomic_load_explicit(&s->peer_ready, memory_order_acquire))
                sched_yield();
        s->peer_known = 1;
}

/* ---- round trip ---- */

static int echo_peer(struct bench_ctx *ctx)
{
        struct sig_state *s = ctx->state;
        uint32_t expect = 1;
        struct arrival a;
        int rc;

        peer_begin(ctx);
        for (;;) {
                if ((rc = take(ctx, TO_PEER, &a)) != BENCH_OK)
                        return rc;
                if (atomic_load_explicit(&s->stopping, memory_order_acquire))
                        return BENCH_OK;
                if ((rc = check(ctx, TO_PEER, &a, expect)) != BENCH_OK ||
                    (rc = send_signal(ctx, TO_MAIN, expect)) != BENCH_OK)
                        return rc;
                expect++;
        }
}

static int round_trip(struct bench_ctx *ctx, uint64_t iters)
{
        struct sig_state *s = ctx->state;
        struct fault_plan plan;
        struct arrival a;
        int rc;

        await_peer(s);
        while (iters--) {
                if ((rc = send_next(ctx, &plan)) != BENCH_OK)
                        return rc;
                for (int k = 0; k < plan.n; k++)
                        if ((rc = take(ctx, TO_MAIN, &a)) != BENCH_OK ||
                            (rc = check(ctx, TO_MAIN, &a, (uint32_t)plan.send[k].seq)) != BENCH_OK)
                                return rc;
        }
        return BENCH_OK;
}

static void stop(struct bench_ctx *ctx)
{
        struct sig_state *s = ctx->state;

        if (ctx->streaming) {
                close_fd(&s->control[1]);       /* the peer reads end of file and returns */
                return;
        }
        await_peer(s);
        atomic_store_explicit(&s->stopping, 1, memory_order_release);
        post(ctx, TO_PEER, 0);
}

/* ---- ipc.signal.rt: a stream of queued signals ---- */

/* What the receiver confirms after each batch. */
struct receipt {
        uint64_t count;         /* signals taken in this batch */
        uint32_t last;          /* the last payload taken */
        /* cppcheck-suppress unusedStructMember ; padding, named so the whole struct sent is set */
        uint32_t unused;
};

static int rt_sink_peer(struct bench_ctx *ctx)
{
        struct sig_state *s = ctx->state;
        struct receipt r = { 0, 0, 0 }, said;
        uint32_t expect = 1;
        uint64_t count, receipts = 0;
        struct arrival a;
        ssize_t n;
        int rc;

        peer_begin(ctx);
        while ((n = read_full(s->control[0], &count, sizeof count)) == sizeof count) {
                for (r.count = 0; r.count < count; r.count++) {
                        if ((rc = take(ctx, TO_PEER, &a)) != BENCH_OK ||
                            (rc = check(ctx, TO_PEER, &a, expect)) != BENCH_OK)
                                return rc;
                        r.last = expect++;
                        atomic_fetch_add_explicit(&s->taken, 1, memory_order_release);
                }
                said = r;
                said.count -= fault_strikes(FAULT_RECEIPT, ++receipts);
                if (write_full(s->ack[1], &said, sizeof said) != sizeof said)
                        return bench_fail(ctx, "write(ack)", errno);
        }
        return n == 0 ? BENCH_OK : bench_fail(ctx, "read(control)", errno);
}

static int rt_stream(struct bench_ctx *ctx, uint64_t iters)
{
        struct sig_state *s = ctx->state;
        struct fault_plan plan;
        struct receipt r;
        int rc;

        await_peer(s);
        if (write_full(s->control[1], &iters, sizeof iters) != sizeof iters)
                return bench_fail(ctx, "write(control)", errno);
        /* `iters` signals go out (under a test's fault one may be lost, and the stream goes on
         * with the next, as a stream does). */
        for (uint64_t sent = 0; sent < iters; sent += (uint64_t)plan.n) {
                if ((rc = send_next(ctx, &plan)) != BENCH_OK)
                        return rc;
                s->sent += (uint64_t)plan.n;
        }
        if (read_full(s->ack[0], &r, sizeof r) != sizeof r)
                return bench_failf(ctx, "the peer did not confirm what it received");
        if (r.count != iters || r.last != s->seq - 1)
                return bench_failf(ctx, "the receipt says %llu RT signals up to payload %u; %llu were "
                                   "sent, up to %u", (unsigned long long)r.count, r.last,
                                   (unsigned long long)iters, s->seq - 1);
        return BENCH_OK;
}

/* ---- ipc.signal.coalesce: standard signals lose their repeats ---- */

static int coalesce_sink_peer(struct bench_ctx *ctx)
{
        struct sig_state *s = ctx->state;
        uint64_t sent, count, receipts = 0;
        sigset_t catch;
        ssize_t n;
        int rc;

        /* This side takes SIGUSR1 in its handler whenever it comes (in thread mode, only this
         * thread unblocks it; main keeps it blocked). SA_RESTART resumes the read below. */
        sigemptyset(&catch);
        sigaddset(&catch, s->signo[TO_PEER]);
        if ((rc = pthread_sigmask(SIG_UNBLOCK, &catch, NULL)) != 0)
                return bench_fail(ctx, "pthread_sigmask(SIG_UNBLOCK)", rc);
        peer_begin(ctx);
        /* Main sends its word only after its last kill has returned, when that signal is
         * pending here; the kernel runs the handler before the read that brings the word
         * returns, so the count below includes every signal of the batch that arrived. */
        while ((n = read_full(s->control[0], &sent, sizeof sent)) == sizeof sent) {
                sig_atomic_t now = arrived[TO_PEER];
                count = (unsigned int)now - (unsigned int)handled[TO_PEER];
                handled[TO_PEER] = now;
                if (count > sent)
                        return bench_failf(ctx, "%llu signals arrived of %llu sent",
                                           (unsigned long long)count, (unsigned long long)sent);
                if (count && (last_sender[TO_PEER] != s->pid[TO_MAIN] ||
                              last_code[TO_PEER] != (ctx->mode == PEER_THREAD ? SI_TKILL : SI_USER)))
                        return bench_failf(ctx, "SIGUSR1 came from pid %d (si_code %d), not from main",
                                           (int)last_sender[TO_PEER], (int)last_code[TO_PEER]);
                /* A test's wrong receipt: one too many (one too few would be a signal merged). */
                count += fault_strikes(FAULT_RECEIPT, ++receipts);
                if (write_full(s->ack[1], &count, sizeof count) != sizeof count)
                        return bench_fail(ctx, "write(ack)", errno);
        }
        return n == 0 ? BENCH_OK : bench_fail(ctx, "read(control)", errno);
}

static int coalesce_stream(struct bench_ctx *ctx, uint64_t iters)
{
        struct sig_state *s = ctx->state;
        uint64_t count;
        int err;

        await_peer(s);
        for (uint64_t i = 0; i < iters; i++)
                if ((err = post(ctx, TO_PEER, 0)) != 0)
                        return bench_fail(ctx, send_call(ctx), err);
        /* "Batch done" goes by the pipe, which loses nothing. */
        if (write_full(s->control[1], &iters, sizeof iters) != sizeof iters)
                return bench_fail(ctx, "write(control)", errno);
        if (read_full(s->ack[0], &count, sizeof count) != sizeof count)
                return bench_failf(ctx, "the peer did not say what it received");
        /* The last signal sent is pending, or was taken, by the time the word arrives. */
        if (count == 0 || count > iters)
                return bench_failf(ctx, "the receipt says %llu signals arrived, %llu were sent",
                                   (unsigned long long)count, (unsigned long long)iters);
        ctx->delivered = count;
        ctx->sent_total += iters;
        ctx->delivered_total += count;
        return BENCH_OK;
}

/* ---- the descriptors ---- */

static const size_t payload_sizes[] = { SIGNAL_PAYLOAD_BYTES, 0 };

#define SIGNAL_RTT_BENCH(id, text)                                                           \
        static const struct bench signal_##id = {                                            \
                .name = "ipc.signal." #id, .group = "ipc", .mechanism = "signal",             \
                .variant = #id, .summary = text, .metric = "rtt",                            \
                .state_bytes = sizeof(struct sig_state),                                     \
                .setup = id##_setup, .peer = echo_peer, .run = round_trip,                   \
                .stop = stop, .teardown = teardown,                                          \
        }

SIGNAL_RTT_BENCH(sigwait, "SIGUSR1 there, SIGUSR2 back (kill; pthread_kill between threads), "
                 "each blocked and taken with sigwaitinfo");
SIGNAL_RTT_BENCH(handler, "the same, each caught by a handler while its receiver sleeps in sigsuspend");
SIGNAL_RTT_BENCH(signalfd, "the same, each blocked and read from a signalfd");

static const struct bench signal_rt = {
        .name = "ipc.signal.rt", .group = "ipc", .mechanism = "signal", .variant = "rt",
        .summary = "SIGRTMIN there, SIGRTMIN+1 back with sigqueue, the sequence number as payload; "
                   "a one-way stream of queued RT signals, none lost",
        .metric = "rtt", .state_bytes = sizeof(struct sig_state),
        .stream_sizes = payload_sizes, .quick_stream_sizes = payload_sizes,
        .setup = rt_setup, .peer = echo_peer, .run = round_trip,
        .stream = rt_stream, .stream_peer = rt_sink_peer,
        .stop = stop, .teardown = teardown,
};

/* Only a stream: .run is NULL, and the peer function is the stream's. */
static const struct bench signal_coalesce = {
        .name = "ipc.signal.coalesce", .group = "ipc", .mechanism = "signal", .variant = "coalesce",
        .summary = "a one-way stream of SIGUSR1 sent as fast as kill goes, counting what arrived: "
                   "a pending standard signal absorbs its repeats",
        .metric = "rtt", .state_bytes = sizeof(struct sig_state),
        .stream_sizes = payload_sizes, .quick_stream_sizes = payload_sizes,
        .setup = coalesce_setup, .peer = coalesce_sink_peer,
        .stream = coalesce_stream, .stream_peer = coalesce_sink_peer, .lossy = 1,
        .stop = stop, .teardown = teardown,
};

const struct bench *const signal_benches[] = {
        &signal_sigwait, &signal_handler, &signal_signalfd, &signal_rt, &signal_coalesce, NULL,
};
