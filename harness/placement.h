/* CPU placement: pin the calling thread to one CPU and prove it runs there; read a task's
 * context-switch counters so a figure can be shown to be what it claims. */
#ifndef IPCBENCH_PLACEMENT_H
#define IPCBENCH_PLACEMENT_H

#include <stddef.h>
#include <sys/types.h>

/* The first two CPUs this process may run on; *second is -1 when only one is allowed.
 * Returns the number of allowed CPUs, or -1 with errno set. */
int placement_cpus(int *first, int *second);

/* Pin the calling thread to `cpu` and check with sched_getcpu() that it moved there.
 * Returns 0, or -1 with a reason in err. */
int placement_pin_self(int cpu, char *err, size_t err_len);

/* Voluntary and involuntary context switches of one task, from /proc/<tgid>/task/<tid>/status.
 * Returns 0, or -1 if the task is gone. */
int placement_task_switches(pid_t tgid, pid_t tid, long *voluntary, long *involuntary);

#endif
