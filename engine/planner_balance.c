/*
 * planner_balance.c - the balance planner.
 *
 * After the repairs (repair.c), while the cluster is imbalanced, it makes
 * a steepest-descent search over moves of units (a VM, or VMs joined by
 * affinity) on the objective (score spread, sum of squared scores),
 * compared in that order: a move is taken only when it lowers the spread,
 * or keeps it and lowers the sum of squares, so the search always ends
 * and never raises the predicted spread. Among equal moves the one that
 * copies the least memory wins. When no single move helps it tries swaps
 * of two units between two hosts. Then it keeps the shortest prefix that
 * reaches the best spread and drops every move the result does not need,
 * so the plan has the fewest migrations it can. The plan is kept only if
 * it lowers the score spread by min_gain_pct and does not raise the CPU
 * spread.
 *
 * Hosts are kept sorted by score, so the spread after a candidate move is
 * found in constant time; sources are the highest-scoring hosts and
 * destinations the lowest (all of them up to 32 hosts, 16 of each beyond).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "planner_exact.h"
#include "repair.h"

#define EPS 1e-9
#define MAX_ALL_HOSTS 32	/* up to this, every host is tried */
#define FEW_SOURCES 4		/* beyond: the most loaded hosts */
#define FEW_TARGETS 4		/* and the least loaded */
#define SWAP_HOSTS 4
#define SWAPS_BIG 32		/* swaps tried on big clusters */
#define PRUNE_MAX 96

struct objective {
	double spread;
	double sumsq;
	long mem;
};

struct step {
	int unit;
	int to;
};

struct balancer {
	struct placement *p;
	int *order;		/* counted hosts, by score ascending */
	double *score;		/* per host, current */
	size_t norder;
	int *bucket_head;	/* per host: first movable unit there */
	int *bucket_next;	/* per unit: next unit on the same host */
	double *ul;		/* per unit: its load */
	long *um;		/* per unit: its memory */
	double *kc, *km;	/* per host: score per unit of load, of memory */
	struct step *steps;
	size_t nsteps, capsteps;
};

static int
balancer_cmp(const void *a, const void *b, void *arg)
{
	const double *score = arg;
	double x = score[*(const int *)a];
	double y = score[*(const int *)b];

	if (x < y)
		return -1;
	if (x > y)
		return 1;
	return *(const int *)a - *(const int *)b;
}

static void
balancer_sort(struct balancer *b)
{
	size_t h;

	b->norder = 0;
	for (h = 0; h < b->p->nh; h++) {
		b->score[h] = placement_score(b->p, (int)h);
		if (placement_counts(b->p, (int)h))
			b->order[b->norder++] = (int)h;
	}
	qsort_r(b->order, b->norder, sizeof *b->order, balancer_cmp, b->score);
}

static void
balancer_buckets(struct balancer *b)
{
	struct placement *p = b->p;
	int u;

	for (u = 0; u < (int)p->nh; u++)
		b->bucket_head[u] = -1;
	for (u = (int)p->nv - 1; u >= 0; u--) {
		if (p->unit_of[u] != u || !placement_unit_intact(p, u) ||
		    !placement_unit_movable(p, u))
			continue;
		b->bucket_next[u] = b->bucket_head[p->host_of[u]];
		b->bucket_head[p->host_of[u]] = u;
		b->ul[u] = placement_unit_load(p, u);
		b->um[u] = placement_unit_mem(p, u);
	}
	for (u = 0; u < (int)p->nh; u++) {
		const struct plan_host *h = &p->in->hosts[u];

		b->kc[u] = h->cap > 0 ? p->wc * 100.0 / h->cap : 0;
		b->km[u] = h->mem_total > 0 ?
		    p->wm * 100.0 / (double)h->mem_total : 0;
	}
}

