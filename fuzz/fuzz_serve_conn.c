/* Fuzz target: the epoll ack server's handling of one connection (bench/serve.c), bytes in and
 * acks out.
 *
 * The server's own code runs, unchanged: serve.c is included, so conn_open, conn_event (with
 * conn_read, conn_queue_ack, conn_flush, conn_watch) and conn_close are the functions the epoll
 * and pool models run, on one end of a non-blocking socketpair, in a real epoll set. Its recv()
 * and send() pass through the two wrappers below, which check each call and can make it short,
 * interrupted (EINTR) or not ready (EAGAIN), as a network can. The fuzzer is the client on the
 * other end, and the scheduler: the input is a list of steps (send bytes, read acks, let the
 * server handle what epoll reports, change the network's faults, half-close, vanish).
 *
 * Checked:
 *   - every chunk recv() returned is answered by exactly one ack of its size, in order, and the
 *     server sends nothing else (each ack parsed with ack_parse as the load client does);
 *   - the server reads only when the ack of what it reads has room, never after the client's
 *     end, and the acks it holds never exceed OUT_CAP_BYTES; epoll watches for input exactly
 *     while it may read and for output exactly while acks wait;
 *   - every send() has MSG_NOSIGNAL (a vanished client must not kill the server with SIGPIPE);
 *   - the server never closes a connection whose client is still sending, unless recv() or
 *     send() failed (ECONNRESET, EPIPE), and then it closes it at once;
 *   - once the client half-closes and reads, every byte it sent is acked and the server closes
 *     the connection within a bounded number of events; a client that vanishes is closed too;
 *     either way the descriptor is closed, the live count is back to 0, and (ASan) nothing
 *     leaks.
 * Not covered here: TCP itself, accept and the connection cap (tests/test_serve.sh).
 */
#include <sys/socket.h>         /* first: the real recv() and send() are declared as such */

#include <stddef.h>
#include <sys/types.h>

static ssize_t fuzz_recv(int fd, void *buf, size_t len, int flags);
static ssize_t fuzz_send(int fd, const void *buf, size_t len, int flags);

#define recv fuzz_recv
#define send fuzz_send
#include "serve.c"
#undef recv
#undef send

#include "fuzz.h"

enum {
        MAX_STEPS = 4096,
        CLIENT_MAX_BYTES = 1 << 20,     /* sent per input: keeps one input fast */
        SERVER_SNDBUF_BYTES = 4096,     /* small, so that a client not reading fills it soon */
        DRAIN_ROUNDS = 10000,           /* far more than 1 MiB takes at 16 chunks a round */
};

enum step { STEP_SEND, STEP_READ, STEP_SERVE, STEP_FAULTS, STEP_SHUT_WR, STEP_VANISH, STEP_COUNT };

/* What the network does to the server's next calls. */
struct faults {
        size_t recv_max, send_max;      /* the most one call moves; 0: no limit */
        bool recv_not_ready, send_not_ready;    /* EAGAIN, as from a client that stalls */
        unsigned recv_interrupts, send_interrupts;      /* EINTR before the next calls */
        bool recv_fails, send_fails;    /* the connection breaks: ECONNRESET, EPIPE */
};

/* The client, played by the fuzzer. */
struct client {
        int fd;                         /* -1 once it vanished */
        bool write_shut;
        uint64_t sent_bytes;
        struct ack_parser parser;
        uint64_t acked_bytes;
};

/* This input's state, seen by the wrappers. */
static struct {
        struct worker *w;
        int server_fd;
        struct faults faults;
        uint32_t *owed;                 /* the chunks recv() returned, not acked yet: a queue */
        size_t owed_head, owed_tail, owed_room;
        uint64_t chunk_bytes;
        bool failed;                    /* a recv() or send() here failed: the server must close */
} fz;

/* Not called: serve_main is never run here, and its real one is in load.c. */
unsigned long long raise_file_limit(void)
{
        return 0;
}

