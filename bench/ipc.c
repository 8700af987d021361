/* Message passing: pipes, FIFOs, files, Unix domain sockets (stream, seqpacket, datagram), TCP, UDP,
 * POSIX and System V message queues.
 * Each mechanism only opens its descriptors; what is measured, round trip and one-way stream
 * with every message's sequence number checked, is the message layer's (msg.h), the same for
 * all. Byte streams (pipe, FIFO, Unix stream, TCP) are framed by reading exactly size_bytes; message sockets (seqpacket) and
 * queues must deliver exactly size_bytes per receive. A queue has no end of file: an empty
 * message stands for it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench.h"
#include "fault.h"
#include "msg.h"
#include "names.h"

enum { MAX_FDS = 8 };

struct ipc_state {
        struct msg_link link;           /* first: the message layer's */
        int main_send, main_recv, peer_send, peer_recv;
        enum transport { FD_STREAM, FD_MESSAGE, POSIX_MQ, SYSV_MQ, FILE_RING } transport;
        int file_to_peer, notify_to_peer, notify_to_main;   /* FILE_RING */
        int fsync;                      /* FILE_RING: each record made durable before it counts */
        int sysv_queue;                 /* SYSV_MQ: one queue; the channels are message types */
        char *sysv_main, *sysv_peer;    /* SYSV_MQ: each side's message, its type in front */
        int fds[MAX_FDS];               /* every descriptor, to close */
        int n_fds;
};


static void keep_fd(struct ipc_state *s, int fd)
{
        s->fds[s->n_fds++] = fd;
}

static int is_main(const struct bench_ctx *ctx)
{
        return ctx->side[0] == 'm';
}

/* Where a side builds and receives its messages: the harness's buffer, except for System V
 * queues, whose messages start with their type (a long) right before the bytes. */
static char *payload(struct bench_ctx *ctx)
{
        const struct ipc_state *s = ctx->state;

        if (s->transport != SYSV_MQ)
                return ctx->buf;
        return (is_main(ctx) ? s->sysv_main : s->sysv_peer) + sizeof(long);
}

/* ---- one message, by transport ---- */

static int file_send(struct bench_ctx *ctx, int fd, const void *buf, size_t len);

static int send_bytes(struct bench_ctx *ctx, int fd, const void *buf, size_t len)
{
        const struct ipc_state *s = ctx->state;

        if (s->transport == FILE_RING)
                return file_send(ctx, fd, buf, len);
        if (s->transport == POSIX_MQ) {
                while (mq_send(fd, buf, len, 0) != 0)
                        if (errno != EINTR)
                                return bench_fail(ctx, "mq_send", errno);
                return BENCH_OK;
        }
        if (s->transport == SYSV_MQ) {
                struct { long type; } end = { fd };
                void *msg = len ? (char *)buf - sizeof(long) : (void *)&end;
                *(long *)msg = fd;      /* the channel is the message type */
                while (msgsnd(s->sysv_queue, msg, len, 0) != 0)
                        if (errno != EINTR)
                                return bench_fail(ctx, "msgsnd", errno);
                return BENCH_OK;
        }
        if (s->transport == FD_MESSAGE) {
                ssize_t n;
                while ((n = send(fd, buf, len, 0)) < 0)
                        if (errno != EINTR)
                                return bench_fail(ctx, "send", errno);
                if ((size_t)n != len)
                        return bench_failf(ctx, "send took %zd of a %zu-byte message", n, len);
                return BENCH_OK;
        }
        if (write_full(fd, buf, len) != (ssize_t)len)
                return bench_fail(ctx, "write", errno);
        return BENCH_OK;
}

static int ipc_send(struct bench_ctx *ctx, const void *buf)
{
        const struct ipc_state *s = ctx->state;

        return send_bytes(ctx, is_main(ctx) ? s->main_send : s->peer_send, buf, ctx->size_bytes);
}

static int file_recv(struct bench_ctx *ctx, int fd, void *buf, uint64_t seq);

/* Receive message `seq` (only a file needs to be told which). Returns BENCH_OK,
 * BENCH_SKIPPED at end of file (the other side is done), or BENCH_FAILED. */
