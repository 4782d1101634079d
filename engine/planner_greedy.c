/*
 * planner_greedy.c - the 2008 algorithm, kept as a baseline to compare
 * against (policy.planner: greedy-2008).
 *
 * At most one migration per analysis, and only while imbalanced: from the
 * most loaded host to the least loaded one, the VM whose load (in percent
 * of the source host) is closest to the difference between the two hosts;
 * refused if afterwards the two hosts differ by as much as before, the
 * imbalance merely moved to the other host. It obeys the same hard rules
 * as the default planner (memory, pins, exclusions, anti-affinity,
 * cooldowns; VMs joined by affinity never move, since it moves one VM at
 * a time) but makes no repairs and no plans of several moves.
 */
#include <math.h>
#include <stdio.h>

#include "placement.h"

struct plan *
planner_greedy_2008(const struct plan_input *in)
{
	struct placement *p = placement_new(in);
	struct plan *plan = plan_new();
	double hi = 0, lo = 0, diff, best = INFINITY;
	int h, a = -1, c = -1, u, pick = -1;
	char reason[160];

	if (p == NULL || plan == NULL) {
		placement_free(p);
		plan_free(plan);
		return NULL;
	}
	plan->spread_before = plan->spread_after = placement_cpu_spread(p);
	plan->score_before = plan->score_after = placement_spread(p);
	for (h = 0; h < (int)p->nh; h++) {
		double cpu = placement_cpu(p, h);

		if (!placement_counts(p, h))
			continue;
		if (a < 0 || cpu > hi) {
			a = h;
			hi = cpu;
		}
		if (c < 0 || cpu < lo) {
			c = h;
			lo = cpu;
		}
	}
	if (!in->imbalanced || a < 0 || a == c) {
		placement_free(p);
		return plan;
	}
	diff = hi - lo;
	for (u = 0; u < (int)p->nv; u++) {
		double share, d;

		/* one VM per analysis: VMs bound by affinity are left alone */
		if (p->unit_of[u] != u || p->unit_next[u] >= 0 ||
		    p->host_of[u] != a ||
		    !placement_unit_movable(p, u) ||
		    !placement_unit_fits(p, u, c))
			continue;
		share = 100.0 * placement_unit_load(p, u) / in->hosts[a].cap;
		d = fabs(share - diff);
		if (d < best - 1e-9) {
			best = d;
			pick = u;
		}
	}
	if (pick >= 0) {
		double l = placement_unit_load(p, pick);
		double na = 100.0 * (p->load[a] - l) / in->hosts[a].cap;
		double nc = 100.0 * (p->load[c] + l) / in->hosts[c].cap;

		if (fabs(na - nc) < diff - 1e-9) {
			snprintf(reason, sizeof reason,
			    "greedy-2008: %s at %.0f%% -> %s at %.0f%%",
			    in->hosts[a].name, hi, in->hosts[c].name, lo);
			if (placement_apply(p, plan, pick, c, reason) != 0) {
				placement_free(p);
				plan_free(plan);
				return NULL;
			}
		}
	}
	plan->spread_after = placement_cpu_spread(p);
	plan->score_after = placement_spread(p);
	placement_free(p);
	return plan;
}
