/*
 * monotime.h - seconds on the monotonic clock, for the threads of probes
 * and actions that time what they do (rates, checks, jobs). The engine
 * never reads a clock: it is handed the time.
 */
#ifndef VMBAL_MONOTIME_H
#define VMBAL_MONOTIME_H

#include <time.h>

static inline double
monotime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