static int recv_message(struct bench_ctx *ctx, int fd, void *buf, uint64_t seq)
{
        const struct ipc_state *s = ctx->state;
        ssize_t n;

        if (s->transport == FILE_RING)
                return file_recv(ctx, fd, buf, seq);
        if (s->transport == FD_STREAM) {
                n = read_full(fd, buf, ctx->size_bytes);
                if (n == 0)
                        return BENCH_SKIPPED;
                return n < 0 ? bench_fail(ctx, "read", errno) : BENCH_OK;
        }
        do
                n = s->transport == POSIX_MQ ? mq_receive(fd, buf, ctx->size_bytes, NULL)
                    : s->transport == SYSV_MQ ? msgrcv(s->sysv_queue, (char *)buf - sizeof(long),
                                                       ctx->size_bytes, fd, 0)
                    : recv(fd, buf, ctx->size_bytes, MSG_TRUNC);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                return BENCH_SKIPPED;
        if (n < 0)
                return bench_fail(ctx, s->transport == POSIX_MQ ? "mq_receive"
                                       : s->transport == SYSV_MQ ? "msgrcv" : "recv", errno);
        if ((size_t)n != ctx->size_bytes)
                return bench_failf(ctx, "a message of %zd bytes arrived, expected %zu", n, ctx->size_bytes);
        return BENCH_OK;
}

/* ---- setup shared by every mechanism ---- */

static int common_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;

        s->main_send = s->main_recv = s->peer_send = s->peer_recv = -1;
        return msg_setup(ctx);
}

static void ipc_teardown(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;

        if (s->transport == SYSV_MQ) {
                msgctl(s->sysv_queue, IPC_RMID, NULL);
                free(s->sysv_main);
                free(s->sysv_peer);
        }
        for (int i = 0; i < s->n_fds; i++)
                if (s->fds[i] >= 0)
                        close(s->fds[i]);
        msg_teardown(ctx);
}

/* In a process peer, close main's descriptors, so that main closing its end is seen as end
 * of file. (Threads share one descriptor table: nothing to close.) */
static void peer_close_main_side(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;

        for (int i = 0; i < s->n_fds; i++)
                if (s->fds[i] != s->peer_send && s->fds[i] != s->peer_recv &&
                    !(s->transport == FILE_RING && s->fds[i] == s->notify_to_peer))
                        bench_close_other_side(ctx, s->fds[i]);
}

static int ipc_recv(struct bench_ctx *ctx, void *buf, uint64_t seq)
{
        const struct ipc_state *s = ctx->state;

        return recv_message(ctx, is_main(ctx) ? s->main_recv : s->peer_recv, buf, seq);
}

static const struct msg_ops ipc_ops = {
        .send = ipc_send, .recv = ipc_recv, .buffer = payload, .peer_begin = peer_close_main_side,
};

static int round_trip(struct bench_ctx *ctx, uint64_t iters)
{
        return msg_round_trip(ctx, &ipc_ops, iters);
}

static int echo_peer(struct bench_ctx *ctx)
{
        return msg_echo_peer(ctx, &ipc_ops);
}

static int stream(struct bench_ctx *ctx, uint64_t iters)
{
        return msg_stream(ctx, &ipc_ops, iters);
}

static int sink_peer(struct bench_ctx *ctx)
{
        return msg_sink_peer(ctx, &ipc_ops);
}

/* Tell the peer to end: closing main's ends makes its next read see end of file. */
static void ipc_stop(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;

        if (msg_stop_stream(ctx))
                return;
        if (s->transport != FD_STREAM) {
                /* Queues and datagrams have no end of file: an empty message stands for it. */
                send_bytes(ctx, s->main_send, "", 0);
                return;
        }
        for (int i = 0; i < s->n_fds; i++)
                if (s->fds[i] == s->main_send) {
                        /* A socket shared by both directions: shut down writing, keep it open. */
                        if (s->main_send == s->main_recv)
                                shutdown(s->main_send, SHUT_WR);
                        else {
                                close(s->fds[i]);
                                s->fds[i] = -1;
                        }
                }
}

/* ---- the mechanisms: each only opens its descriptors ---- */

static int pipe_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        int to_peer[2], to_main[2];
        int rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        if (pipe(to_peer) != 0 || pipe(to_main) != 0)
                return bench_fail(ctx, "pipe", errno);
        keep_fd(s, to_peer[0]), keep_fd(s, to_peer[1]), keep_fd(s, to_main[0]), keep_fd(s, to_main[1]);
        s->main_send = to_peer[1], s->peer_recv = to_peer[0];
        s->peer_send = to_main[1], s->main_recv = to_main[0];
        return BENCH_OK;
}

/* Open both ends of a new FIFO in `dir` without blocking (the read end first, non-blocking,
 * then the write end finds a reader), and remove its name at once: the descriptors are all
 * that is needed, and nothing is left behind however the run ends. */
static int open_fifo(struct bench_ctx *ctx, const char *dir, const char *name, int *read_fd, int *write_fd)
{
        char path[256];

        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (mkfifo(path, 0600) != 0)
                return bench_fail(ctx, "mkfifo", errno);
        *read_fd = open(path, O_RDONLY | O_NONBLOCK);
        *write_fd = *read_fd >= 0 ? open(path, O_WRONLY) : -1;
        int saved = errno;
        unlink(path);
        if (*read_fd < 0 || *write_fd < 0)
                return bench_fail(ctx, "open(fifo)", saved);
        if (fcntl(*read_fd, F_SETFL, 0) != 0)
                return bench_fail(ctx, "fcntl(fifo, blocking)", errno);
        return BENCH_OK;
}

