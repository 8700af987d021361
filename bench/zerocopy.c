/* Zero-copy and kernel-assisted transfer: three ways to pass a message that avoid some of the
 * copies a pipe makes (a pipe copies twice: the sender's bytes into the kernel's pipe buffer,
 * then out into the receiver's). Each has a round trip (metric rtt) and a one-way stream
 * (throughput, rate) through the message layer (msg.h): every message's sequence number is
 * checked at both of its ends, and the stream's receipt is compared with what was sent.
 *
 * ipc.vmsplice  The sender hands its pages to a pipe with vmsplice(2): the pipe refers to the
 *   sender's own pages, nothing is copied into it (zero copy on the sending side). The receiver
 *   takes the bytes out with read(2): one copy, the only one. Because the pipe refers to the
 *   pages (no SPLICE_F_GIFT), the sender must not write them again until the receiver has read
 *   them, or the receiver would read the new bytes. The design makes that impossible rather than
 *   unlikely:
 *    - round trip: each side writes its buffer only after the other side has answered, which it
 *      does only after it has read the whole message;
 *    - stream: main builds message n in slot n mod R of a ring of R slots (never in a buffer the
 *      pipe may still hold), and the stream's window is R: after at most R messages main waits
 *      for the receiver's receipt, so a slot is written again only after every message in it was
 *      read. Were a slot rewritten early, the receiver would find a later sequence number at
 *      the head or tail of the message and the check would fail.
 *   The ring (RING_TARGET_BYTES, at least RING_MIN_SLOTS messages) is main's private memory,
 *   page-aligned from one page up, not inherited by a process peer (MADV_DONTFORK), so no
 *   copy-on-write fault ever swaps a page under the pipe. The pipes keep their default size, as
 *   ipc.pipe's, so the two differ only in the copy: note that a vmspliced piece of a page takes
 *   one of the pipe's 16 slots, so the pipe holds 16 small messages (1024 of 64 bytes with
 *   write), and a message larger than 64 KiB goes in several calls.
 *
 * ipc.cma  Cross Memory Attach: the receiver copies the message straight out of the sender's
 *   address space with process_vm_readv(2), one copy in all, after an 8-byte "ready" word on a
 *   pipe that carries nothing else. Each side publishes its pid and its buffer's address in the
 *   shared state; the stream reads from main's ring (as above: a slot is rewritten only after a
 *   receipt). Process mode is the point; thread mode runs too (both sides are one process, which
 *   may always read itself): the same single copy, without the ptrace check. Reading another
 *   process needs ptrace access: the same user and, with Yama, kernel.yama.ptrace_scope 0 or 1.
 *   Scope 1 lets a process read only its descendants, and the peer reads main, its parent: main
 *   names itself (and so its descendants) with PR_SET_PTRACER, the exception scope 1 allows. A
 *   child made in setup tries the peer's read first, so a refusal is a skip, with the setting
 *   named, before anything is timed.
 *
 * ipc.memfd  A memfd (memfd_create) is passed once, in setup, over a Unix socket with
 *   SCM_RIGHTS; the peer maps what it received (in both modes: a thread maps a second view of
 *   the same pages). Per message it is then a shared-memory handoff: the sender copies the
 *   message into the mapping and sends an 8-byte notification, the message's sequence number,
 *   over the socket; the receiver checks it and copies the message out. Two copies, like a pipe,
 *   but no kernel buffer: the point is the split between setup and per-message cost. Round trip:
 *   one region each way; stream: a ring in the memfd, reused as above.
 *
 * ipc.memfd.setup  That setup, as its own benchmark (metric "setup"): one iteration is main's
 *   memfd_create + ftruncate + mmap + a write to every page (the message, its sequence number
 *   at both ends) + munmap + sendmsg with SCM_RIGHTS + close, then the peer's recvmsg + mmap +
 *   a read of every page (the first touch of its view) + check + munmap + close, and its
 *   acknowledgement back. Creation is what is measured, so it happens inside the timed loop;
 *   the descriptor goes over the socket in thread mode too (the same kernel work).
 *
 * Nothing here has a name in a file system: a killed point leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "msg.h"

enum {
        CACHE_LINE_BYTES = 64,
        RING_TARGET_BYTES = 1 << 20,    /* a stream's ring: about this much ... */
        RING_MIN_SLOTS = 4,             /* ... and at least this many messages between receipts */
        RT_TOWARDS_PEER = 0, RT_TOWARDS_MAIN = 1,   /* memfd round trip: the region each way */
};

