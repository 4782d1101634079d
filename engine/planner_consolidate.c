/*
 * planner_consolidate.c - the consolidate objective: pack VMs onto as
 * few hosts as the ceiling allows and report the hosts left empty.
 *
 * After the repairs it first relieves hosts above the ceiling by more than
 * min_gain_pct (a margin, so that a host packed to the ceiling is not
 * relieved by the wobble of its averages and refilled at the next
 * analysis; their smallest units go to the fullest host that stays under
 * the ceiling), then tries
 * to empty hosts one at a time, cheapest first (least memory to copy):
 * the host's units, biggest load first, go best-fit to the other hosts
 * in use, each staying under the ceiling in CPU and within memory. A host
 * is emptied only if all of its units find room; otherwise nothing of it
 * moves. Hosts already empty are never filled while others have room.
 */
#include <stdio.h>
#include <stdlib.h>

#include "placement.h"
#include "repair.h"

static bool
consolidate_room(const struct placement *p, int u, int h, double ceiling)
{
	double l = placement_unit_load(p, u);

	return placement_unit_fits(p, u, h) &&
	    100.0 * (p->load[h] + l) / p->in->hosts[h].cap <= ceiling + 1e-9;
}

static int
consolidate_count(const struct placement *p, int h)
{
	int v, n = 0;

	for (v = 0; v < (int)p->nv; v++)
		n += p->host_of[v] == h;
	return n;
}

/* The fullest host in use (or any, if allow_empty) with room for u. */
static int
consolidate_fit(const struct placement *p, int u, int except,
    const bool *leaving, double ceiling, bool allow_empty)
{
	double best = -1, cpu;
	int h, pick = -1;

	for (h = 0; h < (int)p->nh; h++) {
		if (h == except || leaving[h] || !placement_counts(p, h) ||
		    (!allow_empty && consolidate_count(p, h) == 0) ||
		    !consolidate_room(p, u, h, ceiling))
			continue;
		cpu = placement_cpu(p, h);
		if (cpu > best) {
			best = cpu;
			pick = h;
		}
	}
	return pick;
}

static int
consolidate_relieve(struct placement *p, struct plan *plan, bool *leaving,
    double ceiling)
{
	char reason[160];
	int h, u, to;

	double margin = p->in->policy.min_gain_pct > 1 ?
	    p->in->policy.min_gain_pct : 1;

	for (h = 0; h < (int)p->nh; h++) {
		if (!placement_counts(p, h) ||
		    placement_cpu(p, h) <= ceiling + margin)
			continue;
		while (placement_cpu(p, h) > ceiling + 1e-9) {
			int pick = -1;
			double need = p->load[h] - ceiling *
			    p->in->hosts[h].cap / 100.0, best = 0;

			/* the smallest unit that brings h under the ceiling,
			 * else the biggest */
			for (u = 0; u < (int)p->nv; u++) {
				double l;

				if (p->unit_of[u] != u || p->host_of[u] != h ||
				    !placement_unit_intact(p, u) ||
				    !placement_unit_movable(p, u))
					continue;
				l = placement_unit_load(p, u);
				if (pick < 0 || (l >= need && (best < need ||
				    l < best)) || (best < need && l > best)) {
					pick = u;
					best = l;
				}
			}
			if (pick < 0)
				break;
			to = consolidate_fit(p, pick, h, leaving, ceiling,
			    false);
			if (to < 0)
				to = consolidate_fit(p, pick, h, leaving,
				    ceiling, true);
			if (to < 0)
				break;
			snprintf(reason, sizeof reason,
			    "consolidate: %s is above the %.0f%% ceiling",
			    p->in->hosts[h].name, ceiling);
			if (placement_apply(p, plan, pick, to, reason) != 0)
				return -1;
		}
	}
	return 0;
}

