/*
 * placement.h - a predicted placement that planners try moves on.
 *
 * It starts as the input's placement and changes only through
 * placement_move(); it answers what a move would do (memory, rules,
 * scores) before it is made. VMs joined by affinity rules form units that
 * move together; a unit is the thing planners move.
 */
#ifndef VMBAL_PLACEMENT_H
#define VMBAL_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

struct placement {
	const struct plan_input *in;
	size_t nh, nv;
	int *host_of;		/* per VM: predicted host */
	double *load;		/* per host: predicted load, one-CPU units */
	long *mem;		/* per host: predicted memory, MiB */
	bool *moved;		/* per VM: moved in this plan */
	int *aa;		/* anti-affinity group x host: members there */
	int *unit_of;		/* per VM: its unit (lowest member index) */
	int *unit_next;		/* per VM: next member of its unit, or -1 */
	double wc, wm;		/* score weights, normalised to sum 1 */
	double *vload;		/* per VM: what the plan counts, its demand
				 * (its load when demand is unknown) */
};

struct placement *placement_new(const struct plan_input *in);
void placement_free(struct placement *p);
/* A copy of p with its own state. */
struct placement *placement_clone(const struct placement *p);
void placement_copy(struct placement *dst, const struct placement *src);

bool placement_counts(const struct placement *p, int h);	/* in spread */
bool placement_target_ok(const struct placement *p, int h);
double placement_cpu(const struct placement *p, int h);	/* percent */
double placement_score(const struct placement *p, int h);
/* What host h's score would be with dload and dmem added. */
double placement_score_with(const struct placement *p, int h, double dload,
    long dmem);
double placement_spread(const struct placement *p);		/* of scores */
double placement_cpu_spread(const struct placement *p);
double placement_sumsq(const struct placement *p);

/* Unit totals; a unit is intact when all its members share a host. */
double placement_unit_load(const struct placement *p, int unit);
long placement_unit_mem(const struct placement *p, int unit);
/* Seconds its members' memory takes to copy (movecost.h). */
double placement_unit_cost(const struct placement *p, int unit);
bool placement_unit_intact(const struct placement *p, int unit);
/* Every member movable, not yet moved in this plan, on a host that is up
 * (nothing can be migrated off a host vmbal cannot reach). */
bool placement_unit_movable(const struct placement *p, int unit);
/* May unit go to host to: target up, not in maintenance, pins, memory,
 * anti-affinity (counting members that are already there). */
bool placement_unit_fits(const struct placement *p, int unit, int to);
/* Memory a plan may fill on h: its total less its reserve. */
long placement_mem_cap(const struct placement *p, int h);
/* Would VM v, moved alone to host h, meet an anti-affinity partner? */
bool placement_vm_clash(const struct placement *p, int v, int h);
/* Moves VM v alone to host to (its unit's others stay): a restart. */
void placement_move_vm(struct placement *p, int v, int to);
/* Moves every member of unit to host to (members already there stay). */
void placement_move(struct placement *p, int unit, int to);
/* placement_move, recording one plan move per member that changes host,
 * each with the predicted spreads after it. 0, or -1 on ENOMEM. */
int placement_apply(struct placement *p, struct plan *plan, int unit, int to,
    const char *reason);
/* The host where unit would leave the lowest score, or -1. */
int placement_best_target(const struct placement *p, int unit);

#endif
