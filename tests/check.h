/* Test helpers: one test is one small main(); asserts print both sides and stay on in release
 * builds (they are not assert(), so no call vanishes under NDEBUG). */
#ifndef IPCBENCH_CHECK_H
#define IPCBENCH_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TEST_PASS = 0, TEST_FAIL = 1, TEST_SKIP = 77 };

static int check_failures;

#define CHECK(cond)                                                                          \
        do {                                                                                 \
                if (!(cond)) {                                                               \
                        fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
                        check_failures++;                                                    \
                }                                                                            \
        } while (0)

#define CHECK_INT(got, want)                                                                 \
        do {                                                                                 \
                long long g_ = (long long)(got), w_ = (long long)(want);                     \
                if (g_ != w_) {                                                              \
                        fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__,       \
                                __LINE__, #got, g_, w_);                                     \
                        check_failures++;                                                    \
                }                                                                            \
        } while (0)

/* Doubles equal within a relative 1e-12, or both NAN. */
#define CHECK_NUM(got, want)                                                                 \
        do {                                                                                 \
                double g_ = (got), w_ = (want);                                              \
                if (!((isnan(g_) && isnan(w_)) ||                                            \
                      fabs(g_ - w_) <= 1e-12 * (fabs(w_) > 1 ? fabs(w_) : 1))) {             \
                        fprintf(stderr, "%s:%d: %s is %.17g, expected %.17g\n", __FILE__,     \
                                __LINE__, #got, g_, w_);                                     \
                        check_failures++;                                                    \
                }                                                                            \
        } while (0)

#define CHECK_STR(got, want)                                                                 \
        do {                                                                                 \
                const char *g_ = (got), *w_ = (want);                                        \
                if (strcmp(g_, w_) != 0) {                                                   \
                        fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,   \
                                __LINE__, #got, g_, w_);                                     \
                        check_failures++;                                                    \
                }                                                                            \
        } while (0)

#define CHECK_CONTAINS(text, part)                                                           \
        do {                                                                                 \
                const char *t_ = (text), *p_ = (part);                                       \
                if (!strstr(t_, p_)) {                                                       \
                        fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
                                __LINE__, t_, p_);                                           \
                        check_failures++;                                                    \
                }                                                                            \
        } while (0)

/* Whether process `pid` has ended within `seconds`: gone from /proc, or a zombie waiting for
 * its new parent to reap it. */
static inline int check_process_gone(int pid, double seconds)
{
        for (int i = 0; i < seconds * 100; i++) {
                char path[64], state = '?';
                snprintf(path, sizeof path, "/proc/%d/stat", pid);
                FILE *f = fopen(path, "r");
                if (!f)
                        return 1;
                int scanned = fscanf(f, "%*d %*s %c", &state);
                fclose(f);
                if (scanned == 1 && state == 'Z')
                        return 1;
                struct timespec pause = { 0, 10 * 1000 * 1000 };
                nanosleep(&pause, NULL);
        }
        return 0;
}

static inline int check_result(void)
{
        if (check_failures)
                fprintf(stderr, "%d check(s) failed\n", check_failures);
        return check_failures ? TEST_FAIL : TEST_PASS;
}

#endif
