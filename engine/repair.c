/*
 * repair.c - repair moves (see repair.h).
 *
 * Repairs are not subject to the minimum gain: a host in maintenance is
 * emptied even when the cluster is balanced. They never break a rule to
 * mend another, and a VM that may not move (excluded, cooling down, in
 * flight) stays where it is until it may.
 */
#include <stdio.h>
#include <stdlib.h>

#include "repair.h"

static int
repair_evacuate(struct placement *p, struct plan *plan)
{
	const struct plan_input *in = p->in;
	char reason[128];
	int v, to, pass;

	/* big units first: they are the hardest to place */
	for (pass = 0; pass < 2; pass++)
		for (v = 0; v < (int)p->nv; v++) {
			int h = p->host_of[v];
			long mem;

			if (p->unit_of[v] != v || !in->hosts[h].maintenance ||
			    !in->hosts[h].up || !placement_unit_movable(p, v))
				continue;
			mem = placement_unit_mem(p, v);
			if ((pass == 0) != (mem >= 4096))
				continue;
			to = placement_best_target(p, v);
			if (to < 0)
				continue;
			snprintf(reason, sizeof reason,
			    "maintenance: evacuate %s", in->hosts[h].name);
			if (placement_apply(p, plan, v, to, reason) != 0)
				return -1;
		}
	return 0;
}

static int
repair_pins(struct placement *p, struct plan *plan)
{
	const struct plan_input *in = p->in;
	char reason[128];
	int v;

	for (v = 0; v < (int)p->nv; v++) {
		int pin = in->vms[v].pin, u = p->unit_of[v];

		if (pin < 0 || p->host_of[v] == pin ||
		    !in->hosts[p->host_of[v]].up ||
		    !placement_unit_movable(p, u) ||
		    !placement_unit_fits(p, u, pin))
			continue;
		snprintf(reason, sizeof reason, "pin: %s belongs on %s",
		    in->vms[v].name, in->hosts[pin].name);
		if (placement_apply(p, plan, u, pin, reason) != 0)
			return -1;
	}
	return 0;
}

static int
repair_anti(struct placement *p, struct plan *plan)
{
	const struct plan_input *in = p->in;
	char reason[160];
	size_t g, i, j;
	int to;

	for (g = 0; g < in->nanti; g++)
		for (i = 1; i < in->anti[g].n; i++) {
			int v = in->anti[g].vms[i], u = p->unit_of[v];
			int clash = -1;

			for (j = 0; j < i; j++)
				if (p->host_of[in->anti[g].vms[j]] ==
				    p->host_of[v])
					clash = in->anti[g].vms[j];
			if (clash < 0 || !in->hosts[p->host_of[v]].up ||
			    !placement_unit_movable(p, u))
				continue;
			to = placement_best_target(p, u);
			if (to < 0)
				continue;
			snprintf(reason, sizeof reason,
			    "anti-affinity: %s and %s share %s",
			    in->vms[v].name, in->vms[clash].name,
			    in->hosts[p->host_of[v]].name);
			if (placement_apply(p, plan, u, to, reason) != 0)
				return -1;
		}
	return 0;
}

/* A split unit joins the member holding the most memory, if it may. */
static int
repair_affinity(struct placement *p, struct plan *plan)
{
	const struct plan_input *in = p->in;
	char reason[160];
	int u, v, to;

	for (u = 0; u < (int)p->nv; u++) {
		long best = -1;
		bool ok = true;

		if (p->unit_of[u] != u || placement_unit_intact(p, u))
			continue;
		to = -1;
		for (v = u; v >= 0; v = p->unit_next[v])
			if (in->vms[v].mem > best) {
				best = in->vms[v].mem;
				to = p->host_of[v];
			}
		for (v = u; v >= 0; v = p->unit_next[v])
			if (p->host_of[v] != to && (!in->vms[v].movable ||
			    p->moved[v] || !in->hosts[p->host_of[v]].up))
				ok = false;
		if (!ok || !placement_unit_fits(p, u, to))
			continue;
		snprintf(reason, sizeof reason,
		    "affinity: keep %s together on %s", in->vms[u].name,
		    in->hosts[to].name);
		if (placement_apply(p, plan, u, to, reason) != 0)
			return -1;
	}
	return 0;
}

int
repair_run(struct placement *p, struct plan *plan)
{
	if (repair_evacuate(p, plan) != 0 || repair_pins(p, plan) != 0 ||
	    repair_anti(p, plan) != 0 || repair_affinity(p, plan) != 0)
		return -1;
	return 0;
}
