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

/*
 * What the hypervisor measured of a finished migration (libvirt's
 * completed job statistics); each < 0 when it did not say.
 */
struct mig_stats {
	double downtime_ms;	/* how long the guest was paused */
	double transferred_mib;	/* data sent */
	double rate_mibps;	/* the mean rate it was sent at */
};

/*
 * A finished migration. The strings are owned by whoever holds the
 * result: poll() hands them over to its caller, who frees them with
 * action_result_clear().
 */
struct action_result {
	char *vm, *from, *to;
	enum mig_status status;
	double duration_s;
	char *error;		/* why it failed; NULL when it did not */
	struct mig_stats stats;	/* when done; none (< 0) otherwise */
};

struct config;

struct action_ops {
	const char *name;
	/* Starts moving vm from one host to another; 0 or -1 and d. */
	int (*migrate)(void *impl, const char *vm, const char *from,
	    const char *to, struct diag *d);
	/* Moves up to max finished migrations into out (the caller owns
	 * them now); returns how many. */
	size_t (*poll)(void *impl, struct action_result *out, size_t max);
	int (*abort)(void *impl, const char *vm, struct diag *d);
	/* Optional: how far a running migration of vm is, 0..1; -1 when
	 * unknown or not running. Never blocks on the network. */
	double (*progress)(void *impl, const char *vm);
	void (*free)(void *impl);
	/* Optional: a reloaded configuration (borrowed from now on) for the
	 * migrations started from now; those running go on as they were. */
	void (*reload)(void *impl, const struct config *next);
};

struct action {
	const struct action_ops *ops;
	void *impl;
};

const char *mig_status_name(enum mig_status s);
/* Empties s: nothing measured. */
void mig_stats_none(struct mig_stats *s);
/* Fills r with copies of the names and error (error may be NULL); 0, or
 * -1 on ENOMEM with nothing held. */
int action_result_set(struct action_result *r, const char *vm,
    const char *from, const char *to, enum mig_status st, double duration_s,
    const char *error);
/* Frees the strings r owns and empties it. */
void action_result_clear(struct action_result *r);

#endif
