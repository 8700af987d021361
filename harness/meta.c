#include "meta.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "version.h"


void json_string(FILE *f, const char *text)
{
        if (!text) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
                if (*c == '"' || *c == '\\')
                        fprintf(f, "\\%c", *c);
                else if (*c == '\n')
                        fputs("\\n", f);
                else if (*c < 0x20)
                        fprintf(f, "\\u%04x", *c);
                else
                        fputc(*c, f);
        }
        fputc('"', f);
}

/* The first line of a small file, or NULL if it cannot be read. */
static const char *first_line(const char *path, char *buf, size_t len)
{
        FILE *f = fopen(path, "r");
        char *ok;

        if (!f)
                return NULL;
        ok = fgets(buf, (int)len, f);
        fclose(f);
        if (!ok)
                return NULL;
        buf[strcspn(buf, "\n")] = '\0';
        return buf;
}

/* A number from a one-line file as JSON, or null. */
static void json_file_number(FILE *f, const char *path)
{
        char buf[64];
        const char *text = first_line(path, buf, sizeof buf);
        char *end;

        if (text && *text && (strtod(text, &end), *end == '\0'))
                fputs(text, f);
        else
                fputs("null", f);
}

static void cpu_model(char *buf, size_t len, int *virtual_machine)
{
        char line[512];
        FILE *f = fopen("/proc/cpuinfo", "r");

        snprintf(buf, len, "unknown");
        *virtual_machine = 0;
        if (!f)
                return;
        while (fgets(line, sizeof line, f)) {
                char *colon = strchr(line, ':');
                if (!colon)
                        continue;
                if (strncmp(line, "model name", 10) == 0 && strcmp(buf, "unknown") == 0) {
                        snprintf(buf, len, "%s", colon + 2);
                        buf[strcspn(buf, "\n")] = '\0';
                }
                if (strncmp(line, "flags", 5) == 0 && strstr(colon, " hypervisor"))
                        *virtual_machine = 1;
        }
        fclose(f);
}

double meta_load_average(void)
{
        double load;

        return getloadavg(&load, 1) == 1 ? load : -1;
}

/* The start of item i of a JSON list of objects, one a line, up to its first key's value. */
static void json_list_item(FILE *f, size_t i, const char *first_key)
{
        fprintf(f, "%s\n    {\"%s\": ", i ? "," : "", first_key);
}

const char *meta_portable_arg(const char *arg, int is_program)
{
        static char cwd[4096];
        const char *slash = strrchr(arg, '/');
        size_t len;

        if (is_program)
                return slash ? slash + 1 : arg;
        if (arg[0] != '/' || !getcwd(cwd, sizeof cwd))
                return arg;
        len = strlen(cwd);
        if (strncmp(arg, cwd, len) == 0 && arg[len] == '/')
                return arg + len + 1;
        return arg;
}

