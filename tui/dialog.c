/*
 * dialog.c - the console's modal dialogs: a yes/no confirmation that
 * names what it will do and defaults to No, a list to pick a host from
 * (each with its predicted spread, or why it cannot be chosen), and the
 * help screen. While a dialog is up it takes every key. A line longer
 * than the dialog is wide wraps, so every name in it is shown whole.
 *
 * A dialog does not know what accepting it does: it carries a callback,
 * its argument and how to free that (tmux's status_prompt_set in
 * cmd-confirm-before.c), and calls it back when the operator says yes or
 * picks a line.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

void
tui_dialog_clear(struct tui *t)
{
	struct tui_dialog *d = &t->dlg;
	size_t i;

	free(d->title);
	for (i = 0; i < TUI_DLG_LINES; i++) {
		free(d->lines[i]);
		free(d->pick_name[i]);
	}
	if (d->freecb != NULL)
		d->freecb(d->arg);
	memset(d, 0, sizeof *d);
}

void
tui_dialog_own(struct tui *t, char **slot, const char *s)
{
	free(*slot);
	*slot = strdup(s);
	if (*slot == NULL)
		t->dlg.oom = true;
}

void
tui_dialog_line(struct tui *t, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (t->dlg.nlines >= TUI_DLG_LINES)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		line = NULL;
		t->dlg.oom = true;
	}
	va_end(ap);
	t->dlg.lines[t->dlg.nlines++] = line;
}

void
tui_dialog_choice(struct tui *t, const char *name, bool ok,
    const char *fmt, ...)
{
	struct tui_dialog *d = &t->dlg;
	va_list ap;
	char *line;

	if (d->nlines >= TUI_DLG_LINES)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		line = NULL;
		d->oom = true;
	}
	va_end(ap);
	tui_dialog_own(t, &d->pick_name[d->nlines], name);
	d->pick_ok[d->nlines] = ok;
	d->lines[d->nlines++] = line;
}

/* Opens the dialog as kind with its callback, or says it cannot. */
static void
tui_dialog_open(struct tui *t, enum tui_dialog_kind kind, const char *title,
    tui_dialog_cb cb, void *arg, void (*freecb)(void *))
{
	struct tui_dialog *d = &t->dlg;

	d->kind = kind;
	d->cb = cb;
	d->arg = arg;
	d->freecb = freecb;
	tui_dialog_own(t, &d->title, title != NULL ? title : "");
	if (d->oom) {
		tui_dialog_clear(t);
		tui_message(t, true, "out of memory: nothing done");
	}
}

void
tui_confirm(struct tui *t, const char *title, tui_dialog_cb cb, void *arg,
    void (*freecb)(void *))
{
	tui_dialog_open(t, DLG_CONFIRM, title, cb, arg, freecb);
}

void
tui_pick(struct tui *t, const char *title, tui_dialog_cb cb, void *arg,
    void (*freecb)(void *))
{
	struct tui_dialog *d = &t->dlg;
	size_t i;

	for (i = 0; i < d->nlines && !d->pick_ok[i]; i++)
		;
	d->sel = i < d->nlines ? i : 0;
	tui_dialog_open(t, DLG_PICK, title, cb, arg, freecb);
}

/* The dialog accepted: closed, then its callback called with its
 * argument (and the choice), which are freed after. */
static void
tui_dialog_accept(struct tui *t)
{
	struct tui_dialog *d = &t->dlg;
	tui_dialog_cb cb = d->cb;
	void *arg = d->arg;
	void (*freecb)(void *) = d->freecb;
	char *choice = NULL;

	if (d->kind == DLG_PICK) {
		choice = d->pick_name[d->sel];
		d->pick_name[d->sel] = NULL;
	}
	d->cb = NULL;
	d->arg = NULL;
	d->freecb = NULL;
	tui_dialog_clear(t);
	if (cb != NULL)
		cb(t, arg, choice);
	if (freecb != NULL)
		freecb(arg);
	free(choice);
}

void
tui_box(struct tui *t, int y, int x, int h, int w)
{
	int i, j;

	attrset((attr_t)t->attr[THEME_DIALOG]);
	for (i = 0; i < h; i++) {
		move(y + i, x);
		for (j = 0; j < w; j++)
			addch(' ');
	}
	if (t->utf8) {
		for (j = 1; j < w - 1; j++) {
			mvaddstr(y, x + j, "\u2500");
			mvaddstr(y + h - 1, x + j, "\u2500");
		}
		for (i = 1; i < h - 1; i++) {
			mvaddstr(y + i, x, "\u2502");
			mvaddstr(y + i, x + w - 1, "\u2502");
		}
		mvaddstr(y, x, "\u250c");
		mvaddstr(y, x + w - 1, "\u2510");
		mvaddstr(y + h - 1, x, "\u2514");
		mvaddstr(y + h - 1, x + w - 1, "\u2518");
	} else {
		for (j = 0; j < w; j++) {
			mvaddch(y, x + j, j == 0 || j == w - 1 ? '+' : '-');
			mvaddch(y + h - 1, x + j, j == 0 || j == w - 1 ? '+' : '-');
		}
		for (i = 1; i < h - 1; i++) {
			mvaddch(y + i, x, '|');
			mvaddch(y + i, x + w - 1, '|');
		}
	}
}

