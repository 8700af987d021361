/* ipcbench serve: the lecture's TCP ack server, with the faults of the handout's code mended.
 *
 * Every chunk that recv() returns is answered with
 *   Your N bytes were received, thank you for sending them!\n
 * (ack.h), so `telnet 127.0.0.1 34000` behaves as in the lecture. Four models serve the same
 * protocol, so that the load client can compare them:
 *
 *   thread   a detached thread per connection: the lecture's design
 *   process  a process per connection: fork after accept; children reaped on SIGCHLD
 *   epoll    one thread and non-blocking sockets; the acks of a client that does not read them
 *            are held up to a cap, and then that client is not read from until it catches up,
 *            so it can never stall the others
 *   pool     N threads, each running the epoll loop on an epoll set of its own; all of them
 *            watch the listening socket (EPOLLEXCLUSIVE) and whichever is woken accepts
 *
 * Where the handout's code goes wrong, this does not: recv() returning 0 ends the connection
 * cleanly, EINTR is retried and other errors close the connection, nothing is written past the
 * buffer, no memory is lost per connection, partial sends are completed, a client that vanishes
 * costs its connection and not the server (SIGPIPE), one already gone when accepted costs no fork
 * or thread, connections beyond --max-connections get one line and are closed, and SIGINT/SIGTERM
 * close everything and exit 0. tests/test_abuse.sh holds the models to this under bad clients.
 *
 * Signals reach the loops through a self-pipe: the handler only writes the signal's number.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ack.h"
#include "io.h"
#include "options.h"
#include "placement.h"
#include "tools.h"

enum {
        DEFAULT_PORT = 34000,
        DEFAULT_MAX_CONNECTIONS = 1024,
        MAX_CONNECTIONS_LIMIT = 1000000,
        MAX_POOL_THREADS = 1024,
        CHUNK_BYTES = 4096,                     /* one recv(), as in the lecture */
        THREAD_STACK_BYTES = 128 * 1024,        /* a chunk and an ack need far less than 8 MiB */
        OUT_CAP_BYTES = 16 * 1024,              /* epoll: acks held for a client not reading them */
        READS_PER_EVENT = 16,                   /* epoll: then the other connections get a turn */
        ACCEPTS_PER_EVENT = 16,
        EVENTS_PER_WAIT = 64,
        DRAIN_TIMEOUT_S = 2,                    /* thread model: how long shutdown waits for threads */
        PEER_TEXT_BYTES = INET6_ADDRSTRLEN + 8, /* "[address]:port" */
        PREVIEW_BYTES = 32,                     /* -v shows this much of each chunk */
};

enum serve_model { MODEL_THREAD, MODEL_PROCESS, MODEL_EPOLL, MODEL_POOL, MODEL_COUNT };

static const char *const model_names[MODEL_COUNT] = { "thread", "process", "epoll", "pool" };

struct serve_options {
        const char *bind;
        unsigned port;
        enum serve_model model;
        unsigned max_connections;
        unsigned threads;                       /* pool model */
        bool verbose;
};

/* thread and process models: one slot per connection being served */
struct slot {
        struct server *srv;
        int fd;                 /* thread model: shut down at exit to wake its thread */
        pid_t pid;              /* process model: the child serving it, killed at exit */
        char peer[PEER_TEXT_BYTES];
};

struct server {
        struct serve_options opt;
        int listen_fd;
        int stop_signal;
        pthread_attr_t thread_attr;
        pthread_mutex_t lock;                   /* the slots: connection threads free their own */
        pthread_cond_t slot_freed;
        struct slot *slots;
        unsigned *free_slots, free_count;
        atomic_uint live;                       /* epoll and pool: connections open, all workers */
};

static int signal_pipe[2] = { -1, -1 };

/* ---- logging: -v prints what the lecture's printf did, to stderr ---- */

__attribute__((format(printf, 2, 3)))
static void vlog(const struct server *srv, const char *fmt, ...)
{
        va_list ap;

        if (!srv->opt.verbose)
                return;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
}

