/*
 * tui.h - the console's shared state and the interfaces between its
 * files: panes (one file each, a const struct tui_pane), dialogs, the key
 * table, meters and the event log.
 *
 * The console owns a struct tui for its run. It reads the controller
 * through its view functions and sends the operator's commands through
 * its command functions; it never calls libvirt or libiptc itself.
 * Drawing is separate from the data: every frame is drawn afresh from
 * the controller and the event log, and ncurses sends only what changed.
 */
#ifndef VMBAL_TUI_H
#define VMBAL_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "../cli/run.h"
#include "../engine/controller.h"
#include "theme.h"

enum tui_pane_id {
	PANE_HOSTS, PANE_VMS, PANE_PLAN, PANE_FLIGHTS, PANE_SERVICES,
	PANE_EVENTS, TUI_NPANES
};

struct tui;

struct tui_rect {
	int y, x, h, w;
};

/* A pane: a title, its rows, how to draw them, its own keys. */
struct tui_pane {
	const char *title;
	/* Rows it would like to show (its content, without the title). */
	size_t (*rows)(struct tui *t);
	/* Draws rows [top, top + r.h) of its content into r. */
	void (*draw)(struct tui *t, struct tui_rect r);
};

/* The Suggestions title: moves, the fewest any plan needs, the spread. */
void tui_plan_title(struct tui *t, char *buf, size_t len);
extern const struct tui_pane tui_pane_hosts, tui_pane_vms, tui_pane_plan,
    tui_pane_flights, tui_pane_services, tui_pane_events;

enum tui_dialog_kind { DLG_NONE, DLG_CONFIRM, DLG_PICK, DLG_HELP };

/* What a confirmed dialog does. */
enum tui_verb {
	VERB_NONE, VERB_CONFIRM_ONE, VERB_CONFIRM_ALL, VERB_ABORT, VERB_MODE,
	VERB_MIGRATE, VERB_MAINT, VERB_DRAIN, VERB_QUIT
};

#define TUI_DLG_LINES 40

/*
 * A dialog. Every string in it is its own (NULL when not set), so it
 * holds what it showed however long the operator takes: tui_dialog_clear
 * frees them, tui_dialog_own copies one in.
 */
struct tui_dialog {
	enum tui_dialog_kind kind;
	enum tui_verb verb;
	char *title;
	char *lines[TUI_DLG_LINES];
	size_t nlines;
	size_t sel;		/* DLG_PICK: the chosen line; DLG_HELP: top */
	bool pick_ok[TUI_DLG_LINES];	/* DLG_PICK: may this line be chosen */
	char *pick_name[TUI_DLG_LINES];
	/* VERB_CONFIRM_*: the moves as shown, confirmed only as they are */
	char *mv_vm[TUI_DLG_LINES], *mv_from[TUI_DLG_LINES],
	    *mv_to[TUI_DLG_LINES];
	size_t nmv;
	/* the verb's arguments */
	char *vm, *host;
	size_t svc, backend;
	bool flag;
	bool oom;		/* a copy failed: the dialog must not act */
};

#define TUI_LOG_MAX 500
#define TUI_HIST 64		/* samples of CPU per host for sparklines */
#define TUI_MOVES_MAX 64
#define TUI_FLIGHTS_MAX 32
#define TUI_RECENT_MAX 5	/* migrations that ended, in the Migrations pane */

/* A migration that ended, as its event said (own copies of the names,
 * cut to fit). */
struct tui_recent {
	char vm[64], from[64], to[64];
	enum mig_status status;
	double ts, duration_s;
	struct mig_stats stats;	/* when done; each < 0 when not measured */
};

enum tui_sort { SORT_NAME, SORT_HOST, SORT_CPU, SORT_MEM, SORT_STATE,
	TUI_NSORT };

struct tui_logline {
	char text[200];
	int role;		/* how it is drawn: a theme_role */
};

struct ctl_server;

