#include "placement.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

int placement_cpus(int *first, int *second)
{
        cpu_set_t set;
        int count = 0;

        *first = *second = -1;
        if (sched_getaffinity(0, sizeof set, &set) != 0)
                return -1;
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
                if (!CPU_ISSET(cpu, &set))
                        continue;
                if (count == 0)
                        *first = cpu;
                else if (count == 1)
                        *second = cpu;
                count++;
        }
        return count;
}

int placement_pin_self(int cpu, char *err, size_t err_len)
{
        cpu_set_t set;
        int now;

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        /* pid 0 is the calling thread, so this pins a thread peer without touching main. */
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
                snprintf(err, err_len, "sched_setaffinity(CPU %d): %s", cpu, strerror(errno));
                return -1;
        }
        /* The kernel migrates a thread off a CPU it may no longer use before returning. */
        now = sched_getcpu();
        if (now != cpu) {
                snprintf(err, err_len, "pinned to CPU %d but sched_getcpu() says %d", cpu, now);
                return -1;
        }
        return 0;
}

int placement_task_switches(pid_t tgid, pid_t tid, long *voluntary, long *involuntary)
{
        char path[64], line[256];
        int found = 0;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)tgid, (int)tid);
        f = fopen(path, "r");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f)) {
                if (sscanf(line, "voluntary_ctxt_switches: %ld", voluntary) == 1)
                        found++;
                else if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", involuntary) == 1)
                        found++;
        }
        fclose(f);
        return found == 2 ? 0 : -1;
}