/* The lecture prints each message; a chunk may hold anything, so show its start escaped. */
static void log_chunk(const struct server *srv, int fd, const char *buf, size_t n)
{
        char text[4 * PREVIEW_BYTES + 1];
        size_t t = 0;

        if (!srv->opt.verbose)
                return;
        for (size_t i = 0; i < n && i < PREVIEW_BYTES; i++) {
                unsigned char c = (unsigned char)buf[i];

                if (c == '\n' || c == '\r')
                        t += (size_t)snprintf(text + t, sizeof text - t, "\\%c", c == '\n' ? 'n' : 'r');
                else if (c == '\\' || c == '"')
                        t += (size_t)snprintf(text + t, sizeof text - t, "\\%c", c);
                else if (c >= 0x20 && c < 0x7f)
                        text[t++] = (char)c;
                else
                        t += (size_t)snprintf(text + t, sizeof text - t, "\\x%02x", c);
        }
        text[t] = '\0';
        fprintf(stderr, "[%d] recv(): %zu bytes \"%s\"%s\n", fd, n, text, n > PREVIEW_BYTES ? "..." : "");
}

/* ---- addresses and sockets ---- */

static int address_parse(const char *text, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
        struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

        memset(ss, 0, sizeof *ss);
        if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
                in4->sin_family = AF_INET;
                in4->sin_port = htons((uint16_t)port);
                *len = sizeof *in4;
                return 0;
        }
        if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons((uint16_t)port);
                *len = sizeof *in6;
                return 0;
        }
        return -1;
}

static void address_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
        char host[INET6_ADDRSTRLEN] = "?";

        if (ss->ss_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
                snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
        } else {
                const struct sockaddr_in *in4 = (const struct sockaddr_in *)ss;
                inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
                snprintf(buf, len, "%s:%u", host, ntohs(in4->sin_port));
        }
}

/* Returns the listening socket, or -1 with the reason in err. */
static int listener_open(const struct serve_options *o, char *where, size_t where_len,
                         char *err, size_t err_len)
{
        struct sockaddr_storage ss;
        socklen_t len;
        int fd, one = 1;

        address_parse(o->bind, o->port, &ss, &len);     /* checked with the options */
        /* Non-blocking: a client that gives up between poll() and accept() must not hang us. */
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                snprintf(err, err_len, "socket: %s", strerror(errno));
                return -1;
        }
        /* A restarted server must not wait out the TIME_WAIT of its last run's connections. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
                snprintf(err, err_len, "setsockopt SO_REUSEADDR: %s", strerror(errno));
                goto fail;
        }
        address_text(&ss, where, where_len);
        if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
                if (errno == EADDRINUSE)
                        snprintf(err, err_len, "cannot listen on %s: port %u is in use (EADDRINUSE); "
                                 "stop what holds it or choose another --port (0: any free port)",
                                 where, o->port);
                else
                        snprintf(err, err_len, "bind %s: %s", where, strerror(errno));
                goto fail;
        }
        /* The kernel caps the backlog at net.core.somaxconn; ask for all of it, so that a burst of
         * a thousand clients waits in the queue instead of being refused. */
        if (listen(fd, SOMAXCONN) < 0) {
                snprintf(err, err_len, "listen %s: %s", where, strerror(errno));
                goto fail;
        }
        len = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
                address_text(&ss, where, where_len);    /* the port really bound, for --port 0 */
        return fd;
fail:
        close(fd);
        return -1;
}