static int fifo_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        char dir[64];
        int rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        /* The pid in the name lets `ipcbench clean` remove it if this process is killed here. */
        snprintf(dir, sizeof dir, "/tmp/" NAME_FIFO_DIR_PREFIX "%d-XXXXXX", (int)getpid());
        if (!mkdtemp(dir))
                return bench_fail(ctx, "mkdtemp", errno);
        rc = open_fifo(ctx, dir, "to-peer", &s->peer_recv, &s->main_send);
        if (rc == BENCH_OK)
                rc = open_fifo(ctx, dir, "to-main", &s->main_recv, &s->peer_send);
        rmdir(dir);
        keep_fd(s, s->peer_recv), keep_fd(s, s->main_send), keep_fd(s, s->main_recv), keep_fd(s, s->peer_send);
        return rc;
}

/* One connected pair: main uses one end both ways, the peer the other. */
static int socket_pair_setup(struct bench_ctx *ctx, int type)
{
        struct ipc_state *s = ctx->state;
        int sv[2], rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        if (socketpair(AF_UNIX, type, 0, sv) != 0)
                return bench_fail(ctx, "socketpair", errno);
        keep_fd(s, sv[0]), keep_fd(s, sv[1]);
        s->main_send = s->main_recv = sv[0];
        s->peer_send = s->peer_recv = sv[1];
        s->transport = type == SOCK_STREAM ? FD_STREAM : FD_MESSAGE;
        if (s->transport == FD_MESSAGE) {
                /* A message larger than the socket's send buffer cannot be sent at all. */
                int sndbuf = 0;
                socklen_t len = sizeof sndbuf;
                if (getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) != 0)
                        return bench_fail(ctx, "getsockopt(SO_SNDBUF)", errno);
                if (ctx->size_bytes > (size_t)sndbuf / 2)
                        return bench_skip(ctx, "a %zu-byte message does not fit a Unix socket's send "
                                          "buffer (SO_SNDBUF %d, of which about half is data); raise "
                                          "net.core.wmem_default / wmem_max with sysctl to allow it",
                                          ctx->size_bytes, sndbuf);
        }
        return BENCH_OK;
}

static int unix_stream_setup(struct bench_ctx *ctx)
{
        return socket_pair_setup(ctx, SOCK_STREAM);
}

static int unix_seqpacket_setup(struct bench_ctx *ctx)
{
        return socket_pair_setup(ctx, SOCK_SEQPACKET);
}

/* Unix datagrams lose nothing: a sender whose receiver's queue is full waits, as on a pipe. */
static int unix_dgram_setup(struct bench_ctx *ctx)
{
        return socket_pair_setup(ctx, SOCK_DGRAM);
}

/* TCP over loopback: listen on 127.0.0.1, port 0 (any free one: parallel runs never
 * collide), connect, accept, and close the listener. TCP_NODELAY on both ends, or Nagle's
 * algorithm would hold back small messages. */
static int tcp_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof addr;
        int one = 1, listener, client, server, rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        listener = socket(AF_INET, SOCK_STREAM, 0);
        if (listener < 0)
                return bench_fail(ctx, "socket", errno);
        if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0 ||
            getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
                rc = bench_fail(ctx, "bind/listen(127.0.0.1:0)", errno);
                close(listener);
                return rc;
        }
        client = socket(AF_INET, SOCK_STREAM, 0);
        if (client < 0 || connect(client, (struct sockaddr *)&addr, sizeof addr) != 0) {
                rc = bench_fail(ctx, "connect(127.0.0.1)", errno);
                close(listener);
                if (client >= 0)
                        close(client);
                return rc;
        }
        server = accept(listener, NULL, NULL);
        close(listener);
        keep_fd(s, client);
        if (server < 0)
                return bench_fail(ctx, "accept", errno);
        keep_fd(s, server);
        if (setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
            setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
                return bench_fail(ctx, "setsockopt(TCP_NODELAY)", errno);
        s->main_send = s->main_recv = client;
        s->peer_send = s->peer_recv = server;
        return BENCH_OK;
}

static long read_long(const char *path, long fallback)
{
        long value = fallback;
        FILE *f = fopen(path, "r");

        if (f) {
                if (fscanf(f, "%ld", &value) != 1)
                        value = fallback;
                fclose(f);
        }
        return value;
}

/* A POSIX message queue of at most `depth` messages of size_bytes. Its name is removed as
 * soon as it is open: the descriptor is all either side needs (a process peer inherits it),
 * and nothing is left in /dev/mqueue however the run ends. */
