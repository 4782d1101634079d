/*
 * planner_exact.c - iterative deepening, branch and bound over the
 * placements of the movable units (see planner_exact.h).
 *
 * Units that may not move stay where they are. The movable ones, biggest
 * first, are tried on their own host first, then on the others in order
 * of score, with at most `cap` migrations; cap grows from 0 until a
 * placement reaches the target, so the first one found at a depth is a
 * proven minimum; among placements of as many migrations the least
 * estimated copy time (movecost.h) wins. A branch is cut when it would pass the cap, or when even
 * its best case cannot beat the best placement found: the highest score
 * so far can only grow, and no host can end above its score plus
 * everything not yet placed. Rules are checked as units are placed:
 * target up and not in maintenance, pins, memory (less the host's
 * reserve) and anti-affinity. A candidate best is kept only when
 * plan_order.c finds an order of its moves that never raises the spread.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner_exact.h"
#include "placement.h"

#define EPS 1e-9
#define COPY_EPS 1e-6	/* seconds: sums in another order are equal */

struct exact {
	const struct placement *p;
	const struct plan_input *in;
	int nh;
	int *units;		/* movable units, biggest first */
	int nunits;
	double *uload;		/* per unit index */
	long *umem;
	double *ucost;		/* seconds its memory takes to copy */
	int *umoves;		/* members of the unit (migrations if moved) */
	double *load;		/* per host, as the search goes */
	long *mem;
	int *aa;		/* anti-affinity group x host */
	int *cur;		/* per unit index: host chosen */
	double *rest_load;	/* load of units i.. not yet placed */
	long *rest_mem;
	int *best;		/* per unit index */
	double best_spread;	/* clamped at target */
	double best_raw;	/* not clamped: the last tie-break */
	int best_moves;
	double best_copy;	/* estimated copy seconds */
	double goal;		/* the target */
	double cpu_limit;
	int cap;		/* most migrations at this depth */
	long nodes;
	long order_budget;
	bool aborted;
	int *target;		/* per VM, for the order search */
	struct plan_steps *out;
};

static double
exact_score(const struct exact *e, int h, double load, long mem)
{
	const struct plan_host *ph = &e->in->hosts[h];

	return e->p->wc * 100.0 * load / ph->cap +
	    e->p->wm * 100.0 * (double)mem / (double)ph->mem_total;
}

/*
 * Walks the anti-affinity memberships of unit index i's members on host
 * h: with d == 0 says whether one clashes with a group member already
 * there; otherwise adds d to the groups' counts on h.
 */
static bool
exact_anti(struct exact *e, int i, int h, int d)
{
	const struct plan_input *in = e->in;
	size_t g, k;
	int v;

	for (v = e->units[i]; v >= 0; v = e->p->unit_next[v])
		for (g = 0; g < in->nanti; g++)
			for (k = 0; k < in->anti[g].n; k++) {
				int *n = &e->aa[g * (size_t)e->nh + (size_t)h];

				if (in->anti[g].vms[k] != v)
					continue;
				if (d == 0 && *n > 0)
					return false;
				*n += d;
			}
	return true;
}

static bool
exact_allowed(struct exact *e, int i, int h)
{
	bool home = h == e->p->host_of[e->units[i]];
	int v;

	if (home)
		return true;	/* staying breaks no rule it did not */
	if (!placement_target_ok(e->p, h))
		return false;
	for (v = e->units[i]; v >= 0; v = e->p->unit_next[v])
		if (e->in->vms[v].pin >= 0 && e->in->vms[v].pin != h)
			return false;
	/* moving in, it keeps out of the host's reserve */
	return e->mem[h] + e->umem[i] <= placement_mem_cap(e->p, h) &&
	    exact_anti(e, i, h, 0);
}

/* Is (s, moves, copy, raw) better than the best so far? Copy is the
 * estimated copy time (movecost.h), the least memory when no dirty rate
 * is known. */
static bool
exact_better(const struct exact *e, double s, int moves, double copy,
    double raw)
{
	if (s < e->best_spread - EPS)
		return true;
	if (s > e->best_spread + EPS)
		return false;
	if (moves != e->best_moves)
		return moves < e->best_moves;
	if (copy < e->best_copy - COPY_EPS)
		return true;
	if (copy > e->best_copy + COPY_EPS)
		return false;
	return raw < e->best_raw - EPS;
}

