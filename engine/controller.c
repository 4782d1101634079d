/*
 * controller.c - the engine's tick (see controller.h): due times, probes, the
 * analysis, and the order of one run.
 *
 * Due times are kept as integer counts of intervals so that a long run
 * never drifts: probe k is at k * probe_interval_s, analysis k at
 * k * analyse_interval_s. When both fall due together the probe runs
 * first, so the analysis sees the freshest sample. While migrations run
 * the controller also wakes every second to collect their results.
 *
 * The rest of the controller is in files of their own, one job each, all
 * writing the one state in controller_priv.h from this thread:
 * controller_moves.c (carrying out a plan's moves), controller_offer.c
 * (planning and the offer on the table), controller_services.c (health,
 * weights, DNAT), controller_recover.c (restart safety),
 * controller_journal.c, controller_cmd.c and controller_view.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"
#include "availability.h"
#include "imbalance.h"
#include "weights.h"

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
	c->avail_prev = -1;
	if ((c->avail = avail_new()) == NULL ||
	    controller_views_new(c) != 0) {
		controller_free(c);
		return NULL;
	}
	return c;
}

void
controller_free(struct controller *c)
{
	if (c == NULL)
		return;
	controller_views_free(c);
	avail_free(c->avail);
	model_free(c->model);
	exec_moves_free(c->exec, c->nexec);
	exec_moves_free(c->offer, c->noffer);
	free(c->offer_note);
	free(c->last_sig);
	controller_journal_free(c);
	controller_ha_free(c);
	while (c->nwhos > 0)
		free(c->whos[--c->nwhos]);
	free(c->whos);
	free(c);
}

static double
controller_probe_due(const struct controller *c)
{
	return c->probe_t0 + (double)(c->probes - c->probe_k0) *
	    c->policy.probe_interval_s;
}

static double
controller_analyse_due(const struct controller *c)
{
	return c->analyse_t0 + (double)(c->ticks - c->tick_k0 + 1) *
	    c->policy.analyse_interval_s;
}

double
controller_next_due(const struct controller *c)
{
	double next = fmin(controller_probe_due(c), controller_analyse_due(c));

	if (c->running > 0 || controller_ha_busy(c))
		next = fmin(next, floor(c->now + 1e-9) + 1.0);
	/* health changes, domain events and the ha address coming or going
	 * are seen within a tenth of a second */
	if (c->opts.health != NULL || c->probe->ops->changed != NULL ||
	    c->opts.role != NULL)
		next = fmin(next, floor(c->now * 10.0 + 1e-6) / 10.0 + 0.1);
	if (c->dnat_recheck > c->now)
		next = fmin(next, c->dnat_recheck);
	if (controller_slowstart_due(c) > c->now)
		next = fmin(next, controller_slowstart_due(c));
	return next;
}

void
controller_emit(struct controller *c, const struct event *ev)
{
	if (c->sink.emit != NULL)
		c->sink.emit(c->sink.arg, ev);
}

void
controller_error(struct controller *c, double now, const char *msg)
{
	struct event ev = { .type = EV_ERROR, .ts = now };

	ev.u.error.message = msg;
	controller_emit(c, &ev);
}

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

/* The error event for a probe's new warning about a host. */
static void
controller_host_warning(struct controller *c, double now,
    const struct model_host *h)
{
	struct event ev = { .type = EV_ERROR, .ts = now };
	char msg[600];

	snprintf(msg, sizeof msg, "host %.200s: %.390s", h->name, h->warning);
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
	/* a host that goes down is said once, with the probe's words; so
	 * is a new warning of the probe's (a definition not saved) */
	for (i = 0; was != NULL && i < c->model->nhosts; i++) {
		const struct model_host *h = &c->model->hosts[i];

		if (was[i] != HOST_DOWN && h->state == HOST_DOWN)
			controller_host_down(c, now, h);
		if (h->warning_new && h->warning[0] != '\0')
			controller_host_warning(c, now, h);
	}
	free(was);
	controller_avail_note(c, now);
	controller_recover(c, now);	/* restart safety, at the end */
	/* a VM the model knows to be moving stays marked so */
	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING) {
			int v = model_vm_index(c->model, c->exec[i].vm);

			if (v >= 0)
				c->model->vms[v].in_flight = true;
		}
	controller_ha_probe(c, now);	/* dead hosts (controller_ha.c) */
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
controller_analyse(struct controller *c, double now)
{
	struct dnat_service *svcs;
	struct event ev;
	size_t n;
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
	controller_count_connections(c);
	controller_views_sync(c);
	n = c->cfg->nservices;
	svcs = n > 0 ? calloc(n, sizeof *svcs) : NULL;
	if (svcs != NULL && controller_weights(c, svcs) != 0) {
		free(svcs);
		svcs = NULL;
	}
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SAMPLE;
	ev.ts = now;
	ev.u.sample.model = c->model;
	ev.u.sample.imbalanced = c->imb.imbalanced;
	ev.u.sample.standby = c->standby;
	ev.u.sample.services = svcs;
	ev.u.sample.nservices = svcs != NULL ? n : 0;
	ev.u.sample.views = c->views;
	ev.u.sample.checked = c->opts.health != NULL;
	controller_emit(c, &ev);
	if (svcs != NULL)
		weights_free(svcs, n);
	free(svcs);
	c->ticks++;
	controller_plan_tick(c, now);
}

void
controller_run(struct controller *c, double now)
{
	/* a small tolerance: due times are products of doubles */
	const double eps = 1e-9;

	c->now = now;
	controller_restore(c, now);
	controller_role_update(c, now);
	controller_poll_health(c, now);
	controller_refresh(c, now);
	controller_poll_actions(c, now);
	controller_ha_poll(c, now);
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
	controller_forget(c, now);
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
