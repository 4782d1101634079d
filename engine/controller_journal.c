/*
 * controller_journal.c - the journal as the controller writes it: an
 * intent before a migration starts, an outcome when it ends; and what
 * the controller does while the journal cannot be written.
 *
 * Nothing is done that the journal does not hold first: a migration
 * whose intent cannot be written does not start (it stays pending, to
 * start once it can be), and an outcome that cannot be written is not
 * dropped but kept, in order, and written later. While anything failed
 * (the journal is "down") no migration starts.
 *
 * It cannot spin or flood: the journal is tried again only when a
 * retry is due, JOURNAL_RETRY_S of run time after the last failure, and
 * only from controller_start_ready, which runs when the controller is
 * woken anyway (it schedules no wake-up of its own). The kept outcomes
 * are written first, then the pending intent is the test that the
 * journal works again; the first success clears "down". An error event
 * is emitted when the journal goes down (with its reason, errno's text
 * included) and for each outcome that has to wait (one per migration
 * that ended, so bounded), never for a retry that failed again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller_priv.h"

#define JOURNAL_RETRY_S 5.0

/* An outcome not written yet: its own copy of everything. */
struct controller_jrec {
	double ts;
	char *who, *vm, *from, *to, *error;
	enum mig_status st;
	double dur;
	struct mig_stats stats;
};

static void
controller_journal_error(struct controller *c, double now, const char *msg)
{
	struct event ev = { .type = EV_ERROR, .ts = now };

	ev.u.error.message = msg;
	controller_emit(c, &ev);
}

static int
controller_journal_write(struct controller *c, double now,
    const struct journal_entry *je, char *why, size_t len)
{
	struct diag d;

	diag_clear(&d);
	if (c->opts.journal->ops->record(c->opts.journal->impl, je, &d) == 0)
		return 0;
	if (d.msg[0] == '\0')
		diag_set(&d, NULL, 0, 0, "the journal cannot be written");
	diag_format(&d, why, len);
	c->jdown = true;
	c->jretry_at = now + JOURNAL_RETRY_S;
	return -1;
}

static void
controller_jrec_free(struct controller_jrec *r)
{
	free(r->who);
	free(r->vm);
	free(r->from);
	free(r->to);
	free(r->error);
}

static int
controller_jrec_write(struct controller *c, double now,
    const struct controller_jrec *r, char *why, size_t len)
{
	struct journal_entry je;

	memset(&je, 0, sizeof je);
	je.ts = r->ts;
	je.outcome = true;
	je.who = r->who;
	je.action = "migrate";
	je.vm = r->vm;
	je.from = r->from;
	je.to = r->to;
	je.status = r->st;
	je.duration_s = r->dur;
	je.error = r->error;
	je.stats = r->stats;
	return controller_journal_write(c, now, &je, why, len);
}

/* The record of e's migration at now: its intent, or its outcome. */
static void
controller_journal_entry(struct journal_entry *je, double now,
    const struct exec_move *e, bool outcome)
{
	memset(je, 0, sizeof *je);
	mig_stats_none(&je->stats);
	je->ts = now;
	je->outcome = outcome;
	je->who = e->who != NULL ? e->who : "auto";
	je->action = "migrate";
	je->vm = e->vm;
	je->from = e->from;
	je->to = e->to;
}

int
controller_journal_intent(struct controller *c, double now,
    const struct exec_move *e)
{
	struct journal_entry je;
	char why[700], msg[1200];
	bool was = c->jdown;

	if (c->opts.journal == NULL)
		return 0;
	controller_journal_entry(&je, now, e, false);
	if (controller_journal_write(c, now, &je, why, sizeof why) == 0) {
		c->jdown = false;
		return 0;
	}
	if (!was) {
		snprintf(msg, sizeof msg,
		    "not migrating %s: %s; no migration starts until the journal can be written (tried again every %.0f s)",
		    e->vm, why, JOURNAL_RETRY_S);
		controller_journal_error(c, now, msg);
	}
	return -1;
}

void
controller_journal_outcome(struct controller *c, double now,
    const struct exec_move *e, enum mig_status st, double dur,
    const char *error, const struct mig_stats *stats)
{
	struct controller_jrec *n, *r;
	struct journal_entry je;
	char why[700], msg[1200];

	if (c->opts.journal == NULL)
		return;
	controller_journal_entry(&je, now, e, true);
	je.status = st;
	je.duration_s = dur;
	je.error = error;
	if (stats != NULL)
		je.stats = *stats;
	/* in order: behind outcomes kept before it; else it is tried now
	 * (one try per migration that ended: bounded) */
	if (c->njpending > 0)
		snprintf(why, sizeof why,
		    "outcomes before it wait to be written");
	else if (controller_journal_write(c, now, &je, why, sizeof why) == 0) {
		c->jdown = false;
		return;
	}
	c->jdown = true;
	n = realloc(c->jpending, (c->njpending + 1) * sizeof *n);
	if (n == NULL) {
		snprintf(msg, sizeof msg,
		    "the outcome of migrating %s is not in the journal (%s) and is lost: out of memory",
		    e->vm, why);
		controller_journal_error(c, now, msg);
		return;
	}
	c->jpending = n;
	r = &n[c->njpending];
	memset(r, 0, sizeof *r);
	r->ts = now;
	r->st = st;
	r->dur = dur;
	r->stats = je.stats;
	r->who = strdup(je.who);
	r->vm = strdup(e->vm);
	r->from = strdup(e->from);
	r->to = strdup(e->to);
	r->error = error != NULL ? strdup(error) : NULL;
	if (r->who == NULL || r->vm == NULL || r->from == NULL ||
	    r->to == NULL || (error != NULL && r->error == NULL)) {
		controller_jrec_free(r);
		snprintf(msg, sizeof msg,
		    "the outcome of migrating %s is not in the journal (%s) and is lost: out of memory",
		    e->vm, why);
		controller_journal_error(c, now, msg);
		return;
	}
	c->njpending++;
	snprintf(msg, sizeof msg,
	    "the outcome of migrating %s (%s) is not in the journal yet: %s; it is kept and written when the journal can be (tried again every %.0f s), and no migration starts until then",
	    e->vm, mig_status_name(st), why, JOURNAL_RETRY_S);
	controller_journal_error(c, now, msg);
}

bool
controller_journal_ready(struct controller *c, double now)
{
	char why[700];
	size_t i;

	if (!c->jdown)
		return true;
	if (now < c->jretry_at - 1e-9)
		return false;
	for (i = 0; i < c->njpending; i++)
		if (controller_jrec_write(c, now, &c->jpending[i], why,
		    sizeof why) != 0)
			break;
	if (i > 0) {
		size_t k;

		for (k = 0; k < i; k++)
			controller_jrec_free(&c->jpending[k]);
		memmove(c->jpending, c->jpending + i,
		    (c->njpending - i) * sizeof *c->jpending);
		c->njpending -= i;
	}
	if (c->njpending > 0)
		return false;	/* still down: retried later, silently */
	if (i > 0)
		c->jdown = false;	/* it works again */
	/* else the pending intent is the test */
	return true;
}

void
controller_journal_free(struct controller *c)
{
	size_t i;

	for (i = 0; i < c->njpending; i++)
		controller_jrec_free(&c->jpending[i]);
	free(c->jpending);
	c->jpending = NULL;
	c->njpending = 0;
}