/* Acks are small writes answered at once: Nagle must not hold one back behind the last. */
static void no_delay(int fd)
{
        int one = 1;

        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* send() all of it: a send can be partial, and MSG_NOSIGNAL turns a vanished client into EPIPE
 * for this connection, not SIGPIPE for the server. Returns 0, or -1 with errno set. */
static int send_full(int fd, const char *p, size_t len)
{
        while (len > 0) {
                ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Beyond --max-connections: one line, never blocking (it fits an empty socket buffer), close. */
static void refuse(const struct server *srv, int fd, const char *peer)
{
        char line[80];
        int len = snprintf(line, sizeof line, "server busy: at most %u connections\n",
                           srv->opt.max_connections);
        ssize_t sent = send(fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);

        (void)sent;
        vlog(srv, "[%d] refused %s: %u connections already (--max-connections)\n", fd, peer,
             srv->opt.max_connections);
        close(fd);
}

/* accept() failed: a client that gave up, or a signal, needs nothing; anything else is said. */
static void accept_failed(void)
{
        struct timespec pause = { 0, 10 * 1000 * 1000 };

        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
                return;
        fprintf(stderr, "ipcbench serve: accept: %s\n", strerror(errno));
        /* Out of descriptors (EMFILE) the listener stays readable: pause, or the loop spins. */
        nanosleep(&pause, NULL);
}

/* ---- signals ---- */

static void on_signal(int sig)
{
        int saved = errno;
        char c = (char)sig;
        /* The pipe is non-blocking: when it is full, a wake-up is already pending. */
        ssize_t n = write(signal_pipe[1], &c, 1);

        (void)n;
        errno = saved;
}

static int signals_install(bool children)
{
        struct sigaction sa = { .sa_handler = SIG_IGN };

        if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
                return -1;
        sigemptyset(&sa.sa_mask);
        /* Belt and braces beside MSG_NOSIGNAL: a client that goes away never kills the server. */
        if (sigaction(SIGPIPE, &sa, NULL) < 0)
                return -1;
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
        if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
            (children && sigaction(SIGCHLD, &sa, NULL) < 0))
                return -1;
        return 0;
}

/* ---- thread and process models: one connection, one accept loop ---- */

/* The lecture's loop, for one connection: answer each chunk until the client finishes or the
 * connection fails. The thread and the process models both run it. */
static void serve_connection(const struct server *srv, int fd)
{
        char buf[CHUNK_BYTES], ack[ACK_MAX_BYTES], why[96] = "the client finished";

        for (;;) {
                /* The chunk is counted, never terminated: buf[n] would be past the end when
                 * n == sizeof buf, the handout's bug. */
                ssize_t n = recv(fd, buf, sizeof buf, 0);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        snprintf(why, sizeof why, "recv(): %s", strerror(errno));
                if (n <= 0)
                        break;
                log_chunk(srv, fd, buf, (size_t)n);
                if (send_full(fd, ack, ack_format(ack, (size_t)n)) < 0) {
                        snprintf(why, sizeof why, "send(): %s", strerror(errno));
                        break;
                }
        }
        vlog(srv, "[%d] closed: %s\n", fd, why);
}

static struct slot *slot_take(struct server *srv)
{
        struct slot *s = NULL;

        pthread_mutex_lock(&srv->lock);
        if (srv->free_count > 0)
                s = &srv->slots[srv->free_slots[--srv->free_count]];
        pthread_mutex_unlock(&srv->lock);
        return s;
}

static void slot_give(struct server *srv, struct slot *s)
{
        pthread_mutex_lock(&srv->lock);
        s->fd = -1;
        s->pid = 0;
        srv->free_slots[srv->free_count++] = (unsigned)(s - srv->slots);
        pthread_cond_broadcast(&srv->slot_freed);
        pthread_mutex_unlock(&srv->lock);
}

static int slots_init(struct server *srv)
{
        unsigned n = srv->opt.max_connections;
        pthread_condattr_t cattr;

        srv->slots = calloc(n, sizeof *srv->slots);
        srv->free_slots = calloc(n, sizeof *srv->free_slots);
        if (!srv->slots || !srv->free_slots)
                return -1;
        for (unsigned i = 0; i < n; i++) {
                srv->slots[i] = (struct slot){ .srv = srv, .fd = -1 };
                srv->free_slots[i] = n - 1 - i;
        }
        srv->free_count = n;
        pthread_mutex_init(&srv->lock, NULL);
        pthread_condattr_init(&cattr);
        pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
        pthread_cond_init(&srv->slot_freed, &cattr);
        pthread_condattr_destroy(&cattr);
        pthread_attr_init(&srv->thread_attr);
        pthread_attr_setdetachstate(&srv->thread_attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&srv->thread_attr, THREAD_STACK_BYTES);
        return 0;
}

static void *connection_thread(void *arg)
{
        struct slot *s = arg;
        int fd = s->fd;

        serve_connection(s->srv, fd);
        slot_give(s->srv, s);   /* from here on, shutdown no longer touches fd */
        close(fd);
        return NULL;
}

/* `call` could not start what serves the client of s (no thread or process left): close its
 * connection, saying why the first time only (*told), not once per client. */
static void refuse_for_want_of(struct server *srv, struct slot *s, const char *call, int err, bool *told)
{
        char hint[256];

        if (!*told)
                fprintf(stderr, "ipcbench serve: %s: %s%s; closing the connection from %s (and any "
                        "other refused for this reason, without saying so)\n", call, strerror(err),
                        limit_hint(call, err, hint, sizeof hint), s->peer);
        *told = true;
        close(s->fd);
        slot_give(srv, s);
}

static void start_thread(struct server *srv, struct slot *s)
{
        pthread_t tid;
        int err = pthread_create(&tid, &srv->thread_attr, connection_thread, s);

        if (err) {
                static bool told;       /* out of threads: once, not once per client */
                refuse_for_want_of(srv, s, "pthread_create", err, &told);
        }
}

static void start_process(struct server *srv, struct slot *s)
{
        sigset_t block, old;
        pid_t parent = getpid(), pid;

        /* Until the child has its own dispositions, a signal would run our handler in it. */
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGCHLD);
        sigprocmask(SIG_BLOCK, &block, &old);
        pid = fork();
        if (pid == 0) {
                /* The child serves one client and exits: it needs neither the listener nor the
                 * self-pipe, SIGTERM simply ends it, and so does the death of the server. */
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGCHLD, SIG_DFL);
                sigprocmask(SIG_SETMASK, &old, NULL);
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                        _exit(1);
                close(srv->listen_fd);
                close(signal_pipe[0]);
                close(signal_pipe[1]);
                serve_connection(srv, s->fd);
                _exit(0);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (pid < 0) {
                static bool told;       /* out of processes: once, not once per client */
                refuse_for_want_of(srv, s, "fork", errno, &told);
                return;
        }
        close(s->fd);
        s->fd = -1;
        s->pid = pid;
}

static void reap_children(struct server *srv)
{
        pid_t pid;

        while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
                for (unsigned i = 0; i < srv->opt.max_connections; i++)
                        if (srv->slots[i].pid == pid) {
                                slot_give(srv, &srv->slots[i]);
                                break;
                        }
}

/* A client that connected and is already gone (a connect-and-close loop, a reset, a port scan):
 * its recv() would return 0 or fail at once. Served, it would cost a fork or a thread for
 * nothing, and thousands of them keep the clients queued behind them waiting. */
static bool peer_already_gone(int fd)
{
        char byte;
        ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void accept_one(struct server *srv)
{
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        char text[PEER_TEXT_BYTES];
        struct slot *s;
        int fd = accept4(srv->listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

        if (fd < 0) {
                accept_failed();
                return;
        }
        address_text(&peer, text, sizeof text);
        if (peer_already_gone(fd)) {
                vlog(srv, "[%d] connection from %s: gone before it was served\n", fd, text);
                close(fd);
                return;
        }
        s = slot_take(srv);
        if (!s) {
                refuse(srv, fd, text);
                return;
        }
        s->fd = fd;
        snprintf(s->peer, sizeof s->peer, "%s", text);
        vlog(srv, "[%d] connection from %s\n", fd, text);
        no_delay(fd);
        if (srv->opt.model == MODEL_THREAD)
                start_thread(srv, s);
        else
                start_process(srv, s);
}

/* Reads what the signal handler wrote; true when it is time to stop. */
static bool signals_read(struct server *srv)
{
        char sigs[64];
        bool stop = false;
        ssize_t n;

        while ((n = read(signal_pipe[0], sigs, sizeof sigs)) > 0)
                for (ssize_t i = 0; i < n; i++)
                        if (sigs[i] != SIGCHLD) {
                                stop = true;
                                srv->stop_signal = sigs[i];
                        }
        if (srv->opt.model == MODEL_PROCESS)
                reap_children(srv);
        return stop;
}

/* Waits for a client or a signal. Returns 0 when told to stop, -1 when poll() fails. */
static int accept_loop(struct server *srv)
{
        struct pollfd pfd[2] = {
                { .fd = srv->listen_fd, .events = POLLIN },
                { .fd = signal_pipe[0], .events = POLLIN },
        };

        for (;;) {
                if (poll(pfd, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "ipcbench serve: poll: %s\n", strerror(errno));
                        return -1;
                }
                if ((pfd[1].revents & POLLIN) && signals_read(srv))
                        return 0;
                if (pfd[0].revents & POLLIN)
                        accept_one(srv);
        }
}

/* Wakes every connection thread (shutdown makes its recv() return 0 and its send() fail) and
 * waits for them; kills and reaps every child. */
static void close_connections(struct server *srv)
{
        struct timespec deadline;

        pthread_mutex_lock(&srv->lock);
        for (unsigned i = 0; i < srv->opt.max_connections; i++) {
                if (srv->slots[i].fd >= 0)
                        shutdown(srv->slots[i].fd, SHUT_RDWR);
                if (srv->slots[i].pid > 0)
                        kill(srv->slots[i].pid, SIGTERM);
        }
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += DRAIN_TIMEOUT_S;
        while (srv->opt.model == MODEL_THREAD && srv->free_count < srv->opt.max_connections)
                if (pthread_cond_timedwait(&srv->slot_freed, &srv->lock, &deadline) == ETIMEDOUT) {
                        fprintf(stderr, "ipcbench serve: %u connection threads did not end within %d s\n",
                                srv->opt.max_connections - srv->free_count, DRAIN_TIMEOUT_S);
                        break;
                }
        pthread_mutex_unlock(&srv->lock);
        for (unsigned i = 0; i < srv->opt.max_connections; i++)
                if (srv->slots[i].pid > 0) {
                        waitpid(srv->slots[i].pid, NULL, 0);
                        slot_give(srv, &srv->slots[i]);
                }
}

/* ---- epoll and pool models ---- */

struct conn {
        struct conn *prev, *next;       /* the worker's open connections, closed when it stops */
        int fd;
        uint32_t events;                /* what epoll watches for now */
        bool peer_done;                 /* recv() returned 0: close once the acks are out */
        size_t out_start, out_end;      /* acks not sent yet: out[out_start, out_end) */
        char out[OUT_CAP_BYTES];
};

struct worker {
        struct server *srv;
        int epfd;
        pthread_t tid;
        struct conn *conns;
        char buf[CHUNK_BYTES];
};

/* epoll data of the two descriptors that are not connections */
static char listener_tag, signal_tag;

static size_t conn_pending(const struct conn *c)
{
        return c->out_end - c->out_start;
}

/* Read only while the acks of what we read have somewhere to go: a client that does not read
 * its acks is left alone, and its own sends block, instead of our memory growing. */
static bool conn_wants_read(const struct conn *c)
{
        return !c->peer_done && OUT_CAP_BYTES - conn_pending(c) >= ACK_MAX_BYTES;
}

static void conn_queue_ack(struct conn *c, size_t n)
{
        if (c->out_end + ACK_MAX_BYTES > OUT_CAP_BYTES) {
                memmove(c->out, c->out + c->out_start, conn_pending(c));
                c->out_end -= c->out_start;
                c->out_start = 0;
        }
        c->out_end += ack_format(c->out + c->out_end, n);
}

/* Sends what the socket takes now. Returns 0, or -1 with errno set when the connection failed. */
static int conn_flush(struct conn *c)
{
        while (conn_pending(c) > 0) {
                ssize_t n = send(c->fd, c->out + c->out_start, conn_pending(c), MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
                }
                c->out_start += (size_t)n;
        }
        c->out_start = c->out_end = 0;
        return 0;
}

/* A few chunks at a time (level-triggered epoll calls again), an ack queued for each. */
static int conn_read(struct worker *w, struct conn *c, char *why, size_t why_len)
{
        for (int i = 0; i < READS_PER_EVENT && conn_wants_read(c); i++) {
                ssize_t n = recv(c->fd, w->buf, sizeof w->buf, 0);

                if (n > 0) {
                        log_chunk(w->srv, c->fd, w->buf, (size_t)n);
                        conn_queue_ack(c, (size_t)n);
                } else if (n == 0) {
                        c->peer_done = true;
                } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                        break;
                } else if (errno != EINTR) {
                        snprintf(why, why_len, "recv(): %s", strerror(errno));
                        return -1;
                }
        }
        return 0;
}

/* Watch for input while we read and for output while acks wait, and only then. */
static int conn_watch(struct worker *w, struct conn *c)
{
        uint32_t events = (conn_wants_read(c) ? EPOLLIN : 0) | (conn_pending(c) ? EPOLLOUT : 0);
        struct epoll_event ev = { .events = events, .data.ptr = c };

        if (events == c->events)
                return 0;
        c->events = events;
        return epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_close(struct worker *w, struct conn *c, const char *why)
{
        vlog(w->srv, "[%d] closed: %s\n", c->fd, why);
        if (c->prev)
                c->prev->next = c->next;
        else
                w->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        close(c->fd);           /* also takes it out of the epoll set */
        free(c);
        atomic_fetch_sub(&w->srv->live, 1);
}

static void conn_event(struct worker *w, struct conn *c, uint32_t events)
{
        char why[96] = "the client finished";

        if (events & EPOLLERR) {
                int err = 0;
                socklen_t len = sizeof err;

                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                snprintf(why, sizeof why, "%s", err ? strerror(err) : "connection error");
                goto close;
        }
        if ((events & (EPOLLIN | EPOLLHUP)) && conn_wants_read(c) && conn_read(w, c, why, sizeof why) < 0)
                goto close;
        if (conn_flush(c) < 0) {
                snprintf(why, sizeof why, "send(): %s", strerror(errno));
                goto close;
        }
        if (c->peer_done && conn_pending(c) == 0)
                goto close;     /* a half-closed client has had every ack */
        if (conn_watch(w, c) < 0) {
                snprintf(why, sizeof why, "epoll_ctl: %s", strerror(errno));
                goto close;
        }
        return;
close:
        conn_close(w, c, why);
}

static void conn_open(struct worker *w, int fd, const char *peer)
{
        struct conn *c = malloc(sizeof *c);
        struct epoll_event ev = { .events = EPOLLIN };

        if (!c) {
                fprintf(stderr, "ipcbench serve: out of memory; closing the connection from %s\n", peer);
                goto fail;
        }
        *c = (struct conn){ .fd = fd, .events = EPOLLIN, .next = w->conns };
        ev.data.ptr = c;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                fprintf(stderr, "ipcbench serve: epoll_ctl: %s; closing the connection from %s\n",
                        strerror(errno), peer);
                free(c);
                goto fail;
        }
        if (w->conns)
                w->conns->prev = c;
        w->conns = c;
        vlog(w->srv, "[%d] connection from %s\n", fd, peer);
        no_delay(fd);
        return;
fail:
        close(fd);
        atomic_fetch_sub(&w->srv->live, 1);
}

static void worker_accept(struct worker *w)
{
        struct server *srv = w->srv;

        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
                struct sockaddr_storage peer;
                socklen_t len = sizeof peer;
                char text[PEER_TEXT_BYTES];
                int fd = accept4(srv->listen_fd, (struct sockaddr *)&peer, &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd < 0) {
                        accept_failed();
                        return;
                }
                address_text(&peer, text, sizeof text);
                if (atomic_fetch_add(&srv->live, 1) >= srv->opt.max_connections) {
                        atomic_fetch_sub(&srv->live, 1);
                        refuse(srv, fd, text);
                        continue;
                }
                conn_open(w, fd, text);
        }
}

/* The event loop of one worker, until a signal says stop; then it closes its connections. */
static void *worker_run(void *arg)
{
        struct worker *w = arg;
        struct epoll_event events[EVENTS_PER_WAIT];
        bool stop = false;

        while (!stop) {
                int n = epoll_wait(w->epfd, events, EVENTS_PER_WAIT, -1);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "ipcbench serve: epoll_wait: %s\n", strerror(errno));
                        break;
                }
                for (int i = 0; i < n; i++) {
                        if (events[i].data.ptr == &signal_tag)
                                stop = true;    /* left unread, so that every worker sees it */
                        else if (events[i].data.ptr == &listener_tag)
                                worker_accept(w);
                        else
                                conn_event(w, events[i].data.ptr, events[i].events);
                }
        }
        while (w->conns)
                conn_close(w, w->conns, "the server is stopping");
        return NULL;
}

