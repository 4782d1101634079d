/*
 * console.h - the interactive front end: the ncurses console.
 */
#ifndef VMBAL_CONSOLE_H
#define VMBAL_CONSOLE_H

#include "../cli/run.h"

/* Before anything starts: can the console run on this terminal? 0, or
 * -1 with err (see term_check). */
int tui_check_terminal(char *err, size_t errlen);
/* Runs the console until the operator quits or a signal; returns an exit
 * status. The terminal is restored on every way out. */
int tui_run(const struct run *r);

#endif
