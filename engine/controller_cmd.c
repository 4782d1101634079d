/*
 * controller_cmd.c - what an operator asks of the controller: switch
 * between manual and auto, pause, confirm or dismiss a plan, migrate a VM
 * by hand, abort a migration, put a host into maintenance, drain a
 * backend. Each is refused (-1 and a message) in observe mode, those that
 * move a VM also on a standby director (controller_role.c), and each
 * goes through the same execution as the planner's moves: journal first,
 * then the action, with the operator named as who.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller_priv.h"
#include "placement.h"
#include "plan_build.h"

static int
controller_refuse_observe(const struct controller *c, struct diag *d)
{
	if (c->policy.mode != MODE_OBSERVE)
		return 0;
	diag_set(d, NULL, 0, 0, "observe mode: vmbal only watches here");
	return -1;
}

/* Drops an offer nobody confirmed; moves already confirmed stay. */
static void
controller_drop_offer(struct controller *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->nexec; i++)
		if (!(c->exec[i].st == EX_PENDING && !c->exec[i].confirmed))
			c->exec[n++] = c->exec[i];
		else
			exec_move_clear(&c->exec[i]);
	c->nexec = n;
	if (n == 0) {
		free(c->exec);
		c->exec = NULL;
	}
}

int
controller_set_mode(struct controller *c, enum policy_mode mode,
    struct diag *d)
{
	size_t i;

	if (controller_refuse_observe(c, d) != 0)
		return -1;
	if (mode == MODE_OBSERVE) {
		diag_set(d, NULL, 0, 0, "observe mode is chosen at start");
		return -1;
	}
	if (mode == c->policy.mode)
		return 0;
	c->policy.mode = mode;
	if (mode == MODE_AUTO) {
		/* the offer on the table is planned afresh, and acted on */
		controller_drop_offer(c);
		free(c->last_sig);
		c->last_sig = NULL;
		controller_offer_clear(c);
	} else {
		/* manual: what has not started waits for the operator */
		for (i = 0; i < c->nexec; i++)
			if (c->exec[i].st == EX_PENDING &&
			    strcmp(c->exec[i].who, "auto") == 0)
				c->exec[i].confirmed = false;
	}
	return 0;
}

int
controller_pause(struct controller *c, bool paused, struct diag *d)
{
	if (controller_refuse_observe(c, d) != 0)
		return -1;
	c->paused = paused;
	return 0;
}

int
controller_dismiss(struct controller *c, struct diag *d)
{
	size_t before = c->nexec;

	if (controller_refuse_observe(c, d) != 0)
		return -1;
	controller_drop_offer(c);
	if (c->nexec == before) {
		diag_set(d, NULL, 0, 0, "no suggestion to dismiss");
		return -1;
	}
	/* last_sig stays: the same plan is not offered again */
	return 0;
}

int
controller_abort(struct controller *c, const char *vm, struct diag *d)
{
	size_t i;

	if (controller_refuse_observe(c, d) != 0)
		return -1;
	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING &&
		    strcmp(c->exec[i].vm, vm) == 0)
			return c->action->ops->abort(c->action->impl, vm, d);
	diag_set(d, NULL, 0, 0, "%s is not migrating", vm);
	return -1;
}

/*
 * The placement now, and the unit of vm in it: what a prediction starts
 * from. NULL with a message when vm cannot be moved at all.
 */
static struct placement *
controller_placement(const struct controller *c, const char *vm,
    struct plan_input **inp, int *unit, struct diag *d)
{
	struct plan_input *in;
	struct placement *p;
	int v = model_vm_index(c->model, vm);

