/* Shared memory: ipc.shm.<notify>. Each direction is a single-producer single-consumer ring
 * in one shared mapping: shm_open (a new name, O_EXCL, 0600) + ftruncate + mmap(MAP_SHARED),
 * the name removed at once, so nothing is left in /dev/shm however the run ends; a process
 * peer, forked after setup, inherits the mapping.
 *
 * Message passing, comparable with a pipe: the sender copies the message into a slot of the
 * ring (one copy in), the receiver copies it out into its own buffer (one copy out); nobody
 * works on a message in place. Slots are size_bytes rounded up to 64 B, 2 to 256 of them (a
 * power of two), about 4 MiB a ring at most. The producer's index (head) and the consumer's
 * (tail) are C11 acquire/release atomics on cache lines of their own; each side keeps its
 * last look at the other's index in its own memory and reads the shared one again only when
 * the ring looks empty (the consumer) or full (the producer).
 *
 * The variants differ only in how a side waits for data (the consumer) or room (the
 * producer) and how the other side wakes it; the ring code is one:
 *  - spin: look again, with the CPU's pause hint: no system call, no wake-up (two CPUs only);
 *  - hybrid: spin about 5 µs (calibrated at setup), then sleep on a futex;
 *  - futex: sleep on a futex at once;
 *  - sem: process-shared POSIX semaphores in the mapping, one counting the messages in the
 *    ring, one the free slots: sem_wait before every take, sem_post after every publish;
 *  - eventfd: block reading the side's eventfd (not EFD_SEMAPHORE: one read takes every
 *    wake-up pending, and a stale one costs at most one spurious look);
 *  - pipe: block reading the side's pipe, woken by a byte (the classic way).
 * An eventfd or pipe belongs to the side that sleeps on it, not to a ring: a ring's consumer
 * (waiting for data) and producer (waiting for room) are two sides, and a wake-up meant for
 * one must not be read by the other.
 * hybrid, futex, eventfd and pipe wake a side only if it said it sleeps: the waiter sets a
 * word (beside the other side's index; the futex word itself), a full fence, looks at the
 * index again, then sleeps; the waker publishes its index, a full fence, and makes the wake-up
 * system call only if the word is set (taking it back to 0). Of two stores each followed by a
 * fence and a load, one load sees the other's store: no wake-up is lost, and the system call
 * is made only for a side that said it sleeps (one that looked again and found its message
 * may then wake once for nothing, and look again). Main stops a round-trip peer with a flag
 * in the mapping, then the same wake-up. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "futex.h"
#include "msg.h"
#include "names.h"
#include "spin.h"

enum { LINE = 64, PAGE = 4096, MIN_SLOTS = 2, MAX_SLOTS = 256 };
static const size_t RING_BYTES = 4u << 20;      /* a ring's slots, unless 2 slots are more */
static const uint64_t HYBRID_SPIN_NS = 5000;

/* What a side may sleep on: data in a ring (its consumer) or room in it (its producer). */
struct cond {
        _Atomic uint32_t waiting;       /* the waiter sleeps or is about to; the futex word */
        int wake_fd;                    /* eventfd, pipe: the waiter's, to write to */
        sem_t *sem;                     /* sem: the count to take and give */
};

struct ring {
        /* The producer's line: its index, and the consumer's word to be woken for data. */
        _Alignas(LINE) _Atomic uint32_t head;
        struct cond data;
        /* The consumer's line: its index, and the producer's word to be woken for room. */
        _Alignas(LINE) _Atomic uint32_t tail;
        struct cond room;
        _Alignas(LINE) sem_t data_sem;          /* sem: messages in the ring */
        _Alignas(LINE) sem_t room_sem;          /* sem: free slots */
};

/* The start of the mapping; each ring's slots follow, page-aligned. */
struct shm_map {
        _Alignas(LINE) _Atomic uint32_t stopped;        /* main ended the conversation */
        struct ring to_peer, to_main;
};

struct end;

