/*
 * ctl_status.c - status, plan and help as JSON for the control socket
 * (see ctl_status.h), read through the controller's view functions only.
 * The moves are numbered from 1, as `vmbal ctl confirm N` takes them.
 */
#include <stdlib.h>

#include "../engine/availability.h"
#include "../engine/command.h"
#include "../engine/controller.h"
#include "ctl_status.h"
#include "jsonout.h"

#define CTL_STATUS_MOVES 256	/* moves listed at most */

static const char *
ctl_status_move_state(enum move_state st)
{
	static const char *const names[] = { "offered", "confirmed",
		"running", "done", "failed", "cancelled" };

	return names[st];
}

/* The plan in hand's moves; *n how many (0: none). NULL on ENOMEM. */
static json_t *
ctl_status_moves(const struct controller *ctl, double *spread_before,
    size_t *n)
{
	struct move_view *mv = calloc(CTL_STATUS_MOVES, sizeof *mv);
	json_t *arr = json_array();
	size_t i;

	*n = 0;
	if (mv == NULL || arr == NULL) {
		free(mv);
		json_decref(arr);
		return NULL;
	}
	*n = controller_moves(ctl, mv, CTL_STATUS_MOVES, spread_before);
	for (i = 0; i < *n; i++) {
		json_t *m = json_object();

		json_object_set_new(m, "n", json_integer((json_int_t)i + 1));
		json_object_set_new(m, "vm", json_string(mv[i].vm));
		json_object_set_new(m, "from", json_string(mv[i].from));
		json_object_set_new(m, "to", json_string(mv[i].to));
		json_object_set_new(m, "reason", json_string(mv[i].reason));
		json_object_set_new(m, "spread_after",
		    jsonout_num(mv[i].spread_after));
		json_object_set_new(m, "state",
		    json_string(ctl_status_move_state(mv[i].state)));
		json_object_set_new(m, "who", json_string(mv[i].who));
		json_array_append_new(arr, m);
	}
	free(mv);
	return arr;
}

static json_t *
ctl_status_hosts(const struct model *m)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < m->nhosts; i++) {
		const struct model_host *h = &m->hosts[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:i}",
		    "name", h->name, "state", host_state_name(h->state),
		    "cpu_pct", jsonout_num(h->cpu_pct), "vms", h->nvms));
	}
	return arr;
}

static json_t *
ctl_status_flights(const struct controller *ctl, double now)
{
	struct flight fl[64];
	json_t *arr = json_array();
	size_t i, n = controller_flights(ctl, now, fl, 64);

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, s:o}",
		    "vm", fl[i].vm, "from", fl[i].from, "to", fl[i].to,
		    "elapsed_s", jsonout_num(fl[i].elapsed_s), "progress",
		    fl[i].progress >= 0 ? jsonout_num(fl[i].progress) :
		    json_null()));
	return arr;
}

/* A duration in seconds, or null (< 0: none). */
static json_t *
ctl_status_secs(double s)
{
	return s >= 0 ? jsonout_num(s) : json_null();
}

/*
 * "availability": per host seen up its failures, MTBF, MTTR and
 * availability; per VM that had an outage its incidents, MTTR and the
 * latest downtime (engine/availability.h).
 */
