/*
 * pane_flights.c - the Migrations pane: each migration in flight with a
 * progress bar (when the action can tell) and its elapsed time, then the
 * last few that ended, with the downtime, rate and data the hypervisor
 * measured when it did. Its key: x aborts the selected migration (the
 * first one when the pane does not have the focus).
 */
#include <curses.h>
#include <stdio.h>

#include "tui.h"

static size_t
flights_rows(struct tui *t)
{
	size_t n = t->nflights + t->nrecent;

	return n > 0 ? n : 1;
}

/* A migration that ended: how, how long, and what was measured. */
static void
flights_recent(struct tui *t, struct tui_rect r, int row, size_t i,
    const struct tui_recent *f)
{
	char buf[600], el[32], fig[160], vm[TUI_COL_MAX(14)],
	    from[TUI_COL_MAX(10)], to[TUI_COL_MAX(10)];
	size_t n = 0;

	tui_row_attr(t, PANE_FLIGHTS, i, f->status == MIG_DONE ? THEME_DIM :
	    THEME_BAD);
	tui_duration(el, sizeof el, f->duration_s);
	fig[0] = '\0';
	if (f->status == MIG_DONE && f->stats.downtime_ms >= 0)
		n += (size_t)snprintf(fig + n, sizeof fig - n,
		    "  downtime %.0f ms", f->stats.downtime_ms);
	if (f->status == MIG_DONE && f->stats.rate_mibps >= 0 &&
	    n < sizeof fig)
		n += (size_t)snprintf(fig + n, sizeof fig - n, "  %.1f MiB/s",
		    f->stats.rate_mibps);
	if (f->status == MIG_DONE && f->stats.transferred_mib >= 0 &&
	    n < sizeof fig)
		snprintf(fig + n, sizeof fig - n, "  %.0f MiB",
		    f->stats.transferred_mib);
	snprintf(buf, sizeof buf, "%s %s %s %s %-7s %s%s",
	    tui_safe_col(vm, sizeof vm, f->vm, 14, false),
	    tui_safe_col(from, sizeof from, f->from, 10, true),
	    t->utf8 ? "\u2192" : "->",
	    tui_safe_col(to, sizeof to, f->to, 10, false),
	    mig_status_name(f->status), el, fig);
	tui_put(r.y + row, r.x, r.w, buf);
}

static void
flights_draw(struct tui *t, struct tui_rect r)
{
	char buf[600], el[32], vm[TUI_COL_MAX(14)], from[TUI_COL_MAX(10)],
	    to[TUI_COL_MAX(10)];
	int row, bw;

	if (t->nflights + t->nrecent == 0) {
		attrset((attr_t)t->attr[THEME_DIM]);
		tui_put(r.y, r.x, r.w, "no migration in flight");
		attrset((attr_t)t->attr[THEME_NORMAL]);
		return;
	}
	tui_scroll(t, PANE_FLIGHTS, t->nflights + t->nrecent, r.h);
	bw = r.w - 60;
	if (bw > 40)
		bw = 40;
	if (bw < 10)
		bw = 10;
	for (row = 0; row < r.h; row++) {
		size_t i = t->top[PANE_FLIGHTS] + (size_t)row;
		const struct flight *f;
		int x;

		if (i >= t->nflights + t->nrecent)
			break;
		if (i >= t->nflights) {
			flights_recent(t, r, row, i, &t->recent[i - t->nflights]);
			continue;
		}
		f = &t->flights[i];
		tui_row_attr(t, PANE_FLIGHTS, i, THEME_WARN);
		snprintf(buf, sizeof buf, "%s %s %s %s ",
		    tui_safe_col(vm, sizeof vm, f->vm, 14, false),
		    tui_safe_col(from, sizeof from, f->from, 10, true),
		    t->utf8 ? "\u2192" : "->",
		    tui_safe_col(to, sizeof to, f->to, 10, false));
		tui_put(r.y + row, r.x, r.w, buf);
		x = r.x + 40;
		tui_duration(el, sizeof el, f->elapsed_s);
		if (f->progress >= 0) {
			tui_bar(t, r.y + row, x, bw, f->progress * 100);
			tui_row_attr(t, PANE_FLIGHTS, i, THEME_NORMAL);
			snprintf(buf, sizeof buf, " %3.0f%% %s", f->progress * 100,
			    el);
		} else {
			tui_row_attr(t, PANE_FLIGHTS, i, THEME_NORMAL);
			snprintf(buf, sizeof buf, "%-*s %s", bw, "(progress unknown)",
			    el);
		}
		tui_put(r.y + row, x + bw, r.w - (x + bw - r.x), buf);
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

static void
flights_key_abort(struct tui *t)
{
	const struct flight *f;
	struct tui_cmd *c;

	if (tui_readonly(t, "abort a migration"))
		return;
	if (t->nflights == 0) {
		tui_message(t, true, "no migration in flight");
		return;
	}
	f = &t->flights[t->focus == PANE_FLIGHTS &&
	    t->sel[PANE_FLIGHTS] < t->nflights ? t->sel[PANE_FLIGHTS] : 0];
	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_ABORT);
	if (c != NULL)
		tui_cmd_own(c, &c->vm, f->vm);
	tui_dialog_line(t, "Abort the migration of %s from %s to %s?", f->vm,
	    f->from, f->to);
	tui_dialog_line(t, "It stays running on %s.", f->from);
	tui_cmd_ask(t, c, NULL);
}

static const struct tui_binding flights_keys[] = {
	{ 'x', flights_key_abort, TUI_CMD(CMD_ABORT), NULL, NULL },
};

const struct tui_pane tui_pane_flights = {
	.title = "Migrations",
	.rows = flights_rows,
	.draw = flights_draw,
	.keys = flights_keys,
	.nkeys = sizeof flights_keys / sizeof flights_keys[0],
};
