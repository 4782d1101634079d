/*
 * reload.c - the run's reload hook (see reload.h): the file read again,
 * handed to the controller and to the parts that keep a copy of the
 * hosts or the backends (the probe, the health checker, the migrations),
 * in that order: the controller's step is the only one that can refuse,
 * and nothing has changed when it does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/controller.h"
#include "../engine/vec.h"
#include "reload.h"

void
reload_state_init(struct reload_state *rs, struct run *run, const char *path,
    enum config_kind kind, struct config *cfg)
{
	memset(rs, 0, sizeof *rs);
	rs->run = run;
	rs->path = path;
	rs->kind = kind;
	rs->cfg = cfg;
}

void
reload_state_fini(struct reload_state *rs)
{
	size_t i;

	for (i = 0; i < rs->nretired; i++)
		config_free(rs->retired[i]);
	free(rs->retired);
	config_free(rs->cfg);
	rs->retired = NULL;
	rs->nretired = 0;
	rs->cfg = NULL;
}

/* s into res->msg, cut when longer. */
static void
reload_msg(struct cmd_result *res, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof res->msg)
		n = sizeof res->msg - 1;
	memcpy(res->msg, s, n);
	res->msg[n] = '\0';
}

static int
reload_refuse(struct controller *ctl, double now, const char *who,
    struct cmd_result *res, const char *msg)
{
	res->rc = -1;
	reload_msg(res, msg);
	controller_reload_said(ctl, now, who, false, NULL, msg);
	return -1;
}

/* The changes in one line, for res->msg (cut at the end when long). */
static void
reload_summary(const struct reload_state *rs, const struct reload_changes *ch,
    struct cmd_result *res)
{
	char *line = NULL, *more;
	size_t i;

	if (asprintf(&line, "reloaded %s: ", rs->path) < 0)
		line = NULL;
	for (i = 0; line != NULL && i < ch->n; i++) {
		if (asprintf(&more, "%s%s%s", line, i > 0 ? "; " : "",
		    ch->v[i]) < 0)
			more = NULL;
		free(line);
		line = more;
	}
	reload_msg(res, line != NULL ? line : "reloaded");
	free(line);
}

/* A part that keeps a copy of the hosts or backends, told of next; its
 * refusal is added to the changes (the old configuration is then kept
 * for it: it may still point into it). */
static bool
reload_part(const char *what, int rc, const struct diag *d,
    struct reload_changes *ch)
{
	char msg[600];

	if (rc == 0)
		return true;
	diag_format(d, msg, sizeof msg);
	if (vec_reserve(&ch->v, &ch->cap, ch->n + 1, sizeof *ch->v) == 0 &&
	    asprintf(&ch->v[ch->n], "%s not reloaded: %s", what, msg) >= 0)
		ch->n++;
	return false;
}

int
reload_run(void *arg, struct controller *ctl, double now, const char *who,
    struct cmd_result *res)
{
	struct reload_state *rs = arg;
	struct run *r = rs->run;
	struct reload_changes ch;
	struct config *next, *old = rs->cfg;
	struct diag d;
	char msg[1024];
	bool parts = true;

	if (rs->path == NULL)
		return reload_refuse(ctl, now, who, res,
		    "the built-in demo has no file to read again: reload works with --scenario FILE or -c CONFIG");
	diag_clear(&d);
	next = config_new_from_file(rs->path, rs->kind, &d);
	if (next == NULL) {
		diag_format(&d, msg, sizeof msg);
		return reload_refuse(ctl, now, who, res, msg);
	}
	if (rs->kind == CONFIG_CLUSTER && r->health == NULL &&
	    next->nservices > 0) {
		snprintf(msg, sizeof msg,
		    "%s: services added to a run started without any: restart vmbal to check and program them",
		    rs->path);
		config_free(next);
		return reload_refuse(ctl, now, who, res, msg);
	}
	diag_clear(&d);
	if (controller_reload(ctl, next, now, &d, &ch) != 0) {
		diag_format(&d, msg, sizeof msg);
		config_free(next);
		return reload_refuse(ctl, now, who, res, msg);
	}
	/* the controller is on next now: the parts follow it */
	if (r->probe->ops->reload != NULL) {
		diag_clear(&d);
		parts &= reload_part("probe", r->probe->ops->reload(
		    r->probe->impl, next, &d), &d, &ch);
	}
	if (r->health != NULL && r->health->ops->reload != NULL) {
		diag_clear(&d);
		parts &= reload_part("health checks", r->health->ops->reload(
		    r->health->impl, next, &d), &d, &ch);
	}
	if (r->action->ops->reload != NULL)
		r->action->ops->reload(r->action->impl, next);
	r->cfg = next;
	rs->cfg = next;
	res->rc = 0;
	reload_summary(rs, &ch, res);
	controller_reload_said(ctl, now, who, true, &ch, NULL);
	reload_changes_free(&ch);
	if (parts)
		config_free(old);
	else if (vec_reserve(&rs->retired, &rs->capretired,
	    rs->nretired + 1, sizeof *rs->retired) == 0)
		rs->retired[rs->nretired++] = old;
	/* else: kept borrowed, never freed (out of memory) */
	return 0;
}
