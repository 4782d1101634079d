/*
 * vmlist.c - the VMs pane's order: the model's VMs whose name (or host)
 * contains the filter, sorted by the chosen column (ties by name).
 */
#include <stdlib.h>
#include <string.h>

#include "tui.h"

static int
vmlist_cmp(const void *a, const void *b, void *arg)
{
	const struct tui *t = arg;
	const struct model *m = controller_model(t->ctl);
	const struct model_vm *x = &m->vms[*(const size_t *)a];
	const struct model_vm *y = &m->vms[*(const size_t *)b];
	double dx, dy;
	int c = 0;

	switch (t->sort) {
	case SORT_NAME:
		break;
	case SORT_HOST:
		c = strcmp(x->host >= 0 ? m->hosts[x->host].name : "",
		    y->host >= 0 ? m->hosts[y->host].name : "");
		break;
	case SORT_CPU:
		dx = window_mean(&x->cpu);
		dy = window_mean(&y->cpu);
		c = dx < dy ? 1 : dx > dy ? -1 : 0;	/* busiest first */
		break;
	case SORT_MEM:
		c = x->mem_mib < y->mem_mib ? 1 : x->mem_mib > y->mem_mib ? -1 :
		    0;
		break;
	case SORT_STATE:
		c = (int)y->in_flight - (int)x->in_flight;
		if (c == 0)
			c = (int)x->state - (int)y->state;
		break;
	case TUI_NSORT:
		break;
	}
	if (c == 0)
		c = strcmp(x->name, y->name);
	return t->sort_desc ? -c : c;
}

void
tui_vm_order(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	size_t i, *o;

	o = realloc(t->vm_order, (m->nvms + 1) * sizeof *o);
	if (o == NULL)
		return;		/* keep the old order */
	t->vm_order = o;
	t->nvm_order = 0;
	for (i = 0; i < m->nvms; i++) {
		const struct model_vm *v = &m->vms[i];

		if (t->filter[0] != '\0' && strstr(v->name, t->filter) == NULL &&
		    (v->host < 0 ||
		    strstr(m->hosts[v->host].name, t->filter) == NULL))
			continue;
		o[t->nvm_order++] = i;
	}
	qsort_r(o, t->nvm_order, sizeof *o, vmlist_cmp, t);
}
