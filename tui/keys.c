/*
 * keys.c - the console's key map: a table from key to command, the
 * movement keys shared by every pane, and the filter line. Commands that
 * change the cluster open a confirmation (actions.c carries them out);
 * in observe mode they say why they do nothing.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

static const double tui_refresh_steps[] = { 0.5, 1, 2, 5, 10 };

/* Observe mode refuses what would change the cluster: true if refused. */
static bool
tui_readonly(struct tui *t, const char *what)
{
	if (controller_mode(t->ctl) != MODE_OBSERVE)
		return false;
	if (t->run->holder[0] != '\0')
		tui_message(t, true,
		    "observe mode: cannot %s; %s holds control of this cluster",
		    what, t->run->holder);
	else
		tui_message(t, true,
		    "observe mode (--mode observe): cannot %s; vmbal only watches",
		    what);
	return true;
}

static void
tui_dialog_new(struct tui *t)
{
	tui_dialog_clear(t);
}

/* Remembers a move as the dialog shows it: copies, since the
 * controller's names are only lent until it next runs. */
static void
tui_dialog_move(struct tui *t, const struct move_view *mv)
{
	struct tui_dialog *d = &t->dlg;

	if (d->nmv >= TUI_DLG_LINES)
		return;
	tui_dialog_own(t, &d->mv_vm[d->nmv], mv->vm);
	tui_dialog_own(t, &d->mv_from[d->nmv], mv->from);
	tui_dialog_own(t, &d->mv_to[d->nmv], mv->to);
	d->nmv++;
}

static void
key_next_pane(struct tui *t)
{
	t->focus = (t->focus + 1) % TUI_NPANES;
}

static void
key_prev_pane(struct tui *t)
{
	t->focus = (t->focus + TUI_NPANES - 1) % TUI_NPANES;
}

static void
key_help(struct tui *t)
{
	tui_help(t);
}

static void
key_quit(struct tui *t)
{
	size_t i;

	if (t->nflights == 0) {
		t->quit = true;
		return;
	}
	tui_dialog_new(t);
	for (i = 0; i < t->nflights; i++)
		tui_dialog_line(t, "  %s  %s -> %s  running", t->flights[i].vm,
		    t->flights[i].from, t->flights[i].to);
	tui_dialog_line(t, "vmbal stops watching them; the journal keeps the intent.");
	tui_confirm(t, VERB_QUIT, "Migrations are running. Quit anyway?");
}

static void
key_auto(struct tui *t)
{
	bool to_auto = controller_mode(t->ctl) != MODE_AUTO;

	if (tui_readonly(t, "switch to auto mode"))
		return;
	tui_dialog_new(t);
	t->dlg.flag = to_auto;
	if (to_auto) {
		tui_dialog_line(t, "vmbal will migrate VMs without asking, within the policy:");
		tui_dialog_line(t, "  at most %ld at a time, none moved twice within %lds.",
		    t->run->policy.max_concurrent_migrations,
		    (long)t->run->policy.vm_cooldown_s);
		tui_confirm(t, VERB_MODE, "Switch to AUTO mode?");
	} else {
		tui_dialog_line(t, "Plans will wait for your confirmation; running migrations finish.");
		tui_confirm(t, VERB_MODE, "Switch back to manual mode?");
	}
}

static void
key_pause(struct tui *t)
{
	struct diag d;
	bool p = !controller_paused(t->ctl);

	if (tui_readonly(t, "pause the engine"))
		return;
	if (controller_pause(t->ctl, p, &d) == 0)
		tui_message(t, false, p ?
		    "paused: probes go on; no planning, no new migration" :
		    "resumed");
}

static void
key_refresh(struct tui *t, int dir)
{
	size_t n = sizeof tui_refresh_steps / sizeof tui_refresh_steps[0], i;

	for (i = 0; i < n && tui_refresh_steps[i] < t->refresh_s - 1e-9; i++)
		;
	if (dir < 0 && i + 1 < n)
		i++;		/* '-': slower, a longer interval */
	else if (dir > 0 && i > 0)
		i--;
	t->refresh_s = tui_refresh_steps[i < n ? i : n - 1];
	tui_message(t, false, "refresh every %gs", t->refresh_s);
}

static void
key_faster(struct tui *t)
{
	key_refresh(t, 1);
}

static void
key_slower(struct tui *t)
{
	key_refresh(t, -1);
}

