/* The monotonic clock, in nanoseconds, and what reading it costs. */
#ifndef IPCBENCH_CLOCK_H
#define IPCBENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Median cost of one now_ns() call, in ns, from back-to-back reads. */
double clock_timer_cost_ns(void);

/* The kernel's clock source (e.g. "tsc", "kvm-clock"), or "unknown". */
const char *clock_source(void);

#endif
