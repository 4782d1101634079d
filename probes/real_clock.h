/*
 * real_clock.h - wall-clock time for a real cluster: seconds since start
 * on the monotonic clock.
 */
#ifndef VMBAL_REAL_CLOCK_H
#define VMBAL_REAL_CLOCK_H

#include "../engine/clock.h"

int real_clock_init(struct clock *c);	/* 0, or -1 on ENOMEM */

#endif
