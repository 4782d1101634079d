/*
 * keys.c - the console's key table: its own keys (panes, movement,
 * refresh, theme, filter, sort, quit, redraw), each with its F1 note
 * beside the binding, and the operator commands that belong to no pane
 * (a, p, R); the keys of a pane are in its file (pane_*.c). tui_key
 * finds a key's binding (the focused pane first), or hands the key to
 * the dialog or the filter line while they are up.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

static const double tui_refresh_steps[] = { 0.5, 1, 2, 5, 10 };

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

/* The quit dialog's yes. */
static void
key_quit_yes(struct tui *t, void *arg, const char *choice)
{
	(void)arg;
	(void)choice;
	t->quit = true;
}

static void
key_quit(struct tui *t)
{
	size_t i;

	if (t->nflights == 0) {
		t->quit = true;
		return;
	}
	tui_dialog_clear(t);
	for (i = 0; i < t->nflights; i++)
		tui_dialog_line(t, "  %s  %s -> %s  running", t->flights[i].vm,
		    t->flights[i].from, t->flights[i].to);
	tui_dialog_line(t, "vmbal stops watching them; the journal keeps the intent.");
	tui_confirm(t, "Migrations are running. Quit anyway?", key_quit_yes,
	    NULL, NULL);
}

static void
key_auto(struct tui *t)
{
	bool to_auto = t->mode != MODE_AUTO;
	struct tui_cmd *c;

	if (tui_readonly(t, "switch to auto mode"))
		return;
	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_MODE);
	if (c != NULL)
		c->cmd.mode = to_auto ? MODE_AUTO : MODE_MANUAL;
	if (to_auto) {
		tui_dialog_line(t, "vmbal will migrate VMs without asking, within the policy:");
		tui_dialog_line(t, "  at most %ld at a time, none moved twice within %lds.",
		    t->run->policy.max_concurrent_migrations,
		    (long)t->run->policy.vm_cooldown_s);
		tui_cmd_ask(t, c, NULL);
	} else {
		tui_dialog_line(t, "Plans will wait for your confirmation; running migrations finish.");
		tui_cmd_ask(t, c, "Switch back to manual mode?");
	}
}

static void
key_pause(struct tui *t)
{
	if (tui_readonly(t, "pause the engine"))
		return;
	tui_cmd_now(t, tui_cmd_new(t->paused ? CMD_RESUME : CMD_PAUSE));
}

