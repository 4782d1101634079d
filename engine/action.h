/*
 * action.h - the interface every way of changing the world implements.
 *
 * Migrations are started, then finish later: the controller polls for
 * results. The libvirt migration jobs and the simulator's counterpart
 * both sit behind it.
 */
#ifndef VMBAL_ACTION_H
#define VMBAL_ACTION_H

#include <stddef.h>

#include "diag.h"

enum mig_status { MIG_STARTED, MIG_DONE, MIG_FAILED, MIG_ABORTED };

struct action_result {
	char vm[256];
	char from[256];
	char to[256];
	enum mig_status status;
	double duration_s;
	char error[256];
};

struct action_ops {
	const char *name;
	/* Starts moving vm from one host to another; 0 or -1 and d. */
	int (*migrate)(void *impl, const char *vm, const char *from,
	    const char *to, struct diag *d);
	/* Copies up to max finished migrations into out; returns how many. */
	size_t (*poll)(void *impl, struct action_result *out, size_t max);
	int (*abort)(void *impl, const char *vm, struct diag *d);
	/* Optional: how far a running migration of vm is, 0..1; -1 when
	 * unknown or not running. Never blocks on the network. */
	double (*progress)(void *impl, const char *vm);
	void (*free)(void *impl);
};

struct action {
	const struct action_ops *ops;
	void *impl;
};

const char *mig_status_name(enum mig_status s);

#endif
