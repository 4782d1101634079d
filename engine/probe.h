/*
 * probe.h - the interface every source of snapshots implements.
 *
 * The libvirt collector and the simulator both sit behind it, so the
 * controller never knows which one it drives.
 */
#ifndef VMBAL_PROBE_H
#define VMBAL_PROBE_H

#include <stdbool.h>

#include "diag.h"
#include "snapshot.h"

struct config;

struct probe_ops {
	const char *name;
	/* A new snapshot taken at time now (caller frees), or NULL and d. */
	struct snapshot *(*collect)(void *impl, double now, struct diag *d);
	/* Optional: true once after the world changed between ticks (a
	 * domain started, stopped or arrived); NULL when never. */
	bool (*changed)(void *impl);
	void (*free)(void *impl);
	/* Optional: a reloaded configuration (borrowed from now on, the old
	 * one let go): new hosts are probed, removed ones closed. 0, or -1
	 * with d and nothing changed. NULL: the probe cannot reload. */
	int (*reload)(void *impl, const struct config *next, struct diag *d);
};

struct probe {
	const struct probe_ops *ops;
	void *impl;
};

#endif
