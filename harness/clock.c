#include "clock.h"

#include <stdio.h>
#include <string.h>

#include "stats.h"

double clock_timer_cost_ns(void)
{
        enum { ROUNDS = 101, CALLS = 1000 };
        double cost[ROUNDS];

        for (int r = 0; r < ROUNDS; r++) {
                uint64_t t0 = now_ns();
                for (int i = 0; i < CALLS; i++)
                        (void)now_ns();
                cost[r] = (double)(now_ns() - t0) / (CALLS + 1);
        }
        return stats_median(cost, ROUNDS);
}

const char *clock_source(void)
{
        static char name[64] = "unknown";
        FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

        if (f) {
                if (fgets(name, sizeof name, f))
                        name[strcspn(name, "\n")] = '\0';
                fclose(f);
        }
        return name;
}
