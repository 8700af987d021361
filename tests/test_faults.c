/* Faults through the whole `run` path, in both peer kinds: a peer that hangs is killed by the
 * watchdog within the limit and leaves no process behind; a peer that crashes, or fails and
 * says why, fails its benchmark with the reason; the benchmarks after them still run. And a
 * lossy stream's loss counts only its timed window. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "check.h"
#include "cli.h"
#include "clock.h"

struct ping {
        int to_peer[2], to_main[2];
        uint64_t seq;
};

static int ping_setup(struct bench_ctx *ctx)
{
        struct ping *p = ctx->state;

        if (pipe(p->to_peer) != 0 || pipe(p->to_main) != 0)
                return bench_fail(ctx, "pipe", errno);
        return BENCH_OK;
}

/* Echo sequence numbers until main closes its end. */
static int ping_peer(struct bench_ctx *ctx)
{
        struct ping *p = ctx->state;
        uint64_t seq;
        ssize_t n;

        bench_close_other_side(ctx, p->to_peer[1]);
        while ((n = read_full(p->to_peer[0], &seq, sizeof seq)) == sizeof seq)
                if (write_full(p->to_main[1], &seq, sizeof seq) != sizeof seq)
                        return bench_fail(ctx, "write", errno);
        return n == 0 ? BENCH_OK : bench_fail(ctx, "read", errno);
}

static int ping_run(struct bench_ctx *ctx, uint64_t iters)
{
        struct ping *p = ctx->state;

        while (iters--) {
                uint64_t seq = ++p->seq, back = 0;
                if (write_full(p->to_peer[1], &seq, sizeof seq) != sizeof seq)
                        return bench_fail(ctx, "write", errno);
                if (read_full(p->to_main[0], &back, sizeof back) != sizeof back)
                        return bench_failf(ctx, "the peer stopped answering");
                if (back != seq)
                        return bench_failf(ctx, "sequence %llu came back as %llu",
                                           (unsigned long long)seq, (unsigned long long)back);
        }
        return BENCH_OK;
}

static void ping_stop(struct bench_ctx *ctx)
{
        close(((struct ping *)ctx->state)->to_peer[1]);
}

/* The hanging peer leaves its process id where the test can check that it is gone. */
static int hang_peer(struct bench_ctx *ctx)
{
        const char *path = getenv("TEST_FAULTS_PIDFILE");
        FILE *f = path ? fopen(path, "w") : NULL;

        (void)ctx;
        if (f) {
                fprintf(f, "%d\n", (int)getpid());
                fclose(f);
        }
        for (;;)
                pause();
        return BENCH_OK;
}

static int crash_peer(struct bench_ctx *ctx)
{
        (void)ctx;
        raise(SIGSEGV);
        return BENCH_OK;
}

static int failing_peer(struct bench_ctx *ctx)
{
        return bench_failf(ctx, "deliberate failure %d", 42);
}

/* Ends at once, saying nothing wrong (exit status 0): main would wait for its answer forever. */
static int early_peer(struct bench_ctx *ctx)
{
        (void)ctx;
        return BENCH_OK;
}

/* A point's process must not inherit the memory of the process that runs the benchmarks
 * (its size would change what forking costs): main() below holds 64 MiB, a fresh point
 * process holds a few. */
static int fresh_setup(struct bench_ctx *ctx)
{
        char line[256];
        long rss_kib = -1;
        FILE *f = fopen("/proc/self/status", "r");

        while (f && fgets(line, sizeof line, f))
                sscanf(line, "VmRSS: %ld", &rss_kib);
        if (f)
                fclose(f);
        if (rss_kib < 0 || rss_kib > 32 * 1024)
                return bench_failf(ctx, "the point's process holds %ld KiB: it inherited memory", rss_kib);
        return ping_setup(ctx);
}

#define TEST_BENCH(id, peer_fn, run_fn)                                                      \
        static const struct bench id = {                                                     \
                .name = "test." #id, .group = "test", .mechanism = #id, .variant = "",       \
                .summary = "a test", .metric = "rtt", .state_bytes = sizeof(struct ping),    \
                .setup = ping_setup, .peer = peer_fn, .run = run_fn, .stop = ping_stop,      \
        }

