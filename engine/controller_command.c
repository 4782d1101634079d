/*
 * controller_command.c - the one door into the engine for an operator's
 * command (command.h): the console and the control socket both hand it a
 * struct command and get a struct cmd_result back.
 *
 * A command that changes anything is refused in observe mode, carried
 * out through controller_cmd.c, journaled with who asked (phase
 * "command", so a restarted vmbal restores the standing state: see
 * controller_restore.c) and said in a command event, done or refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "controller_priv.h"

int
controller_backend_named(const struct controller *c, const char *service,
    const char *backend, size_t *si, size_t *bi, struct diag *d)
{
	size_t i, j;
	char name[300];

	for (i = 0; service != NULL && i < c->cfg->nservices; i++) {
		const struct service_conf *s = &c->cfg->services[i];

		if (strcmp(s->name, service) != 0)
			continue;
		for (j = 0; backend != NULL && j < s->nbackends; j++) {
			snprintf(name, sizeof name, "%s:%ld",
			    s->backends[j].address, s->backends[j].port);
			if (strcmp(name, backend) == 0) {
				*si = i;
				*bi = j;
				return 0;
			}
		}
		if (d != NULL)
			diag_set(d, NULL, 0, 0, "service %s has no backend %s",
			    service, backend != NULL ? backend : "(none given)");
		return -1;
	}
	if (d != NULL)
		diag_set(d, NULL, 0, 0, "no service named %s",
		    service != NULL ? service : "(none given)");
	return -1;
}

/* What the configuration says of host: 1 in maintenance, 0 not. */
int
controller_cfg_maintenance(const struct config *cfg, const char *host)
{
	size_t i;

	for (i = 0; host != NULL && i < cfg->nmaintenance; i++)
		if (strcmp(cfg->maintenance[i], host) == 0)
			return 1;
	return 0;
}

/* The arguments as ctl spells them, for the event and the journal. */
static void
controller_cmd_args(const struct command *cmd, char *out, size_t len)
{
	size_t i, n;

	out[0] = '\0';
	switch (cmd->verb) {
	case CMD_CONFIRM:
		for (i = 0, n = 0; i < cmd->nmoves && n < len; i++)
			n += (size_t)snprintf(out + n, len - n, "%s%s:%s->%s",
			    i > 0 ? " " : "", cmd->moves[i].vm,
			    cmd->moves[i].from, cmd->moves[i].to);
		break;
	case CMD_MODE:
		snprintf(out, len, "%s", policy_mode_name(cmd->mode));
		break;
	case CMD_MAINTENANCE:
		snprintf(out, len, "%s %s", cmd->host, cmd->on ? "on" : "off");
		break;
	case CMD_DRAIN:
		snprintf(out, len, "%s %s %s", cmd->service, cmd->backend,
		    cmd->on ? "on" : "off");
		break;
	case CMD_MIGRATE:
		snprintf(out, len, "%s %s", cmd->vm, cmd->host);
		break;
	case CMD_ABORT:
		snprintf(out, len, "%s", cmd->vm);
		break;
	case CMD_FENCE:
		snprintf(out, len, "%s --confirmed-off", cmd->host);
		break;
	default:
		break;
	}
}

