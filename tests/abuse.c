/* abuse: bad clients of the ack server (`ipcbench serve`), for tests/test_abuse.sh.
 *
 *   abuse --port P [--modes slow,noread,vanish,churn,garbage] [--connections N] [--noread N]
 *         [--seconds S] [--churn N]
 *
 * Every mode runs in a child process of its own, all at once, against 127.0.0.1 only:
 *
 *   slow     --connections, each sending one byte a second and reading its acks
 *   noread   --noread connections (default 2) sending requests and never reading an ack, until
 *            the server's output to them backs up and their own sends stall. Over loopback each
 *            takes some 200 MB before that (the kernel grows the server's send buffer to ~3 MB
 *            of acks, one 58-byte ack per 4 KiB read), hence fewer of them than of the others
 *   vanish   connect and go: close at once, close mid-message, reset (SO_LINGER 0) with acks
 *            unread, or close before the handshake is done
 *   churn    --churn connects and closes in a loop (default 10000), spread over --seconds
 *   garbage  --connections sending random binary bytes (NULs, 0xff, half lines) in bursts of
 *            1 byte to 1 MiB, reading every ack; at the end the acks must add up to what was sent
 *
 * Each mode prints one line of what it did and what it saw. Everything is bounded: at most
 * CONNECTIONS_MAX connections a mode, SECONDS_MAX seconds, and an alarm kills a mode that
 * overruns by ALARM_SLACK_S; the children die with the parent. Exit 0 when every mode did its
 * abuse (and garbage was acked in full), 1 when one could not (server gone, acks short), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ack.h"
#include "clock.h"
#include "options.h"

enum {
        CONNECTIONS_MAX = 256,
        SECONDS_MAX = 30,
        CHURN_MAX = 20000,
        ALARM_SLACK_S = 15,             /* churn may wait for a full backlog; then the alarm */
        /* Requests of 1 KiB: with 64 KiB ones the kernel's buffers on loopback kept growing, and
         * it took far longer before the server's output to them was full. */
        NOREAD_REQUEST_BYTES = 1024,
        NOREAD_SENDS_PER_ROUND = 1 << 16,     /* then the next connection, and the clock, get a look */
        NOREAD_RCVBUF_BYTES = 4096,     /* few acks fit at our end: the server's output backs up */
        GARBAGE_HUGE_BYTES = 1 << 20,
        GARBAGE_DRAIN_MS = 3000,        /* after the last burst, for the last acks */
        VANISH_MAX = 2000,
};

enum mode { SLOW, NOREAD, VANISH, CHURN, GARBAGE, MODE_COUNT };

static const char *const mode_names[MODE_COUNT] = { "slow", "noread", "vanish", "churn", "garbage" };

struct options {
        uint16_t port;
        bool modes[MODE_COUNT];
        unsigned connections, noread, seconds, churn;
};

/* ---- small helpers ---- */

static uint64_t now_ms(void)
{
        return now_ns() / 1000000;
}

static void sleep_ms(unsigned ms)
{
        struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };

        while (nanosleep(&t, &t) != 0 && errno == EINTR)
                ;
}

/* xorshift64*: the bytes need only look random to the server, not be secret. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545F4914F6CDD1DULL;
}

static void rng_seed(void)
{
        if (getrandom(&rng_state, sizeof rng_state, 0) != sizeof rng_state)
                rng_state = (uint64_t)now_ms() * 2654435761u ^ (uint64_t)getpid();
        rng_state |= 1;         /* xorshift must not start at 0 */
}

static void set_nonblocking(int fd)
{
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void set_linger_zero(int fd)
{
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };

        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/* A socket to 127.0.0.1:port; the connect blocks unless `nonblocking`. rcvbuf_bytes 0 leaves the
 * default. Returns the socket, or -1 with errno set. */
static int connect_local(uint16_t port, bool nonblocking, int rcvbuf_bytes)
{
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);

        if (fd < 0)
                return -1;
        /* Before connect, so that the window offered to the server is small from the start. */
        if (rcvbuf_bytes > 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 &&
            !(nonblocking && errno == EINPROGRESS)) {
                int saved = errno;
                close(fd);
                errno = saved;
                return -1;
        }
        return fd;
}

