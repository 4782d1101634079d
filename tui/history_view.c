/*
 * history_view.c - `h` on a host or VM: the last hour of its CPU use from
 * its RRD file (rrd_fetch_r), drawn in the terminal in braille cells (2 x
 * 4 dots each) where UTF-8 is shown, else one '*' a cell; the migrations
 * (and a host's maintenance changes) from marks.tsv marked as columns and
 * listed below. Read again as the console's clock passes a step. Esc or
 * q closes it; every other key is its own.
 */
#include <curses.h>
#include <limits.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../actions/history_marks.h"
#include "../actions/history_rrd.h"
#include "tui.h"

#define HVIEW_SPAN 3600		/* the last hour */
#define HVIEW_MARKS 6		/* marks listed below the chart */

struct tui_hview {
	enum history_kind kind;
	char name[HISTORY_MARK_NAME];
	double *v;		/* CPU use per step, NAN unknown */
	size_t n;
	long start, end, step;	/* value i ends at start + (i + 1) * step */
	struct history_mark *marks;
	size_t nmarks;
	double read_at;		/* the console's clock at the last read */
	char err[300];		/* why there is nothing to draw, or "" */
};

/* The stamp now, as the writer stamps (history_rrd.h). */
static long
hview_now(const struct tui *t)
{
	if (t->cfg->kind == CONFIG_SCENARIO)
		return HISTORY_SIM_EPOCH + lround(t->now);
	return (long)time(NULL);
}

/* (Re)reads the file and the marks; err says why when it cannot. */
static void
hview_read(struct tui *t, struct tui_hview *hv)
{
	char fn[HISTORY_NAME_MAX + 1], path[PATH_MAX];
	time_t start, end;
	unsigned long step, nds, i;
	char **names = NULL;
	rrd_value_t *data = NULL;
	size_t k, kept;

	hv->read_at = t->now;
	hv->err[0] = '\0';
	/* where this run's writer writes (or, observing, the acting
	 * vmbal's): the path the front end was given at its start */
	history_file_name(hv->kind, hv->name, fn, sizeof fn);
	snprintf(path, sizeof path, "%s/%s", t->run->history_path, fn);
	end = hview_now(t);
	start = end - HVIEW_SPAN;
	step = 1;
	rrd_clear_error();
	if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &nds, &names,
	    &data) != 0) {
		snprintf(hv->err, sizeof hv->err, "no history: %s",
		    rrd_get_error());
		rrd_clear_error();
		return;
	}
	free(hv->v);
	hv->n = step > 0 ? (size_t)((end - start) / (time_t)step) : 0;
	hv->v = calloc(hv->n > 0 ? hv->n : 1, sizeof *hv->v);
	if (hv->v == NULL)
		hv->n = 0;
	for (k = 0; k < hv->n; k++)
		hv->v[k] = data[k * nds];	/* cpu: the first source */
	for (i = 0; i < nds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);
	hv->start = (long)start;
	hv->end = (long)end;
	hv->step = (long)step;
	free(hv->marks);
	if (history_marks_read(t->run->history_path, hv->start, hv->end, &hv->marks,
	    &hv->nmarks) != 0)
		hv->nmarks = 0;
	for (k = 0, kept = 0; k < hv->nmarks; k++)
		if (history_mark_about(&hv->marks[k], hv->kind, hv->name))
			hv->marks[kept++] = hv->marks[k];
	hv->nmarks = kept;
}

bool
tui_hview_open(struct tui *t, bool host, const char *name)
{
	struct tui_hview *hv = calloc(1, sizeof *hv);

	if (hv == NULL) {
		tui_message(t, true, "out of memory");
		return false;
	}
	tui_hview_close(t);
	hv->kind = host ? HK_HOST : HK_VM;
	snprintf(hv->name, sizeof hv->name, "%s", name);
	hview_read(t, hv);
	t->hview = hv;
	return true;
}

void
tui_hview_close(struct tui *t)
{
	if (t->hview == NULL)
		return;
	free(t->hview->v);
	free(t->hview->marks);
	free(t->hview);
	t->hview = NULL;
}

void
tui_hview_key(struct tui *t, int key)
{
	if (key == 27 || key == 'q' || key == 'h')
		tui_hview_close(t);
}

/* The mean of the values that fall in column c of cols; NAN none. */
static double
hview_col(const struct tui_hview *hv, int c, int cols)
{
	size_t a = (size_t)c * hv->n / (size_t)cols,
	    b = (size_t)(c + 1) * hv->n / (size_t)cols, i, k = 0;
	double sum = 0;

	if (b <= a)
		b = a + 1;
	for (i = a; i < b && i < hv->n; i++)
		if (isfinite(hv->v[i])) {
			sum += hv->v[i];
			k++;
		}
	return k > 0 ? sum / (double)k : NAN;
}

/* The column (of w) a stamp falls in; -1 outside. */
static int
hview_x(const struct tui_hview *hv, long ts, int w)
{
	long span = hv->end - hv->start;

	if (span <= 0 || ts < hv->start || ts > hv->end)
		return -1;
	return (int)((ts - hv->start) * (w - 1) / span);
}

