/*
 * planner_balance.c - the balance planner: the fewest migrations that
 * bring the CPU spread to the target.
 *
 * After the repairs (repair.c), while the cluster is imbalanced, a plan
 * aims at policy target_pct (the CPU spread, as the threshold is). Plans
 * are compared, in this order, by the spread they reach clamped at the
 * target (under it is all that counts), the number of migrations, their
 * estimated copy time (the memory and what the guests dirty meanwhile
 * over the link rate, movecost.h), and the spread. Small clusters get the exact search
 * (planner_exact.c), which proves the minimum; big ones the heuristic
 * below, with a lower bound on the moves any plan needs beside it.
 *
 * The bound: a plan that ends with every host within [L, L+T] must take
 * from each host above L+T at least the fewest of its largest movable
 * units that bring it under, and bring to each host below L at least the
 * fewest of the cluster's largest units that lift it; a migration does at
 * most one of each, so it needs at least the larger of the two sums. The
 * bound is the least of that over all L; the sums only change where a
 * host's "fewest units" changes, and one falls while the other grows, so
 * a binary search over those points finds it.
 *
 * The heuristic aims at that best band: while a host is outside it, the
 * one farthest out is mended. A host above sheds the smallest unit that
 * brings it into the band (else its biggest), to the host below the band
 * it fills best without passing the top (else into the band); a host
 * below takes the biggest unit that fits under the top from the highest
 * hosts that stay in the band. No step raises the spread, a unit moves at
 * most once, and at the end the shortest prefix that reaches the goal is
 * kept and every step it does not need is dropped. Between units of
 * the same load the one quicker to copy goes. The plan is kept only
 * when it lowers the CPU spread by min_gain_pct.
 *
 * The placement the planner works on weighs CPU alone (the target is a
 * CPU spread); the plan's score figures use the policy's weights.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "movecost.h"
#include "plan_order.h"
#include "planner_exact.h"
#include "repair.h"

#define EPS 1e-9
#define COPY_EPS 1e-6	/* seconds */
#define INF_MOVES (1L << 40)
#define PRUNE_MAX 96		/* steps above this are not pruned one by one */
#define SHED_TRIES 8		/* units of a host tried before giving up */
#define FILL_SOURCES 8		/* hosts a host below the band takes from */
#define BANDS 4			/* bands the heuristic tries */
#define BANDS_ALL_HOSTS 256	/* beyond, only the bound's and the mean's */

struct bal {
	struct placement *p;	/* CPU only */
	double T;		/* the target */
	double bot, top;	/* the band */
	double *kc, *km;	/* per host: score per load, per MiB */
	int *head, *next;	/* per host: movable units there; per unit */
	double *sc;		/* per host: its score, kept current */
	double lo, hi;		/* lowest and highest score this round */
	bool *cnt;		/* per host: counted in the spread */
	double *ul;		/* per unit: its load */
	long *um;		/* per unit: its memory */
	double *uc;		/* per unit: its estimated copy seconds */
	bool *stuck;		/* per host: nothing more to do for it */
	struct plan_steps steps;
};

struct cand {
	int u;
	double d;
};