struct zc_state {
        struct msg_link link;           /* first: the message layer's */
        const struct mechanism *mech;
        int to_peer[2], to_main[2];     /* vmsplice: the data pipes; cma: the "ready" pipes */
        int sock[2];                    /* memfd: main's end, the peer's end */
        /* Where main builds its messages: `slots` slots of `slot_bytes` (vmsplice, cma: main's
         * private memory; memfd: main's view of the memfd). */
        char *ring;
        size_t ring_bytes, slot_bytes;
        uint64_t slots;
        char *peer_view;                /* memfd: the peer's view (an address in the peer) */
        char *peer_msg;                 /* vmsplice: the peer's page-aligned message buffer */
        size_t peer_msg_bytes;
        pid_t main_pid, peer_pid;       /* cma: whose memory to read */
        char *main_buf, *peer_buf;      /* cma: each side's message, in its own address space */
        int setup_fd;                   /* memfd.setup: main's memfd of the iteration under way */
        char *setup_map;                /* memfd.setup: and its mapping, for teardown after a failure */
};

/* A mechanism: how one side moves one message, and what the peer does before its first
 * message and after its last (its own mapping or buffer, main's descriptors closed). */
struct mechanism {
        struct msg_ops ops;
        int (*peer_prepare)(struct bench_ctx *ctx);
        void (*peer_finish)(struct bench_ctx *ctx);
};

static const size_t setup_sizes[] = { 4096, 1048576, 0 };
static const char *const copy_bounds[] = { "limit.memcpy", "limit.cacheline", NULL };

/* ---- shared by the mechanisms ---- */

static int is_main(const struct bench_ctx *ctx)
{
        return ctx->side[0] == 'm';
}

