#include "cli.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "version.h"
#include "csv.h"
#include "meta.h"
#include "noise.h"
#include "output.h"
#include "repeat.h"
#include "options.h"
#include "reap.h"
#include "report.h"
#include "runner.h"


static const char main_help[] =
"usage: ipcbench COMMAND [ARGS]\n"
"\n"
"Measures, on this machine, what a process costs compared with a thread and how fast each\n"
"way of talking between them is. Linux only.\n"
"\n"
"commands:\n"
"  list [GLOB]              the benchmarks: name, group, what one iteration is, parameters\n"
"  run [OPTIONS] [GLOB...]  run benchmarks, print a summary, write CSV (see 'ipcbench run --help')\n";
static const char main_help_end[] =
"  --help                   this help\n"
"  --version                the version\n";

static const struct cli_command *extra_commands;
static size_t n_extra_commands;

void cli_add_commands(const struct cli_command *commands, size_t n)
{
        extra_commands = commands;
        n_extra_commands = n;
}

static void print_help(FILE *out)
{
        fputs(main_help, out);
        for (size_t i = 0; i < n_extra_commands; i++) {
                char usage[64];
                snprintf(usage, sizeof usage, "%s %s", extra_commands[i].name, extra_commands[i].args);
                fprintf(out, "  %-24s %s\n", usage, extra_commands[i].summary);
        }
        fputs(main_help_end, out);
}

static int usage_error(const char *fmt, const char *value)
{
        fputs("ipcbench: ", stderr);
        fprintf(stderr, fmt, value);
        fputc('\n', stderr);
        return 2;
}

/* ---- list --------------------------------------------------------------------------- */

static void print_sizes(const size_t *sizes)
{
        char one[32];

        for (size_t i = 0; sizes[i]; i++) {
                report_size(one, sizeof one, sizes[i]);
                printf("%s%s", i ? "," : "", one);
        }
}

static int cmd_list(int argc, char **argv, const struct bench *const *table, size_t count)
{
        const char *glob = argc > 0 ? argv[0] : "*";
        size_t shown = 0;

        if (argc > 1)
                return usage_error("list takes one pattern at most; '%s' is one too many", argv[1]);
        if (strcmp(glob, "--help") == 0 || strcmp(glob, "-h") == 0) {
                puts("usage: ipcbench list [GLOB]\n       ipcbench list --names\n"
                     "Lists the benchmarks whose names match GLOB; --names prints only each\n"
                     "name and its modes, for scripts.");
                return 0;
        }
        if (strcmp(glob, "--names") == 0) {
                for (size_t i = 0; i < count; i++)
                        printf("%s %s\n", table[i]->name,
                               bench_has_modes(table[i]) ? "thread,process" : peer_kind_name(table[i]->fixed_mode));
                return 0;
        }
        for (size_t i = 0; i < count; i++) {
                const struct bench *b = table[i];
                if (fnmatch(glob, b->name, 0) != 0)
                        continue;
                printf("%-22s %-8s %s\n", b->name, b->group, b->summary);
                printf("%-22s %-8s   modes: %s; placements: %s", "", "",
                       bench_has_modes(b) ? "thread, process" : peer_kind_name(b->fixed_mode),
                       b->cross_cpu_only ? "cross-cpu (its sides spin)"
                       : b->peer ? "same-cpu, cross-cpu" : b->unpinned_only ? "any (unpinned)"
                                                          : "same-cpu, any (unpinned)");
                if (b->sizes) {
                        printf("; sizes: ");
                        print_sizes(b->sizes);
                }
                if (b->stream_sizes) {
                        printf("; stream sizes: ");
                        print_sizes(b->stream_sizes);
                }
                if (b->param) {
                        printf("; %s: ", b->param);
                        for (size_t k = 0; b->param_values[k] >= 0; k++)
                                printf("%s%ld", k ? "," : "", b->param_values[k]);
                }
                putchar('\n');
                shown++;
        }
        if (!shown)
                return usage_error("no benchmark matches '%s'; see 'ipcbench list'", glob);
        return 0;
}