/* N blocking connects, then each made non-blocking. Returns 0, or -1 having said why. */
static int connect_all(const char *mode, uint16_t port, int *fds, unsigned n, int rcvbuf_bytes)
{
        for (unsigned i = 0; i < n; i++) {
                fds[i] = connect_local(port, false, rcvbuf_bytes);
                if (fds[i] < 0) {
                        printf("%s: connect %u of %u to 127.0.0.1:%u: %s\n", mode, i + 1, n, port,
                               strerror(errno));
                        while (i > 0)
                                close(fds[--i]);
                        return -1;
                }
                set_nonblocking(fds[i]);
        }
        return 0;
}

static void close_all(int *fds, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/* Reads what is there. Returns bytes read (0 if none now), or -1 when the server closed or reset
 * the connection. With a parser, the acks' counts are added to *acked; a line that is no ack is
 * -1 too, said in err. */
static ssize_t drain(int fd, struct ack_parser *p, uint64_t *acked, char *err, size_t err_len)
{
        char buf[16384];
        ssize_t total = 0;

        for (;;) {
                ssize_t n = recv(fd, buf, sizeof buf, 0);

                if (n > 0) {
                        if (p && ack_parse(p, buf, (size_t)n, acked, err, err_len) < 0)
                                return -1;
                        total += n;
                        continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return total;
                if (n < 0 && errno == EINTR)
                        continue;
                snprintf(err, err_len, "%s", n == 0 ? "the server closed the connection"
                                                     : strerror(errno));
                return -1;
        }
}

/* ---- slow: a byte a second ---- */

static int run_slow(const struct options *o)
{
        int fds[CONNECTIONS_MAX];
        struct ack_parser parsers[CONNECTIONS_MAX] = { 0 };
        uint64_t acked = 0, sent = 0, deadline;
        unsigned closed = 0, n = o->connections;
        char err[160] = "";

        if (connect_all("slow", o->port, fds, n, 0) < 0)
                return 1;
        deadline = now_ms() + o->seconds * 1000ULL;
        while (now_ms() < deadline) {
                uint64_t next = now_ms() + 1000;

                for (unsigned i = 0; i < n; i++) {
                        char byte = (char)('a' + i % 26);

                        if (fds[i] >= 0 && send(fds[i], &byte, 1, MSG_NOSIGNAL) == 1)
                                sent++;
                }
                /* Read the acks while the second passes: this client is slow, not deaf. */
                while (now_ms() < next) {
                        sleep_ms(50);
                        for (unsigned i = 0; i < n; i++)
                                if (fds[i] >= 0 && drain(fds[i], &parsers[i], &acked, err, sizeof err) < 0) {
                                        close(fds[i]);
                                        fds[i] = -1;
                                        closed++;
                                }
                }
        }
        close_all(fds, n);
        printf("slow: %u connections, %llu bytes sent one a second each, %llu acked, %u closed by "
               "the server%s%s\n", n, (unsigned long long)sent, (unsigned long long)acked, closed,
               closed ? ": " : "", closed ? err : "");
        return closed == 0 && acked == sent ? 0 : 1;
}

/* ---- noread: requests, and never an ack read ---- */

static int run_noread(const struct options *o)
{
        static char block[NOREAD_REQUEST_BYTES];
        int fds[CONNECTIONS_MAX];
        uint64_t progress_ms[CONNECTIONS_MAX], sent = 0, deadline, first_stall_ms = 0, start;
        unsigned n = o->noread, n_stalled = 0, failed = 0;

        memset(block, 'r', sizeof block);
        block[sizeof block - 1] = '\n';
        if (connect_all("noread", o->port, fds, n, NOREAD_RCVBUF_BYTES) < 0)
                return 1;
        start = now_ms();
        deadline = start + o->seconds * 1000ULL;
        for (unsigned i = 0; i < n; i++)
                progress_ms[i] = start;
        while (now_ms() < deadline) {
                for (unsigned i = 0; i < n; i++) {
                        ssize_t w = 0;

                        if (fds[i] < 0)
                                continue;
                        for (int k = 0; k < NOREAD_SENDS_PER_ROUND &&
                                        (w = send(fds[i], block, sizeof block, MSG_NOSIGNAL)) > 0; k++) {
                                sent += (uint64_t)w;
                                progress_ms[i] = now_ms();
                        }
                        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                                close(fds[i]);
                                fds[i] = -1;
                                failed++;
                        }
                }
                sleep_ms(100);
        }
        /* Stalled: the server took nothing from it for the last second, its output being full. */
        for (unsigned i = 0; i < n; i++)
                if (fds[i] >= 0 && progress_ms[i] + 1000 <= deadline) {
                        n_stalled++;
                        if (!first_stall_ms || progress_ms[i] - start < first_stall_ms)
                                first_stall_ms = progress_ms[i] - start;
                }
        /* Acks unread in our buffer: the close is a reset, as a crashed client's would be. */
        close_all(fds, n);
        printf("noread: %u connections, %.1f MiB sent, acks never read; %u stalled (the server took "
               "nothing for the last second), the first after %.1f s; %u failed\n", n,
               (double)sent / (1 << 20), n_stalled, (double)first_stall_ms / 1000, failed);
        return n_stalled == n ? 0 : 1;
}

/* ---- vanish: connect and go ---- */

static int run_vanish(const struct options *o)
{
        static const char half[] = "Hello, this message is never fini";
        static char big[100000];
        uint64_t deadline = now_ms() + o->seconds * 1000ULL;
        unsigned done[4] = { 0 }, errors = 0, i;
        int last_errno = 0;

        memset(big, 'v', sizeof big);
        for (i = 0; i < VANISH_MAX && now_ms() < deadline; i++) {
                int kind = (int)(i % 4);
                int fd = connect_local(o->port, kind == 3, 0);

                if (fd < 0) {
                        errors++;
                        last_errno = errno;
                        sleep_ms(10);
                        continue;
                }
                if (kind == 1)
                        (void)!send(fd, half, sizeof half - 1, MSG_NOSIGNAL);
                if (kind == 2) {
                        (void)!send(fd, big, sizeof big, MSG_NOSIGNAL | MSG_DONTWAIT);
                        sleep_ms(1);            /* some acks come back, unread */
                        set_linger_zero(fd);    /* close() sends a reset */
                }
                close(fd);              /* kind 3: perhaps before the handshake is done */
                done[kind]++;
                sleep_ms(2);
        }
        printf("vanish: %u clients gone: %u closed at once, %u mid-message, %u reset with acks unread, "
               "%u during the handshake; %u connects failed%s%s\n", done[0] + done[1] + done[2] + done[3],
               done[0], done[1], done[2], done[3], errors, errors ? ": " : "",
               errors ? strerror(last_errno) : "");
        return errors == 0 ? 0 : 1;
}

/* ---- churn: connect, close, again ---- */

/* Paced to spread over --seconds, so that the churn overlaps what is measured meanwhile; a
 * server slower than the pace just makes it go as fast as the server allows. */
static int run_churn(const struct options *o)
{
        uint64_t start = now_ms(), span_ms = o->seconds * 1000ULL;
        unsigned done = 0, no_port = 0;

        while (done < o->churn) {
                uint64_t due_ms = start + span_ms * done / o->churn;
                int fd;

                if (now_ms() < due_ms)
                        sleep_ms((unsigned)(due_ms - now_ms()));
                fd = connect_local(o->port, false, 0);

                if (fd < 0) {
                        /* Our own ephemeral ports in TIME_WAIT: wait for them, that is no fault. */
                        if (errno == EADDRNOTAVAIL && no_port++ < 1000) {
                                sleep_ms(10);
                                continue;
                        }
                        printf("churn: connect %u of %u: %s\n", done + 1, o->churn, strerror(errno));
                        return 1;
                }
                close(fd);
                done++;
        }
        printf("churn: %u connects and closes in %.1f s (%u waits for a free local port)\n", done,
               (double)(now_ms() - start) / 1000, no_port);
        return 0;
}

/* ---- garbage: random bytes in bursts, every ack read and summed ---- */

static size_t garbage_burst_bytes(void)
{
        uint64_t r = rng_next();

        switch (r % 20) {
        case 0:
                return GARBAGE_HUGE_BYTES;      /* a huge burst, one write */
        case 1: case 2: case 3: case 4:
                return 1 + (r >> 8) % 65536;
        default:
                return 1 + (r >> 8) % 64;
        }
}

static void garbage_fill(char *buf, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                uint64_t r = rng_next();

                /* A third NULs, some 0xff (telnet's IAC) and newlines, the rest anything. */
                buf[i] = (char)(r % 3 == 0 ? 0 : r % 17 == 1 ? 0xff : r % 19 == 2 ? '\n' : (r >> 16));
        }
}

