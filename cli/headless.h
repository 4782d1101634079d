/*
 * headless.h - the front end without a terminal: drives the controller
 * with the clock and writes every event as a JSON line on stdout.
 */
#ifndef VMBAL_HEADLESS_H
#define VMBAL_HEADLESS_H

#include "run.h"

/* Runs until --duration, --ticks or a signal; returns an exit status. */
int headless_run(const struct run *r);

#endif
