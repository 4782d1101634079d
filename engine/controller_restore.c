/*
 * controller_restore.c - the operator's standing state, restored at the
 * start of a run from the journal's command records (journal.h's
 * journal_past_state): a host put into maintenance, a backend drained,
 * a pause and a mode set at run time stay so across a restart, until
 * changed back, or until the configuration says otherwise:
 *   - maintenance: restored only while the configuration says of the
 *     host what it said when the command came (an edit of the
 *     maintenance list is the newer word);
 *   - mode: likewise for policy.mode, and never over --mode or a run
 *     that only observes;
 *   - a host or backend no longer in the configuration is let go.
 * Each restored (or let go) state is said in a command event, who
 * "journal", so the console's Events and the headless stream show it.
 */
#include <stdio.h>
#include <string.h>

#include "controller_priv.h"

static void
controller_restore_said(struct controller *c, double now, const char *name,
    const char *args, bool done, const char *msg)
{
	struct event ev;

	memset(&ev, 0, sizeof ev);
	ev.type = EV_COMMAND;
	ev.ts = now;
	ev.u.command.who = "journal";
	ev.u.command.name = name;
	ev.u.command.args = args;
	ev.u.command.done = done;
	ev.u.command.message = msg;
	controller_emit(c, &ev);
}

/* One standing state; false (and why) when it is not restored. */
static bool
controller_restore_one(struct controller *c,
    const struct journal_past_state *st, char *why, size_t len)
{
	size_t si, bi;
	int h;

	switch (st->kind) {
	case JSTATE_MAINTENANCE:
		if ((h = model_host_index(c->model, st->host)) < 0) {
			snprintf(why, len, "no host %s in the configuration",
			    st->host);
			return false;
		}
		if (controller_cfg_maintenance(c->cfg, st->host) !=
		    st->config_was) {
			snprintf(why, len, "the configuration's maintenance list changed since");
			return false;
		}
		c->model->hosts[h].maintenance = st->on;
		if (c->model->hosts[h].up)
			c->model->hosts[h].state = st->on ? HOST_MAINTENANCE :
			    HOST_UP;
		return true;
	case JSTATE_DRAIN:
		if (controller_backend_named(c, st->service, st->backend,
		    &si, &bi, NULL) != 0) {
			snprintf(why, len, "service %s has no backend %s now",
			    st->service, st->backend);
			return false;
		}
		c->views[si][bi].drained = st->on;
		c->dnat_dirty = true;
		return true;
	case JSTATE_PAUSE:
		c->paused = st->on;
		return true;
	case JSTATE_MODE:
		if (c->opts.mode_given || c->policy.mode == MODE_OBSERVE) {
			snprintf(why, len, c->opts.mode_given ?
			    "--mode chose the mode" : "this run only observes");
			return false;
		}
		if ((int)c->cfg->policy.mode != st->config_was) {
			snprintf(why, len, "the configuration's policy.mode changed since");
			return false;
		}
		if (strcmp(st->mode, "auto") == 0)
			c->policy.mode = MODE_AUTO;
		else if (strcmp(st->mode, "manual") == 0)
			c->policy.mode = MODE_MANUAL;
		else {
			snprintf(why, len, "no mode %s", st->mode);
			return false;
		}
		return true;
	}
	return false;
}

void
controller_restore(struct controller *c, double now)
{
	struct journal_past *past;
	char args[400], msg[600], why[200];
	static const char *const names[] = { "maintenance", "drain", "pause",
		"mode" };
	size_t i;

	if (c->restored)
		return;
	c->restored = true;
	if ((past = controller_past(c)) == NULL)
		return;
	for (i = 0; i < past->nstate; i++) {
		const struct journal_past_state *st = &past->state[i];
		bool ok;

		if (st->kind == JSTATE_PAUSE && !st->on)
			continue;	/* resumed: nothing stands */
		switch (st->kind) {
		case JSTATE_MAINTENANCE:
			snprintf(args, sizeof args, "%s %s", st->host,
			    st->on ? "on" : "off");
			break;
		case JSTATE_DRAIN:
			snprintf(args, sizeof args, "%s %s %s", st->service,
			    st->backend, st->on ? "on" : "off");
			break;
		case JSTATE_MODE:
			snprintf(args, sizeof args, "%s", st->mode);
			break;
		default:
			args[0] = '\0';
		}
		why[0] = '\0';
		ok = controller_restore_one(c, st, why, sizeof why);
		if (ok)
			snprintf(msg, sizeof msg,
			    "restored from the journal: set by %s %.0f s ago",
			    st->who != NULL ? st->who : "?", st->age_s);
		else
			snprintf(msg, sizeof msg, "not restored: %s", why);
		controller_restore_said(c, now, names[st->kind], args, ok, msg);
	}
}
