/* Peers: a function started as a thread or a process behind one call. Its success, its
 * failure (what it said, its exit status, the signal that killed it), the start barrier,
 * pinning, and a process peer dying with its parent. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "peer.h"
#include "placement.h"

static int succeed(void *arg)
{
        (void)arg;
        return 0;
}

static int fail_with_reason(void *arg)
{
        struct peer *self = arg;

        snprintf(self->shared->reason, sizeof self->shared->reason, "deliberate failure");
        return -1;
}

static int crash(void *arg)
{
        (void)arg;
        raise(SIGSEGV);
        return 0;
}

static int exit_3(void *arg)
{
        (void)arg;
        _exit(3);
}

static int sleep_long(void *arg)
{
        (void)arg;
        sleep(30);
        return 0;
}

/* Start, pass the barrier, join; return join's result with its message in err. */
static int start_and_join(enum peer_kind kind, int (*fn)(void *), char *err, size_t len)
{
        struct peer p;

        err[0] = '\0';
        /* The failing function reaches its own peer's page through the argument. */
        if (peer_start(&p, kind, fn, &p, -1, err, len) != 0)
                return -2;
        if (peer_wait_ready(&p, err, len) != 0)
                return -3;
        return peer_join(&p, err, len);
}

int main(void)
{
        struct rlimit no_core = { 0, 0 };
        char err[1024];
        int first, second;

        setrlimit(RLIMIT_CORE, &no_core);   /* the deliberate crash must not leave a core file */

        for (int k = 0; k < 2; k++) {
                enum peer_kind kind = k ? PEER_PROCESS : PEER_THREAD;
                CHECK_INT(start_and_join(kind, succeed, err, sizeof err), 0);
                CHECK_INT(start_and_join(kind, fail_with_reason, err, sizeof err), -1);
                CHECK_CONTAINS(err, peer_kind_name(kind));
                CHECK_CONTAINS(err, "deliberate failure");
        }
        CHECK_INT(start_and_join(PEER_THREAD, fail_with_reason, err, sizeof err), -1);
        CHECK_CONTAINS(err, "returned -1");

        CHECK_INT(start_and_join(PEER_PROCESS, crash, err, sizeof err), -1);
        CHECK_CONTAINS(err, "killed by signal 11");
        CHECK_INT(start_and_join(PEER_PROCESS, exit_3, err, sizeof err), -1);
        CHECK_CONTAINS(err, "exited with status 3");

        /* Pinning: the peer runs where it was put, in both kinds. */
        CHECK(placement_cpus(&first, &second) >= 1);
        for (int k = 0; k < 2; k++) {
                struct peer p;
                int cpu = second >= 0 ? second : first;
                CHECK_INT(peer_start(&p, k ? PEER_PROCESS : PEER_THREAD, succeed, NULL, cpu, err, sizeof err), 0);
                CHECK_INT(peer_wait_ready(&p, err, sizeof err), 0);
                CHECK_INT(peer_join(&p, err, sizeof err), 0);
                CHECK_INT(p.last.cpu_start, cpu);
                CHECK_INT(p.last.cpu_end, cpu);
        }

        /* A CPU the peer may not use: the barrier fails and says why. */
        for (int k = 0; k < 2; k++) {
                struct peer p;
                CHECK_INT(peer_start(&p, k ? PEER_PROCESS : PEER_THREAD, succeed, NULL, CPU_SETSIZE - 1,
                                     err, sizeof err), 0);
                CHECK_INT(peer_wait_ready(&p, err, sizeof err), -1);
                CHECK_CONTAINS(err, "sched_setaffinity");
        }

        /* A process peer dies with the process that started it, even one killed outright. */
        int pids[2];
        CHECK_INT(pipe(pids), 0);
        pid_t middle = fork();
        if (middle == 0) {
                struct peer p;
                if (peer_start(&p, PEER_PROCESS, sleep_long, NULL, -1, err, sizeof err) != 0 ||
                    peer_wait_ready(&p, err, sizeof err) != 0)
                        _exit(1);
                if (write(pids[1], &p.pid, sizeof p.pid) != sizeof p.pid)
                        _exit(1);
                raise(SIGKILL);
        }
        pid_t orphan = -1;
        CHECK_INT(read(pids[0], &orphan, sizeof orphan), sizeof orphan);
        waitpid(middle, NULL, 0);
        CHECK(orphan > 0 && check_process_gone(orphan, 5.0));
        return check_result();
}
