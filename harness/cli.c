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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "version.h"
#include "csv.h"
#include "meta.h"
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

static int plan_bench(struct plan *p, const struct bench *b, const struct run_options *o)
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

/* ---- run: files ------------------------------------------------------------------------ */

static int open_run_file(struct atomic_file *af, const char *dir, const char *name)
{
        char path[PATH_MAX];

        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
                errno = ENAMETOOLONG;
                return -1;
        }
        return atomic_file_open(af, path);
}

static int write_results(const char *dir, const char *run_id, const struct result *results, size_t n)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "results.csv") != 0)
                return -1;
        csv_write_header(af.f);
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                const struct bench *b = r->pt.bench;
                if (r->status != OUTCOME_OK)
                        continue;
                for (size_t k = 0; k < r->n_series; k++) {
                        struct csv_row row = {
                                .run_id = run_id, .benchmark = b->name, .group = b->group,
                                .mechanism = b->mechanism, .variant = b->variant,
                                .mode = peer_kind_name(r->pt.mode),
                                .placement = placement_name(r->pt.placement),
                                .size_bytes = r->pt.size_bytes, .param = b->param,
                                .param_value = r->pt.param_value, .metric = r->series[k].metric,
                                .unit = r->series[k].unit, .stats = r->series[k].stats,
                        };
                        csv_write_row(af.f, &row);
                }
        }
        return atomic_file_commit(&af);
}

static int write_placement(const char *dir, const char *run_id, const struct result *results, size_t n)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "placement.csv") != 0)
                return -1;
        fputs("run_id,benchmark,mode,placement,size_bytes,param,param_value,repetition,cpu_main,"
              "cpu_peer,ops,main_voluntary_per_op,main_involuntary_per_op,peer_voluntary_per_op,"
              "peer_involuntary_per_op,kind\n", af.f);
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                for (unsigned k = 0; k < r->repetitions; k++) {
                        const struct point_context *c = &r->contexts[k];
                        csv_field(af.f, run_id);
                        fputc(',', af.f);
                        csv_field(af.f, r->pt.bench->name);
                        fprintf(af.f, ",%s,%s,", peer_kind_name(r->pt.mode), placement_name(r->pt.placement));
                        if (r->pt.size_bytes)
                                fprintf(af.f, "%zu", r->pt.size_bytes);
                        fputc(',', af.f);
                        csv_field(af.f, r->pt.bench->param);
                        fputc(',', af.f);
                        if (r->pt.bench->param)
                                fprintf(af.f, "%ld", r->pt.param_value);
                        fprintf(af.f, ",%u,", k + 1);
                        if (c->cpu_main >= 0)
                                fprintf(af.f, "%d", c->cpu_main);
                        fputc(',', af.f);
                        if (c->cpu_peer >= 0)
                                fprintf(af.f, "%d", c->cpu_peer);
                        fprintf(af.f, ",%llu,", (unsigned long long)c->ops);
                        csv_number(af.f, c->main_voluntary);
                        fputc(',', af.f);
                        csv_number(af.f, c->main_involuntary);
                        fputc(',', af.f);
                        csv_number(af.f, r->pt.bench->peer ? c->peer_voluntary : NAN);
                        fputc(',', af.f);
                        csv_number(af.f, r->pt.bench->peer ? c->peer_involuntary : NAN);
                        fprintf(af.f, ",%s\n", r->pt.stream ? "stream" : "operation");
                }
        }
        return atomic_file_commit(&af);
}

static int write_samples(const char *dir, const char *run_id, const struct result *results, size_t n)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "samples.csv") != 0)
                return -1;
        fputs("run_id,benchmark,mode,placement,size_bytes,param_value,metric,unit,index,value\n", af.f);
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &results[i];
                for (size_t m = 0; m < r->n_series; m++)
                        for (size_t k = 0; k < r->series[m].n; k++) {
                                fprintf(af.f, "%s,%s,%s,%s,", run_id, r->pt.bench->name,
                                        peer_kind_name(r->pt.mode), placement_name(r->pt.placement));
                                if (r->pt.size_bytes)
                                        fprintf(af.f, "%zu", r->pt.size_bytes);
                                fputc(',', af.f);
                                if (r->pt.bench->param)
                                        fprintf(af.f, "%ld", r->pt.param_value);
                                fprintf(af.f, ",%s,%s,%zu,", r->series[m].metric, r->series[m].unit, k);
                                csv_number(af.f, r->series[m].samples[k]);
                                fputc('\n', af.f);
                        }
        }
        return atomic_file_commit(&af);
}

static int write_meta(const char *dir, const struct meta_info *m)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "meta.json") != 0)
                return -1;
        meta_write(af.f, m);
        return atomic_file_commit(&af);
}

