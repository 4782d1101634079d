/*
 * planner_gen.h - random planner inputs for the planner's tests and
 * benchmark, reproducible from a seed (erand48).
 */
#ifndef VMBAL_PLANNER_GEN_H
#define VMBAL_PLANNER_GEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/plan.h"

struct gen {
	unsigned short rng[3];
	char names[2][4096][16];	/* host and VM names */
};

static inline void
gen_seed(struct gen *g, unsigned seed)
{
	g->rng[0] = 0x1234;
	g->rng[1] = (unsigned short)seed;
	g->rng[2] = (unsigned short)(seed >> 16);
}

static inline double
gen_unit(struct gen *g)
{
	return erand48(g->rng);
}

static inline int
gen_int(struct gen *g, int lo, int hi)	/* inclusive */
{
	return lo + (int)(gen_unit(g) * (hi - lo + 1));
}

/*
 * nh hosts of 2, 4 or 8 CPUs; nv VMs with loads up to 200% and memory of
 * 256 MiB to 4 GiB, placed at random where they fit (the first host when
 * none does: the caller asked for a crowded cluster). Names repeat past
 * 4096.
 */
static inline struct plan_input *
gen_input(struct gen *g, int nh, int nv, long host_mem)
{
	struct plan_input *in = plan_input_new((size_t)nh, (size_t)nv);
	long *used = calloc((size_t)nh + 1, sizeof *used);
	int h, v, tries;

	for (h = 0; h < nh; h++) {
		snprintf(g->names[0][h % 4096], 16, "h%d", h);
		in->hosts[h].name = g->names[0][h % 4096];
		in->hosts[h].cap = 100.0 * (1 << gen_int(g, 1, 3));
		in->hosts[h].mem_total = host_mem;
		in->hosts[h].up = true;
	}
	for (v = 0; v < nv; v++) {
		struct plan_vm *pv = &in->vms[v];

		snprintf(g->names[1][v % 4096], 16, "v%d", v);
		pv->name = g->names[1][v % 4096];
		pv->load = (double)gen_int(g, 0, 200);
		pv->mem = 256L * gen_int(g, 1, 16);
		pv->movable = true;
		pv->pin = -1;
		for (tries = 0; tries < 20; tries++) {
			h = gen_int(g, 0, nh - 1);
			if (used[h] + pv->mem <= host_mem)
				break;
		}
		if (tries == 20)
			h = 0;
		pv->host = h;
		used[h] += pv->mem;
	}
	free(used);
	in->imbalanced = true;
	return in;
}

/* k distinct VM indices out of nv (k <= nv), into out. */
static inline void
gen_pick(struct gen *g, int nv, int k, int *out)
{
	int i, j, v;

	for (i = 0; i < k; i++) {
		do {
			v = gen_int(g, 0, nv - 1);
			for (j = 0; j < i && out[j] != v; j++)
				;
		} while (j < i);
		out[i] = v;
	}
}

/*
 * gen_input with everything the rules can say, at random: memory from
 * light to crowded (some hosts overcommitted), hosts of different memory
 * sizes, hosts down or in maintenance, VMs that may not move (excluded,
 * cooling down; most VMs on a host that is down), pins (half of them to
 * the VM's own host), anti-affinity groups and affinity groups (most of
 * them together on one host when memory allows; groups may overlap),
 * and a random policy (objective, planner, weights, minimum gain,
 * ceiling) and verdict.
 */
static inline struct plan_input *
gen_rules_input(struct gen *g, int nh, int nv)
{
	double pressure = 0.2 + 0.95 * gen_unit(g);
	long host_mem = 256L * (long)(nv * 2176.0 / nh / pressure / 256.0 + 1);
	struct plan_input *in = gen_input(g, nh, nv, host_mem);
	long *used = calloc((size_t)nh + 1, sizeof *used);
	static const double wcpu[] = { 0, 0.5, 1, 1, 2 };
	static const double wmem[] = { 0, 0.5, 0.5, 1 };
	int grp[8], h, v, i, k, n;

	for (h = 0; h < nh; h++) {
		in->hosts[h].mem_total += 256L * gen_int(g, 0, 8);
		in->hosts[h].up = gen_unit(g) >= 0.1;
		in->hosts[h].maintenance = gen_unit(g) < 0.15;
	}
	for (v = 0; v < nv; v++) {
		struct plan_vm *pv = &in->vms[v];

		pv->movable = gen_unit(g) >= (in->hosts[pv->host].up ? 0.1 : 0.8);
		if (gen_unit(g) < 0.08)
			pv->pin = gen_unit(g) < 0.5 ? pv->host :
			    gen_int(g, 0, nh - 1);
		used[pv->host] += pv->mem;
	}
	n = nv >= 2 ? gen_int(g, 0, 3) : 0;
	for (i = 0; i < n; i++) {
		k = gen_int(g, 2, nv < 4 ? nv : 4);
		gen_pick(g, nv, k, grp);
		plan_input_add_group(in, true, grp, (size_t)k);
	}
	n = nv >= 2 ? gen_int(g, 0, 3) : 0;
	for (i = 0; i < n; i++) {
		long need = 0;

		k = gen_int(g, 2, nv < 3 ? nv : 3);
		gen_pick(g, nv, k, grp);
		plan_input_add_group(in, false, grp, (size_t)k);
		if (gen_unit(g) >= 0.6)
			continue;
		h = in->vms[grp[0]].host;
		for (v = 1; v < k; v++)
			if (in->vms[grp[v]].host != h)
				need += in->vms[grp[v]].mem;
		if (used[h] + need > in->hosts[h].mem_total)
			continue;
		for (v = 1; v < k; v++) {
			used[in->vms[grp[v]].host] -= in->vms[grp[v]].mem;
			used[h] += in->vms[grp[v]].mem;
			in->vms[grp[v]].host = h;
		}
	}
	free(used);
	in->policy.objective = gen_unit(g) < 0.3 ? OBJECTIVE_CONSOLIDATE :
	    OBJECTIVE_BALANCE;
	in->policy.planner = gen_unit(g) < 0.15 ? PLANNER_GREEDY_2008 :
	    PLANNER_DEFAULT;
	in->policy.weight_cpu = wcpu[gen_int(g, 0, 4)];
	in->policy.weight_memory = wmem[gen_int(g, 0, 3)];
	if (in->policy.weight_cpu == 0 && in->policy.weight_memory == 0)
		in->policy.weight_cpu = 1;	/* the loader refuses both 0 */
	in->policy.min_gain_pct = gen_unit(g) < 0.2 ? 0 : gen_int(g, 1, 10);
	in->policy.consolidate_ceiling_pct = gen_int(g, 40, 100);
	in->imbalanced = gen_unit(g) < 0.75;
	return in;
}

#endif
