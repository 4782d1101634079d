/*
 * planner.c - the dispatcher: the planner named by the policy.
 *
 * It calls the planners (planner_balance.c, planner_consolidate.c,
 * planner_greedy.c) and nothing calls back into it. Below it the layers
 * only go down: a planner uses the exact search (planner_exact.c), move
 * ordering (plan_order.c), repairs (repair.c) and predicted placements
 * (placement.c), which record moves into plans (plan.c), which call
 * nothing. Each move of the plan returned carries its estimated copy
 * time (movecost.h).
 */
#include "movecost.h"
#include "plan.h"

struct plan *
planner_run(const struct plan_input *in)
{
	struct plan *p;
	size_t i;

	if (in->policy.planner == PLANNER_GREEDY_2008)
		p = planner_greedy_2008(in);
	else if (in->policy.objective == OBJECTIVE_CONSOLIDATE)
		p = planner_consolidate(in);
	else
		p = planner_balance(in);
	for (i = 0; p != NULL && i < p->nmoves; i++)
		p->moves[i].est_s = movecost_vm(in, p->moves[i].vm);
	return p;
}