/* ---- run ------------------------------------------------------------------------------- */

/* Pool one repetition's outcome into its result, series by series. */
static void pool(struct result *r, struct point_outcome *o)
{
        if (o->status != OUTCOME_OK) {
                if (r->status != OUTCOME_FAILED) {      /* a failure outranks a skip */
                        r->status = o->status;
                        snprintf(r->reason, sizeof r->reason, "%s", o->reason);
                }
                return;
        }
        struct point_context *ctx = realloc(r->contexts, (r->repetitions + 1) * sizeof *ctx);
        if (!ctx)
                goto out_of_memory;
        r->contexts = ctx;
        r->contexts[r->repetitions++] = o->context;
        for (size_t i = 0; i < o->n_series; i++) {
                const struct series *in = &o->series[i];
                struct result_series *rs = NULL;
                for (size_t k = 0; k < r->n_series && !rs; k++)
                        if (strcmp(r->series[k].metric, in->metric) == 0 &&
                            strcmp(r->series[k].unit, in->unit) == 0)
                                rs = &r->series[k];
                if (!rs) {
                        if (r->n_series == SERIES_MAX)
                                continue;
                        rs = &r->series[r->n_series++];
                        memcpy(rs->metric, in->metric, sizeof rs->metric);
                        memcpy(rs->unit, in->unit, sizeof rs->unit);
                }
                double *more = realloc(rs->samples, (rs->n + in->n) * sizeof *more);
                if (!more)
                        goto out_of_memory;
                rs->samples = more;
                memcpy(rs->samples + rs->n, in->values, in->n * sizeof *more);
                rs->n += in->n;
                double median = stats_median(in->values, in->n);
                if (rs->repetitions == 0 || median < rs->repetition_median_min)
                        rs->repetition_median_min = median;
                if (rs->repetitions == 0 || median > rs->repetition_median_max)
                        rs->repetition_median_max = median;
                rs->repetitions++;
        }
        return;
out_of_memory:
        r->status = OUTCOME_FAILED;
        snprintf(r->reason, sizeof r->reason, "out of memory for the samples");
}

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