static int open_queue(struct bench_ctx *ctx, const char *direction, long depth, int *fd)
{
        struct mq_attr attr = { .mq_maxmsg = depth, .mq_msgsize = (long)ctx->size_bytes };
        char name[96], suffix[16];
        mqd_t q;

        snprintf(suffix, sizeof suffix, "-%s", direction);
        if (msg_object_name(name, sizeof name, NAME_MQ_PREFIX, suffix) != 0)
                return bench_fail(ctx, "getrandom(mq name)", errno);
        q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        if (q == (mqd_t)-1) {
                if (errno == EINVAL)
                        return bench_skip(ctx, "a POSIX message queue here takes messages of at most "
                                          "%ld bytes (/proc/sys/fs/mqueue/msgsize_max), not %zu; raise "
                                          "it with sysctl -w fs.mqueue.msgsize_max=%zu",
                                          read_long("/proc/sys/fs/mqueue/msgsize_max", -1),
                                          ctx->size_bytes, ctx->size_bytes);
                if (errno == ENOSPC)
                        return bench_skip(ctx, "mq_open: no POSIX message queue left: there may be "
                                          "%ld (/proc/sys/fs/mqueue/queues_max); raise it with sysctl -w "
                                          "fs.mqueue.queues_max=N",
                                          read_long("/proc/sys/fs/mqueue/queues_max", -1));
                if (errno == EMFILE || errno == ENOMEM) {
                        /* EMFILE: the bytes this user may keep in queues, or this process's
                         * descriptors: the call does not say which. */
                        struct rlimit bytes = { 0, 0 }, files = { 0, 0 };
                        getrlimit(RLIMIT_MSGQUEUE, &bytes);
                        getrlimit(RLIMIT_NOFILE, &files);
                        return bench_skip(ctx, "mq_open: %s: %ld messages of %zu bytes exceed this "
                                          "user's bytes in POSIX queues (ulimit -q, now %llu bytes), or "
                                          "this process is out of open files (ulimit -n, now %llu); "
                                          "raise the one that is short with ulimit", strerror(errno),
                                          depth, ctx->size_bytes, (unsigned long long)bytes.rlim_cur,
                                          (unsigned long long)files.rlim_cur);
                }
                return bench_fail(ctx, "mq_open", errno);
        }
        mq_unlink(name);
        *fd = (int)q;           /* on Linux a queue descriptor is a file descriptor */
        return BENCH_OK;
}

static int mq_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        /* As deep as the system allows, up to 10 (the usual msg_max): a deeper queue would
         * let the stream run ahead further, but not change what a message costs. */
        long depth = read_long("/proc/sys/fs/mqueue/msg_max", 10);
        int rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        s->transport = POSIX_MQ;
        if (depth > 10)
                depth = 10;
        if ((rc = open_queue(ctx, "to-peer", depth, &s->main_send)) != BENCH_OK)
                return rc;
        keep_fd(s, s->main_send);
        if ((rc = open_queue(ctx, "to-main", depth, &s->peer_send)) != BENCH_OK)
                return rc;
        keep_fd(s, s->peer_send);
        s->peer_recv = s->main_send;
        s->main_recv = s->peer_send;
        return BENCH_OK;
}

/* ---- files: approach 2 ----
 * Each direction is a regular file (on /dev/shm, a tmpfs, unless --dir names another
 * directory) used as a ring of `window` records:
 * message `seq` is written with pwrite at record seq % window: its body first, its head (the
 * sequence number) last, in a second pwrite. A pread racing a pwrite can see some pages new and
 * others old (a 64 KiB record was read with its head and tail new and its middle old), but it
 * copies in order of offset: a reader that finds the head new, written after the whole body,
 * finds the body new too. The reader learns of new data from inotify: it reads the record it
 * expects with pread, and when that does not yet hold its sequence number at both ends, it
 * blocks reading its inotify descriptor until the file is modified again (an event queued
 * while it was looking wakes it at once). A record whose head is END_OF_FILE ends the stream. */

static const uint64_t END_OF_FILE = UINT64_MAX - 1;

static off_t record_offset(const struct ipc_state *s, const struct bench_ctx *ctx, uint64_t seq)
{
        return (off_t)((seq % s->link.window) * ctx->size_bytes);
}

