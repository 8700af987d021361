#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "noise.h"
#include "placement.h"
#include "stats.h"

/* ---- the point's own process ---------------------------------------------------------- */

enum msg_type { MSG_SERIES = 1, MSG_CONTEXT, MSG_SKIP, MSG_FAIL, MSG_OWN_SYSV_QUEUE };

struct msg_header {
        uint32_t type;
        uint32_t len;              /* bytes after the header */
};

struct msg_series {
        char metric[32];
        char unit[16];
        uint64_t n;                /* doubles that follow */
};

/* The series this point's process has gathered, sent when it ends. */
static struct series recorded[SERIES_MAX];
static size_t n_recorded;

int runner_record(const char *metric, const char *unit, double value)
{
        struct series *s = NULL;

        for (size_t i = 0; i < n_recorded && !s; i++)
                if (strcmp(recorded[i].metric, metric) == 0 && strcmp(recorded[i].unit, unit) == 0)
                        s = &recorded[i];
        if (!s) {
                if (n_recorded == SERIES_MAX || strlen(metric) >= sizeof s->metric ||
                    strlen(unit) >= sizeof s->unit)
                        return -1;
                s = &recorded[n_recorded++];
                strcpy(s->metric, metric);
                strcpy(s->unit, unit);
        }
        /* Grow by doubling: the count is a power of two exactly when the array is full. */
        if ((s->n & (s->n - 1)) == 0) {
                double *more = realloc(s->values, (s->n ? s->n * 2 : 16) * sizeof *more);
                if (!more)
                        return -1;
                s->values = more;
        }
        s->values[s->n++] = value;
        return 0;
}

/* Record a whole series at once (the timed samples, or one derived from them). */
static int record_series(const char *metric, const char *unit, const double *values, size_t n,
                         double offset, double divisor)
{
        for (size_t i = 0; i < n; i++)
                if (runner_record(metric, unit, (values[i] - offset) / divisor) != 0)
                        return -1;
        return 0;
}

/* Record numerator / value for each timed value: what per-ns times become per second. */
static int record_inverse(const char *metric, const char *unit, const double *ns, size_t n,
                          double numerator)
{
        for (size_t i = 0; i < n; i++)
                if (runner_record(metric, unit, numerator / ns[i]) != 0)
                        return -1;
        return 0;
}

int point_context_stolen(const struct point_context *c)
{
        /* Unpinned, the steal read was of every CPU (point_steal_ns). */
        long cpus = c->cpu_main < 0 ? sysconf(_SC_NPROCESSORS_ONLN)
                    : c->cpu_peer >= 0 && c->cpu_peer != c->cpu_main ? 2 : 1;

        return !isnan(c->steal_ns) && c->window_ns &&
               c->steal_ns > NOISE_STEAL_FLAG * (double)c->window_ns * (double)(cpus > 0 ? cpus : 1);
}

int point_context_moved(const struct point_context *c)
{
        return noise_distance(c->probe_before_ns, c->probe_after_ns) == DISTANCE_MIXED;
}

void point_outcome_free(struct point_outcome *out)
{
        for (size_t i = 0; i < out->n_series; i++)
                free(out->series[i].values);
        out->n_series = 0;
}

static struct bench_report *report_page;
static int point_fd = -1;       /* the point's process: where its messages go */
static volatile sig_atomic_t interrupted;

struct bench_report *runner_report_page(void)
{
        return report_page;
}

void runner_interrupt(void)
{
        interrupted = 1;
}

int runner_interrupted(void)
{
        return interrupted;
}