static int worker_init(struct worker *w, struct server *srv)
{
        /* Every worker watches the listener; EPOLLEXCLUSIVE wakes one of them, not the herd. */
        struct epoll_event listen_ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &listener_tag };
        struct epoll_event signal_ev = { .events = EPOLLIN, .data.ptr = &signal_tag };

        w->srv = srv;
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, srv->listen_fd, &listen_ev) < 0 ||
            epoll_ctl(w->epfd, EPOLL_CTL_ADD, signal_pipe[0], &signal_ev) < 0) {
                fprintf(stderr, "ipcbench serve: epoll: %s\n", strerror(errno));
                return -1;
        }
        return 0;
}

/* epoll: one worker, on this thread; pool: as many as --threads, this thread among them. */
static int event_loops_run(struct server *srv)
{
        unsigned n = srv->opt.model == MODEL_EPOLL ? 1 : srv->opt.threads, started = 1;
        struct worker *workers = calloc(n, sizeof *workers);
        int rc = 0;

        if (!workers) {
                fprintf(stderr, "ipcbench serve: out of memory\n");
                return -1;
        }
        for (unsigned i = 0; i < n; i++)
                workers[i].epfd = -1;
        for (unsigned i = 0; i < n; i++)
                if (worker_init(&workers[i], srv) < 0) {
                        rc = -1;
                        goto out;
                }
        for (; started < n; started++) {
                int err = pthread_create(&workers[started].tid, NULL, worker_run, &workers[started]);

                if (err) {
                        /* The others' epoll sets are never waited on, so they take no client. */
                        fprintf(stderr, "ipcbench serve: pthread_create: %s; the pool runs %u threads\n",
                                strerror(err), started);
                        break;
                }
        }
        worker_run(&workers[0]);
        for (unsigned i = 1; i < started; i++)
                pthread_join(workers[i].tid, NULL);
out:
        for (unsigned i = 0; i < n; i++)
                if (workers[i].epfd >= 0)
                        close(workers[i].epfd);
        free(workers);
        return rc;
}

