/*
 * controller.c - the engine's tick (see controller.h).
 *
 * Due times are kept as integer counts of intervals so that a long run
 * never drifts: probe k is at k * probe_interval_s, analysis k at
 * k * analyse_interval_s. When both fall due together the probe runs
 * first, so the analysis sees the freshest sample. While migrations run
 * the controller also wakes every second to collect their results.
 *
 * A plan is carried out in its order: a move waits for every earlier move
 * out of its destination (it needs the room they free) and for earlier
 * moves of the same VM. When a move fails, the moves not yet started are
 * dropped: the plan was predicted with it. After a plan has finished, the
 * controller plans again only once hold_s has passed and fresh samples
 * have come in, so it never acts on averages its own moves have not yet
 * reached.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"
#include "imbalance.h"
#include "plan_build.h"
#include "plan_check.h"
#include "weights.h"

/* The rules in force are compared with what vmbal applied this often, and
 * restored when someone changed them (docs/dnat.md, "Drift"). */
#define DNAT_RECHECK_S 5.0

static int
controller_views_new(struct controller *c)
{
	size_t i, j, n = c->cfg->nservices;

	c->views = calloc(n + 1, sizeof *c->views);
	c->dnat_sig = calloc(n + 1, sizeof *c->dnat_sig);
	if (c->views == NULL || c->dnat_sig == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		c->views[i] = calloc(c->cfg->services[i].nbackends + 1,
		    sizeof **c->views);
		if (c->views[i] == NULL)
			return -1;
		for (j = 0; j < c->cfg->services[i].nbackends; j++) {
			c->views[i][j].latency_ms = -1;
			c->views[i][j].conns = -1;
		}
	}
	c->dnat_dirty = true;
	return 0;
}

struct controller *
controller_new(const struct config *cfg, const struct policy *policy,
    struct probe *probe, struct action *action, const struct event_sink *sink,
    const struct controller_opts *opts)
{
	struct controller *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->cfg = cfg;
	c->policy = *policy;
	if (opts != NULL)
		c->opts = *opts;
	c->probe = probe;
	c->action = action;
	c->sink = *sink;
	c->model = model_new(cfg);
	if (c->model == NULL) {
		free(c);
		return NULL;
	}
	imbalance_init(&c->imb, 0);
	c->settle_probe = -1;
	if (controller_views_new(c) != 0) {
		controller_free(c);
		return NULL;
	}
	return c;
}

void
controller_free(struct controller *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->views != NULL && i < c->cfg->nservices; i++)
		free(c->views[i]);
	for (i = 0; c->dnat_sig != NULL && i < c->cfg->nservices; i++)
		free(c->dnat_sig[i]);
	free(c->views);
	free(c->dnat_sig);
	model_free(c->model);
	exec_moves_free(c->exec, c->nexec);
	exec_moves_free(c->offer, c->noffer);
	free(c->offer_note);
	free(c->last_sig);
	controller_journal_free(c);
	free(c);
}


static double
controller_probe_due(const struct controller *c)
{
	return (double)c->probes * c->policy.probe_interval_s;
}

static double
controller_analyse_due(const struct controller *c)
{
	return (double)(c->ticks + 1) * c->policy.analyse_interval_s;
}

double
controller_next_due(const struct controller *c)
{
	double next = fmin(controller_probe_due(c), controller_analyse_due(c));

	if (c->running > 0)
		next = fmin(next, floor(c->now + 1e-9) + 1.0);
	/* health changes and domain events are seen within a tenth of a
	 * second */
	if (c->opts.health != NULL || c->probe->ops->changed != NULL)
		next = fmin(next, floor(c->now * 10.0 + 1e-6) / 10.0 + 0.1);
	if (c->dnat_recheck > c->now)
		next = fmin(next, c->dnat_recheck);
	return next;
}

void
controller_emit(struct controller *c, const struct event *ev)
{
	if (c->sink.emit != NULL)
		c->sink.emit(c->sink.arg, ev);
}

static void
controller_error(struct controller *c, double now, const char *msg)
{
	struct event ev = { .type = EV_ERROR, .ts = now };

	ev.u.error.message = msg;
	controller_emit(c, &ev);
}

static void controller_recover(struct controller *c, double now);
static bool controller_dnat_wait(const struct controller *c, double now);