static void send_message(int fd, enum msg_type type, const void *a, size_t a_len,
                         const void *b, size_t b_len)
{
        struct msg_header h = { .type = type, .len = (uint32_t)(a_len + b_len) };
        struct iovec iov[3] = { { &h, sizeof h }, { (void *)a, a_len }, { (void *)b, b_len } };
        ssize_t n;

        /* One writev: a message up to PIPE_BUF bytes (every failure or skip) goes into the pipe
         * whole, even when main and a thread peer fail at the same moment. A longer one (the
         * series, sent by main alone at the end) may go in pieces: the rest follows in order. */
        while ((n = writev(fd, iov, 3)) < 0 && errno == EINTR)
                ;
        for (int i = 0; i < 3 && n >= 0; i++) {
                size_t done = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
                n -= (ssize_t)done;
                if (done < iov[i].iov_len &&
                    write_full(fd, (char *)iov[i].iov_base + done, iov[i].iov_len - done) < 0)
                        n = -1;
        }
        /* If the parent is gone there is no one left to tell. */
        if (n < 0)
                _exit(1);
}

int runner_own_sysv_queue(int id)
{
        if (point_fd < 0)
                return -1;
        send_message(point_fd, MSG_OWN_SYSV_QUEUE, &id, sizeof id, NULL, 0);
        return 0;
}

/* Private memory of `bytes`, every page touched, so no first-touch fault lands in a sample. */
static void *touched_buffer(size_t bytes)
{
        size_t len = bytes ? bytes : 64;
        char *buf = malloc(len);

        if (buf)
                memset(buf, 0xa5, len);
        return buf;
}

static void *shared_state(size_t bytes)
{
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

        return p == MAP_FAILED ? NULL : p;
}

static void finish(int fd, int rc, const char *own_reason);

/* Whether a report has been written: when both sides fail at once, one may end the point
 * while the other, which claimed the page first, is still writing its reason. Waits up to
 * a second for it (nanosleep: this runs in a signal handler too). */
static int report_written(void)
{
        struct timespec ms = { 0, 1000000 };

        if (!__atomic_load_n(&report_page->taken, __ATOMIC_ACQUIRE))
                return 0;
        for (int waited = 0; waited < 1000 && !__atomic_load_n(&report_page->written, __ATOMIC_ACQUIRE); waited++)
                nanosleep(&ms, NULL);
        return __atomic_load_n(&report_page->written, __ATOMIC_ACQUIRE);
}
static volatile pid_t watched_peer;
/* Atomic, not volatile: main clears it while the peer thread reads it (a data race otherwise). */
static _Atomic int thread_peer_watched;

static int peer_trampoline(void *arg)
{
        struct bench_ctx *ctx = arg;
        int rc = ctx->streaming ? ctx->bench->stream_peer(ctx) : ctx->bench->peer(ctx);

        /* A thread peer that gives up while main still waits on it would leave main blocked:
         * end the whole point now, with the peer's own words. So does one that returns while
         * main still runs: a peer ends only when main has stopped it. */
        if (ctx->mode == PEER_THREAD && thread_peer_watched)
                finish(point_fd, rc != BENCH_OK ? rc : BENCH_FAILED,
                       rc != BENCH_OK ? "thread peer failed" : "thread peer returned before main had finished");
        return rc;
}

/* A process peer that dies (a signal, a non-zero exit) would leave main blocked on a pipe
 * whose other end it holds itself; SIGCHLD ends the point at once with the cause instead. */

static size_t append(char *buf, size_t at, size_t cap, const char *text)
{
        while (*text && at + 1 < cap)
                buf[at++] = *text++;
        buf[at] = '\0';
        return at;
}

static size_t append_int(char *buf, size_t at, size_t cap, int value)
{
        char digits[16];
        int n = 0;

        do
                digits[n++] = (char)('0' + value % 10);
        while ((value /= 10) > 0 && n < 15);
        while (n > 0 && at + 1 < cap)
                buf[at++] = digits[--n];
        buf[at] = '\0';
        return at;
}