/* Carries out cmd; 0 and what was done in res, or -1 and d. */
static int
controller_cmd_do(struct controller *c, const struct command *cmd,
    double now, struct cmd_result *res, struct diag *d)
{
	struct move_ref refs[64];
	size_t i, si, bi, nr;
	int h;

	switch (cmd->verb) {
	case CMD_CONFIRM:
		if (cmd->nmoves == 0 || cmd->nmoves > 64) {
			diag_set(d, NULL, 0, 0, cmd->nmoves == 0 ?
			    "no suggestion waits for confirmation" :
			    "too many moves at once");
			return -1;
		}
		/* a dead host's restarts offered with the plan are started;
		 * the migrations confirmed as before */
		for (i = 0, nr = 0; i < cmd->nmoves; i++) {
			if (controller_ha_offered(c, cmd->moves[i].vm,
			    cmd->moves[i].from, cmd->moves[i].to))
				continue;
			refs[nr].vm = cmd->moves[i].vm;
			refs[nr].from = cmd->moves[i].from;
			refs[nr++].to = cmd->moves[i].to;
		}
		if (nr > 0 &&
		    controller_confirm_moves(c, refs, nr, now, d) != 0)
			return -1;
		for (i = 0; i < cmd->nmoves; i++)
			if (controller_ha_offered(c, cmd->moves[i].vm,
			    cmd->moves[i].from, cmd->moves[i].to) &&
			    controller_ha_confirm(c, cmd->moves[i].vm,
			    cmd->moves[i].from, now, d) != 0)
				return -1;
		if (nr < cmd->nmoves) {
			snprintf(res->msg, sizeof res->msg,
			    "confirmed: %zu restart%s%s", cmd->nmoves - nr,
			    cmd->nmoves - nr == 1 ? "" : "s", nr > 0 ?
			    " and the migrations" : "");
			return 0;
		}
		for (i = 0; i < nr; i++) {
			refs[i].vm = cmd->moves[i].vm;
			refs[i].from = cmd->moves[i].from;
			refs[i].to = cmd->moves[i].to;
		}
		if (cmd->nmoves == 1)
			snprintf(res->msg, sizeof res->msg,
			    "confirmed: %s migrates from %s to %s",
			    refs[0].vm, refs[0].from, refs[0].to);
		else
			snprintf(res->msg, sizeof res->msg,
			    "confirmed: %zu moves, in order", cmd->nmoves);
		return 0;
	case CMD_DISMISS:
		if (controller_dismiss(c, d) != 0)
			return -1;
		snprintf(res->msg, sizeof res->msg,
		    "suggestion dismissed: it will not be offered again as it is");
		return 0;
	case CMD_MODE:
		if (controller_set_mode(c, cmd->mode, d) != 0)
			return -1;
		snprintf(res->msg, sizeof res->msg, cmd->mode == MODE_AUTO ?
		    "AUTO mode: vmbal acts on its plans" :
		    "manual mode: plans wait for you");
		return 0;
	case CMD_PAUSE:
	case CMD_RESUME:
		if (c->paused == (cmd->verb == CMD_PAUSE) &&
		    c->policy.mode != MODE_OBSERVE) {
			diag_set(d, NULL, 0, 0, c->paused ? "paused already" :
			    "not paused");
			return -1;
		}
		if (controller_pause(c, cmd->verb == CMD_PAUSE, d) != 0)
			return -1;
		snprintf(res->msg, sizeof res->msg, c->paused ?
		    "paused: probes go on; no planning, no new migration" :
		    "resumed");
		return 0;
	case CMD_MAINTENANCE:
		h = cmd->host != NULL ? model_host_index(c->model, cmd->host) : -1;
		if (h < 0) {
			diag_set(d, NULL, 0, 0, "no host named %s",
			    cmd->host != NULL ? cmd->host : "(none given)");
			return -1;
		}
		if (c->model->hosts[h].maintenance == cmd->on) {
			diag_set(d, NULL, 0, 0, "%s is %s maintenance already",
			    cmd->host, cmd->on ? "in" : "out of");
			return -1;
		}
		if (controller_maintenance(c, cmd->host, cmd->on, now, d) != 0)
			return -1;
		snprintf(res->msg, sizeof res->msg, cmd->on ?
		    "%s in maintenance: evacuating" : "%s out of maintenance",
		    cmd->host);
		return 0;
	case CMD_DRAIN:
		if (controller_backend_named(c, cmd->service, cmd->backend,
		    &si, &bi, d) != 0)
			return -1;
		if (controller_drain(c, si, bi, cmd->on, now, d) != 0)
			return -1;
		snprintf(res->msg, sizeof res->msg, "backend %s of %s %s",
		    cmd->backend, cmd->service, cmd->on ? "drained" : "restored");
		return 0;
	case CMD_MIGRATE:
		if (cmd->vm == NULL || cmd->host == NULL) {
			diag_set(d, NULL, 0, 0, "migrate takes a VM and a host");
			return -1;
		}
		if (controller_migrate(c, cmd->vm, cmd->host, now, d) != 0)
			return -1;
		snprintf(res->msg, sizeof res->msg, "%s migrates to %s",
		    cmd->vm, cmd->host);
		return 0;
	case CMD_ABORT:
		if (cmd->vm == NULL || controller_abort(c, cmd->vm, d) != 0) {
			if (cmd->vm == NULL)
				diag_set(d, NULL, 0, 0, "abort takes a VM");
			return -1;
		}
		snprintf(res->msg, sizeof res->msg,
		    "aborting the migration of %s", cmd->vm);
		return 0;
	case CMD_FENCE:
		if (controller_fence_confirm(c, cmd->host, now, d) != 0)
			return -1;
		snprintf(res->msg, sizeof res->msg,
		    "%s confirmed off: its VMs may run elsewhere", cmd->host);
		return 0;
	default:
		diag_set(d, NULL, 0, 0, "%s is answered by the front end, not the engine",
		    cmd_table[cmd->verb].name);
		return -1;
	}
}

