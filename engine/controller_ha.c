/*
 * controller_ha.c - a dead host: fenced, its VMs run again elsewhere,
 * never twice (issue 18, docs/recovery.md).
 *
 * Per host a small state machine, advanced at the end of each probe:
 *
 *   up --(probe: down)--> down since T --(T + after_s)--> fencing (its
 *   agent, once) --off--> fenced --> placed (ha_place.h)
 *                   \--no agent, or the agent failed--> waiting for a
 *                      person (`fence HOST --confirmed-off`) --> fenced
 *
 * While a host is up, the VMs seen running there (not migrating away)
 * are noted: those are the ones restarted when it dies. Once fenced and
 * down for after_s, they are placed; in ha_restart.mode auto the
 * restarts start at once, in manual they are offered with the plan in
 * hand (controller_moves) and `confirm` starts them. Each step is an
 * event (fence, restart) and a journal line (phase fence, restart,
 * retire). A restart refused by the disk locks is "not fenced" and never
 * retried; one that failed or fits nowhere is said and left to a person.
 * A host that answers again has the old definitions of the VMs restarted
 * from it retired, once each. A host never seen up since vmbal started
 * (an incident under way at the start) has as its VMs those the probe
 * placed on it from their saved definitions (probes/lv_saved.h), and
 * its after_s counts from when it was first seen down. Nothing acts
 * while observing, in a dry run or on a standby director.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller_priv.h"
#include "ha_place.h"
#include "plan_build.h"

enum ha_hstate { HA_UP, HA_DOWN, HA_FENCING, HA_WAITING, HA_FENCED };
enum ha_vstate {
	HV_WAIT,	/* to be placed once fenced */
	HV_PLACED,	/* placed: offered (manual) or about to start (auto) */
	HV_STARTED, HV_DONE, HV_FAILED, HV_REFUSED,
	HV_NOWHERE,	/* fits nowhere: said */
	HV_DROPPED	/* its host came back first */
};

struct ha_vm {
	char *name;
	char *to;		/* HV_PLACED on */
	enum ha_vstate st;
	double started;
	bool retired;		/* its old definition's retire was asked */
};

struct ha_host {
	char *name;
	bool down;
	bool seen_up;		/* up at least once in this run */
	double down_since;
	enum ha_hstate st;
	char *fence_error;	/* the agent's failure, or NULL */
	bool placed;
	char **running;		/* seen running there at the last probe */
	size_t nrunning;
	struct ha_vm *vms;	/* this incident's VMs */
	size_t nvms;
};

static void
ha_vms_free(struct ha_host *h)
{
	size_t i;

	for (i = 0; i < h->nvms; i++) {
		free(h->vms[i].name);
		free(h->vms[i].to);
	}
	free(h->vms);
	h->vms = NULL;
	h->nvms = 0;
}

static void
ha_running_free(struct ha_host *h)
{
	while (h->nrunning > 0)
		free(h->running[--h->nrunning]);
	free(h->running);
	h->running = NULL;
}

void
controller_ha_free(struct controller *c)
{
	size_t i;

	for (i = 0; i < c->nha; i++) {
		free(c->ha[i].name);
		free(c->ha[i].fence_error);
		ha_running_free(&c->ha[i]);
		ha_vms_free(&c->ha[i]);
	}
	free(c->ha);
	c->ha = NULL;
	c->nha = 0;
}

static struct ha_host *
ha_find(struct controller *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nha; i++)
		if (strcmp(c->ha[i].name, name) == 0)
			return &c->ha[i];
	return NULL;
}