static int pwrite_full(struct bench_ctx *ctx, int fd, const char *buf, size_t len, off_t at)
{
        for (size_t done = 0; done < len;) {
                ssize_t n = pwrite(fd, buf + done, len - done, at + (off_t)done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return bench_fail(ctx, "pwrite", errno);
                done += (size_t)n;
        }
        return BENCH_OK;
}

static int file_send(struct bench_ctx *ctx, int fd, const void *buf, size_t len)
{
        struct ipc_state *s = ctx->state;
        char end[2 * MSG_SEQ_BYTES];
        uint64_t seq;

        if (len == 0) {         /* the end: a record of its own at the next position */
                msg_stamp(end, sizeof end, END_OF_FILE);
                buf = end;
                len = sizeof end;
                seq = s->link.seq;
        } else {
                memcpy(&seq, buf, sizeof seq);
        }
        /* The body, then the head that says the record is whole. */
        if (pwrite_full(ctx, fd, (const char *)buf + MSG_SEQ_BYTES, len - MSG_SEQ_BYTES,
                        record_offset(s, ctx, seq) + MSG_SEQ_BYTES) != BENCH_OK ||
            pwrite_full(ctx, fd, buf, MSG_SEQ_BYTES, record_offset(s, ctx, seq)) != BENCH_OK)
                return BENCH_FAILED;
        /* The fsync variant: the record is on the disk before the writer goes on (a tmpfs,
         * with no disk, is skipped in file_fsync_setup). */
        if (s->fsync && fdatasync(fd) != 0)
                return bench_fail(ctx, "fdatasync", errno);
        return BENCH_OK;
}

static int file_recv(struct bench_ctx *ctx, int fd, void *buf, uint64_t seq)
{
        struct ipc_state *s = ctx->state;
        int notify = fd == s->file_to_peer ? s->notify_to_peer : s->notify_to_main;
        char events[4096];
        uint64_t head = 0, tail;

        for (;;) {
                ssize_t n = pread(fd, buf, ctx->size_bytes, record_offset(s, ctx, seq));
                if (n < 0 && errno != EINTR)
                        return bench_fail(ctx, "pread", errno);
                if (n >= 2 * MSG_SEQ_BYTES) {
                        memcpy(&head, buf, sizeof head);
                        memcpy(&tail, (char *)buf + MSG_SEQ_BYTES, sizeof tail);
                        if (head == END_OF_FILE && tail == END_OF_FILE)
                                return BENCH_SKIPPED;
                }
                if (n == (ssize_t)ctx->size_bytes) {
                        memcpy(&tail, (char *)buf + ctx->size_bytes - MSG_SEQ_BYTES, sizeof tail);
                        if (head == seq && tail == seq)
                                return BENCH_OK;        /* the whole record has been written */
                        if (head != END_OF_FILE && head > seq && head - seq >= s->link.window)
                                return bench_failf(ctx, "record %llu was overwritten by %llu before it was read",
                                                   (unsigned long long)seq, (unsigned long long)head);
                }
                if (read(notify, events, sizeof events) < 0 && errno != EINTR)
                        return bench_fail(ctx, "read(inotify)", errno);
        }
}

/* Two files in a new directory under ctx->data_dir, each sized to its ring and watched by an
 * inotify instance of its own (the reader's); then the names go: the descriptors are all
 * that is needed, and nothing is left behind however the run ends. */
static int file_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        char dir[4096], path[2][4200];
        struct statfs fs;
        int fd[2] = { -1, -1 }, notify[2] = { -1, -1 }, rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        if (ctx->size_bytes < 2 * MSG_SEQ_BYTES)
                return bench_skip(ctx, "a file record needs at least %d bytes (its sequence number "
                                  "and the end-of-file mark); %zu is too small", 2 * MSG_SEQ_BYTES, ctx->size_bytes);
        s->transport = FILE_RING;
        s->fsync = strcmp(ctx->bench->variant, "fsync") == 0;
        /* A memory file system has no disk: fdatasync returns at once, and the figure would be
         * ipc.file's under another name. Only a directory on a disk (--dir) is measured. */
        if (s->fsync && statfs(ctx->data_dir, &fs) == 0 &&
            (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC))
                return bench_skip(ctx, "fdatasync on a %s (%s) writes nothing to a disk; give --dir on "
                                  "a disk to measure it", fs.f_type == TMPFS_MAGIC ? "tmpfs" : "ramfs",
                                  ctx->data_dir);
        /* Up to 16 MiB of records per file, at least 4 and at most 1024 of them. */
        s->link.window = (16u << 20) / ctx->size_bytes;
        s->link.window = s->link.window < 4 ? 4 : s->link.window > 1024 ? 1024 : s->link.window;
        if ((size_t)snprintf(dir, sizeof dir, "%s/" NAME_FILE_DIR_PREFIX "%d-XXXXXX", ctx->data_dir,
                             (int)getpid()) >= sizeof dir)
                return bench_failf(ctx, "the directory name '%s' is too long", ctx->data_dir);
        if (!mkdtemp(dir))
                return bench_fail(ctx, "mkdtemp(ipcbench-file-*)", errno);
        for (int i = 0; i < 2; i++) {
                snprintf(path[i], sizeof path[i], "%s/%s", dir, i ? "to-main" : "to-peer");
                fd[i] = open(path[i], O_RDWR | O_CREAT | O_EXCL, 0600);
                if (fd[i] >= 0)
                        keep_fd(s, fd[i]);
                notify[i] = inotify_init1(IN_CLOEXEC);
                if (notify[i] >= 0)
                        keep_fd(s, notify[i]);
                if (fd[i] < 0 || notify[i] < 0 ||
                    ftruncate(fd[i], (off_t)(s->link.window * ctx->size_bytes)) != 0 ||
                    inotify_add_watch(notify[i], path[i], IN_MODIFY) < 0) {
                        rc = bench_fail(ctx, "open/ftruncate/inotify(file)", errno);
                        break;
                }
        }
        for (int i = 0; i < 2; i++)
                unlink(path[i]);
        rmdir(dir);
        if (rc != BENCH_OK)
                return rc;
        s->file_to_peer = s->main_send = s->peer_recv = fd[0];
        s->peer_send = s->main_recv = fd[1];
        s->notify_to_peer = notify[0];
        s->notify_to_main = notify[1];
        return BENCH_OK;
}

