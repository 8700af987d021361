/* ipcbench clean: remove what a killed run left behind, and only that.
 *
 * A run removes every name it creates, on success, failure, Ctrl-C and timeout; only SIGKILL
 * (of the run, or of a point's process by someone else) can leave one: a POSIX shm or queue
 * name, a FIFO or file directory caught between mkdtemp and rmdir, the System V queue of a
 * point, or the hidden directory of an unfinished run. Each of these names holds the pid of
 * the process that made it (bench/names.h), and the rule is: an object is removed only when
 * its creator is gone (kill(pid, 0) says no such process). Not an age rule: a run may
 * legitimately hold its queue for as long as its point lasts, and a pid that is alive, even
 * reused by another program, keeps its objects (clean errs on the side of leaving them).
 *
 * Not recognisable, so never touched: System V objects made without a key (IPC_PRIVATE: a
 * queue made so when ipcbench's key was taken), and names from before the pid was in them. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "options.h"
#include "tools.h"

struct tally {
        int dry_run;
        unsigned removed, kept, failed;
};

static const char clean_help[] =
"usage: ipcbench clean [--dry-run] [--out DIR] [--dir DIR]\n"
"\n"
"Removes the IPC objects and files a killed ipcbench run left behind, and only those: names\n"
"ipcbench gives (each holds its creator's pid) whose creator is no longer running.\n"
"  POSIX shm      /dev/shm/ipcbench-shm-<pid>-<n>\n"
"  POSIX mq       ipcbench-<pid>-to-peer, -to-main (in an mqueue mount; as root, one is\n"
"                 mounted privately when none is)\n"
"  System V queue key 0x1b<pid in hex, 6 digits>, owned by this user (root: any user)\n"
"  FIFO dirs      /tmp/ipcbench-fifo-<pid>-XXXXXX\n"
"  file dirs      DIR/ipcbench-file-<pid>-XXXXXX (DIR: --dir, default /dev/shm)\n"
"  unfinished run OUT/.<run_id>.<pid>.partial and OUT/.latest.<pid> (OUT: --out, default results)\n"
"\n"
"  --dry-run   say what would be removed, remove nothing\n"
"  --out DIR   the results root the runs wrote to (as 'ipcbench run --out')\n"
"  --dir DIR   the directory the file benchmarks wrote in (as 'ipcbench run --dir')\n"
"\n"
"Prints one line per object and a summary. Exit status 0 when nothing of ipcbench's is left,\n"
"1 when something is (in use by a running process, or could not be removed), 2 for a usage\n"
"error.\n";

/* kill(pid, 0) also finds a zombie, whose process has ended but whose parent has not reaped
 * it yet (an orphan waits for init): /proc/PID/stat tells them apart. */
static int pid_alive(pid_t pid)
{
        char path[32], stat[512];
        FILE *f;
        size_t n;

        if (kill(pid, 0) != 0 && errno != EPERM)
                return 0;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        if (!(f = fopen(path, "r")))
                return 1;       /* cannot tell: count it alive, keep its objects */
        n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        const char *paren = strrchr(stat, ')');  /* the state follows the name, "(comm) S" */
        return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

/* The decimal pid at the start of `text`, ended by `end` (a character, or '\0'); -1 if none. */
static pid_t leading_pid(const char *text, char end)
{
        char *stop;
        long pid;

        if (*text < '1' || *text > '9')
                return -1;
        errno = 0;
        pid = strtol(text, &stop, 10);
        if (errno || *stop != end || pid <= 0 || pid > INT_MAX)
                return -1;
        return (pid_t)pid;
}

/* Whether to remove an object: says which, or why not; returns 1 to go ahead. */
static int judge(struct tally *t, const char *kind, const char *name, pid_t pid)
{
        if (pid_alive(pid)) {
                printf("kept %s %s: its creator, pid %d, is running\n", kind, name, (int)pid);
                t->kept++;
                return 0;
        }
        if (t->dry_run) {
                printf("would remove %s %s (its creator, pid %d, is gone)\n", kind, name, (int)pid);
                t->removed++;
                return 0;
        }
        return 1;
}

static void done(struct tally *t, const char *kind, const char *name, pid_t pid, int rc, int err)
{
        if (rc == 0) {
                printf("removed %s %s (its creator, pid %d, is gone)\n", kind, name, (int)pid);
                t->removed++;
        } else {
                printf("could not remove %s %s: %s\n", kind, name, strerror(err));
                t->failed++;
        }
}

/* A directory of plain entries (FIFOs, files), and then the directory. */
static int remove_flat_dir(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *e;
        int rc = 0, err = 0;

        if (!d)
                return -1;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
                    unlinkat(dirfd(d), e->d_name, 0) != 0 && !err) {
                        err = errno;
                        rc = -1;
                }
        closedir(d);
        if (rc == 0 && rmdir(path) != 0)
                return -1;
        errno = err;
        return rc;
}

