/*
 * sim_probe.h - the probe interface over a simulated cluster.
 */
#ifndef VMBAL_SIM_PROBE_H
#define VMBAL_SIM_PROBE_H

#include "../engine/probe.h"
#include "sim.h"

/* Fills p with a probe reading s (borrowed). 0, or -1 on ENOMEM. */
int sim_probe_init(struct probe *p, struct sim *s);

#endif