static void on_child_exit(int sig)
{
        siginfo_t si = { 0 };
        pid_t peer = watched_peer;
        char text[sizeof report_page->reason];
        size_t at = 0;

        (void)sig;
        /* Even exit status 0: while watched, main has not stopped the peer, so it ended early. */
        if (peer <= 0 || waitid(P_PID, (id_t)peer, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
            si.si_pid != peer)
                return;
        /* Only async-signal-safe calls from here: no stdio, no strsignal. */
        if (report_written()) {
                at = append(text, at, sizeof text, report_page->reason);
                at = append(text, at, sizeof text, "; ");
        }
        at = append(text, at, sizeof text, si.si_code == CLD_EXITED ? "process peer exited with status "
                                                                    : "process peer was killed by signal ");
        at = append_int(text, at, sizeof text, si.si_status);
        if (si.si_code == CLD_EXITED && si.si_status == 0)
                at = append(text, at, sizeof text, " before main had finished");
        send_message(point_fd, MSG_FAIL, text, at + 1, NULL, 0);
        kill(peer, SIGKILL);
        _exit(1);
}

static void watch_process_peer(pid_t pid)
{
        struct sigaction sa = { .sa_handler = on_child_exit, .sa_flags = SA_NOCLDSTOP };

        watched_peer = pid;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGCHLD, &sa, NULL);
        on_child_exit(SIGCHLD);         /* it may have died before the handler was there */
}

/* Each cross-cpu repetition is framed by two probes of the cache line between its CPUs. */
#define PROBE_SECONDS 0.002

/* Steal of the point's CPUs so far: its one CPU, both, or all when unpinned. NAN: unknown. */
static double point_steal_ns(const struct point_context *pc)
{
        uint64_t a = 0, b = 0;

        if (noise_steal_ns(pc->cpu_main, &a) != 0 ||
            (pc->cpu_peer >= 0 && pc->cpu_peer != pc->cpu_main && noise_steal_ns(pc->cpu_peer, &b) != 0))
                return NAN;
        return (double)a + (double)b;
}

static void task_switches(pid_t tgid, pid_t tid, long *vol, long *invol)
{
        if (placement_task_switches(tgid, tid, vol, invol) != 0)
                *vol = *invol = 0;
}

/* SIGTERM (the run interrupted, ending its point politely) waits until setup has returned:
 * setup creates named objects (shm, queues, FIFOs) and removes the names microseconds later,
 * and a point ended in between would leave one behind. */
static volatile sig_atomic_t term_deferred;

static void defer_term(int sig)
{
        (void)sig;
        term_deferred = 1;
}

static int setup_deferring_term(struct bench_ctx *ctx)
{
        struct sigaction defer = { .sa_handler = defer_term, .sa_flags = SA_RESTART };
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        int rc;

        sigemptyset(&defer.sa_mask);
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGTERM, &defer, NULL);
        rc = ctx->bench->setup ? ctx->bench->setup(ctx) : BENCH_OK;
        sigaction(SIGTERM, &dfl, NULL);
        if (term_deferred)
                raise(SIGTERM);
        return rc;
}

/* Ends the point's process: sends what happened and exits. Never returns. */
static void finish(int fd, int rc, const char *own_reason)
{
        int written = report_written();
        const char *reason = written ? report_page->reason : own_reason;

        if (rc == BENCH_SKIPPED || (written && report_page->skipped)) {
                send_message(fd, MSG_SKIP, reason, strlen(reason) + 1, NULL, 0);
                _exit(0);
        }
        send_message(fd, MSG_FAIL, reason, strlen(reason) + 1, NULL, 0);
        _exit(1);
}

