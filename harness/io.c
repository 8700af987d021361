#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

        /* cppcheck-suppress ctuuninitvar ; snprintf writes af->path, it does not read it */
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
        /* mkstemp makes 0600; results are meant to be read by anyone who may read the folder.
         * By descriptor: a path could be swapped for a symlink before a chmod() followed it. */
        int failed = fflush(af->f) != 0 || ferror(af->f) || fchmod(fileno(af->f), 0644) != 0 ||
                     fsync(fileno(af->f)) != 0;
        int saved = errno;

        if (fclose(af->f) != 0 && !failed) {
                failed = 1;
                saved = errno;
        }
        if (!failed && rename(af->tmp_path, af->path) != 0) {
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

/* The soft limit `resource` as text: a number, "unlimited", or "unknown". */
static const char *soft_limit(int resource, char *buf, size_t len)
{
        struct rlimit rl;

        if (getrlimit(resource, &rl) != 0)
                snprintf(buf, len, "unknown");
        else if (rl.rlim_cur == RLIM_INFINITY)
                snprintf(buf, len, "unlimited");
        else
                snprintf(buf, len, "%llu", (unsigned long long)rl.rlim_cur);
        return buf;
}

/* "Too many open files" or "Resource temporarily unavailable" alone does not tell the person
 * reading which knob it was: a limit of the machine, not a fault of the benchmark. */
const char *limit_hint(const char *call, int err, char *buf, size_t len)
{
        static const char *const creators[] = { "fork", "vfork", "clone", "pthread_create", "posix_spawn" };
        char now[32];
        int creates = 0, saved = errno;     /* callers may read errno again after this */

        for (size_t i = 0; i < sizeof creators / sizeof *creators; i++)
                creates |= strncmp(call, creators[i], strlen(creators[i])) == 0;
        buf[0] = '\0';
        /* mq_open's EMFILE is the message-queue byte limit (ulimit -q): its caller says so. */
        if (err == EMFILE && strncmp(call, "mq_", 3) != 0)
                snprintf(buf, len, "; out of open files (ulimit -n): at most %s per process; raise it "
                         "with 'ulimit -n' (beyond the hard limit as root, or in "
                         "/etc/security/limits.conf)", soft_limit(RLIMIT_NOFILE, now, sizeof now));
        else if (err == ENFILE)
                snprintf(buf, len, "; the whole system is out of open files (fs.file-max)");
        else if (err == EAGAIN && creates)
                snprintf(buf, len, "; out of processes (ulimit -u): at most %s processes and threads "
                         "for this user; raise it with 'ulimit -u', or kernel.threads-max or the "
                         "cgroup's pids.max", soft_limit(RLIMIT_NPROC, now, sizeof now));
        errno = saved;
        return buf;
}
