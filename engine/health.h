/*
 * health.h - the interface of backend health checkers, as the controller
 * sees it: a queue of state changes to drain, and the latest latency of
 * each backend.
 */
#ifndef VMBAL_HEALTH_H
#define VMBAL_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct config;

struct health_change {
	/* which backend: indices in the configuration's services and that
	 * service's backends */
	size_t service, backend;
	bool up;
	double latency_ms;	/* of the check that decided; -1 when failed */
	char error[128];	/* why the last check failed, "" when up */
};

struct health_ops {
	/* Copies up to max changes since the last call; returns how many. */
	size_t (*poll)(void *impl, struct health_change *out, size_t max);
	/* Optional: open connections to backend b of service s (indices in
	 * the configuration), or -1 when not counted. */
	long (*connections)(void *impl, size_t s, size_t b);
	/* Optional: the latencies (ms) of the checks of backend b of
	 * service s that passed since the last call, oldest first, up to
	 * max (the newest kept when more); returns how many. Every check
	 * reports here; poll reports only changes of state. */
	size_t (*latencies)(void *impl, size_t s, size_t b, double *out,
	    size_t max);
	void (*free)(void *impl);
	/* Optional: a reloaded configuration (borrowed from now on): the
	 * backends that remain (service name, address:port) keep their
	 * state, new ones are checked, removed ones no longer; queued
	 * changes are renumbered. 0, or -1 with d and nothing changed. */
	int (*reload)(void *impl, const struct config *next, struct diag *d);
};

struct health_source {
	const struct health_ops *ops;
	void *impl;
};

#endif