struct garbage_conn {
        int fd;
        struct ack_parser parser;
        uint64_t sent, acked;
        size_t burst_left;              /* of the current burst, still to send */
        uint64_t next_ms;               /* when the next burst starts */
};

/* Sends what the socket takes of the current burst, or starts the next when due. */
static int garbage_send(struct garbage_conn *c, const char *bytes, uint64_t now, bool sending)
{
        if (c->burst_left == 0 && sending && now >= c->next_ms) {
                c->burst_left = garbage_burst_bytes();
                c->next_ms = now + 10 + rng_next() % 40;
        }
        while (c->burst_left > 0) {
                size_t len = c->burst_left < GARBAGE_HUGE_BYTES ? c->burst_left : GARBAGE_HUGE_BYTES;
                ssize_t w = send(c->fd, bytes + rng_next() % 1024, len, MSG_NOSIGNAL);

                if (w < 0)
                        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
                c->sent += (uint64_t)w;
                c->burst_left -= (size_t)w;
        }
        return 0;
}

static int run_garbage(const struct options *o)
{
        static char bytes[GARBAGE_HUGE_BYTES + 1024];
        int fds[CONNECTIONS_MAX];
        struct garbage_conn conns[CONNECTIONS_MAX];
        uint64_t deadline, drain_end, sent = 0, acked = 0;
        unsigned n = o->connections, failed = 0;
        char err[160] = "";

        garbage_fill(bytes, sizeof bytes);
        if (connect_all("garbage", o->port, fds, n, 0) < 0)
                return 1;
        for (unsigned i = 0; i < n; i++)
                conns[i] = (struct garbage_conn){ .fd = fds[i] };
        deadline = now_ms() + o->seconds * 1000ULL;
        drain_end = deadline + GARBAGE_DRAIN_MS;
        for (uint64_t now = now_ms(); now < drain_end; now = now_ms()) {
                bool sending = now < deadline, all_acked = !sending;

                for (unsigned i = 0; i < n; i++) {
                        struct garbage_conn *c = &conns[i];

                        if (c->fd < 0)
                                continue;
                        if (garbage_send(c, bytes, now, sending) < 0 ||
                            drain(c->fd, &c->parser, &c->acked, err, sizeof err) < 0) {
                                if (!err[0])
                                        snprintf(err, sizeof err, "send: %s", strerror(errno));
                                close(c->fd);
                                c->fd = -1;
                                failed++;
                                continue;
                        }
                        all_acked &= c->burst_left == 0 && c->acked == c->sent;
                }
                if (all_acked)
                        break;
                sleep_ms(2);
        }
        for (unsigned i = 0; i < n; i++) {
                sent += conns[i].sent;
                acked += conns[i].acked;
                fds[i] = conns[i].fd;
        }
        close_all(fds, n);
        printf("garbage: %u connections, %.1f MiB of random bytes sent, %.1f MiB acked%s%s\n", n,
               (double)sent / (1 << 20), (double)acked / (1 << 20), failed ? "; failed: " : "",
               failed ? err : "");
        return failed == 0 && acked == sent ? 0 : 1;
}

