/*
 * test_ha.c - the controller's state machine for a dead host
 * (engine/controller_ha.c), driven with the simulator:
 *   - auto mode with an agent: fenced once after after_s, its running
 *     VMs restarted, and on its return each retired there once;
 *   - the agent fails: a fence event with why, no retry, the console's
 *     words wait for a person; the person's fence command restarts them;
 *   - a host only cut off (its QEMUs still running): the restart is
 *     refused as "not fenced" and never tried again;
 *   - before after_s the words count down; mode off and observe act never.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers.h"

#define SCEN(h1, mode) \
	"hosts:\n" \
	"  - {name: h1, cpus: 4, memory_mib: 16384, " h1 "}\n" \
	"  - {name: h2, cpus: 4, memory_mib: 16384}\n" \
	"vms:\n" \
	"  - {name: a, host: h1, load: 20}\n" \
	"  - {name: b, host: h1, load: 20}\n" \
	"  - {name: c, host: h2, load: 20}\n" \
	"ha_restart: {mode: " mode ", after_s: 10}\n" \
	"policy: {mode: manual, probe_interval_s: 1, analyse_interval_s: 2}\n"

#define AGENT "fence: {agent: /usr/sbin/fence_test}"

struct seen {
	int fences, fence_off, fence_failed;
	double fence_ts;
	char fence_who[32], fence_err[200];
	int started, done, refused, failed;
	char last_err[200];
};

static void
seen_sink(void *arg, const struct event *ev)
{
	struct seen *s = arg;

	if (ev->type == EV_FENCE) {
		s->fences++;
		s->fence_ts = ev->ts;
		if (ev->u.fence.off)
			s->fence_off++;
		else
			s->fence_failed++;
		snprintf(s->fence_who, sizeof s->fence_who, "%s",
		    ev->u.fence.who);
		snprintf(s->fence_err, sizeof s->fence_err, "%s",
		    ev->u.fence.error != NULL ? ev->u.fence.error : "");
	} else if (ev->type == EV_RESTART) {
		const char *st = ev->u.restart.status;

		s->started += strcmp(st, "started") == 0;
		s->done += strcmp(st, "done") == 0;
		s->refused += strcmp(st, "refused") == 0;
		s->failed += strcmp(st, "failed") == 0;
		if (ev->u.restart.error != NULL)
			snprintf(s->last_err, sizeof s->last_err, "%s",
			    ev->u.restart.error);
	}
}

struct world {
	struct config *cfg;
	struct helpers_rig r;
	struct seen seen;
};

static void
world_start(struct world *w, const char *yaml)
{
	struct event_sink sink = { seen_sink, &w->seen };

	memset(w, 0, sizeof *w);
	w->cfg = helpers_scenario(yaml);
	assert_non_null(w->cfg);
	helpers_rig_init(&w->r, w->cfg, &sink, NULL);
}

static void
world_until(struct world *w, double t)
{
	while (helpers_rig_step(&w->r, t))
		;
}

static void
world_stop(struct world *w)
{
	helpers_rig_clear(&w->r);
	config_free(w->cfg);
}

static int
fence_cmd(struct world *w, const char *host, char *msg, size_t len)
{
	struct command c = { .verb = CMD_FENCE, .who = "operator",
		.host = host };
	struct cmd_result res;

	controller_command(w->r.ctl, &c, w->r.now, &res);
	snprintf(msg, len, "%s", res.msg);
	return res.rc;
}

static const char *
host_of(struct world *w, const char *vm)
{
	const struct model *m = controller_model(w->r.ctl);
	int v = model_vm_index(m, vm);

	return v >= 0 && m->vms[v].host >= 0 ? m->hosts[m->vms[v].host].name :
	    "";
}

static void
test_auto_and_return(void **state)
{
	struct world w;
	char why[300];

	(void)state;
	world_start(&w, SCEN(AGENT ", fail_at_s: 5, return_at_s: 40", "auto"));
	world_until(&w, 12);
	assert_int_equal(w.seen.fences, 0);	/* not yet after_s */
	assert_int_equal(controller_no_offer(w.r.ctl, why, sizeof why),
	    NOOFFER_HOST_DOWN);
	assert_non_null(strstr(why, "h1 down"));
	assert_non_null(strstr(why, "restarts its 2 VMs in"));
	assert_non_null(strstr(why, "once fenced"));
	world_until(&w, 30);
	assert_int_equal(w.seen.fences, 1);
	assert_int_equal(w.seen.fence_off, 1);
	assert_string_equal(w.seen.fence_who, "agent");
	assert_true(w.seen.fence_ts >= 5 + 10);
	assert_int_equal(w.seen.started, 2);
	assert_int_equal(w.seen.done, 2);
	assert_string_equal(host_of(&w, "a"), "h2");
	assert_string_equal(host_of(&w, "b"), "h2");
	assert_int_equal(sim_vm_old_def(w.r.sim, 0), 0);	/* still on h1 */
	world_until(&w, 80);
	/* back: retired once each, nothing started again */
	assert_int_equal(sim_vm_old_def(w.r.sim, 0), -1);
	assert_int_equal(sim_vm_old_def(w.r.sim, 1), -1);
	assert_int_equal(w.seen.started, 2);
	assert_int_equal(w.seen.fences, 1);
	assert_string_equal(host_of(&w, "a"), "h2");
	world_stop(&w);
}

