/*
 * tui.h - the console's shared state and the interfaces between its
 * files: panes (one file each, a const struct tui_pane), dialogs, the key
 * table, meters and the event log.
 *
 * The console owns a struct tui for its run. It reads the controller
 * through its view functions, once per frame (tui_gather), and hands
 * every operator command to controller_command() as a struct command
 * (actions.c), as vmbal ctl does; it never calls libvirt or libiptc
 * itself. Drawing is separate from the data: every frame is drawn afresh
 * from the gathered views and the event log, and ncurses sends only what
 * changed.
 */
#ifndef VMBAL_TUI_H
#define VMBAL_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "../cli/run.h"
#include "../engine/command.h"
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

/*
 * A key binding (tmux's key table with `bind -N` notes): the key, what
 * it does, and which operator commands of cmd_table it gives (a mask of
 * TUI_CMD(verb); 0 for the console's own keys). An operator command's
 * keys and help line are cmd_table's; a console key's F1 line is kept
 * here, with the binding (keys NULL: shown on an earlier binding's line).
 */
#define TUI_CMD(verb) (1u << (verb))
struct tui_binding {
	int key;
	void (*fn)(struct tui *t);
	unsigned cmds;
	const char *keys, *help;
};

/* A pane: a title, its rows, how to draw them, its own keys. */
struct tui_pane {
	const char *title;
	/* Rows it would like to show (its content, without the title). */
	size_t (*rows)(struct tui *t);
	/* Draws rows [top, top + r.h) of its content into r. */
	void (*draw)(struct tui *t, struct tui_rect r);
	/* Its keys (htop's PanelClass.eventHandler): asked first when the
	 * pane has the focus, before the other panes' and the global ones.
	 * A key that needs its pane's selection says so when pressed
	 * elsewhere. */
	const struct tui_binding *keys;
	size_t nkeys;
};

/* The Suggestions title: moves, the fewest any plan needs, the spread. */
void tui_plan_title(struct tui *t, char *buf, size_t len);
extern const struct tui_pane tui_pane_hosts, tui_pane_vms, tui_pane_plan,
    tui_pane_flights, tui_pane_services, tui_pane_events;

enum tui_dialog_kind { DLG_NONE, DLG_CONFIRM, DLG_PICK, DLG_HELP };

/*
 * What an accepted dialog does (tmux's status_prompt_set callback): the
 * dialog does not know. choice: the name picked (DLG_PICK), else NULL;
 * it and arg live until cb returns. cb may open another dialog.
 */
typedef void (*tui_dialog_cb)(struct tui *t, void *arg, const char *choice);

#define TUI_DLG_LINES 128

/*
 * A dialog. Every string in it is its own (NULL when not set), so it
 * holds what it showed however long the operator takes: tui_dialog_clear
 * frees them (and arg, with freecb), tui_dialog_own copies one in.
 */