/* ---- options ---- */

static void usage(FILE *f)
{
        fprintf(f,
                "usage: ipcbench serve [--bind ADDR] [--port N] [--model MODEL] [--max-connections N]\n"
                "                      [--threads N] [-v]\n"
                "\n"
                "The lecture's TCP ack server: every chunk that recv() returns is answered with\n"
                "  Your N bytes were received, thank you for sending them!\n"
                "Try it with `telnet 127.0.0.1 %d` (to quit: Ctrl+] then `quit`).\n"
                "\n"
                "  --bind ADDR           address to listen on (default 127.0.0.1; 0.0.0.0 for every\n"
                "                        interface, ::1 for IPv6)\n"
                "  --port N              TCP port (default %d; 0: any free port); the port bound is\n"
                "                        printed on start: listening on ADDR:PORT (model MODEL)\n"
                "  --model MODEL         thread   a thread per connection, the lecture's design (default)\n"
                "                        process  a process per connection, forked after accept\n"
                "                        epoll    one thread, non-blocking sockets and epoll\n"
                "                        pool     --threads threads, each with its own epoll\n"
                "  --threads N           threads of the pool model (default: the CPUs it may run on)\n"
                "  --max-connections N   connections served at once (default %d); more are told\n"
                "                        \"server busy\" and closed\n"
                "  -v, --verbose         log connections, every chunk received and closes to stderr\n"
                "  -h, --help            this text\n"
                "\n"
                "SIGINT (Ctrl-C) or SIGTERM closes every connection and exits 0.\n",
                DEFAULT_PORT, DEFAULT_PORT, DEFAULT_MAX_CONNECTIONS);
}

