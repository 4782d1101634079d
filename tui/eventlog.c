/*
 * eventlog.c - the console's event sink: every event the headless mode
 * writes as JSON becomes one line of the event log, and samples also
 * feed the hosts' sparklines. The log is a ring of TUI_LOG_MAX lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../actions/history_rrd.h"
#include "tui.h"

static void
tui_log(struct tui *t, double ts, int role, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
tui_log(struct tui *t, double ts, int role, const char *fmt, ...)
{
	struct tui_logline *l;
	char *line;
	long s = ts > 0 ? (long)(ts + 1e-6) : 0;
	int n;
	va_list ap;

	if (t->log == NULL)
		return;
	if (t->nlog < TUI_LOG_MAX)
		l = &t->log[(t->log_head + t->nlog++) % TUI_LOG_MAX];
	else {
		l = &t->log[t->log_head];
		t->log_head = (t->log_head + 1) % TUI_LOG_MAX;
	}
	l->role = role;
	line = l->text;
	n = snprintf(line, sizeof l->text, "%ld:%02ld:%02ld ", s / 3600,
	    (s / 60) % 60, s % 60);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof l->text - (size_t)n, fmt, ap);
	va_end(ap);
}

const struct tui_logline *
tui_log_line(const struct tui *t, size_t i)
{
	return &t->log[(t->log_head + i) % TUI_LOG_MAX];
}

static void
tui_event_sample(struct tui *t, const struct event *ev)
{
	const struct model *m = ev->u.sample.model;
	size_t h;

	if (t->hist != NULL && m->nhosts > t->hist_hosts) {
		/* more hosts than it has room for (a reload added some) */
		float (*grown)[TUI_HIST] = realloc(t->hist,
		    m->nhosts * sizeof *t->hist);

		if (grown != NULL) {
			memset(grown + t->hist_hosts, 0,
			    (m->nhosts - t->hist_hosts) * sizeof *grown);
			t->hist = grown;
			t->hist_hosts = m->nhosts;
		}
	}
	if (t->hist != NULL && m->nhosts <= t->hist_hosts) {
		if (t->nhist == TUI_HIST)
			for (h = 0; h < m->nhosts; h++)
				memmove(&t->hist[h][0], &t->hist[h][1],
				    (TUI_HIST - 1) * sizeof t->hist[h][0]);
		else
			t->nhist++;
		for (h = 0; h < m->nhosts; h++)
			t->hist[h][t->nhist - 1] = m->hosts[h].state == HOST_DOWN ||
			    m->hosts[h].state == HOST_CONNECTING ?
			    0 : (float)m->hosts[h].cpu_pct;
	}
	tui_log(t, ev->ts, THEME_NORMAL, "sample spread %.1f%% %s", m->spread,
	    ev->u.sample.imbalanced ? "imbalanced" : "balanced");
}

static void
tui_event_plan(struct tui *t, const struct event *ev)
{
	const struct plan *p = ev->u.plan.plan;
	const struct plan_input *in = ev->u.plan.in;
	char moves[120] = "";
	size_t i;

	for (i = 0; i < p->nmoves && strlen(moves) < 90; i++)
		snprintf(moves + strlen(moves), sizeof moves - strlen(moves),
		    "%s%s>%s", i > 0 ? ", " : "", in->vms[p->moves[i].vm].name,
		    in->hosts[p->moves[i].to].name);
	if (i < p->nmoves)
		snprintf(moves + strlen(moves), sizeof moves - strlen(moves),
		    ", ...");
	tui_log(t, ev->ts, THEME_NORMAL, "plan %zu move%s spread %.1f%% -> %.1f%% (%s%s): %s",
	    p->nmoves, p->nmoves == 1 ? "" : "s", p->spread_before,
	    p->spread_after, policy_mode_name(ev->u.plan.mode),
	    ev->u.plan.dry_run ? ", dry run" : "", moves);
	if (ev->u.plan.replaces != NULL)
		tui_log(t, ev->ts, THEME_NORMAL, "offer %s",
		    ev->u.plan.replaces);
}

