/*
 * ipcbench load: the load client of the lecture's TCP ack server.
 *
 * A request is one message of --size bytes sent on a connection; it is complete when acks
 * ("Your N bytes were received, ...") covering all of its bytes have come back. TCP is a
 * stream, so the server may see one message as several chunks and ack each: the counts are
 * summed by ack_parse(), and every ack is checked (text, and never more acked than sent).
 *
 * All connections are opened before the clock starts, then an unmeasured warm-up runs, then
 * the measured phase. One thread drives every connection through epoll with non-blocking
 * sockets: a send that the socket buffer cannot take whole is finished on EPOLLOUT. One thread
 * is enough because the client's work per request is a send, a recv and a parse of a few
 * dozen bytes (a few µs), and it is the right number on the small machines this runs on: each
 * extra client thread takes a CPU from the server being measured. The report shows the
 * client's CPU use so a run where the client itself was the limit can be recognised.
 *
 * Two loops:
 *  - closed (default): each connection sends its next request as soon as the last is acked;
 *    latency runs from the request's first send to its last ack byte.
 *  - open (--rate R): request i is due at start + i/R whatever the server does, and goes to any
 *    idle connection (or waits, queued, until one is free). Latency runs from when the request
 *    was DUE, not from when it was sent. A closed loop, or an open loop that measures from the
 *    send, lets a slow server slow the client down and so hides the queueing it causes: the
 *    requests that would have waited are never issued ("coordinated omission"). Measuring from
 *    the schedule puts that wait back into the figures. The report says how far behind
 *    schedule the run ended.
 *
 * Every latency is kept (as a double, in ns) up to SAMPLES_MAX (or the caller's max_latencies);
 * past that a uniform reservoir of that many is kept for the percentiles (Vitter's algorithm R),
 * while min, max and mean stay exact. Percentiles come from the harness's stats_summarize().
 *
 * The engine (load_measure, load.h) is also what the server.* benchmarks run; this file's
 * command part only parses options, prints and writes --out.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ack.h"
#include "clock.h"
#include "csv.h"
#include "io.h"
#include "load.h"
#include "options.h"
#include "report.h"
#include "stats.h"
#include "tools.h"

enum {
        SAMPLES_MAX = 1 << 22,          /* 4 Mi latencies, 32 MiB: beyond, a reservoir (default) */
        SPARE_FILES = 16,               /* stdio, epoll, timerfd, --out, getaddrinfo's */
        EVENTS_MAX = 256,
        WATCHDOG_MS = 100,              /* how often request timeouts are checked */
        SINGLE_MAX_BYTES = 1 << 20,     /* run_single: its acks (57 B per 4 KiB chunk at most)
                                         * fit the socket buffers while it is sent */
        RECV_BYTES = 64 * 1024,
};

static const char load_help[] =
"usage: ipcbench load [OPTIONS]\n"
"Loads the lecture's TCP ack server (ipcbench serve, or any server that answers each chunk it\n"
"receives with \"Your N bytes were received, thank you for sending them!\"). A request is a\n"
"message of --size bytes; it is complete when acks for all its bytes have arrived.\n"
"\n"
"  --host H          server name or address (default 127.0.0.1)\n"
"  --port P          server port, 1 to 65535 (default 34000)\n"
"  --connections N   connections, all opened before timing starts (default 1)\n"
"  --size B          bytes per request, binary K/M/G suffixes, 1 B to 1G (default 64)\n"
"  --duration S      seconds to measure (default 5), or\n"
"  --requests N      requests to measure in all\n"
"  --rate R          open loop: R requests/s over all connections on a fixed schedule, latency\n"
"                    counted from when each request was due (default: closed loop, each\n"
"                    connection sends its next request when the last one is acked)\n"
"  --warmup S        seconds of unmeasured load first (default 0.5; 0 for none)\n"
"  --timeout S       a request not acked this long after it was sent (open loop: due) fails\n"
"                    the run (default 10)\n"
"  --out FILE        also write the results as results.csv rows to FILE (written atomically)\n"
"  -h, --help        this help\n"
"\n"
"Exit status: 0 done, 1 the server failed (refused, closed, wrong or missing acks), 2 bad usage.\n";

struct load_options {
        struct load_spec spec;
        const char *out_path;           /* NULL: print only */
        int help;
};

/* One connection and the request on it. */
struct conn {
        int fd;
        int busy;                       /* a request is outstanding */
        int want_out;                   /* EPOLLOUT is registered: a send is part-way */
        uint64_t sent, acked;           /* bytes of the current request */
        uint64_t start_ns;              /* its latency counts from here: sent (closed), due (open) */
        struct ack_parser parser;
};

/* Latencies in ns: all of them, or a uniform reservoir once there are more than limit. */
struct samples {
        double *values;
        size_t n, cap, limit;           /* limit: beyond it, the reservoir */
        uint64_t seen;
        double min, max, sum;           /* exact over every sample */
        uint64_t rng;
};