static size_t page_bytes(void)
{
        return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t round_up(size_t n, size_t to)
{
        return (n + to - 1) / to * to;
}

/* The sequence number msg_stamp put at the head of a message. */
static uint64_t stamped_seq(const void *buf)
{
        uint64_t seq;

        memcpy(&seq, buf, sizeof seq);
        return seq;
}

/* Small messages share pages, a cache line apart; from a page up each slot starts a page, so a
 * vmspliced message takes no more pipe slots than it must. */
static size_t slot_stride(size_t size_bytes)
{
        size_t page = page_bytes();

        return round_up(size_bytes, size_bytes < page ? CACHE_LINE_BYTES : page);
}

/* A stream's ring: large enough that main stops for a receipt only every RING_TARGET_BYTES
 * (or RING_MIN_SLOTS messages), small enough to stay out of the way. */
static uint64_t stream_slots(size_t size_bytes)
{
        uint64_t n = RING_TARGET_BYTES / slot_stride(size_bytes);

        return n < RING_MIN_SLOTS ? RING_MIN_SLOTS : n;
}

static void ring_layout(struct bench_ctx *ctx, uint64_t slots)
{
        struct zc_state *s = ctx->state;

        s->slots = slots;
        s->slot_bytes = slot_stride(ctx->size_bytes);
        s->ring_bytes = round_up(slots * s->slot_bytes, page_bytes());
}

/* Message `seq`'s slot in a view of the ring. */
static char *ring_slot(const struct zc_state *s, char *view, uint64_t seq)
{
        return view + (seq % s->slots) * s->slot_bytes;
}

/* Map the ring laid out by ring_layout (anonymous, or the memfd `fd`), every page touched so no
 * first-touch fault lands in a sample. MADV_DONTFORK: a process peer does not inherit it, so it
 * reaches main's messages only through the mechanism, and main's writes never meet a
 * copy-on-write fault (which, under vmsplice, would leave the pipe holding the old page). */
static int map_ring(struct bench_ctx *ctx, int fd)
{
        struct zc_state *s = ctx->state;
        void *p = mmap(NULL, s->ring_bytes, PROT_READ | PROT_WRITE,
                       fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);

        if (p == MAP_FAILED)
                return bench_fail(ctx, "mmap(ring)", errno);
        s->ring = p;
        if (madvise(p, s->ring_bytes, MADV_DONTFORK) != 0)
                return bench_fail(ctx, "madvise(ring, MADV_DONTFORK)", errno);
        memset(p, 0xa5, s->ring_bytes);
        return BENCH_OK;
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void zc_teardown(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;

        for (int i = 0; i < 2; i++) {
                close_fd(&s->to_peer[i]);
                close_fd(&s->to_main[i]);
                close_fd(&s->sock[i]);
        }
        close_fd(&s->setup_fd);
        if (s->setup_map)
                munmap(s->setup_map, ctx->size_bytes);
        if (s->ring)
                munmap(s->ring, s->ring_bytes);
        s->setup_map = s->ring = NULL;
        msg_teardown(ctx);
}

/* Every descriptor closed before msg_setup can skip, so teardown after any failure is safe. */
static int common_setup(struct bench_ctx *ctx, const struct mechanism *mech)
{
        struct zc_state *s = ctx->state;

        s->mech = mech;
        s->to_peer[0] = s->to_peer[1] = s->to_main[0] = s->to_main[1] = -1;
        s->sock[0] = s->sock[1] = s->setup_fd = -1;
        return msg_setup(ctx);
}

/* The harness tears down only after a setup that succeeded: undo a partial one here. */
static int end_setup(struct bench_ctx *ctx, int rc)
{
        if (rc != BENCH_OK)
                zc_teardown(ctx);
        return rc;
}

/* A process peer closes main's ends of the two pipes, so that main closing its end is seen.
 * A thread peer has nothing to close, and must not even read the descriptors: main, done with
 * its messages, may be closing them (and setting them to -1) at that moment. */
static void close_main_pipe_ends(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;

        if (ctx->mode == PEER_THREAD)
                return;
        bench_close_other_side(ctx, s->to_peer[1]);
        bench_close_other_side(ctx, s->to_main[0]);
}

static int read_message(struct bench_ctx *ctx, int fd, void *buf, size_t len, const char *what)
{
        ssize_t n = read_full(fd, buf, len);

        if (n == 0)
                return BENCH_SKIPPED;
        return n < 0 ? bench_fail(ctx, what, errno) : BENCH_OK;
}

/* ---- ipc.vmsplice ---- */

/* Hand `len` bytes at `p` to the pipe. vmsplice takes what the pipe has room for: loop. */
static int vmsplice_full(struct bench_ctx *ctx, int fd, const char *p, size_t len)
{
        while (len) {
                struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
                ssize_t n = vmsplice(fd, &iov, 1, 0);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return bench_fail(ctx, "vmsplice", n < 0 ? errno : EIO);
                p += n;
                len -= (size_t)n;
        }
        return BENCH_OK;
}

static int vmsplice_send(struct bench_ctx *ctx, const void *buf)
{
        struct zc_state *s = ctx->state;
        const char *msg = buf;

        if (ctx->streaming) {
                /* Only main sends on a stream. msg_stream builds every message in one buffer,
                 * changing only its stamps: the message goes out of its own slot. */
                char *slot = ring_slot(s, s->ring, stamped_seq(buf));

                msg_copy_stamps(slot, buf, ctx->size_bytes);
                msg = slot;
        }
        return vmsplice_full(ctx, is_main(ctx) ? s->to_peer[1] : s->to_main[1], msg, ctx->size_bytes);
}

static int vmsplice_recv(struct bench_ctx *ctx, void *buf, uint64_t seq)
{
        const struct zc_state *s = ctx->state;

        (void)seq;
        return read_message(ctx, is_main(ctx) ? s->to_main[0] : s->to_peer[0], buf, ctx->size_bytes,
                            "read(pipe)");
}

/* Page-aligned buffers: main's round trip uses its one-slot ring, the peer its own. */
static char *vmsplice_buffer(struct bench_ctx *ctx)
{
        const struct zc_state *s = ctx->state;

        if (!is_main(ctx))
                return s->peer_msg;
        return ctx->streaming ? ctx->buf : s->ring;
}

static int vmsplice_peer_prepare(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;
        void *p;

        close_main_pipe_ends(ctx);
        s->peer_msg_bytes = round_up(ctx->size_bytes, page_bytes());
        p = mmap(NULL, s->peer_msg_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return bench_fail(ctx, "mmap(peer message)", errno);
        memset(p, 0x5a, s->peer_msg_bytes);
        s->peer_msg = p;
        return BENCH_OK;
}

static void vmsplice_peer_finish(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;

        if (s->peer_msg)
                munmap(s->peer_msg, s->peer_msg_bytes);
        s->peer_msg = NULL;
}

static const struct mechanism vmsplice_mech = {
        .ops = { .send = vmsplice_send, .recv = vmsplice_recv, .buffer = vmsplice_buffer },
        .peer_prepare = vmsplice_peer_prepare, .peer_finish = vmsplice_peer_finish,
};

static int vmsplice_setup(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;
        int rc = common_setup(ctx, &vmsplice_mech);

        if (rc == BENCH_OK && (pipe(s->to_peer) != 0 || pipe(s->to_main) != 0))
                rc = bench_fail(ctx, "pipe", errno);
        if (rc == BENCH_OK) {
                ring_layout(ctx, ctx->streaming ? stream_slots(ctx->size_bytes) : 1);
                s->link.window = ctx->streaming ? s->slots : 0;
                rc = map_ring(ctx, -1);
        }
        return end_setup(ctx, rc);
}

/* ---- ipc.cma ---- */

/* What the child's exit status means when the read is refused. */
static int cma_refused(struct bench_ctx *ctx, int err)
{
        char scope[32] = "not present";
        FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");

        if (f) {
                if (!fgets(scope, sizeof scope, f))
                        snprintf(scope, sizeof scope, "unreadable");
                scope[strcspn(scope, "\n")] = '\0';
                fclose(f);
        }
        if (err == EPERM || err == EACCES)
                return bench_skip(ctx, "process_vm_readv: a process may not read its parent's memory "
                                  "here (%s): it needs ptrace access, the same user and "
                                  "kernel.yama.ptrace_scope 0 or 1 (it is %s); allow it with "
                                  "sysctl -w kernel.yama.ptrace_scope=1, or run with CAP_SYS_PTRACE",
                                  strerror(err), scope);
        if (err == ENOSYS)
                return bench_skip(ctx, "process_vm_readv is not in this kernel "
                                  "(CONFIG_CROSS_MEMORY_ATTACH)");
        return bench_fail(ctx, "process_vm_readv (access check in a child)", err);
}

/* Let main's descendants read it (Yama scope 1; without Yama, EINVAL, and nothing is needed),
 * then try it: a child made now reads one word of main, as the process peer will. */
static int cma_check_access(struct bench_ctx *ctx)
{
        static const uint64_t word = 0x1badc0ffee;
        pid_t parent = getpid(), child;
        int status;

        prctl(PR_SET_PTRACER, (unsigned long)parent, 0, 0, 0);
        child = fork();
        if (child < 0)
                return bench_fail(ctx, "fork(access check)", errno);
        if (child == 0) {
                uint64_t got = 0;
                struct iovec local = { .iov_base = &got, .iov_len = sizeof got };
                struct iovec remote = { .iov_base = (void *)&word, .iov_len = sizeof word };
                ssize_t n = process_vm_readv(parent, &local, 1, &remote, 1, 0);

                /* cppcheck-suppress knownConditionTrueFalse ; process_vm_readv wrote `got` */
                _exit(n < 0 ? errno : n == sizeof got && got == word ? 0 : EIO);
        }
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return bench_fail(ctx, "waitpid(access check)", errno);
        if (!WIFEXITED(status))
                return bench_failf(ctx, "the access check's child was killed by signal %d",
                                   WTERMSIG(status));
        return WEXITSTATUS(status) ? cma_refused(ctx, WEXITSTATUS(status)) : BENCH_OK;
}

static int notify_ready(struct bench_ctx *ctx, int fd)
{
        static const uint64_t ready = 1;

        if (write_full(fd, &ready, sizeof ready) != sizeof ready)
                return bench_fail(ctx, "write(ready)", errno);
        return BENCH_OK;
}

/* The message stays where it was built; the receiver is only told it is there. */
static int cma_send(struct bench_ctx *ctx, const void *buf)
{
        struct zc_state *s = ctx->state;

        if (ctx->streaming)
                msg_copy_stamps(ring_slot(s, s->ring, stamped_seq(buf)), buf, ctx->size_bytes);
        return notify_ready(ctx, is_main(ctx) ? s->to_peer[1] : s->to_main[1]);
}

static int cma_recv(struct bench_ctx *ctx, void *buf, uint64_t seq)
{
        struct zc_state *s = ctx->state;
        uint64_t ready;
        int rc = read_message(ctx, is_main(ctx) ? s->to_main[0] : s->to_peer[0], &ready, sizeof ready,
                              "read(ready)");

        if (rc != BENCH_OK)
                return rc;
        pid_t from = is_main(ctx) ? s->peer_pid : s->main_pid;
        char *at = is_main(ctx) ? s->peer_buf : ctx->streaming ? ring_slot(s, s->ring, seq) : s->main_buf;
        struct iovec local = { .iov_base = buf, .iov_len = ctx->size_bytes };
        struct iovec remote = { .iov_base = at, .iov_len = ctx->size_bytes };
        ssize_t n = process_vm_readv(from, &local, 1, &remote, 1, 0);

        if (n < 0)
                return bench_fail(ctx, "process_vm_readv", errno);
        if ((size_t)n != ctx->size_bytes)
                return bench_failf(ctx, "process_vm_readv copied %zd of %zu bytes", n, ctx->size_bytes);
        return BENCH_OK;
}

/* The published addresses are the buffers used, by construction. */
static char *cma_buffer(struct bench_ctx *ctx)
{
        const struct zc_state *s = ctx->state;

        return is_main(ctx) ? s->main_buf : s->peer_buf;
}

static int cma_peer_prepare(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;

        close_main_pipe_ends(ctx);
        /* Read by main only after the peer's first "ready", which follows this. */
        s->peer_pid = getpid();
        s->peer_buf = ctx->buf;
        return BENCH_OK;
}

static void no_peer_finish(struct bench_ctx *ctx)
{
        (void)ctx;
}

static const struct mechanism cma_mech = {
        .ops = { .send = cma_send, .recv = cma_recv, .buffer = cma_buffer },
        .peer_prepare = cma_peer_prepare, .peer_finish = no_peer_finish,
};

static int cma_setup(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;
        int rc = common_setup(ctx, &cma_mech);

        if (rc == BENCH_OK && ctx->mode == PEER_PROCESS)
                rc = cma_check_access(ctx);
        if (rc == BENCH_OK && (pipe(s->to_peer) != 0 || pipe(s->to_main) != 0))
                rc = bench_fail(ctx, "pipe", errno);
        s->main_pid = getpid();
        s->main_buf = ctx->buf;
        if (rc == BENCH_OK && ctx->streaming) {
                ring_layout(ctx, stream_slots(ctx->size_bytes));
                s->link.window = s->slots;
                rc = map_ring(ctx, -1);
        }
        return end_setup(ctx, rc);
}

/* ---- ipc.memfd ---- */

/* Send descriptor `fd` with one 8-byte word (a message must carry at least one byte). */
static int send_fd(struct bench_ctx *ctx, int sock, int fd, uint64_t word)
{
        union {
                struct cmsghdr align;
                char bytes[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { .iov_base = &word, .iov_len = sizeof word };
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1,
                .msg_control = control.bytes, .msg_controllen = sizeof control.bytes,
        };
        struct cmsghdr *c;
        ssize_t n;

        memset(&control, 0, sizeof control);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
        while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0)
                if (errno != EINTR)
                        return bench_fail(ctx, "sendmsg(SCM_RIGHTS)", errno);
        if ((size_t)n != sizeof word)
                return bench_failf(ctx, "sendmsg(SCM_RIGHTS) sent %zd of %zu bytes", n, sizeof word);
        return BENCH_OK;
}

/* Receive a descriptor and its word into *fd and *word. BENCH_SKIPPED at end of file. */
static int recv_fd(struct bench_ctx *ctx, int sock, int *fd, uint64_t *word)
{
        union {
                struct cmsghdr align;
                char bytes[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { .iov_base = word, .iov_len = sizeof *word };
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1,
                .msg_control = control.bytes, .msg_controllen = sizeof control.bytes,
        };
        struct cmsghdr *c;
        ssize_t n;

        *fd = -1;
        while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
                if (errno != EINTR)
                        return bench_fail(ctx, "recvmsg(SCM_RIGHTS)", errno);
        if (n == 0)
                return BENCH_SKIPPED;
        c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(fd, CMSG_DATA(c), sizeof *fd);
        if (*fd < 0 || (msg.msg_flags & MSG_CTRUNC) || (size_t)n != sizeof *word) {
                close_fd(fd);
                return bench_failf(ctx, "recvmsg: %zd bytes%s, expected 8 bytes and a descriptor", n,
                                   (msg.msg_flags & MSG_CTRUNC) ? " (control data cut short)" : "");
        }
        return BENCH_OK;
}

static int create_memfd(struct bench_ctx *ctx, const char *name, size_t bytes, int *fd)
{
        *fd = memfd_create(name, MFD_CLOEXEC);
        if (*fd < 0)
                return errno == ENOSYS ? bench_skip(ctx, "memfd_create is not in this kernel (3.17+)")
                                       : bench_fail(ctx, "memfd_create", errno);
        if (ftruncate(*fd, (off_t)bytes) != 0)
                return bench_fail(ctx, "ftruncate(memfd)", errno);
        return BENCH_OK;
}

/* The region message `seq` goes through, in one side's view. */
static char *memfd_region(const struct bench_ctx *ctx, char *view, uint64_t seq, int towards)
{
        const struct zc_state *s = ctx->state;

        if (ctx->streaming)
                return ring_slot(s, view, seq);
        return view + (towards == RT_TOWARDS_PEER ? 0 : s->slot_bytes);
}

static int memfd_socket(const struct bench_ctx *ctx)
{
        const struct zc_state *s = ctx->state;

        return is_main(ctx) ? s->sock[0] : s->sock[1];
}

static int memfd_send(struct bench_ctx *ctx, const void *buf)
{
        struct zc_state *s = ctx->state;
        uint64_t seq = stamped_seq(buf);
        char *view = is_main(ctx) ? s->ring : s->peer_view;

        memcpy(memfd_region(ctx, view, seq, is_main(ctx) ? RT_TOWARDS_PEER : RT_TOWARDS_MAIN), buf,
               ctx->size_bytes);
        if (write_full(memfd_socket(ctx), &seq, sizeof seq) != sizeof seq)
                return bench_fail(ctx, "write(notification)", errno);
        return BENCH_OK;
}

static int memfd_recv(struct bench_ctx *ctx, void *buf, uint64_t seq)
{
        struct zc_state *s = ctx->state;
        char *view = is_main(ctx) ? s->ring : s->peer_view;
        uint64_t announced;
        int rc = read_message(ctx, memfd_socket(ctx), &announced, sizeof announced, "read(notification)");

        if (rc != BENCH_OK)
                return rc;
        if (announced != seq)
                return bench_failf(ctx, "the notification announced message %llu, expected %llu",
                                   (unsigned long long)announced, (unsigned long long)seq);
        memcpy(buf, memfd_region(ctx, view, seq, is_main(ctx) ? RT_TOWARDS_MAIN : RT_TOWARDS_PEER),
               ctx->size_bytes);
        return BENCH_OK;
}

/* The peer maps what it received over the socket; main's view is not inherited (DONTFORK). */
static int memfd_peer_prepare(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;
        uint64_t bytes;
        int fd, rc;
        void *p;

        bench_close_other_side(ctx, s->sock[0]);
        rc = recv_fd(ctx, s->sock[1], &fd, &bytes);
        if (rc == BENCH_SKIPPED)
                return bench_failf(ctx, "the socket ended before the memfd came");
        if (rc != BENCH_OK)
                return rc;
        if (bytes != s->ring_bytes) {
                close(fd);
                return bench_failf(ctx, "the memfd came with a size of %llu bytes, expected %zu",
                                   (unsigned long long)bytes, s->ring_bytes);
        }
        p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);              /* the mapping keeps the memory */
        if (p == MAP_FAILED)
                return bench_fail(ctx, "mmap(received memfd)", errno);
        s->peer_view = p;
        return BENCH_OK;
}

static void memfd_peer_finish(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;

        if (s->peer_view)
                munmap(s->peer_view, s->ring_bytes);
        s->peer_view = NULL;
}

static const struct mechanism memfd_mech = {
        .ops = { .send = memfd_send, .recv = memfd_recv },
        .peer_prepare = memfd_peer_prepare, .peer_finish = memfd_peer_finish,
};

static int memfd_setup(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;
        int fd = -1, rc = common_setup(ctx, &memfd_mech);

        if (rc == BENCH_OK && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->sock) != 0)
                rc = bench_fail(ctx, "socketpair", errno);
        if (rc == BENCH_OK) {
                ring_layout(ctx, ctx->streaming ? stream_slots(ctx->size_bytes) : 2);
                s->link.window = ctx->streaming ? s->slots : 0;
                rc = create_memfd(ctx, "ipcbench-memfd", s->ring_bytes, &fd);
        }
        if (rc == BENCH_OK)
                rc = map_ring(ctx, fd);
        /* Once sent, the descriptor in flight keeps the memfd; main needs only its mapping. */
        if (rc == BENCH_OK)
                rc = send_fd(ctx, s->sock[0], fd, s->ring_bytes);
        close_fd(&fd);
        return end_setup(ctx, rc);
}

/* ---- what every mechanism shares: the message layer, through its mechanism ---- */

static const struct mechanism *mechanism_of(const struct bench_ctx *ctx)
{
        return ((const struct zc_state *)ctx->state)->mech;
}

static int zc_round_trip(struct bench_ctx *ctx, uint64_t iters)
{
        return msg_round_trip(ctx, &mechanism_of(ctx)->ops, iters);
}

static int zc_echo_peer(struct bench_ctx *ctx)
{
        const struct mechanism *m = mechanism_of(ctx);
        int rc = m->peer_prepare(ctx);

        if (rc == BENCH_OK)
                rc = msg_echo_peer(ctx, &m->ops);
        m->peer_finish(ctx);
        return rc;
}

static int zc_stream(struct bench_ctx *ctx, uint64_t iters)
{
        return msg_stream(ctx, &mechanism_of(ctx)->ops, iters);
}

static int zc_sink_peer(struct bench_ctx *ctx)
{
        const struct mechanism *m = mechanism_of(ctx);
        int rc = m->peer_prepare(ctx);

        if (rc == BENCH_OK)
                rc = msg_sink_peer(ctx, &m->ops);
        m->peer_finish(ctx);
        return rc;
}

/* End the peer: a stream's control pipe, else main's sending end (the peer's next read sees
 * end of file). A socket carries both directions: shut down writing, keep it open. */
static void zc_stop(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;

        if (msg_stop_stream(ctx))
                return;
        if (s->sock[0] >= 0)
                shutdown(s->sock[0], SHUT_WR);
        else
                close_fd(&s->to_peer[1]);
}

/* ---- ipc.memfd.setup ---- */

/* Write to every page (what a producer filling the region does), then the sequence number. */
static void fill_pages(char *p, size_t bytes, uint64_t seq)
{
        size_t page = page_bytes();

        for (size_t at = 0; at < bytes; at += page)
                p[at] = (char)(at / page);
        msg_stamp(p, bytes, seq);
}

/* Read every page (volatile reads: the compiler may not drop them). */
static void read_pages(const char *p, size_t bytes)
{
        for (size_t at = 0; at < bytes; at += page_bytes())
                (void)((const volatile char *)p)[at];
}

/* Main's half of one iteration, up to the descriptor in flight. */
static int handoff_create(struct bench_ctx *ctx, uint64_t seq)
{
        struct zc_state *s = ctx->state;
        int rc = create_memfd(ctx, "ipcbench-memfd-setup", ctx->size_bytes, &s->setup_fd);
        void *p;

        if (rc != BENCH_OK)
                return rc;
        p = mmap(NULL, ctx->size_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, s->setup_fd, 0);
        if (p == MAP_FAILED)
                return bench_fail(ctx, "mmap(memfd)", errno);
        s->setup_map = p;
        fill_pages(s->setup_map, ctx->size_bytes, seq);
        munmap(s->setup_map, ctx->size_bytes);
        s->setup_map = NULL;
        rc = send_fd(ctx, s->sock[0], s->setup_fd, seq);
        close_fd(&s->setup_fd);
        return rc;
}

static int handoff_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct zc_state *s = ctx->state;

        while (iters--) {
                uint64_t seq = s->link.seq, ack;
                int rc = handoff_create(ctx, seq);

                if (rc != BENCH_OK)
                        return rc;
                if (read_full(s->sock[0], &ack, sizeof ack) != sizeof ack)
                        return bench_failf(ctx, "the peer did not acknowledge memfd %llu",
                                           (unsigned long long)seq);
                if (ack != seq)
                        return bench_failf(ctx, "the peer acknowledged memfd %llu, expected %llu",
                                           (unsigned long long)ack, (unsigned long long)seq);
                s->link.seq++;
        }
        return BENCH_OK;
}

/* The peer's half: map what came, read every page, check, unmap, close. */
static int handoff_take(struct bench_ctx *ctx, int fd, uint64_t seq)
{
        void *p = mmap(NULL, ctx->size_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        int rc;

        if (p == MAP_FAILED) {
                rc = bench_fail(ctx, "mmap(received memfd)", errno);
                close(fd);
                return rc;
        }
        read_pages(p, ctx->size_bytes);
        rc = msg_check(ctx, p, ctx->size_bytes, seq);
        munmap(p, ctx->size_bytes);
        close(fd);
        return rc;
}

static int handoff_peer(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;

        bench_close_other_side(ctx, s->sock[0]);
        for (uint64_t expect = 1;; expect++) {
                uint64_t seq;
                int fd, rc = recv_fd(ctx, s->sock[1], &fd, &seq);

                if (rc == BENCH_SKIPPED)
                        return BENCH_OK;
                if (rc != BENCH_OK)
                        return rc;
                if (seq != expect) {
                        close(fd);
                        return bench_failf(ctx, "memfd %llu arrived, expected %llu",
                                           (unsigned long long)seq, (unsigned long long)expect);
                }
                if ((rc = handoff_take(ctx, fd, seq)) != BENCH_OK)
                        return rc;
                if (write_full(s->sock[1], &seq, sizeof seq) != sizeof seq)
                        return bench_fail(ctx, "write(acknowledgement)", errno);
        }
}

static int handoff_setup(struct bench_ctx *ctx)
{
        struct zc_state *s = ctx->state;
        int rc = common_setup(ctx, NULL);

        if (rc == BENCH_OK && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->sock) != 0)
                rc = bench_fail(ctx, "socketpair", errno);
        return end_setup(ctx, rc);
}

/* ---- the benchmarks ---- */

#define ZC_BENCH(id, dotted, mech, text, setup_fn)                                              \
        static const struct bench zc_##id = {                                                   \
                .name = "ipc." dotted, .group = "ipc", .mechanism = mech, .variant = "",        \
                .summary = text, .metric = "rtt", .state_bytes = sizeof(struct zc_state),       \
                .sizes = msg_rtt_sizes, .quick_sizes = msg_quick_rtt_sizes,                     \
                .full_sizes = msg_full_rtt_sizes,                                               \
                .stream_sizes = msg_stream_sizes, .quick_stream_sizes = msg_quick_stream_sizes, \
                .full_stream_sizes = msg_full_stream_sizes,                                     \
                .setup = setup_fn, .peer = zc_echo_peer, .run = zc_round_trip,                  \
                .stream = zc_stream, .stream_peer = zc_sink_peer,                               \
                .stop = zc_stop, .teardown = zc_teardown, .bounds = copy_bounds,                \
        }

