#include "fault.h"

#include <stdlib.h>
#include <string.h>

struct fault fault_active;

static const char *const fault_names[] = {
        [FAULT_CORRUPT] = "corrupt", [FAULT_TRUNCATE] = "truncate", [FAULT_DROP] = "drop",
        [FAULT_DUPLICATE] = "duplicate", [FAULT_REORDER] = "reorder", [FAULT_RECEIPT] = "receipt",
};

int fault_init(struct bench_ctx *ctx)
{
        static int read_once;
        const char *value = getenv(FAULT_ENV);

        if (read_once)
                return BENCH_OK;
        read_once = 1;
        if (!value || !*value)
                return BENCH_OK;
        size_t len = strcspn(value, ":");
        for (int k = FAULT_CORRUPT; k <= FAULT_RECEIPT; k++)
                if (strlen(fault_names[k]) == len && strncmp(value, fault_names[k], len) == 0)
                        fault_active.kind = (enum fault_kind)k;
        char *end = NULL;
        fault_active.at = value[len] ? strtoull(value + len + 1, &end, 10) : 1;
        if (fault_active.kind == FAULT_NONE || fault_active.at == 0 || (end && *end)) {
                fault_active.kind = FAULT_NONE;
                return bench_failf(ctx, "%s='%s': expected corrupt, truncate, drop, duplicate, reorder "
                                   "or receipt, optionally followed by :N (N >= 1)", FAULT_ENV, value);
        }
        return BENCH_OK;
}

void fault_plan(uint64_t seq, struct fault_plan *plan)
{
        *plan = (struct fault_plan){ .n = 1, .send = { { .seq = seq } }, .used = 1 };
        if (!fault_strikes_message(seq))
                return;
        switch (fault_active.kind) {
        case FAULT_CORRUPT:
                plan->send[0].corrupt = 1;
                break;
        case FAULT_TRUNCATE:
                plan->send[0].truncated = 1;
                break;
        case FAULT_DROP:
                plan->n = 0;
                break;
        case FAULT_DUPLICATE:
                plan->n = 2;
                plan->send[1] = plan->send[0];
                break;
        case FAULT_REORDER:
                plan->n = 2;
                plan->send[0].seq = seq + 1;
                plan->send[1].seq = seq;
                plan->used = 2;
                break;
        default:
                break;
        }
}