static int file_fsync_setup(struct bench_ctx *ctx)
{
        return file_setup(ctx);         /* the variant's name turns fsync on */
}

/* ---- UDP: datagrams that may be lost ---- */

enum { UDP_MAX_PAYLOAD = 65507, UDP_ANSWER_WAIT_MS = 1000 };
static const uint64_t UDP_END_OF_BATCH = UINT64_MAX;

static int set_receive_timeout(struct bench_ctx *ctx, int fd, int ms)
{
        struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
                return bench_fail(ctx, "setsockopt(SO_RCVTIMEO)", errno);
        return BENCH_OK;
}

/* Two UDP sockets on 127.0.0.1, each bound to a free port and connected to the other, so
 * send and recv need no address and no other sender's datagram gets in. A round trip that
 * waits more than a second for its answer calls the datagram lost. */
static int udp_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        struct sockaddr_in addr[2];
        int fd[2], rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        if (ctx->size_bytes > UDP_MAX_PAYLOAD)
                return bench_skip(ctx, "a UDP datagram carries at most %d bytes over IPv4, not %zu",
                                  UDP_MAX_PAYLOAD, ctx->size_bytes);
        for (int i = 0; i < 2; i++) {
                socklen_t len = sizeof addr[i];
                addr[i] = (struct sockaddr_in){ .sin_family = AF_INET,
                                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
                if (fd[i] < 0)
                        return bench_fail(ctx, "socket(UDP)", errno);
                keep_fd(s, fd[i]);
                if (bind(fd[i], (struct sockaddr *)&addr[i], sizeof addr[i]) != 0 ||
                    getsockname(fd[i], (struct sockaddr *)&addr[i], &len) != 0)
                        return bench_fail(ctx, "bind(127.0.0.1:0)", errno);
        }
        for (int i = 0; i < 2; i++)
                if (connect(fd[i], (struct sockaddr *)&addr[1 - i], sizeof addr[1 - i]) != 0)
                        return bench_fail(ctx, "connect(UDP)", errno);
        s->transport = FD_MESSAGE;
        s->main_send = s->main_recv = fd[0];
        s->peer_send = s->peer_recv = fd[1];
        return set_receive_timeout(ctx, fd[0], UDP_ANSWER_WAIT_MS);
}

/* The sink for datagrams: per batch, take what arrives without waiting; when the socket is
 * empty, wait for either more datagrams or main's word on the control pipe that the batch
 * is sent, then take what is left and report the count. Sequence numbers may skip (a datagram
 * lost) but never go back (reordered or duplicated). */
