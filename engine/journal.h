/*
 * journal.h - the interface of the action journal, as the controller sees
 * it: every action is recorded before it is taken (its intent) and when
 * it ends (its outcome), with who asked for it.
 */
#ifndef VMBAL_JOURNAL_H
#define VMBAL_JOURNAL_H

#include <stdbool.h>

#include "action.h"

struct journal_entry {
	double ts;		/* run time, as in events */
	bool outcome;		/* false: intent, written before the action */
	const char *who;	/* "auto" or "operator" */
	const char *action;	/* "migrate", "abort" */
	const char *vm, *from, *to;
	enum mig_status status;	/* outcome only */
	double duration_s;	/* outcome only */
	const char *error;	/* outcome only, NULL when none */
};

struct journal_ops {
	/* 0, or -1 when the record could not be written. */
	int (*record)(void *impl, const struct journal_entry *e);
	void (*free)(void *impl);
};

struct journal {
	const struct journal_ops *ops;
	void *impl;
};

#endif
