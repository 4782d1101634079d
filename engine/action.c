/*
 * action.c - names of the action interface's values, as the contract
 * spells them, and the lifecycle of a migration's result.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"

const char *
mig_status_name(enum mig_status st)
{
	static const char *const names[] = { "started", "done", "failed",
		"aborted" };

	return names[st];
}

void
mig_stats_none(struct mig_stats *s)
{
	s->downtime_ms = -1;
	s->transferred_mib = -1;
	s->rate_mibps = -1;
}

int
action_result_set(struct action_result *r, const char *vm, const char *from,
    const char *to, enum mig_status st, double duration_s, const char *error)
{
	memset(r, 0, sizeof *r);
	r->vm = strdup(vm);
	r->from = strdup(from);
	r->to = strdup(to);
	r->error = error != NULL ? strdup(error) : NULL;
	r->status = st;
	r->duration_s = duration_s;
	mig_stats_none(&r->stats);
	if (r->vm == NULL || r->from == NULL || r->to == NULL ||
	    (error != NULL && r->error == NULL)) {
		action_result_clear(r);
		return -1;
	}
	return 0;
}

void
action_result_clear(struct action_result *r)
{
	free(r->vm);
	free(r->from);
	free(r->to);
	free(r->error);
	memset(r, 0, sizeof *r);
	mig_stats_none(&r->stats);
}

const char *
recover_kind_name(enum recover_kind k)
{
	static const char *const names[] = { "fence", "restart", "retire" };

	return names[k];
}

const char *
recover_status_name(enum recover_status st)
{
	static const char *const names[] = { "done", "failed", "refused" };

	return names[st];
}

char *
action_dup_or_null(const char *s, bool *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*bad = true;
	return d;
}

int
recover_result_set(struct recover_result *r, enum recover_kind k,
    const char *host, const char *vm, const char *to,
    enum recover_status st, double duration_s, const char *error)
{
	bool bad = false;

	memset(r, 0, sizeof *r);
	r->kind = k;
	r->status = st;
	r->duration_s = duration_s;
	r->host = action_dup_or_null(host, &bad);
	r->vm = action_dup_or_null(vm, &bad);
	r->to = action_dup_or_null(to, &bad);
	r->error = action_dup_or_null(error, &bad);
	if (bad || r->host == NULL) {
		recover_result_clear(r);
		return -1;
	}
	return 0;
}

void
recover_result_clear(struct recover_result *r)
{
	free(r->host);
	free(r->vm);
	free(r->to);
	free(r->error);
	memset(r, 0, sizeof *r);
}
