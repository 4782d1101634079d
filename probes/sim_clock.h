/*
 * sim_clock.h - the clock of a simulated run.
 */
#ifndef VMBAL_SIM_CLOCK_H
#define VMBAL_SIM_CLOCK_H

#include <stdbool.h>

#include "../engine/clock.h"
#include "sim.h"

/* fast: simulated time runs as fast as the CPU allows; else speed
 * simulated seconds pass per wall-clock second (1: in step with it).
 * 0, or -1 on ENOMEM. */
int sim_clock_init(struct clock *c, struct sim *s, bool fast, double speed);

#endif
