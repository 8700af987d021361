#include "output.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "csv.h"
#include "io.h"
#include "noise.h"

static int open_run_file(struct atomic_file *af, const char *dir, const char *name)
{
        char path[PATH_MAX];

        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
                errno = ENAMETOOLONG;
                return -1;
        }
        return atomic_file_open(af, path);
}

const char *output_cpu_idle(const struct result *r, int idle_held)
{
        return idle_held && !r->pt.idle_allowed ? "awake" : "allowed";
}

int output_results(const char *dir, const char *run_id, const struct result *rows, size_t n,
                   int idle_held)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "results.csv") != 0)
                return -1;
        csv_write_header(af.f);
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &rows[i];
                const struct bench *b = r->pt.bench;
                for (size_t k = 0; k < r->n_series; k++) {
                        const struct result_series *rs = &r->series[k];
                        struct csv_row row = {
                                .run_id = run_id, .benchmark = b->name, .group = b->group,
                                .mechanism = b->mechanism, .variant = b->variant,
                                .mode = peer_kind_name(r->pt.mode),
                                .placement = placement_name(r->pt.placement),
                                .size_bytes = r->pt.size_bytes, .param = b->param,
                                .param_value = r->pt.param_value, .metric = rs->metric,
                                .unit = rs->unit, .stats = rs->stats, .repetitions = rs->repetitions,
                                .ci_low = rs->ci_low, .ci_high = rs->ci_high, .batch = r->batch,
                                .cpu_idle = output_cpu_idle(r, idle_held),
                                .vcpu_distance = noise_distance_name(r->distance), .probe_ns = r->probe_ns,
                        };
                        csv_write_row(af.f, &row);
                }
        }
        return atomic_file_commit(&af);
}

/* The point's columns shared by placement.csv and samples.csv: benchmark to param_value. */
static void point_fields(FILE *f, const char *run_id, const struct point *pt, int with_param_name)
{
        csv_field(f, run_id);
        fputc(',', f);
        csv_field(f, pt->bench->name);
        fprintf(f, ",%s,%s,", peer_kind_name(pt->mode), placement_name(pt->placement));
        if (pt->size_bytes)
                fprintf(f, "%zu", pt->size_bytes);
        fputc(',', f);
        if (with_param_name) {
                csv_field(f, pt->bench->param);
                fputc(',', f);
        }
        if (pt->bench->param)
                fprintf(f, "%ld", pt->param_value);
}

int output_placement(const char *dir, const char *run_id, const struct result *rows, size_t n,
                     int idle_held)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "placement.csv") != 0)
                return -1;
        fputs("run_id,benchmark,mode,placement,size_bytes,param,param_value,repetition,cpu_main,"
              "cpu_peer,ops,main_voluntary_per_op,main_involuntary_per_op,peer_voluntary_per_op,"
              "peer_involuntary_per_op,kind,batch,window_ns,steal_ns,probe_before_ns,probe_after_ns,"
              "vcpu_distance,cpu_idle,flags,start_s\n", af.f);
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &rows[i];
                for (unsigned k = 0; k < r->repetitions; k++) {
                        const struct point_context *c = &r->contexts[k];
                        point_fields(af.f, run_id, &r->pt, 1);
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
                        fprintf(af.f, ",%s,%llu,%llu,", r->pt.stream ? "stream" : "operation",
                                (unsigned long long)c->batch, (unsigned long long)c->window_ns);
                        csv_number(af.f, c->steal_ns);
                        fputc(',', af.f);
                        csv_number(af.f, c->probe_before_ns);
                        fputc(',', af.f);
                        csv_number(af.f, c->probe_after_ns);
                        fprintf(af.f, ",%s,%s,",
                                noise_distance_name(noise_distance(c->probe_before_ns, c->probe_after_ns)),
                                output_cpu_idle(r, idle_held));
                        int stolen = point_context_stolen(c), moved = point_context_moved(c);
                        fprintf(af.f, "%s%s%s", stolen ? "steal" : "", stolen && moved ? ";" : "",
                                moved ? "moved" : "");
                        fputc(',', af.f);
                        csv_number(af.f, c->start_s);
                        fputc('\n', af.f);
                }
        }
        return atomic_file_commit(&af);
}

int output_samples(const char *dir, const char *run_id, const struct result *rows, size_t n)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "samples.csv") != 0)
                return -1;
        fputs("run_id,benchmark,mode,placement,size_bytes,param_value,metric,unit,index,value\n", af.f);
        for (size_t i = 0; i < n; i++) {
                const struct result *r = &rows[i];
                for (size_t m = 0; m < r->n_series; m++)
                        for (size_t k = 0; k < r->series[m].n; k++) {
                                point_fields(af.f, run_id, &r->pt, 0);
                                fprintf(af.f, ",%s,%s,%zu,", r->series[m].metric, r->series[m].unit, k);
                                csv_number(af.f, r->series[m].samples[k]);
                                fputc('\n', af.f);
                        }
        }
        return atomic_file_commit(&af);
}

int output_meta(const char *dir, const struct meta_info *m)
{
        struct atomic_file af;

        if (open_run_file(&af, dir, "meta.json") != 0)
                return -1;
        meta_write(af.f, m);
        return atomic_file_commit(&af);
}
