/*
 * run.h - everything a front end (headless or the console) drives: the
 * configuration, the policy in force, and the parts chosen for this
 * cluster (simulated or libvirt). main.c builds it and owns every part.
 */
#ifndef VMBAL_RUN_H
#define VMBAL_RUN_H

#include "../engine/action.h"
#include "../engine/clock.h"
#include "../engine/command.h"
#include "../engine/config.h"
#include "../engine/dnat.h"
#include "../engine/health.h"
#include "../engine/journal.h"
#include "../engine/probe.h"
#include "../engine/role.h"
#include "lease.h"
#include "options.h"

struct controller;
struct history;

struct run {
	const struct options *o;
	const struct config *cfg;
	struct policy policy;		/* the config's, with --mode applied */
	enum policy_mode wanted;	/* the mode asked for, before the lease */
	struct probe *probe;
	struct action *action;
	struct clock *clk;
	struct health_source *health;	/* or NULL */
	struct journal *journal;	/* or NULL: this run does not act */
	struct dnat *dnat;		/* or NULL */
	struct role *role;		/* ha: the address watcher, or NULL */
	struct lease *lease;		/* or NULL: this run never acts */
	char holder[512];		/* who holds control, when not us */
	char history_path[1024];	/* where this run's history is (the
					 * writer's, or the acting vmbal's
					 * for an observer): cli/history_dir.h */
	struct history *history;	/* the RRD writer (cli/history_dir.h),
					 * fed by the front end's sink; or NULL */
	/* Re-reads the configuration and hands it to ctl (SIGHUP, ctl
	 * reload, the console's R): res says what changed, or why the file
	 * was refused (FILE:LINE:COL) and the old one kept. The built-in
	 * demo's refuses with that reason (cli/reload.c); NULL: this run
	 * cannot reload at all. arg: reload_arg. cfg above follows it. */
	int (*reload)(void *arg, struct controller *ctl, double now,
	    const char *who, struct cmd_result *res);
	void *reload_arg;
};

#endif