static double
exact_cpu_spread(const struct exact *e)
{
	double lo = 0, hi = 0, c;
	bool any = false;
	int h;

	for (h = 0; h < e->nh; h++) {
		if (!placement_counts(e->p, h))
			continue;
		c = e->in->hosts[h].cap > 0 ?
		    100.0 * e->load[h] / e->in->hosts[h].cap : 0;
		if (!any || c < lo)
			lo = c;
		if (!any || c > hi)
			hi = c;
		any = true;
	}
	return any ? hi - lo : 0;
}

static void
exact_leaf(struct exact *e, int moves, double copy)
{
	double lo = 0, hi = 0, s, raw;
	bool any = false;
	int h, i, v;

	for (h = 0; h < e->nh; h++) {
		if (!placement_counts(e->p, h))
			continue;
		s = exact_score(e, h, e->load[h], e->mem[h]);
		if (!any || s < lo)
			lo = s;
		if (!any || s > hi)
			hi = s;
		any = true;
	}
	raw = any ? hi - lo : 0;
	s = fmax(raw, e->goal);
	if (!exact_better(e, s, moves, copy, raw) ||
	    exact_cpu_spread(e) > e->cpu_limit + EPS)
		return;
	for (v = 0; v < (int)e->p->nv; v++)
		e->target[v] = e->p->host_of[v];
	for (i = 0; i < e->nunits; i++)
		for (v = e->units[i]; v >= 0; v = e->p->unit_next[v])
			e->target[v] = e->cur[i];
	if (!plan_order_find(e->p, e->target, &e->order_budget, e->out)) {
		if (e->order_budget <= 0)
			e->aborted = true;	/* not proven: give up */
		return;
	}
	e->best_spread = s;
	e->best_raw = raw;
	e->best_moves = moves;
	e->best_copy = copy;
	memcpy(e->best, e->cur, (size_t)e->nunits * sizeof *e->best);
}

/* The best spread still possible below this node. */
static double
exact_bound(const struct exact *e, int i)
{
	double hi = 0, lo_ub = INFINITY, s;
	bool any = false;
	int h;

	for (h = 0; h < e->nh; h++) {
		if (!placement_counts(e->p, h))
			continue;
		s = exact_score(e, h, e->load[h], e->mem[h]);
		if (!any || s > hi)
			hi = s;
		any = true;
		s = exact_score(e, h, e->load[h] + e->rest_load[i],
		    e->mem[h] + e->rest_mem[i]);
		if (s < lo_ub)
			lo_ub = s;
	}
	return any ? fmax(0, hi - lo_ub) : 0;
}

