#include "noise.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "stats.h"

int noise_steal_ns(int cpu, uint64_t *steal_ns)
{
        char want[24], line[512];
        FILE *f = fopen("/proc/stat", "r");
        long ticks_per_s = sysconf(_SC_CLK_TCK);
        int found = 0;

        if (!f)
                return -1;
        if (cpu < 0)
                snprintf(want, sizeof want, "cpu ");
        else
                snprintf(want, sizeof want, "cpu%d ", cpu);
        while (!found && fgets(line, sizeof line, f)) {
                unsigned long long v[8];
                if (strncmp(line, want, strlen(want)) != 0)
                        continue;
                /* user nice system idle iowait irq softirq steal */
                if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                           &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8 && ticks_per_s > 0) {
                        *steal_ns = (uint64_t)(v[7] * (1000000000.0 / (double)ticks_per_s));
                        found = 1;
                }
        }
        fclose(f);
        return found ? 0 : -1;
}

/* ---- the cache-line probe ---- */

enum { LINE_BYTES = 64, TRIPS_PER_BATCH = 64, MAX_BATCHES = 8192 };
static const uint64_t PROBE_STOP = UINT64_MAX;

struct probe_line {
        _Alignas(LINE_BYTES) _Atomic uint64_t ping;     /* this thread writes */
        _Alignas(LINE_BYTES) _Atomic uint64_t pong;     /* the probe thread writes */
        _Alignas(LINE_BYTES) _Atomic int ready;         /* 1 pinned, -1 could not pin */
};

static inline void pause_hint(void)
{
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
}

static void *probe_echo(void *arg)
{
        struct probe_line *l = arg;
        uint64_t last = 0, seen;

        atomic_store(&l->ready, 1);
        for (;;) {
                while ((seen = atomic_load_explicit(&l->ping, memory_order_acquire)) == last)
                        pause_hint();
                if (seen == PROBE_STOP)
                        return NULL;
                atomic_store_explicit(&l->pong, seen, memory_order_release);
                last = seen;
        }
}

/* Wait until the probe thread has echoed `want`; 0, or -1 past the deadline (the host took
 * the other vCPU away for long: the probe then says nothing rather than something wrong). */
static int wait_echo(struct probe_line *l, uint64_t want, uint64_t deadline_ns)
{
        for (unsigned looks = 1; atomic_load_explicit(&l->pong, memory_order_acquire) != want; looks++) {
                pause_hint();
                if (looks % 4096 == 0 && now_ns() > deadline_ns)
                        return -1;
        }
        return 0;
}

double noise_cacheline_probe_ns(int other_cpu, double seconds)
{
        static struct probe_line line;   /* one probe at a time in a point's process */
        double *batch_ns = malloc(MAX_BATCHES * sizeof *batch_ns);
        pthread_attr_t attr;
        pthread_t thread;
        cpu_set_t set;
        size_t n = 0;
        double median = NAN;
        int failed = 0;

        if (!batch_ns)
                return NAN;
        atomic_store(&line.ping, 0);
        atomic_store(&line.pong, 0);
        atomic_store(&line.ready, 0);
        CPU_ZERO(&set);
        CPU_SET(other_cpu, &set);
        if (pthread_attr_init(&attr) != 0) {
                free(batch_ns);
                return NAN;
        }
        /* Pinned before it runs: it never spins on the CPU it probes from. */
        if (pthread_attr_setaffinity_np(&attr, sizeof set, &set) != 0 ||
            pthread_create(&thread, &attr, probe_echo, &line) != 0) {
                pthread_attr_destroy(&attr);
                free(batch_ns);
                return NAN;
        }
        pthread_attr_destroy(&attr);

        /* The thread's start may wait for its vCPU (halted, or taken by the host): the time
         * budget counts from when it runs. */
        uint64_t budget_ns = (uint64_t)(seconds * 1e9), deadline = now_ns() + 1000000000;
        while (!atomic_load(&line.ready))
                if (now_ns() > deadline) {
                        failed = 1;
                        break;
                }
        uint64_t start = now_ns();
        deadline = start + budget_ns + 100000000;       /* 0.1 s of grace */
        for (uint64_t next = 1; !failed && n < MAX_BATCHES && now_ns() - start < budget_ns;) {
                uint64_t t0 = now_ns();
                for (int trip = 0; trip < TRIPS_PER_BATCH && !failed; trip++, next++) {
                        atomic_store_explicit(&line.ping, next, memory_order_release);
                        failed = wait_echo(&line, next, deadline) != 0;
                }
                if (!failed)
                        batch_ns[n++] = (double)(now_ns() - t0) / TRIPS_PER_BATCH;
        }
        atomic_store_explicit(&line.ping, PROBE_STOP, memory_order_release);
        pthread_join(thread, NULL);
        if (!failed && n > 0)
                median = stats_median(batch_ns, n);
        free(batch_ns);
        return median;
}

enum vcpu_distance noise_distance(double before_ns, double after_ns)
{
        if (isnan(before_ns) && isnan(after_ns))
                return DISTANCE_NONE;
        if (isnan(before_ns) || isnan(after_ns)) {
                double one = isnan(before_ns) ? after_ns : before_ns;
                return one > NOISE_FAR_NS ? DISTANCE_FAR : DISTANCE_NEAR;
        }
        double lo = fmin(before_ns, after_ns), hi = fmax(before_ns, after_ns);
        if (hi > lo * NOISE_MOVED_RATIO)
                return DISTANCE_MIXED;
        return sqrt(lo * hi) > NOISE_FAR_NS ? DISTANCE_FAR : DISTANCE_NEAR;
}

const char *noise_distance_name(enum vcpu_distance d)
{
        static const char *const names[] = { "", "near", "far", "mixed" };

        return names[d];
}

/* ---- idle CPUs held awake ---- */

int noise_idle_hold(struct noise_idle_hold *h)
{
        static const char device[] = "/dev/cpu_dma_latency";
        const int32_t zero_us = 0;

        h->reason[0] = '\0';
        h->fd = open(device, O_WRONLY | O_CLOEXEC);
        if (h->fd < 0) {
                snprintf(h->reason, sizeof h->reason, "cannot open %s: %s%s", device, strerror(errno),
                         errno == EACCES ? " (it needs root)" : "");
                return -1;
        }
        /* Exactly four bytes: the kernel reads them as a binary s32 (any other length as text). */
        if (write(h->fd, &zero_us, sizeof zero_us) != (ssize_t)sizeof zero_us) {
                snprintf(h->reason, sizeof h->reason, "cannot write to %s: %s", device, strerror(errno));
                close(h->fd);
                h->fd = -1;
                return -1;
        }
        return 0;
}

void noise_idle_release(struct noise_idle_hold *h)
{
        if (h->fd >= 0)
                close(h->fd);
        h->fd = -1;
}
