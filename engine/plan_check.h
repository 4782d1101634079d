/*
 * plan_check.h - does a plan offered earlier still hold on fresh measures?
 *
 * An offer is what the operator was shown: moves by name, in order. On a
 * fresh plan_input it holds when every VM still exists, is still on the
 * host it was to leave and may still move, each destination may still
 * take it (up, not in maintenance, pins, anti-affinity, affinity groups,
 * memory at every step, as the planner's placement judges them), and the
 * moves, carried out in order, bring the predicted CPU spread to at most
 * the target while lowering the score spread by at least min_gain_pct.
 * A pure function: the controller decides what to do with the answer.
 */
#ifndef VMBAL_PLAN_CHECK_H
#define VMBAL_PLAN_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "plan.h"

/* An offered move, by name. The strings are the caller's. */
struct plan_ref {
	const char *vm, *from, *to;
};

/* What the offer would do on the fresh input (as far as it got). */
struct plan_verdict {
	bool feasible;		/* every move can be made, in order */
	double spread_before, spread_after;	/* CPU spread, as in samples */
	double score_before, score_after;	/* what the planner minimises */
};

/*
 * true when the n moves still hold on in with the predicted CPU spread at
 * most target; false with why->msg saying, in one sentence, the first
 * reason they do not ("web1 is no longer on h1", "no longer reaches
 * 10%: 12.4%"). v (may be NULL) gets the spreads. No move holds nothing:
 * false.
 */
bool plan_check(const struct plan_input *in, const struct plan_ref *moves,
    size_t n, double target, struct plan_verdict *v, struct diag *why);

/*
 * Offers that stand: what the controller keeps of an offer between
 * analysis ticks, and whether it stands against the plan made afresh.
 * It stands while plan_check holds (aiming at in->policy.target_pct, or,
 * when the fresh plan cannot reach that either, within min_gain_pct of
 * where the fresh plan gets) and no plan with fewer moves gets as far. A
 * move that can no longer be made ends it at once. Measures are averages
 * of loads that wobble (the demo's square waves swing a fixed offer's
 * predicted spread between 1% and 40%): a missed target, or a plan with
 * fewer moves, must last hold_s before it replaces the offer, as
 * imbalance must last hold_s before a plan is made.
 */
struct plan_offer {
	double miss_since;	/* since when it misses its target; < 0 not */
	double fewer_since;	/* since when fewer moves do; < 0 not */
};

/* A new offer: no history. */
void plan_offer_init(struct plan_offer *o);
/* true: the offer (n moves) stands at time now; false with why ("replaced:
 * web1 is no longer on h1", "replaced: a plan with 3 moves instead of 5")
 * written into why (len bytes). */
bool plan_offer_stands(const struct plan_input *in,
    const struct plan_ref *moves, size_t n, const struct plan *fresh,
    double now, struct plan_offer *o, char *why, size_t len);

#endif