/* How one variant waits and wakes. */
struct notify {
        const char *variant;
        uint64_t spin_ns;       /* look this long before sleeping */
        int counting;           /* sleep on every message and wake on every message (sem) */
        /* Block until woken (a spurious return is allowed); NULL: spin, never sleep. */
        int (*sleep)(struct bench_ctx *ctx, const struct end *e, struct cond *c);
        int (*wake)(struct bench_ctx *ctx, struct cond *c);
};

/* One side's view, in its own cache lines: only that side reads or writes it. */
struct end {
        _Alignas(LINE) const struct notify *notify;
        struct ring *tx, *rx;
        char *tx_slots, *rx_slots;
        _Atomic uint32_t *stopped;
        size_t size, slot_bytes;
        uint32_t mask;                  /* slots - 1 */
        uint32_t spin;                  /* looks before sleeping */
        uint32_t tx_head, tx_tail_seen; /* mine; the consumer's, as last read */
        uint32_t rx_tail, rx_head_seen; /* mine; the producer's, as last read */
        int wake_fd;                    /* eventfd, pipe: what this side reads to sleep */
};

struct shm_state {
        struct msg_link link;           /* first: the message layer's */
        struct shm_map *map;
        size_t map_bytes;
        int sems;                       /* the four semaphores were initialised */
        int fds[4], n_fds;
        struct end main_end, peer_end;
};

static const char *const shm_bounds[] = { "limit.cacheline", "limit.memcpy", NULL };

static struct end *my_end(struct bench_ctx *ctx)
{
        struct shm_state *s = ctx->state;

        return ctx->side[0] == 'm' ? &s->main_end : &s->peer_end;
}

/* ---- waiting and waking, by variant ---- */

static int futex_sleep(struct bench_ctx *ctx, const struct end *e, struct cond *c)
{
        (void)e;
        if (futex_call(&c->waiting, FUTEX_WAIT, 1) != 0 && errno != EAGAIN && errno != EINTR)
                return bench_fail(ctx, "futex(FUTEX_WAIT)", errno);
        return BENCH_OK;
}

static int futex_wake(struct bench_ctx *ctx, struct cond *c)
{
        if (futex_call(&c->waiting, FUTEX_WAKE, 1) < 0)
                return bench_fail(ctx, "futex(FUTEX_WAKE)", errno);
        return BENCH_OK;
}

/* eventfd and pipe: one read takes every wake-up pending (an eventfd's whole count, up to 64
 * bytes of a pipe). */
static int fd_sleep(struct bench_ctx *ctx, const struct end *e, struct cond *c)
{
        uint64_t drain[8];
        ssize_t n = read(e->wake_fd, drain, sizeof drain);

        (void)c;
        if (n < 0 && errno != EINTR)
                return bench_fail(ctx, "read(wake-up)", errno);
        if (n == 0)
                return bench_failf(ctx, "the wake-up pipe was closed");
        return BENCH_OK;
}

static int eventfd_wake(struct bench_ctx *ctx, struct cond *c)
{
        uint64_t one = 1;

        if (write(c->wake_fd, &one, sizeof one) != sizeof one)
                return bench_fail(ctx, "write(eventfd)", errno);
        return BENCH_OK;
}

/* The write end does not block: a full pipe already holds a wake-up. */
static int pipe_wake(struct bench_ctx *ctx, struct cond *c)
{
        if (write(c->wake_fd, "", 1) != 1 && errno != EAGAIN)
                return bench_fail(ctx, "write(pipe)", errno);
        return BENCH_OK;
}

static int sem_sleep(struct bench_ctx *ctx, const struct end *e, struct cond *c)
{
        (void)e;
        while (sem_wait(c->sem) != 0)
                if (errno != EINTR)
                        return bench_fail(ctx, "sem_wait", errno);
        return BENCH_OK;
}

static int sem_wake(struct bench_ctx *ctx, struct cond *c)
{
        if (sem_post(c->sem) != 0)
                return bench_fail(ctx, "sem_post", errno);
        return BENCH_OK;
}

