/*
 * plan_check.c - does an offer still hold (see plan_check.h)?
 *
 * The moves are replayed, in their order, on a placement made from the
 * fresh input: each must be possible when its turn comes, exactly as the
 * controller would carry it out. A VM that an earlier move took along
 * with its affinity group is already where its own move sends it. When a
 * destination refuses a VM, the reason is looked for in the order an
 * operator would: host down, maintenance, pin, anti-affinity partner, and
 * what is left is memory. Names are found by a linear search: offers are
 * short and this runs once per analysis tick.
 *
 * plan_offer_stands() is the controller's rule for an offer on the table,
 * built on the check, with the little history it needs (plan_check.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "placement.h"
#include "plan_check.h"

#define EPS 1e-9

static int
check_vm(const struct plan_input *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nvms; i++)
		if (strcmp(in->vms[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
check_host(const struct plan_input *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nhosts; i++)
		if (strcmp(in->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool
check_offered(const struct plan_ref *moves, size_t n, const char *vm)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(moves[i].vm, vm) == 0)
			return true;
	return false;
}

/* An anti-affinity partner of a member of unit on host h, or -1; *m gets
 * the member. */
static int
check_anti_partner(const struct placement *p, int unit, int h, int *m)
{
	const struct plan_input *in = p->in;
	size_t g, i, k;

	for (g = 0; g < in->nanti; g++)
		for (i = 0; i < in->anti[g].n; i++) {
			int a = in->anti[g].vms[i];

			if (p->unit_of[a] != unit)
				continue;
			for (k = 0; k < in->anti[g].n; k++) {
				int b = in->anti[g].vms[k];

				if (p->unit_of[b] != unit && p->host_of[b] == h) {
					*m = a;
					return b;
				}
			}
		}
	return -1;
}

/* Why unit may not go to host to (placement_unit_fits said no). */
static void
check_refusal(const struct placement *p, int unit, int to, struct diag *why)
{
	const struct plan_input *in = p->in;
	const char *host = in->hosts[to].name;
	int v, partner, m = unit;

	if (!in->hosts[to].up) {
		diag_set(why, NULL, 0, 0, "%s is down", host);
		return;
	}
	if (in->hosts[to].maintenance) {
		diag_set(why, NULL, 0, 0, "%s is in maintenance", host);
		return;
	}
	for (v = unit; v >= 0; v = p->unit_next[v])
		if (in->vms[v].pin >= 0 && in->vms[v].pin != to) {
			diag_set(why, NULL, 0, 0, "%s is pinned to %s",
			    in->vms[v].name, in->hosts[in->vms[v].pin].name);
			return;
		}
	if ((partner = check_anti_partner(p, unit, to, &m)) >= 0) {
		diag_set(why, NULL, 0, 0,
		    "%s may not join %s on %s (anti-affinity)",
		    in->vms[m].name, in->vms[partner].name, host);
		return;
	}
	diag_set(why, NULL, 0, 0, "%s has not the memory for %s", host,
	    in->vms[unit].name);
}

