/*
 * placement.c - predicted placements (see placement.h).
 *
 * Units come from the affinity groups by union-find: two groups sharing a
 * VM make one unit. A host's score is its CPU and memory use, each in
 * percent of the host, mixed by the policy's weights. A VM counts for
 * its demand (its load when the probe knows no demand), and a host may be
 * filled up to its memory less its reserve.
 */
#include <stdlib.h>
#include <string.h>

#include "movecost.h"
#include "placement.h"

/* What a VM weighs in a plan: its demand (load when unset). */
static double
placement_vm_load(const struct plan_vm *v)
{
	return v->demand > v->load ? v->demand : v->load;
}

static int
placement_find(int *parent, int v)
{
	while (parent[v] != v) {
		parent[v] = parent[parent[v]];
		v = parent[v];
	}
	return v;
}

static void
placement_units(struct placement *p)
{
	const struct plan_input *in = p->in;
	int *parent = p->unit_of, *last;
	size_t g, i;

	for (i = 0; i < p->nv; i++)
		parent[i] = (int)i;
	for (g = 0; g < in->naffinity; g++)
		for (i = 1; i < in->affinity[g].n; i++) {
			int a = placement_find(parent, in->affinity[g].vms[0]);
			int b = placement_find(parent, in->affinity[g].vms[i]);

			if (a < b)
				parent[b] = a;
			else if (b < a)
				parent[a] = b;
		}
	for (i = 0; i < p->nv; i++)
		p->unit_of[i] = placement_find(parent, (int)i);
	/* members in index order: the unit's id is its first member */
	last = calloc(p->nv + 1, sizeof *last);
	for (i = 0; i < p->nv; i++) {
		p->unit_next[i] = -1;
		if (last != NULL && p->unit_of[i] != (int)i)
			p->unit_next[last[p->unit_of[i]]] = (int)i;
		if (last != NULL)
			last[p->unit_of[i]] = (int)i;
	}
	free(last);
}

struct placement *
placement_new(const struct plan_input *in)
{
	struct placement *p = calloc(1, sizeof *p);
	size_t i, g, k;
	double wsum;

	if (p == NULL)
		return NULL;
	p->in = in;
	p->nh = in->nhosts;
	p->nv = in->nvms;
	p->host_of = calloc(p->nv + 1, sizeof *p->host_of);
	p->load = calloc(p->nh + 1, sizeof *p->load);
	p->mem = calloc(p->nh + 1, sizeof *p->mem);
	p->moved = calloc(p->nv + 1, sizeof *p->moved);
	p->aa = calloc(in->nanti * p->nh + 1, sizeof *p->aa);
	p->unit_of = calloc(p->nv + 1, sizeof *p->unit_of);
	p->unit_next = calloc(p->nv + 1, sizeof *p->unit_next);
	p->vload = calloc(p->nv + 1, sizeof *p->vload);
	if (p->vload == NULL || p->host_of == NULL || p->load == NULL || p->mem == NULL ||
	    p->moved == NULL || p->aa == NULL || p->unit_of == NULL ||
	    p->unit_next == NULL) {
		placement_free(p);
		return NULL;
	}
	for (i = 0; i < p->nv; i++) {
		int h = in->vms[i].host;

		p->host_of[i] = h;
		p->vload[i] = placement_vm_load(&in->vms[i]);
		p->load[h] += p->vload[i];
		p->mem[h] += in->vms[i].mem;
	}
	for (g = 0; g < in->nanti; g++)
		for (k = 0; k < in->anti[g].n; k++)
			p->aa[g * p->nh + (size_t)p->host_of[in->anti[g].vms[k]]]++;
	placement_units(p);
	wsum = in->policy.weight_cpu + in->policy.weight_memory;
	if (wsum <= 0)
		wsum = 1;
	p->wc = in->policy.weight_cpu / wsum;
	p->wm = in->policy.weight_memory / wsum;
	return p;
}

void
placement_free(struct placement *p)
{
	if (p == NULL)
		return;
	free(p->host_of);
	free(p->load);
	free(p->mem);
	free(p->moved);
	free(p->aa);
	free(p->unit_of);
	free(p->unit_next);
	free(p->vload);
	free(p);
}