static const struct notify notifies[] = {
        { .variant = "spin" },
        { .variant = "hybrid", .spin_ns = HYBRID_SPIN_NS, .sleep = futex_sleep, .wake = futex_wake },
        { .variant = "futex", .sleep = futex_sleep, .wake = futex_wake },
        { .variant = "sem", .counting = 1, .sleep = sem_sleep, .wake = sem_wake },
        { .variant = "eventfd", .sleep = fd_sleep, .wake = eventfd_wake },
        { .variant = "pipe", .sleep = fd_sleep, .wake = pipe_wake },
};

/* Wait until the other side's index *word is no longer `blocked` (the ring empty, or full);
 * *seen gets its value. BENCH_SKIPPED: main stopped the conversation. */
static int await(struct bench_ctx *ctx, const struct end *e, struct cond *c, _Atomic uint32_t *word,
                 uint32_t *seen, uint32_t blocked)
{
        const struct notify *n = e->notify;
        int rc;

        if (n->counting) {
                if ((rc = n->sleep(ctx, e, c)) != BENCH_OK)
                        return rc;
                if (*seen != blocked || (*seen = atomic_load_explicit(word, memory_order_acquire)) != blocked)
                        return BENCH_OK;
                if (atomic_load_explicit(e->stopped, memory_order_relaxed))
                        return BENCH_SKIPPED;
                return bench_failf(ctx, "the semaphore let %s through, but the ring's index says %s",
                                   c == &e->rx->data ? "a receive" : "a send",
                                   c == &e->rx->data ? "it is empty" : "it is full");
        }
        for (uint32_t looks = 0;; looks++) {
                if ((*seen = atomic_load_explicit(word, memory_order_acquire)) != blocked)
                        return BENCH_OK;
                if (atomic_load_explicit(e->stopped, memory_order_relaxed))
                        return BENCH_SKIPPED;
                if (!n->sleep || looks < e->spin) {
                        spin_pause();
                        continue;
                }
                /* Say it, then look again: a producer that published before seeing the word
                 * is seen now; one that publishes after will see the word. */
                atomic_store_explicit(&c->waiting, 1, memory_order_relaxed);
                atomic_thread_fence(memory_order_seq_cst);
                if (atomic_load_explicit(word, memory_order_relaxed) != blocked ||
                    atomic_load_explicit(e->stopped, memory_order_relaxed)) {
                        atomic_store_explicit(&c->waiting, 0, memory_order_relaxed);
                        continue;
                }
                if ((rc = n->sleep(ctx, e, c)) != BENCH_OK)
                        return rc;
        }
}

/* After publishing an index: wake the other side if it sleeps on `c`. */
static int notify_other(struct bench_ctx *ctx, const struct end *e, struct cond *c)
{
        const struct notify *n = e->notify;

        if (!n->wake)
                return BENCH_OK;
        if (!n->counting) {
                atomic_thread_fence(memory_order_seq_cst);
                if (!atomic_load_explicit(&c->waiting, memory_order_relaxed) ||
                    !atomic_exchange_explicit(&c->waiting, 0, memory_order_relaxed))
                        return BENCH_OK;
        }
        return n->wake(ctx, c);
}

/* ---- one message ---- */

static int shm_send(struct bench_ctx *ctx, const void *buf)
{
        struct end *e = my_end(ctx);
        int rc;

        if (e->tx_head - e->tx_tail_seen > e->mask || e->notify->counting) {
                rc = await(ctx, e, &e->tx->room, &e->tx->tail, &e->tx_tail_seen, e->tx_head - e->mask - 1);
                if (rc == BENCH_SKIPPED)
                        return bench_failf(ctx, "stopped while waiting for room in the ring");
                if (rc != BENCH_OK)
                        return rc;
        }
        memcpy(e->tx_slots + (size_t)(e->tx_head & e->mask) * e->slot_bytes, buf, e->size);
        atomic_store_explicit(&e->tx->head, ++e->tx_head, memory_order_release);
        return notify_other(ctx, e, &e->tx->data);
}

