/*
 * controller_moves.c - carrying out the plan in hand, move by move.
 *
 * A plan is carried out in its order: a move waits for every earlier move
 * out of its destination (it needs the room they free) and for earlier
 * moves of the same VM. When a move fails, the moves not yet started are
 * dropped: the plan was predicted with it. After a plan has finished, the
 * controller plans again only once hold_s has passed and fresh samples
 * have come in, so it never acts on averages its own moves have not yet
 * reached.
 */
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"

int
exec_move_set(struct exec_move *e, const char *vm, const char *from,
    const char *to, const char *reason)
{
	e->vm = strdup(vm);
	e->from = strdup(from);
	e->to = strdup(to);
	e->reason = reason != NULL ? strdup(reason) : NULL;
	if (e->vm == NULL || e->from == NULL || e->to == NULL ||
	    (reason != NULL && e->reason == NULL)) {
		exec_move_clear(e);
		return -1;
	}
	return 0;
}

void
exec_move_clear(struct exec_move *e)
{
	free(e->vm);
	free(e->from);
	free(e->to);
	free(e->reason);
	e->vm = e->from = e->to = e->reason = NULL;
}

void
exec_moves_free(struct exec_move *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		exec_move_clear(&v[i]);
	free(v);
}

void
controller_emit_migration(struct controller *c, double now, const char *vm,
    const char *from, const char *to, enum mig_status st, double dur,
    const char *error, const struct mig_stats *stats)
{
	struct event ev;

	memset(&ev, 0, sizeof ev);
	ev.type = EV_MIGRATION;
	ev.ts = now;
	ev.u.migration.vm = vm;
	ev.u.migration.from = from;
	ev.u.migration.to = to;
	ev.u.migration.status = st;
	ev.u.migration.duration_s = dur;
	ev.u.migration.error = error;
	if (stats != NULL)
		ev.u.migration.stats = *stats;
	else
		mig_stats_none(&ev.u.migration.stats);
	controller_emit(c, &ev);
}

void
controller_vm_moved(struct controller *c, const char *vm, const char *to,
    bool done, double now)
{
	int v = model_vm_index(c->model, vm), h;

	if (v < 0)
		return;
	c->model->vms[v].in_flight = false;
	c->model->vms[v].moved_at = now;
	c->dnat_dirty = true;
	if (done && (h = model_host_index(c->model, to)) >= 0) {
		c->model->vms[v].host = h;
		c->model->vms[v].state = VM_RUNNING;
	}
}

void
controller_cancel_pending(struct controller *c)
{
	size_t i;

	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_PENDING)
			c->exec[i].st = EX_CANCELLED;
}

/* Starts every confirmed move whose predecessors are done, up to the cap. */
void
controller_start_ready(struct controller *c, double now)
{
	struct diag d;
	size_t i, j;

	/* nothing starts while the journal cannot be written (see
	 * controller_journal.c) */
	if (!controller_journal_ready(c, now) || c->paused || c->standby)
		return;
	for (i = 0; i < c->nexec; i++) {
		struct exec_move *e = &c->exec[i];
		bool blocked = false;
		int v;

		if (c->running >= c->policy.max_concurrent_migrations)
			return;
		if (e->st != EX_PENDING || !e->confirmed)
			continue;
		for (j = 0; j < i; j++) {
			struct exec_move *f = &c->exec[j];

			if ((strcmp(f->from, e->to) == 0 ||
			    strcmp(f->vm, e->vm) == 0) &&
			    (f->st == EX_PENDING || f->st == EX_RUNNING))
				blocked = true;
		}
		if (blocked)
			continue;
		v = model_vm_index(c->model, e->vm);
		if (v < 0 || c->model->vms[v].host < 0 ||
		    strcmp(c->model->hosts[c->model->vms[v].host].name,
		    e->from) != 0) {
			e->st = EX_CANCELLED;	/* the world moved on */
			continue;
		}
		/* a backend on this VM stops taking new connections first,
		 * before the intent is written: whoever reads the journal
		 * knows no connection begun after the intent reached it */
		c->model->vms[v].in_flight = true;
		c->dnat_dirty = true;
		controller_dnat(c, now);
		/* and its finished connections are forgotten now, not at the
		 * next run: a client that reuses a port in TIME_WAIT would
		 * otherwise be sent to it after the intent is written */
		c->forget_next = 0;
		controller_forget(c, now);
		/* nothing is done that the journal does not hold first: the
		 * move waits (pending, its backends served again) until its
		 * intent is written */
		if (controller_journal_intent(c, now, e) != 0) {
			c->model->vms[v].in_flight = false;
			c->dnat_dirty = true;
			controller_dnat(c, now);
			return;
		}
		diag_clear(&d);
		if (c->action->ops->migrate(c->action->impl,
		    e->vm, e->from, e->to, &d) != 0) {
			e->st = EX_FAILED;
			c->failed++;
			controller_vm_moved(c, e->vm, e->to, false, now);
			controller_emit_migration(c, now, e->vm, e->from, e->to,
			    MIG_FAILED, 0, d.msg, NULL);
			controller_journal_outcome(c, now, e, MIG_FAILED, 0,
			    d.msg, NULL);
			controller_cancel_pending(c);
			return;
		}
		e->st = EX_RUNNING;
		e->started = now;
		c->running++;
		c->model->vms[v].in_flight = true;
		controller_emit_migration(c, now, e->vm, e->from, e->to,
		    MIG_STARTED, 0, NULL, NULL);
	}
}

