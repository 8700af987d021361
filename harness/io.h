/* Whole reads and writes: EINTR and short transfers are handled here and nowhere else. */
#ifndef IPCBENCH_IO_H
#define IPCBENCH_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all `len` bytes. Returns len, or -1 with errno set. */
ssize_t write_full(int fd, const void *buf, size_t len);

/* Read exactly `len` bytes. Returns len, 0 at end of file before the first byte, or -1 with
 * errno set (EPIPE-like EIO when the file ends part-way through). */
ssize_t read_full(int fd, void *buf, size_t len);


/* Files that appear whole or not at all: write to a temporary name beside `path`, then rename. */
#include <stdio.h>

struct atomic_file {
        FILE *f;
        char tmp_path[4096];
        char path[4096];
};

/* Returns 0, or -1 with errno set. */
int atomic_file_open(struct atomic_file *af, const char *path);

/* Flush, fsync and rename into place; on any error the temporary file is removed.
 * Returns 0, or -1 with errno set. */
int atomic_file_commit(struct atomic_file *af);

/* When `call` failed with `err` because a limit ran out (open files, processes and threads),
 * the limit, its value and how to raise it, as "; ..." to append to the message; else "".
 * Writes into buf and returns it. */
const char *limit_hint(const char *call, int err, char *buf, size_t len);

#endif
