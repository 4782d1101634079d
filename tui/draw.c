/*
 * draw.c - one frame of the console: the header (cluster, hosts, spread
 * against threshold, balanced or not and for how long, mode, clock,
 * refresh), the panes laid out for the terminal's size, the key-hint
 * line, and any dialog on top. Below 80x24 only a "too small" message.
 *
 * Layout: under 150 columns the panes stack; from 150 they sit in two
 * columns (Hosts and VMs on the left). Each pane gets its title and one
 * row, then rows are shared out by priority up to what each wants; the
 * VMs pane (and the Events pane on the right) take what is left.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "term.h"
#include "tui.h"

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

static const struct tui_pane *const tui_panes[TUI_NPANES] = {
	&tui_pane_hosts, &tui_pane_vms, &tui_pane_plan, &tui_pane_flights,
	&tui_pane_services, &tui_pane_events,
};

const struct tui_pane *
tui_pane(int id)
{
	return tui_panes[id];
}

void
tui_gather(struct tui *t)
{
	t->nmoves = controller_moves(t->ctl, t->moves, TUI_MOVES_MAX,
	    &t->spread_before);
	t->nflights = controller_flights(t->ctl, t->now, t->flights,
	    TUI_FLIGHTS_MAX);
	t->mode = controller_mode(t->ctl);
	t->paused = controller_paused(t->ctl);
	t->imbalanced = controller_imbalanced(t->ctl, &t->imbalanced_since);
	t->over = controller_over(t->ctl, &t->over_since);
	t->measuring = controller_measuring(t->ctl, &t->meas_have,
	    &t->meas_want);
	controller_no_offer(t->ctl, t->no_offer, sizeof t->no_offer);
	t->standby = controller_standby(t->ctl);
	t->offer_note = controller_offer_note(t->ctl);
	t->min_target = 0;
	t->min_moves = controller_plan_min_moves(t->ctl, &t->min_target);
	tui_vm_order(t);
}

/* Writes s in role from x; returns the column after it. */
static int
tui_seg(struct tui *t, int y, int x, int role, const char *s)
{
	int w = COLS - x;

	if (w <= 0)
		return x;
	attrset((attr_t)t->attr[role]);
	tui_put(y, x, w, s);
	return x + (int)strlen(s) > COLS ? COLS : x + (int)strlen(s);
}

/* The cluster's name: its configuration's file name, without the
 * directory and the .yaml. */
static const char *
tui_cluster_name(const struct tui *t, char *out, size_t outlen)
{
	const char *f = t->cfg->file, *slash = strrchr(f, '/'), *dot;
	size_t n;

	if (t->run->o->demo)
		return "demo";
	if (slash != NULL)
		f = slash + 1;
	dot = strrchr(f, '.');
	n = dot != NULL && dot != f ? (size_t)(dot - f) : strlen(f);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, f, n);
	out[n] = '\0';
	return out;
}

/* The state: measuring while the windows fill, then imbalanced, over
 * the threshold for so long of the hold, or balanced, and for how long;
 * connecting while no host is reached. Returns the column after it. */
static int
tui_state(struct tui *t, int x, bool none_reached)
{
	const struct policy *p = controller_policy(t->ctl);
	char buf[200], dur[32];
	double over_s = t->now - t->over_since;

	if (t->measuring) {
		snprintf(buf, sizeof buf, "measuring %zu/%zu ", t->meas_have,
		    t->meas_want);
		x = tui_seg(t, 0, x, THEME_WARN, buf);
	}
	tui_duration(dur, sizeof dur, t->now - t->imbalanced_since);
	if (none_reached)
		return tui_seg(t, 0, x, THEME_WARN, "connecting");
	if (t->imbalanced) {
		snprintf(buf, sizeof buf, "IMBALANCED %s", dur);
		return tui_seg(t, 0, x, THEME_BAD, buf);
	}
	if (t->over) {	/* the hold has not passed: not balanced */
		snprintf(buf, sizeof buf, "over %g%% for %.0f s of %.0f s",
		    p->threshold_pct, over_s < p->hold_s ? over_s : p->hold_s,
		    p->hold_s);
		return tui_seg(t, 0, x, THEME_WARN, buf);
	}
	snprintf(buf, sizeof buf, "balanced %s", dur);
	return tui_seg(t, 0, x, THEME_GOOD, buf);
}