static json_t *
ctl_status_avail(const struct controller *ctl, double now)
{
	const struct avail *a = controller_avail(ctl);
	json_t *hosts = json_array(), *vms = json_array();
	struct avail_figures f;
	const char *name;
	size_t i;

	for (i = 0; (name = avail_name(a, AVAIL_HOST, i)) != NULL; i++)
		if (avail_figures(a, AVAIL_HOST, name, now, &f))
			json_array_append_new(hosts, json_pack(
			    "{s:s, s:I, s:b, s:o, s:o, s:o, s:o, s:o}",
			    "name", name, "failures", (json_int_t)f.incidents,
			    "down", f.down_now,
			    "observed_s", jsonout_num(f.observed_s),
			    "down_s", jsonout_num(f.down_s),
			    "mtbf_s", ctl_status_secs(f.mtbf_s),
			    "mttr_s", ctl_status_secs(f.mttr_s),
			    "availability", jsonout_num(f.availability)));
	for (i = 0; (name = avail_name(a, AVAIL_VM, i)) != NULL; i++)
		if (avail_figures(a, AVAIL_VM, name, now, &f) &&
		    f.incidents > 0)
			json_array_append_new(vms, json_pack(
			    "{s:s, s:I, s:b, s:o, s:o, s:o, s:o}",
			    "name", name, "incidents", (json_int_t)f.incidents,
			    "down", f.down_now,
			    "down_s", jsonout_num(f.down_s),
			    "mttr_s", ctl_status_secs(f.mttr_s),
			    "last_downtime_s", ctl_status_secs(f.last_s),
			    "availability", jsonout_num(f.availability)));
	return json_pack("{s:o, s:o}", "hosts", hosts, "vms", vms);
}

json_t *
ctl_status_json(const struct controller *ctl, double now)
{
	const struct model *m = controller_model(ctl);
	json_t *o = json_object(), *moves;
	double before = 0;
	char why[512];
	size_t n;

	json_object_set_new(o, "ts", jsonout_num(now));
	json_object_set_new(o, "role", json_string(controller_standby(ctl) !=
	    NULL ? "standby" : "active"));
	json_object_set_new(o, "mode",
	    json_string(policy_mode_name(controller_mode(ctl))));
	json_object_set_new(o, "paused", json_boolean(controller_paused(ctl)));
	json_object_set_new(o, "spread", jsonout_num(m->spread));
	json_object_set_new(o, "threshold",
	    jsonout_num(controller_policy(ctl)->threshold_pct));
	json_object_set_new(o, "state", json_string(controller_imbalanced(ctl,
	    NULL) ? "imbalanced" : "balanced"));
	json_object_set_new(o, "hosts", ctl_status_hosts(m));
	json_object_set_new(o, "flights", ctl_status_flights(ctl, now));
	json_object_set_new(o, "availability", ctl_status_avail(ctl, now));
	moves = ctl_status_moves(ctl, &before, &n);
	if (moves == NULL || n == 0) {
		json_decref(moves);
		json_object_set_new(o, "offer", json_null());
	} else
		json_object_set_new(o, "offer", json_pack("{s:o, s:o}",
		    "spread_before", jsonout_num(before), "moves", moves));
	/* why there is no suggestion, in the Suggestions pane's words
	 * (controller_why.c); null while one is offered or moves run */
	if (controller_no_offer(ctl, why, sizeof why) != NOOFFER_NONE &&
	    why[0] != '\0')
		json_object_set_new(o, "no_suggestion", json_string(why));
	else
		json_object_set_new(o, "no_suggestion", json_null());
	return o;
}

json_t *
ctl_status_plan(const struct controller *ctl)
{
	const char *note = controller_offer_note(ctl);
	double before = 0, target = 0;
	long min = controller_plan_min_moves(ctl, &target);
	json_t *o = json_object(), *moves;
	size_t n;

	moves = ctl_status_moves(ctl, &before, &n);
	json_object_set_new(o, "moves", moves != NULL ? moves : json_array());
	json_object_set_new(o, "spread_before", n > 0 ? jsonout_num(before) :
	    json_null());
	json_object_set_new(o, "min_moves", min >= 0 ? json_integer(min) :
	    json_null());
	json_object_set_new(o, "target", n > 0 ? jsonout_num(target) :
	    json_null());
	json_object_set_new(o, "note", note != NULL ? json_string(note) :
	    json_null());
	return o;
}

json_t *
ctl_status_help(void)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < CMD_NVERBS; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}",
		    "name", cmd_table[i].name, "args", cmd_table[i].args,
		    "help", cmd_table[i].help, "changes", cmd_table[i].changes));
	return json_pack("{s:o}", "commands", arr);
}
