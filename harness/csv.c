#include "csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char csv_results_header[] =
        "run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value,"
        "metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev,repetitions,ci_low,ci_high,batch,cpu_idle,"
        "vcpu_distance,probe_ns";

void csv_field(FILE *f, const char *text)
{
        if (!text)
                return;
        if (!strpbrk(text, ",\"\r\n")) {
                fputs(text, f);
                return;
        }
        fputc('"', f);
        for (const char *c = text; *c; c++) {
                if (*c == '"')
                        fputc('"', f);
                fputc(*c, f);
        }
        fputc('"', f);
}

void csv_number(FILE *f, double value)
{
        char text[40];

        if (isnan(value))
                return;
        /* The shortest of %.15g..%.17g that reads back exactly: full precision, no noise digits. */
        for (int digits = 15; digits <= 17; digits++) {
                snprintf(text, sizeof text, "%.*g", digits, value);
                if (strtod(text, NULL) == value)
                        break;
        }
        fputs(text, f);
}

void csv_write_header(FILE *f)
{
        fprintf(f, "%s\n", csv_results_header);
}

void csv_write_row(FILE *f, const struct csv_row *r)
{
        const char *text[] = { r->run_id, r->benchmark, r->group, r->mechanism, r->variant,
                               r->mode, r->placement };
        const double numbers[] = { r->stats.min, r->stats.p50, r->stats.p90, r->stats.p99,
                                   r->stats.p999, r->stats.max, r->stats.mean, r->stats.stddev };

        for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
                csv_field(f, text[i]);
                fputc(',', f);
        }
        if (r->size_bytes)
                fprintf(f, "%zu", r->size_bytes);
        fputc(',', f);
        csv_field(f, r->param);
        fputc(',', f);
        if (r->param)
                fprintf(f, "%ld", r->param_value);
        fputc(',', f);
        csv_field(f, r->metric);
        fputc(',', f);
        csv_field(f, r->unit);
        fprintf(f, ",%zu", r->stats.n);
        for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
                fputc(',', f);
                csv_number(f, numbers[i]);
        }
        fprintf(f, ",%u,", r->repetitions);
        csv_number(f, r->ci_low);
        fputc(',', f);
        csv_number(f, r->ci_high);
        fprintf(f, ",%llu,", (unsigned long long)r->batch);
        csv_field(f, r->cpu_idle);
        fputc(',', f);
        csv_field(f, r->vcpu_distance);
        fputc(',', f);
        csv_number(f, r->probe_ns);
        fputc('\n', f);
}