/* The error event for a host that went down: why, as the probe said. */
static void
controller_host_down(struct controller *c, double now,
    const struct model_host *h)
{
	struct event ev = { .type = EV_ERROR, .ts = now };
	char msg[600];

	snprintf(msg, sizeof msg, "host %.200s is down: %s", h->name,
	    h->error[0] != '\0' ? h->error : "no answer");
	ev.u.error.message = msg;
	ev.u.error.host = h->name;
	controller_emit(c, &ev);
}

static void
controller_probe(struct controller *c, double now)
{
	struct snapshot *s;
	struct diag d;
	char msg[900];
	enum host_state *was;
	size_t i;

	diag_clear(&d);
	s = c->probe->ops->collect(c->probe->impl, now, &d);
	if (s == NULL) {
		diag_format(&d, msg, sizeof msg);
		controller_error(c, now, msg);
		return;
	}
	was = calloc(c->model->nhosts + 1, sizeof *was);
	for (i = 0; was != NULL && i < c->model->nhosts; i++)
		was[i] = c->model->hosts[i].state;
	if (model_apply(c->model, s) != 0)
		controller_error(c, now, "out of memory while applying a sample");
	snapshot_free(s);
	/* a host that goes down is said once, with the probe's words */
	for (i = 0; was != NULL && i < c->model->nhosts; i++)
		if (was[i] != HOST_DOWN &&
		    c->model->hosts[i].state == HOST_DOWN)
			controller_host_down(c, now, &c->model->hosts[i]);
	free(was);
	controller_recover(c, now);	/* restart safety, at the end */
	/* a VM the model knows to be moving stays marked so */
	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING) {
			int v = model_vm_index(c->model, c->exec[i].vm);

			if (v >= 0)
				c->model->vms[v].in_flight = true;
		}
}

/* Between ticks: a domain started, stopped or arrived: show it now. */
static void
controller_refresh(struct controller *c, double now)
{
	struct snapshot *s;
	struct diag d;

	if (c->probe->ops->changed == NULL ||
	    !c->probe->ops->changed(c->probe->impl) ||
	    controller_probe_due(c) <= now + 1e-9)
		return;
	diag_clear(&d);
	s = c->probe->ops->collect(c->probe->impl, now, &d);
	if (s == NULL)
		return;
	model_apply_placement(c->model, s);
	snapshot_free(s);
}

static void
controller_emit_migration(struct controller *c, double now, const char *vm,
    const char *from, const char *to, enum mig_status st, double dur,
    const char *error, const struct mig_stats *stats)
{
	struct event ev;

	memset(&ev, 0, sizeof ev);
	ev.type = EV_MIGRATION;
	ev.ts = now;
	ev.u.migration.vm = vm;
	ev.u.migration.from = from;
	ev.u.migration.to = to;
	ev.u.migration.status = st;
	ev.u.migration.duration_s = dur;
	ev.u.migration.error = error;
	if (stats != NULL)
		ev.u.migration.stats = *stats;
	else
		mig_stats_none(&ev.u.migration.stats);
	controller_emit(c, &ev);
}

static void
controller_vm_moved(struct controller *c, const char *vm, const char *to,
    bool done, double now)
{
	int v = model_vm_index(c->model, vm), h;

	if (v < 0)
		return;
	c->model->vms[v].in_flight = false;
	c->model->vms[v].moved_at = now;
	c->dnat_dirty = true;
	if (done && (h = model_host_index(c->model, to)) >= 0) {
		c->model->vms[v].host = h;
		c->model->vms[v].state = VM_RUNNING;
	}
}

static void
controller_cancel_pending(struct controller *c)
{
	size_t i;

	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_PENDING)
			c->exec[i].st = EX_CANCELLED;
}

