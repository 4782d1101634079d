/*
 * controller_offer.c - planning at each analysis tick: the plan emitted
 * once, the offer on the table kept while it still stands (plan_check.h),
 * taken up at once in auto mode, on confirmation in manual mode.
 */
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"
#include "plan_build.h"
#include "plan_check.h"

static char *
controller_signature(const struct plan *p, const struct plan_input *in)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; i < p->nmoves; i++)
		len += strlen(in->vms[p->moves[i].vm].name) +
		    strlen(in->hosts[p->moves[i].from].name) +
		    strlen(in->hosts[p->moves[i].to].name) + 3;
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (i = 0; i < p->nmoves; i++) {
		strcat(s, in->vms[p->moves[i].vm].name);
		strcat(s, ":");
		strcat(s, in->hosts[p->moves[i].from].name);
		strcat(s, ">");
		strcat(s, in->hosts[p->moves[i].to].name);
		strcat(s, ";");
	}
	return s;
}

void
controller_offer_clear(struct controller *c)
{
	exec_moves_free(c->offer, c->noffer);
	c->offer = NULL;
	c->noffer = 0;
}

static int
controller_take_plan(struct controller *c, const struct plan *p,
    const struct plan_input *in, bool confirmed)
{
	size_t i;

	exec_moves_free(c->exec, c->nexec);
	c->exec = calloc(p->nmoves + 1, sizeof *c->exec);
	c->nexec = 0;
	if (c->exec == NULL)
		return -1;
	for (i = 0; i < p->nmoves; i++) {
		struct exec_move *e = &c->exec[i];

		if (exec_move_set(e, in->vms[p->moves[i].vm].name,
		    in->hosts[p->moves[i].from].name,
		    in->hosts[p->moves[i].to].name, p->moves[i].reason) != 0) {
			exec_moves_free(c->exec, c->nexec);	/* none of it */
			c->exec = NULL;
			c->nexec = 0;
			return -1;
		}
		e->st = EX_PENDING;
		e->confirmed = confirmed;
		e->who = "auto";
		e->spread_after = p->moves[i].spread_after;
		e->est_s = p->moves[i].est_s;
		c->nexec = i + 1;
	}
	c->spread_before = p->spread_before;
	c->plan_min_moves = p->min_moves;
	c->plan_target = p->target;
	return 0;
}

static void
controller_emit_plan(struct controller *c, double now, const struct plan *p,
    const struct plan_input *in, const char *replaces)
{
	struct event ev;

	memset(&ev, 0, sizeof ev);
	ev.type = EV_PLAN;
	ev.ts = now;
	ev.u.plan.plan = p;
	ev.u.plan.in = in;
	ev.u.plan.mode = c->policy.mode;
	ev.u.plan.dry_run = c->opts.dry_run;
	ev.u.plan.replaces = replaces;
	controller_emit(c, &ev);
}

static bool
controller_busy(const struct controller *c)
{
	size_t i;

	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING ||
		    (c->exec[i].st == EX_PENDING && c->exec[i].confirmed))
			return true;
	return false;
}

/* Does the offer on the table stand against the fresh plan (see
 * plan_check.h)? When it does not, why says what replaces it. */
static bool
controller_offer_stands(struct controller *c, const struct plan_input *in,
    const struct plan *fresh, double now, char *why, size_t len)
{
	struct plan_ref *refs;
	bool stands;
	size_t i;

	why[0] = '\0';
	if (c->noffer == 0 || (refs = calloc(c->noffer, sizeof *refs)) == NULL)
		return false;
	for (i = 0; i < c->noffer; i++) {
		refs[i].vm = c->offer[i].vm;
		refs[i].from = c->offer[i].from;
		refs[i].to = c->offer[i].to;
	}
	stands = plan_offer_stands(in, refs, c->noffer, fresh, now,
	    &c->offer_state, why, len);
	free(refs);
	return stands;
}

static void
controller_remember_offer(struct controller *c, const struct plan *p,
    const struct plan_input *in)
{
	size_t i;

	controller_offer_clear(c);
	plan_offer_init(&c->offer_state);
	c->offer = calloc(p->nmoves + 1, sizeof *c->offer);
	if (c->offer == NULL)
		return;
	for (i = 0; i < p->nmoves; i++) {
		if (exec_move_set(&c->offer[i], in->vms[p->moves[i].vm].name,
		    in->hosts[p->moves[i].from].name,
		    in->hosts[p->moves[i].to].name, NULL) != 0)
			return;		/* remembers what fitted */
		c->noffer = i + 1;
	}
}

void
controller_plan_tick(struct controller *c, double now)
{
	struct plan_input *in;
	struct plan *p;
	char *sig, why[600] = "";

	if (c->hold_offer && c->nexec > 0)
		return;		/* the operator is deciding on this one */
	if (c->policy.mode == MODE_OBSERVE || c->paused || c->standby ||
	    controller_busy(c) ||
	    now < c->settle_until - 1e-9 || c->probes <= c->settle_probe + 1)
		return;
	in = plan_build(c->model, c->cfg, &c->policy, now, c->imb.imbalanced);
	p = in != NULL ? planner_run(in) : NULL;
	if (p == NULL) {
		controller_error(c, now, "out of memory while planning");
		plan_input_free(in);
		return;
	}
	if (p->nmoves == 0) {
		free(c->last_sig);
		c->last_sig = NULL;
		controller_offer_clear(c);
		free(c->offer_note);
		c->offer_note = NULL;
		if (c->policy.mode == MODE_MANUAL) {
			exec_moves_free(c->exec, c->nexec);
			c->exec = NULL;
			c->nexec = 0;
		}
		goto out;
	}
	sig = controller_signature(p, in);
	if (sig != NULL && c->last_sig != NULL && strcmp(sig, c->last_sig) == 0) {
		free(sig);
		goto out;	/* said already */
	}
	if (c->policy.mode == MODE_MANUAL || c->opts.dry_run) {
		if (controller_offer_stands(c, in, p, now, why, sizeof why)) {
			free(sig);
			goto out;	/* the offer on the table stands */
		}
	}
	free(c->last_sig);
	c->last_sig = sig;
	free(c->offer_note);
	c->offer_note = why[0] != '\0' ? strdup(why) : NULL;
	controller_remember_offer(c, p, in);
	controller_emit_plan(c, now, p, in, c->offer_note);
	if (c->opts.dry_run)
		goto out;
	if (controller_take_plan(c, p, in, c->policy.mode == MODE_AUTO) != 0)
		controller_error(c, now, "out of memory while planning");
	else
		controller_start_ready(c, now);
out:
	plan_free(p);
	plan_input_free(in);
}

int
controller_plan_once(struct controller *c, double now)
{
	struct plan_input *in;
	struct plan *p;

	model_measure(c->model);
	in = plan_build(c->model, c->cfg, &c->policy, now,
	    c->model->spread > c->policy.threshold_pct);
	p = in != NULL ? planner_run(in) : NULL;
	if (p == NULL) {
		plan_input_free(in);
		return -1;
	}
	controller_emit_plan(c, now, p, in, NULL);
	plan_free(p);
	plan_input_free(in);
	return 0;
}
