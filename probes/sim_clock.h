/*
 * sim_clock.h - the clock of a simulated run.
 */
#ifndef VMBAL_SIM_CLOCK_H
#define VMBAL_SIM_CLOCK_H

#include <stdbool.h>

#include "../engine/clock.h"
#include "sim.h"

/* fast: simulated time runs as fast as the CPU allows; else in step
 * with the wall clock. 0, or -1 on ENOMEM. */
int sim_clock_init(struct clock *c, struct sim *s, bool fast);

#endif