static int
cand_desc(const void *a, const void *b)
{
	double x = ((const struct cand *)a)->d, y = ((const struct cand *)b)->d;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int
dbl_asc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* A unit's share of host h's score. */
static double
bal_delta(const struct bal *b, int u, int h)
{
	return b->ul[u] * b->kc[h] + (double)b->um[u] * b->km[h];
}

/* ---- the lower bound ------------------------------------------------ */

struct bound {
	int nh;
	double *s;		/* per host score, counted hosts only */
	int *first, *count;	/* per host: its run in shed */
	double *shed;		/* per host run: prefix sums of its units'
				 * deltas, biggest first (count + 1 each) */
	double *topl, *topm;	/* prefix sums of the biggest loads, mems */
	int nunits;
	const struct bal *b;
	bool *counts;
};

/* Fewest k with prefix[k] >= need, k <= n; INF_MOVES when none. */
static long
bound_fewest(const double *prefix, int n, double need)
{
	int lo = 0, hi = n;

	if (need <= EPS)
		return 0;
	if (prefix[n] < need - EPS)
		return INF_MOVES;
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (prefix[mid] >= need - EPS)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void
bound_at(const struct bound *bd, double L, long *out, long *in)
{
	const struct bal *b = bd->b;
	int h, lo, hi;

	*out = *in = 0;
	for (h = 0; h < bd->nh; h++) {
		double need;

		if (!bd->counts[h])
			continue;
		*out += bound_fewest(bd->shed + bd->first[h], bd->count[h],
		    bd->s[h] - (L + b->T));
		need = L - bd->s[h];
		if (need <= EPS)
			continue;
		/* the cluster's biggest units, as if all went to h */
		lo = 0;
		hi = bd->nunits;
		if (b->kc[h] * bd->topl[hi] + b->km[h] * bd->topm[hi] <
		    need - EPS) {
			*in += INF_MOVES;
			continue;
		}
		while (lo < hi) {
			int mid = (lo + hi) / 2;

			if (b->kc[h] * bd->topl[mid] + b->km[h] * bd->topm[mid] >=
			    need - EPS)
				hi = mid;
			else
				lo = mid + 1;
		}
		*in += lo;
	}
	if (*out > INF_MOVES)
		*out = INF_MOVES;
	if (*in > INF_MOVES)
		*in = INF_MOVES;
}

/*
 * The fewest unit moves any plan needs to bring the spread to T, and the
 * band's bottom L where that is least; INF_MOVES when no band can be
 * reached. -1 on ENOMEM.
 */
static long
bal_bound(struct bal *b, double *best_l)
{
	struct placement *p = b->p;
	struct bound bd;
	double *cands = NULL, *d;
	struct cand *cs = NULL;
	long best = INF_MOVES, o, i2;
	int h, u, k, n, nc = 0, lo, hi;

	memset(&bd, 0, sizeof bd);
	bd.b = b;
	bd.nh = (int)p->nh;
	bd.s = calloc(p->nh + 1, sizeof *bd.s);
	bd.first = calloc(p->nh + 1, sizeof *bd.first);
	bd.count = calloc(p->nh + 1, sizeof *bd.count);
	bd.counts = calloc(p->nh + 1, sizeof *bd.counts);
	bd.shed = calloc(p->nv + p->nh + 1, sizeof *bd.shed);
	bd.topl = calloc(p->nv + 1, sizeof *bd.topl);
	bd.topm = calloc(p->nv + 1, sizeof *bd.topm);
	cands = calloc(p->nv + p->nh + 1, sizeof *cands);
	cs = calloc(p->nv + 1, sizeof *cs);
	d = calloc(p->nv + 1, sizeof *d);
	if (bd.s == NULL || bd.first == NULL || bd.count == NULL ||
	    bd.counts == NULL || bd.shed == NULL || bd.topl == NULL ||
	    bd.topm == NULL || cands == NULL || cs == NULL || d == NULL) {
		best = -1;
		goto out;
	}
	*best_l = 0;
	k = 0;
	for (h = 0; h < bd.nh; h++) {
		bd.counts[h] = placement_counts(p, h);
		bd.s[h] = placement_score(p, h);
		bd.first[h] = k;
		n = 0;
		for (u = b->head[h]; u >= 0; u = b->next[u]) {
			cs[n].u = u;
			cs[n].d = bal_delta(b, u, h);
			n++;
		}
		qsort(cs, (size_t)n, sizeof *cs, cand_desc);
		bd.shed[k] = 0;
		for (u = 0; u < n; u++)
			bd.shed[k + u + 1] = bd.shed[k + u] + cs[u].d;
		bd.count[h] = n;
		if (bd.counts[h])
			for (u = 0; u <= n; u++)
				cands[nc++] = bd.s[h] - bd.shed[k + u] - b->T;
		k += n + 1;
		bd.nunits += n;
	}
	/* the biggest loads and memories of all movable units */
	n = 0;
	for (h = 0; h < bd.nh; h++)
		for (u = b->head[h]; u >= 0; u = b->next[u])
			d[n++] = placement_unit_load(p, u);
	qsort(d, (size_t)n, sizeof *d, dbl_asc);
	for (u = 0; u < n; u++)
		bd.topl[u + 1] = bd.topl[u] + d[n - 1 - u];
	n = 0;
	for (h = 0; h < bd.nh; h++)
		for (u = b->head[h]; u >= 0; u = b->next[u])
			d[n++] = (double)placement_unit_mem(p, u);
	qsort(d, (size_t)n, sizeof *d, dbl_asc);
	for (u = 0; u < n; u++)
		bd.topm[u + 1] = bd.topm[u] + d[n - 1 - u];
	bd.nunits = n;
	if (nc == 0)
		goto out;
	qsort(cands, (size_t)nc, sizeof *cands, dbl_asc);
	/* first candidate where the moves in reach the moves out */
	lo = 0;
	hi = nc - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		bound_at(&bd, cands[mid], &o, &i2);
		if (i2 >= o)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (k = lo > 0 ? lo - 1 : lo; k <= lo + 1 && k < nc; k++) {
		bound_at(&bd, cands[k], &o, &i2);
		o = o > i2 ? o : i2;
		if (o < best) {
			best = o;
			*best_l = cands[k];
		}
	}
out:
	free(bd.s);
	free(bd.first);
	free(bd.count);
	free(bd.counts);
	free(bd.shed);
	free(bd.topl);
	free(bd.topm);
	free(cands);
	free(cs);
	free(d);
	return best;
}

/* ---- the heuristic -------------------------------------------------- */

/* The spread if u went from its host to c. */
static double
bal_spread_after(const struct bal *b, int u, int c)
{
	const struct placement *p = b->p;
	int a = p->host_of[u], h;
	double da = bal_delta(b, u, a), dc = bal_delta(b, u, c), s;
	double lo = 0, hi = 0;
	bool any = false;

	/* the highest does not rise, the lowest does not fall: no higher */
	if (b->sc[a] - da >= b->lo - EPS && b->sc[c] + dc <= b->hi + EPS)
		return b->hi - b->lo;
	for (h = 0; h < (int)p->nh; h++) {
		if (!b->cnt[h])
			continue;
		s = b->sc[h];
		if (h == a)
			s -= da;
		else if (h == c)
			s += dc;
		if (!any || s < lo)
			lo = s;
		if (!any || s > hi)
			hi = s;
		any = true;
	}
	return any ? hi - lo : 0;
}

static int
bal_move(struct bal *b, int u, int to)
{
	int from = b->p->host_of[u];

	if (plan_steps_push(&b->steps, u, to) != 0)
		return -1;
	placement_move(b->p, u, to);
	b->sc[from] = placement_score(b->p, from);
	b->sc[to] = placement_score(b->p, to);
	return 0;	/* its spread is noted at the next round */
}

/* Where u, leaving its host, best fills a host below the band without
 * passing the top (else the fullest host it fits in the band), or -1. */
static int
bal_dest(const struct bal *b, int u, double cur)
{
	const struct placement *p = b->p;
	int h, pick = -1, a = p->host_of[u];
	double best = INFINITY, s, room;
	bool below_pick = false;


	for (h = 0; h < (int)p->nh; h++) {
		bool below;

		if (h == a || !placement_counts(p, h))
			continue;
		s = b->sc[h];
		room = b->top - (s + bal_delta(b, u, h));
		if (room < -EPS)
			continue;
		below = s < b->bot - EPS;
		if (below_pick && !below)
			continue;
		if (!(below && !below_pick) && room >= best)
			continue;
		if (!placement_unit_fits(p, u, h))
			continue;
		pick = h;
		best = room;
		below_pick = below;
	}
	if (pick >= 0 && bal_spread_after(b, u, pick) > cur + EPS)
		pick = -1;
	if (pick >= 0)
		return pick;
	/* nowhere in the band: the host it leaves lowest, if that helps */
	best = INFINITY;
	for (h = 0; h < (int)p->nh; h++) {
		if (h == a || !placement_counts(p, h))
			continue;
		s = b->sc[h] + bal_delta(b, u, h);
		if (s >= best || !placement_unit_fits(p, u, h))
			continue;
		best = s;
		pick = h;
	}
	if (pick >= 0 && bal_spread_after(b, u, pick) > cur - EPS)
		pick = -1;
	return pick;
}

/* Host a is above the band: one unit out, the smallest that is enough
 * first, then down from the biggest. 1 moved, 0 none, -1 ENOMEM. */
static int
bal_shed(struct bal *b, int a, struct cand *cs, double cur)
{
	struct placement *p = b->p;
	double excess = b->sc[a] - b->top;
	int n = 0, i, j, k, u, to, pick;

	for (u = b->head[a]; u >= 0; u = b->next[u])
		if (!p->moved[u] && p->host_of[u] == a) {
			cs[n].u = u;
			cs[n].d = bal_delta(b, u, a);
			n++;
		}
	for (k = 0; k < SHED_TRIES && k < n; k++) {
		pick = -1;
		if (k == 0)	/* the smallest that is enough */
			for (i = 0; i < n; i++)
				if (cs[i].d >= excess - EPS && (pick < 0 ||
				    cs[i].d < cs[pick].d - EPS ||
				    (cs[i].d <= cs[pick].d + EPS &&
				    b->uc[cs[i].u] < b->uc[cs[pick].u] - COPY_EPS)))
					pick = i;
		if (pick < 0)	/* the biggest not tried */
			for (j = 0; j < n; j++)
				if (cs[j].d >= 0 && (pick < 0 ||
				    cs[j].d > cs[pick].d + EPS ||
				    (cs[j].d >= cs[pick].d - EPS &&
				    b->uc[cs[j].u] < b->uc[cs[pick].u] - COPY_EPS)))
					pick = j;
		if (pick < 0)
			break;
		u = cs[pick].u;
		cs[pick].d = -1;	/* tried */
		to = bal_dest(b, u, cur);
		if (to >= 0)
			return bal_move(b, u, to) == 0 ? 1 : -1;
	}
	return 0;
}

/* Host c is below the band: one unit in, from the highest hosts that stay
 * at or above the bottom. 1 moved, 0 none, -1 ENOMEM. */
static int
bal_fill(struct bal *b, int c, double cur)
{
	struct placement *p = b->p;
	double sc = b->sc[c], bestd = -1;
	int src[FILL_SOURCES], ns = 0, h, i, j, u, pick = -1;

	for (h = 0; h < (int)p->nh; h++) {
		double s;

		if (h == c || !placement_counts(p, h) || b->head[h] < 0)
			continue;
		s = b->sc[h];
		if (s <= b->bot + EPS)
			continue;
		for (i = ns; i > 0 && s > b->sc[src[i - 1]]; i--)
			if (i < FILL_SOURCES)
				src[i] = src[i - 1];
		if (i < FILL_SOURCES) {
			src[i] = h;
			if (ns < FILL_SOURCES)
				ns++;
		}
	}
	for (j = 0; j < ns && pick < 0; j++) {
		int a = src[j];
		double sa = b->sc[a];

		for (u = b->head[a]; u >= 0; u = b->next[u]) {
			double dc, da;

			if (p->moved[u] || p->host_of[u] != a)
				continue;
			dc = bal_delta(b, u, c);
			da = bal_delta(b, u, a);
			if (sc + dc > b->top + EPS || sa - da < b->bot - EPS ||
			    dc < bestd - EPS || (dc <= bestd + EPS && (pick < 0 ||
			    b->uc[u] >= b->uc[pick] - COPY_EPS)) ||
			    !placement_unit_fits(p, u, c))
				continue;
			bestd = dc;
			pick = u;
		}
	}
	if (pick < 0 || bal_spread_after(b, pick, c) > cur + EPS)
		return 0;
	return bal_move(b, pick, c) == 0 ? 1 : -1;
}

static int
bal_heuristic(struct bal *b)
{
	struct placement *p = b->p;
	struct cand *cs = calloc(p->nv + 1, sizeof *cs);
	int h, rc = 0;

	if (cs == NULL)
		return -1;
	for (;;) {
		double worst = 0, s, cur;
		int w = -1;

		b->lo = INFINITY;
		b->hi = -INFINITY;
		for (h = 0; h < (int)p->nh; h++) {
			double out;

			if (!b->cnt[h])
				continue;
			s = b->sc[h];
			b->lo = s < b->lo ? s : b->lo;
			b->hi = s > b->hi ? s : b->hi;
			if (b->stuck[h])
				continue;
			out = fmax(s - b->top, b->bot - s);
			if (out > worst + EPS) {
				worst = out;
				w = h;
			}
		}
		cur = b->hi > b->lo ? b->hi - b->lo : 0;
		if (b->steps.n > 0 && b->steps.v[b->steps.n - 1].spread < 0)
			b->steps.v[b->steps.n - 1].spread = cur;
		if (cur <= b->T + EPS)
			break;
		if (w < 0)
			break;
		rc = b->sc[w] > b->top ? bal_shed(b, w, cs, cur) :
		    bal_fill(b, w, cur);
		if (rc < 0)
			break;
		if (rc == 0)
			b->stuck[w] = true;
		rc = 0;
	}
	free(cs);
	return rc;
}

/*
 * Keeps the shortest prefix of the steps that reaches goal (the target,
 * or the best the steps reach when they miss it), then drops each step
 * whose plan still reaches it without.
 */
static void
bal_trim(struct plan_steps *st, const struct placement *base,
    struct placement *scratch, double target, double cpu_limit)
{
	double goal, best = placement_spread(base);
	size_t i, keep = 0;

	for (i = 0; i < st->n; i++)
		best = fmin(best, st->v[i].spread);
	goal = fmax(best, target);
	for (i = 0; i < st->n; i++)
		if (st->v[i].spread <= goal + EPS) {
			keep = i + 1;
			break;
		}
	st->n = keep;
	if (st->n > PRUNE_MAX)
		return;
	for (i = st->n; i-- > 0;) {
		if (!plan_order_replay(base, st, (long)i, scratch) ||
		    placement_spread(scratch) > goal + EPS ||
		    placement_cpu_spread(scratch) > cpu_limit + EPS)
			continue;
		memmove(&st->v[i], &st->v[i + 1],
		    (st->n - i - 1) * sizeof *st->v);
		st->n--;
	}
}

static void
bal_free(struct bal *b)
{
	placement_free(b->p);
	free(b->kc);
	free(b->km);
	free(b->head);
	free(b->next);
	free(b->stuck);
	free(b->ul);
	free(b->um);
	free(b->uc);
	free(b->sc);
	free(b->cnt);
	plan_steps_fini(&b->steps);
}

static int
bal_init(struct bal *b, const struct placement *from)
{
	struct placement *p;
	int u, h;

	memset(b, 0, sizeof *b);
	b->p = p = placement_clone(from);
	if (p == NULL)
		return -1;
	p->wc = 1;	/* the target is a CPU spread */
	p->wm = 0;
	b->kc = calloc(p->nh + 1, sizeof *b->kc);
	b->km = calloc(p->nh + 1, sizeof *b->km);
	b->head = calloc(p->nh + 1, sizeof *b->head);
	b->next = calloc(p->nv + 1, sizeof *b->next);
	b->stuck = calloc(p->nh + 1, sizeof *b->stuck);
	b->ul = calloc(p->nv + 1, sizeof *b->ul);
	b->sc = calloc(p->nh + 1, sizeof *b->sc);
	b->cnt = calloc(p->nh + 1, sizeof *b->cnt);
	b->um = calloc(p->nv + 1, sizeof *b->um);
	b->uc = calloc(p->nv + 1, sizeof *b->uc);
	if (b->uc == NULL || b->sc == NULL || b->cnt == NULL || b->ul == NULL || b->um == NULL || b->kc == NULL || b->km == NULL || b->head == NULL ||
	    b->next == NULL || b->stuck == NULL)
		return -1;
	for (h = 0; h < (int)p->nh; h++) {
		const struct plan_host *ph = &p->in->hosts[h];

		b->head[h] = -1;
		b->cnt[h] = placement_counts(p, h);
		b->kc[h] = ph->cap > 0 ? p->wc * 100.0 / ph->cap : 0;
		b->km[h] = ph->mem_total > 0 ?
		    p->wm * 100.0 / (double)ph->mem_total : 0;
	}
	for (u = (int)p->nv - 1; u >= 0; u--) {
		if (p->unit_of[u] != u || !placement_unit_intact(p, u) ||
		    !placement_unit_movable(p, u) ||
		    !placement_counts(p, p->host_of[u]))
			continue;
		b->next[u] = b->head[p->host_of[u]];
		b->head[p->host_of[u]] = u;
		b->ul[u] = placement_unit_load(p, u);
		b->um[u] = placement_unit_mem(p, u);
		b->uc[u] = placement_unit_cost(p, u);
	}
	return 0;
}

/* The spread (clamped at T), migrations and estimated copy seconds of
 * steps on base. */
static void
bal_outcome(const struct bal *b, const struct placement *base,
    struct placement *scratch, double *spread, long *moves, double *copy)
{
	size_t i;
	int v;

	*moves = 0;
	*copy = 0;
	if (b->steps.n > PRUNE_MAX)	/* not pruned: as the heuristic saw */
		*spread = fmax(b->steps.v[b->steps.n - 1].spread, b->T);
	else if (!plan_order_replay(base, &b->steps, -1, scratch)) {
		*spread = INFINITY;
		return;
	} else
		*spread = fmax(placement_spread(scratch), b->T);
	for (i = 0; i < b->steps.n; i++)
		for (v = b->steps.v[i].unit; v >= 0; v = base->unit_next[v]) {
			(*moves)++;
			*copy += movecost_vm(base->in, v);
		}
}

/*
 * The heuristic from base for a few bands: the bound's, a quarter of the
 * target either side, and the one centred on the mean; the best plan
 * stays in b->steps.
 */
static int
bal_bands(struct bal *b, const struct placement *base,
    struct placement *scratch, double L, double cpu_limit)
{
	struct plan_steps best;
	double bands[BANDS], mean = 0, bs = INFINITY, s, bc = 0, c;
	long bm = 0, m;
	int h, n = 0, k, nb = 0;

	memset(&best, 0, sizeof best);
	for (h = 0; h < (int)base->nh; h++)
		if (placement_counts(base, h)) {
			mean += placement_score(base, h);
			n++;
		}
	mean = n > 0 ? mean / n : 0;
	bands[nb++] = L;
	bands[nb++] = mean - b->T / 2;
	if (base->nh <= BANDS_ALL_HOSTS) {	/* time for two more */
		bands[nb++] = L + b->T / 4;
		bands[nb++] = L - b->T / 4;
	}
	for (k = 0; k < nb; k++) {
		placement_copy(b->p, base);
		for (h = 0; h < (int)base->nh; h++)
			b->sc[h] = placement_score(base, h);
		memset(b->stuck, 0, base->nh * sizeof *b->stuck);
		b->bot = bands[k];
		b->top = bands[k] + b->T;
		b->steps.n = 0;
		if (bal_heuristic(b) != 0)
			goto fail;
		bal_trim(&b->steps, base, scratch, b->T, cpu_limit);
		bal_outcome(b, base, scratch, &s, &m, &c);
		if (s > cpu_limit + EPS)	/* CPU only: the spread is CPU */
			continue;
		if (k == 0 || s < bs - EPS || (s <= bs + EPS && (m < bm ||
		    (m == bm && c < bc - COPY_EPS)))) {
			if (plan_steps_copy(&best, &b->steps) != 0)
				goto fail;
			bs = s;
			bm = m;
			bc = c;
		}
	}
	placement_copy(b->p, base);
	if (plan_steps_copy(&b->steps, &best) != 0)
		goto fail;
	plan_steps_fini(&best);
	return 0;
fail:
	plan_steps_fini(&best);
	return -1;
}

/* The balancing part: appends to plan when it is worth its moves. */
static int
planner_balance_moves(struct placement *real, struct plan *plan)
{
	const struct plan_input *in = real->in;
	struct bal b;
	struct placement *base = NULL, *scratch = NULL;
	double before, after, L = 0;
	long bound, proven = 0;
	int rc = -1, ex = 0;

	if (bal_init(&b, real) != 0)
		goto out;
	b.T = policy_target_pct(&in->policy);
	plan->target = b.T;
	base = placement_clone(b.p);
	scratch = placement_clone(b.p);
	if (base == NULL || scratch == NULL)
		goto out;
	base->wc = scratch->wc = 1;
	base->wm = scratch->wm = 0;
	before = placement_spread(base);
	if (before <= b.T + EPS) {
		plan->min_moves = 0;
		plan->min_exact = true;
		rc = 0;
		goto out;
	}
	bound = bal_bound(&b, &L);
	if (bound < 0)
		goto out;
	if (!in->heuristic_only) {
		ex = planner_exact(base, b.T, before, bound, &b.steps,
		    &proven);
		if (ex < 0)
			goto out;
	}
	if (ex == 1) {
		plan->min_moves = proven;
		plan->min_exact = true;
	} else {
		if (bal_bands(&b, base, scratch, L, before) != 0)
			goto out;
		/* units move as a whole: the bound counts units, a floor */
		plan->min_moves = bound >= INF_MOVES ? -1 :
		    bound > proven ? bound : proven;
		plan->min_exact = false;
	}
	rc = 0;
	if (b.steps.n == 0)
		goto out;
	if (ex == 1 || b.steps.n <= PRUNE_MAX) {
		if (!plan_order_replay(base, &b.steps, -1, scratch))
			goto out;
	} else {
		/* the heuristic checked each step as it made it */
		size_t i;

		placement_copy(scratch, base);
		for (i = 0; i < b.steps.n; i++)
			placement_move(scratch, b.steps.v[i].unit,
			    b.steps.v[i].to);
	}
	after = placement_spread(scratch);
	if (before - after < in->policy.min_gain_pct - EPS ||
	    placement_cpu_spread(scratch) > before + EPS)
		goto out;
	rc = plan_order_record(real, &b.steps, plan);
	if (rc == 0) {
		size_t i;

		for (i = 0; i < b.steps.n; i++)
			placement_move(real, b.steps.v[i].unit,
			    b.steps.v[i].to);
	}
out:
	placement_free(base);
	placement_free(scratch);
	bal_free(&b);
	return rc;
}

struct plan *
planner_balance(const struct plan_input *in)
{
	struct placement *p = placement_new(in);
	struct plan *plan = plan_new();
	size_t repairs;

	if (p == NULL || plan == NULL)
		goto fail;
	plan->spread_before = placement_cpu_spread(p);
	plan->score_before = placement_spread(p);
	plan->target = policy_target_pct(&in->policy);
	if (repair_run(p, plan) != 0)
		goto fail;
	repairs = plan->nmoves;
	if (in->imbalanced && planner_balance_moves(p, plan) != 0)
		goto fail;
	if (plan->min_moves >= 0)
		plan->min_moves += (long)repairs;
	plan->spread_after = placement_cpu_spread(p);
	plan->score_after = placement_spread(p);
	placement_free(p);
	return plan;
fail:
	placement_free(p);
	plan_free(plan);
	return NULL;
}
