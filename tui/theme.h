/*
 * theme.h - console themes: which colours and attributes each display
 * role is drawn with.
 *
 * A theme is a small YAML file, read by the configuration's YAML layer
 * (../engine/ynode.h): one "ROLE: FG [on BG] [ATTR...]" line per role
 * (themes/README.md describes the format). theme_parse (theme.c),
 * theme_load and theme_list (theme_find.c) call no ncurses, so they are
 * unit-tested without a terminal. theme_apply (theme_apply.c) is the one
 * place that turns a theme into ncurses colour pairs.
 */
#ifndef VMBAL_THEME_H
#define VMBAL_THEME_H

#include <stdbool.h>
#include <stddef.h>

enum theme_role {
	THEME_NORMAL,	/* pane text */
	THEME_HEADER,	/* the header lines at the top */
	THEME_TITLE,	/* a pane's title, unfocused */
	THEME_FOCUS,	/* the focused pane's title */
	THEME_SELECTED,	/* the selected row */
	THEME_BAR_LOW,	/* meter fill below 50% */
	THEME_BAR_MID,	/* meter fill 50-80% */
	THEME_BAR_HIGH,	/* meter fill 80% and over */
	THEME_GOOD,	/* up, balanced, done */
	THEME_WARN,	/* maintenance, imbalanced, draining, in flight */
	THEME_BAD,	/* down, failed, aborted */
	THEME_AUTO,	/* the auto-mode marker: impossible to miss */
	THEME_DIM,	/* secondary text, borders */
	THEME_DIALOG,	/* dialog boxes */
	THEME_STATUS,	/* the key-hint line at the bottom */
	THEME_NROLES
};

#define THEME_A_BOLD 1u
#define THEME_A_REVERSE 2u
#define THEME_A_UNDERLINE 4u
#define THEME_A_DIM 8u
#define THEME_A_STANDOUT 16u

struct theme_style {
	short fg, bg;		/* -1 = terminal default, 0..255 */
	unsigned attrs;		/* THEME_A_* */
};

struct theme {
	char name[64];
	struct theme_style role[THEME_NROLES];
};

#define THEME_MAX_BYTES	65536	/* in a theme file */
#define THEME_MAX_LINE	256	/* bytes in a line, without its newline */

/*
 * Parses a theme file's text (buf need not be NUL-terminated). 0, or -1
 * with "FILE:LINE:COL: message" in err. Pure: no ncurses.
 */
int theme_parse(const char *file, const char *buf, size_t len,
    struct theme *out, char *err, size_t errlen);

/*
 * Loads theme NAME: $XDG_CONFIG_HOME/vmbal/themes/NAME.theme (XDG default
 * ~/.config), then VMBAL_SHAREDIR/themes/NAME.theme, then <dir of the
 * running executable>/themes/NAME.theme, then the built-in copy (dark,
 * light, mono are compiled in). The first file found is the one used.
 * 0, or -1 with a message, out then holding theme_default() (a theme
 * file that fails to parse gives -1 and the message, never a crash).
 * THEME_REFUSED ("FILE: why" in err) when the file found is not one vmbal
 * trusts: not a regular file, owned by another user than root or the one
 * running vmbal, or writable by its group or others (../engine/safefile.h).
 */
#define THEME_REFUSED (-2)
int theme_load(const char *name, struct theme *out, char *err,
    size_t errlen);

/* A theme name: 1..63 letters, digits, '.', '-', '_', not led by '.'. */
bool theme_name_ok(const char *s, size_t len);

/* The built-in dark theme; never fails. */
void theme_default(struct theme *out);

/*
 * Names of the available themes, built-ins first (dark, light, mono),
 * then any others found in the search dirs, sorted, without duplicates;
 * returns how many (<= max).
 */
size_t theme_list(char names[][64], size_t max);

/*
 * ncurses: sets up colour pairs and fills attr[role] with the attr_t (as
 * unsigned long) to use for each role. color false (NO_COLOR set, or the
 * terminal has no colours): only the attributes, and for roles whose
 * colours would carry meaning (SELECTED, FOCUS, AUTO, BAR_*, BAD, WARN)
 * the mono theme's attributes. Needs initscr() done; calls
 * start_color/use_default_colors itself when color is true and
 * has_colors().
 */
void theme_apply(const struct theme *t, bool color,
    unsigned long attr[THEME_NROLES]);

#endif
