/*
 * headless.h - the front end without a terminal: drives the controller
 * with the clock and writes every event as a JSON line on stdout.
 */
#ifndef VMBAL_HEADLESS_H
#define VMBAL_HEADLESS_H

#include "../engine/action.h"
#include "../engine/clock.h"
#include "../engine/config.h"
#include "../engine/health.h"
#include "../engine/journal.h"
#include "../engine/dnat.h"
#include "../engine/probe.h"
#include "options.h"

/* Runs until --duration, --ticks or a signal; returns an exit status. */
int headless_run(const struct options *o, const struct config *cfg,
    const struct policy *policy, struct probe *probe, struct action *action,
    struct clock *clk, struct health_source *health, struct journal *journal,
    struct dnat *dnat);

#endif
