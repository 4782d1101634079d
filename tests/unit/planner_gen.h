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

#endif