static int bad_value(const char *name, const char *value, const char *accepted)
{
        fprintf(stderr, "ipcbench serve: %s '%s': %s\n", name, value, accepted);
        return 2;
}

static int option_set(struct serve_options *o, const char *name, const char *value)
{
        struct sockaddr_storage ss;
        socklen_t len;

        if (strcmp(name, "--bind") == 0) {
                if (address_parse(value, 0, &ss, &len) < 0)
                        return bad_value(name, value, "expected an IPv4 or IPv6 address such as 127.0.0.1, "
                                         "0.0.0.0 or ::1");
                o->bind = value;
        } else if (strcmp(name, "--port") == 0) {
                if (options_parse_unsigned(value, 0, 65535, &o->port) < 0)
                        return bad_value(name, value, "expected a port from 0 to 65535 (0: any free port)");
        } else if (strcmp(name, "--model") == 0) {
                for (o->model = 0; o->model < MODEL_COUNT; o->model++)
                        if (strcmp(value, model_names[o->model]) == 0)
                                return 0;
                return bad_value(name, value, "expected thread, process, epoll or pool");
        } else if (strcmp(name, "--max-connections") == 0) {
                if (options_parse_unsigned(value, 1, MAX_CONNECTIONS_LIMIT, &o->max_connections) < 0)
                        return bad_value(name, value, "expected a whole number from 1 to 1000000");
        } else {
                if (options_parse_unsigned(value, 1, MAX_POOL_THREADS, &o->threads) < 0)
                        return bad_value(name, value, "expected a whole number from 1 to 1024");
        }
        return 0;
}

