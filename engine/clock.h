/*
 * clock.h - where the controller's time comes from.
 *
 * The engine never reads a clock itself: the front end hands it the time.
 * A simulated clock moves the simulator forward as it is waited on
 * (instantly under --fast); a real clock sleeps.
 */
#ifndef VMBAL_CLOCK_H
#define VMBAL_CLOCK_H

struct clock_ops {
	double (*now)(void *impl);
	/* Waits until t (seconds since start): 0, or -1 when interrupted. */
	int (*sleep_until)(void *impl, double t);
	/* Wall-clock seconds until t (<= 0: due now); a console waits on
	 * its keyboard this long, then calls sleep_until(t). */
	double (*wall_until)(void *impl, double t);
	void (*free)(void *impl);
};

struct clock {
	const struct clock_ops *ops;
	void *impl;
};

#endif
