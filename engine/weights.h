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

#endif