static void
key_theme(struct tui *t)
{
	char names[32][64], err[512];
	size_t n = theme_list(names, 32), i;
	struct theme th;

	for (i = 0; i < n && strcmp(names[i], t->theme.name) != 0; i++)
		;
	i = n > 0 ? (i + 1) % n : 0;
	if (n == 0 || theme_load(names[i], &th, err, sizeof err) != 0) {
		tui_message(t, true, "theme: %s", n == 0 ? "none found" : err);
		return;
	}
	t->theme = th;
	theme_apply(&t->theme, t->color, t->attr);
	tui_message(t, false, "theme: %s%s", t->theme.name,
	    t->color ? "" : " (no colour: NO_COLOR or the terminal)");
}

static void
key_filter(struct tui *t)
{
	t->filtering = true;
	t->focus = PANE_VMS;
}

static void
key_sort(struct tui *t, int dir)
{
	t->sort = (enum tui_sort)(((int)t->sort + dir + TUI_NSORT) % TUI_NSORT);
	t->focus = PANE_VMS;
}

static void
key_sort_next(struct tui *t)
{
	key_sort(t, 1);
}

static void
key_sort_prev(struct tui *t)
{
	key_sort(t, -1);
}

static void
key_invert(struct tui *t)
{
	t->sort_desc = !t->sort_desc;
}

static void
key_confirm_one(struct tui *t)
{
	const struct move_view *mv;
	size_t i = t->sel[PANE_PLAN];

	if (tui_readonly(t, "confirm a suggestion"))
		return;
	if (i >= t->nmoves || t->moves[i].state != MOVE_OFFERED) {
		for (i = 0; i < t->nmoves; i++)
			if (t->moves[i].state == MOVE_OFFERED)
				break;
		if (i == t->nmoves) {
			tui_message(t, true, "no suggestion waits for confirmation");
			return;
		}
	}
	mv = &t->moves[i];
	tui_dialog_new(t);
	tui_dialog_move(t, mv);
	tui_dialog_own(t, &t->dlg.vm, mv->vm);
	tui_dialog_line(t, "Migrate %s from %s to %s (live).", mv->vm, mv->from,
	    mv->to);
	tui_dialog_line(t, "Predicted spread after it: %.1f%% (now %.1f%%).",
	    mv->spread_after, t->spread_before);
	tui_dialog_line(t, "Why: %s", mv->reason);
	tui_confirm(t, VERB_CONFIRM_ONE, "Confirm this migration?");
}

static void
key_confirm_all(struct tui *t)
{
	size_t i, n = 0;

	if (tui_readonly(t, "confirm suggestions"))
		return;
	tui_dialog_new(t);
	for (i = 0; i < t->nmoves; i++)
		if (t->moves[i].state == MOVE_OFFERED) {
			tui_dialog_line(t, "%zu. %s  from %s to %s  (spread after %.1f%%)",
			    i + 1, t->moves[i].vm, t->moves[i].from,
			    t->moves[i].to, t->moves[i].spread_after);
			tui_dialog_move(t, &t->moves[i]);
			n++;
		}
	if (n == 0) {
		tui_message(t, true, "no suggestion waits for confirmation");
		return;
	}
	tui_confirm(t, VERB_CONFIRM_ALL, n == 1 ? "Carry out this migration?" :
	    "Carry out all these migrations, in order?");
}

static void
key_dismiss(struct tui *t)
{
	struct diag d;

	if (tui_readonly(t, "dismiss a suggestion"))
		return;
	if (controller_dismiss(t->ctl, &d) != 0)
		tui_message(t, true, "%s", d.msg);
	else
		tui_message(t, false, "suggestion dismissed: it will not be offered again as it is");
}

static void
key_abort(struct tui *t)
{
	const struct flight *f;

	if (tui_readonly(t, "abort a migration"))
		return;
	if (t->nflights == 0) {
		tui_message(t, true, "no migration in flight");
		return;
	}
	f = &t->flights[t->focus == PANE_FLIGHTS &&
	    t->sel[PANE_FLIGHTS] < t->nflights ? t->sel[PANE_FLIGHTS] : 0];
	tui_dialog_new(t);
	tui_dialog_own(t, &t->dlg.vm, f->vm);
	tui_dialog_line(t, "Abort the migration of %s from %s to %s?", f->vm,
	    f->from, f->to);
	tui_dialog_line(t, "It stays running on %s.", f->from);
	tui_confirm(t, VERB_ABORT, "Abort this migration?");
}