static struct conn *the_conn(void)
{
        return fz.w->conns;
}

static void owe_ack(size_t chunk_bytes)
{
        if (fz.owed_tail == fz.owed_room) {
                size_t room = fz.owed_room ? 2 * fz.owed_room : 256;
                uint32_t *owed = realloc(fz.owed, room * sizeof *owed);

                FUZZ_CHECK(owed != NULL, "out of memory for %zu chunks", room);
                fz.owed = owed;
                fz.owed_room = room;
        }
        fz.owed[fz.owed_tail++] = (uint32_t)chunk_bytes;
        fz.chunk_bytes += chunk_bytes;
}

static ssize_t fuzz_recv(int fd, void *buf, size_t len, int flags)
{
        struct conn *c = the_conn();
        ssize_t n;

        FUZZ_CHECK(c && c->fd == fd && fd == fz.server_fd, "recv on descriptor %d, not the connection's", fd);
        FUZZ_CHECK(!c->peer_done, "recv after it returned 0 (the client's end)");
        FUZZ_CHECK(OUT_CAP_BYTES - conn_pending(c) >= ACK_MAX_BYTES,
                   "recv with %zu bytes of acks held: no room for the ack of what it reads", conn_pending(c));
        FUZZ_CHECK(len <= CHUNK_BYTES, "recv of %zu bytes, more than a chunk (%d)", len, CHUNK_BYTES);
        if (fz.faults.recv_interrupts > 0) {
                fz.faults.recv_interrupts--;
                errno = EINTR;
                return -1;
        }
        if (fz.faults.recv_fails) {
                fz.failed = true;
                errno = ECONNRESET;
                return -1;
        }
        if (fz.faults.recv_not_ready) {
                errno = EAGAIN;
                return -1;
        }
        if (fz.faults.recv_max && len > fz.faults.recv_max)
                len = fz.faults.recv_max;
        n = recv(fd, buf, len, flags);
        if (n > 0)
                owe_ack((size_t)n);
        return n;
}

static ssize_t fuzz_send(int fd, const void *buf, size_t len, int flags)
{
        struct conn *c = the_conn();

        FUZZ_CHECK(c && c->fd == fd && fd == fz.server_fd, "send on descriptor %d, not the connection's", fd);
        FUZZ_CHECK(flags & MSG_NOSIGNAL, "send without MSG_NOSIGNAL: a vanished client would kill the server");
        FUZZ_CHECK(c->out_end <= OUT_CAP_BYTES, "%zu bytes of acks held, the cap is %d", c->out_end, OUT_CAP_BYTES);
        FUZZ_CHECK((const char *)buf == c->out + c->out_start && len == conn_pending(c),
                   "send of %zu bytes that are not the %zu held", len, conn_pending(c));
        if (fz.faults.send_interrupts > 0) {
                fz.faults.send_interrupts--;
                errno = EINTR;
                return -1;
        }
        if (fz.faults.send_fails) {
                fz.failed = true;
                errno = EPIPE;
                return -1;
        }
        if (fz.faults.send_not_ready) {
                errno = EAGAIN;
                return -1;
        }
        if (fz.faults.send_max && len > fz.faults.send_max)
                len = fz.faults.send_max;
        return send(fd, buf, len, flags);
}

/* After every event: the held acks within the cap, and epoll told what the state asks for. */
static void check_held(const struct client *cl)
{
        struct conn *c = the_conn();
        size_t held;
        uint32_t want;

        if (!c) {
                FUZZ_CHECK(cl->fd < 0 || cl->write_shut || fz.failed,
                           "the server closed the connection of a client still sending");
                return;
        }
        FUZZ_CHECK(!fz.failed, "the connection is still open after its recv() or send() failed");
        FUZZ_CHECK(c->out_start <= c->out_end && c->out_end <= OUT_CAP_BYTES,
                   "acks held at [%zu, %zu), the cap is %d", c->out_start, c->out_end, OUT_CAP_BYTES);
        held = c->out_end - c->out_start;
        want = (!c->peer_done && OUT_CAP_BYTES - held >= ACK_MAX_BYTES ? EPOLLIN : 0) |
               (held > 0 ? EPOLLOUT : 0);
        FUZZ_CHECK(c->events == want, "epoll watches 0x%x, expected 0x%x (%zu bytes held, client done %d)",
                   c->events, want, held, c->peer_done);
}