/* The command's journal record; 0 also when there is no journal. */
static int
controller_cmd_journal(struct controller *c, const struct command *cmd,
    double now, struct diag *d)
{
	struct journal_entry je;

	if (c->opts.journal == NULL || c->opts.dry_run)
		return 0;
	memset(&je, 0, sizeof je);
	mig_stats_none(&je.stats);
	je.ts = now;
	je.command = true;
	je.who = cmd->who != NULL ? cmd->who : "operator";
	je.action = cmd_table[cmd->verb].name;
	switch (cmd->verb) {
	case CMD_MIGRATE:
		je.vm = cmd->vm;
		je.to = cmd->host;
		break;
	case CMD_ABORT:
		je.vm = cmd->vm;
		break;
	case CMD_FENCE:
		je.host = cmd->host;
		break;
	case CMD_MAINTENANCE:
		je.host = cmd->host;
		je.on = cmd->on;
		je.config_was = controller_cfg_maintenance(c->cfg, cmd->host);
		break;
	case CMD_DRAIN:
		je.service = cmd->service;
		je.backend = cmd->backend;
		je.on = cmd->on;
		break;
	case CMD_MODE:
		je.mode = policy_mode_name(cmd->mode);
		je.config_was = (int)c->cfg->policy.mode;
		break;
	default:
		break;
	}
	return c->opts.journal->ops->record(c->opts.journal->impl, &je, d);
}

/* who as a string that lives as long as c (moves keep it); NULL on
 * ENOMEM, then the move says "operator". */
static const char *
controller_who(struct controller *c, const char *who)
{
	char **v, *s;
	size_t i;

	if (who == NULL)
		return NULL;
	for (i = 0; i < c->nwhos; i++)
		if (strcmp(c->whos[i], who) == 0)
			return c->whos[i];
	if ((s = strdup(who)) == NULL)
		return NULL;
	if ((v = realloc(c->whos, (c->nwhos + 1) * sizeof *v)) == NULL) {
		free(s);
		return NULL;
	}
	c->whos = v;
	c->whos[c->nwhos++] = s;
	return s;
}

void
controller_journal_command(struct controller *c, double now,
    const char *who, const char *action)
{
	struct journal_entry je;
	struct diag d;
	char why[600];

	if (c->opts.journal == NULL || c->opts.dry_run)
		return;
	memset(&je, 0, sizeof je);
	mig_stats_none(&je.stats);
	je.ts = now;
	je.command = true;
	je.who = who != NULL ? who : "operator";
	je.action = action;
	diag_clear(&d);
	if (c->opts.journal->ops->record(c->opts.journal->impl, &je, &d) != 0) {
		diag_format(&d, why, sizeof why);
		controller_error(c, now, why);
	}
}

int
controller_command(struct controller *c, const struct command *cmd,
    double now, struct cmd_result *res)
{
	const struct cmd_entry *ce;
	char args[400];
	struct event ev;
	struct diag d;

	memset(res, 0, sizeof *res);
	if ((unsigned)cmd->verb >= CMD_NVERBS) {
		res->rc = -1;
		snprintf(res->msg, sizeof res->msg, "no such command");
		return -1;
	}
	ce = &cmd_table[cmd->verb];
	diag_clear(&d);
	c->now = now > c->now ? now : c->now;
	if (ce->changes && c->policy.mode == MODE_OBSERVE) {
		diag_set(&d, NULL, 0, 0, "observe mode: vmbal only watches here");
		res->rc = -1;
	} else {
		c->cmd_who = controller_who(c, cmd->who);
		res->rc = controller_cmd_do(c, cmd, now, res, &d);
		c->cmd_who = NULL;
	}
	if (res->rc != 0)
		snprintf(res->msg, sizeof res->msg, "%s", d.msg);
	else if (ce->changes) {
		diag_clear(&d);
		if (controller_cmd_journal(c, cmd, now, &d) != 0) {
			char why[600];

			diag_format(&d, why, sizeof why);
			controller_error(c, now, why);
		}
	}
	if (!ce->changes)
		return res->rc;
	controller_cmd_args(cmd, args, sizeof args);
	memset(&ev, 0, sizeof ev);
	ev.type = EV_COMMAND;
	ev.ts = now;
	ev.u.command.who = cmd->who != NULL ? cmd->who : "operator";
	ev.u.command.name = ce->name;
	ev.u.command.args = args;
	ev.u.command.done = res->rc == 0;
	ev.u.command.message = res->msg;
	controller_emit(c, &ev);
	return res->rc;
}