static void
key_migrate(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	const struct model_vm *v;
	struct diag d;
	double spread;
	size_t h;

	if (tui_readonly(t, "migrate a VM"))
		return;
	if (t->focus != PANE_VMS || t->sel[PANE_VMS] >= t->nvm_order) {
		tui_message(t, true, "select a VM in the VMs pane first (Tab to it)");
		return;
	}
	v = &m->vms[t->vm_order[t->sel[PANE_VMS]]];
	tui_dialog_new(t);
	t->dlg.kind = DLG_PICK;
	t->dlg.verb = VERB_MIGRATE;
	tui_dialog_own(t, &t->dlg.vm, v->name);
	if (asprintf(&t->dlg.title, "Migrate %s (now on %s, spread %.1f%%) to:",
	    v->name, v->host >= 0 ? m->hosts[v->host].name : "?",
	    m->spread) < 0) {
		t->dlg.title = NULL;
		t->dlg.oom = true;
	}
	for (h = 0; h < m->nhosts && h < TUI_DLG_LINES; h++) {
		tui_dialog_own(t, &t->dlg.pick_name[h], m->hosts[h].name);
		diag_clear(&d);
		if (controller_predict(t->ctl, v->name, m->hosts[h].name,
		    &spread, &d) == 0) {
			t->dlg.pick_ok[h] = true;
			tui_dialog_line(t, "%-12s predicted spread %5.1f%%",
			    m->hosts[h].name, spread);
		} else
			tui_dialog_line(t, "%-12s %s", m->hosts[h].name, d.msg);
	}
	for (h = 0; h < t->dlg.nlines && !t->dlg.pick_ok[h]; h++)
		;
	t->dlg.sel = h < t->dlg.nlines ? h : 0;
	if (t->dlg.oom) {
		tui_dialog_clear(t);
		tui_message(t, true, "out of memory: nothing done");
	}
}

static void
key_maintenance(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	const struct model_host *h;
	struct plan_input *in;
	struct plan *p;
	size_t i;

	if (tui_readonly(t, "change maintenance"))
		return;
	if (t->focus != PANE_HOSTS || t->sel[PANE_HOSTS] >= m->nhosts) {
		tui_message(t, true, "select a host in the Hosts pane first (Tab to it)");
		return;
	}
	h = &m->hosts[t->sel[PANE_HOSTS]];
	tui_dialog_new(t);
	tui_dialog_own(t, &t->dlg.host, h->name);
	t->dlg.flag = !h->maintenance;
	if (h->maintenance) {
		tui_dialog_line(t, "%s takes VMs again; the planner may move some back.",
		    h->name);
		tui_confirm(t, VERB_MAINT, "Take this host out of maintenance?");
		return;
	}
	p = controller_evacuation(t->ctl, h->name, &in);
	if (p == NULL) {
		tui_message(t, true, "out of memory while planning");
		return;
	}
	tui_dialog_line(t, "Evacuation plan for %s: %zu migration%s", h->name,
	    p->nmoves, p->nmoves == 1 ? "" : "s");
	for (i = 0; i < p->nmoves && t->dlg.nlines < TUI_DLG_LINES - 1; i++)
		tui_dialog_line(t, "  %s  from %s to %s  (spread after %.1f%%)",
		    in->vms[p->moves[i].vm].name, in->hosts[p->moves[i].from].name,
		    in->hosts[p->moves[i].to].name, p->moves[i].spread_after);
	for (i = 0; i < m->nvms && t->dlg.nlines < TUI_DLG_LINES; i++) {
		size_t k;

		if (m->vms[i].host != (int)t->sel[PANE_HOSTS])
			continue;
		for (k = 0; k < p->nmoves; k++)
			if (strcmp(in->vms[p->moves[k].vm].name, m->vms[i].name) == 0)
				break;
		if (k == p->nmoves)
			tui_dialog_line(t, "  %s stays: it may not move (excluded, pinned, cooling down or in flight) or no host can take it",
			    m->vms[i].name);
	}
	plan_free(p);
	plan_input_free(in);
	tui_confirm(t, VERB_MAINT, "Put this host into maintenance and evacuate it?");
}

