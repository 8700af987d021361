/* Repetitions: each planned point is measured several times, each time in a fresh process, in
 * rounds over the whole plan in a shuffled order, so that one slow episode of the host (a vCPU
 * taken away, moved, shared) lands on different points' repetitions instead of on all of one
 * point's. A point whose interval stays wide is given more, within a cap. Its repetitions are
 * then pooled into rows, one for each vCPU distance they saw: figures measured with the two
 * vCPUs near each other are never pooled with figures measured with them far apart. */
#ifndef IPCBENCH_REPEAT_H
#define IPCBENCH_REPEAT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* A point whose first metric's 95 % interval is wider than this, relative to its median, is
 * given more repetitions (up to --max-repeat), and named unstable if it stays so. */
#define REPEAT_MAX_HALF_WIDTH 0.05

/* The extra repetitions stop once the run has taken this share longer than its first rounds. */
#define REPEAT_EXTRA_TIME_SHARE 0.25

/* One planned point and its repetitions so far. */
struct trial {
        struct point pt;
        enum outcome status;            /* OK until a repetition fails or is skipped */
        char reason[1024];
        struct point_outcome *reps;     /* the repetitions that succeeded */
        double *primary_medians;        /* each one's median of its first metric */
        size_t n_reps;
};

/* Take one repetition's outcome into the trial (out is emptied: its samples move). */
void trial_add(struct trial *t, struct point_outcome *out);

/* The prior of each trial: what the other trials of its family (the same group, placement,
 * and stream or not) say of the variation between repetitions of their first metric, from
 * those with two repetitions or more (stats_prior). priors[] has n entries. */
void repeat_family_priors(const struct trial *trials, size_t n, struct stats_prior *priors);

/* The widest relative half-width of the first metric's interval over the trial's distances,
 * given its family's prior: what decides whether it gets another repetition. INFINITY where
 * nothing can say yet how much it varies. */
double trial_half_width(const struct trial *t, const struct stats_prior *prior);

/* At most this many rows come of one trial: one per vcpu_distance. */
enum { TRIAL_MAX_ROWS = 4 };

/* Pool the trial's repetitions into rows[], one per distance seen, with statistics and
 * intervals (moderated by the family's prior); a row whose first metric's half-width exceeds max_half_width is marked
 * unstable. Returns the number of rows, or -1 when out of memory. */
int trial_rows(const struct trial *t, struct result rows[TRIAL_MAX_ROWS], double max_half_width,
               const struct stats_prior *prior);

void trial_free(struct trial *t);
void result_free(struct result *r);

/* Shuffle order[0..n) in place (Fisher-Yates) from *state, a seed that it advances. */
void repeat_shuffle(size_t *order, size_t n, uint64_t *state);

#endif
