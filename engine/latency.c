/*
 * latency.c - smoothed health-check latency and the band the weights
 * follow it by (see latency.h).
 */
#include <math.h>

#include "latency.h"

bool
latency_moved(double weighed, double smoothed)
{
	if (smoothed < 0)
		return false;
	if (weighed < 0)
		return true;
	return fabs(smoothed - weighed) >
	    weighed * LATENCY_BAND_PCT / 100.0 + LATENCY_BAND_MS;
}

bool
latency_add(struct window *w, struct backend_view *v, const double *ms,
    size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		window_push(w, ms[i] < 0 ? 0 : ms[i]);
	v->smooth_ms = window_mean(w);
	if (!latency_moved(v->latency_ms, v->smooth_ms))
		return false;
	v->latency_ms = v->smooth_ms;
	return true;
}

void
latency_forget(struct window *w, struct backend_view *v)
{
	window_reset(w);
	v->smooth_ms = -1;
	v->latency_ms = -1;
}
