/*
 * journal_state.c - the operator's standing state from the journal's
 * command records (see journal_state.h). One entry per host, backend,
 * pause and mode: memory goes with the cluster's size, not the file's.
 * A command that changes nothing that lasts (confirm, migrate, abort,
 * dismiss) is a valid record and leaves no state.
 */
#include <stdlib.h>
#include <string.h>

#include "journal_state.h"

static bool
journal_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
journal_state_free(struct journal_past_state *st)
{
	free(st->host);
	free(st->service);
	free(st->backend);
	free(st->mode);
	free(st->who);
}

static char *
journal_dup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? strdup(s) : NULL;
}

bool
journal_states_keep(struct journal_states *s, json_t *o, double wall,
    double now_wall)
{
	static const char *const quiet[] = { "confirm", "dismiss", "migrate",
		"abort", "reload", "fence" };
	const char *action = json_string_value(json_object_get(o, "action"));
	struct journal_past_state st, *v;
	size_t i;

	if (action == NULL)
		return false;
	for (i = 0; i < sizeof quiet / sizeof quiet[0]; i++)
		if (strcmp(action, quiet[i]) == 0)
			return true;
	memset(&st, 0, sizeof st);
	if (strcmp(action, "maintenance") == 0)
		st.kind = JSTATE_MAINTENANCE;
	else if (strcmp(action, "drain") == 0)
		st.kind = JSTATE_DRAIN;
	else if (strcmp(action, "pause") == 0 || strcmp(action, "resume") == 0)
		st.kind = JSTATE_PAUSE;
	else if (strcmp(action, "mode") == 0)
		st.kind = JSTATE_MODE;
	else
		return false;
	st.on = json_is_true(json_object_get(o, "on")) ||
	    strcmp(action, "pause") == 0;
	st.config_was = (int)json_integer_value(json_object_get(o,
	    "config_was"));
	st.age_s = now_wall > wall ? now_wall - wall : 0;
	st.host = journal_dup(o, "host");
	st.service = journal_dup(o, "service");
	st.backend = journal_dup(o, "backend");
	st.mode = journal_dup(o, "mode");
	st.who = journal_dup(o, "who");
	if ((st.kind == JSTATE_MAINTENANCE && st.host == NULL) ||
	    (st.kind == JSTATE_DRAIN && (st.service == NULL ||
	    st.backend == NULL)) || (st.kind == JSTATE_MODE && st.mode == NULL)) {
		journal_state_free(&st);
		return false;
	}
	for (i = 0; i < s->n; i++)
		if (s->v[i].kind == st.kind &&
		    journal_same(s->v[i].host, st.host) &&
		    journal_same(s->v[i].service, st.service) &&
		    journal_same(s->v[i].backend, st.backend)) {
			journal_state_free(&s->v[i]);
			s->v[i] = st;	/* the later command stands */
			return true;
		}
	if ((v = realloc(s->v, (s->n + 1) * sizeof *v)) == NULL) {
		journal_state_free(&st);
		s->nomem = true;
		return true;
	}
	s->v = v;
	s->v[s->n++] = st;
	return true;
}

void
journal_states_clear(struct journal_states *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		journal_state_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}