static void run_point_child(const struct point *pt, const struct measure_plan *plan,
                            const char *helper_path, int fd)
{
        const struct bench *b = pt->bench;
        struct bench_ctx ctx = {
                .bench = b, .mode = pt->mode,
                .placement = pt->placement, .size_bytes = pt->size_bytes,
                .param_value = pt->param_value, .helper_path = helper_path, .side = "main",
                /* ipcbench run --dir sets it in the environment every point inherits */
                .data_dir = getenv(RUNNER_DATA_DIR_ENV) ? getenv(RUNNER_DATA_DIR_ENV) : "/dev/shm",
                .streaming = pt->stream,
                .duration_s = plan->duration_s, .iterations = plan->iterations,
        };
        struct bench_ctx peer_ctx;
        struct point_context pc = { .cpu_main = -1, .cpu_peer = -1, .batch = 1,
                                    .probe_before_ns = NAN, .probe_after_ns = NAN };
        struct measure_samples samples = { 0 }, baseline = { 0 };
        struct peer peer;
        char err[1024] = "", peer_err[sizeof err];
        long v0 = 0, i0 = 0, v1 = 0, i1 = 0, pv0 = 0, pi0 = 0, pv1 = 0, pi1 = 0;
        uint64_t batch = 0;
        int rc;

        point_fd = fd;
        report_page = shared_state(sizeof *report_page);
        if (!report_page) {
                static struct bench_report fallback;
                report_page = &fallback;
        }
        if (pt->placement != PLACE_ANY) {
                int first, second;

                if (placement_cpus(&first, &second) < 0) {
                        snprintf(err, sizeof err, "sched_getaffinity: %s", strerror(errno));
                        finish(fd, BENCH_FAILED, err);
                }
                pc.cpu_main = first;
                /* Without a peer, same-cpu pins main and every child it creates inherits that. */
                pc.cpu_peer = !b->peer ? -1 : pt->placement == PLACE_SAME_CPU ? first : second;
                if (b->peer && pc.cpu_peer < 0) {
                        snprintf(err, sizeof err, "cross-cpu needs two CPUs; this process may run "
                                 "on CPU %d only (see taskset/cgroup cpuset)", first);
                        finish(fd, BENCH_SKIPPED, err);
                }
                if (placement_pin_self(pc.cpu_main, err, sizeof err) != 0)
                        finish(fd, BENCH_FAILED, err);
        }
        if (pt->placement == PLACE_CROSS_CPU)
                pc.probe_before_ns = noise_cacheline_probe_ns(pc.cpu_peer, PROBE_SECONDS);
        ctx.parts = 1;
        ctx.state = b->state_bytes ? shared_state(b->state_bytes) : NULL;
        ctx.buf = touched_buffer(pt->size_bytes);
        if ((b->state_bytes && !ctx.state) || !ctx.buf)
                finish(fd, BENCH_FAILED, "out of memory for the benchmark's state");
        rc = setup_deferring_term(&ctx);
        if (rc != BENCH_OK)
                finish(fd, rc, "setup failed");

        if (!(ctx.parts > 0))
                ctx.parts = 1;
        /* The baseline corrects a switch on one CPU; across two the hand-over is a wake-up,
         * not a switch, and there is nothing for it to correct. */
        int corrected = b->baseline && pt->placement == PLACE_SAME_CPU;
        if (corrected) {
                rc = measure_prepare(&ctx, b->baseline, plan, &batch);
                if (rc == BENCH_OK)
                        rc = measure_samples(&ctx, b->baseline, plan, batch, &baseline);
                if (rc != BENCH_OK) {
                        if (b->teardown)
                                b->teardown(&ctx);
                        finish(fd, rc, "the baseline failed");
                }
        }

        if (b->peer) {
                thread_peer_watched = pt->mode == PEER_THREAD;
                peer_ctx = ctx;
                peer_ctx.side = "peer";
                peer_ctx.buf = touched_buffer(pt->size_bytes);
                if (!peer_ctx.buf)
                        snprintf(err, sizeof err, "out of memory for the peer's buffer");
                else if (peer_start(&peer, pt->mode, peer_trampoline, &peer_ctx,
                                    pt->placement == PLACE_ANY ? -1 : pc.cpu_peer, err, sizeof err) == 0
                         && peer_wait_ready(&peer, err, sizeof err) == 0)
                        err[0] = '\0';
                if (err[0]) {
                        if (b->teardown)
                                b->teardown(&ctx);
                        finish(fd, BENCH_FAILED, err);
                }
                if (pt->mode == PEER_PROCESS)
                        watch_process_peer(peer.pid);
        }

        double steal0 = point_steal_ns(&pc);
        uint64_t window0 = now_ns();
        if (b->measure) {
                rc = b->measure(&ctx);
        } else {
                measure_op op = pt->stream ? b->stream : b->run;
                rc = measure_prepare(&ctx, op, plan, &batch);
                /* A lossy stream's counts start with the timed window, as its rate does. */
                ctx.sent_total = ctx.delivered_total = 0;
                if (rc == BENCH_OK) {
                        steal0 = point_steal_ns(&pc);
                        window0 = now_ns();
                        task_switches(getpid(), gettid(), &v0, &i0);
                        if (b->peer)
                                task_switches(peer.shared->tgid, peer.shared->tid, &pv0, &pi0);
                        rc = measure_samples(&ctx, op, plan, batch, &samples);
                        task_switches(getpid(), gettid(), &v1, &i1);
                        if (b->peer)
                                task_switches(peer.shared->tgid, peer.shared->tid, &pv1, &pi1);
                }
        }
        pc.window_ns = now_ns() - window0;
        pc.steal_ns = point_steal_ns(&pc) - steal0;
        if (rc == BENCH_OK && pc.cpu_main >= 0 && sched_getcpu() != pc.cpu_main) {
                snprintf(err, sizeof err, "main was pinned to CPU %d but ended on CPU %d",
                         pc.cpu_main, sched_getcpu());
                rc = BENCH_FAILED;
        }
        if (b->peer) {
                watched_peer = 0;       /* from here on the peer is expected to end */
                thread_peer_watched = 0;
                if (rc != BENCH_OK && pt->mode == PEER_THREAD) {
                        /* The peer thread may wait forever; exiting this process ends it. */
                        if (b->teardown)
                                b->teardown(&ctx);
                        finish(fd, rc, err[0] ? err : "the timed run failed");
                }
                if (rc != BENCH_OK)
                        peer_kill(&peer);
                else if (b->stop)
                        b->stop(&ctx);
                /* After a failure of main, the peer's end (killed just above) is not news. */
                if (peer_join(&peer, peer_err, sizeof peer_err) != 0 && rc == BENCH_OK) {
                        memcpy(err, peer_err, sizeof err);
                        rc = BENCH_FAILED;
                }
                if (rc == BENCH_OK && pc.cpu_peer >= 0 &&
                    (peer.last.cpu_start != pc.cpu_peer || peer.last.cpu_end != pc.cpu_peer)) {
                        snprintf(err, sizeof err, "peer was pinned to CPU %d but ran on CPU %d..%d",
                                 pc.cpu_peer, peer.last.cpu_start, peer.last.cpu_end);
                        rc = BENCH_FAILED;
                }
        }
        if (b->teardown)
                b->teardown(&ctx);
        if (rc != BENCH_OK)
                finish(fd, rc, err[0] ? err : "the timed run failed");
        if (pt->placement == PLACE_CROSS_CPU)
                pc.probe_after_ns = noise_cacheline_probe_ns(pc.cpu_peer, PROBE_SECONDS);

        pc.ops = b->measure ? 1 : samples.n * samples.batch;
        pc.batch = b->measure ? 1 : samples.batch;
        pc.main_voluntary = (double)(v1 - v0) / (double)pc.ops;
        pc.main_involuntary = (double)(i1 - i0) / (double)pc.ops;
        pc.peer_voluntary = (double)(pv1 - pv0) / (double)pc.ops;
        pc.peer_involuntary = (double)(pi1 - pi0) / (double)pc.ops;
        if (pt->stream) {
                /* Bytes per ns is GB/s: x 1000 for MB/s. Messages per ns x 10^9 per second. */
                if (record_inverse("throughput", "MB/s", samples.ns_per_op, samples.n,
                                   (double)pt->size_bytes * 1e3) != 0 ||
                    record_inverse("rate", "msg/s", samples.ns_per_op, samples.n, 1e9) != 0 ||
                    (b->lossy && runner_record("loss", "fraction", ctx.sent_total ?
                                               1.0 - (double)ctx.delivered_total / (double)ctx.sent_total
                                               : 0.0) != 0))
                        finish(fd, BENCH_FAILED, "out of memory for the samples");
        } else if (!b->measure) {
                double baseline_ns = baseline.n ? stats_median(baseline.ns_per_op, baseline.n) : 0;
                if (record_series(b->metric, "ns", samples.ns_per_op, samples.n, 0, 1) != 0 ||
                    (b->split_metric && record_series(b->split_metric, "ns", samples.ns_per_op,
                                                      samples.n, 0, ctx.parts) != 0) ||
                    (corrected && (record_series("baseline", "ns", baseline.ns_per_op, baseline.n, 0, 1) != 0 ||
                                     record_series(b->excess_metric, "ns", samples.ns_per_op, samples.n,
                                                   baseline_ns, ctx.parts) != 0)))
                        finish(fd, BENCH_FAILED, "out of memory for the samples");
        }
        if (n_recorded == 0)
                finish(fd, BENCH_FAILED, "the benchmark reported nothing");
        for (size_t i = 0; i < n_recorded; i++) {
                struct msg_series m = { .n = recorded[i].n };
                memcpy(m.metric, recorded[i].metric, sizeof m.metric);
                memcpy(m.unit, recorded[i].unit, sizeof m.unit);
                send_message(fd, MSG_SERIES, &m, sizeof m, recorded[i].values, m.n * sizeof(double));
        }
        send_message(fd, MSG_CONTEXT, &pc, sizeof pc, NULL, 0);
        _exit(0);
}