/* Starts every confirmed move whose predecessors are done, up to the cap. */
void
controller_start_ready(struct controller *c, double now)
{
	struct diag d;
	size_t i, j;

	/* nothing starts while the journal cannot be written (see
	 * controller_journal.c) */
	if (!controller_journal_ready(c, now) || c->paused)
		return;
	for (i = 0; i < c->nexec; i++) {
		struct exec_move *e = &c->exec[i];
		bool blocked = false;
		int v;

		if (c->running >= c->policy.max_concurrent_migrations)
			return;
		if (e->st != EX_PENDING || !e->confirmed)
			continue;
		for (j = 0; j < i; j++) {
			struct exec_move *f = &c->exec[j];

			if ((strcmp(f->from, e->to) == 0 ||
			    strcmp(f->vm, e->vm) == 0) &&
			    (f->st == EX_PENDING || f->st == EX_RUNNING))
				blocked = true;
		}
		if (blocked)
			continue;
		v = model_vm_index(c->model, e->vm);
		if (v < 0 || c->model->vms[v].host < 0 ||
		    strcmp(c->model->hosts[c->model->vms[v].host].name,
		    e->from) != 0) {
			e->st = EX_CANCELLED;	/* the world moved on */
			continue;
		}
		/* a backend on this VM stops taking new connections first,
		 * before the intent is written: whoever reads the journal
		 * knows no connection begun after the intent reached it */
		c->model->vms[v].in_flight = true;
		c->dnat_dirty = true;
		controller_dnat(c, now);
		/* nothing is done that the journal does not hold first: the
		 * move waits (pending, its backends served again) until its
		 * intent is written */
		if (controller_journal_intent(c, now, e) != 0) {
			c->model->vms[v].in_flight = false;
			c->dnat_dirty = true;
			controller_dnat(c, now);
			return;
		}
		diag_clear(&d);
		if (c->action->ops->migrate(c->action->impl,
		    e->vm, e->from, e->to, &d) != 0) {
			e->st = EX_FAILED;
			c->failed++;
			controller_vm_moved(c, e->vm, e->to, false, now);
			controller_emit_migration(c, now, e->vm, e->from, e->to,
			    MIG_FAILED, 0, d.msg, NULL);
			controller_journal_outcome(c, now, e, MIG_FAILED, 0,
			    d.msg, NULL);
			controller_cancel_pending(c);
			return;
		}
		e->st = EX_RUNNING;
		e->started = now;
		c->running++;
		c->model->vms[v].in_flight = true;
		controller_emit_migration(c, now, e->vm, e->from, e->to,
		    MIG_STARTED, 0, NULL, NULL);
	}
}

static struct exec_move *
controller_exec_find(struct controller *c, const char *vm)
{
	size_t i;

	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING && strcmp(c->exec[i].vm, vm) == 0)
			return &c->exec[i];
	return NULL;
}

/* Has the plan in hand finished (nothing running, nothing confirmed left)? */
static void
controller_plan_settle(struct controller *c, double now)
{
	size_t i;

	if (c->nexec == 0)
		return;
	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING ||
		    (c->exec[i].st == EX_PENDING && c->exec[i].confirmed))
			return;
	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st != EX_PENDING)
			break;
	if (i == c->nexec)
		return;		/* an offer nobody took up yet */
	exec_moves_free(c->exec, c->nexec);
	c->exec = NULL;
	c->nexec = 0;
	free(c->last_sig);
	c->last_sig = NULL;
	c->settle_until = now + c->policy.hold_s;
	c->settle_probe = c->probes;
}

static void
controller_poll_actions(struct controller *c, double now)
{
	struct action_result res[16];
	struct exec_move *e;
	size_t n, i;

	if (c->action == NULL)
		return;
	while ((n = c->action->ops->poll(c->action->impl, res, 16)) > 0) {
		for (i = 0; i < n; i++) {
			bool done = res[i].status == MIG_DONE;

			e = controller_exec_find(c, res[i].vm);
			if (e != NULL) {
				e->st = done ? EX_DONE : EX_FAILED;
				c->running--;
				controller_journal_outcome(c, now, e,
				    res[i].status, res[i].duration_s,
				    done ? NULL : res[i].error,
				    done ? &res[i].stats : NULL);
			}
			if (done) {
				c->migrations++;
				/* the link rate the next plans count on */
				model_note_rate(c->model,
				    res[i].stats.rate_mibps);
			} else {
				c->failed++;
				controller_cancel_pending(c);
			}
			controller_vm_moved(c, res[i].vm, res[i].to, done, now);
			controller_emit_migration(c, now, res[i].vm,
			    res[i].from, res[i].to, res[i].status,
			    res[i].duration_s, done ? NULL : res[i].error,
			    done ? &res[i].stats : NULL);
			action_result_clear(&res[i]);
		}
		if (n < 16)
			break;
	}
	/* past migration_timeout_s: abort */
	for (i = 0; i < c->nexec; i++) {
		struct diag d;

		e = &c->exec[i];
		if (e->st == EX_RUNNING &&
		    now - e->started > c->policy.migration_timeout_s)
			c->action->ops->abort(c->action->impl, e->vm, &d);
	}
}

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