/* Entries of `dir` named prefix<pid>-..., each removed by `remove_fn`: given the path, or for
 * POSIX objects (shm, mq: `posix_name`) the object's name, "/" and the entry. */
static void sweep_dir(struct tally *t, const char *kind, const char *dir, const char *prefix,
                      int posix_name, int (*remove_fn)(const char *name))
{
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t len = strlen(prefix);

        if (!d)
                return;         /* no such directory: nothing of ours can be in it */
        while ((e = readdir(d))) {
                char name[PATH_MAX];
                pid_t pid;

                if (strncmp(e->d_name, prefix, len) != 0 ||
                    (pid = leading_pid(e->d_name + len, '-')) < 0 ||
                    (size_t)snprintf(name, sizeof name, "%s/%s", posix_name ? "" : dir, e->d_name) >= sizeof name)
                        continue;
                if (!judge(t, kind, name, pid))
                        continue;
                int rc = remove_fn(name);
                done(t, kind, name, pid, rc, errno);
        }
        closedir(d);
}

/* Where the machine's POSIX queues can be listed: an mqueue mount, or, for root, one made in
 * a mount namespace of this process alone (nothing changes for anyone else). NULL if none. */
static const char *mqueue_dir(void)
{
        static char dir[PATH_MAX];
        char line[4096];
        FILE *f = fopen("/proc/self/mounts", "r");
        struct stat st;

        while (f && fgets(line, sizeof line, f)) {
                char where[PATH_MAX], type[64];
                if (sscanf(line, "%*s %4095s %63s", where, type) == 2 && strcmp(type, "mqueue") == 0) {
                        snprintf(dir, sizeof dir, "%s", where);
                        fclose(f);
                        return dir;
                }
        }
        if (f)
                fclose(f);
        if (stat("/dev/mqueue", &st) != 0 || !S_ISDIR(st.st_mode) || unshare(CLONE_NEWNS) != 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("mqueue", "/dev/mqueue", "mqueue", 0, NULL) != 0)
                return NULL;
        return "/dev/mqueue";
}

/* POSIX queues: "ipcbench-<pid>-<hex>-to-peer" and "-to-main", where an mqueue fs shows them. */
static void sweep_mq(struct tally *t)
{
        const char *dir = mqueue_dir();

        if (!dir) {
                printf("note: POSIX message queues not checked: no mqueue filesystem is mounted "
                       "(as root: mount -t mqueue none /dev/mqueue)\n");
                return;
        }
        sweep_dir(t, "POSIX mq", dir, NAME_MQ_PREFIX, 1, mq_unlink);
}

/* System V queues under ipcbench's key, from /proc/sysvipc/msg (key msqid perms cbytes qnum
 * lspid lrpid uid gid cuid ...). Also asked: no process that last sent or received on it is
 * running (a peer outliving its point would still use it), and it is this user's. */
