/*
 * controller_priv.h - the controller's state, shared by the files that
 * make up the controller: controller.c (the tick), controller_moves.c,
 * controller_offer.c, controller_services.c, controller_recover.c,
 * controller_journal.c, controller_slowstart.c, controller_cmd.c (the
 * operator's commands), controller_reload.c (a new configuration) and
 * controller_view.c (what the console reads).
 * Nothing outside engine/controller*.c includes it.
 */
#ifndef VMBAL_CONTROLLER_PRIV_H
#define VMBAL_CONTROLLER_PRIV_H

#include "controller.h"
#include "imbalance.h"
#include "plan_check.h"
#include "weights.h"

enum exec_state { EX_PENDING, EX_RUNNING, EX_DONE, EX_FAILED, EX_CANCELLED };

/* A move of the plan in hand. Its strings are its own: exec_move_set
 * copies them in, exec_move_clear frees them. */
struct exec_move {
	char *vm, *from, *to;
	enum exec_state st;
	bool confirmed;
	const char *who;	/* "auto" or "operator" */
	double started;
	char *reason;		/* the planner's, or the operator's */
	double spread_after;	/* predicted CPU spread after it; < 0 none */
	double est_s;		/* the planner's estimated copy time; < 0 none */
};

struct controller {
	const struct config *cfg;
	struct policy policy;
	struct controller_opts opts;
	struct probe *probe;
	struct action *action;
	struct event_sink sink;
	struct model *model;
	struct imbalance imb;
	double now;
	long probes;		/* probes done: next at probe_t0 +
				 * (probes - probe_k0) * interval */
	long ticks;		/* analyses done */
	/* where the due times count from: 0 until a reload changes an
	 * interval (controller_reload.c) */
	double probe_t0, analyse_t0;
	long probe_k0, tick_k0;
	bool dnat_empty;	/* a reload removed every service: apply
				 * the empty state once */
	long migrations;
	long failed;
	struct exec_move *exec;	/* the plan being carried out or offered */
	size_t nexec;
	int running;
	char *last_sig;		/* the last plan emitted, to say it once */
	struct exec_move *offer;	/* its moves, to keep it while it holds */
	size_t noffer;
	char *offer_note;	/* why it replaced the offer before, or NULL */
	struct plan_offer offer_state;	/* its history (plan_check.h) */
	double settle_until;
	long settle_probe;
	struct backend_view **views;	/* per service, per backend */
	struct window **lat;	/* per service, per backend: the latencies of
				 * its last `window` passing checks */
	char **dnat_sig;		/* per service: what was last applied */
	bool dnat_dirty;
	double forget_next;	/* when conntrack is next cleaned
				 * (controller_forget.c) */
	bool forget_failed;	/* the last cleaning failed (said once) */
	double dnat_recheck;	/* when the rules in force are next compared
				 * (re-applied unchanged); 0: not yet */
	bool paused;		/* the operator paused planning and starting */
	bool standby;		/* ha: the address is elsewhere: no moves */
	bool role_said;		/* the first ha event was emitted */
	bool hold_offer;	/* the operator is reading the offer: keep it */
	const char *cmd_who;	/* who gives the command being carried out
				 * (one of whos), NULL: "operator" */
	char **whos;		/* every who seen, kept for the moves that
				 * name it (a handful: one per user) */
	size_t nwhos;
	bool restored;		/* the operator's standing state is back
				 * (controller_restore.c) */
	double spread_before;	/* of the plan in hand */
	long plan_min_moves;	/* its min_moves, -1 unknown */
	double plan_target;	/* the spread it aims for */
	/* the journal (controller_journal.c) */
	struct controller_jrec *jpending;	/* outcomes not written yet */
	size_t njpending;
	bool jdown;		/* its last write failed: nothing starts */
	double jretry_at;	/* when to try it again */
	/* dead hosts and their VMs' restarts (controller_ha.c) */
	struct ha_host *ha;
	size_t nha;
	/* availability of hosts and VMs (controller_avail.c) */
	struct avail *avail;
	double avail_prev;	/* the probe before this one; < 0 none */
};

/* Copies the names and reason (NULL: none) into e, which holds none yet;
 * 0, or -1 on ENOMEM with e left empty. */
int exec_move_set(struct exec_move *e, const char *vm, const char *from,
    const char *to, const char *reason);
void exec_move_clear(struct exec_move *e);
/* Clears n moves and frees the array. */
void exec_moves_free(struct exec_move *v, size_t n);
/* Forgets the offer remembered last. */
void controller_offer_clear(struct controller *c);

/* controller.c: an error event with msg. */
void controller_emit(struct controller *c, const struct event *ev);
void controller_error(struct controller *c, double now, const char *msg);

/* controller_moves.c: starts every confirmed move whose predecessors are
 * done, up to the cap; collects finished jobs and aborts overdue ones;
 * ends the plan in hand once it has finished. */