static int shm_recv(struct bench_ctx *ctx, void *buf, uint64_t seq)
{
        struct end *e = my_end(ctx);
        int rc;

        (void)seq;
        if (e->rx_head_seen == e->rx_tail || e->notify->counting) {
                rc = await(ctx, e, &e->rx->data, &e->rx->head, &e->rx_head_seen, e->rx_tail);
                if (rc != BENCH_OK)
                        return rc;
        }
        memcpy(buf, e->rx_slots + (size_t)(e->rx_tail & e->mask) * e->slot_bytes, e->size);
        atomic_store_explicit(&e->rx->tail, ++e->rx_tail, memory_order_release);
        return notify_other(ctx, e, &e->rx->room);
}

/* A process peer maps every page of the mapping before its first message (it inherited the
 * mapping, not its page tables), so no first-touch fault lands in a message. (A thread peer,
 * sharing main's page tables, does not get here: msg.c.) */
static void peer_begin(struct bench_ctx *ctx)
{
        struct shm_state *s = ctx->state;
        volatile const char *p = (const char *)s->map;

        for (size_t at = 0; at < s->map_bytes; at += PAGE)
                (void)p[at];
}

static const struct msg_ops shm_ops = { .send = shm_send, .recv = shm_recv, .peer_begin = peer_begin };

static int round_trip(struct bench_ctx *ctx, uint64_t iters)
{
        return msg_round_trip(ctx, &shm_ops, iters);
}

static int echo_peer(struct bench_ctx *ctx)
{
        return msg_echo_peer(ctx, &shm_ops);
}

static int stream(struct bench_ctx *ctx, uint64_t iters)
{
        return msg_stream(ctx, &shm_ops, iters);
}

static int sink_peer(struct bench_ctx *ctx)
{
        return msg_sink_peer(ctx, &shm_ops);
}

/* A stream's peer waits on the control pipe, which ends; a round-trip peer waits on the
 * ring: the stop flag, then the variant's wake-up for whatever it may wait on. */
static void shm_stop(struct bench_ctx *ctx)
{
        struct shm_state *s = ctx->state;

        if (msg_stop_stream(ctx))
                return;
        atomic_store_explicit(&s->map->stopped, 1, memory_order_release);
        notify_other(ctx, &s->main_end, &s->map->to_peer.data);
        notify_other(ctx, &s->main_end, &s->map->to_main.room);
}

static void shm_teardown(struct bench_ctx *ctx)
{
        struct shm_state *s = ctx->state;

        if (s->sems) {
                sem_destroy(&s->map->to_peer.data_sem);
                sem_destroy(&s->map->to_peer.room_sem);
                sem_destroy(&s->map->to_main.data_sem);
                sem_destroy(&s->map->to_main.room_sem);
                s->sems = 0;
        }
        if (s->map) {
                munmap(s->map, s->map_bytes);
                s->map = NULL;
        }
        while (s->n_fds > 0)
                close(s->fds[--s->n_fds]);
        msg_teardown(ctx);
}

/* ---- setup ---- */

static size_t round_up(size_t n, size_t to)
{
        return (n + to - 1) / to * to;
}

/* How many looks of a spinning side take `ns`: the fastest of a few timed runs of the loop. */
static uint32_t looks_in(uint64_t ns)
{
        _Atomic uint32_t word = 0;
        enum { LOOKS = 2000, TRIALS = 5 };
        double best = 0;

        for (int trial = 0; trial < TRIALS; trial++) {
                uint64_t t0 = now_ns();
                for (int i = 0; i < LOOKS; i++) {
                        if (atomic_load_explicit(&word, memory_order_acquire) == 1)
                                break;
                        spin_pause();
                }
                double each = (double)(now_ns() - t0) / LOOKS;
                if (trial == 0 || each < best)
                        best = each;
        }
        if (best < 0.1)
                best = 0.1;
        double looks = (double)ns / best;
        return looks < 1 ? 1 : looks > (1u << 24) ? 1u << 24 : (uint32_t)looks;
}

static int keep_fd(struct shm_state *s, int fd)
{
        if (fd >= 0)
                s->fds[s->n_fds++] = fd;
        return fd;
}

