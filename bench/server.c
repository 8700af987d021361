/* The lecture's ack server under load: one measurement starts `ipcbench serve --model M` on a
 * free port, opens `connections` connections to it and runs the load client's closed loop
 * (bench/load.h): each connection sends a request of size_bytes, waits until acks for all of
 * its bytes are back, and sends the next. Every ack is checked. What is reported: each request's
 * latency (rtt), requests/s (rate) and MB/s (throughput).
 *
 * The server is a child process of the point (fork + exec of this same binary), so it shares
 * the point's placement: pinned with the client to one CPU (same-cpu) or free (any). It is in
 * the point's process group, so the watchdog's kill of the group takes it too, and it dies with
 * the point (PR_SET_PDEATHSIG) if the point dies first. A fresh server per point and repetition:
 * no connection, thread or child of an earlier point is left in it. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
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
#include "load.h"

enum {
        START_TIMEOUT_MS = 10000,       /* for the server's "listening on" line */
        STOP_TIMEOUT_MS = 5000,         /* after SIGTERM; the thread model drains for up to 2 s */
        SPARE_CONNECTIONS = 16,         /* the server's --max-connections above ours */
        LATENCIES_MAX = 1 << 20,        /* beyond, a uniform reservoir (see measure) */
};

static const double REQUEST_TIMEOUT_S = 10;

struct server_state {
        pid_t pid;                      /* the server; 0 once reaped */
        int out_fd;                     /* read end of its stdout */
        unsigned port;
};

static const char *model_of(const struct bench_ctx *ctx)
{
        return ctx->bench->mechanism;   /* the mechanism is the model's name */
}

/* ---- starting and stopping the server ---- */

/* Wait up to STOP_TIMEOUT_MS for the server to exit (or, when kill_first, SIGKILL it at once).
 * Returns its wait status, or -1 if it had to be killed after the wait. */
static int server_reap(struct server_state *s, int kill_first)
{
        int status = 0, waited_ms = 0;
        pid_t r;

        if (kill_first)
                kill(s->pid, SIGKILL);
        while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && waited_ms < STOP_TIMEOUT_MS) {
                usleep(10000);
                waited_ms += 10;
        }
        if (r == 0) {
                kill(s->pid, SIGKILL);
                while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
                        ;
                status = -1;
        }
        s->pid = 0;
        return status;
}

/* Read the server's first line: "listening on 127.0.0.1:PORT (model M)". */
static int read_listening_line(struct bench_ctx *ctx, struct server_state *s)
{
        char line[256] = "";    /* the first memchr looks at none of it, but the checker cannot tell */
        size_t len = 0;
        uint64_t deadline = now_ns() + START_TIMEOUT_MS * 1000000ull;
        const char *addr, *space, *colon;

        while (!memchr(line, '\n', len)) {
                struct pollfd p = { .fd = s->out_fd, .events = POLLIN };
                uint64_t now = now_ns();
                ssize_t n;
                int ready;

                if (len == sizeof line - 1 || now >= deadline)
                        return bench_failf(ctx, "ipcbench serve --model %s printed no 'listening on' "
                                           "line within %d s", model_of(ctx), START_TIMEOUT_MS / 1000);
                ready = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
                if (ready < 0 && errno != EINTR)
                        return bench_fail(ctx, "poll(server stdout)", errno);
                if (ready <= 0)
                        continue;
                n = read(s->out_fd, line + len, sizeof line - 1 - len);
                if (n < 0 && errno != EINTR)
                        return bench_fail(ctx, "read(server stdout)", errno);
                if (n == 0) {
                        int status = server_reap(s, 0);

                        return bench_failf(ctx, "ipcbench serve --model %s ended before listening "
                                           "(wait status %#x; its stderr says why)", model_of(ctx),
                                           (unsigned)status);
                }
                if (n > 0)
                        len += (size_t)n;
        }
        line[len] = '\0';
        *strchr(line, '\n') = '\0';
        /* The port follows the address's last colon (an IPv6 address has several). */
        addr = strstr(line, "listening on ");
        space = addr ? strchr(addr + 13, ' ') : NULL;
        colon = NULL;
        for (const char *c = addr ? addr + 13 : line; space && c < space; c++)
                if (*c == ':')
                        colon = c;
        if (!colon || sscanf(colon + 1, "%u", &s->port) != 1 || s->port == 0 || s->port > 65535)
                return bench_failf(ctx, "ipcbench serve said '%s', not 'listening on ADDR:PORT ...'", line);
        return BENCH_OK;
}