static int udp_sink_peer(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        char *buf = payload(ctx);
        uint64_t count, last = 0, head, word, receipts = 0;
        ssize_t n;

        if (ctx->mode == PEER_PROCESS) {       /* as msg.c's peers: a thread closes nothing */
                peer_close_main_side(ctx);
                msg_peer_close_main_side(ctx);
        }
        while ((n = read_full(s->link.control[0], &count, sizeof count)) == sizeof count) {
                uint64_t received = 0;
                int sent_all = 0;
                for (;;) {
                        ssize_t got = recv(s->peer_recv, buf, ctx->size_bytes, MSG_TRUNC | MSG_DONTWAIT);
                        if (got < 0 && errno == EINTR)
                                continue;
                        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                                if (sent_all)
                                        break;  /* all sent, and nothing more is queued */
                                struct pollfd wait[2] = { { .fd = s->peer_recv, .events = POLLIN },
                                                          { .fd = s->link.control[0], .events = POLLIN } };
                                if (poll(wait, 2, -1) < 0 && errno != EINTR)
                                        return bench_fail(ctx, "poll", errno);
                                if (wait[1].revents) {
                                        if (read_full(s->link.control[0], &word, sizeof word) != sizeof word ||
                                            word != UDP_END_OF_BATCH)
                                                return bench_failf(ctx, "expected the end of a batch on the control pipe");
                                        sent_all = 1;
                                }
                                continue;
                        }
                        if (got < 0)
                                return bench_fail(ctx, "recv(UDP)", errno);
                        if ((size_t)got != ctx->size_bytes)
                                return bench_failf(ctx, "a datagram of %zd bytes, expected %zu", got, ctx->size_bytes);
                        memcpy(&head, buf, sizeof head);
                        if (head <= last || msg_check(ctx, buf, ctx->size_bytes, head) != BENCH_OK)
                                return bench_failf(ctx, "datagram %llu arrived after %llu",
                                                   (unsigned long long)head, (unsigned long long)last);
                        last = head;
                        received++;
                }
                if (received > count)
                        return bench_failf(ctx, "%llu datagrams arrived of %llu sent",
                                           (unsigned long long)received, (unsigned long long)count);
                /* A test's wrong receipt: one too many (one too few would be a loss). */
                received += fault_strikes(FAULT_RECEIPT, ++receipts);
                if (write_full(s->link.ack[1], &received, sizeof received) != sizeof received)
                        return bench_fail(ctx, "write(ack)", errno);
        }
        return n == 0 ? BENCH_OK : bench_fail(ctx, "read(control)", errno);
}

static int udp_stream(struct bench_ctx *ctx, uint64_t iters)
{
        struct ipc_state *s = ctx->state;
        char *buf = payload(ctx);
        struct fault_plan plan;
        uint64_t received;

        if (write_full(s->link.control[1], &iters, sizeof iters) != sizeof iters)
                return bench_fail(ctx, "write(control)", errno);
        for (uint64_t i = 0; i < iters; i += plan.used)
                if (msg_send_next(ctx, &ipc_ops, buf, &plan) != BENCH_OK)
                        return BENCH_FAILED;
        /* The end of the batch goes by the control pipe, which loses nothing. */
        if (write_full(s->link.control[1], &UDP_END_OF_BATCH, sizeof UDP_END_OF_BATCH) != sizeof UDP_END_OF_BATCH)
                return bench_fail(ctx, "write(control)", errno);
        if (read_full(s->link.ack[0], &received, sizeof received) != sizeof received)
                return bench_failf(ctx, "the peer did not say what it received");
        if (received > iters)
                return bench_failf(ctx, "the receipt says %llu datagrams arrived, %llu were sent",
                                   (unsigned long long)received, (unsigned long long)iters);
        ctx->delivered = received;
        ctx->sent_total += iters;
        ctx->delivered_total += received;
        return BENCH_OK;
}

/* A System V queue under this process's key (bench/names.h), so that `ipcbench clean` knows
 * it should the point be killed before the harness removes it. A queue already under the key
 * is one that `ipcbench clean` has not removed yet, or another PID namespace's: left alone,
 * and this queue is made without a key (IPC_PRIVATE); the harness still removes it. */
static int sysv_queue_create(void)
{
        int id = msgget(name_sysv_key(getpid()), IPC_CREAT | IPC_EXCL | 0600);

        return id >= 0 || errno != EEXIST ? id : msgget(IPC_PRIVATE, IPC_CREAT | 0600);
}

/* A System V message queue: one queue, message type 1 towards the peer, 2 towards main. It
 * has no name to remove early; the harness removes it when the point ends, however it ends. */
static int sysvmq_setup(struct bench_ctx *ctx)
{
        struct ipc_state *s = ctx->state;
        long msgmax = read_long("/proc/sys/kernel/msgmax", -1);
        long msgmnb = read_long("/proc/sys/kernel/msgmnb", -1);
        int rc = common_setup(ctx);

        if (rc != BENCH_OK)
                return rc;
        s->transport = SYSV_MQ;
        s->sysv_queue = -1;
        if ((msgmax >= 0 && ctx->size_bytes > (size_t)msgmax) ||
            (msgmnb >= 0 && ctx->size_bytes > (size_t)msgmnb))
                return bench_skip(ctx, "a System V message here is at most %ld bytes "
                                  "(kernel.msgmax; a queue holds kernel.msgmnb = %ld), not %zu; raise "
                                  "them with sysctl -w kernel.msgmax=%zu kernel.msgmnb=%zu",
                                  msgmax, msgmnb, ctx->size_bytes, ctx->size_bytes, ctx->size_bytes);
        s->sysv_main = malloc(sizeof(long) + ctx->size_bytes);
        s->sysv_peer = malloc(sizeof(long) + ctx->size_bytes);
        if (!s->sysv_main || !s->sysv_peer)
                return bench_fail(ctx, "malloc(message)", ENOMEM);
        memset(s->sysv_main, 0, sizeof(long) + ctx->size_bytes);
        memset(s->sysv_peer, 0, sizeof(long) + ctx->size_bytes);
        s->sysv_queue = sysv_queue_create();
        if (s->sysv_queue < 0) {
                if (errno == ENOSPC)
                        return bench_skip(ctx, "msgget: no System V queue left (kernel.msgmni)");
                return bench_fail(ctx, "msgget", errno);
        }
        if ((rc = bench_own_sysv_queue(ctx, s->sysv_queue)) != BENCH_OK)
                return rc;
        s->main_send = s->peer_recv = 1;
        s->peer_send = s->main_recv = 2;
        return BENCH_OK;
}