/* What epoll reports now, handled as worker_run handles it. */
static void server_round(const struct client *cl)
{
        struct epoll_event events[EVENTS_PER_WAIT];
        int n = epoll_wait(fz.w->epfd, events, EVENTS_PER_WAIT, 0);

        FUZZ_CHECK(n >= 0, "epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
                FUZZ_CHECK(events[i].data.ptr == the_conn(), "an event for a connection that is not open");
                conn_event(fz.w, events[i].data.ptr, events[i].events);
        }
        check_held(cl);
}

/* The client reads acks: each one must be the ack of the oldest chunk not acked yet. */
static void client_take(struct client *cl, const char *data, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                uint64_t before = cl->acked_bytes;
                char err[160];

                FUZZ_CHECK(ack_parse(&cl->parser, data + i, 1, &cl->acked_bytes, err, sizeof err) == 0,
                           "the server sent what is no ack: %s", err);
                if (cl->acked_bytes == before)
                        continue;
                FUZZ_CHECK(fz.owed_head < fz.owed_tail, "an ack of %llu bytes for no chunk",
                           (unsigned long long)(cl->acked_bytes - before));
                FUZZ_CHECK(cl->acked_bytes - before == fz.owed[fz.owed_head],
                           "an ack of %llu bytes for chunk %zu of %u bytes",
                           (unsigned long long)(cl->acked_bytes - before), fz.owed_head,
                           fz.owed[fz.owed_head]);
                fz.owed_head++;
        }
}

/* Returns what recv() returned: >0 bytes, 0 at the server's end, -1 when nothing is there. */
static ssize_t client_read(struct client *cl, size_t max)
{
        static char buf[64 * 1024];
        ssize_t n;

        if (cl->fd < 0)
                return -1;
        n = recv(cl->fd, buf, max < sizeof buf ? max : sizeof buf, MSG_DONTWAIT);
        if (n > 0)
                client_take(cl, buf, (size_t)n);
        return n;
}