/* A thread or a process per connection: each counts against the user's limit on tasks
 * (RLIMIT_NPROC; root is exempt). Said before the load starts, not found as connections the
 * server had to close. The limit counts all of this user's tasks, so passing is no promise. */
static int check_task_limit(struct bench_ctx *ctx, char *err, size_t len)
{
        const char *model = model_of(ctx);
        long need = ctx->param_value + 4;       /* and the run, the point, the server, the load */
        struct rlimit rl;

        if ((strcmp(model, "thread") != 0 && strcmp(model, "process") != 0) || geteuid() == 0 ||
            getrlimit(RLIMIT_NPROC, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || (rlim_t)need <= rl.rlim_cur)
                return 0;
        snprintf(err, len, "--connections %ld: a %s per connection needs about %ld processes and "
                 "threads, but this user may have %llu (ulimit -u); raise it with 'ulimit -u'",
                 ctx->param_value, model, need, (unsigned long long)rl.rlim_cur);
        return -1;
}

static int setup(struct bench_ctx *ctx)
{
        struct server_state *s = ctx->state;
        struct load_spec need = { .connections = (size_t)ctx->param_value };
        char err[512], max_connections[24];
        char *argv[] = { "ipcbench", "serve", "--bind", "127.0.0.1", "--port", "0", "--model",
                         (char *)model_of(ctx), "--max-connections", max_connections, NULL };
        pid_t parent = getpid(), pid;
        int out[2], rc;

        s->out_fd = -1;
        /* Raised here, before the fork, so the server starts with it too (and raises its own). */
        if (load_raise_file_limit(&need, err, sizeof err) != 0 || check_task_limit(ctx, err, sizeof err) != 0)
                return bench_skip(ctx, "%s", err);
        snprintf(max_connections, sizeof max_connections, "%ld", ctx->param_value + SPARE_CONNECTIONS);
        if (pipe2(out, O_CLOEXEC) != 0)
                return bench_fail(ctx, "pipe2", errno);
        /* Not s->pid = fork(): the state is shared memory, and the child's 0 would land in it. */
        pid = fork();
        if (pid < 0) {
                rc = errno;
                close(out[0]);
                close(out[1]);
                return bench_fail(ctx, "fork", rc);
        }
        if (pid == 0) {
                /* If the point dies without its teardown, the server must not outlive it. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
                        _exit(127);
                if (dup2(out[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execv("/proc/self/exe", argv);
                fprintf(stderr, "ipcbench: server.%s: execv(/proc/self/exe): %s\n", model_of(ctx),
                        strerror(errno));
                _exit(127);
        }
        s->pid = pid;
        close(out[1]);
        s->out_fd = out[0];
        rc = read_listening_line(ctx, s);
        if (rc != BENCH_OK) {
                /* The runner calls teardown only after a setup that succeeded. */
                if (s->pid > 0)
                        server_reap(s, 1);
                close(s->out_fd);
                s->out_fd = -1;
        }
        return rc;
}

/* SIGTERM, then insist on exit status 0: a server that crashed or hung under the load is a
 * failed benchmark, not a fast one. Returns 0, or -1 with what became of it in why (not
 * reported here: after a failed load, it is part of one message with the client's view). */
static int server_stop(const struct bench_ctx *ctx, struct server_state *s, char *why, size_t len)
{
        int status;

        if (s->pid <= 0) {              /* kill(0, ...) would signal the whole point */
                snprintf(why, len, "the server is not running");
                return -1;
        }
        if (kill(s->pid, SIGTERM) != 0) {
                snprintf(why, len, "kill(server %d, SIGTERM): %s", (int)s->pid, strerror(errno));
                server_reap(s, 1);
                return -1;
        }
        status = server_reap(s, 0);
        if (status == -1)
                snprintf(why, len, "ipcbench serve --model %s did not exit within %d s of SIGTERM; "
                         "killed it", model_of(ctx), STOP_TIMEOUT_MS / 1000);
        else if (WIFSIGNALED(status))
                snprintf(why, len, "ipcbench serve --model %s was killed by signal %d (%s)",
                         model_of(ctx), WTERMSIG(status), strsignal(WTERMSIG(status)));
        else if (WEXITSTATUS(status) != 0)
                snprintf(why, len, "ipcbench serve --model %s exited with status %d", model_of(ctx),
                         WEXITSTATUS(status));
        else
                return 0;
        return -1;
}

/* ---- one measurement ---- */

static int measure(struct bench_ctx *ctx)
{
        struct server_state *s = ctx->state;
        struct load_spec spec = {
                .host = "127.0.0.1", .port = s->port, .connections = (size_t)ctx->param_value,
                .size_bytes = ctx->size_bytes, .timeout_s = REQUEST_TIMEOUT_S,
                .max_latencies = LATENCIES_MAX,
        };
        struct load_result result;
        char err[600], why[200] = "";
        double rate;
        int rc;

        if (ctx->iterations) {
                spec.requests = ctx->iterations;
                spec.warmup_s = 0.02;
        } else {
                spec.duration_s = ctx->duration_s;
                /* Enough for every connection's thread or process to be running and warm. */
                spec.warmup_s = fmin(0.2, fmax(0.02, ctx->duration_s / 5));
        }
        if (load_measure(&spec, &result, err, sizeof err) != 0) {
                /* The cause may be the server's end (a crash): that is the news, say it too. */
                server_stop(ctx, s, why, sizeof why);
                return bench_failf(ctx, "%s%s%s", err, why[0] ? "; " : "", why);
        }
        /* After load_measure has closed every connection, so the server has nothing to drain. */
        if (server_stop(ctx, s, why, sizeof why) != 0)
                rc = bench_failf(ctx, "%s", why);
        else if (result.requests == 0 || result.elapsed_ns == 0)
                rc = bench_failf(ctx, "no request completed");
        else
                rc = BENCH_OK;
        /* Every latency, unless there were more than LATENCIES_MAX: then a uniform subsample of
         * that many (the engine's reservoir), so a long run does not ship tens of MB to the
         * harness; its percentiles stay unbiased, its min and max are the subsample's. */
        for (size_t i = 0; rc == BENCH_OK && i < result.n_latency; i++)
                rc = bench_report(ctx, "rtt", "ns", result.latency_ns[i]);
        rate = load_result_rate(&result);
        if (rc == BENCH_OK)
                rc = bench_report(ctx, "rate", "msg/s", rate);
        if (rc == BENCH_OK)
                rc = bench_report(ctx, "throughput", "MB/s", rate * (double)ctx->size_bytes / 1e6);
        load_result_free(&result);
        return rc;
}

static void teardown(struct bench_ctx *ctx)
{
        struct server_state *s = ctx->state;

        /* Still running only when measure did not stop it (it failed, or never ran). */
        if (s->pid > 0)
                server_reap(s, 1);
        if (s->out_fd >= 0)
                close(s->out_fd);
        s->out_fd = -1;
}

/* ---- the descriptors ---- */

static const size_t message_sizes[] = { 64, 4096, 0 };
static const size_t quick_message_sizes[] = { 64, 0 };
static const size_t full_message_sizes[] = { 64, 1024, 4096, 0 };
static const long connection_counts[] = { 1, 8, 64, 512, -1 };
static const long quick_connection_counts[] = { 1, 64, 512, -1 };
static const long full_connection_counts[] = { 1, 8, 64, 512, 1024, -1 };

#define SERVER_BENCH(model, kind, what)                                                           \
        static const struct bench server_##model = {                                              \
                .name = "server." #model, .group = "server", .mechanism = #model, .variant = "",  \
                .summary = "requests of size_bytes over `connections` connections to `ipcbench "  \
                           "serve --model " #model "` (" what "), each acked in full before the " \
                           "next",                                                                \
                .metric = "rtt", .fixed_mode = kind, .state_bytes = sizeof(struct server_state),  \
                .sizes = message_sizes, .quick_sizes = quick_message_sizes,                       \
                .full_sizes = full_message_sizes,                                                 \
                .param = "connections", .param_values = connection_counts,                        \
                .quick_param_values = quick_connection_counts,                                    \
                .full_param_values = full_connection_counts,                                      \
                .setup = setup, .measure = measure, .teardown = teardown,                         \
        }

SERVER_BENCH(thread, PEER_THREAD, "a thread per connection");
SERVER_BENCH(process, PEER_PROCESS, "a process per connection, forked after accept");
SERVER_BENCH(epoll, PEER_NONE, "one thread, non-blocking sockets and epoll");
SERVER_BENCH(pool, PEER_THREAD, "a pool of epoll threads, one per CPU it may run on");

const struct bench *const server_benches[] = {
        &server_thread, &server_process, &server_epoll, &server_pool, NULL,
};
