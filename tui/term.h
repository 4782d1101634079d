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

/* Starts curses with signal handlers that restore the terminal. */
int term_start(struct term_caps *caps, bool ascii);
void term_end(void);
/* UTF-8 drawing: the locale's codeset is UTF-8 and ascii is false. */
bool term_utf8(bool ascii);
/* The fd to poll for signals (drained on each call). */
int term_signal_fd(void);
/* SIGINT, SIGTERM, SIGHUP or SIGQUIT arrived. */
bool term_stopped(void);

#endif
