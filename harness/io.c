#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t write_full(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(fd, p + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                done += (size_t)n;
        }
        return (ssize_t)done;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
        char *p = buf;
        size_t done = 0;

        while (done < len) {
                ssize_t n = read(fd, p + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (n == 0) {
                        if (done == 0)
                                return 0;
                        errno = EIO;    /* the writer vanished mid-message */
                        return -1;
                }
                done += (size_t)n;
        }
        return (ssize_t)done;
}

int atomic_file_open(struct atomic_file *af, const char *path)
{
        int fd;

        if ((size_t)snprintf(af->path, sizeof af->path, "%s", path) >= sizeof af->path ||
            (size_t)snprintf(af->tmp_path, sizeof af->tmp_path, "%s.tmp.XXXXXX", path) >= sizeof af->tmp_path) {
                errno = ENAMETOOLONG;
                return -1;
        }
        fd = mkstemp(af->tmp_path);
        if (fd < 0)
                return -1;
        af->f = fdopen(fd, "w");
        if (!af->f) {
                int saved = errno;
                close(fd);
                unlink(af->tmp_path);
                errno = saved;
                return -1;
        }
        return 0;
}

int atomic_file_commit(struct atomic_file *af)
{
        int failed = fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0;
        int saved = errno;

        if (fclose(af->f) != 0 && !failed) {
                failed = 1;
                saved = errno;
        }
        /* mkstemp makes 0600; results are meant to be read by anyone who may read the folder. */
        if (!failed && (chmod(af->tmp_path, 0644) != 0 || rename(af->tmp_path, af->path) != 0)) {
                failed = 1;
                saved = errno;
        }
        if (failed) {
                unlink(af->tmp_path);
                errno = saved;
                return -1;
        }
        return 0;
}