	*inp = NULL;
	if (v < 0) {
		diag_set(d, NULL, 0, 0, "no VM named %s", vm);
		return NULL;
	}
	if (c->model->vms[v].in_flight) {
		diag_set(d, NULL, 0, 0, "%s is migrating already", vm);
		return NULL;
	}
	if (c->model->vms[v].host < 0 ||
	    !c->model->hosts[c->model->vms[v].host].up) {
		diag_set(d, NULL, 0, 0, "%s is on no host vmbal can reach", vm);
		return NULL;
	}
	in = plan_build(c->model, c->cfg, &c->policy, c->now, c->imb.imbalanced);
	p = in != NULL ? placement_new(in) : NULL;
	if (p == NULL) {
		plan_input_free(in);
		diag_set(d, NULL, 0, 0, "out of memory");
		return NULL;
	}
	*inp = in;
	*unit = p->unit_of[v];
	return p;
}

int
controller_predict(const struct controller *c, const char *vm,
    const char *to, double *spread, struct diag *d)
{
	struct plan_input *in;
	struct placement *p;
	int unit, h = model_host_index(c->model, to), rc = -1;

	if (h < 0) {
		diag_set(d, NULL, 0, 0, "no host named %s", to);
		return -1;
	}
	p = controller_placement(c, vm, &in, &unit, d);
	if (p == NULL)
		return -1;
	if (p->host_of[model_vm_index(c->model, vm)] == h)
		diag_set(d, NULL, 0, 0, "%s is on %s already", vm, to);
	else if (!placement_unit_fits(p, unit, h))
		diag_set(d, NULL, 0, 0, "%s cannot take %s: %s", to, vm,
		    !in->hosts[h].up ? "host down" : in->hosts[h].maintenance ?
		    "in maintenance" : "memory, pin or anti-affinity");
	else {
		placement_move(p, unit, h);
		*spread = placement_cpu_spread(p);
		rc = 0;
	}
	placement_free(p);
	plan_input_free(in);
	return rc;
}

/* Appends a confirmed move; -1 on ENOMEM. */
static int
controller_append(struct controller *c, const char *vm, const char *from,
    const char *to, const char *reason, double spread_after)
{
	struct exec_move *e = realloc(c->exec, (c->nexec + 1) * sizeof *e);

	if (e == NULL)
		return -1;
	c->exec = e;
	e = &c->exec[c->nexec];
	memset(e, 0, sizeof *e);
	if (exec_move_set(e, vm, from, to, reason) != 0)
		return -1;
	c->nexec++;
	e->st = EX_PENDING;
	e->confirmed = true;
	e->who = c->cmd_who != NULL ? c->cmd_who : "operator";
	e->spread_after = spread_after;
	e->est_s = -1;
	return 0;
}

int
controller_migrate(struct controller *c, const char *vm, const char *to,
    double now, struct diag *d)
{
	struct plan_input *in;
	struct placement *p;
	double spread;
	int unit, h, m, rc = 0;

	if (controller_refuse_observe(c, d) != 0 ||
	    controller_refuse_standby(c, d) != 0 ||
	    controller_predict(c, vm, to, &spread, d) != 0)
		return -1;
	p = controller_placement(c, vm, &in, &unit, d);
	if (p == NULL)
		return -1;
	h = model_host_index(c->model, to);
	controller_drop_offer(c);
	/* the whole affinity group goes: the rule keeps them together */
	for (m = unit; m >= 0 && rc == 0; m = p->unit_next[m]) {
		const struct model_vm *mv = &c->model->vms[m];

		if (mv->host == h)
			continue;
		rc = controller_append(c, mv->name,
		    c->model->hosts[mv->host].name, to,
		    strcmp(mv->name, vm) == 0 ? "operator's move" :
		    "affinity: goes with the operator's move", spread);
	}
	placement_free(p);
	plan_input_free(in);
	if (rc != 0) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	controller_start_ready(c, now);
	return 0;
}

struct plan *
controller_evacuation(const struct controller *c, const char *host,
    struct plan_input **inp)
{
	int h = model_host_index(c->model, host);
	struct plan_input *in;
	struct plan *p;