static struct ha_host *
ha_get(struct controller *c, const char *name)
{
	struct ha_host *h = ha_find(c, name), *v;

	if (h != NULL)
		return h;
	v = realloc(c->ha, (c->nha + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	c->ha = v;
	h = &c->ha[c->nha];
	memset(h, 0, sizeof *h);
	if ((h->name = strdup(name)) == NULL)
		return NULL;
	c->nha++;
	return h;
}

static struct ha_vm *
ha_vm_find(struct ha_host *h, const char *vm)
{
	size_t i;

	for (i = 0; vm != NULL && i < h->nvms; i++)
		if (strcmp(h->vms[i].name, vm) == 0)
			return &h->vms[i];
	return NULL;
}

/* May this vmbal act on hosts at all now? */
static bool
ha_may_act(const struct controller *c)
{
	return c->cfg->ha_restart.mode != HA_RESTART_OFF &&
	    c->policy.mode != MODE_OBSERVE && !c->opts.dry_run && !c->standby &&
	    c->action->ops->restart != NULL &&
	    c->action->ops->poll_recover != NULL;
}

/* ---- what is said ---------------------------------------------------- */

static void
ha_journal(struct controller *c, double now, const char *phase,
    const char *who, const char *host, const char *vm, const char *to,
    const char *status, bool outcome, double dur, const char *error)
{
	struct journal_entry je;
	struct diag d;
	char why[700];

	if (c->opts.journal == NULL)
		return;
	memset(&je, 0, sizeof je);
	mig_stats_none(&je.stats);
	je.ts = now;
	je.phase = phase;
	je.action = phase;
	je.who = who != NULL ? who : "auto";
	je.host = host;
	je.vm = vm;
	je.from = vm != NULL && strcmp(phase, "restart") == 0 ? host : NULL;
	je.to = to;
	je.rec_status = status;
	je.outcome = outcome;
	je.duration_s = dur;
	je.error = error;
	diag_clear(&d);
	if (c->opts.journal->ops->record(c->opts.journal->impl, &je, &d) != 0) {
		diag_format(&d, why, sizeof why);
		controller_error(c, now, why);
	}
}

static void
ha_emit_fence(struct controller *c, double now, const char *host, bool off,
    const char *who, const char *error)
{
	struct event ev = { .type = EV_FENCE, .ts = now };

	ev.u.fence.host = host;
	ev.u.fence.off = off;
	ev.u.fence.who = who;
	ev.u.fence.error = error;
	controller_emit(c, &ev);
}

static void
ha_emit_restart(struct controller *c, double now, const char *vm,
    const char *from, const char *to, const char *status, double dur,
    const char *error)
{
	struct event ev = { .type = EV_RESTART, .ts = now };

	ev.u.restart.vm = vm;
	ev.u.restart.from = from;
	ev.u.restart.to = to;
	ev.u.restart.status = status;
	ev.u.restart.duration_s = dur;
	ev.u.restart.error = error;
	controller_emit(c, &ev);
}

/* ---- the steps ------------------------------------------------------- */

static void
ha_fence_start(struct controller *c, struct ha_host *h, double now)
{
	const struct host_conf *hc;
	struct diag d;
	char msg[700];
	int k = config_host_index(c->cfg, h->name);

	hc = k >= 0 ? &c->cfg->hosts[k] : NULL;
	if (hc == NULL || hc->fence.agent == NULL ||
	    c->action->ops->fence == NULL) {
		h->st = HA_WAITING;
		snprintf(msg, sizeof msg, "host %s is down and has no fence "
		    "agent: a person must confirm it off (vmbal ctl fence %s "
		    "--confirmed-off)", h->name, h->name);
		controller_error(c, now, msg);
		return;
	}
	ha_journal(c, now, "fence", "auto", h->name, NULL, NULL, "started",
	    false, 0, NULL);
	diag_clear(&d);
	if (c->action->ops->fence(c->action->impl, h->name, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		h->st = HA_WAITING;
		free(h->fence_error);
		h->fence_error = strdup(msg);
		ha_journal(c, now, "fence", "auto", h->name, NULL, NULL,
		    "failed", true, 0, msg);
		ha_emit_fence(c, now, h->name, false, "agent", msg);
		return;
	}
	h->st = HA_FENCING;
}

static void
ha_restart_start(struct controller *c, struct ha_host *h, struct ha_vm *v,
    double now, const char *who)
{
	struct diag d;
	char msg[700];

	ha_journal(c, now, "restart", who, h->name, v->name, v->to, "started",
	    false, 0, NULL);
	diag_clear(&d);
	if (c->action->ops->restart(c->action->impl, v->name, h->name, v->to,
	    &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		v->st = HV_FAILED;
		ha_journal(c, now, "restart", who, h->name, v->name, v->to,
		    "failed", true, 0, msg);
		ha_emit_restart(c, now, v->name, h->name, v->to, "failed", 0,
		    msg);
		return;
	}
	v->st = HV_STARTED;
	v->started = now;
	ha_emit_restart(c, now, v->name, h->name, v->to, "started", 0, NULL);
}

static void
ha_retire(struct controller *c, struct ha_host *h, struct ha_vm *v,
    double now)
{
	struct diag d;
	char msg[700];

	if (v->retired || c->action->ops->retire == NULL)
		return;
	v->retired = true;
	ha_journal(c, now, "retire", "auto", h->name, v->name, NULL, "started",
	    false, 0, NULL);
	diag_clear(&d);
	if (c->action->ops->retire(c->action->impl, v->name, h->name, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		ha_journal(c, now, "retire", "auto", h->name, v->name, NULL,
		    "failed", true, 0, msg);
		controller_error(c, now, msg);
	}
}

/* h's VMs in the order they were placed (priority, then name), so they
 * start so; the others after them. */
static void
ha_order(struct ha_host *h, const struct plan_input *in,
    const struct ha_spot *spots, size_t n)
{
	struct ha_vm *v = calloc(h->nvms + 1, sizeof *v);
	bool *taken = calloc(h->nvms + 1, sizeof *taken);
	size_t i, j, k = 0;

	if (v == NULL || taken == NULL) {
		free(v);
		free(taken);
		return;		/* the old order stays: still correct */
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < h->nvms; j++)
			if (!taken[j] && strcmp(h->vms[j].name,
			    in->vms[spots[i].vm].name) == 0) {
				v[k++] = h->vms[j];
				taken[j] = true;
				break;
			}
	for (j = 0; j < h->nvms; j++)
		if (!taken[j])
			v[k++] = h->vms[j];
	free(h->vms);
	free(taken);
	h->vms = v;
}

/* The placement of h's waiting VMs, once fenced and down for after_s. */
static void
ha_place_host(struct controller *c, struct ha_host *h, double now)
{
	struct plan_input *in;
	struct ha_req *reqs;
	struct ha_spot *spots;
	size_t i, j, n = 0;
	int dead = model_host_index(c->model, h->name);

	h->placed = true;
	in = plan_build(c->model, c->cfg, &c->policy, now, false);
	reqs = calloc(h->nvms + 1, sizeof *reqs);
	spots = calloc(h->nvms + 1, sizeof *spots);
	if (in == NULL || reqs == NULL || spots == NULL) {
		controller_error(c, now, "out of memory while placing restarts");
		goto out;
	}
	/* restarts under way elsewhere count where they go */
	for (i = 0; i < c->nha; i++)
		for (j = 0; j < c->ha[i].nvms; j++) {
			struct ha_vm *o = &c->ha[i].vms[j];
			int v = model_vm_index(c->model, o->name);
			int to = o->to != NULL ? model_host_index(c->model,
			    o->to) : -1;

			if (v >= 0 && to >= 0 && (o->st == HV_PLACED ||
			    o->st == HV_STARTED))
				in->vms[v].host = to;
		}
	for (i = 0; i < h->nvms; i++) {
		struct ha_vm *v = &h->vms[i];
		int k = model_vm_index(c->model, v->name);
		size_t r;

		if (v->st != HV_WAIT)
			continue;
		if (k < 0 || c->model->vms[k].host != dead) {
			v->st = HV_DROPPED;	/* runs elsewhere already */
			continue;
		}
		reqs[n].vm = k;
		reqs[n].priority = config_ha_priority(c->cfg, v->name);
		for (r = 0; r < c->cfg->nrules; r++)
			if (c->cfg->rules[r].kind == RULE_EXCLUDE)
				for (j = 0; j < c->cfg->rules[r].nvms; j++)
					if (strcmp(c->cfg->rules[r].vms[j],
					    v->name) == 0)
						reqs[n].excluded = true;
		n++;
	}
	if (ha_place(in, reqs, n, spots) != 0) {
		controller_error(c, now, "out of memory while placing restarts");
		goto out;
	}
	ha_order(h, in, spots, n);
	for (i = 0; i < n; i++) {
		const char *name = in->vms[spots[i].vm].name;
		struct ha_vm *v = ha_vm_find(h, name);

		if (v == NULL)
			continue;
		if (spots[i].to < 0) {
			v->st = HV_NOWHERE;
			ha_journal(c, now, "restart", "auto", h->name, v->name,
			    NULL, "failed", true, 0, spots[i].why);
			ha_emit_restart(c, now, v->name, h->name, NULL,
			    "failed", 0, spots[i].why);
			continue;
		}
		free(v->to);
		v->to = strdup(in->hosts[spots[i].to].name);
		v->st = v->to != NULL ? HV_PLACED : HV_FAILED;
	}
out:
	plan_input_free(in);
	free(reqs);
	free(spots);
}

/* A host seen down for the first time: its VMs last seen running wait. */
static void
ha_went_down(struct ha_host *h, double now)
{
	size_t i, n = 0;

	ha_vms_free(h);
	free(h->fence_error);
	h->fence_error = NULL;
	h->down = true;
	h->down_since = now;
	h->st = HA_DOWN;
	h->placed = false;
	h->vms = calloc(h->nrunning + 1, sizeof *h->vms);
	for (i = 0; h->vms != NULL && i < h->nrunning; i++) {
		h->vms[n].name = h->running[i];	/* handed over */
		h->vms[n++].st = HV_WAIT;
	}
	if (h->vms == NULL)
		for (i = 0; i < h->nrunning; i++)
			free(h->running[i]);
	h->nvms = n;
	free(h->running);
	h->running = NULL;
	h->nrunning = 0;
}

/* A down host answers again: the VMs restarted from it are retired
 * there; those not started yet are not. */
static void
ha_came_back(struct controller *c, struct ha_host *h, double now)
{
	char msg[300];
	size_t i;

	h->down = false;
	h->st = HA_UP;
	for (i = 0; i < h->nvms; i++) {
		struct ha_vm *v = &h->vms[i];

		if (v->st == HV_DONE)
			ha_retire(c, h, v, now);
		else if (v->st == HV_PLACED || v->st == HV_WAIT) {
			v->st = HV_DROPPED;
			snprintf(msg, sizeof msg, "host %s answers again: not "
			    "restarted elsewhere", h->name);
			ha_emit_restart(c, now, v->name, h->name, NULL,
			    "failed", 0, msg);
		}
	}
}

/* The VMs running on host hi now (not moving away); for a host never
 * seen up, every VM the probe placed there (their saved definitions:
 * what it ran at the last contact before vmbal started). */
static void
ha_note_running(struct controller *c, struct ha_host *h, int hi)
{
	size_t i, n = 0;
	bool saved = !h->seen_up;

	ha_running_free(h);
	h->running = calloc(c->model->nvms + 1, sizeof *h->running);
	if (h->running == NULL)
		return;
	for (i = 0; i < c->model->nvms; i++) {
		const struct model_vm *v = &c->model->vms[i];

		if (v->host != hi || v->in_flight || (!saved &&
		    v->state != VM_RUNNING && v->state != VM_PAUSED))
			continue;
		if ((h->running[n] = strdup(v->name)) != NULL)
			n++;
	}
	h->nrunning = n;
}

void
controller_ha_probe(struct controller *c, double now)
{
	const struct ha_restart_conf *hr = &c->cfg->ha_restart;
	size_t i, j;

	for (i = 0; i < c->model->nhosts; i++) {
		const struct model_host *mh = &c->model->hosts[i];
		struct ha_host *h = ha_get(c, mh->name);

		if (h == NULL)
			return;
		if (mh->state == HOST_CONNECTING)
			continue;
		if (mh->state != HOST_DOWN) {
			if (h->down)
				ha_came_back(c, h, now);
			h->seen_up = true;
			ha_note_running(c, h, (int)i);
			continue;
		}
		if (!h->down) {
			if (!h->seen_up)
				ha_note_running(c, h, (int)i);
			ha_went_down(h, now);
		}
		if (!ha_may_act(c) || now - h->down_since + 1e-9 < hr->after_s)
			continue;
		if (h->st == HA_DOWN)
			ha_fence_start(c, h, now);
		if (h->st == HA_FENCED && !h->placed)
			ha_place_host(c, h, now);
		if (h->st != HA_FENCED || hr->mode != HA_RESTART_AUTO ||
		    c->paused)
			continue;
		for (j = 0; j < h->nvms; j++)
			if (h->vms[j].st == HV_PLACED)
				ha_restart_start(c, h, &h->vms[j], now, "auto");
	}
}

bool
controller_ha_busy(const struct controller *c)
{
	size_t i, j;

	for (i = 0; i < c->nha; i++) {
		if (c->ha[i].st == HA_FENCING)
			return true;
		for (j = 0; j < c->ha[i].nvms; j++)
			if (c->ha[i].vms[j].st == HV_STARTED)
				return true;
	}
	return false;
}

static void
ha_fence_result(struct controller *c, const struct recover_result *r,
    double now)
{
	struct ha_host *h = ha_find(c, r->host);

	ha_journal(c, now, "fence", "auto", r->host, NULL, NULL,
	    r->status == REC_DONE ? "off" : "failed", true, r->duration_s,
	    r->error);
	if (h == NULL || h->st != HA_FENCING)
		return;		/* a person said so meanwhile, or it is back */
	if (r->status == REC_DONE) {
		h->st = HA_FENCED;
		ha_emit_fence(c, now, h->name, true, "agent", NULL);
		return;
	}
	h->st = HA_WAITING;
	free(h->fence_error);
	h->fence_error = strdup(r->error != NULL ? r->error :
	    "the agent did not confirm it off");
	ha_emit_fence(c, now, h->name, false, "agent", h->fence_error);
}

static void
ha_restart_result(struct controller *c, const struct recover_result *r,
    double now)
{
	struct ha_host *h = ha_find(c, r->host);
	struct ha_vm *v = h != NULL ? ha_vm_find(h, r->vm) : NULL;
	const char *st = recover_status_name(r->status);
	char err[700];
	int k;

	err[0] = '\0';
	if (r->error != NULL)
		snprintf(err, sizeof err, "%s%s", r->status == REC_REFUSED &&
		    strncmp(r->error, "not fenced", 10) != 0 ?
		    "not fenced: " : "", r->error);
	else if (r->status == REC_REFUSED)
		snprintf(err, sizeof err, "not fenced: its disk is locked");
	ha_journal(c, now, "restart", "auto", r->host, r->vm, r->to, st, true,
	    r->duration_s, err[0] != '\0' ? err : NULL);
	ha_emit_restart(c, now, r->vm, r->host, r->to, st, r->duration_s,
	    err[0] != '\0' ? err : NULL);
	if (v == NULL)
		return;
	v->st = r->status == REC_DONE ? HV_DONE : r->status == REC_REFUSED ?
	    HV_REFUSED : HV_FAILED;
	if (r->status != REC_DONE)
		return;
	k = r->vm != NULL ? model_vm_index(c->model, r->vm) : -1;
	if (k >= 0)
		c->model->vms[k].moved_at = now;	/* its cooldown */
	if (!h->down)
		ha_retire(c, h, v, now);	/* it came back meanwhile */
}

void
controller_ha_poll(struct controller *c, double now)
{
	struct recover_result rs[16];
	char msg[700];
	size_t n, i;

	if (c->action->ops->poll_recover == NULL)
		return;
	while ((n = c->action->ops->poll_recover(c->action->impl, rs, 16)) > 0) {
		for (i = 0; i < n; i++) {
			const struct recover_result *r = &rs[i];

			switch (r->kind) {
			case REC_FENCE:
				ha_fence_result(c, r, now);
				break;
			case REC_RESTART:
				ha_restart_result(c, r, now);
				break;
			case REC_RETIRE:
				ha_journal(c, now, "retire", "auto", r->host,
				    r->vm, NULL, recover_status_name(r->status),
				    true, r->duration_s, r->error);
				if (r->status != REC_DONE) {
					snprintf(msg, sizeof msg,
					    "%s's old definition on %s not removed: %s",
					    r->vm, r->host, r->error != NULL ?
					    r->error : "failed");
					controller_error(c, now, msg);
				}
				break;
			}
			recover_result_clear(&rs[i]);
		}
		if (n < 16)
			break;
	}
}

/* ---- a person's word, offers, words ---------------------------------- */

int
controller_fence_confirm(struct controller *c, const char *host, double now,
    struct diag *d)
{
	int k = host != NULL ? model_host_index(c->model, host) : -1;
	struct ha_host *h;
	const char *who = c->cmd_who != NULL ? c->cmd_who : "operator";

	if (k < 0) {
		diag_set(d, NULL, 0, 0, "no host named %s",
		    host != NULL ? host : "(none given)");
		return -1;
	}
	if (c->model->hosts[k].state != HOST_DOWN) {
		diag_set(d, NULL, 0, 0, "%s is %s: only a host that is down "
		    "can be confirmed off", host,
		    host_state_name(c->model->hosts[k].state));
		return -1;
	}
	if ((h = ha_get(c, host)) == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	if (!h->down)
		ha_went_down(h, now);
	if (h->st == HA_FENCED) {
		diag_set(d, NULL, 0, 0, "%s is fenced already", host);
		return -1;
	}
	h->st = HA_FENCED;
	ha_journal(c, now, "fence", who, host, NULL, NULL, "off", true, 0,
	    NULL);
	ha_emit_fence(c, now, host, true, who, NULL);
	/* placed (and in auto mode started) at once when due */
	controller_ha_probe(c, now);
	return 0;
}

size_t
controller_ha_moves(const struct controller *c, struct move_view *out,
    size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < c->nha; i++)
		for (j = 0; j < c->ha[i].nvms && (out == NULL || n < max);
		    j++) {
			const struct ha_vm *v = &c->ha[i].vms[j];

			if (v->st != HV_PLACED && v->st != HV_STARTED)
				continue;
			if (out == NULL) {	/* only counting */
				n++;
				continue;
			}
			out[n].vm = v->name;
			out[n].from = c->ha[i].name;
			out[n].to = v->to;
			out[n].reason = "restart: its host is down and fenced";
			out[n].who = "auto";
			out[n].spread_after = -1;
			out[n].est_s = -1;
			out[n].state = v->st == HV_PLACED ? MOVE_OFFERED :
			    MOVE_RUNNING;
			n++;
		}
	return n;
}

bool
controller_ha_offered(const struct controller *c, const char *vm,
    const char *from, const char *to)
{
	const struct ha_host *h;
	size_t i, j;

	for (i = 0; i < c->nha; i++) {
		h = &c->ha[i];
		if (strcmp(h->name, from) != 0)
			continue;
		for (j = 0; j < h->nvms; j++)
			if (h->vms[j].st == HV_PLACED &&
			    strcmp(h->vms[j].name, vm) == 0 &&
			    h->vms[j].to != NULL &&
			    strcmp(h->vms[j].to, to) == 0)
				return true;
	}
	return false;
}

int
controller_ha_confirm(struct controller *c, const char *vm, const char *from,
    double now, struct diag *d)
{
	struct ha_host *h = ha_find(c, from);
	struct ha_vm *v = h != NULL ? ha_vm_find(h, vm) : NULL;

	if (v == NULL || v->st != HV_PLACED || h->st != HA_FENCED ||
	    !ha_may_act(c)) {
		diag_set(d, NULL, 0, 0, "the restart of %s is no longer offered",
		    vm);
		return -1;
	}
	ha_restart_start(c, h, v, now, c->cmd_who != NULL ? c->cmd_who :
	    "operator");
	return 0;
}

bool
controller_ha_why(const struct controller *c, char *buf, size_t len)
{
	const struct ha_restart_conf *hr = &c->cfg->ha_restart;
	size_t i, j, nwait;

	for (i = 0; i < c->nha; i++) {
		const struct ha_host *h = &c->ha[i];
		double down = c->now - h->down_since;

		if (!h->down)
			continue;
		for (j = 0, nwait = 0; j < h->nvms; j++)
			nwait += h->vms[j].st == HV_WAIT;
		if (hr->mode == HA_RESTART_OFF) {
			snprintf(buf, len, "%s down %.0f s: ha_restart is off, "
			    "its VMs are not restarted", h->name, down);
			return true;
		}
		if (h->st == HA_WAITING) {
			snprintf(buf, len, "%s down: waiting for a person to "
			    "confirm it off (ctl fence %s --confirmed-off)",
			    h->name, h->name);
			if (h->fence_error != NULL)
				snprintf(buf, len, "%s down: fencing failed (%s); "
				    "waiting for a person to confirm it off "
				    "(ctl fence %s --confirmed-off)", h->name,
				    h->fence_error, h->name);
			return true;
		}
		if (h->st == HA_FENCING) {
			snprintf(buf, len, "%s down %.0f s: fencing it (its "
			    "agent runs)", h->name, down);
			return true;
		}
		if (nwait > 0 && down < hr->after_s) {
			snprintf(buf, len, "%s down %.0f s: restarts its %zu "
			    "VM%s in %.0f s once fenced", h->name, down, nwait,
			    nwait == 1 ? "" : "s", ceil(hr->after_s - down));
			return true;
		}
	}
	return false;
}

void
controller_ha_reload(struct controller *c)
{
	size_t i, n = 0;

	/* a host no longer in the configuration is no longer watched */
	for (i = 0; i < c->nha; i++) {
		if (model_host_index(c->model, c->ha[i].name) >= 0) {
			c->ha[n++] = c->ha[i];
			continue;
		}
		free(c->ha[i].name);
		free(c->ha[i].fence_error);
		ha_running_free(&c->ha[i]);
		ha_vms_free(&c->ha[i]);
	}
	c->nha = n;
}