/* The warm-up or the measured run. */
struct phase {
        int record;
        uint64_t total;                 /* requests to issue; 0: until end_ns */
        uint64_t duration_ns;           /* closed loop by time: no request starts after */
        uint64_t end_ns;                /* start_ns + duration_ns */
        uint64_t start_ns, last_ns;     /* the clock started; the last request was acked */
        uint64_t issued, completed;
        size_t busy;
        double interval_ns;             /* open loop: between two due times */
        uint64_t last_lag_ns, max_lag_ns;       /* open loop: sent this long after due */
        double cpu_s;                   /* the client's CPU time (user + system) */
};

struct load {
        const struct load_spec *o;
        char where[300];                /* "host:port", for messages */
        struct conn *conns;
        size_t *idle;                   /* open loop: connections free for the next request */
        size_t n_idle;
        int epfd, timerfd;
        int blocking;                   /* one connection, waited for in recv: run_single */
        uint64_t timer_ns;              /* the timer is armed for this due time; 0: not armed */
        uint64_t watchdog_ns;           /* the last timeout check */
        char *message;
        char recv_buf[RECV_BYTES];
        struct samples latency;
        char err[512];
};

static int load_fail(struct load *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int load_fail(struct load *ld, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(ld->err, sizeof ld->err, fmt, ap);
        va_end(ap);
        return -1;
}

/* ---- options ---- */

/* Seconds from 0 (none) up to max. */
static int parse_seconds_or_zero(const char *text, double max, double *value)
{
        char *end;

        if (options_parse_seconds(text, max, value) == 0)
                return 0;
        if ((text[0] >= '0' && text[0] <= '9') && strtod(text, &end) == 0 && *end == '\0') {
                *value = 0;
                return 0;
        }
        return -1;
}

static int parse_one(int argc, char **argv, int *i, struct load_options *opts, char *err, size_t len)
{
        struct load_spec *o = &opts->spec;
        const char *arg = argv[*i], *v;
        uint64_t n;

#define VALUE(what)                                                                          \
        do {                                                                                 \
                if (!(v = option_value(argc, argv, i, arg)) || !*v) {                        \
                        snprintf(err, len, "%.*s needs a value: %s", (int)strcspn(arg, "="), \
                                 arg, what);                                                 \
                        return 2;                                                            \
                }                                                                            \
        } while (0)
#define BAD(...)                                                                             \
        do {                                                                                 \
                snprintf(err, len, __VA_ARGS__);                                             \
                return 2;                                                                    \
        } while (0)

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                opts->help = 1;
        } else if (is_option(arg, "--host")) {
                VALUE("a host name or address, e.g. 127.0.0.1");
                o->host = v;
        } else if (is_option(arg, "--port")) {
                VALUE("a port, 1 to 65535");
                if (options_parse_count(v, 1, 65535, &n) != 0)
                        BAD("--port: '%s' is not a port; use 1 to 65535", v);
                o->port = (unsigned)n;
        } else if (is_option(arg, "--connections")) {
                VALUE("a number of connections, 1 to 1000000");
                if (options_parse_count(v, 1, 1000000, &n) != 0)
                        BAD("--connections: '%s' is not a whole number from 1 to 1000000", v);
                o->connections = (size_t)n;
        } else if (is_option(arg, "--size")) {
                VALUE("bytes per request, e.g. 64, 4K, 1M");
                if (options_parse_size(v, &o->size_bytes) != 0)
                        BAD("--size: '%s' is not a size; use bytes with an optional K, M or G "
                            "suffix, 1 B to 1G, e.g. 64, 4K, 1M", v);
        } else if (is_option(arg, "--duration")) {
                VALUE("seconds to measure, e.g. 5");
                if (options_parse_seconds(v, 86400, &o->duration_s) != 0)
                        BAD("--duration: '%s' is not a number of seconds above 0 and up to 86400", v);
        } else if (is_option(arg, "--requests")) {
                VALUE("a number of requests, 1 to 1000000000000");
                if (options_parse_count(v, 1, 1000000000000ull, &o->requests) != 0)
                        BAD("--requests: '%s' is not a whole number from 1 to 1000000000000", v);
        } else if (is_option(arg, "--rate")) {
                VALUE("requests per second over all connections, e.g. 2000");
                if (options_parse_seconds(v, 1e9, &o->rate) != 0)
                        BAD("--rate: '%s' is not a rate; use requests per second above 0 and up to "
                            "1000000000, e.g. 2000", v);
        } else if (is_option(arg, "--warmup")) {
                VALUE("seconds, e.g. 0.5, or 0 for none");
                if (parse_seconds_or_zero(v, 3600, &o->warmup_s) != 0)
                        BAD("--warmup: '%s' is not a number of seconds from 0 to 3600", v);
        } else if (is_option(arg, "--timeout")) {
                VALUE("seconds, e.g. 10");
                if (options_parse_seconds(v, 86400, &o->timeout_s) != 0)
                        BAD("--timeout: '%s' is not a number of seconds above 0 and up to 86400", v);
        } else if (is_option(arg, "--out")) {
                VALUE("a file to write results.csv rows to");
                opts->out_path = v;
        } else {
                BAD("'%s' is not an option of load; see 'ipcbench load --help'", arg);
        }
        return 0;
#undef BAD
#undef VALUE
}

