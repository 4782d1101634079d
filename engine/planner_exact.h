/*
 * planner_exact.h - exact search for small clusters: the placement of the
 * movable units with the lowest score spread and, among those, the fewest
 * migrations and the least memory to copy.
 */
#ifndef VMBAL_PLANNER_EXACT_H
#define VMBAL_PLANNER_EXACT_H

#include "placement.h"

#define EXACT_MAX_UNITS 16
#define EXACT_NODE_LIMIT 300000L

/* Asked of every placement that would become the best so far: can it
 * be reached (target per VM)? Only placements it accepts are kept. */
typedef bool (*exact_accept_fn)(void *arg, const int *target);

/*
 * Fills target[v] (per VM) with the best placement found from p that
 * accept (when not NULL) agrees to. Returns 0 when the search completed,
 * -1 when the instance is too big for it (more than EXACT_MAX_UNITS
 * movable units, or the node limit was reached) or memory ran out; target
 * is then unspecified.
 */
int planner_exact(const struct placement *p, int *target,
    exact_accept_fn accept, void *arg);

#endif
