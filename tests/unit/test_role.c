/*
 * test_role.c - a director pair's roles (engine/controller_role.c): a
 * standby plans and moves nothing, refuses the operator's moves, says
 * its role in every sample and each change in one ha event; the director
 * that gets the address acts at its next analysis tick; one that loses it
 * mid-plan starts nothing more but follows what runs to its end.
 */
#include "tap.h"
#include "helpers.h"

/* Ten busy VMs on one of three hosts: auto mode moves some at once. */
static const char *const busy_yaml =
	"hosts: [{name: h1, cpus: 8}, {name: h2, cpus: 8}, {name: h3, cpus: 8}]\n"
	"vms:\n"
	"  - {name: v0, host: h1, load: 100}\n"
	"  - {name: v1, host: h1, load: 100}\n"
	"  - {name: v2, host: h1, load: 100}\n"
	"  - {name: v3, host: h1, load: 100}\n"
	"  - {name: v4, host: h1, load: 100}\n"
	"  - {name: v5, host: h1, load: 100}\n"
	"  - {name: v6, host: h1, load: 100}\n"
	"  - {name: v7, host: h1, load: 100}\n"
	"  - {name: v8, host: h1, load: 100}\n"
	"  - {name: v9, host: h1, load: 100}\n"
	"policy: {mode: auto, threshold_pct: 20, hold_s: 20, window: 3}\n";

/* The role source: the address is here while held is true. */
struct fake_role {
	bool held;
	int asked;
};

static bool
fake_held(void *impl)
{
	struct fake_role *f = impl;

	f->asked++;
	return f->held;
}

static void
fake_free(void *impl)
{
	(void)impl;
}

static const struct role_ops fake_ops = { "fake", fake_held, fake_free };

struct rolecap {
	struct captured cap;
	int nha;
	bool ha_active[8];
	double ha_ts[8];
	char ha_addr[8][32];
	int standby_samples, active_samples;
	double first_start;	/* ts of the first migration started, or -1 */
};

static void
rolecap_sink(void *arg, const struct event *ev)
{
	struct rolecap *r = arg;

	helpers_sink(&r->cap, ev);
	if (ev->type == EV_HA && r->nha < 8) {
		r->ha_active[r->nha] = ev->u.ha.active;
		r->ha_ts[r->nha] = ev->ts;
		snprintf(r->ha_addr[r->nha], sizeof r->ha_addr[0], "%s",
		    ev->u.ha.address);
		r->nha++;
	}
	if (ev->type == EV_SAMPLE) {
		if (ev->u.sample.standby)
			r->standby_samples++;
		else
			r->active_samples++;
	}
	if (ev->type == EV_MIGRATION && ev->u.migration.status == MIG_STARTED &&
	    r->first_start < 0)
		r->first_start = ev->ts;
}

struct role_rig {
	struct config *cfg;
	struct fake_role fake;
	struct role role;
	struct rolecap *rc;
	struct event_sink sink;
	struct controller_opts opts;
	struct helpers_rig rig;
};

static void
role_rig_init(struct role_rig *t, const char *yaml, bool held, bool ha)
{
	memset(t, 0, sizeof *t);
	t->cfg = helpers_scenario(yaml);
	assert_non_null(t->cfg);
	if (ha) {
		t->cfg->ha.address = strdup("198.18.171.100");
		assert_non_null(t->cfg->ha.address);
	}
	t->fake.held = held;
	t->role.ops = &fake_ops;
	t->role.impl = &t->fake;
	t->rc = calloc(1, sizeof *t->rc);
	assert_non_null(t->rc);
	t->rc->cap.min_gap = 1e18;
	t->rc->first_start = -1;
	t->sink.emit = rolecap_sink;
	t->sink.arg = t->rc;
	t->opts.role = ha ? &t->role : NULL;
	helpers_rig_init(&t->rig, t->cfg, &t->sink, &t->opts);
}

static void
role_rig_run(struct role_rig *t, double until)
{
	while (helpers_rig_step(&t->rig, until))
		;
}

static void
role_rig_clear(struct role_rig *t)
{
	helpers_rig_clear(&t->rig);
	config_free(t->cfg);
	free(t->rc);
}

/* Standby for ten minutes: imbalanced all along, nothing planned or
 * moved, every sample says standby, one ha event at the start. Then the
 * address arrives: one ha event, and the first move at the next tick. */
