/*
 * planner.c - the dispatcher: the planner named by the policy.
 *
 * It calls the planners (planner_balance.c, planner_consolidate.c,
 * planner_greedy.c) and nothing calls back into it. Below it the layers
 * only go down: a planner uses the exact search (planner_exact.c), move
 * ordering (plan_order.c), repairs (repair.c) and predicted placements
 * (placement.c), which record moves into plans (plan.c), which call
 * nothing.
 */
#include "plan.h"

struct plan *
planner_run(const struct plan_input *in)
{
	if (in->policy.planner == PLANNER_GREEDY_2008)
		return planner_greedy_2008(in);
	if (in->policy.objective == OBJECTIVE_CONSOLIDATE)
		return planner_consolidate(in);
	return planner_balance(in);
}
