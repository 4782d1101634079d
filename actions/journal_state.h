/*
 * journal_state.h - the operator's standing state read back from the
 * journal's command records (engine/journal.h's journal_past_state): the
 * last maintenance per host, drain per backend, pause and mode.
 */
#ifndef VMBAL_JOURNAL_STATE_H
#define VMBAL_JOURNAL_STATE_H

#include <jansson.h>
#include <stdbool.h>

#include "../engine/journal.h"

struct journal_states {
	struct journal_past_state *v;
	size_t n;
	bool nomem;
};

/* Keeps what command record o (written at wall-clock time wall, now_wall
 * is the reading's) leaves standing; false when o is no command record
 * vmbal writes (counted bad by the caller). */
bool journal_states_keep(struct journal_states *s, json_t *o, double wall,
    double now_wall);
/* Frees the states' names and array. */
void journal_states_clear(struct journal_states *s);

#endif
