#include "reap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

int reap_init(void)
{
        return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* Reap what has exited; kill what is left when asked. Returns how many were reaped, and
 * sets *left when a child is still running. */
static int reap_exited(int *left)
{
        int reaped = 0;
        pid_t pid;

        *left = 0;
        while ((pid = waitpid(-1, NULL, WNOHANG)) != 0) {
                if (pid > 0) {
                        reaped++;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                return reaped;          /* ECHILD: no child left */
        }
        *left = 1;
        return reaped;
}

/* SIGKILL every child still running, as /proc lists them (this process has one thread). */
static void kill_children(void)
{
        char path[64];
        FILE *f;
        int pid;

        snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
        if (!(f = fopen(path, "r")))
                return;
        while (fscanf(f, "%d", &pid) == 1)
                kill(pid, SIGKILL);
        fclose(f);
}

int reap_orphans(double timeout_s)
{
        uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
        struct timespec pause = { 0, 1000000 };
        int left, reaped = reap_exited(&left);

        /* Between points this process has no child of its own: whatever is left was orphaned
         * by a point that has ended (a helper it had just started, say), and goes too. */
        if (left)
                kill_children();
        while (left && now_ns() < deadline) {
                nanosleep(&pause, NULL);
                reaped += reap_exited(&left);
        }
        return reaped;
}