/* The point's process starts as a fresh image of this program (exec), not as a fork of the
 * parent: a fork would inherit the memory the parent has gathered by then (samples of earlier
 * points), and a process's size changes what creating it costs. Every point starts alike,
 * whatever ran before it. Never returns. */
static void exec_point(const struct point *pt, const struct measure_plan *plan,
                       const char *helper_path, int fd)
{
        char mode[8], placement[8], size[24], param[24], iterations[24], duration[40],
                warmup[40], min_batch[24], min_samples[24], max_samples[24], out_fd[12], stream[4];
        char *argv[] = { "ipcbench", RUNNER_POINT_VERB, (char *)pt->bench->name, mode, placement,
                         size, param, iterations, duration, warmup, min_batch, min_samples,
                         max_samples, (char *)helper_path, out_fd, stream, NULL };
        char reason[600];

        snprintf(mode, sizeof mode, "%d", (int)pt->mode);
        snprintf(placement, sizeof placement, "%d", (int)pt->placement);
        snprintf(size, sizeof size, "%zu", pt->size_bytes);
        snprintf(param, sizeof param, "%ld", pt->param_value);
        snprintf(iterations, sizeof iterations, "%llu", (unsigned long long)plan->iterations);
        snprintf(duration, sizeof duration, "%a", plan->duration_s);    /* %a: exact */
        snprintf(warmup, sizeof warmup, "%a", plan->warmup_s);
        snprintf(min_batch, sizeof min_batch, "%llu", (unsigned long long)plan->min_batch_ns);
        snprintf(min_samples, sizeof min_samples, "%zu", plan->min_samples);
        snprintf(max_samples, sizeof max_samples, "%zu", plan->max_samples);
        snprintf(out_fd, sizeof out_fd, "%d", fd);
        snprintf(stream, sizeof stream, "%d", pt->stream ? 1 : 0);
        fcntl(fd, F_SETFD, 0);          /* the one descriptor the new image keeps */
        execv("/proc/self/exe", argv);
        snprintf(reason, sizeof reason, "execv(/proc/self/exe): %s", strerror(errno));
        send_message(fd, MSG_FAIL, reason, strlen(reason) + 1, NULL, 0);
        _exit(1);
}