/* ---- run: which points ---------------------------------------------------------------- */

struct plan {
        struct point *points;
        size_t n, cap;
};

static int plan_add(struct plan *p, struct point pt)
{
        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 64;
                struct point *more = realloc(p->points, cap * sizeof *more);
                if (!more)
                        return -1;
                p->points = more;
                p->cap = cap;
        }
        p->points[p->n++] = pt;
        return 0;
}

static void plan_free(struct plan *p)
{
        free(p->points);
}

/* A benchmark's list for the profile: its quick or full list when it has one, else its own. */
static const size_t *profile_sizes(enum run_profile p, const size_t *own, const size_t *quick,
                                   const size_t *full)
{
        return p == PROFILE_QUICK && quick ? quick : p == PROFILE_FULL && full ? full : own;
}

static const long *profile_values(enum run_profile p, const long *own, const long *quick, const long *full)
{
        return p == PROFILE_QUICK && quick ? quick : p == PROFILE_FULL && full ? full : own;
}

static int plan_bench(struct plan *p, const struct bench *b, const struct run_options *o,
                      int idle_held)
{
        static const long no_param[] = { -1 };
        static const size_t no_size[] = { 0 };
        const size_t *sizes = !b->sizes ? no_size : o->n_sizes ? o->sizes
                              : profile_sizes(o->profile, b->sizes, b->quick_sizes, b->full_sizes);
        size_t n_sizes = !b->sizes ? 1 : o->n_sizes;
        const long *params = !b->param ? no_param : o->n_params ? o->params
                             : profile_values(o->profile, b->param_values, b->quick_param_values,
                                              b->full_param_values);
        size_t n_params = 1;
        static const enum peer_kind kinds[] = { PEER_THREAD, PEER_PROCESS };
        static const enum placement peer_places[] = { PLACE_SAME_CPU, PLACE_CROSS_CPU };
        static const enum placement alone_places[] = { PLACE_SAME_CPU, PLACE_ANY };

        if (b->sizes && !o->n_sizes)
                for (n_sizes = 0; sizes[n_sizes]; n_sizes++)
                        ;
        /* Throughput points sweep their own sizes; --sizes sets both sweeps. */
        const size_t *stream_sizes = o->n_sizes ? o->sizes
                                     : profile_sizes(o->profile, b->stream_sizes, b->quick_stream_sizes,
                                                     b->full_stream_sizes);
        size_t n_stream_sizes = o->n_sizes;
        if (b->stream && !o->n_sizes)
                for (n_stream_sizes = 0; stream_sizes[n_stream_sizes]; n_stream_sizes++)
                        ;
        if (o->no_stream)
                n_stream_sizes = 0;
        if (b->param)
                for (n_params = 0; params[n_params] >= 0; n_params++)
                        ;
        /* Without a peer there is no second side to put on another CPU: cross-cpu becomes
         * "any", unpinned, where the scheduler may start the child on an idle CPU. */
        const enum placement *places = b->peer ? peer_places : alone_places;

        /* A benchmark with modes runs once per selected one; any other once, as what it is. */
        const enum peer_kind *modes = bench_has_modes(b) ? kinds : &b->fixed_mode;
        size_t n_modes = bench_has_modes(b) ? 2 : 1;

        for (size_t m = 0; m < n_modes; m++) {
                if (bench_has_modes(b) && !(o->modes & (1u << m)))
                        continue;
                for (size_t pl = 0; pl < 2; pl++) {
                        if (b->unpinned_only ? places[pl] != PLACE_ANY : !(o->placements & (1u << pl)))
                                continue;
                        if (b->cross_cpu_only && places[pl] != PLACE_CROSS_CPU)
                                continue;
                        /* A benchmark that only streams (no run, no measure) has no
                         * round-trip points. */
                        for (size_t s = 0; (b->run || b->measure) && s < n_sizes; s++)
                                for (size_t v = 0; v < n_params; v++) {
                                        struct point pt = {
                                                .bench = b, .mode = modes[m], .placement = places[pl],
                                                .size_bytes = sizes[s], .param_value = params[v],
                                        };
                                        if (plan_add(p, pt) != 0)
                                                return -1;
                                        /* What waking an idle CPU costs: the same again with
                                         * idle allowed, beside it in the same run. */
                                        pt.idle_allowed = 1;
                                        if (b->wake_cost && idle_held && v == 0 &&
                                            pt.placement == PLACE_CROSS_CPU && plan_add(p, pt) != 0)
                                                return -1;
                                }
                        for (size_t s = 0; b->stream && s < n_stream_sizes; s++) {
                                struct point pt = {
                                        .bench = b, .mode = modes[m], .placement = places[pl],
                                        .size_bytes = stream_sizes[s], .param_value = -1, .stream = 1,
                                };
                                if (plan_add(p, pt) != 0)
                                        return -1;
                        }
                }
        }
        return 0;
}

