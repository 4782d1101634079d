/*
 * plan_order.c - the steps of a balance plan (see plan_order.h).
 *
 * The order search is a depth-first search over which units have moved:
 * from each state, the units not yet at their target whose move fits and
 * does not raise the spread, lowest spread after first. States already
 * seen are not searched again (a bitmap over the units that must move,
 * when there are at most ORDER_MAX_BITS of them), so it is quick on the
 * small clusters the exact search hands it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_order.h"
#include "vec.h"

#define EPS 1e-9
#define ORDER_MAX_BITS 20

int
plan_steps_push(struct plan_steps *s, int unit, int to)
{
	if (vec_reserve(&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
		return -1;
	s->v[s->n].unit = unit;
	s->v[s->n].to = to;
	s->v[s->n].spread = -1;
	s->n++;
	return 0;
}

int
plan_steps_copy(struct plan_steps *dst, const struct plan_steps *src)
{
	size_t i;

	dst->n = 0;
	for (i = 0; i < src->n; i++)
		if (plan_steps_push(dst, src->v[i].unit, src->v[i].to) != 0)
			return -1;
		else
			dst->v[i].spread = src->v[i].spread;
	return 0;
}

void
plan_steps_fini(struct plan_steps *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

long
plan_steps_moves(const struct placement *p, const struct plan_steps *s)
{
	long n = 0;
	size_t i;
	int v;

	for (i = 0; i < s->n; i++)
		for (v = s->v[i].unit; v >= 0; v = p->unit_next[v])
			n++;
	return n;
}

/* The spread if intact unit u (on one host) went to host to. */
static double
order_spread_after(const struct placement *p, int u, int to)
{
	double l = placement_unit_load(p, u), lo = 0, hi = 0, s;
	long m = placement_unit_mem(p, u);
	int from = p->host_of[u], h;
	bool any = false;

	for (h = 0; h < (int)p->nh; h++) {
		if (!placement_counts(p, h))
			continue;
		s = h == from ? placement_score_with(p, h, -l, -m) :
		    h == to ? placement_score_with(p, h, l, m) :
		    placement_score(p, h);
		if (!any || s < lo)
			lo = s;
		if (!any || s > hi)
			hi = s;
		any = true;
	}
	return any ? hi - lo : 0;
}

struct order {
	struct placement *p;
	const int *target;
	int *units;		/* units that must move */
	int nunits;
	unsigned char *seen;	/* bitmap of states, or NULL */
	long *budget;
	struct plan_steps path;
	bool found;
};

static bool
order_dfs(struct order *o, unsigned long state)
{
	struct placement *p = o->p, *saved;
	int cand[ORDER_MAX_BITS + 12], n = 0, i, j, k;
	double cs[ORDER_MAX_BITS + 12], cur = placement_spread(p), s;
	bool ok = false;

	if (state + 1 == 1UL << o->nunits || o->nunits == 0)
		return true;
	if (o->seen != NULL) {
		if (o->seen[state >> 3] & (1u << (state & 7)))
			return false;
		o->seen[state >> 3] |= (unsigned char)(1u << (state & 7));
	}
	if ((*o->budget)-- <= 0)
		return false;
	for (i = 0; i < o->nunits && n < (int)(sizeof cand / sizeof *cand);
	    i++) {
		int u = o->units[i];

		if (state & (1UL << i) ||
		    !placement_unit_fits(p, u, o->target[u]))
			continue;
		s = order_spread_after(p, u, o->target[u]);
		if (s > cur + EPS)
			continue;
		for (j = n; j > 0 && s < cs[j - 1]; j--) {
			cand[j] = cand[j - 1];
			cs[j] = cs[j - 1];
		}
		cand[j] = i;
		cs[j] = s;
		n++;
	}
	if (n == 0)
		return false;
	saved = placement_clone(p);
	if (saved == NULL)
		return false;
	for (k = 0; k < n && !ok; k++) {
		int u = o->units[cand[k]];

		placement_move(p, u, o->target[u]);
		if (plan_steps_push(&o->path, u, o->target[u]) != 0)
			break;
		ok = order_dfs(o, state | (1UL << cand[k]));
		if (!ok) {
			o->path.n--;
			placement_copy(p, saved);
		}
	}
	placement_free(saved);
	return ok;
}

bool
plan_order_find(const struct placement *p, const int *target, long *budget,
    struct plan_steps *out)
{
	struct order o;
	bool ok = false;
	int u;

	memset(&o, 0, sizeof o);
	o.target = target;
	o.budget = budget;
	o.p = placement_clone(p);
	o.units = calloc(p->nv + 1, sizeof *o.units);
	if (o.p == NULL || o.units == NULL)
		goto out;
	for (u = 0; u < (int)p->nv; u++) {
		int v;
		bool moves = false;

		if (p->unit_of[u] != u)
			continue;
		for (v = u; v >= 0; v = p->unit_next[v])
			moves |= p->host_of[v] != target[u];
		if (!moves)
			continue;
		if (!placement_unit_intact(p, u) ||
		    !placement_unit_movable(p, u) ||
		    o.nunits == (int)(8 * sizeof(unsigned long)) - 1)
			goto out;
		o.units[o.nunits++] = u;
	}
	if (o.nunits <= ORDER_MAX_BITS) {
		o.seen = calloc(((size_t)1 << o.nunits) / 8 + 1, 1);
		if (o.seen == NULL)
			goto out;
	}
	ok = order_dfs(&o, 0);
	if (ok)
		ok = plan_steps_copy(out, &o.path) == 0;
out:
	placement_free(o.p);
	free(o.units);
	free(o.seen);
	plan_steps_fini(&o.path);
	return ok;
}

bool
plan_order_replay(const struct placement *base, const struct plan_steps *s,
    long skip, struct placement *scratch)
{
	double last, now;
	size_t i;

	placement_copy(scratch, base);
	last = placement_spread(scratch);
	for (i = 0; i < s->n; i++) {
		if ((long)i == skip)
			continue;
		if (!placement_unit_fits(scratch, s->v[i].unit, s->v[i].to))
			return false;
		placement_move(scratch, s->v[i].unit, s->v[i].to);
		now = placement_spread(scratch);
		if (now > last + EPS)
			return false;
		last = now;
	}
	return true;
}

int
plan_order_record(const struct placement *base, const struct plan_steps *s,
    struct plan *plan)
{
	struct placement *p = placement_clone(base);
	const struct plan_input *in = base->in;
	char reason[160];
	size_t i;
	int rc = 0;

	if (p == NULL)
		return -1;
	for (i = 0; i < s->n && rc == 0; i++) {
		int u = s->v[i].unit, to = s->v[i].to;
		int from = p->host_of[u];

		snprintf(reason, sizeof reason,
		    "balance: %s (cpu %.0f%%, mem %.0f%%) -> %s (cpu %.0f%%, mem %.0f%%)",
		    in->hosts[from].name, placement_cpu(p, from),
		    100.0 * (double)p->mem[from] / (double)in->hosts[from].mem_total,
		    in->hosts[to].name, placement_cpu(p, to),
		    100.0 * (double)p->mem[to] / (double)in->hosts[to].mem_total);
		rc = placement_apply(p, plan, u, to, reason);
	}
	placement_free(p);
	return rc;
}