struct tui {
	const struct run *run;
	struct controller *ctl;
	struct ctl_server *srv;	/* the control socket, or NULL */
	const struct config *cfg;
	double now;		/* the clock's, at the last run */
	bool utf8, color;
	struct theme theme;
	unsigned long attr[THEME_NROLES];
	double refresh_s;
	int focus;		/* a tui_pane_id */
	size_t sel[TUI_NPANES];	/* selected row per pane */
	size_t top[TUI_NPANES];	/* first row shown per pane */
	/* VMs pane */
	char filter[64];
	bool filtering;		/* the filter line takes the keys */
	enum tui_sort sort;
	bool sort_desc;
	size_t *vm_order;	/* model VM indices, filtered and sorted */
	size_t nvm_order;
	/* sparklines: per host a ring of CPU percent */
	float (*hist)[TUI_HIST];
	size_t nhist;		/* samples held (at most TUI_HIST) */
	/* the event log: a ring of lines */
	struct tui_logline *log;
	size_t nlog, log_head;
	/* the controller's views for this frame: their strings are lent
	 * until the controller next runs, so tui_gather follows every run */
	struct move_view moves[TUI_MOVES_MAX];
	size_t nmoves;
	double spread_before;
	struct flight flights[TUI_FLIGHTS_MAX];
	size_t nflights;
	struct tui_recent recent[TUI_RECENT_MAX];	/* newest first */
	size_t nrecent;
	struct tui_dialog dlg;
	char msg[256];		/* the message line */
	bool msg_bad;
	bool quit;
	bool too_small;
	struct tui_rect pane_rect[TUI_NPANES];
};

/* console.c: the console's state and its controller, for run r. Caller
 * frees with tui_free. NULL on ENOMEM. */
struct tui *tui_new(const struct run *r);
void tui_free(struct tui *t);

/* Panes by id. */
const struct tui_pane *tui_pane(int id);

/* console_draw.c: a whole frame; the layout of panes. */
void tui_draw(struct tui *t);
/* Refreshes the frame's copies of the controller's views. */
void tui_gather(struct tui *t);

/* meter.c: drawing helpers. */
/* Writes s at (y, x), at most w columns (a UTF-8 character is one),
 * made safe (safe.c). */
void tui_put(int y, int x, int w, const char *s);

/* safe.c: outside text made safe to draw (control characters, C1
 * controls, bidi overrides and non-UTF-8 bytes escaped). */
#define TUI_SAFE_MAX 8
/* The character at s as drawn (itself, or "\x1b", "\u202e") into out;
 * returns the bytes of s it stands for (0 at the end) and its columns. */
size_t tui_safe_char(const char *s, char out[TUI_SAFE_MAX], int *cols);
/* How many bytes of s fit in w columns once made safe. */
size_t tui_safe_fit(const char *s, int w);
/* All of s made safe; caller frees. NULL on ENOMEM. */
char *tui_safe_new(const char *s);
/* A column of a pane: s made safe, cut or padded with spaces to w
 * columns (padded in front when right), into out; returns out. */
#define TUI_COL_MAX(w) ((w) * TUI_SAFE_MAX + 1)
const char *tui_safe_col(char *out, size_t len, const char *s, int w,
    bool right);
/* A bar of w columns filled to pct (0..100), in the bar colours. */
void tui_bar(struct tui *t, int y, int x, int w, double pct);
/* A sparkline of n values (0..100) in w columns, newest at the right. */
void tui_spark(struct tui *t, int y, int x, int w, const float *v, size_t n);
/* Selects a row attribute: the theme's role, or SELECTED for the pane's
 * selected row when it has the focus. */
void tui_row_attr(struct tui *t, int pane, size_t row, int role);
/* Keeps sel within n rows and top such that sel is in view of h rows. */
void tui_scroll(struct tui *t, int pane, size_t n, int h);
void tui_message(struct tui *t, bool bad, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "1m20s", "45s", "2h03m". */
void tui_duration(char *out, size_t outlen, double s);

/* eventlog.c: the console's event sink. */
void tui_event(void *arg, const struct event *ev);
/* The i-th line of the log, oldest first. */
const struct tui_logline *tui_log_line(const struct tui *t, size_t i);

/* keys.c: one key, from the key table or the dialog or filter line. */
void tui_key(struct tui *t, int key);

/* dialog.c */
void tui_dialog_draw(struct tui *t);
void tui_dialog_key(struct tui *t, int key);
void tui_confirm(struct tui *t, enum tui_verb verb, const char *title);
void tui_dialog_line(struct tui *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees what the dialog holds and empties it (DLG_NONE). */
void tui_dialog_clear(struct tui *t);
/* Copies s into *slot (a string of t->dlg); a failed copy marks the
 * dialog oom, so it only says so. */
void tui_dialog_own(struct tui *t, char **slot, const char *s);
void tui_help(struct tui *t);

/* actions.c: what a confirmed dialog does, through the controller. */
void tui_act(struct tui *t);

/* pane_services.c: which backend row of the Services pane is (false:
 * a service's own line). */
bool tui_services_backend(const struct tui *t, size_t row, size_t *svc,
    size_t *backend);

/* vmlist.c: the VMs in the VMs pane's order (filter, sort). */
void tui_vm_order(struct tui *t);

#endif
