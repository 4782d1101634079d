/*
 * monotime.h - seconds on the monotonic clock, for whoever times what it
 * does: the probes' and actions' threads (rates, checks, jobs), the
 * console's frames, the control socket's idle peers, and the benchmarks
 * (which also read their CPU time with clock_s). The engine never reads
 * a clock: it is handed the time. In lib/ because every layer but the
 * engine uses it.
 */
#ifndef VMBAL_MONOTIME_H
#define VMBAL_MONOTIME_H

#include <time.h>

/* Seconds on clock id (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...). */
static inline double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double
monotime_now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

#endif
