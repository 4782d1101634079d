/*
 * thread_grace.h - waiting for a thread that may be stuck in a call that
 * cannot be cancelled (the probes' workers and event loop, the actions'
 * migration jobs: in lib/ because both layers use it).
 *
 * libvirt calls cannot be interrupted: a virConnectOpen to an address
 * whose packets are dropped waits for the TCP SYN timeout (over two
 * minutes), an RPC to a peer that stopped answering waits for keepalive
 * or longer. Whoever stops such a thread gives it a grace period: it is
 * joined when it ends within it, and detached otherwise, so that process
 * exit ends it. The state a detached thread still touches must then
 * outlive its owner: callers keep it behind a reference count that the
 * thread drops last thing before it returns.
 */
#ifndef VMBAL_THREAD_GRACE_H
#define VMBAL_THREAD_GRACE_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "monotime.h"

/*
 * Joins t if it ends before the monotonic time deadline (seconds, as
 * monotime_now()); otherwise detaches it. True when joined. Either way t
 * must not be joined or detached again.
 */
static inline bool
thread_join_by(pthread_t t, double deadline)
{
	struct timespec until;
	double left = deadline - monotime_now(), whole;
	long ns;

	if (left < 0)
		left = 0;
	clock_gettime(CLOCK_REALTIME, &until);	/* what timedjoin counts in */
	whole = (double)(long)left;
	ns = until.tv_nsec + (long)((left - whole) * 1e9);
	until.tv_sec += (time_t)whole + ns / 1000000000L;
	until.tv_nsec = ns % 1000000000L;
	if (pthread_timedjoin_np(t, NULL, &until) == 0)
		return true;
	pthread_detach(t);
	return false;
}

#endif
