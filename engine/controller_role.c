/*
 * controller_role.c - active or standby, with ha: in the configuration.
 *
 * The role source (probes/ha_addr.c) says whether this director holds
 * the address; whatever moves it (keepalived, Pacemaker, a person)
 * decides. A standby probes, checks health and programs the same rules,
 * so its table is ready when the address arrives, but it plans nothing
 * and starts no migration, and the operator's moves are refused. A
 * migration it started while active goes on (the source's libvirtd
 * drives it) and is followed to its end. Every change, and the first
 * answer, is an ha event.
 */
#include <stdlib.h>

#include "controller_priv.h"

void
controller_role_update(struct controller *c, double now)
{
	struct event ev;
	bool standby;

	if (c->opts.role == NULL)
		return;
	standby = !c->opts.role->ops->held(c->opts.role->impl);
	if (c->role_said && standby == c->standby)
		return;
	c->standby = standby;
	c->role_said = true;
	if (standby) {
		/* nothing it had not started yet starts now */
		controller_cancel_pending(c);
		controller_offer_clear(c);
	}
	/* the plan is said (and taken) afresh by whoever acts now */
	free(c->last_sig);
	c->last_sig = NULL;
	ev.type = EV_HA;
	ev.ts = now;
	ev.u.ha.active = !standby;
	ev.u.ha.address = c->cfg->ha.address != NULL ? c->cfg->ha.address :
	    "?";
	controller_emit(c, &ev);
}

int
controller_refuse_standby(const struct controller *c, struct diag *d)
{
	if (!c->standby)
		return 0;
	diag_set(d, NULL, 0, 0, "standby: %s is held by the other director, "
	    "which alone moves VMs", c->cfg->ha.address != NULL ?
	    c->cfg->ha.address : "the ha address");
	return -1;
}
