/*
 * test_ha.c - the controller's state machine for a dead host
 * (engine/controller_ha.c), driven with the simulator:
 *   - auto mode with an agent: fenced once after after_s, its running
 *     VMs restarted, and on its return each retired there once;
 *   - the agent fails: a fence event with why, no retry, the console's
 *     words wait for a person; the person's fence command restarts them;
 *   - a host only cut off (its QEMUs still running): the restart is
 *     refused as "not fenced" and never tried again;
 *   - before after_s the words count down; mode off and observe act never;
 *   - a host dead before vmbal started (never seen up: the libvirt probe
 *     reports the VMs saved under it, state unknown): fenced after_s
 *     after it was first seen down, its saved VMs restarted, and one
 *     that runs elsewhere already left alone; a probe's warning about a
 *     host (a definition not saved) is one error event however long it
 *     lasts.
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
	int warnings;		/* error events of h2's warning */
	char warning[300];
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
	} else if (ev->type == EV_ERROR && ev->u.error.host != NULL &&
	    strcmp(ev->u.error.host, "h2") == 0 &&
	    strstr(ev->u.error.message, "cannot save") != NULL) {
		s->warnings++;
		snprintf(s->warning, sizeof s->warning, "%s",
		    ev->u.error.message);
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

/*
 * The libvirt probe's view of a host never reached since vmbal started
 * (probes/lv_saved.h): down, with the VMs saved under it in state
 * unknown unless they run on a host reached. Wraps the simulator's probe,
 * whose host dies at its fail_at_s.
 */
struct saved_probe {
	struct probe inner;
	const char *host;
	const char *const *saved;
	size_t nsaved;
	double warn_from, warn_to;	/* h2 warns meanwhile */
};

static struct snapshot *
saved_collect(void *impl, double now, struct diag *d)
{
	struct saved_probe *p = impl;
	struct snapshot *s = p->inner.ops->collect(p->inner.impl, now, d);
	size_t i, j;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].name, p->host) == 0) {
			s->hosts[i].up = false;
			s->hosts[i].connecting = false;
			snprintf(s->hosts[i].error, sizeof s->hosts[i].error,
			    "%s", "unable to connect: No route to host");
		}
	for (i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].name, "h2") == 0 &&
		    now >= p->warn_from && now < p->warn_to)
			snprintf(s->hosts[i].warning,
			    sizeof s->hosts[i].warning, "%s", "cannot save "
			    "c's definition for a restart: No space left");
	for (i = 0; i < s->nvms; i++)
		if (strcmp(s->vms[i].host, p->host) == 0) {
			s->vms[i].state = VM_UNKNOWN;
			s->vms[i].cpu_valid = false;
		}
	for (i = 0; i < p->nsaved; i++) {
		struct snap_vm *sv;

		for (j = 0; j < s->nvms; j++)
			if (strcmp(s->vms[j].name, p->saved[i]) == 0)
				break;
		if (j < s->nvms)
			continue;
		sv = snapshot_add_vm(s, p->saved[i], p->host);
		assert_non_null(sv);
		sv->vcpus = 1;
		sv->mem_mib = 1024;
		sv->state = VM_UNKNOWN;
	}
	return s;
}

static bool
saved_changed(void *impl)
{
	struct saved_probe *p = impl;

	return p->inner.ops->changed != NULL &&
	    p->inner.ops->changed(p->inner.impl);
}

static void
saved_free(void *impl)
{
	struct saved_probe *p = impl;

	p->inner.ops->free(p->inner.impl);
	free(p);
}

static const struct probe_ops saved_ops = {
	.name = "saved", .collect = saved_collect, .changed = saved_changed,
	.free = saved_free,
};

/* As world_start, with host h1 dead before vmbal started. */
static void
world_start_saved(struct world *w, const char *yaml,
    const char *const *saved, size_t nsaved)
{
	struct event_sink sink = { seen_sink, &w->seen };
	struct saved_probe *p = calloc(1, sizeof *p);

	assert_non_null(p);
	memset(w, 0, sizeof *w);
	w->cfg = helpers_scenario(yaml);
	assert_non_null(w->cfg);
	w->r.sim = sim_new(w->cfg);
	assert_non_null(w->r.sim);
	assert_int_equal(sim_probe_init(&p->inner, w->r.sim), 0);
	p->host = "h1";
	p->saved = saved;
	p->nsaved = nsaved;
	p->warn_from = 20;
	p->warn_to = 30;
	w->r.probe.ops = &saved_ops;
	w->r.probe.impl = p;
	sim_action_init(&w->r.action, w->r.sim);
	w->r.ctl = controller_new(w->cfg, &w->cfg->policy, &w->r.probe,
	    &w->r.action, &sink, NULL);
	assert_non_null(w->r.ctl);
	controller_run(w->r.ctl, 0);
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

static void
test_down_at_start(void **state)
{
	static const char *const saved[] = { "a", "b", "c" };
	struct world w;

	(void)state;
	/* h1 lost power before vmbal started (the simulator's h1 at 0.5 s;
	 * vmbal never sees it up); saved under it: a and b, which ran
	 * there, and c, which runs on h2 (migrated before h1 died) */
	world_start_saved(&w, SCEN(AGENT ", fail_at_s: 0.5", "auto"), saved,
	    3);
	assert_string_equal(host_of(&w, "a"), "h1");
	world_until(&w, 9);
	assert_int_equal(w.seen.fences, 0);	/* not yet after_s */
	world_until(&w, 30);
	assert_int_equal(w.seen.fences, 1);
	assert_int_equal(w.seen.fence_off, 1);
	assert_true(w.seen.fence_ts >= 10 && w.seen.fence_ts < 14);
	assert_int_equal(w.seen.started, 2);	/* a and b, not c */
	assert_int_equal(w.seen.done, 2);
	assert_string_equal(host_of(&w, "a"), "h2");
	assert_string_equal(host_of(&w, "b"), "h2");
	assert_string_equal(host_of(&w, "c"), "h2");
	world_until(&w, 60);
	assert_int_equal(w.seen.started, 2);	/* once */
	/* h2's probe warned from 20 s to 30 s: said once, with the host */
	assert_int_equal(w.seen.warnings, 1);
	assert_string_equal(w.seen.warning, "host h2: cannot save c's "
	    "definition for a restart: No space left");
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
		cmocka_unit_test(test_down_at_start),
	};

	return TAP_RUN(tests);
}
