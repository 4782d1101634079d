/*
 * ctl_request.c - a control socket request and its reply (see
 * ctl_request.h). Every engine command goes through controller_command()
 * with who as the client's user: the same door as the console's keys,
 * journaled and said in a command event there.
 */
#include <stdio.h>
#include <string.h>

#include "../engine/controller.h"
#include "ctl_request.h"
#include "ctl_status.h"

#define CTL_MOVES_MAX 64	/* moves confirmed at once (the engine's cap) */

json_t *
ctl_request_error(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
ctl_request_ok(json_t *result, const char *msg)
{
	json_t *o = json_pack("{s:b, s:o}", "ok", 1, "result",
	    result != NULL ? result : json_object());

	if (o != NULL && msg != NULL && msg[0] != '\0')
		json_object_set_new(o, "message", json_string(msg));
	return o;
}

/* A string member: 0, or -1 with the reason in err. */
static int
ctl_request_str(json_t *req, const char *key, const char *cmd,
    const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(req, key);

	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(err, errlen, "%s takes \"%s\": a non-empty string", cmd,
		    key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int
ctl_request_bool(json_t *req, const char *key, const char *cmd, bool *out,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(req, key);

	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "%s takes \"%s\": true or false", cmd, key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

static int
ctl_request_moves(json_t *req, struct cmd_move *mv, size_t *n, char *err,
    size_t errlen)
{
	json_t *arr = json_object_get(req, "moves"), *m;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > CTL_MOVES_MAX) {
		snprintf(err, errlen, "confirm takes \"moves\": 1 to %d "
		    "{\"vm\",\"from\",\"to\"} as status showed them",
		    CTL_MOVES_MAX);
		return -1;
	}
	json_array_foreach(arr, i, m) {
		if (!json_is_object(m) ||
		    ctl_request_str(m, "vm", "confirm", &mv[i].vm, err, errlen) ||
		    ctl_request_str(m, "from", "confirm", &mv[i].from, err,
		    errlen) ||
		    ctl_request_str(m, "to", "confirm", &mv[i].to, err, errlen)) {
			if (!json_is_object(m))
				snprintf(err, errlen,
				    "confirm: move %zu is not an object", i + 1);
			return -1;
		}
	}
	*n = i;
	return 0;
}

static int
ctl_request_mode(json_t *req, enum policy_mode *mode, char *err,
    size_t errlen)
{
	const char *s;
	int m;

	if (ctl_request_str(req, "mode", "mode", &s, err, errlen) != 0)
		return -1;
	for (m = MODE_MANUAL; m <= MODE_OBSERVE; m++)
		if (strcmp(s, policy_mode_name((enum policy_mode)m)) == 0) {
			*mode = (enum policy_mode)m;
			return 0;
		}
	snprintf(err, errlen, "mode takes \"mode\": manual, auto or observe");
	return -1;
}

/* The arguments of an engine command, into cmd. */
static int
ctl_request_args(json_t *req, struct command *cmd, struct cmd_move *mv,
    char *err, size_t errlen)
{
	const char *name = cmd_table[cmd->verb].name;

	switch (cmd->verb) {
	case CMD_CONFIRM:
		cmd->moves = mv;
		return ctl_request_moves(req, mv, &cmd->nmoves, err, errlen);
	case CMD_MODE:
		return ctl_request_mode(req, &cmd->mode, err, errlen);
	case CMD_MAINTENANCE:
		return ctl_request_str(req, "host", name, &cmd->host, err,
		    errlen) || ctl_request_bool(req, "on", name, &cmd->on, err,
		    errlen) ? -1 : 0;
	case CMD_DRAIN:
		return ctl_request_str(req, "service", name, &cmd->service, err,
		    errlen) || ctl_request_str(req, "backend", name,
		    &cmd->backend, err, errlen) || ctl_request_bool(req, "on",
		    name, &cmd->on, err, errlen) ? -1 : 0;
	case CMD_MIGRATE:
		return ctl_request_str(req, "vm", name, &cmd->vm, err, errlen) ||
		    ctl_request_str(req, "host", name, &cmd->host, err,
		    errlen) ? -1 : 0;
	case CMD_ABORT:
		return ctl_request_str(req, "vm", name, &cmd->vm, err, errlen);
	case CMD_FENCE: {
		bool off = false;

		if (ctl_request_str(req, "host", name, &cmd->host, err,
		    errlen) != 0 || ctl_request_bool(req, "confirmed_off", name,
		    &off, err, errlen) != 0)
			return -1;
		if (!off) {
			snprintf(err, errlen, "fence takes \"confirmed_off\": "
			    "true (a person's word that the host is off)");
			return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* The confirmed moves, echoed in the reply. */
static json_t *
ctl_request_echo(const struct command *cmd)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < cmd->nmoves; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "vm",
		    cmd->moves[i].vm, "from", cmd->moves[i].from, "to",
		    cmd->moves[i].to));
	return json_pack("{s:s, s:o}", "command", "confirm", "moves", arr);
}

static json_t *
ctl_request_reload(const char *who, struct controller *ctl,
    const struct run *r, double now)
{
	struct cmd_result res;

	if (r == NULL || r->reload == NULL)
		return ctl_request_error("this run cannot reload: the built-in "
		    "demo has no file to read again");
	memset(&res, 0, sizeof res);
	if (r->reload(r->reload_arg, ctl, now, who, &res) != 0)
		return ctl_request_error(res.msg[0] != '\0' ? res.msg :
		    "reload failed");
	return ctl_request_ok(json_pack("{s:s}", "command", "reload"),
	    res.msg);
}

static json_t *
ctl_request_do(json_t *req, const char *who, struct controller *ctl,
    const struct run *r, double now, bool *events)
{
	struct cmd_move mv[CTL_MOVES_MAX];
	const struct cmd_entry *ce;
	struct command cmd;
	struct cmd_result res;
	json_t *name = json_object_get(req, "cmd");
	char err[300];

	if (!json_is_string(name))
		return ctl_request_error("a request is {\"cmd\":NAME, ...}: "
		    "no \"cmd\" string (try {\"cmd\":\"help\"})");
	ce = cmd_find(json_string_value(name));
	if (ce == NULL) {
		snprintf(err, sizeof err, "unknown command: %.100s (try help)",
		    json_string_value(name));
		return ctl_request_error(err);
	}
	switch (ce->verb) {
	case CMD_STATUS:
		return ctl_request_ok(ctl_status_json(ctl, now), NULL);
	case CMD_PLAN:
		return ctl_request_ok(ctl_status_plan(ctl), NULL);
	case CMD_HELP:
		return ctl_request_ok(ctl_status_help(), NULL);
	case CMD_EVENTS:
		*events = true;
		return ctl_request_ok(NULL, "the event stream follows, one "
		    "JSON line each, until you close");
	case CMD_RELOAD:
		return ctl_request_reload(who, ctl, r, now);
	default:
		break;
	}
	memset(&cmd, 0, sizeof cmd);
	cmd.verb = ce->verb;
	cmd.who = who;
	if (ctl_request_args(req, &cmd, mv, err, sizeof err) != 0)
		return ctl_request_error(err);
	if (controller_command(ctl, &cmd, now, &res) != 0)
		return ctl_request_error(res.msg);
	return ctl_request_ok(ce->verb == CMD_CONFIRM ? ctl_request_echo(&cmd) :
	    json_pack("{s:s}", "command", ce->name), res.msg);
}

json_t *
ctl_request_answer(const char *line, size_t len, const char *who,
    struct controller *ctl, const struct run *r, double now, bool *events)
{
	json_error_t jerr;
	json_t *req, *reply;
	char err[300];

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(err, sizeof err, "not JSON: %.200s (column %d)",
		    jerr.text, jerr.column);
		return ctl_request_error(err);
	}
	if (!json_is_object(req))
		reply = ctl_request_error("a request is one JSON object per line");
	else
		reply = ctl_request_do(req, who, ctl, r, now, events);
	json_decref(req);
	return reply;
}