static void
tui_header(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	enum policy_mode mode = t->mode;
	int up = 0, down = 0, maint = 0, connecting = 0, x, i;
	char buf[700], dur[32], clock[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t h;

	for (h = 0; h < m->nhosts; h++) {
		if (m->hosts[h].state == HOST_UP)
			up++;
		else if (m->hosts[h].state == HOST_DOWN)
			down++;
		else if (m->hosts[h].state == HOST_CONNECTING)
			connecting++;
		else
			maint++;
	}
	attrset((attr_t)t->attr[THEME_HEADER]);
	move(0, 0);
	for (i = 0; i < COLS; i++)
		addch(' ');
	snprintf(buf, sizeof buf, " vmbal %s ", tui_cluster_name(t, dur,
	    sizeof dur));
	x = tui_seg(t, 0, 0, THEME_HEADER, buf);
	snprintf(buf, sizeof buf, " %d up ", up);
	x = tui_seg(t, 0, x, THEME_HEADER, buf);
	if (down > 0) {
		snprintf(buf, sizeof buf, "%d down ", down);
		x = tui_seg(t, 0, x, THEME_BAD, buf);
	}
	if (maint > 0) {
		snprintf(buf, sizeof buf, "%d maint ", maint);
		x = tui_seg(t, 0, x, THEME_WARN, buf);
	}
	if (connecting > 0) {
		snprintf(buf, sizeof buf, "%d connecting ", connecting);
		x = tui_seg(t, 0, x, THEME_WARN, buf);
	}
	snprintf(buf, sizeof buf, " spread %.1f%%/%g%% ", m->spread,
	    t->run->policy.threshold_pct);
	x = tui_seg(t, 0, x, THEME_HEADER, buf);
	x = tui_state(t, x, up == 0 && connecting > 0);
	x = tui_seg(t, 0, x, THEME_HEADER, " ");
	snprintf(buf, sizeof buf, " %s ", mode == MODE_AUTO ? "AUTO" :
	    mode == MODE_MANUAL ? "MANUAL" : "OBSERVE");
	x = tui_seg(t, 0, x, mode == MODE_AUTO ? THEME_AUTO :
	    mode == MODE_OBSERVE ? THEME_WARN : THEME_HEADER, buf);
	if (t->paused)
		x = tui_seg(t, 0, x, THEME_WARN, " PAUSED ");
	if (t->standby != NULL)
		x = tui_seg(t, 0, x, THEME_WARN, " STANDBY ");
	localtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	snprintf(buf, sizeof buf, " %s  %gs ", clock, t->refresh_s);
	if (x < COLS - (int)strlen(buf))
		tui_seg(t, 0, COLS - (int)strlen(buf), THEME_HEADER, buf);
	/* the message line */
	attrset((attr_t)t->attr[THEME_NORMAL]);
	move(1, 0);
	clrtoeol();
	if (t->msg[0] != '\0')
		tui_seg(t, 1, 1, t->msg_bad ? THEME_BAD : THEME_NORMAL, t->msg);
	else if (t->run->holder[0] != '\0') {
		snprintf(buf, sizeof buf,
		    "observe mode: %s holds control of this cluster", t->run->holder);
		tui_seg(t, 1, 1, THEME_WARN, buf);
	} else if (t->standby != NULL) {
		snprintf(buf, sizeof buf,
		    "standby: %s is on the other director; this one keeps its rules ready and moves nothing",
		    t->standby);
		tui_seg(t, 1, 1, THEME_WARN, buf);
	} else if (mode == MODE_OBSERVE)
		tui_seg(t, 1, 1, THEME_WARN,
		    "observe mode: read-only, started with --mode observe");
}

static void
tui_status(struct tui *t)
{
	const char *hints;
	char buf[200];
	int i;

	attrset((attr_t)t->attr[THEME_STATUS]);
	move(LINES - 1, 0);
	for (i = 0; i < COLS; i++)
		addch(' ');
	if (t->filtering) {
		snprintf(buf, sizeof buf,
		    " Filter VMs: %s_   (Enter keeps it, Esc clears it)", t->filter);
		tui_put(LINES - 1, 0, COLS, buf);
		return;
	}
	hints = t->mode == MODE_OBSERVE ?
	    " F1 Help  Tab Pane  / Filter  < > Sort  + - Refresh  t Theme  q Quit  (observe: read-only)" :
	    " F1 Help  Tab Pane  y Confirm  Y All  n Dismiss  m Migrate  e Maint  d Drain  x Abort  a Auto  p Pause  t Theme  q Quit";
	tui_put(LINES - 1, 0, COLS, hints);
}

static void
tui_pane_title(struct tui *t, int id, struct tui_rect r)
{
	static const char *const sorts[TUI_NSORT] = { "name", "host", "cpu",
		"mem", "state" };
	char buf[200];
	int x, i;

	attrset((attr_t)t->attr[THEME_DIM]);
	move(r.y, r.x);
	for (i = 0; i < r.w; i++)
		addstr(t->utf8 ? "\u2500" : "-");
	if (id == PANE_VMS)
		snprintf(buf, sizeof buf, " %s %zu/%zu  sort %s%s%s%s%s ",
		    tui_panes[id]->title, t->nvm_order,
		    controller_model(t->ctl)->nvms, sorts[t->sort],
		    t->sort_desc ? " (inverted)" : "",
		    t->filter[0] != '\0' ? "  filter '" : "", t->filter,
		    t->filter[0] != '\0' ? "'" : "");
	else if (id == PANE_PLAN && t->nmoves > 0)
		tui_plan_title(t, buf, sizeof buf);
	else if (id == PANE_FLIGHTS)
		snprintf(buf, sizeof buf, " %s (%zu) ", tui_panes[id]->title,
		    t->nflights);
	else
		snprintf(buf, sizeof buf, " %s ", tui_panes[id]->title);
	x = r.x + 1;
	if (t->focus == id) {	/* seen without colour too */
		attrset((attr_t)t->attr[THEME_FOCUS]);
		tui_put(r.y, x, 2, t->utf8 ? " \u25b6" : " >");
		x += 2;
	} else
		attrset((attr_t)t->attr[THEME_TITLE]);
	tui_put(r.y, x, r.w - 2 - (x - r.x - 1), buf);
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

/* Shares h rows among the panes of one column; flex takes the rest. */
static void
tui_layout_column(struct tui *t, const int *ids, size_t n, int flex,
    const size_t *cap, int y, int x, int h, int w)
{
	int give[TUI_NPANES], left = h, k;
	size_t i;

	for (i = 0; i < n; i++) {
		give[i] = ids[i] == flex ? 5 : 2;
		left -= give[i];
	}
	for (i = 0; i < n && left > 0; i++) {
		size_t want = tui_panes[ids[i]]->rows(t);

		if (ids[i] == flex)
			continue;
		if (want > cap[i])
			want = cap[i];
		k = (int)want + 1 - give[i];
		if (k > left)
			k = left;
		if (k > 0) {
			give[i] += k;
			left -= k;
		}
	}
	for (i = 0; i < n; i++)
		if (ids[i] == flex && left > 0)
			give[i] += left;
	for (i = 0; i < n; i++) {
		struct tui_rect r = { y, x, give[i], w };

		if (y + give[i] > LINES - 1)
			r.h = LINES - 1 - y;
		if (r.h < 1) {
			t->pane_rect[ids[i]].h = 0;
			continue;
		}
		t->pane_rect[ids[i]] = r;
		tui_pane_title(t, ids[i], r);
		r.y++;
		r.h--;
		r.x++;
		r.w -= 2;
		if (r.h > 0)
			tui_panes[ids[i]]->draw(t, r);
		y += give[i];
	}
}

static void
tui_layout(struct tui *t)
{
	int top = 2, h = LINES - 3;

	if (COLS < 150) {
		static const int ids[] = { PANE_HOSTS, PANE_VMS, PANE_PLAN,
			PANE_FLIGHTS, PANE_SERVICES, PANE_EVENTS };
		static const size_t cap[] = { 12, 0, 4, 3, 5, 3 };

		tui_layout_column(t, ids, 6, PANE_VMS, cap, top, 0, h, COLS);
	} else {
		static const int left[] = { PANE_HOSTS, PANE_VMS };
		static const int right[] = { PANE_PLAN, PANE_FLIGHTS,
			PANE_SERVICES, PANE_EVENTS };
		static const size_t lcap[] = { 24, 0 };
		static const size_t rcap[] = { 16, 8, 16, 0 };
		int lw = COLS * 11 / 20;

		tui_layout_column(t, left, 2, PANE_VMS, lcap, top, 0, h, lw);
		tui_layout_column(t, right, 4, PANE_EVENTS, rcap, top, lw, h,
		    COLS - lw);
	}
}

/*
 * Wraps text (paragraphs split by '\n', ASCII) at spaces into lines of
 * at most w columns: how many lines, or -1 when a word is wider than w or
 * there would be more than max.
 */
static int
tui_wrap(const char *text, int w, const char **line, int *len, int max)
{
	const char *p = text, *word;
	int n = 0, wl;

	while (*p != '\0') {
		if (n == max)
			return -1;
		line[n] = p;
		len[n] = 0;
		for (;;) {	/* words onto this line while they fit */
			word = p;
			while (*p != '\0' && *p != ' ' && *p != '\n')
				p++;
			wl = (int)(p - word);
			if (wl > w)
				return -1;
			if (len[n] > 0 && len[n] + 1 + wl > w) {
				p = word;	/* it starts the next line */
				break;
			}
			len[n] = (int)(p - line[n]);
			if (*p != ' ')
				break;
			p++;
		}
		if (*p == '\n' || *p == ' ')
			p++;
		n++;
	}
	return n;
}

/*
 * Below the minimum size: the longest form of the message that fits the
 * screen whole, word-wrapped and centred, down to 1x1.
 */
static void
tui_draw_too_small(struct tui *t)
{
	char forms[6][160];
	const char *line[16];
	int len[16], i, n = -1, k;

	snprintf(forms[0], sizeof forms[0],
	    "Terminal too small: %dx%d\nvmbal needs at least %dx%d.\n"
	    "Enlarge it, or press q to quit.", COLS, LINES, TUI_MIN_COLS,
	    TUI_MIN_LINES);
	snprintf(forms[1], sizeof forms[1],
	    "Terminal too small: %dx%d\nneed %dx%d\nq quits", COLS, LINES,
	    TUI_MIN_COLS, TUI_MIN_LINES);
	snprintf(forms[2], sizeof forms[2], "Too small: %dx%d\nneed %dx%d",
	    COLS, LINES, TUI_MIN_COLS, TUI_MIN_LINES);
	snprintf(forms[3], sizeof forms[3], "need %dx%d", TUI_MIN_COLS,
	    TUI_MIN_LINES);
	snprintf(forms[4], sizeof forms[4], "small");
	snprintf(forms[5], sizeof forms[5], "!");
	for (i = 0; i < 6 && n < 0; i++)
		n = tui_wrap(forms[i], COLS, line, len, LINES < 16 ? LINES : 16);
	attrset((attr_t)t->attr[THEME_NORMAL]);
	for (k = 0; k < n; k++)
		mvaddnstr((LINES - n) / 2 + k, (COLS - len[k]) / 2, line[k],
		    len[k]);
	wnoutrefresh(stdscr);
	doupdate();
	if (COLS == 1 && LINES == 1 && n == 1)
		term_put_corner(line[0][0]);
}

void
tui_draw(struct tui *t)
{
	erase();
	t->too_small = COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES;
	if (t->too_small) {
		tui_draw_too_small(t);
		return;
	}
	tui_header(t);
	tui_layout(t);
	tui_status(t);
	if (t->dlg.kind != DLG_NONE)
		tui_dialog_draw(t);
	wnoutrefresh(stdscr);
	doupdate();
}