struct tui_dialog {
	enum tui_dialog_kind kind;
	char *title;
	char *lines[TUI_DLG_LINES];
	size_t nlines;
	size_t sel;		/* DLG_PICK: the chosen line; DLG_HELP: top */
	bool pick_ok[TUI_DLG_LINES];	/* DLG_PICK: may this line be chosen */
	char *pick_name[TUI_DLG_LINES];
	tui_dialog_cb cb;	/* on yes (DLG_CONFIRM) or a pick */
	void *arg;
	void (*freecb)(void *arg);	/* or NULL */
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
	size_t hist_hosts;	/* hosts hist has room for */
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
	enum policy_mode mode;
	bool paused, imbalanced;
	double imbalanced_since;
	bool over, measuring;	/* controller_over, controller_measuring */
	double over_since;
	size_t meas_have, meas_want;
	char no_offer[400];	/* controller_no_offer's words, or "" */
	const char *standby;	/* controller_standby, or NULL */
	const char *offer_note;	/* controller_offer_note, or NULL */
	long min_moves;		/* controller_plan_min_moves, -1: unknown */
	double min_target;
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

/* draw.c: a whole frame; the layout of panes. */
void tui_draw(struct tui *t);
/* Refreshes the frame's copies of the controller's views: the panes and
 * the header draw from them, not from the controller piecemeal. */
void tui_gather(struct tui *t);
/* Reads the configuration again through the run's hook (SIGHUP, R): the
 * outcome in the message line and the Events pane, the frame gathered
 * afresh. who: "signal", "operator". */
void tui_reload(struct tui *t, const char *who);

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

/* keys.c: one key, from the key tables or the dialog or filter line. */
void tui_key(struct tui *t, int key);
/* The binding key has now: the focused pane's, another pane's, or a
 * global one; NULL when none. */
const struct tui_binding *tui_binding(const struct tui *t, int key);
/* The console's own keys (every pane), n of them. */
const struct tui_binding *tui_global_keys(size_t *n);

/* help.c: F1, from the console's key table and cmd_table. */
void tui_help(struct tui *t);

/* dialog.c */
void tui_dialog_draw(struct tui *t);
void tui_dialog_key(struct tui *t, int key);
/* Opens the lines added so far as a yes/no question (default No); on
 * yes, cb(t, arg, NULL). arg is the dialog's from now on (freed with
 * freecb, also when it cannot open). */
void tui_confirm(struct tui *t, const char *title, tui_dialog_cb cb,
    void *arg, void (*freecb)(void *));
/* Opens the choices added so far (tui_dialog_choice) under title; on a
 * pick, cb(t, arg, the choice's name). arg as for tui_confirm. */
void tui_pick(struct tui *t, const char *title, tui_dialog_cb cb,
    void *arg, void (*freecb)(void *));
void tui_dialog_line(struct tui *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line of a pick: name is what picking it gives, ok whether it may be
 * picked. */
void tui_dialog_choice(struct tui *t, const char *name, bool ok,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Frees what the dialog holds and empties it (DLG_NONE). */
void tui_dialog_clear(struct tui *t);
/* Copies s into *slot (a string of t->dlg); a failed copy marks the
 * dialog oom, so it only says so. */
void tui_dialog_own(struct tui *t, char **slot, const char *s);

/*
 * actions.c: an operator command as the console builds it (its own
 * copies of the names), then sent, now or when a dialog is confirmed,
 * through the one door: controller_command (reload: the run's hook),
 * its result the message line.
 */
struct tui_cmd {
	struct command cmd;	/* who "operator"; its strings are below */
	char *vm, *host, *service, *backend;
	char *mv[TUI_DLG_LINES][3];	/* confirm: vm, from, to */
	size_t nmv;
	bool oom;
};
/* NULL on ENOMEM. */
struct tui_cmd *tui_cmd_new(enum cmd_verb verb);
void tui_cmd_free(void *c);
/* Copies s into *slot, one of c's strings. */
void tui_cmd_own(struct tui_cmd *c, char **slot, const char *s);
/* Adds a move to confirm, as the dialog shows it. */
void tui_cmd_move(struct tui_cmd *c, const char *vm, const char *from,
    const char *to);
/* A dialog callback: sends the tui_cmd arg. */
void tui_cmd_send(struct tui *t, void *c, const char *choice);
/* Sends c now and frees it (NULL: out of memory, said so). */
void tui_cmd_now(struct tui *t, struct tui_cmd *c);
/* Opens the dialog's lines as the confirmation of c under title (NULL:
 * cmd_table's title). */
void tui_cmd_ask(struct tui *t, struct tui_cmd *c, const char *title);
/* Observe mode refuses what would change the cluster: says why, for
 * what ("switch to auto mode"), and true when refused. */
bool tui_readonly(struct tui *t, const char *what);

/* pane_services.c: which backend row of the Services pane is (false:
 * a service's own line). */
bool tui_services_backend(const struct tui *t, size_t row, size_t *svc,
    size_t *backend);

/* vmlist.c: the VMs in the VMs pane's order (filter, sort). */
void tui_vm_order(struct tui *t);

/* view_detail.c: Enter: the selected host's or VM's detail view (Hosts,
 * VMs pane), elsewhere the Suggestions pane's confirmation. */
void tui_detail_key(struct tui *t);
void tui_host_detail(struct tui *t);
void tui_vm_detail(struct tui *t);

#endif
