/*
 * action.h - the interface every way of changing the world implements.
 *
 * Migrations are started, then finish later: the controller polls for
 * results. The libvirt migration jobs and the simulator's counterpart
 * both sit behind it.
 */
#ifndef VMBAL_ACTION_H
#define VMBAL_ACTION_H

#include <stdbool.h>
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

/*
 * Host recovery (issue 18, docs/recovery.md): fencing a dead host with
 * its agent, starting its VMs elsewhere from the definition the probe
 * last saved, and removing their old definitions once it is back.
 */
enum recover_kind { REC_FENCE, REC_RESTART, REC_RETIRE };
enum recover_status {
	REC_DONE,	/* FENCE: the agent confirmed it off; RESTART: the VM
			 * runs on to; RETIRE: its old definition is gone */
	REC_FAILED,	/* FENCE: the agent failed or the host is not off */
	REC_REFUSED	/* RESTART: its disk is held by a QEMU still running
			 * (the lock manager): not fenced. Never retried. */
};

/* A finished recovery step; strings owned by whoever holds it, freed by
 * recover_result_clear(). */
struct recover_result {
	enum recover_kind kind;
	char *host;		/* the dead (or returned) host */
	char *vm;		/* RESTART, RETIRE; NULL for FENCE */
	char *to;		/* RESTART: where it was started; else NULL */
	enum recover_status status;
	double duration_s;
	char *error;		/* why not done; NULL when done */
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
	/* Optional, all four or none (NULL: this backend cannot recover
	 * hosts). Each starts a step and returns at once (0, or -1 and d);
	 * its result comes later through poll_recover. */
	/* Runs host's fence agent: action=off, then status. */
	int (*fence)(void *impl, const char *host, struct diag *d);
	/* Defines vm on to from the definition saved while it ran on from
	 * (the dead host), and starts it. */
	int (*restart)(void *impl, const char *vm, const char *from,
	    const char *to, struct diag *d);
	/* host is back: removes vm's old definition there, unless vm runs
	 * there (then REC_FAILED, nothing touched). */
	int (*retire)(void *impl, const char *vm, const char *host,
	    struct diag *d);
	size_t (*poll_recover)(void *impl, struct recover_result *out,
	    size_t max);
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
/* A copy of s (NULL for NULL); *bad set when it cannot be made. */
char *action_dup_or_null(const char *s, bool *bad);
const char *recover_kind_name(enum recover_kind k);	/* fence|restart|retire */
const char *recover_status_name(enum recover_status s);	/* done|failed|refused */
/* Fills r with copies (vm, to, error may be NULL); 0, or -1 on ENOMEM
 * with nothing held. */
int recover_result_set(struct recover_result *r, enum recover_kind k,
    const char *host, const char *vm, const char *to,
    enum recover_status st, double duration_s, const char *error);
void recover_result_clear(struct recover_result *r);

#endif
