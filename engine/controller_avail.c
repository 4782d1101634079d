/*
 * controller_avail.c - what each probe tells of availability
 * (engine/availability.h): a host that stopped answering has been down
 * since its last answer (the probe before), and so has every VM that
 * was running on it; a host that answers is up, a VM seen running
 * anywhere is up (its restart elsewhere, or its host back with it).
 */
#include "controller_priv.h"
#include "availability.h"

void
controller_avail_note(struct controller *c, double now)
{
	const struct model *m = c->model;
	double since = c->avail_prev >= 0 ? c->avail_prev : now;
	size_t i;

	for (i = 0; i < m->nhosts; i++) {
		const struct model_host *h = &m->hosts[i];

		if (h->up) {
			avail_seen(c->avail, AVAIL_HOST, h->name, now);
			avail_up(c->avail, AVAIL_HOST, h->name, now);
		} else if (h->state == HOST_DOWN) {
			struct avail_figures f;

			/* only a host seen up before has failed: one down
			 * from the start was never observed up */
			if (avail_figures(c->avail, AVAIL_HOST, h->name, now,
			    &f) && !f.down_now)
				avail_down(c->avail, AVAIL_HOST, h->name,
				    NULL, since);
		}
	}
	for (i = 0; i < m->nvms; i++) {
		const struct model_vm *v = &m->vms[i];
		struct avail_figures f;

		if (v->state == VM_RUNNING && v->host >= 0 &&
		    m->hosts[v->host].up) {
			avail_seen(c->avail, AVAIL_VM, v->name, now);
			avail_up(c->avail, AVAIL_VM, v->name, now);
		} else if (v->state == VM_UNKNOWN && v->host >= 0 &&
		    m->hosts[v->host].state == HOST_DOWN &&
		    avail_figures(c->avail, AVAIL_VM, v->name, now, &f) &&
		    !f.down_now)
			avail_down(c->avail, AVAIL_VM, v->name,
			    m->hosts[v->host].name, avail_is_down(c->avail, AVAIL_HOST,
			    m->hosts[v->host].name) ? since : now);
	}
	c->avail_prev = now;
}

const struct avail *
controller_avail(const struct controller *c)
{
	return c->avail;
}