void
placement_copy(struct placement *d, const struct placement *s)
{
	memcpy(d->host_of, s->host_of, s->nv * sizeof *d->host_of);
	memcpy(d->load, s->load, s->nh * sizeof *d->load);
	memcpy(d->mem, s->mem, s->nh * sizeof *d->mem);
	memcpy(d->moved, s->moved, s->nv * sizeof *d->moved);
	memcpy(d->aa, s->aa, s->in->nanti * s->nh * sizeof *d->aa);
	d->wc = s->wc;
	d->wm = s->wm;
}

struct placement *
placement_clone(const struct placement *s)
{
	struct placement *d = placement_new(s->in);

	if (d != NULL)
		placement_copy(d, s);
	return d;
}

bool
placement_counts(const struct placement *p, int h)
{
	return p->in->hosts[h].up && !p->in->hosts[h].maintenance;
}

bool
placement_target_ok(const struct placement *p, int h)
{
	return placement_counts(p, h);
}

double
placement_cpu(const struct placement *p, int h)
{
	double cap = p->in->hosts[h].cap;

	return cap > 0 ? 100.0 * p->load[h] / cap : 0;
}

double
placement_score_with(const struct placement *p, int h, double dload,
    long dmem)
{
	const struct plan_host *ph = &p->in->hosts[h];
	double cpu = ph->cap > 0 ? 100.0 * (p->load[h] + dload) / ph->cap : 0;
	double mem = ph->mem_total > 0 ?
	    100.0 * (double)(p->mem[h] + dmem) / (double)ph->mem_total : 0;

	return p->wc * cpu + p->wm * mem;
}

double
placement_score(const struct placement *p, int h)
{
	return placement_score_with(p, h, 0, 0);
}

static double
placement_spread_of(const struct placement *p, bool score)
{
	double lo = 0, hi = 0, v;
	bool any = false;
	size_t h;

	for (h = 0; h < p->nh; h++) {
		if (!placement_counts(p, (int)h))
			continue;
		v = score ? placement_score(p, (int)h) :
		    placement_cpu(p, (int)h);
		if (!any || v < lo)
			lo = v;
		if (!any || v > hi)
			hi = v;
		any = true;
	}
	return any ? hi - lo : 0;
}

double
placement_spread(const struct placement *p)
{
	return placement_spread_of(p, true);
}

double
placement_cpu_spread(const struct placement *p)
{
	return placement_spread_of(p, false);
}

double
placement_sumsq(const struct placement *p)
{
	double s = 0, v;
	size_t h;

	for (h = 0; h < p->nh; h++)
		if (placement_counts(p, (int)h)) {
			v = placement_score(p, (int)h);
			s += v * v;
		}
	return s;
}

double
placement_unit_load(const struct placement *p, int unit)
{
	double l = 0;
	int v;

	for (v = unit; v >= 0; v = p->unit_next[v])
		l += p->vload[v];
	return l;
}

long
placement_unit_mem(const struct placement *p, int unit)
{
	long m = 0;
	int v;

	for (v = unit; v >= 0; v = p->unit_next[v])
		m += p->in->vms[v].mem;
	return m;
}

double
placement_unit_cost(const struct placement *p, int unit)
{
	double c = 0;
	int v;

	for (v = unit; v >= 0; v = p->unit_next[v])
		c += movecost_vm(p->in, v);
	return c;
}

bool
placement_unit_intact(const struct placement *p, int unit)
{
	int v;

	for (v = p->unit_next[unit]; v >= 0; v = p->unit_next[v])
		if (p->host_of[v] != p->host_of[unit])
			return false;
	return true;
}

bool
placement_unit_movable(const struct placement *p, int unit)
{
	int v;

	for (v = unit; v >= 0; v = p->unit_next[v])
		if (!p->in->vms[v].movable || p->moved[v] ||
		    !p->in->hosts[p->host_of[v]].up)
			return false;
	return true;
}