#define IPC_BENCH(id, dotted, mech, var, text)                                                  \
        static const struct bench ipc_##id = {                                                  \
                .name = "ipc." dotted, .group = "ipc", .mechanism = mech, .variant = var,       \
                .summary = text, .metric = "rtt", .state_bytes = sizeof(struct ipc_state),      \
                .sizes = msg_rtt_sizes, .quick_sizes = msg_quick_rtt_sizes,                     \
                .full_sizes = msg_full_rtt_sizes,                                               \
                .stream_sizes = msg_stream_sizes, .quick_stream_sizes = msg_quick_stream_sizes, \
                .full_stream_sizes = msg_full_stream_sizes,                                     \
                .setup = id##_setup, .peer = echo_peer, .run = round_trip,                      \
                .stream = stream, .stream_peer = sink_peer,                                     \
                .stop = ipc_stop, .teardown = ipc_teardown,                                     \
        }

IPC_BENCH(pipe, "pipe", "pipe", "", "a message there and back through two pipes; a one-way stream");
IPC_BENCH(fifo, "fifo", "fifo", "", "the same through two named pipes (FIFOs) in a private directory");
IPC_BENCH(unix_stream, "unix.stream", "unix", "stream", "the same over a Unix stream socket pair");
IPC_BENCH(unix_seqpacket, "unix.seqpacket", "unix", "seqpacket",
          "the same over a Unix seqpacket socket pair (message boundaries kept)");
IPC_BENCH(unix_dgram, "unix.dgram", "unix", "dgram", "the same over a Unix datagram socket pair");
IPC_BENCH(tcp, "tcp", "tcp", "", "the same over TCP on 127.0.0.1 with TCP_NODELAY");
IPC_BENCH(file, "file", "file", "", "a record there and back through two files (/dev/shm, or --dir), "
          "the reader woken by inotify");
IPC_BENCH(file_fsync, "file.fsync", "file", "fsync", "the same, the writer calling fdatasync "
          "after every record (durable); only with --dir on a disk: on a tmpfs such as /dev/shm it "
          "writes nothing, and is skipped");
IPC_BENCH(mq, "mq", "mq", "", "the same through two POSIX message queues (mq_send / mq_receive)");
/* A UDP datagram carries at most 65507 bytes, where the others' sweep has 65536. */
static const size_t udp_stream_sizes[] = { 64, 256, 1024, 4096, 16384, 65507, 0 };
static const size_t quick_udp_stream_sizes[] = { 64, 65507, 0 };

/* UDP: the receiver's count sets the throughput, and the share lost is reported. */
static const struct bench ipc_udp = {
        .name = "ipc.udp", .group = "ipc", .mechanism = "udp", .variant = "",
        .summary = "a datagram there and back over UDP on 127.0.0.1; a one-way stream, counting "
                   "what arrived and what was lost",
        .metric = "rtt", .state_bytes = sizeof(struct ipc_state),
        .sizes = msg_rtt_sizes, .quick_sizes = msg_quick_rtt_sizes, .full_sizes = msg_full_rtt_sizes,
        .stream_sizes = udp_stream_sizes, .quick_stream_sizes = quick_udp_stream_sizes,
        .setup = udp_setup, .peer = echo_peer, .run = round_trip,
        .stream = udp_stream, .stream_peer = udp_sink_peer, .lossy = 1,
        .stop = ipc_stop, .teardown = ipc_teardown,
};
IPC_BENCH(sysvmq, "sysvmq", "sysvmq", "", "the same through a System V message queue (msgsnd / msgrcv)");

const struct bench *const ipc_benches[] = {
        &ipc_pipe, &ipc_fifo, &ipc_file, &ipc_file_fsync, &ipc_unix_stream, &ipc_unix_seqpacket, &ipc_unix_dgram, &ipc_tcp,
        &ipc_udp, &ipc_mq, &ipc_sysvmq, NULL,
};
