/*
 * controller_recover.c - restart safety.
 *
 * A vmbal that starts again after it died reads its
 * journal (the journal's past, see journal.h) and, probe by probe:
 *
 * - settles every move left open (an intent without an outcome: it died
 *   while the migration ran) once the probe shows where the VM is: done
 *   when it runs on the destination, failed when anywhere else; while
 *   libvirt still shows the migration running it waits, with the VM in
 *   flight (never planned, its backends drained). The outcome is a
 *   migration event and a journal record by "recovery"; a done one
 *   carries the figures libvirt kept of the job on the destination
 *   (snap_vm's arrival), waited for up to RECOVER_LOOKS probes, as the
 *   hypervisor sets them just after the guest resumes;
 * - keeps each VM that moved less than vm_cooldown_s ago (wall clock, as
 *   the journal says) cooling down for the rest of that time. The model
 *   counts time from this run's start, so such a VM is marked as moved at
 *   0 and unmarked at the first probe after its cooldown has run out.
 *
 * And until every backend's health is known, and every open move's VM
 * has been looked at by a probe (each bounded in time; a VM seen only by
 * a refresh between ticks is not settled, and was let back into rotation
 * before its move was: e2e_restart_lab saw a connection reach it), the
 * services' rules are left as
 * the previous run left them: a run that starts does not first take every
 * backend out of rotation because it has not yet checked any.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"

struct journal_past *
controller_past(const struct controller *c)
{
	const struct journal *j = c->opts.journal;

	if (j == NULL || j->ops->past == NULL)
		return NULL;
	return j->ops->past(j->impl);
}

#define RECOVER_LOOKS 3		/* probes that show an arrived VM without
				 * its migration's figures before it is
				 * settled done without them */

static void
controller_recover_open(struct controller *c, struct journal_past_move *m,
    int v, double now)
{
	struct exec_move e;
	struct model_vm *vm;
	const char *at;
	char *why;
	bool done;

	if (v < 0)
		return;		/* not seen yet */
	vm = &c->model->vms[v];
	if (vm->state == VM_MIGRATING || vm->state == VM_UNKNOWN ||
	    vm->host < 0) {
		/* still moving, or its host is out of reach: wait, and keep
		 * it in flight meanwhile */
		if (!vm->in_flight)
			c->dnat_dirty = true;
		vm->in_flight = true;
		return;
	}
	at = c->model->hosts[vm->host].name;
	done = strcmp(at, m->to) == 0;
	if (done && vm->arrival.downtime_ms < 0 && ++m->looks < RECOVER_LOOKS) {
		/* its figures may come with the next probe: wait, in
		 * flight as above */
		if (!vm->in_flight)
			c->dnat_dirty = true;
		vm->in_flight = true;
		return;
	}
	memset(&e, 0, sizeof e);
	if (asprintf(&why,
	    "vmbal stopped while this migration ran; %s was found on %s", m->vm,
	    at) < 0)
		why = NULL;
	if (why == NULL || exec_move_set(&e, m->vm, m->from, m->to, NULL) != 0) {
		free(why);
		controller_error(c, now, "out of memory while recovering a migration");
		return;		/* tried again at the next probe */
	}
	e.who = "recovery";
	m->settled = true;
	if (done)
		c->migrations++;
	else
		c->failed++;
	controller_vm_moved(c, m->vm, m->to, done, now);
	controller_emit_migration(c, now, m->vm, m->from, m->to,
	    done ? MIG_DONE : MIG_FAILED, m->age_s + now, done ? NULL : why,
	    done ? &vm->arrival : NULL);
	controller_journal_outcome(c, now, &e, done ? MIG_DONE : MIG_FAILED,
	    m->age_s + now, done ? NULL : why, done ? &vm->arrival : NULL);
	exec_move_clear(&e);
	free(why);
}

static void
controller_recover_cooling(struct controller *c, struct journal_past_move *m,
    int v, double now)
{
	struct model_vm *vm = v >= 0 ? &c->model->vms[v] : NULL;
	bool ours = vm != NULL && m->set_at >= 0 && vm->moved_at == m->set_at;

	if (now >= c->policy.vm_cooldown_s - m->age_s) {
		if (ours)
			vm->moved_at = -1;	/* its cooldown ran out */
		m->settled = true;
		return;
	}
	if (vm != NULL && vm->moved_at < 0 && !vm->in_flight) {
		vm->moved_at = 0;
		m->set_at = 0;
	}
}

void
controller_recover(struct controller *c, double now)
{
	struct journal_past *past = controller_past(c);
	size_t i;

	for (i = 0; past != NULL && i < past->nmoves; i++) {
		struct journal_past_move *m = &past->moves[i];
		int v;

		if (m->settled)
			continue;
		v = model_vm_index(c->model, m->vm);
		if (m->open)
			controller_recover_open(c, m, v, now);
		else
			controller_recover_cooling(c, m, v, now);
	}
}

/* Is a move of this run starting or running (its backends must be
 * drained at once)? */
static bool
controller_moving(const struct controller *c)
{
	size_t i;

	for (i = 0; i < c->nexec; i++) {
		int v = model_vm_index(c->model, c->exec[i].vm);

		if (c->exec[i].st == EX_RUNNING || (c->exec[i].st == EX_PENDING &&
		    v >= 0 && c->model->vms[v].in_flight))
			return true;
	}
	return false;
}

bool
controller_dnat_wait(const struct controller *c, double now)
{
	struct journal_past *past = controller_past(c);
	double limit;
	size_t i, j;

	if (controller_moving(c))
		return false;
	/* health: a new backend is up on its first pass, down after fall
	 * failures; wait that long at most */
	for (i = 0; c->opts.health != NULL && i < c->cfg->nservices; i++) {
		const struct health_conf *h = &c->cfg->services[i].health;
		double t = (double)((h->fall > h->rise ? h->fall : h->rise) *
		    h->interval_ms + h->timeout_ms) / 1000.0 + 1.0;

		for (j = 0; j < c->cfg->services[i].nbackends; j++)
			if (c->views[i][j].health == BH_UNKNOWN && now < t)
				return true;
	}
	/* an open move's VM not yet looked at by the recovery (not seen,
	 * or seen only by a refresh between ticks, which does not settle
	 * it: not in flight yet): its backends must stay drained */
	limit = fmax(10.0, 3.0 * c->policy.probe_interval_s);
	for (i = 0; past != NULL && now < limit && i < past->nmoves; i++) {
		int v;

		if (!past->moves[i].open || past->moves[i].settled)
			continue;
		v = model_vm_index(c->model, past->moves[i].vm);
		if (v >= 0 && c->model->vms[v].in_flight)
			continue;	/* drained as in flight */
		for (j = 0; j < c->cfg->nservices; j++) {
			const struct service_conf *s = &c->cfg->services[j];
			size_t k;

			for (k = 0; k < s->nbackends; k++)
				if (s->backends[k].vm != NULL &&
				    strcmp(s->backends[k].vm,
				    past->moves[i].vm) == 0)
					return true;
		}
	}
	return false;
}