/* Returns 0, or 2 with a one-line reason in err. */
static int parse_options(int argc, char **argv, struct load_options *opts, char *err, size_t len)
{
        struct load_spec *o = &opts->spec;

        *opts = (struct load_options){ .spec = {
                .host = "127.0.0.1", .port = 34000, .connections = 1, .size_bytes = 64,
                .warmup_s = 0.5, .timeout_s = 10,
        } };
        for (int i = 1; i < argc; i++) {
                int rc = parse_one(argc, argv, &i, opts, err, len);

                if (rc != 0)
                        return rc;
        }
        if (o->duration_s > 0 && o->requests > 0) {
                snprintf(err, len, "--duration and --requests: give one of them, not both");
                return 2;
        }
        if (o->duration_s == 0 && o->requests == 0)
                o->duration_s = 5;
        return 0;
}

unsigned long long raise_file_limit(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
                return 0;
        if (rl.rlim_cur < rl.rlim_max) {
                rlim_t soft = rl.rlim_cur;

                rl.rlim_cur = rl.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
                        rl.rlim_cur = soft;     /* e.g. a hard limit above fs.nr_open */
        }
        return rl.rlim_cur;
}

/* Raise the limit on open files, then check it is enough for the connections. */
int load_raise_file_limit(const struct load_spec *o, char *err, size_t len)
{
        unsigned long long have = raise_file_limit(), need = o->connections + SPARE_FILES;

        /* 0: unknown, socket() will say so if it runs out */
        if (have != 0 && have != RLIM_INFINITY && need > have) {
                snprintf(err, len, "--connections %zu: needs %llu open files but the limit on open files "
                         "(ulimit -n) is %llu; raise the hard limit with 'ulimit -n' (as root, or in "
                         "/etc/security/limits.conf)", o->connections, need, have);
                return -1;
        }
        return 0;
}

/* ---- connecting, before any timing ---- */

/* One non-blocking connect, waited for at most timeout_ms. Returns the socket, or -1 with errno. */
static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        int error = 0, one = 1;
        socklen_t error_len = sizeof error;

        if (fd < 0)
                return -1;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                int ready;

                if (errno != EINPROGRESS)
                        goto fail;
                while ((ready = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                        ;
                if (ready == 0)
                        errno = ETIMEDOUT;
                if (ready <= 0)
                        goto fail;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len) != 0)
                        goto fail;
                if (error) {
                        errno = error;
                        goto fail;
                }
        }
        /* A request is written whole and then waited for: Nagle's algorithm would hold back the
         * tail of a message until the server's delayed ack, adding ~40 ms to some requests. */
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
                goto fail;
        return fd;
fail:
        error = errno;
        close(fd);
        errno = error;
        return -1;
}

static int connect_all(struct load *ld)
{
        const struct load_spec *o = ld->o;
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
        struct addrinfo *list, *ai = NULL;
        char port[16];
        int rc, timeout_ms = (int)fmin(o->timeout_s * 1e3, 1e9);

        snprintf(port, sizeof port, "%u", o->port);
        rc = getaddrinfo(o->host, port, &hints, &list);
        if (rc != 0)
                return load_fail(ld, "cannot resolve '%s': %s", o->host,
                                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        /* The first connection tries each address the name has; the rest use the one that worked. */
        for (ai = list; ai; ai = ai->ai_next)
                if ((ld->conns[0].fd = connect_one(ai, timeout_ms)) >= 0)
                        break;
        if (!ai) {
                rc = errno;
                freeaddrinfo(list);
                return load_fail(ld, "cannot connect to %s: %s%s", ld->where, strerror(rc),
                                 rc == ETIMEDOUT ? " (no answer within --timeout)" : "");
        }
        for (size_t i = 1; i < o->connections; i++) {
                if ((ld->conns[i].fd = connect_one(ai, timeout_ms)) < 0) {
                        rc = errno;
                        freeaddrinfo(list);
                        return load_fail(ld, "connection %zu of %zu to %s: cannot connect: %s", i + 1,
                                         o->connections, ld->where, strerror(rc));
                }
        }
        freeaddrinfo(list);
        for (size_t i = 0; i < o->connections; i++) {
                struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &ld->conns[i] };

                if (epoll_ctl(ld->epfd, EPOLL_CTL_ADD, ld->conns[i].fd, &ev) != 0)
                        return load_fail(ld, "epoll_ctl(EPOLL_CTL_ADD): %s", strerror(errno));
        }
        return 0;
}

/* ---- latency samples ---- */

static uint64_t xorshift64(uint64_t *state)
{
        uint64_t x = *state;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return *state = x;
}