static void sweep_sysv(struct tally *t)
{
        FILE *f = fopen("/proc/sysvipc/msg", "r");
        char line[512];
        uid_t me = geteuid();

        if (!f)
                return;
        if (!fgets(line, sizeof line, f)) {     /* the header */
                fclose(f);
                return;
        }
        while (fgets(line, sizeof line, f)) {
                long long key;
                int id, lspid, lrpid;
                unsigned cuid;
                char name[64];

                if (sscanf(line, "%lld %d %*o %*u %*u %d %d %*u %*u %u", &key, &id, &lspid, &lrpid,
                           &cuid) != 5 ||
                    ((unsigned)key & ~NAME_SYSV_KEY_PID_MASK) != NAME_SYSV_KEY_MARK ||
                    (me != 0 && cuid != me))
                        continue;
                pid_t pid = (pid_t)((unsigned)key & NAME_SYSV_KEY_PID_MASK);
                snprintf(name, sizeof name, "key 0x%08x (id %d)", (unsigned)key, id);
                int user = lspid > 0 && pid_alive(lspid) ? lspid : lrpid > 0 && pid_alive(lrpid) ? lrpid : 0;
                if (user) {
                        printf("kept System V queue %s: pid %d still uses it\n", name, user);
                        t->kept++;
                        continue;
                }
                if (judge(t, "System V queue", name, pid)) {
                        int rc = msgctl(id, IPC_RMID, NULL);
                        done(t, "System V queue", name, pid, rc, errno);
                }
        }
        fclose(f);
}

/* An unfinished run: its hidden directory ".<run_id>.<pid>.partial" (with any temporary
 * files in it) and the ".latest.<pid>" link it was about to rename. */
static void sweep_results(struct tally *t, const char *out_root)
{
        DIR *d = opendir(out_root);
        struct dirent *e;

        if (!d)
                return;
        while ((e = readdir(d))) {
                char path[PATH_MAX];
                const char *suffix = ".partial", *dot;
                size_t n = strlen(e->d_name), s = strlen(suffix);
                pid_t pid = -1;
                int is_dir = 0;

                if (strncmp(e->d_name, ".latest.", 8) == 0) {
                        pid = leading_pid(e->d_name + 8, '\0');
                } else if (e->d_name[0] == '.' && n > s && strcmp(e->d_name + n - s, suffix) == 0) {
                        char copy[NAME_MAX + 1];
                        snprintf(copy, sizeof copy, "%.*s", (int)(n - s), e->d_name);
                        dot = strrchr(copy, '.');
                        pid = dot && dot != copy ? leading_pid(dot + 1, '\0') : -1;
                        is_dir = 1;
                }
                if (pid < 0 || (size_t)snprintf(path, sizeof path, "%s/%s", out_root, e->d_name) >= sizeof path)
                        continue;
                if (judge(t, is_dir ? "unfinished run" : "link", path, pid)) {
                        int rc = is_dir ? remove_flat_dir(path) : unlink(path);
                        done(t, is_dir ? "unfinished run" : "link", path, pid, rc, errno);
                }
        }
        closedir(d);
}

int clean_main(int argc, char **argv)
{
        struct tally t = { 0 };
        const char *out_root = "results", *data_dir = "/dev/shm";

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        fputs(clean_help, stdout);
                        return 0;
                } else if (strcmp(argv[i], "--dry-run") == 0) {
                        t.dry_run = 1;
                } else if (is_option(argv[i], "--out") || is_option(argv[i], "--dir")) {
                        const char *name = argv[i], *dir = option_value(argc, argv, &i, name);
                        if (!dir || !*dir) {
                                fprintf(stderr, "ipcbench clean: %.*s needs a directory\n",
                                        (int)strcspn(name, "="), name);
                                return 2;
                        }
                        *(name[2] == 'o' ? &out_root : &data_dir) = dir;
                } else {
                        fprintf(stderr, "ipcbench clean: unknown option '%s'; accepted: --dry-run, "
                                "--out DIR, --dir DIR, --help\n", argv[i]);
                        return 2;
                }
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        /* POSIX shm lives in /dev/shm, where glibc keeps it. */
        sweep_dir(&t, "POSIX shm", "/dev/shm", NAME_SHM_PREFIX, 1, shm_unlink);
        sweep_dir(&t, "file dir", data_dir, NAME_FILE_DIR_PREFIX, 0, remove_flat_dir);
        sweep_dir(&t, "FIFO dir", "/tmp", NAME_FIFO_DIR_PREFIX, 0, remove_flat_dir);
        sweep_sysv(&t);
        sweep_results(&t, out_root);
        sweep_mq(&t);           /* last: it may move this process into a mount namespace of its own */

        printf("ipcbench clean: %s %u, kept %u in use, %u could not be removed\n",
               t.dry_run ? "would remove" : "removed", t.removed, t.kept, t.failed);
        return t.kept || t.failed || (t.dry_run && t.removed) ? 1 : 0;
}