static struct exec_move *
controller_exec_find(struct controller *c, const char *vm)
{
	size_t i;

	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING && strcmp(c->exec[i].vm, vm) == 0)
			return &c->exec[i];
	return NULL;
}

/* Has the plan in hand finished (nothing running, nothing confirmed left)? */
void
controller_plan_settle(struct controller *c, double now)
{
	size_t i;

	if (c->nexec == 0)
		return;
	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st == EX_RUNNING ||
		    (c->exec[i].st == EX_PENDING && c->exec[i].confirmed))
			return;
	for (i = 0; i < c->nexec; i++)
		if (c->exec[i].st != EX_PENDING)
			break;
	if (i == c->nexec)
		return;		/* an offer nobody took up yet */
	exec_moves_free(c->exec, c->nexec);
	c->exec = NULL;
	c->nexec = 0;
	free(c->last_sig);
	c->last_sig = NULL;
	c->settle_until = now + c->policy.hold_s;
	c->settle_probe = c->probes;
}

void
controller_poll_actions(struct controller *c, double now)
{
	struct action_result res[16];
	struct exec_move *e;
	size_t n, i;

	if (c->action == NULL)
		return;
	while ((n = c->action->ops->poll(c->action->impl, res, 16)) > 0) {
		for (i = 0; i < n; i++) {
			bool done = res[i].status == MIG_DONE;

			e = controller_exec_find(c, res[i].vm);
			if (e != NULL) {
				e->st = done ? EX_DONE : EX_FAILED;
				c->running--;
				controller_journal_outcome(c, now, e,
				    res[i].status, res[i].duration_s,
				    done ? NULL : res[i].error,
				    done ? &res[i].stats : NULL);
			}
			if (done) {
				c->migrations++;
				/* the link rate the next plans count on */
				model_note_rate(c->model,
				    res[i].stats.rate_mibps);
			} else {
				c->failed++;
				controller_cancel_pending(c);
			}
			controller_vm_moved(c, res[i].vm, res[i].to, done, now);
			controller_emit_migration(c, now, res[i].vm,
			    res[i].from, res[i].to, res[i].status,
			    res[i].duration_s, done ? NULL : res[i].error,
			    done ? &res[i].stats : NULL);
			action_result_clear(&res[i]);
		}
		if (n < 16)
			break;
	}
	/* past migration_timeout_s: abort */
	for (i = 0; i < c->nexec; i++) {
		struct diag d;

		e = &c->exec[i];
		if (e->st == EX_RUNNING &&
		    now - e->started > c->policy.migration_timeout_s)
			c->action->ops->abort(c->action->impl, e->vm, &d);
	}
}
