/*
 * console.h - the interactive front end: the ncurses console.
 */
#ifndef VMBAL_CONSOLE_H
#define VMBAL_CONSOLE_H

#include "../cli/run.h"

/* Runs the console until the operator quits or a signal; returns an exit
 * status. The terminal is restored on every way out. */
int tui_run(const struct run *r);

#endif