static int cmd_run(int argc, char **argv, int full_argc, char **full_argv,
                   const struct bench *const *table, size_t count)
{
        struct run_options o;
        /* Freed on every return: cmd_run has many early ones (usage errors). */
        struct plan plan __attribute__((cleanup(plan_free))) = { 0 };
        char err[512], run_id[64], run_dir[PATH_MAX], partial_dir[PATH_MAX], label[200];
        time_t started = time(NULL);
        uint64_t start_ns = now_ns();
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
        int sized = 0, swept = 0;
        for (size_t i = 0; i < count; i++) {
                int selected = !o.n_globs;
                for (size_t g = 0; g < o.n_globs && !selected; g++)
                        selected = fnmatch(o.globs[g], table[i]->name, 0) == 0;
                if (selected && plan_bench(&plan, table[i], &o) != 0) {
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
                        printf("%zu points, %u repetition%s each, %llu timed operations per point\n",
                               plan.n, o.repeat, o.repeat == 1 ? "" : "s", (unsigned long long)o.iterations);
                else
                        printf("%zu points, %u repetition%s each, %g s timed per point: at least %.0f s\n",
                               plan.n, o.repeat, o.repeat == 1 ? "" : "s", o.duration_s,
                               (double)plan.n * o.repeat * o.duration_s * 1.1);
                return 0;
        }
        if (o.data_dir) {
                struct stat st;
                if (stat(o.data_dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(o.data_dir, W_OK | X_OK) != 0)
                        return usage_error("--dir: '%s' is not a directory ipcbench can write in", o.data_dir);
                setenv(RUNNER_DATA_DIR_ENV, o.data_dir, 1);
        }

        /* The run directory is made under a hidden name and renamed when complete, so an
         * interrupted or failed run leaves no partial results behind. */
        strftime(run_id, sizeof run_id, "%Y%m%d-%H%M%S", localtime(&started));
        if (strlen(o.out_root) > PATH_MAX - 64)
                return usage_error("--out: '%s' is too long a path", o.out_root);
        if (mkdir_parents(o.out_root) != 0) {
                fprintf(stderr, "ipcbench: --out '%s': cannot create the directory: %s\n",
                        o.out_root, strerror(errno));
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
                        return 2;
                }
        }

        catch_interrupts();
        reap_init();    /* nothing a point starts outlives the run: reaped below */
        double timer_cost = clock_timer_cost_ns();
        struct measure_plan mplan = {
                .iterations = o.iterations, .duration_s = o.duration_s,
                .warmup_s = o.duration_s / 10, .min_batch_ns = 1000,
                .min_samples = 10, .max_samples = 4000000,
        };
        /* A throughput sample is a batch of messages and one acknowledgement: at least 1 ms of
         * messages, so the acknowledgement's round trip stays a small part of it. */
        struct measure_plan stream_plan = mplan;
        stream_plan.min_batch_ns = 1000000;
        struct result *results = calloc(plan.n ? plan.n : 1, sizeof *results);
        struct meta_notice *notices = calloc(plan.n ? plan.n : 1, sizeof *notices);
        char (*notice_points)[200] = calloc(plan.n ? plan.n : 1, sizeof *notice_points);
        size_t n_notices = 0;
        int failed = 0;
        if (!results || !notices || !notice_points) {
                fputs("ipcbench: out of memory\n", stderr);
                remove_tree(partial_dir);
                return 1;
        }

        for (size_t i = 0; i < plan.n && !runner_interrupted(); i++) {
                struct result *r = &results[i];
                r->pt = plan.points[i];
                r->status = OUTCOME_OK;
                report_point(label, sizeof label, &r->pt);
                for (unsigned rep = 0; rep < o.repeat && r->status == OUTCOME_OK; rep++) {
                        struct point_outcome out;
                        progress(i, plan.n, label, start_ns);
                        runner_run_point(&r->pt, r->pt.stream ? &stream_plan : &mplan, o.timeout_s,
                                         helper_path(), &out);
                        reap_orphans(1);
                        pool(r, &out);
                        point_outcome_free(&out);
                }
                progress(0, 0, NULL, 0);
                for (size_t k = 0; k < r->n_series && r->status == OUTCOME_OK; k++)
                        if (stats_summarize(r->series[k].samples, r->series[k].n, &r->series[k].stats) != 0) {
                                r->status = OUTCOME_FAILED;
                                snprintf(r->reason, sizeof r->reason, "out of memory for the statistics");
                        }
                if (r->status == OUTCOME_OK || runner_interrupted())
                        continue;
                fprintf(stderr, "ipcbench: %s %s: %s\n", r->status == OUTCOME_SKIPPED ? "skipped" : "FAILED",
                        label, r->reason);
                snprintf(notice_points[n_notices], sizeof notice_points[n_notices], "%s", label);
                notices[n_notices] = (struct meta_notice){
                        .kind = r->status == OUTCOME_SKIPPED ? "skipped" : "failed",
                        .point = notice_points[n_notices], .reason = r->reason,
                };
                n_notices++;
                failed |= r->status == OUTCOME_FAILED;
        }

        int rc = failed ? 1 : 0;
        if (runner_interrupted()) {
                remove_tree(partial_dir);
                fputs("ipcbench: interrupted; no results written\n", stderr);
                rc = 130;
                goto out;
        }

        struct meta_info meta = {
                .run_id = run_id, .started = started, .wall_s = (double)(now_ns() - start_ns) / 1e9,
                .argc = full_argc, .argv = full_argv, .timer_cost_ns = timer_cost,
                .load_average_1m = load, .options = &o, .notices = notices, .n_notices = n_notices,
        };
        char latest_tmp[PATH_MAX], latest[PATH_MAX];
        snprintf(latest_tmp, sizeof latest_tmp, "%s/.latest.%d", o.out_root, (int)getpid());
        snprintf(latest, sizeof latest, "%s/latest", o.out_root);
        unlink(latest_tmp);
        if (write_results(partial_dir, run_id, results, plan.n) != 0 ||
            write_placement(partial_dir, run_id, results, plan.n) != 0 ||
            (o.raw && write_samples(partial_dir, run_id, results, plan.n) != 0) ||
            write_meta(partial_dir, &meta) != 0 || rename(partial_dir, run_dir) != 0) {
                fprintf(stderr, "ipcbench: writing results into '%s': %s\n", partial_dir, strerror(errno));
                remove_tree(partial_dir);
                rc = 1;
                goto out;
        }
        /* "latest" is replaced by rename, so a reader never sees it missing. */
        if (symlink(run_id, latest_tmp) != 0 || rename(latest_tmp, latest) != 0)
                fprintf(stderr, "ipcbench: warning: cannot update '%s': %s\n", latest, strerror(errno));

        report_summary(stdout, results, plan.n);
        printf("\nresults: %s\n", run_dir);
out:
        reap_orphans(2);
        for (size_t i = 0; i < plan.n; i++) {
                for (size_t k = 0; k < results[i].n_series; k++)
                        free(results[i].series[k].samples);
                free(results[i].contexts);
        }
        free(results);
        free(notices);
        free(notice_points);
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
