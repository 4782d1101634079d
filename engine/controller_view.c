/*
 * controller_view.c - what the console reads of the controller: the
 * mode, the imbalance state, the plan in hand move by move, migrations in
 * flight, and each service backend's health, connections and weight.
 * Read-only. Names are lent, not copied: they stay valid until the
 * controller next runs or takes a command.
 */
#include <string.h>

#include "controller_priv.h"

enum policy_mode
controller_mode(const struct controller *c)
{
	return c->policy.mode;
}

const struct policy *
controller_policy(const struct controller *c)
{
	return &c->policy;
}

bool
controller_paused(const struct controller *c)
{
	return c->paused;
}

/* ha: the address this director waits for, while standby; else NULL. */
const char *
controller_standby(const struct controller *c)
{
	return c->standby ? c->cfg->ha.address : NULL;
}

bool
controller_imbalanced(const struct controller *c, double *since)
{
	if (since != NULL)
		*since = c->imb.state_since;
	return c->imb.imbalanced;
}

static enum move_state
controller_move_state(const struct exec_move *e)
{
	switch (e->st) {
	case EX_PENDING:
		return e->confirmed ? MOVE_CONFIRMED : MOVE_OFFERED;
	case EX_RUNNING:
		return MOVE_RUNNING;
	case EX_DONE:
		return MOVE_DONE;
	case EX_FAILED:
		return MOVE_FAILED;
	case EX_CANCELLED:
		break;
	}
	return MOVE_CANCELLED;
}

size_t
controller_moves(const struct controller *c, struct move_view *out,
    size_t max, double *spread_before)
{
	size_t i;

	if (spread_before != NULL)
		*spread_before = c->spread_before;
	for (i = 0; i < c->nexec && i < max; i++) {
		const struct exec_move *e = &c->exec[i];

		out[i].vm = e->vm;
		out[i].from = e->from;
		out[i].to = e->to;
		out[i].reason = e->reason != NULL ? e->reason : "";
		out[i].who = e->who != NULL ? e->who : "auto";
		out[i].spread_after = e->spread_after;
		out[i].est_s = e->est_s;
		out[i].state = controller_move_state(e);
	}
	return i + controller_ha_moves(c, out + i, max - i);
}

long
controller_plan_min_moves(const struct controller *c, double *target)
{
	if (target != NULL)
		*target = c->plan_target;
	return c->nexec > 0 ? c->plan_min_moves : -1;
}

const char *
controller_offer_note(const struct controller *c)
{
	return c->offer_note;
}

const struct backend_view *
controller_backend(const struct controller *c, size_t svc, size_t backend)
{
	if (svc >= c->cfg->nservices ||
	    backend >= c->cfg->services[svc].nbackends)
		return NULL;
	return &c->views[svc][backend];
}

int
controller_weights(const struct controller *c, struct dnat_service *svcs)
{
	return weights_compute(c->cfg, c->views, c->opts.health != NULL, svcs);
}
