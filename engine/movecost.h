/*
 * movecost.h - what a live migration costs: the time its memory takes to
 * copy over the link, counting what the guest dirties meanwhile.
 *
 * Pure arithmetic on the planner's input (no I/O, no clock): the link
 * rate and the VMs' dirty rates arrive in struct plan_input (built by
 * plan_build.c from the model).
 */
#ifndef VMBAL_MOVECOST_H
#define VMBAL_MOVECOST_H

#include <stdbool.h>

#include "plan.h"

/* The link rate assumed when no migration has been measured and no
 * live_migration.bandwidth_mibps cap is set: about 1 Gbit/s. */
#define MOVECOST_DEFAULT_MIBPS 100.0
/* The cost of a copy that may not converge (the guest dirties memory as
 * fast as the link sends it): far above any copy that does. */
#define MOVECOST_NEVER 1e9

/*
 * Seconds to copy mem_mib at rate_mibps while the guest dirties
 * dirty_mibps (< 0: unknown, counted as 0): pre-copy sends the memory,
 * then what was dirtied meanwhile, and so on, which sums to
 * mem / (rate - dirty). With dirty >= rate it may not converge:
 * MOVECOST_NEVER, unless auto_converge, which throttles the guest's
 * vCPUs until it does; the estimate then counts the guest as dirtying at
 * most half the rate. A rate <= 0 counts as MOVECOST_DEFAULT_MIBPS.
 */
double movecost_copy_s(long mem_mib, double dirty_mibps, double rate_mibps,
    bool auto_converge);
/* movecost_copy_s for VM v of in, at in's link rate. */
double movecost_vm(const struct plan_input *in, int v);
/* Does the estimate say "may not converge"? */
bool movecost_never(double est_s);

#endif