int runner_point_main(int argc, char **argv, const struct bench *const *table, size_t count)
{
        struct point pt = { 0 };
        struct measure_plan plan;
        unsigned long long iterations, min_batch;
        int mode, placement, fd;

        if (argc != 16 || sscanf(argv[15], "%d", &pt.stream) != 1 || sscanf(argv[3], "%d", &mode) != 1 || sscanf(argv[4], "%d", &placement) != 1 ||
            sscanf(argv[5], "%zu", &pt.size_bytes) != 1 || sscanf(argv[6], "%ld", &pt.param_value) != 1 ||
            sscanf(argv[7], "%llu", &iterations) != 1 || sscanf(argv[8], "%la", &plan.duration_s) != 1 ||
            sscanf(argv[9], "%la", &plan.warmup_s) != 1 || sscanf(argv[10], "%llu", &min_batch) != 1 ||
            sscanf(argv[11], "%zu", &plan.min_samples) != 1 ||
            sscanf(argv[12], "%zu", &plan.max_samples) != 1 || sscanf(argv[14], "%d", &fd) != 1) {
                fprintf(stderr, "ipcbench: %s is internal: it runs one point for 'ipcbench run'\n",
                        RUNNER_POINT_VERB);
                return 2;
        }
        for (size_t i = 0; i < count && !pt.bench; i++)
                if (strcmp(table[i]->name, argv[2]) == 0)
                        pt.bench = table[i];
        if (!pt.bench) {
                fprintf(stderr, "ipcbench: %s: no benchmark '%s'\n", RUNNER_POINT_VERB, argv[2]);
                return 2;
        }
        pt.mode = (enum peer_kind)mode;
        pt.placement = (enum placement)placement;
        plan.iterations = iterations;
        plan.min_batch_ns = min_batch;
        fcntl(fd, F_SETFD, FD_CLOEXEC); /* peers and helpers it starts need not keep it */
        run_point_child(&pt, &plan, argv[13], fd);
        return 1;                       /* not reached: run_point_child exits */
}