void meta_write(FILE *f, const struct meta_info *m)
{
        struct utsname u;
        char model[256], buf[256], date[32];
        int virtual_machine;
        const struct run_options *o = m->options;

        uname(&u);
        cpu_model(model, sizeof model, &virtual_machine);
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&m->started));

        fputs("{\n  \"run_id\": ", f);
        json_string(f, m->run_id);
        fputs(",\n  \"date\": ", f);
        json_string(f, date);
        fprintf(f, ",\n  \"wall_seconds\": %.3f", m->wall_s);
        fputs(",\n  \"ipcbench_version\": ", f);
        json_string(f, IPCBENCH_VERSION);
        fputs(",\n  \"command_line\": [", f);
        for (int i = 0; i < m->argc; i++) {
                fputs(i ? ", " : "", f);
                json_string(f, meta_portable_arg(m->argv[i], i == 0));
        }
        fputs("],\n  \"host\": ", f);
        json_string(f, u.nodename);
        fputs(",\n  \"kernel\": ", f);
        json_string(f, u.release);
        fputs(",\n  \"machine\": ", f);
        json_string(f, u.machine);
        fputs(",\n  \"cpu_model\": ", f);
        json_string(f, model);
        fprintf(f, ",\n  \"cpu_count\": %ld", sysconf(_SC_NPROCESSORS_ONLN));
        fprintf(f, ",\n  \"virtual_machine\": %s", virtual_machine ? "true" : "false");
        fputs(",\n  \"clock_source\": ", f);
        json_string(f, clock_source());
        fprintf(f, ",\n  \"timer_cost_ns\": %.2f", m->timer_cost_ns);
        fputs(",\n  \"cpuidle_driver\": ", f);
        json_string(f, first_line("/sys/devices/system/cpu/cpuidle/current_driver", buf, sizeof buf));
        fputs(",\n  \"cpuidle_governor\": ", f);
        json_string(f, first_line("/sys/devices/system/cpu/cpuidle/current_governor_ro", buf, sizeof buf));
        fputs(",\n  \"guest_halt_poll_ns\": ", f);
        json_file_number(f, "/sys/module/haltpoll/parameters/guest_halt_poll_ns");
        fputs(",\n  \"cpufreq_governor\": ", f);
        json_string(f, first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof buf));
        fputs(",\n  \"transparent_hugepage\": ", f);
        json_string(f, first_line("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf));
        if (m->load_average_1m >= 0)
                fprintf(f, ",\n  \"load_average_1m\": %.2f", m->load_average_1m);
        else
                fputs(",\n  \"load_average_1m\": null", f);

        fputs(",\n  \"limits\": {\n    \"pipe_max_size\": ", f);
        json_file_number(f, "/proc/sys/fs/pipe-max-size");
        fputs(",\n    \"mq_msg_max\": ", f);
        json_file_number(f, "/proc/sys/fs/mqueue/msg_max");
        fputs(",\n    \"mq_msgsize_max\": ", f);
        json_file_number(f, "/proc/sys/fs/mqueue/msgsize_max");
        fputs(",\n    \"mq_queues_max\": ", f);
        json_file_number(f, "/proc/sys/fs/mqueue/queues_max");
        fputs(",\n    \"sysv_msgmax\": ", f);
        json_file_number(f, "/proc/sys/kernel/msgmax");
        fputs(",\n    \"sysv_msgmnb\": ", f);
        json_file_number(f, "/proc/sys/kernel/msgmnb");
        fputs(",\n    \"threads_max\": ", f);
        json_file_number(f, "/proc/sys/kernel/threads-max");
        fputs("\n  }", f);

        fprintf(f, ",\n  \"options\": {\"profile\": \"%s\", \"duration_s\": %g, \"iterations\": %llu, "
                "\"repeat\": %u, \"max_repeat\": %u, \"timeout_s\": %g, \"raw\": %s}",
                options_profile_name(o->profile), o->iterations ? 0.0 : o->duration_s,
                (unsigned long long)o->iterations, o->repeat, o->max_repeat, o->timeout_s,
                o->raw ? "true" : "false");
        fprintf(f, ",\n  \"cpu_idle\": {\"requested\": \"%s\", \"held\": %s, \"reason\": ",
                o->cpu_idle_allow ? "allow" : "awake", m->idle_held ? "true" : "false");
        json_string(f, m->idle_reason);
        fputs("}", f);
        fprintf(f, ",\n  \"repetitions\": {\"min\": %u, \"max\": %u, \"seed\": %llu, \"rounds\": %u, "
                "\"order\": \"the plan in rounds, each shuffled\", \"max_half_width_pct\": %g, "
                "\"extra_time_cap_reached\": %s}",
                o->repeat, o->max_repeat, m->seed, m->rounds, m->max_half_width * 100,
                m->extra_time_spent ? "true" : "false");
        fputs(",\n  \"unstable\": [", f);
        for (size_t i = 0; i < m->n_unstable; i++) {
                json_list_item(f, i, "point");
                json_string(f, m->unstable[i].point);
                fputs(", \"metric\": ", f);
                json_string(f, m->unstable[i].metric);
                if (isfinite(m->unstable[i].half_width))
                        fprintf(f, ", \"ci_half_width_pct\": %.1f", m->unstable[i].half_width * 100);
                else
                        fputs(", \"ci_half_width_pct\": null", f);      /* one repetition: none */
                fprintf(f, ", \"repetitions\": %u}", m->unstable[i].repetitions);
        }
        fputs(m->n_unstable ? "\n  ]" : "]", f);

        fputs(",\n  \"notices\": [", f);
        for (size_t i = 0; i < m->n_notices; i++) {
                json_list_item(f, i, "kind");
                json_string(f, m->notices[i].kind);
                fputs(", \"point\": ", f);
                json_string(f, m->notices[i].point);
                fputs(", \"reason\": ", f);
                json_string(f, m->notices[i].reason);
                fputc('}', f);
        }
        fputs(m->n_notices ? "\n  ]\n}\n" : "]\n}\n", f);
}