/* ---- run: where results go ------------------------------------------------------------- */

static int mkdir_parents(const char *path)
{
        char buf[PATH_MAX];

        if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) {
                errno = ENAMETOOLONG;
                return -1;
        }
        for (char *slash = buf + 1; ; slash++) {
                if (*slash == '/' || *slash == '\0') {
                        char saved = *slash;
                        *slash = '\0';
                        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                                return -1;
                        *slash = saved;
                        if (!saved)
                                break;
                }
        }
        return 0;
}

static void remove_tree(const char *dir)
{
        static const char *const names[] = { "results.csv", "placement.csv", "samples.csv", "meta.json" };
        char path[PATH_MAX];

        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
                if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) < sizeof path)
                        unlink(path);
        rmdir(dir);
}

static const char *helper_path(void)
{
        static char path[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);

        if (n <= 0)
                return "ipcbench-true";
        path[n] = '\0';
        char *slash = strrchr(path, '/');
        strcpy(slash ? slash + 1 : path, "ipcbench-true");
        return path;
}

/* ---- run: Ctrl-C ---------------------------------------------------------------------- */

static void on_interrupt(int sig)
{
        (void)sig;
        runner_interrupt();
}

static void catch_interrupts(void)
{
        struct sigaction sa = { .sa_handler = on_interrupt };

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
}

/* ---- run ------------------------------------------------------------------------------- */

/* "42 s" or "3 min 05 s". */
static void seconds_text(char *buf, size_t len, double s)
{
        long whole = lround(s);

        if (whole < 60)
                snprintf(buf, len, "%ld s", whole);
        else
                snprintf(buf, len, "%ld min %02ld s", whole / 60, whole % 60);
}

/* On a terminal, one line redrawn before each point: a bar, the point, the time so far and
 * an estimate of the time left (the points so far are the best guess of those to come), cut
 * to the terminal's width so that it never wraps. label NULL: clear the line. */
static void progress(size_t done, size_t total, const char *label, uint64_t start_ns)
{
        enum { BAR_CELLS = 20 };
        static int tty = -1;
        struct winsize ws;
        char line[512], bar[BAR_CELLS + 1], spent[48], left[64] = "";

        if (tty < 0)
                tty = isatty(STDERR_FILENO);
        if (!tty)
                return;
        if (!label) {
                fputs("\r\033[K", stderr);
                return;
        }
        size_t filled = total ? done * BAR_CELLS / total : 0;
        memset(bar, '#', filled);
        memset(bar + filled, '-', BAR_CELLS - filled);
        bar[BAR_CELLS] = '\0';
        double elapsed_s = (double)(now_ns() - start_ns) / 1e9;
        seconds_text(spent, sizeof spent, elapsed_s);
        if (done > 0) {
                char estimate[48];
                seconds_text(estimate, sizeof estimate, elapsed_s / (double)done * (double)(total - done));
                snprintf(left, sizeof left, ", ~%s left", estimate);
        }
        int n = snprintf(line, sizeof line, "[%s] %zu/%zu %s  %s%s", bar, done + 1, total, label, spent, left);
        int cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col : 80;
        if (n > cols - 1)
                n = cols - 1;
        fprintf(stderr, "\r\033[K%.*s", n < 0 ? 0 : n, line);
        fflush(stderr);
}