/* ---- the watching parent -------------------------------------------------------------- */

struct inbox {
        char *data;
        size_t len, cap;
};

static int inbox_read(struct inbox *in, int fd)
{
        if (in->cap - in->len < 65536) {
                size_t cap = in->cap ? in->cap * 2 : 131072;
                char *more = realloc(in->data, cap);
                if (!more)
                        return -1;
                in->data = more;
                in->cap = cap;
        }
        ssize_t n = read(fd, in->data + in->len, in->cap - in->len);
        if (n > 0)
                in->len += (size_t)n;
        return n < 0 ? (errno == EINTR ? 1 : -1) : (int)(n > 0);
}

static void parse_messages(const struct inbox *in, struct point_outcome *out)
{
        size_t at = 0;
        int got_context = 0;

        while (at + sizeof(struct msg_header) <= in->len) {
                struct msg_header h;
                memcpy(&h, in->data + at, sizeof h);
                at += sizeof h;
                if (h.len > in->len - at)
                        break;
                const char *body = in->data + at;
                at += h.len;
                if (h.type == MSG_SERIES && h.len >= sizeof(struct msg_series) &&
                    out->n_series < SERIES_MAX) {
                        struct msg_series m;
                        struct series *sr = &out->series[out->n_series];
                        memcpy(&m, body, sizeof m);
                        if (h.len != sizeof m + m.n * sizeof(double) || m.n == 0)
                                continue;
                        sr->values = malloc(m.n * sizeof(double));
                        if (!sr->values)
                                continue;
                        memcpy(sr->values, body + sizeof m, m.n * sizeof(double));
                        sr->n = m.n;
                        snprintf(sr->metric, sizeof sr->metric, "%.*s", (int)sizeof m.metric - 1, m.metric);
                        snprintf(sr->unit, sizeof sr->unit, "%.*s", (int)sizeof m.unit - 1, m.unit);
                        out->n_series++;
                } else if (h.type == MSG_OWN_SYSV_QUEUE && h.len == sizeof(int)) {
                        /* The point's process has ended, however it ended: remove the queue
                         * it created, if its teardown did not (EINVAL then: already gone). */
                        int id;
                        memcpy(&id, body, sizeof id);
                        msgctl(id, IPC_RMID, NULL);
                } else if (h.type == MSG_CONTEXT && h.len == sizeof(struct point_context)) {
                        memcpy(&out->context, body, sizeof out->context);
                        got_context = 1;
                } else if (h.type == MSG_SKIP || h.type == MSG_FAIL) {
                        snprintf(out->reason, sizeof out->reason, "%.*s", (int)h.len, body);
                        out->status = h.type == MSG_SKIP ? OUTCOME_SKIPPED : OUTCOME_FAILED;
                }
        }
        if (got_context && out->n_series && !out->reason[0])
                out->status = OUTCOME_OK;
}