static int samples_add(struct samples *s, double ns)
{
        if (s->seen == 0 || ns < s->min)
                s->min = ns;
        if (s->seen == 0 || ns > s->max)
                s->max = ns;
        s->sum += ns;
        s->seen++;
        if (s->n == s->cap && s->cap < s->limit) {
                size_t cap = s->cap ? s->cap * 2 : 4096;
                double *grown = realloc(s->values, (cap < s->limit ? cap : s->limit) * sizeof *grown);

                if (!grown)
                        return -1;
                s->values = grown;
                s->cap = cap < s->limit ? cap : s->limit;
        }
        if (s->n < s->cap) {
                s->values[s->n++] = ns;
        } else {
                /* Algorithm R: the i-th sample replaces a kept one with probability cap/i. */
                uint64_t j = xorshift64(&s->rng) % s->seen;

                if (j < s->n)
                        s->values[j] = ns;
        }
        return 0;
}

/* ---- one request on one connection ---- */

static const char *conn_name(struct load *ld, const struct conn *c, char *buf, size_t len)
{
        snprintf(buf, len, "%s connection %zu of %zu", ld->where, (size_t)(c - ld->conns) + 1,
                 ld->o->connections);
        return buf;
}

/* Whether epoll should also wake us when the socket can take more of a part-sent message. */
static int conn_want_out(struct load *ld, struct conn *c, int on)
{
        struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };

        if (c->want_out == on)
                return 0;
        if (epoll_ctl(ld->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
                return load_fail(ld, "epoll_ctl(EPOLL_CTL_MOD): %s", strerror(errno));
        c->want_out = on;
        return 0;
}

/* Send what the socket takes of the rest of the message; EPOLLOUT brings us back for more. */
static int conn_send(struct load *ld, struct conn *c)
{
        char name[400];

        while (c->sent < ld->o->size_bytes) {
                ssize_t n = send(c->fd, ld->message + c->sent, ld->o->size_bytes - c->sent,
                                 MSG_NOSIGNAL);

                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return conn_want_out(ld, c, 1);
                if (n < 0)
                        return load_fail(ld, "%s: send: %s (the server had acked %" PRIu64 " of %zu "
                                         "bytes of the request)",
                                         conn_name(ld, c, name, sizeof name), strerror(errno),
                                         c->acked, ld->o->size_bytes);
                c->sent += (uint64_t)n;
        }
        return conn_want_out(ld, c, 0);
}

static uint64_t due_ns(const struct phase *ph, uint64_t i)
{
        return ph->start_ns + (uint64_t)((double)i * ph->interval_ns);
}

static int request_start(struct load *ld, struct phase *ph, struct conn *c, uint64_t start_ns,
                         uint64_t now)
{
        if (ph->interval_ns > 0) {
                uint64_t lag = now > start_ns ? now - start_ns : 0;

                ph->last_lag_ns = lag;
                if (lag > ph->max_lag_ns)
                        ph->max_lag_ns = lag;
        }
        c->busy = 1;
        c->sent = 0;
        c->acked = 0;
        c->start_ns = start_ns;
        ph->issued++;
        ph->busy++;
        return conn_send(ld, c);
}

static int more_to_issue(const struct phase *ph, uint64_t now)
{
        return ph->total ? ph->issued < ph->total : now < ph->end_ns;
}

/* The request on c is acked whole: record it, and give c its next request if one is ready. */
static int request_done(struct load *ld, struct phase *ph, struct conn *c, uint64_t now)
{
        /* now is when epoll_wait returned, the closest bound on when the ack arrived. */
        uint64_t latency_ns = now > c->start_ns ? now - c->start_ns : 0;

        c->busy = 0;
        ph->busy--;
        ph->completed++;
        ph->last_ns = now;
        if (ph->record && samples_add(&ld->latency, (double)latency_ns) != 0)
                return load_fail(ld, "out of memory for %" PRIu64 " latency samples", ld->latency.seen);
        if (ph->interval_ns == 0) {
                if (more_to_issue(ph, now))
                        return request_start(ld, ph, c, now_ns(), now);
                return 0;
        }
        if (ph->issued < ph->total && due_ns(ph, ph->issued) <= now)
                return request_start(ld, ph, c, due_ns(ph, ph->issued), now);
        ld->idle[ld->n_idle++] = (size_t)(c - ld->conns);
        return 0;
}

/* Acks arrived (or the end, or an error): check every one, and complete the request. `now`
 * is when they were seen to arrive, or 0 when recv itself waited for them (the clock is then
 * read as it returns). */
static int conn_receive(struct load *ld, struct phase *ph, struct conn *c, uint64_t now)
{
        char name[400], why[200];
        ssize_t n = recv(c->fd, ld->recv_buf, sizeof ld->recv_buf, 0);
        uint64_t acked = c->acked;

        if (now == 0)
                now = now_ns();

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return 0;
        if (n < 0)
                return load_fail(ld, "%s: recv: %s (%" PRIu64 " of %" PRIu64 " bytes sent were acked)",
                                 conn_name(ld, c, name, sizeof name), strerror(errno), c->acked, c->sent);
        if (n == 0)
                return load_fail(ld, "%s: the server closed the connection %s (%" PRIu64 " of %zu "
                                 "bytes acked)", conn_name(ld, c, name, sizeof name),
                                 c->busy ? "before acking the request" : "between requests",
                                 c->acked, ld->o->size_bytes);
        if (ack_parse(&c->parser, ld->recv_buf, (size_t)n, &acked, why, sizeof why) != 0)
                return load_fail(ld, "%s: %s", conn_name(ld, c, name, sizeof name), why);
        if (acked > c->sent && !c->busy)
                return load_fail(ld, "%s: the server acked %" PRIu64 " bytes while no request was "
                                 "outstanding", conn_name(ld, c, name, sizeof name), acked);
        if (acked > c->sent)
                return load_fail(ld, "%s: the server acked %" PRIu64 " bytes of a %zu-byte request "
                                 "of which %" PRIu64 " were sent", conn_name(ld, c, name, sizeof name),
                                 acked, ld->o->size_bytes, c->sent);
        c->acked = acked;
        if (c->busy && c->acked == ld->o->size_bytes)
                return request_done(ld, ph, c, now);
        return 0;
}

/* ---- the open loop's schedule ---- */

static int timer_arm(struct load *ld, uint64_t at_ns)
{
        struct itimerspec when = { .it_value = {
                .tv_sec = (time_t)(at_ns / 1000000000u), .tv_nsec = (long)(at_ns % 1000000000u),
        } };

        if (ld->timer_ns == at_ns)
                return 0;
        if (timerfd_settime(ld->timerfd, TFD_TIMER_ABSTIME, &when, NULL) != 0)
                return load_fail(ld, "timerfd_settime: %s", strerror(errno));
        ld->timer_ns = at_ns;
        return 0;
}

/* Hand every request that is due to an idle connection; wake up when the next one is due. */
static int dispatch_due(struct load *ld, struct phase *ph, uint64_t now)
{
        while (ld->n_idle > 0 && ph->issued < ph->total && due_ns(ph, ph->issued) <= now) {
                struct conn *c = &ld->conns[ld->idle[--ld->n_idle]];

                if (request_start(ld, ph, c, due_ns(ph, ph->issued), now) != 0)
                        return -1;
        }
        if (ld->n_idle > 0 && ph->issued < ph->total)
                return timer_arm(ld, due_ns(ph, ph->issued));
        return 0;
}

/* ---- the event loop ---- */

static int check_timeouts(struct load *ld, struct phase *ph, uint64_t now)
{
        uint64_t limit = (uint64_t)(ld->o->timeout_s * 1e9);
        char name[400];

        ld->watchdog_ns = now;
        for (size_t i = 0; i < ld->o->connections; i++) {
                struct conn *c = &ld->conns[i];

                /* start_ns may be later than now: a request started after now was read. */
                if (c->busy && c->start_ns + limit < now)
                        return load_fail(ld, "%s: no complete ack within %g s (--timeout): %" PRIu64
                                         " of %zu bytes sent, %" PRIu64 " acked",
                                         conn_name(ld, c, name, sizeof name), ld->o->timeout_s, c->sent,
                                         ld->o->size_bytes, c->acked);
        }
        if (ph->interval_ns > 0 && ph->issued < ph->total && due_ns(ph, ph->issued) + limit < now)
                return load_fail(ld, "%s: the server cannot keep up with --rate %g: a request due %g s "
                                 "ago still waits for a free connection (--timeout %g s); lower --rate "
                                 "or add --connections", ld->where, ld->o->rate,
                                 (double)(now - due_ns(ph, ph->issued)) / 1e9, ld->o->timeout_s);
        return 0;
}

static int handle_event(struct load *ld, struct phase *ph, const struct epoll_event *ev, uint64_t now)
{
        struct conn *c = ev->data.ptr;

        if (!c) {
                uint64_t expirations;

                /* The timer fired: what is due is dispatched by the caller. */
                if (read(ld->timerfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
                        return load_fail(ld, "read(timerfd): %s", strerror(errno));
                ld->timer_ns = 0;
                return 0;
        }
        if ((ev->events & EPOLLOUT) && c->want_out && conn_send(ld, c) != 0)
                return -1;
        if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                return conn_receive(ld, ph, c, now);
        return 0;
}

static double cpu_seconds(void)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Run one phase to its end: every request it issued acked. */
/* One connection in a closed loop has nothing else to wait for: it waits in recv itself, as a
 * plain client (and sockperf) does, two system calls a request instead of three with epoll.
 * The socket is blocking (see load_run), with a receive timeout so the watchdog still runs. */
static int run_single(struct load *ld, struct phase *ph)
{
        struct conn *c = &ld->conns[0];

        while (ph->busy > 0) {
                if (c->sent < ld->o->size_bytes && conn_send(ld, c) != 0)
                        return -1;
                if (conn_receive(ld, ph, c, 0) != 0)
                        return -1;
                uint64_t now = now_ns();
                if (now - ld->watchdog_ns >= WATCHDOG_MS * 1000000ull && check_timeouts(ld, ph, now) != 0)
                        return -1;
        }
        return 0;
}

static int run_phase(struct load *ld, struct phase *ph)
{
        struct epoll_event events[EVENTS_MAX];
        double cpu_start = cpu_seconds();
        uint64_t now;

        ph->start_ns = now = now_ns();
        ph->end_ns = now + ph->duration_ns;
        ph->last_ns = now;
        ld->watchdog_ns = now;
        if (ph->interval_ns == 0) {
                for (size_t i = 0; i < ld->o->connections && more_to_issue(ph, now); i++)
                        if (request_start(ld, ph, &ld->conns[i], now_ns(), now) != 0)
                                return -1;
                if (ld->blocking) {
                        int rc = run_single(ld, ph);
                        ph->cpu_s = cpu_seconds() - cpu_start;
                        return rc;
                }
        } else {
                ld->n_idle = 0;
                for (size_t i = ld->o->connections; i-- > 0;)
                        ld->idle[ld->n_idle++] = i;
        }
        while (ph->busy > 0 || (ph->interval_ns > 0 && ph->issued < ph->total)) {
                int n;

                if (ph->interval_ns > 0 && dispatch_due(ld, ph, now) != 0)
                        return -1;
                n = epoll_wait(ld->epfd, events, EVENTS_MAX, WATCHDOG_MS);
                if (n < 0 && errno != EINTR)
                        return load_fail(ld, "epoll_wait: %s", strerror(errno));
                now = now_ns();
                for (int i = 0; i < n; i++)
                        if (handle_event(ld, ph, &events[i], now) != 0)
                                return -1;
                if (now - ld->watchdog_ns >= WATCHDOG_MS * 1000000ull && check_timeouts(ld, ph, now) != 0)
                        return -1;
        }
        ph->cpu_s = cpu_seconds() - cpu_start;
        return 0;
}

static void phase_plan(const struct load_spec *o, struct phase *ph, double duration_s,
                       uint64_t requests, int record)
{
        *ph = (struct phase){ .record = record };
        if (o->rate > 0) {
                ph->interval_ns = 1e9 / o->rate;
                ph->total = requests ? requests : (uint64_t)fmax(1, ceil(o->rate * duration_s));
        } else {
                ph->total = requests;
                ph->duration_ns = (uint64_t)(duration_s * 1e9);
        }
}

/* ---- the engine: one measurement ---- */

static void where_text(const struct load_spec *o, char *buf, size_t len)
{
        snprintf(buf, len, strchr(o->host, ':') ? "[%.200s]:%u" : "%.200s:%u", o->host, o->port);
}

static int load_setup(struct load *ld)
{
        const struct load_spec *o = ld->o;
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };       /* NULL: the timer */

        where_text(o, ld->where, sizeof ld->where);
        ld->conns = calloc(o->connections, sizeof *ld->conns);
        ld->idle = calloc(o->connections, sizeof *ld->idle);
        ld->message = malloc(o->size_bytes);
        if (!ld->conns || !ld->idle || !ld->message)
                return load_fail(ld, "out of memory for %zu connections of %zu-byte requests",
                                 o->connections, o->size_bytes);
        for (size_t i = 0; i < o->connections; i++)
                ld->conns[i].fd = -1;
        memset(ld->message, 'x', o->size_bytes);
        ld->latency.limit = o->max_latencies ? o->max_latencies : SAMPLES_MAX;
        ld->latency.rng = 0x9e3779b97f4a7c15ull ^ now_ns();
        ld->epfd = epoll_create1(EPOLL_CLOEXEC);
        ld->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (ld->epfd < 0 || ld->timerfd < 0)
                return load_fail(ld, "%s: %s", ld->epfd < 0 ? "epoll_create1" : "timerfd_create",
                                 strerror(errno));
        if (epoll_ctl(ld->epfd, EPOLL_CTL_ADD, ld->timerfd, &ev) != 0)
                return load_fail(ld, "epoll_ctl(timerfd): %s", strerror(errno));
        /* The default 50 µs timer slack would make every open-loop request that late. */
        prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
        return 0;
}

static void load_teardown(struct load *ld)
{
        if (ld->conns)
                for (size_t i = 0; i < ld->o->connections; i++)
                        if (ld->conns[i].fd >= 0)
                                close(ld->conns[i].fd);
        if (ld->epfd >= 0)
                close(ld->epfd);
        if (ld->timerfd >= 0)
                close(ld->timerfd);
        free(ld->conns);
        free(ld->idle);
        free(ld->message);
        free(ld->latency.values);
}

static int load_run(struct load *ld, struct load_result *result)
{
        const struct load_spec *o = ld->o;
        struct phase warmup, measured;

        if (load_setup(ld) != 0 || connect_all(ld) != 0)
                return -1;
        /* One connection, a closed loop, and acks that fit the socket buffers while a request
         * is sent whole: wait in recv (run_single). */
        if (o->connections == 1 && o->rate == 0 && o->size_bytes <= SINGLE_MAX_BYTES) {
                struct timeval tv = { .tv_sec = 0, .tv_usec = WATCHDOG_MS * 1000 };
                int fd = ld->conns[0].fd, flags = fcntl(fd, F_GETFL);

                if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
                    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
                        return load_fail(ld, "making the connection blocking: %s", strerror(errno));
                ld->blocking = 1;
        }
        if (o->warmup_s > 0) {
                phase_plan(o, &warmup, o->warmup_s, 0, 0);
                if (run_phase(ld, &warmup) != 0)
                        return -1;
        }
        phase_plan(o, &measured, o->duration_s, o->requests, 1);
        if (run_phase(ld, &measured) != 0)
                return -1;
        *result = (struct load_result){
                .requests = measured.completed, .elapsed_ns = measured.last_ns - measured.start_ns,
                .latency_ns = ld->latency.values, .n_latency = ld->latency.n,
                .latency_seen = ld->latency.seen,
                .latency_min_ns = ld->latency.seen ? ld->latency.min : NAN,
                .latency_max_ns = ld->latency.seen ? ld->latency.max : NAN,
                .latency_mean_ns = ld->latency.seen ? ld->latency.sum / (double)ld->latency.seen : NAN,
                .last_lag_ns = measured.last_lag_ns, .max_lag_ns = measured.max_lag_ns,
                .cpu_s = measured.cpu_s,
        };
        ld->latency.values = NULL;      /* the result owns them now */
        return 0;
}

int load_measure(const struct load_spec *spec, struct load_result *result, char *err, size_t err_len)
{
        /* static: its 64 KiB receive buffer is large for a stack; one measurement at a time */
        static struct load ld;
        int rc;

        memset(result, 0, sizeof *result);
        if (spec->connections == 0 || spec->size_bytes == 0 || !(spec->timeout_s > 0) ||
            (spec->duration_s > 0) == (spec->requests > 0)) {
                snprintf(err, err_len, "load_measure: needs connections, a size, a timeout, and "
                         "either a duration or a number of requests");
                return -1;
        }
        ld = (struct load){ .o = spec, .epfd = -1, .timerfd = -1 };
        rc = load_run(&ld, result);
        if (rc != 0)
                snprintf(err, err_len, "%s", ld.err);
        load_teardown(&ld);
        return rc;
}

void load_result_free(struct load_result *result)
{
        free(result->latency_ns);
        result->latency_ns = NULL;
        result->n_latency = 0;
}

/* ---- the command: options in, a report and CSV out ---- */

static void latency_stats(const struct load_result *r, struct stats *st)
{
        if (r->n_latency == 0 || stats_summarize(r->latency_ns, r->n_latency, st) != 0) {
                *st = (struct stats){ .n = r->n_latency, .min = NAN, .p50 = NAN, .p90 = NAN, .p99 = NAN,
                                      .p999 = NAN, .max = NAN, .mean = NAN, .stddev = NAN };
                return;
        }
        /* With a reservoir, the extremes and the mean are still known exactly. */
        st->min = r->latency_min_ns;
        st->max = r->latency_max_ns;
        st->mean = r->latency_mean_ns;
}

static void mode_text(const struct load_spec *o, char *buf, size_t len)
{
        if (o->rate > 0)
                snprintf(buf, len, "open loop at %g requests/s", o->rate);
        else
                snprintf(buf, len, "closed loop");
}

/* "812 requests/s", "94.2 k requests/s", "1.05 M requests/s" */
static const char *rate_text(char *buf, size_t len, double rate)
{
        const char *prefix = rate >= 1e6 ? " M" : rate >= 1e3 ? " k" : "";
        double v = rate >= 1e6 ? rate / 1e6 : rate >= 1e3 ? rate / 1e3 : rate;

        if (isnan(rate))
                snprintf(buf, len, "-");
        else
                snprintf(buf, len, "%.*f%s requests/s", v >= 100 ? 0 : v >= 10 ? 1 : 2, v, prefix);
        return buf;
}

double load_result_rate(const struct load_result *r)
{
        return r->elapsed_ns > 0 ? (double)r->requests / ((double)r->elapsed_ns / 1e9) : NAN;
}

static void print_report(const struct load_spec *o, const struct load_result *r, const struct stats *lat)
{
        double elapsed_s = (double)r->elapsed_ns / 1e9;
        double rate = load_result_rate(r);
        char where[300], size[32], mode[64], t[6][32], v[32];
        const double q[6] = { lat->min, lat->p50, lat->p90, lat->p99, lat->p999, lat->max };

        where_text(o, where, sizeof where);
        report_size(size, sizeof size, o->size_bytes);
        mode_text(o, mode, sizeof mode);
        for (int i = 0; i < 6; i++)
                report_time(t[i], sizeof t[i], q[i]);
        printf("load %s: %zu connection%s, %s requests, %s\n", where, o->connections,
               o->connections == 1 ? "" : "s", size, mode);
        report_time(v, sizeof v, (double)r->elapsed_ns);
        printf("  requests      %" PRIu64 " in %s (after %g s of warm-up)\n", r->requests, v, o->warmup_s);
        printf("  rate          %s\n", rate_text(v, sizeof v, rate));
        report_value(v, sizeof v, rate * (double)o->size_bytes / 1e6, "MB/s");
        printf("  throughput    %s (10^6 bytes/s of messages sent and acked)\n", v);
        printf("  latency       min %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
               t[0], t[1], t[2], t[3], t[4], t[5]);
        if (r->latency_seen > r->n_latency)
                printf("                percentiles from a uniform reservoir of %zu of the %" PRIu64
                       " requests; min, max and mean are exact\n", r->n_latency, r->latency_seen);
        if (o->rate > 0) {
                report_time(t[0], sizeof t[0], (double)r->last_lag_ns);
                report_time(t[1], sizeof t[1], (double)r->max_lag_ns);
                printf("  schedule      ended %s behind (the last request was sent that long after it "
                       "was due; the latest any was sent: %s after due)\n", t[0], t[1]);
        }
        printf("  client CPU    %.0f%% of one CPU\n", elapsed_s > 0 ? 100 * r->cpu_s / elapsed_s : 0);
        if (elapsed_s > 0 && r->cpu_s / elapsed_s > 0.9)
                printf("warning: the client was busy %.0f%% of the time: these figures may be the "
                       "client's limit, not the server's; run it on another machine\n",
                       100 * r->cpu_s / elapsed_s);
}

static void one_value(struct stats *st, double value)
{
        if (stats_summarize(&value, 1, st) != 0)
                *st = (struct stats){ .n = 1, .min = value, .p50 = value, .p90 = NAN, .p99 = NAN,
                                      .p999 = NAN, .max = value, .mean = value, .stddev = NAN,
                                      .median_low = value, .median_high = value };
}

/* One run of the load client is one repetition: its interval is its own samples' alone. */
static void row_stats(struct csv_row *row, const struct stats *st)
{
        row->stats = *st;
        row->ci_low = st->median_low;
        row->ci_high = st->median_high;
}

static int write_csv(const struct load_options *opts, const struct load_result *r, const struct stats *lat,
                     char *err, size_t err_len)
{
        const struct load_spec *o = &opts->spec;
        double rate = load_result_rate(r);
        char run_id[64], variant[64];
        time_t started = time(NULL);
        struct atomic_file af;
        struct csv_row row = {
                .run_id = run_id, .benchmark = "load", .group = "server", .mechanism = "tcp",
                .variant = variant, .mode = "n/a", .placement = "any", .size_bytes = o->size_bytes,
                .param = "connections", .param_value = (long)o->connections,
                /* The client holds no idle choice of its own: CPUs may halt. */
                .repetitions = 1, .batch = 1, .cpu_idle = "allowed", .vcpu_distance = "",
                .probe_ns = NAN,
        };

        strftime(run_id, sizeof run_id, "%Y%m%d-%H%M%S", localtime(&started));
        if (o->rate > 0)
                snprintf(variant, sizeof variant, "open-%g/s", o->rate);
        else
                snprintf(variant, sizeof variant, "closed");
        if (atomic_file_open(&af, opts->out_path) != 0)
                goto fail;
        csv_write_header(af.f);
        row.metric = "rtt";
        row.unit = "ns";
        struct stats one;
        row_stats(&row, lat);
        csv_write_row(af.f, &row);
        row.metric = "throughput";
        row.unit = "MB/s";
        one_value(&one, rate * (double)o->size_bytes / 1e6);
        row_stats(&row, &one);
        csv_write_row(af.f, &row);
        row.metric = "rate";
        row.unit = "msg/s";
        one_value(&one, rate);
        row_stats(&row, &one);
        csv_write_row(af.f, &row);
        if (atomic_file_commit(&af) != 0)
                goto fail;
        return 0;
fail:
        snprintf(err, err_len, "--out '%s': cannot write there: %s", opts->out_path, strerror(errno));
        return -1;
}

int load_main(int argc, char **argv)
{
        struct load_options opts;
        struct load_result result;
        struct stats lat;
        char err[512];
        int rc;

        if (parse_options(argc, argv, &opts, err, sizeof err) != 0) {
                fprintf(stderr, "ipcbench load: %s\n", err);
                return 2;
        }
        if (opts.help) {
                fputs(load_help, stdout);
                return 0;
        }
        if (load_raise_file_limit(&opts.spec, err, sizeof err) != 0) {
                fprintf(stderr, "ipcbench load: %s\n", err);
                return 2;
        }
        if (load_measure(&opts.spec, &result, err, sizeof err) != 0) {
                fprintf(stderr, "ipcbench load: %s\n", err);
                return 1;
        }
        latency_stats(&result, &lat);
        print_report(&opts.spec, &result, &lat);
        fflush(stdout);
        rc = opts.out_path && write_csv(&opts, &result, &lat, err, sizeof err) != 0;
        if (rc)
                fprintf(stderr, "ipcbench load: %s\n", err);
        load_result_free(&result);
        return rc;
}