/* A run's repetitions and what it needs to take them. */
struct run {
        const struct run_options *o;
        struct trial *trials;
        size_t n_trials;
        struct measure_plan plan, stream_plan;
        struct noise_idle_hold hold;
        int idle_held;               /* held at the start: the run measures with CPUs awake */
        uint64_t start_ns;
        size_t done, total;          /* repetitions, for the progress line */
        unsigned rounds;
        int extra_time_spent;
};

/* One repetition of trial t, in a process of its own. */
static int run_repetition(struct run *run, struct trial *t)
{
        struct point_outcome out;
        char label[200];
        double start_s = (double)(now_ns() - run->start_ns) / 1e9;

        report_point(label, sizeof label, &t->pt);
        progress(run->done++, run->total, label, run->start_ns);
        if (t->pt.idle_allowed)
                noise_idle_release(&run->hold);
        runner_run_point(&t->pt, t->pt.stream ? &run->stream_plan : &run->plan, run->o->timeout_s,
                         helper_path(), &out);
        reap_orphans(1);
        if (t->pt.idle_allowed && noise_idle_hold(&run->hold) != 0) {
                progress(0, 0, NULL, 0);
                fprintf(stderr, "ipcbench: cannot hold idle CPUs awake again after %s: %s\n", label,
                        run->hold.reason);
                point_outcome_free(&out);
                return -1;
        }
        if (out.status == OUTCOME_OK) {
                out.context.start_s = start_s;
                trial_add(t, &out);
                return 0;
        }
        /* A failure or a skip ends the point: said once, when it happens. */
        t->status = out.status;
        snprintf(t->reason, sizeof t->reason, "%s", out.reason);
        point_outcome_free(&out);
        if (!runner_interrupted()) {
                progress(0, 0, NULL, 0);
                fprintf(stderr, "ipcbench: %s %s: %s\n", t->status == OUTCOME_SKIPPED ? "skipped" : "FAILED",
                        label, t->reason);
        }
        return 0;
}

/* Whether trial t gets a repetition in this round: up to the minimum, everyone still going;
 * beyond it, only the points whose interval is still too wide, up to the maximum. */
static int repetition_due(const struct run *run, const struct trial *t, const struct stats_prior *prior)
{
        if (t->status != OUTCOME_OK || t->n_reps >= run->o->max_repeat)
                return 0;
        return t->n_reps < run->o->repeat || trial_half_width(t, prior) > REPEAT_MAX_HALF_WIDTH;
}

/* Round after round over the plan, each in its own shuffled order, until no point is due or
 * the extra rounds reach their time cap. Returns -1 when the run cannot go on. */
static int run_rounds(struct run *run, uint64_t seed)
{
        size_t *order = malloc((run->n_trials ? run->n_trials : 1) * sizeof *order);
        struct stats_prior *priors = calloc(run->n_trials ? run->n_trials : 1, sizeof *priors);
        uint64_t state = seed, first_rounds_ns = 0;
        int rc = 0;

        if (!order || !priors) {
                free(order);
                free(priors);
                return -1;
        }
        run->total = run->n_trials * run->o->repeat;
        for (unsigned round = 0; rc == 0 && !runner_interrupted(); round++) {
                size_t due = 0;
                if (round >= run->o->repeat)
                        repeat_family_priors(run->trials, run->n_trials, priors);
                for (size_t i = 0; i < run->n_trials; i++)
                        if (repetition_due(run, &run->trials[i], &priors[i]))
                                order[due++] = i;
                if (!due)
                        break;
                if (round == run->o->repeat)
                        first_rounds_ns = now_ns() - run->start_ns;
                if (round >= run->o->repeat)
                        run->total = run->done + due;
                repeat_shuffle(order, due, &state);
                run->rounds = round + 1;
                for (size_t k = 0; k < due && rc == 0 && !runner_interrupted(); k++) {
                        if (round >= run->o->repeat &&
                            now_ns() - run->start_ns > first_rounds_ns * (1 + REPEAT_EXTRA_TIME_SHARE)) {
                                run->extra_time_spent = 1;
                                goto out;
                        }
                        rc = run_repetition(run, &run->trials[order[k]]);
                }
        }
out:
        progress(0, 0, NULL, 0);
        free(order);
        free(priors);
        return rc;
}

