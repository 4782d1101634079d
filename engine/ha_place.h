/*
 * ha_place.h - where a dead host's VMs run again (issue 18,
 * docs/recovery.md).
 *
 * A pure function over the planner's input (plan_build.h): the VMs to
 * restart are on hosts that are down; each is placed on a survivor (up,
 * not in maintenance, not connecting) that has the CPU for its average
 * demand, the memory above its reserve, and that the rules allow: its pin,
 * its affinity group (where the group's members already run, or were
 * placed by this call), its anti-affinity partners. Higher priority is
 * placed first, then by name; among the hosts that fit, the one left with
 * the lowest score (placement.h). A VM that fits nowhere says why, host by
 * host.
 */
#ifndef VMBAL_HA_PLACE_H
#define VMBAL_HA_PLACE_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* One VM to restart: its index in the input. */
struct ha_req {
	int vm;
	long priority;		/* higher first (its ha_priority rule) */
	bool excluded;		/* an exclude rule: vmbal never moves it */
};

/* Where it goes: a host index, or -1 with why ("fits nowhere: h2: not
 * enough memory (4096 MiB needed, 1024 MiB free above its reserve); h3:
 * anti-affinity with db2"). */
struct ha_spot {
	int vm;
	int to;
	char why[400];
};

/* Places the n VMs of reqs; out (n entries) gets them in the order they
 * were placed. 0, or -1 on ENOMEM. */
int ha_place(const struct plan_input *in, const struct ha_req *reqs,
    size_t n, struct ha_spot *out);

#endif