/* The plot: h rows of w cells at (y, x), top value top. */
static void
hview_plot(struct tui *t, const struct tui_hview *hv, int y, int x, int h,
    int w, double top)
{
	int dx = t->utf8 ? 2 : 1, dy = t->utf8 ? 4 : 1, cols = w * dx,
	    rows = h * dy, c, r, k, prev;
	unsigned char *cell = calloc((size_t)(w * h), 1);
	static const unsigned char bit[2][4] = { { 0x01, 0x02, 0x04, 0x40 },
		{ 0x08, 0x10, 0x20, 0x80 } };

	if (cell == NULL)
		return;
	for (c = 0, prev = -1; c < cols; c++) {
		double v = hview_col(hv, c, cols);
		int level, lo, hi;

		if (!isfinite(v)) {
			prev = -1;	/* a gap: not joined across */
			continue;
		}
		level = (int)lround(v / top * (rows - 1));
		if (level < 0)
			level = 0;
		if (level > rows - 1)
			level = rows - 1;
		/* joined to the column before: a line, not dots */
		lo = prev < 0 || prev > level ? level : prev + 1;
		hi = prev > level ? prev - 1 : level;
		if (lo > hi)
			lo = hi = level;
		for (k = lo; k <= hi; k++) {
			r = rows - 1 - k;
			cell[(r / dy) * w + c / dx] |= t->utf8 ?
			    bit[c % 2][r % 4] : 1;
		}
		prev = level;
	}
	/* the marks: a column where the line is not */
	attrset((attr_t)t->attr[THEME_WARN]);
	for (k = 0; k < (int)hv->nmarks; k++) {
		c = hview_x(hv, hv->marks[k].t, w);
		for (r = 0; c >= 0 && r < h; r++)
			if (cell[r * w + c] == 0)
				mvaddstr(y + r, x + c, t->utf8 ? "\u2502" : "|");
	}
	attrset((attr_t)t->attr[THEME_GOOD] | A_BOLD);
	for (r = 0; r < h; r++)
		for (c = 0; c < w; c++) {
			unsigned char b = cell[r * w + c];
			char s[4];

			if (b == 0)
				continue;
			if (t->utf8) {	/* U+2800 + b in UTF-8 */
				s[0] = (char)0xe2;
				s[1] = (char)(0xa0 | (b >> 6));
				s[2] = (char)(0x80 | (b & 0x3f));
				s[3] = '\0';
			} else {
				s[0] = '*';
				s[1] = '\0';
			}
			mvaddstr(y + r, x + c, s);
		}
	free(cell);
}

void
tui_hview_draw(struct tui *t)
{
	struct tui_hview *hv = t->hview;
	int bh = LINES - 2, bw = COLS - 4, y = 1, x = 2, ph, pw, px, k, nl;
	double top = 100, maxv = 0;
	char line[4 * HISTORY_MARK_NAME], ago[32];
	size_t i;

	if (hv == NULL || bh < 8 || bw < 30)
		return;
	if (t->now - hv->read_at >= 10)
		hview_read(t, hv);
	tui_box(t, y, x, bh, bw);
	attrset((attr_t)t->attr[THEME_DIALOG] | A_BOLD);
	snprintf(line, sizeof line, "History: %s %s, CPU use, the last hour",
	    hv->kind == HK_HOST ? "host" : "VM", hv->name);
	tui_put(y, x + 2, bw - 4, line);
	attrset((attr_t)t->attr[THEME_DIALOG]);
	tui_put(y + bh - 2, x + 2, bw - 4, "Esc or q closes");
	if (hv->err[0] != '\0') {
		tui_put(y + 2, x + 2, bw - 4, hv->err);
		attrset((attr_t)t->attr[THEME_NORMAL]);
		return;
	}
	for (i = 0; i < hv->n; i++)
		if (isfinite(hv->v[i]) && hv->v[i] > maxv)
			maxv = hv->v[i];
	if (maxv > top)
		top = ceil(maxv / 50) * 50;	/* a VM may use several CPUs */
	nl = (int)(hv->nmarks < HVIEW_MARKS ? hv->nmarks : HVIEW_MARKS);
	ph = bh - 5 - nl;
	px = x + 8;
	pw = bw - 11;
	if (ph < 3)
		ph = 3;
	snprintf(line, sizeof line, "%4.0f%%", top);
	tui_put(y + 1, x + 2, 6, line);
	snprintf(line, sizeof line, "%4.0f%%", top / 2);
	tui_put(y + 1 + ph / 2, x + 2, 6, line);
	tui_put(y + ph, x + 2, 6, "   0%");
	hview_plot(t, hv, y + 1, px, ph, pw, top);
	attrset((attr_t)t->attr[THEME_DIM]);
	tui_put(y + 1 + ph, px, 6, "-60m");
	tui_put(y + 1 + ph, px + pw / 2 - 2, 6, "-30m");
	tui_put(y + 1 + ph, px + pw - 3, 4, "now");
	attrset((attr_t)t->attr[THEME_DIALOG]);
	if (hv->nmarks == 0)
		tui_put(y + 2 + ph, x + 2, bw - 4, "no migrations in this hour");
	for (k = 0; k < nl; k++) {
		/* the newest first */
		const struct history_mark *m = &hv->marks[hv->nmarks - 1 -
		    (size_t)k];

		tui_duration(ago, sizeof ago, (double)(hv->end - m->t));
		if (m->migration)
			snprintf(line, sizeof line, "%s %s ago  %s %s -> %s",
			    t->utf8 ? "\u2502" : "|", ago, m->vm, m->from, m->to);
		else
			snprintf(line, sizeof line, "%s %s ago  %s maintenance %s",
			    t->utf8 ? "\u2502" : "|", ago, m->from, m->to);
		tui_put(y + 2 + ph + k, x + 2, bw - 4, line);
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}