/* The rows of every trial that ran, and a notice for each that did not or stayed unstable. */
struct run_rows {
        struct result *rows;
        size_t n;
        struct meta_notice *notices;
        char (*labels)[200];
        size_t n_notices;
        struct meta_unstable *unstable;
        size_t n_unstable;
        char reasons[][160];
};

static void run_rows_free(struct run_rows *rr)
{
        if (!rr)
                return;
        for (size_t i = 0; rr->rows && i < rr->n; i++)
                result_free(&rr->rows[i]);
        free(rr->rows);
        free(rr->notices);
        free(rr->labels);
        free(rr->unstable);
        free(rr);
}

static struct run_rows *collect_rows(const struct run *run)
{
        size_t cap = run->n_trials * TRIAL_MAX_ROWS + 1;
        struct run_rows *rr = calloc(1, sizeof *rr + cap * sizeof rr->reasons[0]);
        struct stats_prior *priors = calloc(run->n_trials ? run->n_trials : 1, sizeof *priors);

        if (!rr || !(rr->rows = calloc(cap, sizeof *rr->rows)) || !(rr->notices = calloc(cap, sizeof *rr->notices)) ||
            !(rr->labels = calloc(cap, sizeof *rr->labels)) || !(rr->unstable = calloc(cap, sizeof *rr->unstable)))
                goto out_of_memory;
        if (!priors)
                goto out_of_memory;
        repeat_family_priors(run->trials, run->n_trials, priors);
        for (size_t i = 0; i < run->n_trials; i++) {
                const struct trial *t = &run->trials[i];
                if (t->status != OUTCOME_OK) {
                        report_point(rr->labels[rr->n_notices], sizeof rr->labels[0], &t->pt);
                        rr->notices[rr->n_notices] = (struct meta_notice){
                                .kind = t->status == OUTCOME_SKIPPED ? "skipped" : "failed",
                                .point = rr->labels[rr->n_notices], .reason = t->reason,
                        };
                        rr->n_notices++;
                        continue;
                }
                int n = trial_rows(t, rr->rows + rr->n, REPEAT_MAX_HALF_WIDTH, &priors[i]);
                if (n < 0)
                        goto out_of_memory;
                for (int k = 0; k < n; k++) {
                        const struct result *r = &rr->rows[rr->n + k];
                        if (!r->unstable)
                                continue;
                        report_row(rr->labels[rr->n_notices], sizeof rr->labels[0], r);
                        double half = result_half_width(&r->series[0]);
                        if (isfinite(half))
                                snprintf(rr->reasons[rr->n_notices], sizeof rr->reasons[0],
                                         "its median's 95 %% interval is ±%.1f %% after %u repetitions",
                                         half * 100, r->repetitions);
                        else
                                snprintf(rr->reasons[rr->n_notices], sizeof rr->reasons[0],
                                         "one repetition, and no family of points to say how far "
                                         "a second would move: no interval");
                        rr->unstable[rr->n_unstable++] = (struct meta_unstable){
                                .point = rr->labels[rr->n_notices], .metric = r->series[0].metric,
                                .half_width = half, .repetitions = r->repetitions,
                        };
                        rr->notices[rr->n_notices] = (struct meta_notice){
                                .kind = "unstable", .point = rr->labels[rr->n_notices],
                                .reason = rr->reasons[rr->n_notices],
                        };
                        rr->n_notices++;
                }
                rr->n += (size_t)n;
        }
        free(priors);
        return rr;
out_of_memory:
        free(priors);
        run_rows_free(rr);
        return NULL;
}