static void
test_standby_then_takeover(void **state)
{
	struct role_rig t;

	(void)state;
	role_rig_init(&t, busy_yaml, false, true);
	role_rig_run(&t, 600);
	assert_int_equal(t.rc->cap.started, 0);
	assert_int_equal(t.rc->cap.plans, 0);
	assert_true(t.rc->cap.imbalanced[t.rc->cap.nticks - 1]);
	assert_int_equal(t.rc->active_samples, 0);
	assert_true(t.rc->standby_samples >= 59);
	assert_int_equal(t.rc->nha, 1);
	assert_false(t.rc->ha_active[0]);
	assert_string_equal(t.rc->ha_addr[0], "198.18.171.100");
	assert_near(t.rc->ha_ts[0], 0, 1e-9);
	assert_true(t.fake.asked > 60);	/* asked at every run */

	t.fake.held = true;
	role_rig_run(&t, 1800);
	assert_int_equal(t.rc->nha, 2);
	assert_true(t.rc->ha_active[1]);
	assert_true(t.rc->ha_ts[1] > 600 && t.rc->ha_ts[1] <= 600.1 + 1e-9);
	/* acts within one analysis tick of the address arriving */
	assert_true(t.rc->first_start > 600);
	assert_true(t.rc->first_start <= t.rc->ha_ts[1] +
	    t.cfg->policy.analyse_interval_s + 1e-9);
	assert_true(t.rc->cap.done >= 5);
	assert_false(t.rc->cap.imbalanced[t.rc->cap.nticks - 1]);
	assert_true(t.rc->active_samples > 0);
	role_rig_clear(&t);
}

/* The address leaves while a plan runs: the move in flight is followed
 * to its end, nothing else starts; back again, balancing goes on. */
static void
test_loses_address_mid_plan(void **state)
{
	struct role_rig t;
	int started, done;

	(void)state;
	role_rig_init(&t, busy_yaml, true, true);
	while (t.rc->cap.started == 0 && helpers_rig_step(&t.rig, 600))
		;
	assert_int_equal(t.rc->cap.started, 1);
	assert_int_equal(t.rc->cap.running, 1);
	t.fake.held = false;
	role_rig_run(&t, t.rig.now + 900);
	started = t.rc->cap.started;
	done = t.rc->cap.done;
	assert_int_equal(started, 1);		/* nothing more started */
	assert_int_equal(done + t.rc->cap.failed, 1);	/* followed to its end */
	assert_int_equal(t.rc->cap.running, 0);
	assert_int_equal(t.rc->nha, 2);
	assert_false(t.rc->ha_active[1]);
	assert_int_equal(controller_in_flight(t.rig.ctl), 0);
	t.fake.held = true;
	role_rig_run(&t, t.rig.now + 1800);
	assert_true(t.rc->cap.started > started);
	assert_int_equal(t.rc->nha, 3);
	assert_false(t.rc->cap.imbalanced[t.rc->cap.nticks - 1]);
	role_rig_clear(&t);
}

/* A standby refuses what would move a VM, and says why. */
static void
test_standby_refuses_moves(void **state)
{
	struct role_rig t;
	struct move_ref ref = { "v0", "h1", "h2" };
	struct diag d;

	(void)state;
	role_rig_init(&t, busy_yaml, false, true);
	role_rig_run(&t, 60);
	diag_clear(&d);
	assert_int_equal(controller_migrate(t.rig.ctl, "v0", "h2", t.rig.now,
	    &d), -1);
	assert_non_null(strstr(d.msg, "standby"));
	assert_non_null(strstr(d.msg, "198.18.171.100"));
	diag_clear(&d);
	assert_int_equal(controller_maintenance(t.rig.ctl, "h1", true,
	    t.rig.now, &d), -1);
	assert_non_null(strstr(d.msg, "standby"));
	diag_clear(&d);
	assert_int_equal(controller_confirm_moves(t.rig.ctl, &ref, 1,
	    t.rig.now, &d), -1);
	assert_non_null(strstr(d.msg, "standby"));
	assert_string_equal(controller_standby(t.rig.ctl), "198.18.171.100");
	role_rig_run(&t, 120);
	assert_int_equal(t.rc->cap.started, 0);
	/* the same, active: the operator's move starts */
	t.fake.held = true;
	role_rig_run(&t, 121);
	assert_null(controller_standby(t.rig.ctl));
	diag_clear(&d);
	assert_int_equal(controller_migrate(t.rig.ctl, "v0", "h2", t.rig.now,
	    &d), 0);
	assert_int_equal(t.rc->cap.started, 1);
	role_rig_clear(&t);
}

/* Without ha: no role source, no ha event, every sample active. */
static void
test_no_ha_always_active(void **state)
{
	struct role_rig t;

	(void)state;
	role_rig_init(&t, busy_yaml, false, false);
	role_rig_run(&t, 300);
	assert_int_equal(t.rc->nha, 0);
	assert_int_equal(t.rc->standby_samples, 0);
	assert_true(t.rc->cap.started > 0);
	assert_int_equal(t.fake.asked, 0);
	role_rig_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standby_then_takeover),
		cmocka_unit_test(test_loses_address_mid_plan),
		cmocka_unit_test(test_standby_refuses_moves),
		cmocka_unit_test(test_no_ha_always_active),
	};

	return TAP_RUN(tests);
}