/* Highest and lowest score among counted hosts other than x and y. */
static void
balancer_extremes(const struct balancer *b, int x, int y, double *hi,
    double *lo, bool *any)
{
	size_t i;

	*any = false;
	for (i = 0; i < b->norder; i++)
		if (b->order[i] != x && b->order[i] != y) {
			*lo = b->score[b->order[i]];
			*any = true;
			break;
		}
	for (i = b->norder; i-- > 0;)
		if (b->order[i] != x && b->order[i] != y) {
			*hi = b->score[b->order[i]];
			break;
		}
}

/* The objective after moving (dl, dm) from host a to host c. */
static struct objective
balancer_eval(const struct balancer *b, int a, int c, double dla, long dma,
    double dlc, long dmc, struct objective cur)
{
	struct objective o;
	double sa = placement_score_with(b->p, a, dla, dma);
	double sc = placement_score_with(b->p, c, dlc, dmc);
	double hi = 0, lo = 0;
	bool any;

	balancer_extremes(b, a, c, &hi, &lo, &any);
	if (!any) {
		hi = fmax(sa, sc);
		lo = fmin(sa, sc);
	} else {
		hi = fmax(hi, fmax(sa, sc));
		lo = fmin(lo, fmin(sa, sc));
	}
	o.spread = hi - lo;
	o.sumsq = cur.sumsq - b->score[a] * b->score[a] -
	    b->score[c] * b->score[c] + sa * sa + sc * sc;
	o.mem = 0;
	return o;
}

static bool
objective_improves(struct objective cand, struct objective cur)
{
	double tol = EPS * fmax(1.0, cur.sumsq);

	if (cand.spread < cur.spread - EPS)
		return true;
	return cand.spread <= cur.spread + EPS && cand.sumsq < cur.sumsq - tol;
}

static bool
objective_better(struct objective a, struct objective b)
{
	double tol = EPS * fmax(1.0, b.sumsq);

	if (a.spread < b.spread - EPS)
		return true;
	if (a.spread > b.spread + EPS)
		return false;
	if (a.sumsq < b.sumsq - tol)
		return true;
	if (a.sumsq > b.sumsq + tol)
		return false;
	return a.mem < b.mem;
}

static int
balancer_push(struct balancer *b, int unit, int to)
{
	if (b->nsteps == b->capsteps) {
		size_t ncap = b->capsteps == 0 ? 32 : b->capsteps * 2;
		struct step *n = realloc(b->steps, ncap * sizeof *n);

		if (n == NULL)
			return -1;
		b->steps = n;
		b->capsteps = ncap;
	}
	b->steps[b->nsteps].unit = unit;
	b->steps[b->nsteps].to = to;
	b->nsteps++;
	return 0;
}

/* The best single move, if one improves cur. */
static bool
balancer_best_move(struct balancer *b, struct objective cur, int *bu,
    int *bt)
{
	struct placement *p = b->p;
	bool all = b->norder <= MAX_ALL_HOSTS;
	size_t ks = all ? b->norder : FEW_SOURCES;
	size_t kt = all ? b->norder : FEW_TARGETS;
	struct objective best = cur, o;
	double tol = EPS * fmax(1.0, cur.sumsq);
	bool found = false;
	size_t i, j;
	int u;

	for (i = 0; i < ks && i < b->norder; i++) {
		int a = b->order[b->norder - 1 - i];
		double kca = b->kc[a], kma = b->km[a], sa0 = b->score[a];

		for (j = 0; j < kt && j < b->norder; j++) {
			int c = b->order[j];
			double kcc, kmc, sc0, hi = 0, lo = 0, base;
			bool any;

			if (c == a)
				continue;
			kcc = b->kc[c];
			kmc = b->km[c];
			sc0 = b->score[c];
			balancer_extremes(b, a, c, &hi, &lo, &any);
			base = cur.sumsq - sa0 * sa0 - sc0 * sc0;
			for (u = b->bucket_head[a]; u >= 0;
			    u = b->bucket_next[u]) {
				double l = b->ul[u], dm = (double)b->um[u];
				double sa = sa0 - l * kca - dm * kma;
				double sc = sc0 + l * kcc + dm * kmc;
				double h2 = sa > sc ? sa : sc, l2 = sa < sc ? sa : sc;

				if (p->moved[u])
					continue;
				if (any) {
					h2 = h2 > hi ? h2 : hi;
					l2 = l2 < lo ? l2 : lo;
				}
				o.spread = h2 - l2;
				o.sumsq = base + sa * sa + sc * sc;
				o.mem = b->um[u];
				if (!(o.spread < cur.spread - EPS ||
				    (o.spread <= cur.spread + EPS &&
				    o.sumsq < cur.sumsq - tol)))
					continue;
				if (found && !objective_better(o, best))
					continue;
				if (!placement_unit_fits(p, u, c))
					continue;
				best = o;
				*bu = u;
				*bt = c;
				found = true;
			}
		}
	}
	return found;
}