ZC_BENCH(vmsplice, "vmsplice", "vmsplice", "a message there and back, each side handing its pages to "
         "a pipe with vmsplice and the other reading them (one copy); a one-way stream from a ring",
         vmsplice_setup);
ZC_BENCH(cma, "cma", "cma", "a message there and back, each side copying it straight out of the "
         "other's memory with process_vm_readv after a ready word on a pipe (one copy); a one-way "
         "stream from a ring", cma_setup);
ZC_BENCH(memfd, "memfd", "memfd", "a message there and back through a memfd passed once over a Unix "
         "socket (copy in, 8-byte notification, copy out); a one-way stream through a ring in it",
         memfd_setup);

static const struct bench zc_memfd_setup = {
        .name = "ipc.memfd.setup", .group = "ipc", .mechanism = "memfd", .variant = "setup",
        .summary = "a new memfd handed over: memfd_create, ftruncate, mmap and fill, SCM_RIGHTS over a "
                   "Unix socket; the peer maps it, reads every page, unmaps, closes and acknowledges",
        .metric = "setup", .state_bytes = sizeof(struct zc_state),
        .sizes = setup_sizes, .quick_sizes = setup_sizes,
        .setup = handoff_setup, .peer = handoff_peer, .run = handoff_run,
        .stop = zc_stop, .teardown = zc_teardown,
};

const struct bench *const zerocopy_benches[] = { &zc_vmsplice, &zc_cma, &zc_memfd, &zc_memfd_setup, NULL };
