/*
 * reload.h - the configuration read again while vmbal runs: SIGHUP (both
 * front ends), `vmbal ctl reload` and the console's R all call the run's
 * reload hook, reload_run, with a struct reload_state as its argument.
 */
#ifndef VMBAL_RELOAD_H
#define VMBAL_RELOAD_H

#include "../engine/command.h"
#include "../engine/config.h"
#include "run.h"

struct controller;

struct reload_state {
	struct run *run;	/* main's: its cfg is moved to the new one */
	const char *path;	/* the file read again; NULL: none (--demo) */
	enum config_kind kind;
	struct config *cfg;	/* the configuration in force (owned) */
	struct config **retired;	/* old ones a part could not let go of
				 * (a failed reload of the probe or the
				 * checker): freed at the end */
	size_t nretired, capretired;
};

/* rs takes cfg (run->cfg) over; path NULL: every reload is refused. */
void reload_state_init(struct reload_state *rs, struct run *run,
    const char *path, enum config_kind kind, struct config *cfg);
/* Frees the configuration in force and the retired ones. */
void reload_state_fini(struct reload_state *rs);

/*
 * The hook (struct run's reload): reads rs->path again with the checks
 * of the start (config_new_from_file: safefile, ext transport); a file
 * refused leaves everything as it was: res->rc -1, res->msg
 * "FILE:LINE:COL: why", and a refused reload event. A good one goes to
 * the controller (controller_reload), then to the probe, the health
 * checker and the migrations; the reload event lists what changed and
 * res->msg says it in one line. The old configuration is freed once
 * nothing borrows it; the console takes the new one at the event
 * (tui/eventlog.c) and must tui_gather before it draws again.
 */
int reload_run(void *arg, struct controller *ctl, double now,
    const char *who, struct cmd_result *res);

#endif
