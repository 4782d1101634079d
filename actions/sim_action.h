/*
 * sim_action.h - the action interface over a simulated cluster.
 */
#ifndef VMBAL_SIM_ACTION_H
#define VMBAL_SIM_ACTION_H

#include "../engine/action.h"
#include "../probes/sim.h"

/* Fills a with actions on s (borrowed). */
void sim_action_init(struct action *a, struct sim *s);

#endif
