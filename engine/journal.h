/*
 * journal.h - the interface of the action journal, as the controller sees
 * it: every action is recorded before it is taken (its intent) and when
 * it ends (its outcome), with who asked for it.
 */
#ifndef VMBAL_JOURNAL_H
#define VMBAL_JOURNAL_H

#include <stdbool.h>

#include "action.h"
#include "diag.h"

struct journal_entry {
	double ts;		/* run time, as in events */
	bool outcome;		/* false: intent, written before the action */
	const char *who;	/* "auto", "operator", or "recovery" (an
				 * outcome found by a restarted vmbal) */
	const char *action;	/* "migrate", "abort" */
	const char *vm, *from, *to;
	enum mig_status status;	/* outcome only */
	double duration_s;	/* outcome only */
	const char *error;	/* outcome only, NULL when none */
	struct mig_stats stats;	/* outcome only; each < 0 when none */
	/* An operator's command (phase "command"; outcome false): action is
	 * its name (command.h), who where it came from; its arguments, each
	 * NULL when it has none (vm, to: migrate, abort). */
	bool command;
	const char *host, *service, *backend, *mode;
	bool on;		/* maintenance, drain */
	/* what the configuration said of it then (maintenance: 1 in it;
	 * mode: its policy_mode): a restart restores the command only
	 * while the configuration still says so */
	int config_was;
	/* A host recovery step (issue 18): phase "fence" (host), "restart"
	 * (vm from host to to) or "retire" (vm on host); NULL for the
	 * above. rec_status: "started", then "off" (fence) or
	 * recover_status_name's; duration_s and error with an outcome. */
	const char *phase;
	const char *rec_status;
};

/*
 * What the journal held when this run opened it, for restart safety: per
 * VM its last move, when that move is still open (an intent without an
 * outcome: vmbal died while it ran) or ended less than vm_cooldown_s ago.
 * Plain data, read by the journal's implementation, names included
 * (freed with the past: journal_past_free); the controller borrows it
 * and keeps its own marks in it (settled, set_at).
 */
struct journal_past_move {
	char *vm, *from, *to;	/* owned by the past, freed with it */
	bool open;		/* an intent without an outcome */
	enum mig_status status;	/* the outcome's, when not open */
	double age_s;		/* wall-clock seconds from the record (the
				 * intent when open, else the outcome) to the
				 * opening of the journal */
	bool settled;		/* the controller's: nothing more to do */
	double set_at;		/* the controller's: the moved_at it set */
	int looks;		/* the controller's: probes that showed an open
				 * move's VM arrived without its figures */
};

/*
 * The operator's standing state, as the last command of each kind left
 * it: per host its maintenance, per backend its drain, the pause and the
 * mode. Names owned by the past.
 */
enum journal_state_kind { JSTATE_MAINTENANCE, JSTATE_DRAIN, JSTATE_PAUSE,
	JSTATE_MODE };

struct journal_past_state {
	enum journal_state_kind kind;
	char *host;		/* maintenance */
	char *service, *backend;	/* drain ("ADDRESS:PORT") */
	char *mode;		/* mode: policy_mode_name's */
	char *who;		/* who gave the command */
	bool on;		/* maintenance, drain, pause */
	int config_was;		/* journal_entry's */
	double age_s;		/* wall-clock seconds since the command */
};

struct journal_past {
	struct journal_past_move *moves;
	size_t nmoves;
	struct journal_past_state *state;
	size_t nstate;
	size_t bad_lines;	/* lines that were no journal record (torn) */
};

struct journal_ops {
	/* 0, or -1 and d (why, errno's text included) when the record
	 * could not be written; then the journal holds none of it. */
	int (*record)(void *impl, const struct journal_entry *e,
	    struct diag *d);
	void (*free)(void *impl);
	/* Optional: what the journal held when opened; NULL when nothing. */
	struct journal_past *(*past)(void *impl);
};

struct journal {
	const struct journal_ops *ops;
	void *impl;
};

#endif