/* ---- options and main ---- */

static int usage_error(const char *fmt, const char *value, const char *accepted)
{
        fprintf(stderr, "abuse: ");
        fprintf(stderr, fmt, value);
        fprintf(stderr, ": %s\n", accepted);
        return 2;
}

static int modes_parse(struct options *o, char *list)
{
        for (char *save = NULL, *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                int k = 0;

                while (k < MODE_COUNT && strcmp(m, mode_names[k]) != 0)
                        k++;
                if (k == MODE_COUNT)
                        return usage_error("--modes: '%s'", m,
                                           "expected slow, noread, vanish, churn, garbage, comma-separated");
                o->modes[k] = true;
        }
        return 0;
}

static int options_parse(struct options *o, int argc, char **argv)
{
        unsigned port = 0;

        *o = (struct options){ .connections = 8, .noread = 2, .seconds = 4, .churn = 10000 };
        for (int i = 1; i < argc; i++) {
                const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
                int rc = 0;

                if (!value)
                        return usage_error("%s needs a value", name, "see the comment atop tests/abuse.c");
                i++;
                if (strcmp(name, "--port") == 0) {
                        if (options_parse_unsigned(value, 1, 65535, &port) < 0)
                                rc = usage_error("--port '%s'", value, "expected 1 to 65535");
                } else if (strcmp(name, "--connections") == 0) {
                        if (options_parse_unsigned(value, 1, CONNECTIONS_MAX, &o->connections) < 0)
                                rc = usage_error("--connections '%s'", value, "expected 1 to 256");
                } else if (strcmp(name, "--noread") == 0) {
                        if (options_parse_unsigned(value, 1, CONNECTIONS_MAX, &o->noread) < 0)
                                rc = usage_error("--noread '%s'", value, "expected 1 to 256");
                } else if (strcmp(name, "--seconds") == 0) {
                        if (options_parse_unsigned(value, 1, SECONDS_MAX, &o->seconds) < 0)
                                rc = usage_error("--seconds '%s'", value, "expected 1 to 30");
                } else if (strcmp(name, "--churn") == 0) {
                        if (options_parse_unsigned(value, 1, CHURN_MAX, &o->churn) < 0)
                                rc = usage_error("--churn '%s'", value, "expected 1 to 20000");
                } else if (strcmp(name, "--modes") == 0) {
                        rc = modes_parse(o, argv[i]);
                } else {
                        rc = usage_error("unknown option '%s'", name,
                                         "expected --port, --modes, --connections, --noread, --seconds, "
                                         "--churn");
                }
                if (rc)
                        return rc;
        }
        if (!port)
                return usage_error("%s", "--port is required", "the server's port on 127.0.0.1");
        o->port = (uint16_t)port;
        for (int k = 0; k < MODE_COUNT; k++)
                if (o->modes[k])
                        return 0;
        for (int k = 0; k < MODE_COUNT; k++)
                o->modes[k] = true;     /* none named: all of them */
        return 0;
}