void controller_start_ready(struct controller *c, double now);
void controller_poll_actions(struct controller *c, double now);
void controller_plan_settle(struct controller *c, double now);
/* A migration event (stats NULL: none). */
void controller_emit_migration(struct controller *c, double now,
    const char *vm, const char *from, const char *to, enum mig_status st,
    double dur, const char *error, const struct mig_stats *stats);
/* The model after a move ended: done puts vm on to. */
void controller_vm_moved(struct controller *c, const char *vm,
    const char *to, bool done, double now);

/* controller_offer.c: plans at an analysis tick (see the file). */
void controller_plan_tick(struct controller *c, double now);

/* controller_services.c: the per-backend views (0, or -1 on ENOMEM);
 * health changes; connection counts; the rules. */
int controller_views_new(struct controller *c);
void controller_views_free(struct controller *c);
void controller_poll_health(struct controller *c, double now);
void controller_count_connections(struct controller *c);
void controller_dnat(struct controller *c, double now);
/* Marks each backend whose VM is in flight, from the model. */
void controller_views_sync(struct controller *c);
/* controller_forget.c: the conntrack entries of backends out of rotation
 * (see the file). */
void controller_forget(struct controller *c, double now);

/* controller_slowstart.c: notes the backends back in service and keeps
 * their ramps in the views; true when a ramp changed (the weights may
 * have). When a ramp next changes; < 0 none. */
bool controller_slowstart(struct controller *c, double now);
double controller_slowstart_due(const struct controller *c);

/* controller_role.c: asks the role source (ha:) at every run; says each
 * change, and the first answer, in an ha event; a standby has no offer
 * and starts nothing. */
void controller_role_update(struct controller *c, double now);
/* -1 with a message when this director is standby. */
int controller_refuse_standby(const struct controller *c, struct diag *d);
/* Drops the moves not started yet. */
void controller_cancel_pending(struct controller *c);

/* controller_recover.c: settles what the journal left open, at the end of
 * each probe; true while the rules in force must stay as they are. */
void controller_recover(struct controller *c, double now);
bool controller_dnat_wait(const struct controller *c, double now);

/* controller_journal.c: records an intent; -1 (an error event said why,
 * once) when it could not be, and then the move must not start. */
int controller_journal_intent(struct controller *c, double now,
    const struct exec_move *e);
/* Records an outcome, or keeps it to be written later (error event). */
void controller_journal_outcome(struct controller *c, double now,
    const struct exec_move *e, enum mig_status st, double dur,
    const char *error, const struct mig_stats *stats);
/* May a migration start (the journal writable, kept outcomes written)?
 * Tries the journal again when a retry is due. */
bool controller_journal_ready(struct controller *c, double now);
void controller_journal_free(struct controller *c);

/* controller_avail.c: the incidents a probe's snapshot shows, once it
 * is in the model (a host down since its last answer, its running VMs
 * with it; a host answering, a VM running again). */
void controller_avail_note(struct controller *c, double now);

/* controller_restore.c: the operator's standing state from the journal,
 * once, at the first run. */
void controller_restore(struct controller *c, double now);
/* controller_recover.c: the journal's past, or NULL. */
struct journal_past *controller_past(const struct controller *c);

/* controller_ha.c: a dead host's fencing and its VMs' restarts (see the
 * file). At the end of each probe; the recovery results, at each run. */
void controller_ha_probe(struct controller *c, double now);
void controller_ha_poll(struct controller *c, double now);
/* A fence or a restart runs: results are to be collected. */
bool controller_ha_busy(const struct controller *c);
/* A person's word that host is off (fence HOST --confirmed-off). */
int controller_fence_confirm(struct controller *c, const char *host,
    double now, struct diag *d);
/* The restarts offered or running, as moves (after the plan's); out
 * NULL: how many there are. */
size_t controller_ha_moves(const struct controller *c, struct move_view *out,
    size_t max);
/* Is vm's restart from from on to offered? Starts it (confirm). */
bool controller_ha_offered(const struct controller *c, const char *vm,
    const char *from, const char *to);
int controller_ha_confirm(struct controller *c, const char *vm,
    const char *from, double now, struct diag *d);
/* Why no restart is on the table, when a host is down; false: none is. */
bool controller_ha_why(const struct controller *c, char *buf, size_t len);
/* After a reload: hosts removed are forgotten. */
void controller_ha_reload(struct controller *c);
void controller_ha_free(struct controller *c);

/* controller_command.c: the indices of backend "ADDRESS:PORT" of the
 * service named service; -1 (and d, unless NULL) when there is none. */
int controller_backend_named(const struct controller *c, const char *service,
    const char *backend, size_t *si, size_t *bi, struct diag *d);
/* controller_command.c: journals a command that has no arguments (a
 * reload) as done by who; an error event when it cannot be written. */
void controller_journal_command(struct controller *c, double now,
    const char *who, const char *action);
/* controller_command.c: 1 when cfg puts host into maintenance. */
int controller_cfg_maintenance(const struct config *cfg, const char *host);

#endif
