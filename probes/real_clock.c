/*
 * real_clock.c - the clock of a run against a real cluster (see
 * real_clock.h). A signal interrupts the sleep so the front end can stop.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "real_clock.h"

struct real_clock {
	struct timespec start;
};

static double
real_clock_now(void *impl)
{
	struct real_clock *c = impl;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - c->start.tv_sec) +
	    (double)(ts.tv_nsec - c->start.tv_nsec) / 1e9;
}

static int
real_clock_sleep_until(void *impl, double t)
{
	struct real_clock *c = impl;
	struct timespec at;
	double whole, frac = modf(t, &whole);

	at.tv_sec = c->start.tv_sec + (time_t)whole;
	at.tv_nsec = c->start.tv_nsec + (long)(frac * 1e9);
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == 0 ?
	    0 : -1;
}

static double
real_clock_wall_until(void *impl, double t)
{
	return t - real_clock_now(impl);
}

static const struct clock_ops real_clock_ops = {
	.now = real_clock_now,
	.sleep_until = real_clock_sleep_until,
	.wall_until = real_clock_wall_until,
	.free = free,
};

int
real_clock_init(struct clock *clk)
{
	struct real_clock *c = calloc(1, sizeof *c);

	if (c == NULL)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	clk->ops = &real_clock_ops;
	clk->impl = c;
	return 0;
}