/* Each side's wake-up descriptor: what it reads (rd) and what the other writes (wr). */
static int wake_fds(struct bench_ctx *ctx, const struct notify *n, int rd[2], int wr[2])
{
        struct shm_state *s = ctx->state;

        for (int i = 0; i < 2; i++) {
                rd[i] = wr[i] = -1;
                if (n->wake == eventfd_wake) {
                        if ((rd[i] = wr[i] = keep_fd(s, eventfd(0, EFD_CLOEXEC))) < 0)
                                return bench_fail(ctx, "eventfd", errno);
                } else if (n->wake == pipe_wake) {
                        int p[2];
                        if (pipe2(p, O_CLOEXEC) != 0)
                                return bench_fail(ctx, "pipe(wake-up)", errno);
                        rd[i] = keep_fd(s, p[0]);
                        wr[i] = keep_fd(s, p[1]);
                        if (fcntl(wr[i], F_SETFL, O_NONBLOCK) != 0)
                                return bench_fail(ctx, "fcntl(O_NONBLOCK)", errno);
                }
        }
        return BENCH_OK;
}

static void init_end(struct end *e, const struct notify *n, struct shm_map *map, struct ring *tx,
                     struct ring *rx, char *tx_slots, char *rx_slots, size_t size, size_t slot_bytes,
                     uint32_t slots, uint32_t spin, int wake_fd)
{
        *e = (struct end){
                .notify = n, .tx = tx, .rx = rx, .tx_slots = tx_slots, .rx_slots = rx_slots,
                .stopped = &map->stopped, .size = size, .slot_bytes = slot_bytes,
                .mask = slots - 1, .spin = spin, .wake_fd = wake_fd,
        };
}

static int shm_setup(struct bench_ctx *ctx)
{
        struct shm_state *s = ctx->state;
        const struct notify *n = NULL;
        size_t slot_bytes, ring_bytes, header;
        uint32_t slots;
        char name[64];
        int fd, rc = msg_setup(ctx), rd[2], wr[2];

        if (rc != BENCH_OK)
                return rc;
        for (size_t i = 0; i < sizeof notifies / sizeof *notifies; i++)
                if (strcmp(notifies[i].variant, ctx->bench->variant) == 0)
                        n = &notifies[i];
        if (!n)
                return bench_failf(ctx, "no notification called '%s'", ctx->bench->variant);

        /* Slots of whole cache lines; a power of two of them, 2..256, ~4 MiB a ring at most. */
        slot_bytes = round_up(ctx->size_bytes, LINE);
        size_t want = RING_BYTES / slot_bytes;
        want = want < MIN_SLOTS ? MIN_SLOTS : want > MAX_SLOTS ? MAX_SLOTS : want;
        for (slots = MIN_SLOTS; (size_t)slots * 2 <= want; slots *= 2)
                ;
        ring_bytes = round_up((size_t)slots * slot_bytes, PAGE);
        header = round_up(sizeof(struct shm_map), PAGE);
        s->map_bytes = header + 2 * ring_bytes;

        if (msg_object_name(name, sizeof name, NAME_SHM_PREFIX, "") != 0)
                return bench_fail(ctx, "getrandom(shm name)", errno);
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0 && (errno == ENOENT || errno == ENOSYS || errno == EACCES))
                return bench_skip(ctx, "shm_open: %s (is a tmpfs mounted on /dev/shm?)", strerror(errno));
        if (fd < 0)
                return bench_fail(ctx, "shm_open", errno);
        shm_unlink(name);       /* the descriptor and then the mapping are all either side needs */
        if (ftruncate(fd, (off_t)s->map_bytes) != 0) {
                rc = bench_fail(ctx, "ftruncate(shm)", errno);
                close(fd);
                return rc;
        }
        /* Its pages now, so that a full /dev/shm is a reason, not a SIGBUS mid-run. */
        if ((rc = posix_fallocate(fd, 0, (off_t)s->map_bytes)) != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
                close(fd);
                if (rc == ENOSPC)
                        return bench_skip(ctx, "/dev/shm has no room for %zu KiB of rings", s->map_bytes >> 10);
                return bench_fail(ctx, "posix_fallocate(shm)", rc);
        }
        void *p = mmap(NULL, s->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
        rc = errno;
        close(fd);
        if (p == MAP_FAILED)
                return bench_fail(ctx, "mmap(shm)", rc);
        s->map = p;
        memset(p, 0, s->map_bytes);     /* every page mapped and written before timing */

        if ((rc = wake_fds(ctx, n, rd, wr)) != BENCH_OK)
                return rc;
        struct shm_map *m = s->map;
        char *to_peer_slots = (char *)m + header, *to_main_slots = to_peer_slots + ring_bytes;
        /* [0]: main's descriptor, [1]: the peer's. The waiter for data is the consumer, the
         * waiter for room the producer. */
        m->to_peer.data = (struct cond){ .wake_fd = wr[1], .sem = &m->to_peer.data_sem };
        m->to_peer.room = (struct cond){ .wake_fd = wr[0], .sem = &m->to_peer.room_sem };
        m->to_main.data = (struct cond){ .wake_fd = wr[0], .sem = &m->to_main.data_sem };
        m->to_main.room = (struct cond){ .wake_fd = wr[1], .sem = &m->to_main.room_sem };
        if (n->counting) {
                if (sem_init(&m->to_peer.data_sem, 1, 0) != 0 || sem_init(&m->to_peer.room_sem, 1, slots) != 0 ||
                    sem_init(&m->to_main.data_sem, 1, 0) != 0 || sem_init(&m->to_main.room_sem, 1, slots) != 0)
                        return bench_fail(ctx, "sem_init(pshared)", errno);
                s->sems = 1;
        }
        uint32_t spin = n->spin_ns ? looks_in(n->spin_ns) : 0;
        init_end(&s->main_end, n, m, &m->to_peer, &m->to_main, to_peer_slots, to_main_slots,
                 ctx->size_bytes, slot_bytes, slots, spin, rd[0]);
        init_end(&s->peer_end, n, m, &m->to_main, &m->to_peer, to_main_slots, to_peer_slots,
                 ctx->size_bytes, slot_bytes, slots, spin, rd[1]);
        s->link.window = 0;     /* a full ring makes the sender wait: no batch limit needed */
        return BENCH_OK;
}

