/*
 * plan_order.h - the steps of a balance plan: putting the moves towards
 * a placement in an order that never raises the spread, replaying them,
 * and recording them into a plan (plan_order.c).
 */
#ifndef VMBAL_PLAN_ORDER_H
#define VMBAL_PLAN_ORDER_H

#include "placement.h"

/* One step: a unit (a VM, or VMs joined by affinity) to a host. */
struct plan_step {
	int unit;
	int to;
	double spread;		/* after it, when its maker knew (else -1) */
};

struct plan_steps {
	struct plan_step *v;
	size_t n, cap;
};

int plan_steps_push(struct plan_steps *s, int unit, int to);
int plan_steps_copy(struct plan_steps *dst, const struct plan_steps *src);
void plan_steps_fini(struct plan_steps *s);
/* Migrations (VMs) the steps move. */
long plan_steps_moves(const struct placement *p, const struct plan_steps *s);

/*
 * An order of the unit moves that take p to target (a host per VM) in
 * which no step raises the placement's spread; true when one is found
 * within *budget search nodes (spent as it goes), with the order in out.
 */
bool plan_order_find(const struct placement *p, const int *target,
    long *budget, struct plan_steps *out);

/*
 * Replays s (without step skip, or none when -1) on base into scratch;
 * false when a step does not fit, or raises the spread.
 */
bool plan_order_replay(const struct placement *base,
    const struct plan_steps *s, long skip, struct placement *scratch);

/* Records s, replayed on base, into plan as balance moves. */
int plan_order_record(const struct placement *base,
    const struct plan_steps *s, struct plan *plan);

#endif
