/*
 * meter.c - the console's drawing helpers: clipped text, bars and
 * sparklines (block characters when the locale is UTF-8, ASCII
 * otherwise), row attributes, scrolling and the message line.
 */
#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

void
tui_put(int y, int x, int w, const char *s)
{
	char out[TUI_SAFE_MAX];
	size_t n;
	int cols = 0, c;

	if (w <= 0)
		return;
	move(y, x);
	/* character by character: what could act on the terminal is
	 * drawn escaped */
	while ((n = tui_safe_char(s, out, &c)) > 0 && cols + c <= w) {
		addstr(out);
		cols += c;
		s += n;
	}
}

static const char *const tui_eighths[] = {
	"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"
};

void
tui_bar(struct tui *t, int y, int x, int w, double pct)
{
	int role, i, full, part;
	double cells;

	if (w <= 0)
		return;
	if (!(pct >= 0))
		pct = 0;
	if (pct > 100)
		pct = 100;
	role = pct >= 80 ? THEME_BAR_HIGH : pct >= 50 ? THEME_BAR_MID :
	    THEME_BAR_LOW;
	cells = pct / 100.0 * w;
	full = (int)floor(cells);
	part = (int)floor((cells - full) * 8);
	move(y, x);
	attrset((attr_t)t->attr[role]);
	for (i = 0; i < full; i++)
		addstr(t->utf8 ? "\u2588" : "|");
	if (full < w && t->utf8 && part > 0) {
		addstr(tui_eighths[part]);
		full++;
	}
	attrset((attr_t)t->attr[THEME_DIM]);
	for (i = full; i < w; i++)
		addstr(t->utf8 ? "\u00b7" : ".");
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

void
tui_spark(struct tui *t, int y, int x, int w, const float *v, size_t n)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583",
		"\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-:=+*#";
	size_t first = n > (size_t)w ? n - (size_t)w : 0, i;
	int col = x + w - (int)(n - first), lvl;

	move(y, x);
	for (i = 0; (int)i < col - x; i++)
		addch(' ');
	attrset((attr_t)t->attr[THEME_BAR_LOW]);
	for (i = first; i < n; i++) {
		double p = v[i] < 0 ? 0 : v[i] > 100 ? 100 : v[i];

		lvl = (int)floor(p / 100.0 * 7.999);
		if (t->utf8)
			mvaddstr(y, col, blocks[lvl]);
		else
			mvaddch(y, col, (chtype)ascii[lvl]);
		col++;
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

void
tui_row_attr(struct tui *t, int pane, size_t row, int role)
{
	if (t->focus == pane && t->sel[pane] == row)
		attrset((attr_t)t->attr[THEME_SELECTED]);
	else
		attrset((attr_t)t->attr[role]);
}

void
tui_scroll(struct tui *t, int pane, size_t n, int h)
{
	size_t rows = h > 0 ? (size_t)h : 1;

	if (n == 0) {
		t->sel[pane] = 0;
		t->top[pane] = 0;
		return;
	}
	if (t->sel[pane] >= n)
		t->sel[pane] = n - 1;
	if (t->sel[pane] < t->top[pane])
		t->top[pane] = t->sel[pane];
	if (t->sel[pane] >= t->top[pane] + rows)
		t->top[pane] = t->sel[pane] - rows + 1;
	if (t->top[pane] + rows > n)
		t->top[pane] = n > rows ? n - rows : 0;
}

void
tui_message(struct tui *t, bool bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_bad = bad;
}

void
tui_duration(char *out, size_t outlen, double s)
{
	long n = s > 0 ? (long)(s + 0.5) : 0;

	if (n < 60)
		snprintf(out, outlen, "%lds", n);
	else if (n < 3600)
		snprintf(out, outlen, "%ldm%02lds", n / 60, n % 60);
	else
		snprintf(out, outlen, "%ldh%02ldm", n / 3600, (n % 3600) / 60);
}