enum { OPTIONS_RUN = -1 };

/* Returns OPTIONS_RUN, or the exit status: 0 after --help, 2 for a bad command line. */
static int options_parse(struct serve_options *o, int argc, char **argv)
{
        static const char *const valued[] = {
                "--bind", "--port", "--model", "--max-connections", "--threads",
        };
        int first, second;
        /* The CPUs this process may run on, not those online: a server pinned to one CPU (as
         * server.pool's same-cpu points are, or under taskset) gains nothing from more workers. */
        int cpus = placement_cpus(&first, &second);

        *o = (struct serve_options){
                .bind = "127.0.0.1", .port = DEFAULT_PORT, .model = MODEL_THREAD,
                .max_connections = DEFAULT_MAX_CONNECTIONS,
                .threads = cpus < 1 ? 1 : cpus > MAX_POOL_THREADS ? MAX_POOL_THREADS : (unsigned)cpus,
        };
        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i], *name = NULL, *value;
                int rc;

                if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                        usage(stdout);
                        return 0;
                }
                if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
                        o->verbose = true;
                        continue;
                }
                for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
                        if (is_option(arg, valued[k]))
                                name = valued[k];
                if (!name) {
                        fprintf(stderr, "ipcbench serve: %s '%s' (see 'ipcbench serve --help')\n",
                                arg[0] == '-' ? "unknown option" : "unexpected argument", arg);
                        return 2;
                }
                if (!(value = option_value(argc, argv, &i, arg))) {
                        fprintf(stderr, "ipcbench serve: %s needs a value (see 'ipcbench serve --help')\n",
                                name);
                        return 2;
                }
                rc = option_set(o, name, value);
                if (rc)
                        return rc;
        }
        return OPTIONS_RUN;
}

