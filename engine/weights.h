/*
 * weights.h - the traffic weights of every service's backends, from the
 * configuration, health checks and migrations in flight.
 *
 * Pure: the controller hands in what it knows (per backend: health state
 * and latency; which VMs are migrating) and gets the desired DNAT state.
 */
#ifndef VMBAL_WEIGHTS_H
#define VMBAL_WEIGHTS_H

#include <stdbool.h>

#include "config.h"
#include "dnat.h"

enum backend_health { BH_UNKNOWN, BH_UP, BH_DOWN };

struct backend_view {
	enum backend_health health;
	double latency_ms;	/* the one weighed: the smoothed latency as
				 * last followed (latency.h); < 0 unknown */
	double smooth_ms;	/* the mean of the last `window` passing
				 * checks, shown; < 0 unknown */
	bool vm_migrating;	/* its VM is in flight */
	bool drained;		/* the operator drained it: no new connections */
	long conns;		/* open connections; < 0 unknown */
	/* slow start (slowstart.h; kept by controller_slowstart.c) */
	double ramp;		/* the part of its weight it gets while it
				 * ramps, in (0, 1); 0: all of it */
	double ramp_since;	/* when that ramp began */
	bool serving;		/* it took new connections at the last look */
	bool ramp_armed;	/* it was seen down or out of rotation since
				 * the run began: its return ramps */
};

/*
 * Fills svcs[i] (cfg->nservices of them, each with its backends array
 * allocated here; free with weights_free) from the configuration and
 * views[s][b]. health_checked: when false (a simulated cluster), unknown
 * health counts as up.
 */
int weights_compute(const struct config *cfg, struct backend_view **views,
    bool health_checked, struct dnat_service *svcs);
void weights_free(struct dnat_service *svcs, size_t n);
/* Does this backend get new connections at all: weight > 0, up (or
 * unknown when unchecked), not drained, not out while its VM migrates? */
bool weights_eligible(const struct service_conf *s,
    const struct backend_conf *b, const struct backend_view *v, bool checked);

#endif