/* Take the idle hold the options ask for; say once when it cannot be had. */
static void hold_idle(struct run *run)
{
        run->hold.fd = -1;
        if (run->o->cpu_idle_allow)
                return;
        run->idle_held = noise_idle_hold(&run->hold) == 0;
        if (!run->idle_held)
                fprintf(stderr, "ipcbench: note: idle CPUs are not held awake (%s): cross-cpu figures "
                        "include waking a halted CPU; rows say cpu_idle=allowed\n", run->hold.reason);
}

static int cmd_run(int argc, char **argv, int full_argc, char **full_argv,
                   const struct bench *const *table, size_t count)
{
        struct run_options o;
        /* Freed on every return: cmd_run has many early ones (usage errors). */
        struct plan plan __attribute__((cleanup(plan_free))) = { 0 };
        struct run run = { .o = &o, .hold = { .fd = -1 } };
        char err[512], run_id[64], run_dir[PATH_MAX], partial_dir[PATH_MAX], label[200];
        time_t started = time(NULL);
        uint64_t seed;
        double load = meta_load_average();

        if (options_parse_run(argc, argv, &o, err, sizeof err) != 0) {
                fprintf(stderr, "ipcbench: %s\n", err);
                return 2;
        }
        if (o.help) {
                fputs(options_run_help, stdout);
                return 0;
        }
        for (size_t g = 0; g < (o.n_globs ? o.n_globs : 1); g++) {
                const char *glob = o.n_globs ? o.globs[g] : "*";
                size_t matched = 0;
                for (size_t i = 0; i < count; i++)
                        if (fnmatch(glob, table[i]->name, 0) == 0)
                                matched++;
                if (!matched)
                        return usage_error("no benchmark matches '%s'; see 'ipcbench list'", glob);
        }
        if (!o.dry_run)
                hold_idle(&run);
        int sized = 0, swept = 0;
        for (size_t i = 0; i < count; i++) {
                int selected = !o.n_globs;
                for (size_t g = 0; g < o.n_globs && !selected; g++)
                        selected = fnmatch(o.globs[g], table[i]->name, 0) == 0;
                if (selected && plan_bench(&plan, table[i], &o, o.dry_run ? !o.cpu_idle_allow : run.idle_held) != 0) {
                        fputs("ipcbench: out of memory\n", stderr);
                        return 1;
                }
                sized |= selected && table[i]->sizes;
                swept |= selected && table[i]->param;
        }
        if (o.n_params && !swept)
                fputs("ipcbench: note: --params is ignored: none of the selected benchmarks sweeps "
                      "a parameter\n", stderr);
        if (o.n_sizes && !sized)
                fputs("ipcbench: note: --sizes is ignored: none of the selected benchmarks takes a "
                      "message size\n", stderr);

        if (plan.n == 0) {
                char chosen[80];
                noise_idle_release(&run.hold);
                snprintf(chosen, sizeof chosen, "--mode %s --placement %s%s",
                         o.modes == MODE_THREAD ? "thread" : o.modes == MODE_PROCESS ? "process" : "both",
                         o.placements == PLACEMENT_SAME ? "same-cpu"
                         : o.placements == PLACEMENT_CROSS ? "cross-cpu" : "both",
                         o.no_stream ? " --no-stream" : "");
                return usage_error("%s: the selected benchmarks have no point there (see 'ipcbench "
                                   "list' for the modes and placements of each)", chosen);
        }
        if (o.dry_run) {
                /* The points, and the least time they take: timed seconds and the warm-up (a
                 * tenth of them); setup, peers and calibration add a few hundredths of a
                 * second to most points. */
                for (size_t i = 0; i < plan.n; i++) {
                        report_point(label, sizeof label, &plan.points[i]);
                        puts(label);
                }
                if (o.iterations)
                        printf("%zu points, %u to %u repetitions each, %llu timed operations per "
                               "repetition\n", plan.n, o.repeat, o.max_repeat, (unsigned long long)o.iterations);
                else {
                        double least_s = (double)plan.n * o.repeat * o.duration_s * 1.1;
                        printf("%zu points, %u to %u repetitions each, %g s timed per repetition: at "
                               "least %.*g s\n", plan.n, o.repeat, o.max_repeat, o.duration_s,
                               least_s >= 1000 ? 6 : 3, least_s);
                }
                return 0;
        }
        if (o.data_dir) {
                struct stat st;
                if (stat(o.data_dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(o.data_dir, W_OK | X_OK) != 0) {
                        noise_idle_release(&run.hold);
                        return usage_error("--dir: '%s' is not a directory ipcbench can write in", o.data_dir);
                }
                setenv(RUNNER_DATA_DIR_ENV, o.data_dir, 1);
        }

        /* The run directory is made under a hidden name and renamed when complete, so an
         * interrupted or failed run leaves no partial results behind. */
        strftime(run_id, sizeof run_id, "%Y%m%d-%H%M%S", localtime(&started));
        if (strlen(o.out_root) > PATH_MAX - 64) {
                noise_idle_release(&run.hold);
                return usage_error("--out: '%s' is too long a path", o.out_root);
        }
        if (mkdir_parents(o.out_root) != 0) {
                fprintf(stderr, "ipcbench: --out '%s': cannot create the directory: %s\n",
                        o.out_root, strerror(errno));
                noise_idle_release(&run.hold);
                return 2;
        }
        for (int k = 1; ; k++) {
                if (k > 1)
                        snprintf(run_id + 15, sizeof run_id - 15, "-%d", k);
                snprintf(run_dir, sizeof run_dir, "%s/%s", o.out_root, run_id);
                /* The pid tells `ipcbench clean` whether its run is still going. */
                snprintf(partial_dir, sizeof partial_dir, "%s/.%s.%d.partial", o.out_root, run_id,
                         (int)getpid());
                if (access(run_dir, F_OK) != 0 && mkdir(partial_dir, 0755) == 0)
                        break;
                if (errno != EEXIST || k > 100) {
                        fprintf(stderr, "ipcbench: --out '%s': cannot write there: %s\n",
                                o.out_root, strerror(errno));
                        noise_idle_release(&run.hold);
                        return 2;
                }
        }

        catch_interrupts();
        reap_init();    /* nothing a point starts outlives the run: reaped below */
        double timer_cost = clock_timer_cost_ns();
        run.plan = (struct measure_plan){
                .iterations = o.iterations, .duration_s = o.duration_s,
                .warmup_s = o.duration_s / 10, .min_batch_ns = 1000,
                .min_samples = 10, .max_samples = 4000000,
        };
        /* A throughput sample is a batch of messages and one acknowledgement: at least 1 ms of
         * messages, so the acknowledgement's round trip stays a small part of it. */
        run.stream_plan = run.plan;
        run.stream_plan.min_batch_ns = 1000000;
        if (o.seed_set)
                seed = o.seed;
        else if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
                seed = (uint64_t)started ^ ((uint64_t)getpid() << 32);
        run.trials = calloc(plan.n, sizeof *run.trials);
        if (!run.trials) {
                fputs("ipcbench: out of memory\n", stderr);
                remove_tree(partial_dir);
                noise_idle_release(&run.hold);
                return 1;
        }
        run.n_trials = plan.n;
        for (size_t i = 0; i < plan.n; i++)
                run.trials[i] = (struct trial){ .pt = plan.points[i], .status = OUTCOME_OK };
        run.start_ns = now_ns();
        int rc = run_rounds(&run, seed) == 0 ? 0 : 1;
        noise_idle_release(&run.hold);

        struct run_rows *rr = NULL;
        if (runner_interrupted()) {
                remove_tree(partial_dir);
                fputs("ipcbench: interrupted; no results written\n", stderr);
                rc = 130;
                goto out;
        }
        rr = collect_rows(&run);
        if (!rr) {
                fputs("ipcbench: out of memory\n", stderr);
                remove_tree(partial_dir);
                rc = 1;
                goto out;
        }
        for (size_t i = 0; i < rr->n_notices; i++)
                rc |= strcmp(rr->notices[i].kind, "failed") == 0;

        struct meta_info meta = {
                .run_id = run_id, .started = started, .wall_s = (double)(now_ns() - run.start_ns) / 1e9,
                .argc = full_argc, .argv = full_argv, .timer_cost_ns = timer_cost,
                .load_average_1m = load, .options = &o, .notices = rr->notices,
                .n_notices = rr->n_notices, .unstable = rr->unstable, .n_unstable = rr->n_unstable,
                .idle_held = run.idle_held, .idle_reason = o.cpu_idle_allow ? NULL : run.hold.reason[0] ? run.hold.reason : NULL,
                .seed = seed, .rounds = run.rounds, .extra_time_spent = run.extra_time_spent,
                .max_half_width = REPEAT_MAX_HALF_WIDTH,
        };
        char latest_tmp[PATH_MAX], latest[PATH_MAX];
        snprintf(latest_tmp, sizeof latest_tmp, "%s/.latest.%d", o.out_root, (int)getpid());
        snprintf(latest, sizeof latest, "%s/latest", o.out_root);
        unlink(latest_tmp);
        if (output_results(partial_dir, run_id, rr->rows, rr->n, run.idle_held) != 0 ||
            output_placement(partial_dir, run_id, rr->rows, rr->n, run.idle_held) != 0 ||
            (o.raw && output_samples(partial_dir, run_id, rr->rows, rr->n) != 0) ||
            output_meta(partial_dir, &meta) != 0 || rename(partial_dir, run_dir) != 0) {
                fprintf(stderr, "ipcbench: writing results into '%s': %s\n", partial_dir, strerror(errno));
                remove_tree(partial_dir);
                rc = 1;
                goto out;
        }
        /* "latest" is replaced by rename, so a reader never sees it missing. */
        if (symlink(run_id, latest_tmp) != 0 || rename(latest_tmp, latest) != 0)
                fprintf(stderr, "ipcbench: warning: cannot update '%s': %s\n", latest, strerror(errno));

        report_summary(stdout, rr->rows, rr->n, &meta);
        printf("\nresults: %s\n", run_dir);
out:
        reap_orphans(2);
        run_rows_free(rr);
        for (size_t i = 0; i < run.n_trials; i++)
                trial_free(&run.trials[i]);
        free(run.trials);
        return rc;
}

int cli_main(int argc, char **argv, const struct bench *const *table, size_t count)
{
        const char *verb = argc > 1 ? argv[1] : NULL;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!verb || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
                print_help(verb ? stdout : stderr);
                return verb ? 0 : 2;
        }
        if (strcmp(verb, "--version") == 0) {
                puts("ipcbench " IPCBENCH_VERSION);
                return 0;
        }
        if (strcmp(verb, RUNNER_POINT_VERB) == 0)
                return runner_point_main(argc, argv, table, count);
        if (strcmp(verb, "list") == 0)
                return cmd_list(argc - 2, argv + 2, table, count);
        if (strcmp(verb, "run") == 0)
                return cmd_run(argc - 2, argv + 2, argc, argv, table, count);
        for (size_t i = 0; i < n_extra_commands; i++)
                if (strcmp(verb, extra_commands[i].name) == 0)
                        return extra_commands[i].main(argc - 1, argv + 1);
        return usage_error("unknown command '%s' (see 'ipcbench --help')", verb);
}