/* spins: the waiting side never sleeps, so the benchmark runs across two CPUs only. */
#define SHM_BENCH(id, spins, text)                                                              \
        static const struct bench shm_##id = {                                                  \
                .name = "ipc.shm." #id, .group = "ipc", .mechanism = "shm", .variant = #id,     \
                .summary = text, .metric = "rtt", .state_bytes = sizeof(struct shm_state),      \
                .cross_cpu_only = spins,                                                        \
                .sizes = msg_rtt_sizes, .quick_sizes = msg_quick_rtt_sizes,                     \
                .full_sizes = msg_full_rtt_sizes,                                               \
                .stream_sizes = msg_stream_sizes, .quick_stream_sizes = msg_quick_stream_sizes, \
                .full_stream_sizes = msg_full_stream_sizes,                                     \
                .setup = shm_setup, .peer = echo_peer, .run = round_trip,                       \
                .stream = stream, .stream_peer = sink_peer,                                     \
                .stop = shm_stop, .teardown = shm_teardown, .bounds = shm_bounds,               \
        }

SHM_BENCH(spin, 1, "a message there and back through two shared-memory rings (copied in and out), "
          "the waiting side spinning; a one-way stream");
SHM_BENCH(hybrid, 0, "the same, the waiting side spinning about 5 us, then sleeping on a futex "
          "(woken only if it sleeps)");
SHM_BENCH(futex, 0, "the same, the waiting side sleeping on a futex at once (woken only if it sleeps)");
SHM_BENCH(sem, 0, "the same, process-shared POSIX semaphores counting messages and free slots "
          "(sem_wait / sem_post every message)");
SHM_BENCH(eventfd, 0, "the same, the waiting side blocking on an eventfd (written only if it sleeps)");
SHM_BENCH(pipe, 0, "the same, the waiting side blocking on a pipe, woken by a byte (written only if "
          "it sleeps)");

const struct bench *const shm_benches[] = {
        &shm_spin, &shm_hybrid, &shm_futex, &shm_sem, &shm_eventfd, &shm_pipe, NULL,
};
