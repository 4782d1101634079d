/*
 * command.h - an operator's command as a value, and the one table of
 * operator commands.
 *
 * The console's keys and the control socket (vmbal ctl) build the same
 * struct command and hand it to controller_command(), the one door into
 * the engine for what an operator asks; they get one struct cmd_result
 * back. The table says, once per command, its ctl name and arguments,
 * the console keys that give it, its help line and its dialog title:
 * F1, the key handling and `vmbal ctl help` all read it.
 */
#ifndef VMBAL_COMMAND_H
#define VMBAL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum cmd_verb {
	/* what the engine carries out (controller_command) */
	CMD_CONFIRM, CMD_DISMISS, CMD_MODE, CMD_PAUSE, CMD_RESUME,
	CMD_MAINTENANCE, CMD_DRAIN, CMD_MIGRATE, CMD_ABORT, CMD_FENCE,
	/* what the front end answers itself (read-only, or its config) */
	CMD_STATUS, CMD_PLAN, CMD_RELOAD, CMD_EVENTS, CMD_HELP,
	CMD_NVERBS
};

/* A move as the operator saw it: confirmed only when still offered so. */
struct cmd_move {
	const char *vm, *from, *to;
};

/*
 * The strings are borrowed for the call. Unused fields are zero/NULL.
 */
struct command {
	enum cmd_verb verb;
	const char *who;	/* "operator" (console), "ctl:NAME" (socket);
				 * journaled and shown with the command */
	const char *vm;		/* migrate, abort */
	const char *host;	/* migrate (to), maintenance, fence */
	const char *service;	/* drain: the service's name */
	const char *backend;	/* drain: "ADDRESS:PORT" */
	bool on;		/* maintenance, drain */
	enum policy_mode mode;	/* mode */
	/* confirm: exactly these offered moves, as the caller showed them
	 * (the console's dialog, what `ctl status` printed); refused, and
	 * none confirmed, when any is no longer offered so */
	const struct cmd_move *moves;
	size_t nmoves;
};

struct cmd_result {
	int rc;			/* 0 done; -1 refused or failed */
	char msg[512];		/* what was done, or why not */
};

/* One operator command. */
struct cmd_entry {
	enum cmd_verb verb;
	const char *name;	/* as vmbal ctl spells it */
	const char *args;	/* its arguments, "" when none */
	const char *keys;	/* the console's keys, as F1 shows them;
				 * NULL: no key */
	const char *help;	/* one line */
	const char *title;	/* the console's confirmation title, or NULL
				 * when it asks nothing */
	bool changes;		/* changes something: journaled, refused in
				 * observe mode (but reload: it changes what
				 * this vmbal reads, not the cluster, so an
				 * observer may reload too) */
};

/* Every command, in help order: cmd_table[i].verb == i. */
extern const struct cmd_entry cmd_table[CMD_NVERBS];

/* The entry named name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

#endif
