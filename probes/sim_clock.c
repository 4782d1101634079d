/*
 * sim_clock.c - the clock of a simulated run: waiting on it moves the
 * simulator forward, instantly under --fast, else at wall-clock pace
 * times the --speed factor.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "sim_clock.h"

struct sim_clock {
	struct sim *sim;
	bool fast;
	double speed;		/* simulated seconds per wall second */
	struct timespec start;
};

static double
sim_clock_now(void *impl)
{
	struct sim_clock *c = impl;

	return sim_now(c->sim);
}

static int
sim_clock_sleep_until(void *impl, double t)
{
	struct sim_clock *c = impl;
	struct timespec at;
	double whole;

	if (!c->fast) {
		double frac = modf(t / c->speed, &whole);

		at.tv_sec = c->start.tv_sec + (time_t)whole;
		at.tv_nsec = c->start.tv_nsec + (long)(frac * 1e9);
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL)
		    != 0)
			return -1;
	}
	sim_advance(c->sim, t);
	return 0;
}

static double
sim_clock_wall_until(void *impl, double t)
{
	struct sim_clock *c = impl;
	struct timespec ts;

	if (c->fast)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return t / c->speed - ((double)(ts.tv_sec - c->start.tv_sec) +
	    (double)(ts.tv_nsec - c->start.tv_nsec) / 1e9);
}

static const struct clock_ops sim_clock_ops = {
	.now = sim_clock_now,
	.sleep_until = sim_clock_sleep_until,
	.wall_until = sim_clock_wall_until,
	.free = free,
};

int
sim_clock_init(struct clock *clk, struct sim *s, bool fast, double speed)
{
	struct sim_clock *c = calloc(1, sizeof *c);

	if (c == NULL)
		return -1;
	c->sim = s;
	c->fast = fast;
	c->speed = speed > 0 ? speed : 1.0;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	clk->ops = &sim_clock_ops;
	clk->impl = c;
	return 0;
}
