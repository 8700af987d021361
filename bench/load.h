/* The engine of `ipcbench load`, callable: drive an ack server with requests on N connections
 * and gather what each took. The command (load_main) and the server.* benchmarks both use it;
 * it never prints, it says what went wrong in err. */
#ifndef IPCBENCH_LOAD_H
#define IPCBENCH_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct load_spec {
        const char *host;               /* name or address of the server */
        unsigned port;
        size_t connections;             /* all opened before any timing */
        size_t size_bytes;              /* bytes per request */
        double duration_s;              /* how long to measure, or, when 0, */
        uint64_t requests;              /* ... this many requests in all */
        double rate;                    /* open loop: requests/s over all connections; 0: closed */
        double warmup_s;                /* unmeasured load first; 0: none */
        double timeout_s;               /* a request not acked this long after it was sent (open
                                         * loop: due) fails the run */
        size_t max_latencies;           /* beyond this many, a uniform reservoir is kept; 0: 4 Mi */
};

struct load_result {
        uint64_t requests;              /* completed in the measured phase */
        uint64_t elapsed_ns;            /* from its start to its last ack */
        double *latency_ns;             /* n_latency latencies (malloc'd): all of them, or a
                                         * uniform reservoir when latency_seen > n_latency */
        size_t n_latency;
        uint64_t latency_seen;
        double latency_min_ns, latency_max_ns, latency_mean_ns;    /* exact, over every request */
        uint64_t last_lag_ns, max_lag_ns;       /* open loop: how late requests were sent */
        double cpu_s;                   /* the client's CPU time (user + system) while measuring */
};

/* Raise the soft RLIMIT_NOFILE to the hard limit and check it holds spec's connections.
 * Returns 0, or -1 with the reason, naming the limit, in err. */
int load_raise_file_limit(const struct load_spec *spec, char *err, size_t err_len);

/* Connect, warm up, measure, close. Returns 0 with *result filled (free it with
 * load_result_free), or -1 with a one-line reason in err (the server refused, closed, sent a
 * wrong or no ack). */
int load_measure(const struct load_spec *spec, struct load_result *result, char *err, size_t err_len);

void load_result_free(struct load_result *result);

/* Requests completed per second of the measured phase; NaN if it took no time. */
double load_result_rate(const struct load_result *result);

#endif