/* One move on p; false with why when it cannot be made. */
static bool
check_move(struct placement *p, const struct plan_ref *moves, size_t n,
    size_t i, struct diag *why)
{
	const struct plan_input *in = p->in;
	const struct plan_ref *r = &moves[i];
	int v = check_vm(in, r->vm), to = check_host(in, r->to);
	int from = check_host(in, r->from), unit, m;

	if (v < 0) {
		diag_set(why, NULL, 0, 0, "%s is gone", r->vm);
		return false;
	}
	if (to < 0) {
		diag_set(why, NULL, 0, 0, "host %s is gone", r->to);
		return false;
	}
	if (p->moved[v]) {
		if (p->host_of[v] == to)
			return true;	/* went with its affinity group */
		diag_set(why, NULL, 0, 0,
		    "%s would be parted from its affinity group", r->vm);
		return false;
	}
	if (from < 0 || in->vms[v].host != from) {
		diag_set(why, NULL, 0, 0, "%s is no longer on %s", r->vm,
		    r->from);
		return false;
	}
	if (!in->hosts[from].up) {
		diag_set(why, NULL, 0, 0, "%s is down", r->from);
		return false;
	}
	unit = p->unit_of[v];
	for (m = unit; m >= 0; m = p->unit_next[m]) {
		if (!in->vms[m].movable) {
			diag_set(why, NULL, 0, 0, "%s may not move now "
			    "(excluded, cooling down or migrating)",
			    in->vms[m].name);
			return false;
		}
		/* an affinity group that grew would take a VM not offered */
		if (p->host_of[m] != to && !check_offered(moves, n,
		    in->vms[m].name)) {
			diag_set(why, NULL, 0, 0,
			    "%s would have to go along with %s (affinity)",
			    in->vms[m].name, r->vm);
			return false;
		}
	}
	if (!placement_unit_fits(p, unit, to)) {
		check_refusal(p, unit, to, why);
		return false;
	}
	placement_move(p, unit, to);
	return true;
}

bool
plan_check(const struct plan_input *in, const struct plan_ref *moves,
    size_t n, double target, struct plan_verdict *v, struct diag *why)
{
	struct plan_verdict local;
	struct placement *p;
	bool ok = true;
	size_t i;

	if (v == NULL)
		v = &local;
	memset(v, 0, sizeof *v);
	diag_clear(why);
	if (n == 0) {
		diag_set(why, NULL, 0, 0, "no moves");
		return false;
	}
	if ((p = placement_new(in)) == NULL) {
		diag_set(why, NULL, 0, 0, "out of memory");
		return false;
	}
	v->spread_before = placement_cpu_spread(p);
	v->score_before = placement_spread(p);
	for (i = 0; i < n && ok; i++)
		ok = check_move(p, moves, n, i, why);
	v->feasible = ok;
	v->spread_after = placement_cpu_spread(p);
	v->score_after = placement_spread(p);
	placement_free(p);
	if (!ok)
		return false;
	if (v->spread_after > target + EPS) {
		diag_set(why, NULL, 0, 0, "no longer reaches %.3g%% (%.1f%%)",
		    target, v->spread_after);
		return false;
	}
	if (v->score_before - v->score_after < in->policy.min_gain_pct - EPS) {
		diag_set(why, NULL, 0, 0, "gains less than %.3g%% now",
		    in->policy.min_gain_pct);
		return false;
	}
	return true;
}

void
plan_offer_init(struct plan_offer *o)
{
	o->miss_since = o->fewer_since = -1;
}

bool
plan_offer_stands(const struct plan_input *in, const struct plan_ref *moves,
    size_t n, const struct plan *fresh, double now, struct plan_offer *o,
    char *why, size_t len)
{
	const struct policy *pol = &in->policy;
	double target = policy_target_pct(pol);
	struct plan_verdict v;
	struct diag d;
	bool holds;

	if (len > 0)
		why[0] = '\0';
	if (fresh->spread_after > target + EPS)
		target = fresh->spread_after + pol->min_gain_pct;
	holds = plan_check(in, moves, n, target, &v, &d);
	if (holds)
		o->miss_since = -1;
	else if (o->miss_since < 0)
		o->miss_since = now;
	if (!holds && (!v.feasible || now - o->miss_since >= pol->hold_s - EPS)) {
		snprintf(why, len, "replaced: %s", d.msg);
		return false;
	}
	/* fewer moves win, when they reach the target or as far as it */
	if (fresh->nmoves < n && fresh->spread_after <=
	    fmax(policy_target_pct(pol), v.spread_after) + EPS) {
		if (o->fewer_since < 0)
			o->fewer_since = now;
	} else
		o->fewer_since = -1;
	if (o->fewer_since >= 0 && now - o->fewer_since >= pol->hold_s - EPS) {
		snprintf(why, len, "replaced: a plan with %zu move%s instead "
		    "of %zu", fresh->nmoves, fresh->nmoves == 1 ? "" : "s", n);
		return false;
	}
	return true;
}
