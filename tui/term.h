/*
 * term.h - terminal set-up and restore for the console.
 */
#ifndef VMBAL_TERM_H
#define VMBAL_TERM_H

#include <errno.h>
#include <stdbool.h>

struct term_caps {
	bool utf8;	/* UTF-8 locale and not --ascii */
	bool color;	/* colours, and NO_COLOR not set */
};

/*
 * Can the console run here? TERM set, known to terminfo, a terminal that
 * can move the cursor. Nothing is started: 0, or -1 with err saying why
 * ("terminal 'X': ... (use --headless, or set TERM)").
 */
int term_check(char *err, size_t errlen);
/* Starts curses with signal handlers that restore the terminal. */
int term_start(struct term_caps *caps, bool ascii);
void term_end(void);
/* After doupdate() on a 1x1 screen: puts c in its only cell (see term.c). */
void term_put_corner(char c);
/* UTF-8 drawing: the locale's codeset is UTF-8 and ascii is false. */
bool term_utf8(bool ascii);
/* The fd to poll for signals (drained on each call). */
int term_signal_fd(void);
/* SIGINT, SIGTERM, SIGHUP or SIGQUIT arrived. */
bool term_stopped(void);

#endif