/* ---- start and stop ---- */

/* A soft limit of 1024 open files would refuse the thousandth client: take all that the hard
 * limit allows. */
static void nofile_raise(const struct serve_options *o)
{
        unsigned long long have = raise_file_limit();

        /* A process per connection holds one descriptor in each child, none in the server. */
        if (o->model != MODEL_PROCESS && have != 0 && have != RLIM_INFINITY &&
            have < (unsigned long long)o->max_connections + 16)
                fprintf(stderr, "ipcbench serve: warning: at most %llu open files (ulimit -n), too few for "
                        "--max-connections %u\n", have, o->max_connections);
}

int serve_main(int argc, char **argv)
{
        /* static: a detached connection thread may still be returning when this frame is gone */
        static struct server srv;
        char where[PEER_TEXT_BYTES], err[256];
        int rc = options_parse(&srv.opt, argc, argv);

        if (rc != OPTIONS_RUN)
                return rc;
        nofile_raise(&srv.opt);
        if (signals_install(srv.opt.model == MODEL_PROCESS) < 0) {
                fprintf(stderr, "ipcbench serve: signal setup: %s\n", strerror(errno));
                return 1;
        }
        srv.listen_fd = listener_open(&srv.opt, where, sizeof where, err, sizeof err);
        if (srv.listen_fd < 0) {
                fprintf(stderr, "ipcbench serve: %s\n", err);
                return 1;
        }
        if (srv.opt.model == MODEL_POOL)
                printf("listening on %s (model pool, %u threads)\n", where, srv.opt.threads);
        else
                printf("listening on %s (model %s)\n", where, model_names[srv.opt.model]);
        fflush(stdout);         /* scripts read the port from this line while we run */

        if (srv.opt.model == MODEL_THREAD || srv.opt.model == MODEL_PROCESS) {
                if (slots_init(&srv) < 0) {
                        fprintf(stderr, "ipcbench serve: out of memory for %u connections\n",
                                srv.opt.max_connections);
                        return 1;
                }
                rc = accept_loop(&srv);
                /* Closed first: the port is free at once, and no client waits in its backlog. */
                close(srv.listen_fd);
                close_connections(&srv);
        } else {
                rc = event_loops_run(&srv);
                close(srv.listen_fd);
                signals_read(&srv);     /* which signal it was: the workers left it unread */
        }
        if (srv.stop_signal)
                vlog(&srv, "stopped by %s\n", srv.stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
        return rc < 0 ? 1 : 0;
}