/* Is VM v's anti-affinity partner (other than those moving with it) on h? */
static bool
placement_anti_clash(const struct placement *p, int unit, int v, int h)
{
	const struct plan_input *in = p->in;
	size_t g, k;

	for (g = 0; g < in->nanti; g++) {
		int here = p->aa[g * p->nh + (size_t)h], mine = 0, inside = 0;

		for (k = 0; k < in->anti[g].n; k++) {
			int m = in->anti[g].vms[k];

			if (m == v)
				mine = 1;
			if (p->unit_of[m] == unit) {
				inside++;
				if (p->host_of[m] == h)
					here--;
			}
		}
		/* members of this unit moving there count too */
		if (mine && here + inside > 1)
			return true;
	}
	return false;
}

bool
placement_unit_fits(const struct placement *p, int unit, int to)
{
	long need = 0;
	int v;

	if (!placement_target_ok(p, to))
		return false;
	for (v = unit; v >= 0; v = p->unit_next[v]) {
		if (p->in->vms[v].pin >= 0 && p->in->vms[v].pin != to)
			return false;
		if (p->host_of[v] != to)
			need += p->in->vms[v].mem;
	}
	/* nothing moves into the host's reserve */
	if (need > 0 && p->mem[to] + need > placement_mem_cap(p, to))
		return false;
	for (v = unit; v >= 0; v = p->unit_next[v])
		if (placement_anti_clash(p, unit, v, to))
			return false;
	return true;
}

long
placement_mem_cap(const struct placement *p, int h)
{
	const struct plan_host *ph = &p->in->hosts[h];

	return ph->mem_total - (ph->mem_reserve > 0 ? ph->mem_reserve : 0);
}

bool
placement_vm_clash(const struct placement *p, int v, int h)
{
	const struct plan_input *in = p->in;
	size_t g, k;

	for (g = 0; g < in->nanti; g++)
		for (k = 0; k < in->anti[g].n; k++)
			if (in->anti[g].vms[k] == v &&
			    p->aa[g * p->nh + (size_t)h] -
			    (p->host_of[v] == h) > 0)
				return true;
	return false;
}

void
placement_move_vm(struct placement *p, int v, int to)
{
	const struct plan_input *in = p->in;
	int from = p->host_of[v];
	size_t g, k;

	if (from == to)
		return;
	p->load[from] -= p->vload[v];
	p->mem[from] -= in->vms[v].mem;
	p->load[to] += p->vload[v];
	p->mem[to] += in->vms[v].mem;
	for (g = 0; g < in->nanti; g++)
		for (k = 0; k < in->anti[g].n; k++)
			if (in->anti[g].vms[k] == v) {
				p->aa[g * p->nh + (size_t)from]--;
				p->aa[g * p->nh + (size_t)to]++;
			}
	p->host_of[v] = to;
	p->moved[v] = true;
}

void
placement_move(struct placement *p, int unit, int to)
{
	int v;

	for (v = unit; v >= 0; v = p->unit_next[v])
		placement_move_vm(p, v, to);
}

int
placement_apply(struct placement *p, struct plan *plan, int unit, int to,
    const char *reason)
{
	size_t first = plan->nmoves, i;
	double spread, score;
	int v;

	for (v = unit; v >= 0; v = p->unit_next[v])
		if (p->host_of[v] != to &&
		    plan_add(plan, v, p->host_of[v], to, reason) != 0)
			return -1;
	placement_move(p, unit, to);
	spread = placement_cpu_spread(p);
	score = placement_spread(p);
	for (i = first; i < plan->nmoves; i++) {
		plan->moves[i].spread_after = spread;
		plan->moves[i].score_after = score;
	}
	return 0;
}

int
placement_best_target(const struct placement *p, int unit)
{
	double load = placement_unit_load(p, unit), best = 0, s;
	long mem = placement_unit_mem(p, unit);
	int h, pick = -1;

	for (h = 0; h < (int)p->nh; h++) {
		if (!placement_unit_fits(p, unit, h) || h == p->host_of[unit])
			continue;
		s = placement_score_with(p, h, load, mem);
		if (pick < 0 || s < best - 1e-9) {
			pick = h;
			best = s;
		}
	}
	return pick;
}