/* Columns s takes once made safe. */
static int
tui_cols(const char *s)
{
	char out[TUI_SAFE_MAX];
	size_t n;
	int cols = 0, c;

	while ((n = tui_safe_char(s, out, &c)) > 0) {
		cols += c;
		s += n;
	}
	return cols;
}

/* Rows line takes, wrapped at w columns. */
static int
tui_wrapped_rows(const char *line, int w)
{
	size_t n;
	int rows = 0;

	do {
		n = tui_safe_fit(line, w);
		if (n == 0 && *line != '\0')
			n = strlen(line);	/* w too narrow: give up */
		line += n;
		rows++;
	} while (*line != '\0');
	return rows;
}

void
tui_dialog_draw(struct tui *t)
{
	struct tui_dialog *d = &t->dlg;
	const char *foot = d->kind == DLG_CONFIRM ?
	    "[y] Yes    [N] No (Enter, Esc)" : d->kind == DLG_PICK ?
	    "Up/Down choose, Enter picks, Esc cancels" :
	    "Up/Down scroll, Esc or q closes";
	const char *title = d->title != NULL ? d->title : "";
	size_t i, first = d->kind == DLG_HELP ? d->sel : 0;
	int w = tui_cols(title) + 6, h, y, x, rows = 0, row, max;

	for (i = 0; i < d->nlines; i++)
		if (d->lines[i] != NULL && tui_cols(d->lines[i]) + 6 > w)
			w = tui_cols(d->lines[i]) + 6;
	if ((int)strlen(foot) + 6 > w)
		w = (int)strlen(foot) + 6;
	if (w > COLS - 2)
		w = COLS - 2;
	for (i = first; i < d->nlines; i++)
		rows += tui_wrapped_rows(d->lines[i] != NULL ? d->lines[i] : "",
		    w - 4);
	max = LINES - 6 > 0 ? LINES - 6 : 0;
	if (rows > max)
		rows = max;
	h = rows + 4;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	tui_box(t, y, x, h, w);
	attrset((attr_t)t->attr[THEME_DIALOG] | A_BOLD);
	tui_put(y, x + 2, w - 4, title);
	for (i = first, row = 0; i < d->nlines && row < rows; i++) {
		const char *rest = d->lines[i] != NULL ? d->lines[i] : "";

		if (d->kind == DLG_PICK && i == d->sel)
			attrset((attr_t)t->attr[THEME_SELECTED]);
		else if (d->kind == DLG_PICK && !d->pick_ok[i])
			attrset((attr_t)t->attr[THEME_DIM]);
		else
			attrset((attr_t)t->attr[THEME_DIALOG]);
		do {		/* a long line wraps: its names are seen whole */
			size_t n = tui_safe_fit(rest, w - 4);

			if (n == 0 && *rest != '\0')
				n = strlen(rest);
			tui_put(y + 1 + row++, x + 2, w - 4, rest);
			rest += n;
		} while (*rest != '\0' && row < rows);
	}
	attrset((attr_t)t->attr[THEME_DIALOG]);
	tui_put(y + h - 2, x + 2, w - 4, foot);
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

/* Up and down within the dialog's lines; true when key was one. */
static bool
tui_dialog_scroll(struct tui_dialog *d, int key)
{
	if (key == KEY_UP || key == 'k') {
		if (d->sel > 0)
			d->sel--;
	} else if (key == KEY_DOWN || key == 'j') {
		if (d->sel + 1 < d->nlines)
			d->sel++;
	} else
		return false;
	return true;
}

void
tui_dialog_key(struct tui *t, int key)
{
	struct tui_dialog *d = &t->dlg;

	switch (d->kind) {
	case DLG_CONFIRM:
		if (key == 'y' || key == 'Y')
			tui_dialog_accept(t);
		else if (key == 'n' || key == 'N' || key == 27 || key == '\n' ||
		    key == '\r' || key == KEY_ENTER || key == 'q') {
			tui_dialog_clear(t);
			tui_message(t, false, "cancelled: nothing done");
		}
		/* else: only y or n closes it */
		break;
	case DLG_PICK:
		if (tui_dialog_scroll(d, key))
			break;
		if (key == '\n' || key == '\r' || key == KEY_ENTER) {
			if (!d->pick_ok[d->sel]) {
				tui_message(t, true, "%s", d->lines[d->sel] != NULL ?
				    d->lines[d->sel] : "cannot be chosen");
				return;
			}
			tui_dialog_accept(t);
		} else if (key == 27 || key == 'q') {
			tui_dialog_clear(t);
			tui_message(t, false, "cancelled: nothing done");
		}
		break;
	case DLG_HELP:
		if (!tui_dialog_scroll(d, key))
			tui_dialog_clear(t);
		break;
	case DLG_NONE:
		break;
	}
}