static void client_send(struct client *cl, size_t len)
{
        static const char bytes[64 * 1024];     /* NULs: the server must count, not read, them */
        ssize_t n;

        if (cl->fd < 0 || cl->write_shut || cl->sent_bytes + len > CLIENT_MAX_BYTES)
                return;
        n = send(cl->fd, bytes, len < sizeof bytes ? len : sizeof bytes, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
                cl->sent_bytes += (uint64_t)n;
}

static void faults_set(struct fuzz_input *in)
{
        static const size_t limits[] = { 0, 1, 2, 7, 60, 100, 1000, CHUNK_BYTES - 1 };
        uint8_t flags = fuzz_u8(in), on_recv = fuzz_u8(in), on_send = fuzz_u8(in);

        /* A failure needs three bits set, so that most inputs keep their connection. */
        fz.faults = (struct faults){
                .recv_max = limits[flags & 7],
                .send_max = limits[(flags >> 3) & 7],
                .recv_not_ready = (flags >> 6) & 1,
                .send_not_ready = (flags >> 7) & 1,
                .recv_interrupts = on_recv & 3,
                .send_interrupts = on_send & 3,
                .recv_fails = (on_recv >> 2 & 7) == 7,
                .send_fails = (on_send >> 2 & 7) == 7,
        };
}

static void client_step(struct client *cl, struct fuzz_input *in)
{
        switch ((enum step)(fuzz_u8(in) % STEP_COUNT)) {
        case STEP_SEND:
                client_send(cl, fuzz_u16(in));
                break;
        case STEP_READ:
                client_read(cl, (size_t)fuzz_u16(in) + 1);
                break;
        case STEP_SERVE:
                server_round(cl);
                break;
        case STEP_FAULTS:
                faults_set(in);
                break;
        case STEP_SHUT_WR:
                if (cl->fd >= 0 && !cl->write_shut)
                        shutdown(cl->fd, SHUT_WR);
                cl->write_shut = true;
                break;
        case STEP_VANISH:
                if (cl->fd >= 0)
                        close(cl->fd);
                cl->fd = -1;
                break;
        case STEP_COUNT:
                break;
        }
}

/* The client finishes (or has vanished), the network heals: the server must finish too. */
static void finish(struct client *cl)
{
        int rounds = 0;

        fz.faults = (struct faults){ 0 };
        if (cl->fd >= 0 && !cl->write_shut)
                shutdown(cl->fd, SHUT_WR);
        cl->write_shut = true;
        for (; the_conn() && rounds < DRAIN_ROUNDS; rounds++) {
                server_round(cl);
                while (client_read(cl, SIZE_MAX) > 0)
                        ;
        }
        FUZZ_CHECK(!the_conn(), "the connection still open after %d rounds; its client has finished%s",
                   rounds, cl->fd < 0 ? " (vanished)" : "");
        FUZZ_CHECK(fcntl(fz.server_fd, F_GETFD) < 0 && errno == EBADF,
                   "the server's descriptor %d is still open after its connection closed", fz.server_fd);
        FUZZ_CHECK(atomic_load(&fz.w->srv->live) == 0, "%u connections live after the only one closed",
                   atomic_load(&fz.w->srv->live));
        if (cl->fd < 0 || fz.failed)
                return;         /* acks in flight were lost with the connection */
        while (client_read(cl, SIZE_MAX) > 0)
                ;
        FUZZ_CHECK(fz.chunk_bytes == cl->sent_bytes, "the client sent %llu bytes, the server received %llu",
                   (unsigned long long)cl->sent_bytes, (unsigned long long)fz.chunk_bytes);
        FUZZ_CHECK(fz.owed_head == fz.owed_tail, "%zu of %zu chunks never acked",
                   fz.owed_tail - fz.owed_head, fz.owed_tail);
        FUZZ_CHECK(cl->parser.len == 0, "%zu bytes of an unfinished ack at the end", cl->parser.len);
        FUZZ_CHECK(cl->acked_bytes == cl->sent_bytes, "the client sent %llu bytes, %llu were acked",
                   (unsigned long long)cl->sent_bytes, (unsigned long long)cl->acked_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct server srv;       /* as in serve_main; quiet: opt.verbose is false */
        struct fuzz_input in = { data, size };
        struct client cl = { .fd = -1 };
        int sv[2], sndbuf = SERVER_SNDBUF_BYTES;

        memset(&fz, 0, sizeof fz);
        fz.w = calloc(1, sizeof *fz.w);
        FUZZ_CHECK(fz.w != NULL, "out of memory");
        fz.w->srv = &srv;
        fz.w->epfd = epoll_create1(EPOLL_CLOEXEC);
        FUZZ_CHECK(fz.w->epfd >= 0, "epoll_create1: %s", strerror(errno));
        FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0,
                   "socketpair: %s", strerror(errno));
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        fz.server_fd = sv[0];
        cl.fd = sv[1];
        atomic_store(&srv.live, 1);     /* worker_accept counts a connection before conn_open */
        conn_open(fz.w, sv[0], "the fuzzer");
        FUZZ_CHECK(the_conn() != NULL, "conn_open failed");

        for (int steps = 0; in.left > 0 && steps < MAX_STEPS; steps++)
                client_step(&cl, &in);
        finish(&cl);

        if (cl.fd >= 0)
                close(cl.fd);
        close(fz.w->epfd);
        free(fz.w);
        free(fz.owed);
        return 0;
}
