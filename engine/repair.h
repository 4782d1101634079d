/*
 * repair.h - moves that put the placement right before any balancing:
 * evacuating hosts in maintenance, bringing pinned VMs home, separating
 * anti-affine VMs, joining split affinity groups.
 */
#ifndef VMBAL_REPAIR_H
#define VMBAL_REPAIR_H

#include "placement.h"
#include "plan.h"

/* Appends the repair moves to plan and makes them on p. 0 or -1 (ENOMEM). */
int repair_run(struct placement *p, struct plan *plan);

#endif