static void
key_reload(struct tui *t)
{
	if (t->run->reload == NULL) {
		tui_message(t, true,
		    "cannot reload: this run has no configuration file to re-read");
		return;
	}
	tui_dialog_clear(t);
	tui_dialog_line(t, "vmbal re-reads %s; a file with an error is refused",
	    t->cfg->file);
	tui_dialog_line(t, "and the configuration in force is kept.");
	tui_cmd_ask(t, tui_cmd_new(CMD_RELOAD), NULL);
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
key_redraw(struct tui *t)
{
	(void)t;
	clearok(curscr, TRUE);
}

/* A page of the focused pane's rows. */
static size_t
key_page(const struct tui *t)
{
	return t->pane_rect[t->focus].h > 3 ?
	    (size_t)t->pane_rect[t->focus].h - 2 : 1;
}

static void
key_up(struct tui *t)
{
	if (t->sel[t->focus] > 0)
		t->sel[t->focus]--;
}

static void
key_down(struct tui *t)
{
	t->sel[t->focus]++;	/* the pane clamps it when it draws */
}

static void
key_page_up(struct tui *t)
{
	size_t *sel = &t->sel[t->focus];

	*sel = *sel > key_page(t) ? *sel - key_page(t) : 0;
}

static void
key_page_down(struct tui *t)
{
	t->sel[t->focus] += key_page(t);
}

static void
key_home(struct tui *t)
{
	t->sel[t->focus] = 0;
}

static void
key_end(struct tui *t)
{
	t->sel[t->focus] = (size_t)-1 / 2;
}

/*
 * The console's own keys, with their F1 notes, and the operator
 * commands of no pane (their keys and help: cmd_table).
 */
static const struct tui_binding tui_keys[] = {
	{ '\t', key_next_pane, 0, "Tab / Shift-Tab", "next / previous pane" },
	{ KEY_BTAB, key_prev_pane, 0, NULL, NULL },
	{ KEY_UP, key_up, 0, "Up Down, j k",
		"move within a pane; PgUp PgDn, Home End (g G)" },
	{ 'k', key_up, 0, NULL, NULL },
	{ KEY_DOWN, key_down, 0, NULL, NULL }, { 'j', key_down, 0, NULL, NULL },
	{ KEY_PPAGE, key_page_up, 0, NULL, NULL },
	{ KEY_NPAGE, key_page_down, 0, NULL, NULL },
	{ KEY_HOME, key_home, 0, NULL, NULL }, { 'g', key_home, 0, NULL, NULL },
	{ KEY_END, key_end, 0, NULL, NULL }, { 'G', key_end, 0, NULL, NULL },
	{ '+', key_faster, 0, "+ -", "refresh interval (0.5 1 2 5 10 s)" },
	{ '=', key_faster, 0, NULL, NULL }, { '-', key_slower, 0, NULL, NULL },
	{ 't', key_theme, 0, "t", "next theme" },
	{ '/', key_filter, 0, "/",
		"filter VMs by name or host (Enter keeps, Esc clears)" },
	{ '\\', key_filter, 0, NULL, NULL },
	{ '>', key_sort_next, 0, "< > or F6",
		"VMs' sort column;  I  invert the order" },
	{ '.', key_sort_next, 0, NULL, NULL },
	{ KEY_F(6), key_sort_next, 0, NULL, NULL },
	{ '<', key_sort_prev, 0, NULL, NULL }, { ',', key_sort_prev, 0, NULL, NULL },
	{ 'I', key_invert, 0, NULL, NULL },
	{ 'q', key_quit, 0, "q or F10", "quit (asks while migrations run)" },
	{ KEY_F(10), key_quit, 0, NULL, NULL },
	{ 12, key_redraw, 0, "Ctrl-L", "redraw the screen" },
	{ KEY_F(1), key_help, TUI_CMD(CMD_HELP), NULL, NULL },
	{ '?', key_help, TUI_CMD(CMD_HELP), NULL, NULL },
	{ 'a', key_auto, TUI_CMD(CMD_MODE), NULL, NULL },
	{ 'p', key_pause, TUI_CMD(CMD_PAUSE) | TUI_CMD(CMD_RESUME), NULL, NULL },
	{ 'R', key_reload, TUI_CMD(CMD_RELOAD), NULL, NULL },
};

const struct tui_binding *
tui_global_keys(size_t *n)
{
	*n = sizeof tui_keys / sizeof tui_keys[0];
	return tui_keys;
}

/* key's binding in pane id's table, or NULL. */
static const struct tui_binding *
tui_pane_binding(int id, int key)
{
	const struct tui_pane *p = tui_pane(id);
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		if (p->keys[i].key == key)
			return &p->keys[i];
	return NULL;
}

const struct tui_binding *
tui_binding(const struct tui *t, int key)
{
	const struct tui_binding *b = tui_pane_binding(t->focus, key);
	size_t n, i;
	int id;

	for (id = 0; b == NULL && id < TUI_NPANES; id++)
		b = tui_pane_binding(id, key);
	for (i = 0, tui_global_keys(&n); b == NULL && i < n; i++)
		if (tui_keys[i].key == key)
			b = &tui_keys[i];
	return b;
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
	const struct tui_binding *b;

	if (key == KEY_RESIZE) {
		clearok(curscr, TRUE);	/* the terminal's old cells are stale */
		return;
	}
	if (t->dlg.kind != DLG_NONE) {
		tui_dialog_key(t, key);
		return;
	}
	if (t->hview != NULL) {
		tui_hview_key(t, key);
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
	b = tui_binding(t, key);
	if (b != NULL) {
		b->fn(t);
		return;
	}
	if (key == 27)
		return;
	tui_message(t, true, "key %s does nothing here: F1 or ? for help",
	    keyname(key) != NULL ? keyname(key) : "?");
}