static void
test_fence_fails_then_person(void **state)
{
	struct world w;
	char why[300], msg[512];

	(void)state;
	world_start(&w, SCEN(AGENT ", fail_at_s: 5, fence_fails: true",
	    "auto"));
	world_until(&w, 60);
	assert_int_equal(w.seen.fences, 1);	/* once: no retry loop */
	assert_int_equal(w.seen.fence_failed, 1);
	assert_true(w.seen.fence_err[0] != '\0');
	assert_int_equal(w.seen.started, 0);
	controller_no_offer(w.r.ctl, why, sizeof why);
	assert_non_null(strstr(why, "fencing failed"));
	assert_non_null(strstr(why, "ctl fence h1 --confirmed-off"));
	/* an up host cannot be confirmed off; h1 can, once */
	assert_int_equal(fence_cmd(&w, "h2", msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "down"));
	assert_int_equal(fence_cmd(&w, "nosuch", msg, sizeof msg), -1);
	assert_int_equal(fence_cmd(&w, "h1", msg, sizeof msg), 0);
	assert_int_equal(fence_cmd(&w, "h1", msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "already"));
	assert_string_equal(w.seen.fence_who, "operator");
	world_until(&w, 80);
	assert_int_equal(w.seen.done, 2);
	assert_string_equal(host_of(&w, "a"), "h2");
	world_stop(&w);
}

static void
test_cut_off_refused(void **state)
{
	struct world w;
	char msg[512];

	(void)state;
	/* no agent; h1 stops answering but its VMs still run there */
	world_start(&w, SCEN("connect_after_s: 0", "auto"));
	world_until(&w, 5);
	sim_host_set_up(w.r.sim, 0, false);
	world_until(&w, 20);
	assert_int_equal(w.seen.started, 0);	/* waits for a person */
	assert_int_equal(fence_cmd(&w, "h1", msg, sizeof msg), 0);
	world_until(&w, 120);
	assert_int_equal(w.seen.started, 2);
	assert_int_equal(w.seen.refused, 2);	/* and never again */
	assert_int_equal(w.seen.done, 0);
	assert_non_null(strstr(w.seen.last_err, "not fenced"));
	world_stop(&w);
}

static void
test_manual_offers(void **state)
{
	struct world w;
	struct move_view mv[8];
	struct cmd_move cm[8];
	struct command c = { .verb = CMD_CONFIRM, .who = "operator" };
	struct cmd_result res;
	size_t n, i;

	(void)state;
	world_start(&w, SCEN(AGENT ", fail_at_s: 5", "manual"));
	world_until(&w, 30);
	assert_int_equal(w.seen.fence_off, 1);
	assert_int_equal(w.seen.started, 0);
	n = controller_moves(w.r.ctl, mv, 8, NULL);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_int_equal(mv[i].state, MOVE_OFFERED);
		assert_string_equal(mv[i].from, "h1");
		cm[i].vm = mv[i].vm;
		cm[i].from = mv[i].from;
		cm[i].to = mv[i].to;
	}
	c.moves = cm;
	c.nmoves = n;
	assert_int_equal(controller_command(w.r.ctl, &c, w.r.now, &res), 0);
	assert_int_equal(w.seen.started, 2);
	/* a second confirm of the same finds nothing offered */
	assert_int_not_equal(controller_command(w.r.ctl, &c, w.r.now, &res), 0);
	world_until(&w, 40);
	assert_int_equal(w.seen.done, 2);
	world_stop(&w);
}

static void
test_never_acts(void **state)
{
	struct world w;
	char why[300];

	(void)state;
	world_start(&w, SCEN(AGENT ", fail_at_s: 5", "off"));
	world_until(&w, 60);
	assert_int_equal(w.seen.fences, 0);
	assert_int_equal(w.seen.started, 0);
	controller_no_offer(w.r.ctl, why, sizeof why);
	assert_non_null(strstr(why, "ha_restart is off"));
	world_stop(&w);
	/* observe mode: vmbal only watches, whatever ha_restart says */
	world_start(&w,
	    "hosts:\n"
	    "  - {name: h1, fail_at_s: 5, " AGENT "}\n"
	    "  - {name: h2}\n"
	    "vms: [{name: a, host: h1, load: 20}]\n"
	    "ha_restart: {mode: auto, after_s: 1}\n"
	    "policy: {mode: observe, probe_interval_s: 1}\n");
	world_until(&w, 60);
	assert_int_equal(w.seen.fences, 0);
	assert_int_equal(w.seen.started, 0);
	world_stop(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_and_return),
		cmocka_unit_test(test_fence_fails_then_person),
		cmocka_unit_test(test_cut_off_refused),
		cmocka_unit_test(test_manual_offers),
		cmocka_unit_test(test_never_acts),
	};

	return TAP_RUN(tests);
}