static void
tui_event_dnat(struct tui *t, const struct event *ev)
{
	const struct dnat_service *s = ev->u.dnat.svc;
	char w[120] = "";
	size_t i;

	for (i = 0; i < s->nbackends && strlen(w) < 100; i++)
		snprintf(w + strlen(w), sizeof w - strlen(w), "%s%ld",
		    i > 0 ? "/" : "", s->backends[i].up ? s->backends[i].weight :
		    0);
	if (!ev->u.dnat.applied)
		tui_log(t, ev->ts, THEME_BAD, "dnat %s FAILED: %s", s->name,
		    ev->u.dnat.error != NULL ? ev->u.dnat.error : "?");
	else if (ev->u.dnat.forgot != NULL)
		tui_log(t, ev->ts, THEME_NORMAL, "dnat %s: %s", s->name,
		    ev->u.dnat.message != NULL ? ev->u.dnat.message :
		    "connection tracking entries forgotten");
	else if (ev->u.dnat.repaired)
		tui_log(t, ev->ts, THEME_WARN, "dnat %s REPAIRED: %s", s->name,
		    ev->u.dnat.message != NULL ? ev->u.dnat.message :
		    "rules restored");
	else
		tui_log(t, ev->ts, THEME_NORMAL, "dnat %s %s weights %s", s->name,
		    ev->u.dnat.dry_run ? "would set" : "set", w);
}

/* A migration that ended joins the recent ones (newest first). */
static void
tui_event_recent(struct tui *t, const struct event *ev)
{
	struct tui_recent *r;

	if (t->nrecent < TUI_RECENT_MAX)
		t->nrecent++;
	memmove(&t->recent[1], &t->recent[0],
	    (t->nrecent - 1) * sizeof t->recent[0]);
	r = &t->recent[0];
	snprintf(r->vm, sizeof r->vm, "%s", ev->u.migration.vm);
	snprintf(r->from, sizeof r->from, "%s", ev->u.migration.from);
	snprintf(r->to, sizeof r->to, "%s", ev->u.migration.to);
	r->status = ev->u.migration.status;
	r->ts = ev->ts;
	r->duration_s = ev->u.migration.duration_s;
	r->stats = ev->u.migration.stats;
}

/* A reload: what changed, a line each; applied, the console takes the
 * new configuration at once (the old one is freed after this event) and
 * the hosts' sparklines start again (hosts may have come or gone). */
static void
tui_event_reload(struct tui *t, const struct event *ev)
{
	size_t i;
	float (*hist)[TUI_HIST];

	if (!ev->u.reload.applied) {
		tui_log(t, ev->ts, THEME_BAD, "reload (%s) refused: %s",
		    ev->u.reload.who, ev->u.reload.error != NULL ?
		    ev->u.reload.error : "?");
		return;
	}
	tui_log(t, ev->ts, THEME_GOOD, "reload (%s) applied: %zu change%s",
	    ev->u.reload.who, ev->u.reload.nchanges,
	    ev->u.reload.nchanges == 1 ? "" : "s");
	for (i = 0; i < ev->u.reload.nchanges; i++)
		tui_log(t, ev->ts, THEME_NORMAL, "  %s", ev->u.reload.changes[i]);
	t->cfg = controller_config(t->ctl);
	hist = calloc(t->cfg->nhosts + 1, sizeof *hist);
	if (hist != NULL) {
		free(t->hist);
		t->hist = hist;
		t->nhist = 0;
	}
}