/*
 * Can u (on a) and w (on c) trade places, one after the other, without
 * the first half raising the spread? Returns 1 when u goes first, 2 when
 * w does, 0 when neither order works. Each half is checked against the
 * rules in the state it will meet.
 */
static int
balancer_swap_order(const struct balancer *b, int u, int a, int w, int c,
    struct objective cur)
{
	const struct placement *p = b->p;
	double lu = placement_unit_load(p, u), lw = placement_unit_load(p, w);
	long mu = placement_unit_mem(p, u), mw = placement_unit_mem(p, w);
	struct placement *t;
	struct objective mid;
	int order = 0;

	mid = balancer_eval(b, a, c, -lu, -mu, lu, mu, cur);
	if (mid.spread <= cur.spread + EPS && placement_unit_fits(p, u, c)) {
		t = placement_clone(p);
		if (t != NULL) {
			placement_move(t, u, c);
			if (placement_unit_fits(t, w, a))
				order = 1;
			placement_free(t);
		}
		if (order != 0)
			return order;
	}
	mid = balancer_eval(b, c, a, -lw, -mw, lw, mw, cur);
	if (mid.spread <= cur.spread + EPS && placement_unit_fits(p, w, a)) {
		t = placement_clone(p);
		if (t != NULL) {
			placement_move(t, w, a);
			if (placement_unit_fits(t, u, c))
				order = 2;
			placement_free(t);
		}
	}
	return order;
}

static bool
balancer_best_swap(struct balancer *b, struct objective cur, int *bu,
    int *bw)
{
	struct placement *p = b->p;
	size_t k = b->norder <= MAX_ALL_HOSTS ? b->norder : SWAP_HOSTS;
	struct objective best = cur, o;
	bool found = false;
	size_t i, j;
	int u, w, ord;

	for (i = 0; i < k; i++) {
		int a = b->order[b->norder - 1 - i];

		for (j = 0; j < k; j++) {
			int c = b->order[j];

			if (c == a)
				continue;
			for (u = b->bucket_head[a]; u >= 0;
			    u = b->bucket_next[u]) {
				double lu = placement_unit_load(p, u);
				long mu = placement_unit_mem(p, u);

				if (p->moved[u])
					continue;
				for (w = b->bucket_head[c]; w >= 0;
				    w = b->bucket_next[w]) {
					double lw = placement_unit_load(p, w);
					long mw = placement_unit_mem(p, w);

					if (p->moved[w])
						continue;
					o = balancer_eval(b, a, c, lw - lu,
					    mw - mu, lu - lw, mu - mw, cur);
					o.mem = mu + mw;
					if (!objective_improves(o, cur) ||
					    (found && !objective_better(o, best)))
						continue;
					ord = balancer_swap_order(b, u, a, w, c,
					    cur);
					if (ord == 0)
						continue;
					best = o;
					*bu = ord == 1 ? u : w;
					*bw = ord == 1 ? w : u;
					found = true;
				}
			}
		}
	}
	return found;
}

static int
balancer_apply(struct balancer *b, int unit, int to)
{
	if (balancer_push(b, unit, to) != 0)
		return -1;
	placement_move(b->p, unit, to);
	return 0;
}

