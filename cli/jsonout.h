/*
 * jsonout.h - engine events as the contract's JSON lines (jansson).
 */
#ifndef VMBAL_JSONOUT_H
#define VMBAL_JSONOUT_H

#include <jansson.h>
#include <stdio.h>

#include "../engine/event.h"

/* A new line of JSON for ev, without the newline (caller frees), or NULL. */
char *jsonout_event(const struct event *ev);
/* x rounded to two decimals, an integer when whole (new reference). */
json_t *jsonout_num(double x);
/* Writes ev as one flushed line; -1 when out cannot be written. */
int jsonout_write(FILE *out, const struct event *ev);

#endif