int
exec_move_set(struct exec_move *e, const char *vm, const char *from,
    const char *to, const char *reason)
{
	e->vm = strdup(vm);
	e->from = strdup(from);
	e->to = strdup(to);
	e->reason = reason != NULL ? strdup(reason) : NULL;
	if (e->vm == NULL || e->from == NULL || e->to == NULL ||
	    (reason != NULL && e->reason == NULL)) {
		exec_move_clear(e);
		return -1;
	}
	return 0;
}

void
exec_move_clear(struct exec_move *e)
{
	free(e->vm);
	free(e->from);
	free(e->to);
	free(e->reason);
	e->vm = e->from = e->to = e->reason = NULL;
}

void
exec_moves_free(struct exec_move *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		exec_move_clear(&v[i]);
	free(v);
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

static void
controller_plan_tick(struct controller *c, double now)
{
	struct plan_input *in;
	struct plan *p;
	char *sig, why[600] = "";

	if (c->hold_offer && c->nexec > 0)
		return;		/* the operator is deciding on this one */
	if (c->policy.mode == MODE_OBSERVE || c->paused || controller_busy(c) ||
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

/* The open connections of every backend, once per analysis tick: the
 * weights of least-connections services, and the console's view. */
static void
controller_count_connections(struct controller *c)
{
	const struct health_ops *ops;
	size_t i, j;
	long n;

	if (c->opts.health == NULL ||
	    (ops = c->opts.health->ops)->connections == NULL)
		return;
	for (i = 0; i < c->cfg->nservices; i++) {
		bool weighs = c->cfg->services[i].algorithm ==
		    ALGO_LEAST_CONNECTIONS;

		for (j = 0; j < c->cfg->services[i].nbackends; j++) {
			n = ops->connections(c->opts.health->impl, i, j);
			if (n != c->views[i][j].conns) {
				c->views[i][j].conns = n;
				/* only least-connections weighs them */
				c->dnat_dirty = c->dnat_dirty || weighs;
			}
		}
	}
}

static void
controller_analyse(struct controller *c, double now)
{
	struct event ev;
	bool was;

	model_measure(c->model);
	was = c->imb.imbalanced;
	if (imbalance_update(&c->imb, now, c->model->spread,
	    c->policy.threshold_pct, c->policy.hold_s)) {
		memset(&ev, 0, sizeof ev);
		ev.type = EV_IMBALANCE;
		ev.ts = now;
		ev.u.imbalance.from = was;
		ev.u.imbalance.to = c->imb.imbalanced;
		ev.u.imbalance.spread = c->model->spread;
		controller_emit(c, &ev);
	}
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SAMPLE;
	ev.ts = now;
	ev.u.sample.model = c->model;
	ev.u.sample.imbalanced = c->imb.imbalanced;
	controller_emit(c, &ev);
	c->ticks++;
	controller_count_connections(c);
	controller_plan_tick(c, now);
}

static void
controller_view_health(struct controller *c, const struct health_change *ch)
{
	struct backend_view *v = &c->views[ch->service][ch->backend];

	v->health = ch->up ? BH_UP : BH_DOWN;
	if (ch->up)
		v->latency_ms = ch->latency_ms;
	c->dnat_dirty = true;
}

static char *
controller_dnat_sig(const struct dnat_service *d)
{
	size_t i, len = 16;
	char *s;

	for (i = 0; i < d->nbackends; i++)
		len += strlen(d->backends[i].address) + 32;
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (i = 0; i < d->nbackends; i++)
		snprintf(s + strlen(s), len - strlen(s), "%s:%ld=%ld%c;",
		    d->backends[i].address, d->backends[i].port,
		    d->backends[i].weight, d->backends[i].up ? '+' : '-');
	return s;
}

/*
 * Programs the services' rules when what they should be has changed
 * (health, a migration starting or ending, the start of the run): one
 * apply for all services, one dnat event per service that changed.
 * Every DNAT_RECHECK_S it also re-applies the unchanged state: the
 * programmer compares it with the kernel's, and when it had to write
 * (someone flushed or edited the chains) every service gets a dnat event
 * that says it was repaired.
 */
void
controller_views_sync(struct controller *c)
{
	size_t i, j;

	for (i = 0; i < c->cfg->nservices; i++)
		for (j = 0; j < c->cfg->services[i].nbackends; j++) {
			const char *vm = c->cfg->services[i].backends[j].vm;
			int v = vm != NULL ? model_vm_index(c->model, vm) : -1;

			c->views[i][j].vm_migrating = v >= 0 &&
			    c->model->vms[v].in_flight;
		}
}

void
controller_dnat(struct controller *c, double now)
{
	size_t n = c->cfg->nservices, i;
	struct dnat_service *svcs;
	bool changed = false, any = false, ok = true, recheck, repaired;
	char **sigs;
	struct diag d;
	struct event ev;

	if (c->opts.dnat == NULL || n == 0 || c->policy.mode == MODE_OBSERVE)
		return;		/* observing never touches the rules */
	recheck = !c->opts.dry_run && c->dnat_recheck > 0 &&
	    now + 1e-9 >= c->dnat_recheck;
	if (!c->dnat_dirty && !recheck)
		return;
	if (controller_dnat_wait(c, now))
		return;		/* starting: the rules in force stay a moment */
	c->dnat_dirty = false;
	controller_views_sync(c);
	svcs = calloc(n + 1, sizeof *svcs);
	sigs = calloc(n + 1, sizeof *sigs);
	if (svcs == NULL || sigs == NULL ||
	    weights_compute(c->cfg, c->views, c->opts.health != NULL, svcs) != 0) {
		free(svcs);
		free(sigs);
		controller_error(c, now, "out of memory while computing weights");
		return;
	}
	for (i = 0; i < n; i++) {
		sigs[i] = controller_dnat_sig(&svcs[i]);
		if (sigs[i] == NULL || c->dnat_sig[i] == NULL ||
		    strcmp(sigs[i], c->dnat_sig[i]) != 0)
			any = true;
	}
	diag_clear(&d);
	if ((any || recheck) && !c->opts.dry_run) {
		ok = c->opts.dnat->ops->apply(c->opts.dnat->impl, svcs, n,
		    &changed, &d) == 0;
		c->dnat_recheck = now + DNAT_RECHECK_S;
	}
	/* nothing should have changed, yet the programmer wrote: drift */
	repaired = ok && changed && !any;
	for (i = 0; (any || repaired || !ok) && i < n; i++) {
		bool differs = sigs[i] == NULL || c->dnat_sig[i] == NULL ||
		    strcmp(sigs[i], c->dnat_sig[i]) != 0;

		if (!differs && ok && !repaired)
			continue;
		memset(&ev, 0, sizeof ev);
		ev.type = EV_DNAT;
		ev.ts = now;
		ev.u.dnat.svc = &svcs[i];
		ev.u.dnat.applied = ok;
		ev.u.dnat.dry_run = c->opts.dry_run;
		ev.u.dnat.error = ok ? NULL : d.msg;
		ev.u.dnat.repaired = repaired;
		ev.u.dnat.message = repaired ?
		    "rules restored: they had been changed outside vmbal" : NULL;
		controller_emit(c, &ev);
		if (ok) {
			free(c->dnat_sig[i]);
			c->dnat_sig[i] = sigs[i];
			sigs[i] = NULL;
		}
	}
	if (!ok)
		c->dnat_dirty = true;	/* try again at the next run */
	for (i = 0; i < n; i++)
		free(sigs[i]);
	free(sigs);
	weights_free(svcs, n);
	free(svcs);
}

static void
controller_poll_health(struct controller *c, double now)
{
	struct health_change ch[16];
	struct event ev;
	size_t n, i;

	if (c->opts.health == NULL)
		return;
	while ((n = c->opts.health->ops->poll(c->opts.health->impl, ch, 16)) >
	    0) {
		for (i = 0; i < n; i++) {
			const struct service_conf *s;
			char *backend;

			if (ch[i].service >= c->cfg->nservices ||
			    ch[i].backend >=
			    c->cfg->services[ch[i].service].nbackends)
				continue;	/* not one of ours */
			s = &c->cfg->services[ch[i].service];
			if (asprintf(&backend, "%s:%ld",
			    s->backends[ch[i].backend].address,
			    s->backends[ch[i].backend].port) < 0)
				backend = NULL;
			memset(&ev, 0, sizeof ev);
			ev.type = EV_HEALTH;
			ev.ts = now;
			ev.u.health.service = s->name;
			ev.u.health.backend = backend != NULL ? backend : "?";
			ev.u.health.up = ch[i].up;
			ev.u.health.latency_ms = ch[i].latency_ms;
			ev.u.health.error = ch[i].up ? NULL : ch[i].error;
			controller_emit(c, &ev);
			free(backend);
			controller_view_health(c, &ch[i]);
		}
		if (n < 16)
			break;
	}
}

void
controller_run(struct controller *c, double now)
{
	/* a small tolerance: due times are products of doubles */
	const double eps = 1e-9;

	c->now = now;
	controller_poll_health(c, now);
	controller_refresh(c, now);
	controller_poll_actions(c, now);
	controller_start_ready(c, now);
	controller_plan_settle(c, now);
	while (controller_probe_due(c) <= now + eps) {
		controller_probe(c, controller_probe_due(c));
		c->probes++;
	}
	while (controller_analyse_due(c) <= now + eps)
		controller_analyse(c, controller_analyse_due(c));
	controller_dnat(c, now);
	controller_views_sync(c);
}

long
controller_ticks(const struct controller *c)
{
	return c->ticks;
}

long
controller_probes(const struct controller *c)
{
	return c->probes;
}

int
controller_in_flight(const struct controller *c)
{
	return c->running;
}

size_t
controller_flights(const struct controller *c, double now, struct flight *out,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < c->nexec && n < max; i++) {
		const struct exec_move *e = &c->exec[i];

		if (e->st != EX_RUNNING)
			continue;
		out[n].vm = e->vm;
		out[n].from = e->from;
		out[n].to = e->to;
		out[n].elapsed_s = now - e->started;
		out[n].progress = c->action->ops->progress != NULL ?
		    c->action->ops->progress(c->action->impl, e->vm) : -1;
		n++;
	}
	return n;
}

const struct model *
controller_model(const struct controller *c)
{
	return c->model;
}

void
controller_end(struct controller *c, double now)
{
	struct event ev = { .type = EV_END, .ts = now };

	model_measure(c->model);
	ev.u.end.migrations = c->migrations;
	ev.u.end.failed = c->failed;
	ev.u.end.spread = c->model->spread;
	controller_emit(c, &ev);
}

/*
 * Restart safety. A vmbal that starts again after it died reads its
 * journal (the journal's past, see journal.h) and, probe by probe:
 *
 * - settles every move left open (an intent without an outcome: it died
 *   while the migration ran) once the probe shows where the VM is: done
 *   when it runs on the destination, failed when anywhere else; while
 *   libvirt still shows the migration running it waits, with the VM in
 *   flight (never planned, its backends drained). The outcome is a
 *   migration event and a journal record by "recovery"; a done one
 *   carries the figures libvirt kept of the job on the destination
 *   (snap_vm's arrival), waited for up to RECOVER_LOOKS probes, as the
 *   hypervisor sets them just after the guest resumes;
 * - keeps each VM that moved less than vm_cooldown_s ago (wall clock, as
 *   the journal says) cooling down for the rest of that time. The model
 *   counts time from this run's start, so such a VM is marked as moved at
 *   0 and unmarked at the first probe after its cooldown has run out.
 *
 * And until every backend's health is known, and every open move's VM
 * has been seen (each bounded in time), the services' rules are left as
 * the previous run left them: a run that starts does not first take every
 * backend out of rotation because it has not yet checked any.
 */
static struct journal_past *
controller_past(const struct controller *c)
{
	const struct journal *j = c->opts.journal;

	if (j == NULL || j->ops->past == NULL)
		return NULL;
	return j->ops->past(j->impl);
}

#define RECOVER_LOOKS 3		/* probes that show an arrived VM without
				 * its migration's figures before it is
				 * settled done without them */

static void
controller_recover_open(struct controller *c, struct journal_past_move *m,
    int v, double now)
{
	struct exec_move e;
	struct model_vm *vm;
	const char *at;
	char *why;
	bool done;

	if (v < 0)
		return;		/* not seen yet */
	vm = &c->model->vms[v];
	if (vm->state == VM_MIGRATING || vm->state == VM_UNKNOWN ||
	    vm->host < 0) {
		/* still moving, or its host is out of reach: wait, and keep
		 * it in flight meanwhile */
		if (!vm->in_flight)
			c->dnat_dirty = true;
		vm->in_flight = true;
		return;
	}
	at = c->model->hosts[vm->host].name;
	done = strcmp(at, m->to) == 0;
	if (done && vm->arrival.downtime_ms < 0 && ++m->looks < RECOVER_LOOKS) {
		/* its figures may come with the next probe: wait, in
		 * flight as above */
		if (!vm->in_flight)
			c->dnat_dirty = true;
		vm->in_flight = true;
		return;
	}
	memset(&e, 0, sizeof e);
	if (asprintf(&why,
	    "vmbal stopped while this migration ran; %s was found on %s", m->vm,
	    at) < 0)
		why = NULL;
	if (why == NULL || exec_move_set(&e, m->vm, m->from, m->to, NULL) != 0) {
		free(why);
		controller_error(c, now, "out of memory while recovering a migration");
		return;		/* tried again at the next probe */
	}
	e.who = "recovery";
	m->settled = true;
	if (done)
		c->migrations++;
	else
		c->failed++;
	controller_vm_moved(c, m->vm, m->to, done, now);
	controller_emit_migration(c, now, m->vm, m->from, m->to,
	    done ? MIG_DONE : MIG_FAILED, m->age_s + now, done ? NULL : why,
	    done ? &vm->arrival : NULL);
	controller_journal_outcome(c, now, &e, done ? MIG_DONE : MIG_FAILED,
	    m->age_s + now, done ? NULL : why, done ? &vm->arrival : NULL);
	exec_move_clear(&e);
	free(why);
}

static void
controller_recover_cooling(struct controller *c, struct journal_past_move *m,
    int v, double now)
{
	struct model_vm *vm = v >= 0 ? &c->model->vms[v] : NULL;
	bool ours = vm != NULL && m->set_at >= 0 && vm->moved_at == m->set_at;

	if (now >= c->policy.vm_cooldown_s - m->age_s) {
		if (ours)
			vm->moved_at = -1;	/* its cooldown ran out */
		m->settled = true;
		return;
	}
	if (vm != NULL && vm->moved_at < 0 && !vm->in_flight) {
		vm->moved_at = 0;
		m->set_at = 0;
	}
}

static void
controller_recover(struct controller *c, double now)
{
	struct journal_past *past = controller_past(c);
	size_t i;

	for (i = 0; past != NULL && i < past->nmoves; i++) {
		struct journal_past_move *m = &past->moves[i];
		int v;

		if (m->settled)
			continue;
		v = model_vm_index(c->model, m->vm);
		if (m->open)
			controller_recover_open(c, m, v, now);
		else
			controller_recover_cooling(c, m, v, now);
	}
}

/* Is a move of this run starting or running (its backends must be
 * drained at once)? */
static bool
controller_moving(const struct controller *c)
{
	size_t i;

	for (i = 0; i < c->nexec; i++) {
		int v = model_vm_index(c->model, c->exec[i].vm);

		if (c->exec[i].st == EX_RUNNING || (c->exec[i].st == EX_PENDING &&
		    v >= 0 && c->model->vms[v].in_flight))
			return true;
	}
	return false;
}

static bool
controller_dnat_wait(const struct controller *c, double now)
{
	struct journal_past *past = controller_past(c);
	double limit;
	size_t i, j;

	if (controller_moving(c))
		return false;
	/* health: a new backend is up on its first pass, down after fall
	 * failures; wait that long at most */
	for (i = 0; c->opts.health != NULL && i < c->cfg->nservices; i++) {
		const struct health_conf *h = &c->cfg->services[i].health;
		double t = (double)((h->fall > h->rise ? h->fall : h->rise) *
		    h->interval_ms + h->timeout_ms) / 1000.0 + 1.0;

		for (j = 0; j < c->cfg->services[i].nbackends; j++)
			if (c->views[i][j].health == BH_UNKNOWN && now < t)
				return true;
	}
	/* an open move's VM not seen yet: its backends must stay drained */
	limit = fmax(10.0, 3.0 * c->policy.probe_interval_s);
	for (i = 0; past != NULL && now < limit && i < past->nmoves; i++)
		if (past->moves[i].open && !past->moves[i].settled &&
		    model_vm_index(c->model, past->moves[i].vm) < 0)
			for (j = 0; j < c->cfg->nservices; j++) {
				const struct service_conf *s =
				    &c->cfg->services[j];
				size_t k;

				for (k = 0; k < s->nbackends; k++)
					if (s->backends[k].vm != NULL &&
					    strcmp(s->backends[k].vm,
					    past->moves[i].vm) == 0)
						return true;
			}
	return false;
}
