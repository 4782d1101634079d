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
/* SIGINT, SIGTERM or SIGQUIT arrived (or SIGHUP with the terminal gone:
 * see term_hup_take). */
bool term_stopped(void);
/*
 * Did SIGHUP come since the last call? A hangup and a reload share the
 * signal: when the terminal is gone (the SSH session dropped: its ioctls
 * fail, or stdin polls as hung up) it is a stop, term_stopped() says so
 * and this returns false; with the terminal still there it is a request
 * to read the configuration again, and this returns true.
 */
bool term_hup_take(void);

#endif