/* Kill the point's whole process group: a TERM first when asked politely (Ctrl-C), then KILL. */
static void kill_group(pid_t pgid, int polite)
{
        if (polite) {
                kill(-pgid, SIGTERM);
                for (int waited_ms = 0; waited_ms < 2000; waited_ms += 20) {
                        siginfo_t si = { 0 };
                        if (waitid(P_PID, (id_t)pgid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
                                break;
                        usleep(20000);
                }
        }
        kill(-pgid, SIGKILL);
}

void runner_run_point(const struct point *pt, const struct measure_plan *plan, double timeout_s,
                      const char *helper_path, struct point_outcome *out)
{
        struct inbox in = { 0 };
        uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
        pid_t parent = getpid(), pid;
        int fds[2], st, timed_out = 0, eof = 0;
        siginfo_t si;

        memset(out, 0, sizeof *out);
        out->status = OUTCOME_FAILED;
        if (interrupted) {
                snprintf(out->reason, sizeof out->reason, "interrupted");
                return;
        }
        if (pipe2(fds, O_CLOEXEC) != 0) {
                char hint[256];
                snprintf(out->reason, sizeof out->reason, "pipe: %s%s", strerror(errno),
                         limit_hint("pipe", errno, hint, sizeof hint));
                return;
        }
        fflush(NULL);           /* or the child would write our buffered output again */
        pid = fork();
        if (pid < 0) {
                char hint[256];
                snprintf(out->reason, sizeof out->reason, "fork: %s%s", strerror(errno),
                         limit_hint("fork", errno, hint, sizeof hint));
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pid == 0) {
                setpgid(0, 0);  /* a group of its own: the watchdog kills it and its peers at once */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
                        _exit(1);
                close(fds[0]);
                exec_point(pt, plan, helper_path, fds[1]);
        }
        setpgid(pid, pid);      /* also here, so a kill before the child ran setpgid finds it */
        close(fds[1]);

        while (!eof) {
                uint64_t now = now_ns();
                if (interrupted || now >= deadline) {
                        timed_out = !interrupted;
                        kill_group(pid, interrupted);
                        break;
                }
                uint64_t left_ms = (deadline - now) / 1000000 + 1;
                struct pollfd p = { .fd = fds[0], .events = POLLIN };
                int r = poll(&p, 1, left_ms < 200 ? (int)left_ms : 200);
                if (r < 0 && errno != EINTR)
                        break;
                if (r > 0 && inbox_read(&in, fds[0]) == 0)
                        eof = 1;
        }
        close(fds[0]);
        /* Wait for the point's process without reaping it, so its group id cannot be reused,
         * then make sure nothing of the group survives, then reap. */
        memset(&si, 0, sizeof si);
        while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
                ;
        kill(-pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;

        parse_messages(&in, out);
        free(in.data);
        if (timed_out || interrupted) {
                point_outcome_free(out);
                out->status = OUTCOME_FAILED;
                if (interrupted)
                        snprintf(out->reason, sizeof out->reason, "interrupted");
                else
                        snprintf(out->reason, sizeof out->reason,
                                 "exceeded its time limit of %g s; killed it and its peers", timeout_s);
        } else if (WIFSIGNALED(st)) {
                char said[sizeof out->reason - 128];
                snprintf(said, sizeof said, "%.*s", (int)sizeof said - 1, out->reason);
                out->status = OUTCOME_FAILED;
                snprintf(out->reason, sizeof out->reason, "its process was killed by signal %d (%s)%s%s",
                         WTERMSIG(st), strsignal(WTERMSIG(st)), said[0] ? ": " : "", said);
        } else if (out->status == OUTCOME_OK && WEXITSTATUS(st) != 0) {
                out->status = OUTCOME_FAILED;
                snprintf(out->reason, sizeof out->reason, "its process exited with status %d",
                         WEXITSTATUS(st));
        } else if (out->status == OUTCOME_FAILED && !out->reason[0]) {
                snprintf(out->reason, sizeof out->reason,
                         "its process exited with status %d before reporting", WEXITSTATUS(st));
        }
}