/* Tries to empty host e on a copy; commits it to p and plan if all fit. */
static int
consolidate_empty(struct placement *p, struct plan *plan, int e,
    bool *leaving, double ceiling)
{
	struct placement *t = placement_clone(p);
	int *units, n = 0, u, i, j, *to;
	char reason[160];
	bool ok = true;
	int rc = 0;

	units = calloc(p->nv + 1, sizeof *units);
	to = calloc(p->nv + 1, sizeof *to);
	if (t == NULL || units == NULL || to == NULL) {
		rc = -1;
		goto out;
	}
	for (u = 0; u < (int)p->nv && ok; u++) {
		if (p->host_of[u] != e)
			continue;
		if (!placement_unit_intact(p, p->unit_of[u]) ||
		    !placement_unit_movable(p, p->unit_of[u]))
			ok = false;
		else if (p->unit_of[u] == u)
			units[n++] = u;
	}
	/* biggest load first */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && placement_unit_load(p, units[j]) >
		    placement_unit_load(p, units[j - 1]); j--) {
			int x = units[j];

			units[j] = units[j - 1];
			units[j - 1] = x;
		}
	leaving[e] = true;
	for (i = 0; i < n && ok; i++) {
		to[i] = consolidate_fit(t, units[i], e, leaving, ceiling, false);
		if (to[i] < 0)
			ok = false;
		else
			placement_move(t, units[i], to[i]);
	}
	if (!ok || n == 0) {
		leaving[e] = false;
		goto out;
	}
	snprintf(reason, sizeof reason, "consolidate: empty %s",
	    p->in->hosts[e].name);
	for (i = 0; i < n && rc == 0; i++)
		rc = placement_apply(p, plan, units[i], to[i], reason);
out:
	placement_free(t);
	free(units);
	free(to);
	return rc;
}

static long
consolidate_cost(const struct placement *p, int h)
{
	long m = 0;
	int v;

	for (v = 0; v < (int)p->nv; v++)
		if (p->host_of[v] == h)
			m += p->in->vms[v].mem;
	return m;
}

struct plan *
planner_consolidate(const struct plan_input *in)
{
	double ceiling = in->policy.consolidate_ceiling_pct;
	struct placement *p = placement_new(in);
	struct plan *plan = plan_new();
	bool *leaving = calloc(in->nhosts + 1, sizeof *leaving);
	int *order = calloc(in->nhosts + 1, sizeof *order);
	long *cost = calloc(in->nhosts + 1, sizeof *cost);
	int n = 0, h, i, j;

	if (p == NULL || plan == NULL || leaving == NULL || order == NULL ||
	    cost == NULL)
		goto fail;
	plan->spread_before = placement_cpu_spread(p);
	plan->score_before = placement_spread(p);
	if (repair_run(p, plan) != 0 ||
	    consolidate_relieve(p, plan, leaving, ceiling) != 0)
		goto fail;
	for (h = 0; h < (int)in->nhosts; h++) {
		cost[h] = consolidate_cost(p, h);
		if (placement_counts(p, h) && consolidate_count(p, h) > 0)
			order[n++] = h;
	}
	/* cheapest to empty first; ties: the smaller host first */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && (cost[order[j]] < cost[order[j - 1]] ||
		    (cost[order[j]] == cost[order[j - 1]] &&
		    in->hosts[order[j]].cap < in->hosts[order[j - 1]].cap));
		    j--) {
			int x = order[j];

			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (i = 0; i < n; i++)
		if (consolidate_empty(p, plan, order[i], leaving, ceiling) != 0)
			goto fail;
	plan->empty_hosts = calloc(in->nhosts + 1, sizeof *plan->empty_hosts);
	if (plan->empty_hosts == NULL)
		goto fail;
	for (h = 0; h < (int)in->nhosts; h++)
		if (placement_counts(p, h) && consolidate_count(p, h) == 0)
			plan->empty_hosts[plan->nempty++] = h;
	plan->spread_after = placement_cpu_spread(p);
	plan->score_after = placement_spread(p);
	placement_free(p);
	free(leaving);
	free(order);
	free(cost);
	return plan;
fail:
	placement_free(p);
	plan_free(plan);
	free(leaving);
	free(order);
	free(cost);
	return NULL;
}
