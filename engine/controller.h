/*
 * controller.h - the tick that ties probes, model, planner and actions.
 *
 * The controller owns the model and is its only writer. The front end
 * drives it with the time: controller_next_due() says when something is
 * due, controller_run() does it. Probes run every probe interval; every
 * analysis interval the measures are taken, the state machine advances, a
 * sample is emitted and, unless observing, the planner runs. In manual
 * mode a plan waits for controller_confirm_moves(); in auto mode it is
 * carried out at once, in order, at most max_concurrent_migrations at a time.
 */
#ifndef VMBAL_CONTROLLER_H
#define VMBAL_CONTROLLER_H

#include <stdbool.h>

#include "action.h"
#include "command.h"
#include "config.h"
#include "event.h"
#include "health.h"
#include "journal.h"
#include "dnat.h"
#include "model.h"
#include "plan.h"
#include "probe.h"
#include "role.h"
#include "weights.h"

struct controller;

struct controller_opts {
	bool dry_run;	/* never act; say what would be done */
	struct health_source *health;	/* backend checks, or NULL */
	struct journal *journal;	/* where actions are recorded, or NULL */
	struct dnat *dnat;		/* service rules, or NULL */
	struct role *role;	/* ha: whether this director holds the
				 * address; NULL: always active */
	bool mode_given;	/* the command line chose the mode: the
				 * journal's mode is not restored */
};

/* Borrows cfg, probe, action and sink for its lifetime. Caller frees. */
struct controller *controller_new(const struct config *cfg,
    const struct policy *policy, struct probe *probe, struct action *action,
    const struct event_sink *sink, const struct controller_opts *opts);
void controller_free(struct controller *c);
double controller_next_due(const struct controller *c);
/* Does everything due at or before now. */
void controller_run(struct controller *c, double now);
long controller_ticks(const struct controller *c);
long controller_probes(const struct controller *c);
const struct model *controller_model(const struct controller *c);
/* Migrations started and not yet finished. */
int controller_in_flight(const struct controller *c);

/* The names are the controller's: valid until it next runs or takes a
 * command. */
struct flight {
	const char *vm, *from, *to;
	double elapsed_s;	/* since it started */
	double progress;	/* 0..1, or -1 when the action cannot tell */
};

/* Fills up to max migrations in flight, for the console; returns how many. */
size_t controller_flights(const struct controller *c, double now,
    struct flight *out, size_t max);
/* Plans once from the current averages and emits the plan; never acts. */
int controller_plan_once(struct controller *c, double now);
/* Emits the end event. */
void controller_end(struct controller *c, double now);

/*
 * The one door for an operator's command (controller_command.c): the
 * console's keys and the control socket both come through it. Returns
 * res->rc; res->msg says what was done or why not. Changes are journaled
 * with cmd->who and said in a command event.
 */
int controller_command(struct controller *c, const struct command *cmd,
    double now, struct cmd_result *res);

/*
 * The operator's commands (controller_cmd.c), behind controller_command. Each returns 0, or -1 with
 * a message in d (observe mode refuses them all). now is the clock's.
 */
/* Manual <-> auto. Auto acts on the next plan; manual stops what has not
 * started and offers it. */
int controller_set_mode(struct controller *c, enum policy_mode mode,
    struct diag *d);
/* Paused: probes go on; no planning, no new migration starts. */
int controller_pause(struct controller *c, bool paused, struct diag *d);
struct move_ref {
	const char *vm, *from, *to;
};

/* Confirms exactly these offered moves, or none of them when any is no
 * longer offered as it was shown (the plan changed meanwhile). */
int controller_confirm_moves(struct controller *c, const struct move_ref *refs,
    size_t n, double now, struct diag *d);
/* While held, the offer on the table is not replaced by a fresher plan:
 * the operator is reading it in a confirmation dialog. */
void controller_hold_offer(struct controller *c, bool hold);
/* Drops the offer on the table; the same plan is not offered again. */
int controller_dismiss(struct controller *c, struct diag *d);
int controller_abort(struct controller *c, const char *vm, struct diag *d);
/* The CPU spread predicted if vm (with its affinity group) went to host
 * to; -1 with the reason when it may not go there. */
int controller_predict(const struct controller *c, const char *vm,
    const char *to, double *spread, struct diag *d);
/* Migrates vm (and its affinity group) to host to, now: the operator's. */
int controller_migrate(struct controller *c, const char *vm, const char *to,
    double now, struct diag *d);
/* What putting host into maintenance would do: its evacuation plan.
 * Caller frees both; NULL on ENOMEM or an unknown host. */
struct plan *controller_evacuation(const struct controller *c,
    const char *host, struct plan_input **in);
/* Into maintenance: carries out the evacuation at once. Out of it: the
 * host takes VMs again. */