/* Host h's score changed: put it back in its place in the order. */
static void
balancer_reposition(struct balancer *b, int h)
{
	size_t i, at = b->norder;
	double s = placement_score(b->p, h);

	b->score[h] = s;
	for (i = 0; i < b->norder; i++)
		if (b->order[i] == h) {
			at = i;
			break;
		}
	if (at == b->norder)
		return;		/* not counted */
	while (at > 0 && (b->score[b->order[at - 1]] > s ||
	    (b->score[b->order[at - 1]] == s && b->order[at - 1] > h))) {
		b->order[at] = b->order[at - 1];
		at--;
	}
	while (at + 1 < b->norder && (b->score[b->order[at + 1]] < s ||
	    (b->score[b->order[at + 1]] == s && b->order[at + 1] < h))) {
		b->order[at] = b->order[at + 1];
		at++;
	}
	b->order[at] = h;
}

/* Moves unit to host to, keeping the order and the objective current. */
static int
balancer_step(struct balancer *b, int unit, int to, struct objective *cur)
{
	int from = b->p->host_of[unit];
	double sf = b->score[from], st = b->score[to];

	if (balancer_apply(b, unit, to) != 0)
		return -1;
	balancer_reposition(b, from);
	balancer_reposition(b, to);
	cur->sumsq += b->score[from] * b->score[from] - sf * sf +
	    b->score[to] * b->score[to] - st * st;
	cur->spread = b->norder > 0 ?
	    b->score[b->order[b->norder - 1]] - b->score[b->order[0]] : 0;
	return 0;
}

/*
 * The descent: the best single move while one helps, else the best swap.
 * Units are bucketed by host once: a unit that moved may not move again,
 * so the buckets only ever lose members, which the moved flag tells.
 */
static int
balancer_descend(struct balancer *b)
{
	struct objective cur;
	int u, w, to, back, swaps = 0;

	balancer_sort(b);
	balancer_buckets(b);
	cur.spread = placement_spread(b->p);
	cur.sumsq = placement_sumsq(b->p);
	cur.mem = 0;
	for (;;) {
		if (balancer_best_move(b, cur, &u, &to)) {
			if (balancer_step(b, u, to, &cur) != 0)
				return -1;
			continue;
		}
		if ((b->norder > MAX_ALL_HOSTS && swaps++ >= SWAPS_BIG) ||
		    !balancer_best_swap(b, cur, &u, &w))
			return 0;
		to = b->p->host_of[w];
		back = b->p->host_of[u];
		if (balancer_step(b, u, to, &cur) != 0 ||
		    balancer_step(b, w, back, &cur) != 0)
			return -1;
	}
}

/*
 * Replays steps (skipping skip, or none when -1) on base into scratch.
 * Returns false when a step no longer fits.
 */
static bool
balancer_replay(const struct balancer *b, const struct placement *base,
    struct placement *scratch, size_t n, long skip)
{
	double last, s;
	size_t i;

	placement_copy(scratch, base);
	last = placement_spread(scratch);
	for (i = 0; i < n; i++) {
		if ((long)i == skip)
			continue;
		if (!placement_unit_fits(scratch, b->steps[i].unit,
		    b->steps[i].to))
			return false;
		placement_move(scratch, b->steps[i].unit, b->steps[i].to);
		/* no step may end above the spread before the plan */
		s = placement_spread(scratch);
		if (s > last + EPS)
			return false;
	}
	return true;
}

/* Shortest prefix with the best spread, then drop what it does not need. */
static void
balancer_trim(struct balancer *b, const struct placement *base,
    struct placement *scratch, double cpu_limit)
{
	double best, s;
	size_t i, keep = 0;

	placement_copy(scratch, base);
	best = placement_spread(scratch);
	for (i = 0; i < b->nsteps; i++) {
		placement_move(scratch, b->steps[i].unit, b->steps[i].to);
		s = placement_spread(scratch);
		if (s < best - EPS) {
			best = s;
			keep = i + 1;
		}
	}
	b->nsteps = keep;
	if (b->nsteps > PRUNE_MAX)
		return;
	for (i = b->nsteps; i-- > 0;) {
		if (!balancer_replay(b, base, scratch, b->nsteps, (long)i))
			continue;
		if (placement_spread(scratch) > best + EPS ||
		    placement_cpu_spread(scratch) > cpu_limit + EPS)
			continue;
		memmove(&b->steps[i], &b->steps[i + 1],
		    (b->nsteps - i - 1) * sizeof *b->steps);
		b->nsteps--;
	}
}

