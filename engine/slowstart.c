/*
 * slowstart.c - the ramp of a backend returning to service (see
 * slowstart.h).
 */
#include <math.h>

#include "slowstart.h"
#include "weights.h"

static double
slowstart_step(long slow_start_s)
{
	double step = (double)slow_start_s / SLOWSTART_STEPS;

	return step < 1.0 ? 1.0 : step;
}

double
slowstart_factor(double since, double now, long slow_start_s)
{
	double step, f;

	if (slow_start_s <= 0 || since < 0 || now < since ||
	    now >= since + (double)slow_start_s)
		return 1.0;
	step = slowstart_step(slow_start_s);
	/* a small tolerance: times are sums of doubles */
	f = floor((now - since) / step + 1e-9) * step / (double)slow_start_s;
	if (f >= 1.0)
		return 1.0;
	return f < SLOWSTART_MIN ? SLOWSTART_MIN : f;
}

double
slowstart_next(double since, double now, long slow_start_s)
{
	double step, next;

	if (slowstart_factor(since, now, slow_start_s) >= 1.0)
		return -1;
	step = slowstart_step(slow_start_s);
	next = since + (floor((now - since) / step + 1e-9) + 1.0) * step;
	if (next > since + (double)slow_start_s)
		next = since + (double)slow_start_s;
	return next;
}

void
slowstart_apply(struct dnat_service *d, const struct backend_view *views)
{
	long maxw = 0, k;
	bool any = false;
	size_t j;

	for (j = 0; j < d->nbackends; j++) {
		if (d->backends[j].weight <= 0)
			continue;
		if (d->backends[j].weight > maxw)
			maxw = d->backends[j].weight;
		if (views[j].ramp > 0 && views[j].ramp < 1)
			any = true;
	}
	if (!any)
		return;
	/* round-robin's rules cycle, blind to weights: for the ramp they
	 * draw by weight instead (the same shares, random rather than in
	 * turn), and cycle again once it is over */
	if (d->algorithm == ALGO_ROUND_ROBIN)
		d->algorithm = ALGO_WEIGHTED;
	k = (SLOWSTART_RES + maxw - 1) / maxw;
	for (j = 0; j < d->nbackends; j++) {
		long w = d->backends[j].weight;

		if (w <= 0)
			continue;
		w = w > 65535 / k ? 65535 : w * k;
		if (views[j].ramp > 0 && views[j].ramp < 1)
			w = (long)((double)w * views[j].ramp + 0.5);
		d->backends[j].weight = w < 1 ? 1 : w;
	}
}