int controller_maintenance(struct controller *c, const char *host, bool on,
    double now, struct diag *d);
/* Drained: the backend gets no new connections until restored. */
int controller_drain(struct controller *c, size_t svc, size_t backend,
    bool drained, double now, struct diag *d);

/*
 * A new configuration (controller_reload.c): what changed, one line each
 * ("host h4 added", "threshold_pct 20 -> 10", "backend 198.18.0.7:80
 * removed from web"). Lines are the list's own; free with
 * reload_changes_free.
 */
struct reload_changes {
	char **v;
	size_t n, cap;
};
void reload_changes_free(struct reload_changes *ch);

/*
 * Takes next in place of the configuration in force (borrowed from now
 * on; the old one may be freed once the probe and the checker have let
 * go of it): hosts and VMs that remain keep their data, new hosts are
 * connecting, removed ones go with their VMs; backends that remain (by
 * service name and address:port) keep their views (health, drain,
 * latency, slow start); the policy replaces the one in force, but the
 * mode set at run time (or by --mode) stays unless the file's mode
 * changed; moves in flight go on; every service is applied again in one
 * apply at the next run. 0 with ch filled, or -1 with d (nothing
 * changed). Says nothing: controller_reload_said does.
 */
int controller_reload(struct controller *c, const struct config *next,
    double now, struct diag *d, struct reload_changes *ch);
/* The reload event: applied (with ch) or refused (with error). */
void controller_reload_said(struct controller *c, double now,
    const char *who, bool applied, const struct reload_changes *ch,
    const char *error);
/* The configuration in force. */
const struct config *controller_config(const struct controller *c);

/* What the console reads (controller_view.c). */
enum policy_mode controller_mode(const struct controller *c);
/* The policy in force (the mode as controller_mode says). */
const struct policy *controller_policy(const struct controller *c);
/* The hosts' and VMs' incidents and figures (engine/availability.h). */
const struct avail *controller_avail(const struct controller *c);
bool controller_paused(const struct controller *c);
/* ha: the address this director waits for while standby; NULL active. */
const char *controller_standby(const struct controller *c);
/* The state machine's verdict, and since when (clock time). */
bool controller_imbalanced(const struct controller *c, double *since);

/* What the console says in words (controller_why.c), as of the last run:
 * the spread over the threshold at the last analysis, and since when;
 * the averaging windows still filling (the fullest VM's samples of
 * policy.window); why no suggestion is on the table (NOOFFER_NONE: one
 * is), its words in buf; whether host may take VMs now (1), not (0),
 * or is unknown (-1), its words in buf. */
bool controller_over(const struct controller *c, double *since);
bool controller_measuring(const struct controller *c, size_t *have,
    size_t *want);
enum no_offer {
	NOOFFER_NONE, NOOFFER_OBSERVE, NOOFFER_STANDBY, NOOFFER_PAUSED,
	NOOFFER_DRY_RUN, NOOFFER_MEASURING, NOOFFER_BELOW, NOOFFER_HOLDING,
	NOOFFER_SETTLING, NOOFFER_DISMISSED, NOOFFER_COOLING, NOOFFER_NO_GAIN,
	NOOFFER_HOST_DOWN	/* a dead host's restarts wait (controller_ha.c) */
};
enum no_offer controller_no_offer(const struct controller *c, char *buf,
    size_t len);
int controller_host_target(const struct controller *c, const char *host,
    char *buf, size_t len);

enum move_state {
	MOVE_OFFERED, MOVE_CONFIRMED, MOVE_RUNNING, MOVE_DONE, MOVE_FAILED,
	MOVE_CANCELLED
};

/* The strings are the controller's: valid until it next runs or takes a
 * command (copy what must outlive that). */
struct move_view {
	const char *vm, *from, *to, *reason, *who;
	double spread_after;	/* predicted CPU spread after it */
	double est_s;		/* estimated copy time (movecost.h); < 0
				 * none, MOVECOST_NEVER may not converge */
	enum move_state state;
};

/* The plan in hand (offered or being carried out), in order; returns how
 * many (at most max). spread_before: the spread it started from. */
size_t controller_moves(const struct controller *c, struct move_view *out,
    size_t max, double *spread_before);
/* The plan in hand's min_moves (none fewer reaches *target), -1 unknown. */
long controller_plan_min_moves(const struct controller *c, double *target);
/* Why the offer on the table replaced the one before it ("web1 is no
 * longer on h1", "a plan with 3 moves instead of 5"), or NULL. */
const char *controller_offer_note(const struct controller *c);
const struct backend_view *controller_backend(const struct controller *c,
    size_t svc, size_t backend);
/* The weights the services' rules have (or would have, observing):
 * fills cfg->nservices entries; free with weights_free. */
int controller_weights(const struct controller *c, struct dnat_service *svcs);

#endif