static void
key_drain(struct tui *t)
{
	const struct backend_view *v;
	size_t s, b;

	if (tui_readonly(t, "drain a backend"))
		return;
	if (t->focus != PANE_SERVICES ||
	    !tui_services_backend(t, t->sel[PANE_SERVICES], &s, &b)) {
		tui_message(t, true, "select a backend in the Services pane first (Tab to it)");
		return;
	}
	v = controller_backend(t->ctl, s, b);
	tui_dialog_new(t);
	t->dlg.svc = s;
	t->dlg.backend = b;
	t->dlg.flag = !v->drained;
	tui_dialog_line(t, "%s %s:%ld of service %s (%s:%ld)",
	    v->drained ? "Restore" : "Drain",
	    t->cfg->services[s].backends[b].address,
	    t->cfg->services[s].backends[b].port, t->cfg->services[s].name,
	    t->cfg->services[s].vip, t->cfg->services[s].port);
	tui_dialog_line(t, v->drained ? "It takes new connections again." :
	    "It takes no new connections; open ones finish.");
	tui_confirm(t, VERB_DRAIN, v->drained ? "Restore this backend?" :
	    "Drain this backend?");
}

static void
key_redraw(struct tui *t)
{
	(void)t;
	clearok(curscr, TRUE);
}

struct tui_key {
	int key;
	void (*fn)(struct tui *t);
};

static const struct tui_key tui_keys[] = {
	{ '\t', key_next_pane }, { KEY_BTAB, key_prev_pane },
	{ KEY_F(1), key_help }, { '?', key_help }, { 'h', key_help },
	{ 'q', key_quit }, { KEY_F(10), key_quit },
	{ 'a', key_auto }, { 'p', key_pause },
	{ '+', key_faster }, { '=', key_faster }, { '-', key_slower },
	{ 't', key_theme }, { '/', key_filter }, { '\\', key_filter },
	{ '>', key_sort_next }, { '.', key_sort_next }, { KEY_F(6), key_sort_next },
	{ '<', key_sort_prev }, { ',', key_sort_prev }, { 'I', key_invert },
	{ '\n', key_confirm_one }, { '\r', key_confirm_one },
	{ KEY_ENTER, key_confirm_one }, { 'y', key_confirm_one },
	{ 'Y', key_confirm_all }, { 'n', key_dismiss }, { 'x', key_abort },
	{ 'm', key_migrate }, { 'e', key_maintenance }, { 'd', key_drain },
	{ 12, key_redraw },
};

/* Movement within the focused pane. True when key was one. */
static bool
tui_move_key(struct tui *t, int key)
{
	size_t *sel = &t->sel[t->focus];
	size_t page = t->pane_rect[t->focus].h > 3 ?
	    (size_t)t->pane_rect[t->focus].h - 2 : 1;

	switch (key) {
	case KEY_UP: case 'k':
		if (*sel > 0)
			(*sel)--;
		break;
	case KEY_DOWN: case 'j':
		(*sel)++;	/* the pane clamps it when it draws */
		break;
	case KEY_PPAGE:
		*sel = *sel > page ? *sel - page : 0;
		break;
	case KEY_NPAGE:
		*sel += page;
		break;
	case KEY_HOME: case 'g':
		*sel = 0;
		break;
	case KEY_END: case 'G':
		*sel = (size_t)-1 / 2;
		break;
	default:
		return false;
	}
	return true;
}

static void
tui_filter_key(struct tui *t, int key)
{
	size_t n = strlen(t->filter);

	if (key == 27) {
		t->filter[0] = '\0';
		t->filtering = false;
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER)
		t->filtering = false;
	else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (n > 0)
			t->filter[n - 1] = '\0';
	} else if (key >= 32 && key < 127 && n + 1 < sizeof t->filter) {
		t->filter[n] = (char)key;
		t->filter[n + 1] = '\0';
	}
	t->sel[PANE_VMS] = 0;
	tui_vm_order(t);
}

void
tui_key(struct tui *t, int key)
{
	size_t i;

	if (key == KEY_RESIZE) {
		clearok(curscr, TRUE);	/* the terminal's old cells are stale */
		return;
	}
	if (t->dlg.kind != DLG_NONE) {
		tui_dialog_key(t, key);
		return;
	}
	if (t->filtering) {
		tui_filter_key(t, key);
		return;
	}
	if (t->too_small) {
		if (key == 'q' || key == KEY_F(10))
			key_quit(t);
		return;
	}
	t->msg[0] = '\0';
	if (tui_move_key(t, key))
		return;
	for (i = 0; i < sizeof tui_keys / sizeof tui_keys[0]; i++)
		if (tui_keys[i].key == key) {
			tui_keys[i].fn(t);
			return;
		}
	if (key == 27)
		return;
	tui_message(t, true, "key %s does nothing here: F1 or ? for help",
	    keyname(key) != NULL ? keyname(key) : "?");
}
