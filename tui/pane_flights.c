/*
 * pane_flights.c - the Migrations pane: each migration in flight with a
 * progress bar (when the action can tell) and its elapsed time.
 */
#include <curses.h>
#include <stdio.h>

#include "tui.h"

static size_t
flights_rows(struct tui *t)
{
	return t->nflights > 0 ? t->nflights : 1;
}

static void
flights_draw(struct tui *t, struct tui_rect r)
{
	char buf[600], el[32], vm[TUI_COL_MAX(14)], from[TUI_COL_MAX(10)],
	    to[TUI_COL_MAX(10)];
	int row, bw;

	if (t->nflights == 0) {
		attrset((attr_t)t->attr[THEME_DIM]);
		tui_put(r.y, r.x, r.w, "no migration in flight");
		attrset((attr_t)t->attr[THEME_NORMAL]);
		return;
	}
	tui_scroll(t, PANE_FLIGHTS, t->nflights, r.h);
	bw = r.w - 60;
	if (bw > 40)
		bw = 40;
	if (bw < 10)
		bw = 10;
	for (row = 0; row < r.h; row++) {
		size_t i = t->top[PANE_FLIGHTS] + (size_t)row;
		const struct flight *f;
		int x;

		if (i >= t->nflights)
			break;
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

const struct tui_pane tui_pane_flights = {
	.title = "Migrations",
	.rows = flights_rows,
	.draw = flights_draw,
};
