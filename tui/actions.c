/*
 * actions.c - the operator's commands as the console builds them: a
 * struct command (who "operator") with its own copies of the names, sent
 * through the one door into the engine, controller_command() (reload:
 * the run's hook), now or when its confirmation is accepted; the result
 * becomes the message line. The key handlers (keys.c, pane_*.c) build
 * them; the dialog only calls tui_cmd_send back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

bool
tui_readonly(struct tui *t, const char *what)
{
	if (t->mode != MODE_OBSERVE)
		return false;
	if (t->run->holder[0] != '\0')
		tui_message(t, true,
		    "observe mode: cannot %s; %s holds control of this cluster",
		    what, t->run->holder);
	else
		tui_message(t, true,
		    "observe mode (--mode observe): cannot %s; vmbal only watches",
		    what);
	return true;
}

struct tui_cmd *
tui_cmd_new(enum cmd_verb verb)
{
	struct tui_cmd *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->cmd.verb = verb;
	c->cmd.who = "operator";
	return c;
}

void
tui_cmd_free(void *arg)
{
	struct tui_cmd *c = arg;
	size_t i, k;

	if (c == NULL)
		return;
	for (i = 0; i < c->nmv; i++)
		for (k = 0; k < 3; k++)
			free(c->mv[i][k]);
	free(c->vm);
	free(c->host);
	free(c->service);
	free(c->backend);
	free(c);
}

void
tui_cmd_own(struct tui_cmd *c, char **slot, const char *s)
{
	free(*slot);
	*slot = s != NULL ? strdup(s) : NULL;
	if (s != NULL && *slot == NULL)
		c->oom = true;
}

void
tui_cmd_move(struct tui_cmd *c, const char *vm, const char *from,
    const char *to)
{
	if (c->nmv >= TUI_DLG_LINES)
		return;
	tui_cmd_own(c, &c->mv[c->nmv][0], vm);
	tui_cmd_own(c, &c->mv[c->nmv][1], from);
	tui_cmd_own(c, &c->mv[c->nmv][2], to);
	c->nmv++;
}

/* The run's reload hook, or why there is none. */
static void
tui_cmd_reload(struct tui *t, const char *who, struct cmd_result *res)
{
	memset(res, 0, sizeof *res);
	if (t->run->reload == NULL) {
		res->rc = -1;
		snprintf(res->msg, sizeof res->msg,
		    "cannot reload: this run has no configuration file to re-read");
		return;
	}
	if (t->run->reload(t->run->reload_arg, t->ctl, t->now, who,
	    res) == 0) {
		t->cfg = t->run->cfg;	/* the hook may have replaced it */
		if (res->msg[0] == '\0')
			snprintf(res->msg, sizeof res->msg,
			    "configuration reloaded");
	} else if (res->rc == 0)
		res->rc = -1;
}

void
tui_reload(struct tui *t, const char *who)
{
	struct cmd_result res;

	/* the views lent till now may name what the reload frees: the
	 * frame is gathered afresh before it is drawn */
	tui_cmd_reload(t, who, &res);
	tui_message(t, res.rc != 0, "%s", res.msg);
	tui_gather(t);
}

void
tui_cmd_send(struct tui *t, void *arg, const char *choice)
{
	struct tui_cmd *c = arg;
	struct cmd_move moves[TUI_DLG_LINES];
	struct cmd_result res;
	size_t i;

	(void)choice;
	c->cmd.vm = c->vm;
	c->cmd.host = c->host;
	c->cmd.service = c->service;
	c->cmd.backend = c->backend;
	for (i = 0; i < c->nmv; i++) {
		moves[i].vm = c->mv[i][0];
		moves[i].from = c->mv[i][1];
		moves[i].to = c->mv[i][2];
	}
	c->cmd.moves = moves;
	c->cmd.nmoves = c->nmv;
	if (c->oom) {
		tui_message(t, true, "out of memory: nothing done");
		return;
	}
	if (c->cmd.verb == CMD_RELOAD)
		tui_cmd_reload(t, "operator", &res);
	else
		controller_command(t->ctl, &c->cmd, t->now, &res);
	c->cmd.moves = NULL;
	tui_message(t, res.rc != 0, "%s", res.msg);
	tui_gather(t);
}

void
tui_cmd_now(struct tui *t, struct tui_cmd *c)
{
	if (c == NULL) {
		tui_message(t, true, "out of memory: nothing done");
		return;
	}
	tui_cmd_send(t, c, NULL);
	tui_cmd_free(c);
}

void
tui_cmd_ask(struct tui *t, struct tui_cmd *c, const char *title)
{
	if (c == NULL || c->oom) {
		tui_cmd_free(c);
		tui_dialog_clear(t);
		tui_message(t, true, "out of memory: nothing done");
		return;
	}
	tui_confirm(t, title != NULL ? title : cmd_table[c->cmd.verb].title,
	    tui_cmd_send, c, tui_cmd_free);
}
