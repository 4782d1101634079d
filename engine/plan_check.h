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

#endif
