/*
 * ha_place.c - placing a dead host's VMs on the survivors (see
 * ha_place.h). The predicted placement is the planner's (placement.c):
 * its memory caps with the reserves, its anti-affinity counts and its
 * affinity units; each VM is moved into it alone (placement_move_vm), so
 * the next one sees the room the last one took.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_place.h"
#include "placement.h"

struct ha_order {
	const struct plan_input *in;
	const struct ha_req *r;
};

static int
ha_order_cmp(const void *a, const void *b)
{
	const struct ha_order *x = a, *y = b;

	if (x->r->priority != y->r->priority)
		return x->r->priority > y->r->priority ? -1 : 1;
	return strcmp(x->in->vms[x->r->vm].name, y->in->vms[y->r->vm].name);
}

/* Is h a survivor the restarts may use? */
static bool
ha_place_survivor(const struct placement *p, const bool *dead, int h)
{
	return !dead[h] && placement_target_ok(p, h);
}

/* The host v's affinity unit holds it to: where another member runs (on
 * a survivor); -1 when none does. */
static int
ha_place_unit_host(const struct placement *p, const bool *dead, int v)
{
	int m;

	for (m = p->unit_of[v]; m >= 0; m = p->unit_next[m])
		if (m != v && !dead[p->host_of[m]])
			return p->host_of[m];
	return -1;
}

/* Why v may not go to h, or NULL when it may. */
static const char *
ha_place_why_not(const struct placement *p, int v, int h, char *buf,
    size_t len)
{
	const struct plan_vm *pv = &p->in->vms[v];
	double cap = p->in->hosts[h].cap;
	long room = placement_mem_cap(p, h) - p->mem[h];

	if (pv->pin >= 0 && pv->pin != h) {
		snprintf(buf, len, "pinned to %s", p->in->hosts[pv->pin].name);
		return buf;
	}
	if (pv->mem > room) {
		snprintf(buf, len, "not enough memory (%ld MiB needed, %ld MiB "
		    "free above its reserve)", pv->mem, room > 0 ? room : 0);
		return buf;
	}
	if (p->load[h] + p->vload[v] > cap + 1e-9) {
		snprintf(buf, len, "not enough CPU (%.0f%% of a CPU needed, "
		    "%.0f%% free)", p->vload[v], cap - p->load[h] > 0 ?
		    cap - p->load[h] : 0);
		return buf;
	}
	if (placement_vm_clash(p, v, h)) {
		snprintf(buf, len, "anti-affinity");
		return buf;
	}
	return NULL;
}

/* Appends "; NAME: why" (or "NAME: why" first) to out, cut at len. */
static void
ha_place_add(char *out, size_t len, const char *host, const char *why)
{
	size_t n = strlen(out);

	if (n + 1 >= len)
		return;
	snprintf(out + n, len - n, "%s%s: %s", n > strlen("fits nowhere: ") ?
	    "; " : "", host, why);
}

static void
ha_place_one(struct placement *p, const bool *dead, const struct ha_req *r,
    struct ha_spot *out)
{
	char why[200];
	const char *no;
	double best = 0, s;
	int h, only, pick = -1;
	int v = r->vm;

	out->vm = v;
	out->to = -1;
	snprintf(out->why, sizeof out->why, "fits nowhere: ");
	if (r->excluded) {
		snprintf(out->why, sizeof out->why,
		    "fits nowhere: an exclude rule keeps vmbal's hands off it");
		return;
	}
	only = ha_place_unit_host(p, dead, v);
	for (h = 0; h < (int)p->nh; h++) {
		if (!ha_place_survivor(p, dead, h))
			continue;
		if (only >= 0 && h != only) {
			continue;
		}
		no = ha_place_why_not(p, v, h, why, sizeof why);
		if (no != NULL) {
			ha_place_add(out->why, sizeof out->why,
			    p->in->hosts[h].name, no);
			continue;
		}
		s = placement_score_with(p, h, p->vload[v], p->in->vms[v].mem);
		if (pick < 0 || s < best - 1e-9) {
			pick = h;
			best = s;
		}
	}
	if (pick >= 0) {
		out->to = pick;
		out->why[0] = '\0';
		placement_move_vm(p, v, pick);
		return;
	}
	if (only >= 0 && strlen(out->why) == strlen("fits nowhere: "))
		snprintf(out->why, sizeof out->why,
		    "fits nowhere: its affinity group runs on %s, which cannot "
		    "take it", p->in->hosts[only].name);
	else if (strlen(out->why) == strlen("fits nowhere: "))
		snprintf(out->why, sizeof out->why,
		    "fits nowhere: no host is up to take it");
}

int
ha_place(const struct plan_input *in, const struct ha_req *reqs, size_t n,
    struct ha_spot *out)
{
	struct placement *p = placement_new(in);
	struct ha_order *ord = calloc(n + 1, sizeof *ord);
	bool *dead = calloc(in->nhosts + 1, sizeof *dead);
	size_t i;

	if (p == NULL || ord == NULL || dead == NULL) {
		placement_free(p);
		free(ord);
		free(dead);
		return -1;
	}
	for (i = 0; i < in->nhosts; i++)
		dead[i] = !in->hosts[i].up;
	for (i = 0; i < n; i++) {
		ord[i].in = in;
		ord[i].r = &reqs[i];
	}
	qsort(ord, n, sizeof *ord, ha_order_cmp);
	for (i = 0; i < n; i++)
		ha_place_one(p, dead, ord[i].r, &out[i]);
	placement_free(p);
	free(ord);
	free(dead);
	return 0;
}