TEST_BENCH(hang, hang_peer, ping_run);
TEST_BENCH(crash, crash_peer, ping_run);
TEST_BENCH(fail, failing_peer, ping_run);
TEST_BENCH(early, early_peer, ping_run);
TEST_BENCH(ok, ping_peer, ping_run);

static const struct bench fresh = {
        .name = "test.fresh", .group = "test", .mechanism = "fresh", .variant = "",
        .summary = "a test", .metric = "rtt", .state_bytes = sizeof(struct ping),
        .setup = fresh_setup, .peer = ping_peer, .run = ping_run, .stop = ping_stop,
};

/* A benchmark without a peer that runs per mode must be handed the mode of its point. */
static int report_mode(struct bench_ctx *ctx)
{
        return bench_report(ctx, "is_process", "bool", ctx->mode == PEER_PROCESS);
}

static const struct bench per_mode = {
        .name = "test.per_mode", .group = "test", .mechanism = "per_mode", .variant = "",
        .summary = "a test", .metric = "is_process", .per_mode = 1, .unpinned_only = 1,
        .measure = report_mode,
};

/* A lossy stream that loses every message of its first three calls (the calibration's first
 * tries, untimed) and none after: its loss, counted over the timed window, is exactly 0. */
struct lossy {
        uint64_t calls;
};

static int lossy_stream(struct bench_ctx *ctx, uint64_t iters)
{
        struct lossy *l = ctx->state;
        uint64_t arrived = ++l->calls <= 3 ? 0 : iters, until = now_ns() + iters * 100;

        while (now_ns() < until)        /* 100 ns a message, so the batch stays a real size */
                ;
        ctx->delivered = arrived;
        ctx->sent_total += iters;
        ctx->delivered_total += arrived;
        return BENCH_OK;
}

static const size_t lossy_sizes[] = { 64, 0 };

static const struct bench lossy = {
        .name = "test.lossy", .group = "test", .mechanism = "lossy", .variant = "",
        .summary = "a test", .metric = "throughput", .fixed_mode = PEER_NONE,
        .state_bytes = sizeof(struct lossy), .stream = lossy_stream, .stream_sizes = lossy_sizes,
        .lossy = 1,
};

static const struct bench *const table[] = { &hang, &crash, &fail, &early, &ok, &fresh, &per_mode, &lossy };

static char root[] = "/tmp/ipcbench-test-faults-XXXXXX";

static int run(const char *mode, const char *glob, const char *timeout)
{
        char out[256];
        char *argv[] = { "ipcbench", "run", "--mode", (char *)mode, "--placement", "same-cpu",
                         "--iterations", "200", "--timeout", (char *)timeout, "--out", out,
                         (char *)glob, NULL };

        snprintf(out, sizeof out, "%s/%s-%s", root, mode, glob);
        return cli_main(13, argv, table, sizeof table / sizeof *table);
}

static char *slurp(const char *path)
{
        static char text[65536];
        FILE *f = fopen(path, "r");
        size_t n = 0;

        if (f) {
                n = fread(text, 1, sizeof text - 1, f);
                fclose(f);
        }
        text[n] = '\0';
        return text;
}

static char *meta_of(const char *mode, const char *glob)
{
        char path[512];

        snprintf(path, sizeof path, "%s/%s-%s/latest/meta.json", root, mode, glob);
        return slurp(path);
}