static int (*const mode_run[MODE_COUNT])(const struct options *) = {
        run_slow, run_noread, run_vanish, run_churn, run_garbage,
};

static pid_t mode_start(const struct options *o, enum mode m)
{
        pid_t parent = getpid(), pid = fork();

        if (pid != 0)
                return pid;
        /* Bounded whatever happens: dies with the parent, and by the alarm if it overruns. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        alarm(o->seconds + ALARM_SLACK_S);
        rng_seed();
        setvbuf(stdout, NULL, _IOLBF, 0);
        _exit(mode_run[m](o));
}

int main(int argc, char **argv)
{
        struct options o;
        pid_t pids[MODE_COUNT] = { 0 };
        int rc = options_parse(&o, argc, argv), worst = 0;

        if (rc)
                return rc;
        signal(SIGPIPE, SIG_IGN);
        fflush(stdout);
        for (int k = 0; k < MODE_COUNT; k++)
                if (o.modes[k] && (pids[k] = mode_start(&o, (enum mode)k)) < 0) {
                        fprintf(stderr, "abuse: fork: %s\n", strerror(errno));
                        worst = 1;
                }
        for (int k = 0; k < MODE_COUNT; k++) {
                int status;

                if (pids[k] <= 0)
                        continue;
                while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
                        ;
                if (WIFSIGNALED(status))
                        printf("%s: killed by signal %d (%s)\n", mode_names[k], WTERMSIG(status),
                               WTERMSIG(status) == SIGALRM ? "overran its time" : strsignal(WTERMSIG(status)));
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        worst = 1;
        }
        return worst;
}
