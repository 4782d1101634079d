/*
 * controller.h - the tick that ties probes, model and actions together.
 *
 * The controller owns the model and is its only writer. The front end
 * drives it with the time: controller_next_due() says when something is
 * due, controller_run() does it. Probes run every probe interval; every
 * analysis interval the measures are taken, the state machine advances
 * and a sample is emitted.
 */
#ifndef VMBAL_CONTROLLER_H
#define VMBAL_CONTROLLER_H

#include "action.h"
#include "config.h"
#include "event.h"
#include "model.h"
#include "probe.h"

struct controller;

/* Borrows cfg, probe, action and sink for its lifetime. Caller frees. */
struct controller *controller_new(const struct config *cfg,
    const struct policy *policy, struct probe *probe, struct action *action,
    const struct event_sink *sink);
void controller_free(struct controller *c);
double controller_next_due(const struct controller *c);
/* Does everything due at or before now. */
void controller_run(struct controller *c, double now);
long controller_ticks(const struct controller *c);
const struct model *controller_model(const struct controller *c);
/* Emits the end event. */
void controller_end(struct controller *c, double now);

#endif
