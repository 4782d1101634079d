/*
 * pane_events.c - the Events pane: the same events as the headless
 * output, one line each, newest at the bottom. It follows the newest
 * unless the operator has scrolled up.
 */
#include <curses.h>

#include "tui.h"

static size_t
events_rows(struct tui *t)
{
	return t->nlog > 0 ? t->nlog : 1;
}

static void
events_draw(struct tui *t, struct tui_rect r)
{
	int row;

	if (t->nlog == 0) {
		attrset((attr_t)t->attr[THEME_DIM]);
		tui_put(r.y, r.x, r.w, "no event yet");
		attrset((attr_t)t->attr[THEME_NORMAL]);
		return;
	}
	/* not focused: follow the newest */
	if (t->focus != PANE_EVENTS)
		t->sel[PANE_EVENTS] = t->nlog - 1;
	tui_scroll(t, PANE_EVENTS, t->nlog, r.h);
	for (row = 0; row < r.h; row++) {
		size_t i = t->top[PANE_EVENTS] + (size_t)row;
		const struct tui_logline *line;

		if (i >= t->nlog)
			break;
		line = tui_log_line(t, i);
		tui_row_attr(t, PANE_EVENTS, i, line->role);
		tui_put(r.y + row, r.x, r.w, line->text);
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

const struct tui_pane tui_pane_events = {
	.title = "Events",
	.rows = events_rows,
	.draw = events_draw,
};
