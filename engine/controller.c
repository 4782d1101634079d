/*
 * controller.c - the engine's tick (see controller.h).
 *
 * Due times are kept as integer counts of intervals so that a long run
 * never drifts: probe k is at k * probe_interval_s, analysis k at
 * k * analyse_interval_s. When both fall due together the probe runs
 * first, so the analysis sees the freshest sample.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "imbalance.h"

struct controller {
	const struct config *cfg;
	struct policy policy;
	struct probe *probe;
	struct action *action;
	struct event_sink sink;
	struct model *model;
	struct imbalance imb;
	long probes;		/* probes done: next at probes * interval */
	long ticks;		/* analyses done */
	long migrations;
	long failed;
};

struct controller *
controller_new(const struct config *cfg, const struct policy *policy,
    struct probe *probe, struct action *action, const struct event_sink *sink)
{
	struct controller *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->cfg = cfg;
	c->policy = *policy;
	c->probe = probe;
	c->action = action;
	c->sink = *sink;
	c->model = model_new(cfg);
	if (c->model == NULL) {
		free(c);
		return NULL;
	}
	imbalance_init(&c->imb, 0);
	return c;
}

void
controller_free(struct controller *c)
{
	if (c == NULL)
		return;
	model_free(c->model);
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
	return fmin(controller_probe_due(c), controller_analyse_due(c));
}

static void
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

static void
controller_probe(struct controller *c, double now)
{
	struct snapshot *s;
	struct diag d;
	char msg[900];

	diag_clear(&d);
	s = c->probe->ops->collect(c->probe->impl, now, &d);
	if (s == NULL) {
		diag_format(&d, msg, sizeof msg);
		controller_error(c, now, msg);
		return;
	}
	if (model_apply(c->model, s) != 0)
		controller_error(c, now, "out of memory while applying a sample");
	snapshot_free(s);
}

/* Reports migrations that finished since the last poll. */
static void
controller_poll_actions(struct controller *c, double now)
{
	struct action_result res[16];
	struct event ev;
	size_t n, i;

	if (c->action == NULL)
		return;
	while ((n = c->action->ops->poll(c->action->impl, res, 16)) > 0) {
		for (i = 0; i < n; i++) {
			memset(&ev, 0, sizeof ev);
			ev.type = EV_MIGRATION;
			ev.ts = now;
			ev.u.migration.vm = res[i].vm;
			ev.u.migration.from = res[i].from;
			ev.u.migration.to = res[i].to;
			ev.u.migration.status = res[i].status;
			ev.u.migration.duration_s = res[i].duration_s;
			ev.u.migration.error = res[i].status == MIG_DONE ?
			    NULL : res[i].error;
			if (res[i].status == MIG_DONE)
				c->migrations++;
			else
				c->failed++;
			controller_emit(c, &ev);
		}
		if (n < 16)
			break;
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
}

void
controller_run(struct controller *c, double now)
{
	/* a small tolerance: due times are products of doubles */
	const double eps = 1e-9;

	controller_poll_actions(c, now);
	while (controller_probe_due(c) <= now + eps) {
		controller_probe(c, controller_probe_due(c));
		c->probes++;
	}
	while (controller_analyse_due(c) <= now + eps)
		controller_analyse(c, controller_analyse_due(c));
}

long
controller_ticks(const struct controller *c)
{
	return c->ticks;
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