int main(int argc, char **argv)
{
        /* Each point runs in a fresh image of this program, which lands here: hand it over. */
        if (argc > 1)
                return cli_main(argc, argv, table, sizeof table / sizeof *table);

        struct rlimit no_core = { 0, 0 };
        char pidfile[300];
        const char *modes[] = { "thread", "process" };

        setrlimit(RLIMIT_CORE, &no_core);
        if (!mkdtemp(root)) {
                perror("mkdtemp");
                return TEST_FAIL;
        }
        snprintf(pidfile, sizeof pidfile, "%s/hang.pid", root);
        setenv("TEST_FAULTS_PIDFILE", pidfile, 1);

        size_t ballast_bytes = 64u << 20;
        char *ballast = malloc(ballast_bytes);
        CHECK(ballast != NULL);
        if (ballast)
                memset(ballast, 1, ballast_bytes);
        CHECK_INT(run("process", "test.fresh", "20"), 0);
        free(ballast);

        CHECK_INT(run("both", "test.per_mode", "20"), 0);
        char mode_csv[512];
        snprintf(mode_csv, sizeof mode_csv, "%s/both-test.per_mode/latest/results.csv", root);
        CHECK_CONTAINS(slurp(mode_csv), "test.per_mode,test,per_mode,,thread,any,,,,is_process,bool,3,0,0,");
        CHECK_CONTAINS(slurp(mode_csv), "test.per_mode,test,per_mode,,process,any,,,,is_process,bool,3,1,1,");

        /* Loss is of the timed window, as the rate is: what calibration lost is not counted. */
        CHECK_INT(run("thread", "test.lossy", "20"), 0);
        snprintf(mode_csv, sizeof mode_csv, "%s/thread-test.lossy/latest/results.csv", root);
        const char *loss_row = "test.lossy,test,lossy,,n/a,same-cpu,64,,,loss,fraction,";
        const char *row = strstr(slurp(mode_csv), loss_row);
        size_t n_loss = 0;
        double loss_min = -1, loss_p50 = -1, loss_max = -1;
        CHECK(row != NULL);
        if (row)
                CHECK_INT(sscanf(row + strlen(loss_row), "%zu,%lf,%lf,,,,%lf", &n_loss, &loss_min,
                                 &loss_p50, &loss_max), 4);
        CHECK(n_loss >= 3);
        CHECK(loss_min == 0 && loss_max == 0);

        for (int m = 0; m < 2; m++) {
                /* The watchdog: killed within its limit, the peer with it, the run failed. */
                uint64_t t0 = now_ns();
                CHECK_INT(run(modes[m], "test.hang", "1"), 1);
                double took_s = (double)(now_ns() - t0) / 1e9;
                CHECK(took_s < 4.0);
                CHECK_CONTAINS(meta_of(modes[m], "test.hang"), "exceeded its time limit of 1 s");
                pid_t pid = (pid_t)atoi(slurp(pidfile));
                CHECK(pid > 0 && check_process_gone(pid, 3.0));
                unlink(pidfile);

                CHECK_INT(run(modes[m], "test.crash", "20"), 1);
                CHECK_CONTAINS(meta_of(modes[m], "test.crash"), "signal 11");

                CHECK_INT(run(modes[m], "test.fail", "20"), 1);
                CHECK_CONTAINS(meta_of(modes[m], "test.fail"), "deliberate failure 42");
                CHECK_CONTAINS(meta_of(modes[m], "test.fail"), m ? "process, peer side" : "thread, peer side");

                /* A peer that ends early with status 0 is found at once, not by the watchdog. */
                t0 = now_ns();
                CHECK_INT(run(modes[m], "test.early", "20"), 1);
                took_s = (double)(now_ns() - t0) / 1e9;
                CHECK(took_s < 10.0);
                CHECK_CONTAINS(meta_of(modes[m], "test.early"),
                               m ? "process peer exited with status 0 before main had finished"
                                 : "thread peer returned before main had finished");

                /* After failures in the same run, a sound benchmark still runs and is written. */
                CHECK_INT(run(modes[m], "test.*", "5"), 1);
                char path[512];
                snprintf(path, sizeof path, "%s/%s-test.*/latest/results.csv", root, modes[m]);
                CHECK_CONTAINS(slurp(path), "test.ok,test,ok,,");
                CHECK_INT(run(modes[m], "test.ok", "20"), 0);
        }
        /* On one CPU, cross-cpu is skipped with the reason, not failed and not faked. */
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(sched_getcpu(), &one);
        CHECK_INT(sched_setaffinity(0, sizeof one, &one), 0);
        char out[300];
        snprintf(out, sizeof out, "%s/one-cpu", root);
        char *one_cpu_argv[] = { "ipcbench", "run", "--placement", "cross-cpu", "--iterations", "20",
                         "--out", out, "test.ok", NULL };
        CHECK_INT(cli_main(9, one_cpu_argv, table, sizeof table / sizeof *table), 0);
        snprintf(out, sizeof out, "%s/one-cpu/latest/meta.json", root);
        CHECK_CONTAINS(slurp(out), "cross-cpu needs two CPUs");

        /* Leave nothing behind. */
        char command[400];
        snprintf(command, sizeof command, "rm -rf '%s'", root);
        if (system(command) != 0)
                fprintf(stderr, "could not remove %s\n", root);
        return check_result();
}
