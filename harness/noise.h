/* What the machine does to a point beside the benchmark itself: time the host took the vCPUs
 * away (steal), how far apart it put the two vCPUs a cross-cpu point runs on, and whether the
 * run holds idle CPUs awake. Machine facts only; nothing here knows of IPC. */
#ifndef IPCBENCH_NOISE_H
#define IPCBENCH_NOISE_H

#include <stdint.h>

/* Steal time so far of CPU `cpu` (cpu < 0: all CPUs together), in ns, from /proc/stat (kept
 * in ns by the kernel, printed in clock ticks: a difference is good to one tick, 10 ms).
 * Returns 0, or -1 when it cannot be read. */
int noise_steal_ns(int cpu, uint64_t *steal_ns);

/* A share of a window's time stolen above which a repetition is flagged: the host took the
 * vCPUs away long enough to move a median. */
#define NOISE_STEAL_FLAG 0.05

/* The cache-line round trip between the calling thread's CPU and `other_cpu`: a thread pinned
 * there and this one hand one line back and forth for `seconds`; the median of batches of
 * round trips, in ns. On a virtual machine it tells how far apart the host put the two vCPUs
 * (on the machine this was written on: about 100-120 ns near, 450-600 ns far). Returns NAN
 * when the thread cannot be started or pinned there. */
double noise_cacheline_probe_ns(int other_cpu, double seconds);

/* Probes above this say the two vCPUs were far apart. */
#define NOISE_FAR_NS 250.0

/* Two probes around one repetition further apart than this ratio: the host moved a vCPU
 * while it ran, and the repetition's distance is "mixed". */
#define NOISE_MOVED_RATIO 2.0

enum vcpu_distance { DISTANCE_NONE, DISTANCE_NEAR, DISTANCE_FAR, DISTANCE_MIXED };

/* From the probes before and after one repetition (NAN: none). */
enum vcpu_distance noise_distance(double probe_before_ns, double probe_after_ns);

/* "near", "far", "mixed", or "" for none. */
const char *noise_distance_name(enum vcpu_distance d);

/* Idle CPUs held awake for the run: a PM QoS request of 0 µs on /dev/cpu_dma_latency (as
 * cyclictest makes), so an idle CPU polls instead of halting and a wake-up does not wait for
 * the hypervisor. The request lives as long as the descriptor: released on close and on any
 * exit, however the process ends. */
struct noise_idle_hold {
        int fd;                   /* -1: not held */
        char reason[160];         /* why it could not be held, when it could not */
};

/* Take the hold. Returns 0, or -1 with the reason (e.g. not root, no such device). */
int noise_idle_hold(struct noise_idle_hold *h);

/* Give it back (idle allowed again); safe when not held. */
void noise_idle_release(struct noise_idle_hold *h);

#endif
