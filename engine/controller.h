/*
 * controller.h - the tick that ties probes, model, planner and actions.
 *
 * The controller owns the model and is its only writer. The front end
 * drives it with the time: controller_next_due() says when something is
 * due, controller_run() does it. Probes run every probe interval; every
 * analysis interval the measures are taken, the state machine advances, a
 * sample is emitted and, unless observing, the planner runs. In manual
 * mode a plan waits for controller_confirm(); in auto mode it is carried
 * out at once, in order, at most max_concurrent_migrations at a time.
 */
#ifndef VMBAL_CONTROLLER_H
#define VMBAL_CONTROLLER_H

#include <stdbool.h>

#include "action.h"
#include "config.h"
#include "event.h"
#include "health.h"
#include "journal.h"
#include "dnat.h"
#include "model.h"
#include "probe.h"

struct controller;

struct controller_opts {
	bool dry_run;	/* never act; say what would be done */
	struct health_source *health;	/* backend checks, or NULL */
	struct journal *journal;	/* where actions are recorded, or NULL */
	struct dnat *dnat;		/* service rules, or NULL */
};

/* Borrows cfg, probe, action and sink for its lifetime. Caller frees. */
struct controller *controller_new(const struct config *cfg,
    const struct policy *policy, struct probe *probe, struct action *action,
    const struct event_sink *sink, const struct controller_opts *opts);
void controller_free(struct controller *c);
double controller_next_due(const struct controller *c);
/* Does everything due at or before now. */
void controller_run(struct controller *c, double now);
long controller_ticks(const struct controller *c);
long controller_probes(const struct controller *c);
const struct model *controller_model(const struct controller *c);
/* Migrations started and not yet finished. */
int controller_in_flight(const struct controller *c);

struct flight {
	char vm[256], from[256], to[256];
	double elapsed_s;	/* since it started */
	double progress;	/* 0..1, or -1 when the action cannot tell */
};

/* Fills up to max migrations in flight, for the console; returns how many. */
size_t controller_flights(const struct controller *c, double now,
    struct flight *out, size_t max);
/* Manual mode: carry out move i of the pending plan, or all (-1). */
int controller_confirm(struct controller *c, long move, double now);
/* Plans once from the current averages and emits the plan; never acts. */
int controller_plan_once(struct controller *c, double now);
/* Emits the end event. */
void controller_end(struct controller *c, double now);

#endif
