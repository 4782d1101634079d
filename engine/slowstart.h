/*
 * slowstart.h - slow start: a backend that returns to service (health up
 * after it was seen down, its VM's migration or its drain over) gets a
 * growing part of its weight over the service's slow_start_s, as HAProxy's
 * `slowstart` does: linearly from a small fraction to all of it. Never at
 * the start of a run: the backends found serving then get all of it.
 *
 * Pure: the caller says when the ramp began and what time it is.
 */
#ifndef VMBAL_SLOWSTART_H
#define VMBAL_SLOWSTART_H

#include "dnat.h"

/* The ramp advances in steps of max(1 s, slow_start_s / SLOWSTART_STEPS):
 * at most that many rule rewrites per ramp. */
#define SLOWSTART_STEPS 20
/* The fraction a ramp starts at (and never goes below). */
#define SLOWSTART_MIN 0.01
/* While a backend of a service ramps, the service's weights are scaled up
 * so the largest is at least this: a ramp of round-robin's 1s still has
 * 1 % steps. The rules' probabilities do not change by it. */
#define SLOWSTART_RES 100

struct backend_view;

/*
 * The part of its weight a backend whose ramp began at `since` gets at
 * `now`: in [SLOWSTART_MIN, 1), or 1 once slow_start_s have passed (and
 * when slow_start_s <= 0, since < 0, or the clock went back). Grows
 * linearly, step by step.
 */
double slowstart_factor(double since, double now, long slow_start_s);
/* When that factor next changes (a step's start, or the ramp's end);
 * < 0 when it will not (no ramp, or over). */
double slowstart_next(double since, double now, long slow_start_s);
/*
 * Scales the weights of d's backends that ramp (views[j].ramp in (0, 1)):
 * when one does, every weight of d is first multiplied so the largest is
 * at least SLOWSTART_RES, then a ramping one's is multiplied by its ramp,
 * never below 1 (it stays in rotation). A round-robin service is then
 * given to the rules as weighted: their turns ignore weights (docs/dnat.md).
 * No ramp: d is left as it is.
 */
void slowstart_apply(struct dnat_service *d, const struct backend_view *views);

#endif