static void
balancer_free(struct balancer *b)
{
	free(b->order);
	free(b->score);
	free(b->bucket_head);
	free(b->bucket_next);
	free(b->ul);
	free(b->um);
	free(b->kc);
	free(b->km);
	free(b->steps);
}

static int
balancer_record(struct balancer *b, const struct placement *base,
    struct plan *plan)
{
	struct placement *p = placement_clone(base);
	const struct plan_input *in = base->in;
	char reason[160];
	size_t i;
	int rc = 0;

	if (p == NULL)
		return -1;
	for (i = 0; i < b->nsteps && rc == 0; i++) {
		int u = b->steps[i].unit, to = b->steps[i].to;
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

/*
 * Orders the moves towards target (per VM) so that no move raises the
 * spread: a depth-first search, best move first, that backs up when it
 * is stuck. It keeps the deepest-reaching order found (lowest spread at
 * its end) and stops at SEQ_NODE_LIMIT nodes.
 */
#define SEQ_NODE_LIMIT 20000

struct seq {
	struct balancer *b;
	long budget;		/* nodes left for all searches of one plan */
	const int *target;
	struct step *path, *best;
	double ceiling;		/* no step may end above this spread */
	size_t depth, best_n;
	double best_spread;
	long nodes;
	bool done;
};

static void
seq_dfs(struct seq *q)
{
	struct balancer *b = q->b;
	struct placement *p = b->p, *saved;
	struct objective cur, o;
	int cand[EXACT_MAX_UNITS + 1], n = 0, u, i, j;
	struct objective co[EXACT_MAX_UNITS + 1];
	double s = placement_spread(p);

	if (s < q->best_spread - EPS || (s <= q->best_spread + EPS &&
	    q->depth < q->best_n)) {
		q->best_spread = s;
		q->best_n = q->depth;
		memcpy(q->best, q->path, q->depth * sizeof *q->best);
	}
	if (q->done || ++q->nodes > SEQ_NODE_LIMIT || q->budget-- <= 0)
		return;
	balancer_sort(b);
	cur.spread = s;
	cur.sumsq = placement_sumsq(p);
	cur.mem = 0;
	for (u = 0; u < (int)p->nv && n < EXACT_MAX_UNITS; u++) {
		double l;
		long m;

		if (p->unit_of[u] != u || p->host_of[u] == q->target[u] ||
		    !placement_unit_movable(p, u) ||
		    !placement_unit_intact(p, u))
			continue;
		l = placement_unit_load(p, u);
		m = placement_unit_mem(p, u);
		o = balancer_eval(b, p->host_of[u], q->target[u], -l, -m, l, m,
		    cur);
		o.mem = m;
		if (o.spread > q->ceiling + EPS ||
		    !placement_unit_fits(p, u, q->target[u]))
			continue;
		for (i = n; i > 0 && objective_better(o, co[i - 1]); i--) {
			cand[i] = cand[i - 1];
			co[i] = co[i - 1];
		}
		cand[i] = u;
		co[i] = o;
		n++;
	}
	if (n == 0) {
		for (u = 0; u < (int)p->nv; u++)
			if (p->unit_of[u] == u && p->host_of[u] != q->target[u] &&
			    placement_unit_movable(p, u))
				return;		/* stuck short of the target */
		q->done = true;			/* all there */
		return;
	}
	saved = placement_clone(p);
	if (saved == NULL)
		return;
	for (j = 0; j < n && !q->done; j++) {
		placement_move(p, cand[j], q->target[cand[j]]);
		q->path[q->depth].unit = cand[j];
		q->path[q->depth].to = q->target[cand[j]];
		q->depth++;
		seq_dfs(q);
		q->depth--;
		placement_copy(p, saved);
		balancer_sort(b);
	}
	placement_free(saved);
}

static int
balancer_sequence(struct balancer *b, const int *target)
{
	struct seq q;
	size_t i;
	int rc = 0;

	memset(&q, 0, sizeof q);
	q.b = b;
	q.target = target;
	q.path = calloc(b->p->nv + 1, sizeof *q.path);
	q.best = calloc(b->p->nv + 1, sizeof *q.best);
	q.best_spread = INFINITY;
	q.best_n = 0;
	q.budget = SEQ_NODE_LIMIT;
	q.ceiling = placement_spread(b->p);
	if (q.path == NULL || q.best == NULL) {
		rc = -1;
		goto out;
	}
	seq_dfs(&q);
	for (i = 0; i < q.best_n && rc == 0; i++)
		rc = balancer_apply(b, q.best[i].unit, q.best[i].to);
out:
	free(q.path);
	free(q.best);
	return rc;
}

/* Budget for all the orderings tried while searching one plan. */
#define SEQ_BUDGET 100000

struct accept_ctx {
	struct balancer *b;
	const struct placement *base;
	long budget;
};

/* exact_accept_fn: is there an order of moves to target that never
 * raises the spread? Tried on a scratch copy; the balancer is left as
 * it was. */
static bool
balancer_reachable(void *arg, const int *target)
{
	struct accept_ctx *a = arg;
	struct balancer *b = a->b;
	struct seq q;
	bool ok;

	memset(&q, 0, sizeof q);
	q.b = b;
	q.target = target;
	q.budget = a->budget;
	q.path = calloc(b->p->nv + 1, sizeof *q.path);
	q.best = calloc(b->p->nv + 1, sizeof *q.best);
	q.best_spread = INFINITY;
	if (q.path == NULL || q.best == NULL || a->budget <= 0) {
		free(q.path);
		free(q.best);
		return false;
	}
	placement_copy(b->p, a->base);
	q.ceiling = placement_spread(a->base);
	seq_dfs(&q);
	ok = q.done;
	a->budget = q.budget;
	placement_copy(b->p, a->base);
	free(q.path);
	free(q.best);
	return ok;
}

/* The score spread, moves and memory of steps replayed on base; false
 * when they do not replay. */
static bool
balancer_outcome(const struct balancer *b, const struct placement *base,
    struct placement *scratch, struct objective *out, size_t *moves)
{
	size_t i;
	int v;

	if (!balancer_replay(b, base, scratch, b->nsteps, -1))
		return false;
	out->spread = placement_spread(scratch);
	out->sumsq = placement_sumsq(scratch);
	out->mem = 0;
	*moves = 0;
	for (i = 0; i < b->nsteps; i++)
		for (v = b->steps[i].unit; v >= 0; v = base->unit_next[v]) {
			(*moves)++;
			out->mem += base->in->vms[v].mem;
		}
	return true;
}

/*
 * On small clusters, the exact placement (planner_exact.c), reached by a
 * sequence that never raises the spread; kept instead of the descent's
 * steps when it ends lower, or as low with fewer migrations.
 */
static int
balancer_try_exact(struct balancer *b, const struct placement *base,
    struct placement *scratch, double cpu_limit)
{
	struct objective ho, eo;
	struct step *saved;
	size_t hn, en, n = b->nsteps;
	int *target = calloc(base->nv + 1, sizeof *target);
	struct accept_ctx actx = { b, base, SEQ_BUDGET };
	bool have_h;
	int rc = 0;

	if (target == NULL)
		return -1;
	if (base->in->heuristic_only ||
	    planner_exact(base, target, balancer_reachable, &actx) != 0) {
		free(target);
		return 0;	/* too big: the descent's plan stands */
	}
	have_h = balancer_outcome(b, base, scratch, &ho, &hn);
	saved = malloc((n + 1) * sizeof *saved);
	if (saved == NULL) {
		free(target);
		return -1;
	}
	if (n > 0)
		memcpy(saved, b->steps, n * sizeof *saved);
	placement_copy(b->p, base);
	b->nsteps = 0;
	if (balancer_sequence(b, target) != 0)
		rc = -1;
	placement_copy(b->p, base);
	if (rc == 0)
		balancer_trim(b, base, scratch, cpu_limit);
	if (rc == 0 && balancer_outcome(b, base, scratch, &eo, &en) &&
	    placement_cpu_spread(scratch) <= cpu_limit + EPS &&
	    (!have_h || eo.spread < ho.spread - EPS ||
	    (eo.spread <= ho.spread + EPS && (en < hn ||
	    (en == hn && eo.mem < ho.mem))))) {
		free(saved);
		free(target);
		return 0;	/* the exact plan wins */
	}
	if (b->capsteps < n) {
		free(saved);
		free(target);
		return -1;
	}
	if (n > 0)
		memcpy(b->steps, saved, n * sizeof *saved);
	b->nsteps = n;
	free(saved);
	free(target);
	return rc;
}

/* The balancing part: appends to plan when it is worth its moves. */
static int
planner_balance_moves(struct placement *p, struct plan *plan)
{
	struct balancer b;
	struct placement *base, *scratch;
	double before, cpu_before, after;
	int rc = -1;

	memset(&b, 0, sizeof b);
	base = placement_clone(p);
	scratch = placement_clone(p);
	b.p = p;
	b.order = calloc(p->nh + 1, sizeof *b.order);
	b.score = calloc(p->nh + 1, sizeof *b.score);
	b.bucket_head = calloc(p->nh + 1, sizeof *b.bucket_head);
	b.bucket_next = calloc(p->nv + 1, sizeof *b.bucket_next);
	b.ul = calloc(p->nv + 1, sizeof *b.ul);
	b.um = calloc(p->nv + 1, sizeof *b.um);
	b.kc = calloc(p->nh + 1, sizeof *b.kc);
	b.km = calloc(p->nh + 1, sizeof *b.km);
	if (base == NULL || scratch == NULL || b.order == NULL ||
	    b.score == NULL || b.bucket_head == NULL || b.bucket_next == NULL ||
	    b.ul == NULL || b.um == NULL || b.kc == NULL || b.km == NULL)
		goto out;
	before = placement_spread(base);
	cpu_before = placement_cpu_spread(base);
	if (balancer_descend(&b) != 0)
		goto out;
	balancer_trim(&b, base, scratch, cpu_before);
	placement_copy(p, base);
	if (balancer_try_exact(&b, base, scratch, cpu_before) != 0)
		goto out;
	placement_copy(p, base);
	rc = 0;
	if (b.nsteps == 0 || !balancer_replay(&b, base, scratch, b.nsteps, -1))
		goto out;
	after = placement_spread(scratch);
	if (before - after < p->in->policy.min_gain_pct - EPS ||
	    placement_cpu_spread(scratch) > cpu_before + EPS)
		goto out;
	rc = balancer_record(&b, base, plan);
	if (rc == 0)
		placement_copy(p, scratch);
out:
	placement_free(base);
	placement_free(scratch);
	balancer_free(&b);
	return rc;
}

static void
planner_totals(struct plan *plan, const struct placement *p)
{
	plan->spread_after = placement_cpu_spread(p);
	plan->score_after = placement_spread(p);
}

struct plan *
planner_balance(const struct plan_input *in)
{
	struct placement *p = placement_new(in);
	struct plan *plan = plan_new();

	if (p == NULL || plan == NULL)
		goto fail;
	plan->spread_before = placement_cpu_spread(p);
	plan->score_before = placement_spread(p);
	if (repair_run(p, plan) != 0)
		goto fail;
	if (in->imbalanced && planner_balance_moves(p, plan) != 0)
		goto fail;
	planner_totals(plan, p);
	placement_free(p);
	return plan;
fail:
	placement_free(p);
	plan_free(plan);
	return NULL;
}