void
tui_event(void *arg, const struct event *ev)
{
	struct tui *t = arg;

	history_event(t->run->history, ev);	/* the RRD files */
	switch (ev->type) {
	case EV_SAMPLE:
		tui_event_sample(t, ev);
		break;
	case EV_IMBALANCE:
		tui_log(t, ev->ts, ev->u.imbalance.to ? THEME_WARN :
		    THEME_GOOD, "imbalance %s -> %s, spread %.1f%%",
		    ev->u.imbalance.from ? "imbalanced" : "balanced",
		    ev->u.imbalance.to ? "imbalanced" : "balanced",
		    ev->u.imbalance.spread);
		break;
	case EV_PLAN:
		tui_event_plan(t, ev);
		break;
	case EV_MIGRATION:
		if (ev->u.migration.status != MIG_STARTED)
			tui_event_recent(t, ev);
		if (ev->u.migration.status == MIG_STARTED)
			tui_log(t, ev->ts, THEME_WARN,
			    "migration %s %s -> %s started",
			    ev->u.migration.vm, ev->u.migration.from,
			    ev->u.migration.to);
		else
			tui_log(t, ev->ts, ev->u.migration.status ==
			    MIG_DONE ? THEME_GOOD : THEME_BAD,
			    "migration %s %s -> %s %s in %.1fs%s%s",
			    ev->u.migration.vm, ev->u.migration.from,
			    ev->u.migration.to,
			    mig_status_name(ev->u.migration.status),
			    ev->u.migration.duration_s,
			    ev->u.migration.error != NULL ? ": " : "",
			    ev->u.migration.error != NULL ?
			    ev->u.migration.error : "");
		break;
	case EV_HEALTH:
		if (ev->u.health.up)
			tui_log(t, ev->ts, THEME_GOOD, "health %s %s up (%.1f ms)",
			    ev->u.health.service, ev->u.health.backend,
			    ev->u.health.latency_ms);
		else
			tui_log(t, ev->ts, THEME_BAD, "health %s %s DOWN: %s",
			    ev->u.health.service, ev->u.health.backend,
			    ev->u.health.error != NULL ? ev->u.health.error :
			    "no answer");
		break;
	case EV_DNAT:
		tui_event_dnat(t, ev);
		break;
	case EV_ERROR:
		tui_log(t, ev->ts, THEME_BAD, "error: %s", ev->u.error.message);
		tui_message(t, true, "%s", ev->u.error.message);
		break;
	case EV_HA:
		tui_log(t, ev->ts, ev->u.ha.active ? THEME_GOOD : THEME_WARN,
		    "ha: %s %s: %s", ev->u.ha.address, ev->u.ha.active ?
		    "is here" : "is elsewhere", ev->u.ha.active ?
		    "active, acting" : "standby, not migrating");
		break;
	case EV_COMMAND:
		tui_log(t, ev->ts, ev->u.command.done ? THEME_NORMAL : THEME_WARN,
		    "%s: %s%s%s %s: %s", ev->u.command.who, ev->u.command.name,
		    ev->u.command.args[0] != '\0' ? " " : "", ev->u.command.args,
		    ev->u.command.done ? "done" : "refused",
		    ev->u.command.message);
		break;
	case EV_RELOAD:
		tui_event_reload(t, ev);
		break;
	case EV_FENCE:
		if (ev->u.fence.off)
			tui_log(t, ev->ts, THEME_WARN, "fence %s: off (%s)",
			    ev->u.fence.host, ev->u.fence.who);
		else
			tui_log(t, ev->ts, THEME_BAD, "fence %s FAILED: %s",
			    ev->u.fence.host, ev->u.fence.error != NULL ?
			    ev->u.fence.error : "not confirmed off");
		break;
	case EV_RESTART:
		tui_log(t, ev->ts, ev->u.restart.error == NULL ? THEME_NORMAL :
		    THEME_BAD, "restart %s %s -> %s %s%s%s", ev->u.restart.vm,
		    ev->u.restart.from, ev->u.restart.to != NULL ?
		    ev->u.restart.to : "(nowhere)", ev->u.restart.status,
		    ev->u.restart.error != NULL ? ": " : "",
		    ev->u.restart.error != NULL ? ev->u.restart.error : "");
		break;
	case EV_COUNT:
		break;
	case EV_END:
		tui_log(t, ev->ts, THEME_NORMAL, "end: %ld migrations, %ld failed, spread %.1f%%",
		    ev->u.end.migrations, ev->u.end.failed, ev->u.end.spread);
		break;
	}
}
