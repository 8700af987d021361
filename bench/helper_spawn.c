/* ipcbench-spawn: the lecture's "N threads vs N processes", timed whole by hyperfine.
 *
 *   ipcbench-spawn threads N      N pthread_create, then N pthread_join
 *   ipcbench-spawn processes N    N fork (each child _exit(0)s), then N waitpid
 *
 * Every unit is started before any is waited for, so all N exist together (a finished thread
 * keeps its stack and a finished child its pid until joined or reaped). Each is checked: a
 * thread must return its argument, a child must exit 0. Nothing is printed on success, so
 * hyperfine times only creation and teardown.
 * Exit: 0 every unit ran; 1 a creation failed (after reaping what was started) or a unit
 * misbehaved; 2 bad arguments. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum spawn_exit { SPAWN_OK = 0, SPAWN_FAILED = 1, SPAWN_USAGE = 2 };
enum { COUNT_MAX = 100000 };

static void *empty_thread(void *arg)
{
        return arg;     /* handing back the argument proves the thread ran */
}

static void *thread_token(long i)
{
        return (void *)(intptr_t)(i + 1);
}

static int spawn_threads(long n)
{
        pthread_t *threads = malloc((size_t)n * sizeof *threads);
        long started = 0;
        int result = SPAWN_OK;

        if (!threads) {
                fprintf(stderr, "ipcbench-spawn: out of memory for %ld thread ids\n", n);
                return SPAWN_FAILED;
        }
        for (; started < n; started++) {
                /* The argument is the thread's number: unique, so a mix-up would show. */
                int rc = pthread_create(&threads[started], NULL, empty_thread, thread_token(started));
                if (rc != 0) {
                        fprintf(stderr, "ipcbench-spawn: pthread_create of thread %ld of %ld: %s%s\n",
                                started + 1, n, strerror(rc),
                                rc == EAGAIN ? " (limits: ulimit -u, /proc/sys/kernel/threads-max, "
                                               "/proc/sys/kernel/pid_max, /proc/sys/vm/max_map_count)" : "");
                        result = SPAWN_FAILED;
                        break;
                }
        }
        for (long i = 0; i < started; i++) {
                void *ret;
                int rc = pthread_join(threads[i], &ret);
                if (rc != 0) {
                        fprintf(stderr, "ipcbench-spawn: pthread_join of thread %ld: %s\n", i + 1, strerror(rc));
                        result = SPAWN_FAILED;
                } else if (ret != thread_token(i) && result == SPAWN_OK) {
                        fprintf(stderr, "ipcbench-spawn: thread %ld returned %p, not its argument %p\n",
                                i + 1, ret, thread_token(i));
                        result = SPAWN_FAILED;
                }
        }
        free(threads);
        return result;
}

static int spawn_processes(long n)
{
        pid_t *pids = malloc((size_t)n * sizeof *pids);
        long started = 0;
        int result = SPAWN_OK;

        if (!pids) {
                fprintf(stderr, "ipcbench-spawn: out of memory for %ld process ids\n", n);
                return SPAWN_FAILED;
        }
        for (; started < n; started++) {
                pid_t pid = fork();
                if (pid == 0)
                        _exit(0);
                if (pid < 0) {
                        fprintf(stderr, "ipcbench-spawn: fork of process %ld of %ld: %s%s\n",
                                started + 1, n, strerror(errno),
                                errno == EAGAIN ? " (limits: ulimit -u, /proc/sys/kernel/pid_max, "
                                                  "/proc/sys/kernel/threads-max)" : "");
                        result = SPAWN_FAILED;
                        break;
                }
                pids[started] = pid;
        }
        for (long i = 0; i < started; i++) {
                int status;
                pid_t r;

                while ((r = waitpid(pids[i], &status, 0)) < 0 && errno == EINTR)
                        ;
                if (r < 0) {
                        fprintf(stderr, "ipcbench-spawn: waitpid of process %d: %s\n", (int)pids[i], strerror(errno));
                        result = SPAWN_FAILED;
                } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && result == SPAWN_OK) {
                        fprintf(stderr, "ipcbench-spawn: process %d %s %d\n", (int)pids[i],
                                WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
                                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                        result = SPAWN_FAILED;
                }
        }
        free(pids);
        return result;
}

int main(int argc, char **argv)
{
        char *end;
        long n;

        if (argc != 3) {
                fprintf(stderr, "usage: ipcbench-spawn threads|processes N   (1 <= N <= %d)\n", COUNT_MAX);
                return SPAWN_USAGE;
        }
        errno = 0;
        n = strtol(argv[2], &end, 10);
        if (errno || end == argv[2] || *end || n < 1 || n > COUNT_MAX) {
                fprintf(stderr, "ipcbench-spawn: bad count '%s': expected a whole number from 1 to %d\n",
                        argv[2], COUNT_MAX);
                return SPAWN_USAGE;
        }
        if (strcmp(argv[1], "threads") == 0)
                return spawn_threads(n);
        if (strcmp(argv[1], "processes") == 0)
                return spawn_processes(n);
        fprintf(stderr, "ipcbench-spawn: bad kind '%s': expected 'threads' or 'processes'\n", argv[1]);
        return SPAWN_USAGE;
}