	*inp = NULL;
	if (h < 0)
		return NULL;
	in = plan_build(c->model, c->cfg, &c->policy, c->now, c->imb.imbalanced);
	if (in == NULL)
		return NULL;
	in->hosts[h].maintenance = true;
	p = planner_run(in);
	if (p == NULL) {
		plan_input_free(in);
		return NULL;
	}
	*inp = in;
	return p;
}

int
controller_maintenance(struct controller *c, const char *host, bool on,
    double now, struct diag *d)
{
	int h = model_host_index(c->model, host);
	struct plan_input *in;
	struct plan *p;
	size_t i;

	if (controller_refuse_observe(c, d) != 0 ||
	    controller_refuse_standby(c, d) != 0)
		return -1;
	if (h < 0) {
		diag_set(d, NULL, 0, 0, "no host named %s", host);
		return -1;
	}
	c->model->hosts[h].maintenance = on;
	if (c->model->hosts[h].up)
		c->model->hosts[h].state = on ? HOST_MAINTENANCE : HOST_UP;
	free(c->last_sig);
	c->last_sig = NULL;
	controller_offer_clear(c);
	c->settle_until = 0;
	if (!on)
		return 0;
	/* the operator saw the evacuation plan and confirmed it: carry it
	 * out now, together with what is running */
	p = controller_evacuation(c, host, &in);
	if (p == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory while planning");
		return -1;
	}
	controller_drop_offer(c);
	for (i = 0; i < p->nmoves; i++)
		if (controller_append(c, in->vms[p->moves[i].vm].name,
		    in->hosts[p->moves[i].from].name,
		    in->hosts[p->moves[i].to].name, p->moves[i].reason,
		    p->moves[i].spread_after) != 0)
			break;
	plan_free(p);
	plan_input_free(in);
	controller_start_ready(c, now);
	return 0;
}

int
controller_drain(struct controller *c, size_t svc, size_t backend,
    bool drained, double now, struct diag *d)
{
	if (controller_refuse_observe(c, d) != 0)
		return -1;
	if (svc >= c->cfg->nservices ||
	    backend >= c->cfg->services[svc].nbackends) {
		diag_set(d, NULL, 0, 0, "no such backend");
		return -1;
	}
	c->views[svc][backend].drained = drained;
	c->dnat_dirty = true;
	controller_dnat(c, now);
	controller_forget(c, now);
	return 0;
}

/* The pending move of the plan in hand that is exactly r, or -1. */
static long
controller_find_offer(const struct controller *c, const struct move_ref *r)
{
	size_t i;

	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_PENDING && !c->exec[i].confirmed &&
		    strcmp(c->exec[i].vm, r->vm) == 0 &&
		    strcmp(c->exec[i].from, r->from) == 0 &&
		    strcmp(c->exec[i].to, r->to) == 0)
			return (long)i;
	return -1;
}

int
controller_confirm_moves(struct controller *c, const struct move_ref *refs,
    size_t n, double now, struct diag *d)
{
	size_t i;

	if (controller_refuse_observe(c, d) != 0 ||
	    controller_refuse_standby(c, d) != 0)
		return -1;
	if (c->opts.dry_run) {
		diag_set(d, NULL, 0, 0, "dry run: vmbal only says what it would do");
		return -1;
	}
	/* all or nothing: the operator confirmed what was shown */
	for (i = 0; i < n; i++)
		if (controller_find_offer(c, &refs[i]) < 0) {
			diag_set(d, NULL, 0, 0,
			    "the suggestion changed (%s %s -> %s is no longer offered): nothing done, review it again",
			    refs[i].vm, refs[i].from, refs[i].to);
			return -1;
		}
	for (i = 0; i < n; i++) {
		long k = controller_find_offer(c, &refs[i]);

		c->exec[k].confirmed = true;
		c->exec[k].who = c->cmd_who != NULL ? c->cmd_who : "operator";
	}
	controller_start_ready(c, now);
	return 0;
}

void
controller_hold_offer(struct controller *c, bool hold)
{
	c->hold_offer = hold;
}