static void
exact_dfs(struct exact *e, int i, int moves, double copy)
{
	int order[64], n = 0, k, j, h, home;

	if (e->aborted)
		return;
	if (++e->nodes > EXACT_NODE_LIMIT) {
		e->aborted = true;
		return;
	}
	if (i == e->nunits) {
		exact_leaf(e, moves, copy);
		return;
	}
	{
		double lb = fmax(exact_bound(e, i), e->goal);

		if (lb > e->best_spread + EPS ||
		    (lb >= e->best_spread - EPS && moves > e->best_moves))
			return;
	}
	home = e->p->host_of[e->units[i]];
	order[n++] = home;
	for (h = 0; h < e->nh && n < 64; h++)
		if (h != home)
			order[n++] = h;
	/* after home: lowest score first */
	for (k = 2; k < n; k++)
		for (j = k; j > 1 && exact_score(e, order[j], e->load[order[j]],
		    e->mem[order[j]]) < exact_score(e, order[j - 1],
		    e->load[order[j - 1]], e->mem[order[j - 1]]); j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (k = 0; k < n; k++) {
		h = order[k];
		if ((h != home && moves + e->umoves[i] > e->cap) ||
		    !exact_allowed(e, i, h))
			continue;
		e->cur[i] = h;
		e->load[h] += e->uload[i];
		e->mem[h] += e->umem[i];
		exact_anti(e, i, h, 1);
		exact_dfs(e, i + 1, moves + (h != home ? e->umoves[i] : 0),
		    copy + (h != home ? e->ucost[i] : 0));
		exact_anti(e, i, h, -1);
		e->load[h] -= e->uload[i];
		e->mem[h] -= e->umem[i];
	}
}

static void
exact_free(struct exact *e)
{
	free(e->units);
	free(e->uload);
	free(e->umem);
	free(e->ucost);
	free(e->umoves);
	free(e->load);
	free(e->mem);
	free(e->aa);
	free(e->cur);
	free(e->rest_load);
	free(e->rest_mem);
	free(e->best);
}

int
planner_exact(const struct placement *p, double target, double cpu_limit,
    long first_cap, struct plan_steps *out, long *min_moves)
{
	const struct plan_input *in = p->in;
	struct exact e;
	int u, v, i, j, total = 0, rc = -1;
	size_t n = p->nv + 1;

	memset(&e, 0, sizeof e);
	e.p = p;
	e.in = in;
	e.nh = (int)p->nh;
	e.goal = target;
	e.cpu_limit = cpu_limit;
	e.out = out;
	e.order_budget = EXACT_ORDER_BUDGET;
	*min_moves = 0;
	out->n = 0;
	if (e.nh > 64)
		return 0;
	e.units = calloc(n, sizeof *e.units);
	e.uload = calloc(n, sizeof *e.uload);
	e.umem = calloc(n, sizeof *e.umem);
	e.ucost = calloc(n, sizeof *e.ucost);
	e.umoves = calloc(n, sizeof *e.umoves);
	e.cur = calloc(n, sizeof *e.cur);
	e.best = calloc(n, sizeof *e.best);
	e.rest_load = calloc(n + 1, sizeof *e.rest_load);
	e.rest_mem = calloc(n + 1, sizeof *e.rest_mem);
	e.load = calloc(p->nh + 1, sizeof *e.load);
	e.mem = calloc(p->nh + 1, sizeof *e.mem);
	e.aa = calloc(in->nanti * p->nh + 1, sizeof *e.aa);
	e.target = calloc(n, sizeof *e.target);
	if (e.target == NULL || e.units == NULL || e.uload == NULL || e.umem == NULL ||
	    e.umoves == NULL || e.cur == NULL || e.best == NULL ||
	    e.rest_load == NULL || e.rest_mem == NULL || e.load == NULL ||
	    e.mem == NULL || e.aa == NULL || e.ucost == NULL)
		goto out;
	/* fixed units are part of the ground; movable ones are searched */
	memcpy(e.load, p->load, p->nh * sizeof *e.load);
	memcpy(e.mem, p->mem, p->nh * sizeof *e.mem);
	memcpy(e.aa, p->aa, in->nanti * p->nh * sizeof *e.aa);
	for (u = 0; u < (int)p->nv; u++) {
		if (p->unit_of[u] != u || !placement_unit_intact(p, u) ||
		    !placement_unit_movable(p, u))
			continue;
		if (e.nunits == EXACT_MAX_UNITS) {
			rc = 0;		/* too big */
			goto out;
		}
		e.units[e.nunits++] = u;
	}
	/* biggest first */
	for (i = 1; i < e.nunits; i++)
		for (j = i; j > 0 && placement_unit_load(p, e.units[j]) >
		    placement_unit_load(p, e.units[j - 1]); j--) {
			int t = e.units[j];

			e.units[j] = e.units[j - 1];
			e.units[j - 1] = t;
		}
	for (i = 0; i < e.nunits; i++) {
		u = e.units[i];
		e.uload[i] = placement_unit_load(p, u);
		e.umem[i] = placement_unit_mem(p, u);
		e.ucost[i] = placement_unit_cost(p, u);
		for (v = u; v >= 0; v = p->unit_next[v])
			e.umoves[i]++;
		total += e.umoves[i];
		e.load[p->host_of[u]] -= e.uload[i];
		e.mem[p->host_of[u]] -= e.umem[i];
		exact_anti(&e, i, p->host_of[u], -1);
		e.best[i] = p->host_of[u];
	}
	for (i = e.nunits - 1; i >= 0; i--) {
		e.rest_load[i] = e.rest_load[i + 1] + e.uload[i];
		e.rest_mem[i] = e.rest_mem[i + 1] + e.umem[i];
	}
	/* staying is the first bound; then one migration more at a time */
	e.best_raw = placement_spread(p);
	e.best_spread = fmax(e.best_raw, e.goal);
	e.best_moves = 0;
	e.best_copy = 0;
	*min_moves = e.best_spread > e.goal + EPS ? 1 : 0;
	if (first_cap > total)
		first_cap = total;	/* out of reach: the full search */
	if (first_cap > 1 && e.best_spread > e.goal + EPS)
		*min_moves = first_cap;
	for (e.cap = first_cap > 1 ? (int)first_cap : 1; e.cap <= total && e.best_spread > e.goal + EPS;
	    e.cap++) {
		exact_dfs(&e, 0, 0, 0);
		if (e.aborted)
			break;
		if (e.best_spread > e.goal + EPS)
			*min_moves = e.cap + 1;	/* none with cap reaches it */
	}
	if (e.aborted) {
		out->n = 0;
		rc = 0;
		goto out;
	}
	if (e.best_moves == 0)
		out->n = 0;
	*min_moves = e.best_moves;
	rc = 1;
out:
	exact_free(&e);
	free(e.target);
	return rc;
}
