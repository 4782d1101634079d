/*
 * planner_exact.h - the exact balance search for small clusters: the
 * fewest migrations that bring the spread to the target, proven.
 */
#ifndef VMBAL_PLANNER_EXACT_H
#define VMBAL_PLANNER_EXACT_H

#include "plan_order.h"

#define EXACT_MAX_UNITS 16
#define EXACT_NODE_LIMIT 300000L
#define EXACT_ORDER_BUDGET 100000L

/*
 * Searches the placements of p's movable units for the best by, in
 * order: the spread clamped at target (reaching the target is all that
 * counts), the fewest migrations, the least estimated copy time (the
 * memory and what the guest dirties meanwhile over the link rate,
 * movecost.h; the least memory when no dirty rate is known), the lowest
 * spread; only placements reached by an order of moves that never raises
 * the spread (plan_order_find) and that leave the CPU spread at most
 * cpu_limit count. Iterative deepening over the number of migrations,
 * from first_cap (a lower bound the caller knows; above the number of
 * movable VMs: the target is out of reach, search everything), so the
 * first depth that reaches the target is the proven minimum.
 *
 * Returns 1 with the ordered steps in out (none: staying is best) and
 * *min_moves the proven fewest; 0 when the cluster is too big or the
 * search ran out of nodes, with *min_moves the depth it proved nothing
 * shorter reaches the target (a lower bound); -1 on ENOMEM.
 */
int planner_exact(const struct placement *p, double target,
    double cpu_limit, long first_cap, struct plan_steps *out,
    long *min_moves);

#endif
