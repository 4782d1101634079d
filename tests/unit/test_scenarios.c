/*
 * test_scenarios.c - whole runs of the controller, planner and simulator
 * in auto mode: the 2008 experiment, and loads that must cause no
 * migration at all.
 */
#include "tap.h"
#include "helpers.h"

static void
run_file(const char *path, double duration, struct captured *c)
{
	struct diag d;
	struct config *cfg = config_new_from_file(path, CONFIG_SCENARIO, &d);

	if (cfg == NULL)
		fail_msg("%s:%d:%d: %s", d.file, d.line, d.col, d.msg);
	helpers_run_config(cfg, duration, c);
	config_free(cfg);
}

static void
sort3(int *a)
{
	int i, j, t;

	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (a[j] > a[i]) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
			}
}

/* Ten 100% VMs on one of three 8-CPU hosts: six moves to 4/3/3, then
 * none for the rest of half an hour. */
static void
test_2008_ten(void **state)
{
	struct captured *c = calloc(1, sizeof *c);

	(void)state;
	run_file("tests/scenarios/2008-ten.yaml", 1800, c);
	print_message("# ten VMs: %d migrations, last at %.0f s; split %d/%d/%d\n",
	    c->started, c->last_migration_ts, c->final_vms[0], c->final_vms[1],
	    c->final_vms[2]);
	assert_int_equal(c->started, 6);
	assert_int_equal(c->done, 6);
	assert_true(c->last_migration_ts < 200);
	sort3(c->final_vms);
	assert_int_equal(c->final_vms[0], 4);
	assert_int_equal(c->final_vms[1], 3);
	assert_int_equal(c->final_vms[2], 3);
	assert_int_equal(c->max_running, 1);
	free(c);
}

static void
test_2008_eight(void **state)
{
	struct captured *c = calloc(1, sizeof *c);

	(void)state;
	run_file("tests/scenarios/2008-eight.yaml", 1800, c);
	print_message("# eight VMs: %d migrations; split %d/%d/%d\n",
	    c->started, c->final_vms[0], c->final_vms[1], c->final_vms[2]);
	assert_int_equal(c->started, 5);
	sort3(c->final_vms);
	assert_int_equal(c->final_vms[0], 3);
	assert_int_equal(c->final_vms[1], 3);
	assert_int_equal(c->final_vms[2], 2);
	free(c);
}

/*
 * Every host carries the same waves: two VMs in antiphase, so each host's
 * load is flat, plus one that peaks with the others on every host. The
 * averages stay balanced: nothing may move, nothing may be planned.
 */
static const char *const waves_yaml =
	"hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}, {name: h3, cpus: 4}]\n"
	"vms:\n"
	"  - {name: a1, host: h1, load: {peak: 100, valley: 0, peak_s: 60, valley_s: 60}}\n"
	"  - {name: b1, host: h1, load: {peak: 100, valley: 0, peak_s: 60, valley_s: 60, phase_s: 60}}\n"
	"  - {name: c1, host: h1, vcpus: 2, load: {peak: 180, valley: 20, peak_s: 200, valley_s: 400}}\n"
	"  - {name: a2, host: h2, load: {peak: 100, valley: 0, peak_s: 60, valley_s: 60, phase_s: 30}}\n"
	"  - {name: b2, host: h2, load: {peak: 100, valley: 0, peak_s: 60, valley_s: 60, phase_s: 90}}\n"
	"  - {name: c2, host: h2, vcpus: 2, load: {peak: 180, valley: 20, peak_s: 200, valley_s: 400}}\n"
	"  - {name: a3, host: h3, load: {peak: 100, valley: 0, peak_s: 60, valley_s: 60, phase_s: 10}}\n"
	"  - {name: b3, host: h3, load: {peak: 100, valley: 0, peak_s: 60, valley_s: 60, phase_s: 70}}\n"
	"  - {name: c3, host: h3, vcpus: 2, load: {peak: 180, valley: 20, peak_s: 200, valley_s: 400}}\n"
	"policy: {mode: auto, threshold_pct: 10, hold_s: 30, window: 10}\n";

static void
test_balanced_waves_never_move(void **state)
{
	struct captured *c = calloc(1, sizeof *c);
	int t;

	(void)state;
	helpers_run(waves_yaml, 3600, c);
	assert_int_equal(c->nticks, 360);
	for (t = 0; t < c->nticks; t++)
		assert_true(c->spread[t] <= 10);
	assert_int_equal(c->plans, 0);
	assert_int_equal(c->started, 0);
	free(c);
}

/*
 * A VM that spikes to 400% for 10 s every ten minutes on an otherwise
 * balanced pair: over a window of 20 samples (100 s) the spike adds at
 * most 35 points to the VM's average, under 10 to its host: never an
 * imbalance, never a move.
 */
static const char *const spike_yaml =
	"hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}]\n"
	"vms:\n"
	"  - {name: s, host: h1, vcpus: 4, load: {peak: 400, valley: 50, peak_s: 10, valley_s: 590}}\n"
	"  - {name: t, host: h2, load: 60}\n"
	"  - {name: u, host: h1, load: 30}\n"
	"  - {name: w, host: h2, load: 25}\n"
	"policy: {mode: auto, threshold_pct: 20, hold_s: 30, window: 20}\n";

static void
test_short_spikes_never_move(void **state)
{
	struct captured *c = calloc(1, sizeof *c);

	(void)state;
	helpers_run(spike_yaml, 3600, c);
	assert_true(c->nimbalance_events == 0);
	assert_int_equal(c->started, 0);
	free(c);
}

/* Observe mode never plans and never moves, whatever the imbalance. */
static void
test_observe_never_acts(void **state)
{
	struct captured *c = calloc(1, sizeof *c);
	struct diag d;
	struct config *cfg = config_new_from_file("tests/scenarios/2008-ten.yaml",
	    CONFIG_SCENARIO, &d);

	(void)state;
	assert_non_null(cfg);
	cfg->policy.mode = MODE_OBSERVE;
	helpers_run_config(cfg, 900, c);
	assert_true(c->nimbalance_events >= 1);
	assert_int_equal(c->plans, 0);
	assert_int_equal(c->started, 0);
	cfg->policy.mode = MODE_MANUAL;	/* plans, never acts unconfirmed */
	helpers_run_config(cfg, 900, c);
	assert_int_equal(c->plans, 1);
	assert_int_equal(c->started, 0);
	config_free(cfg);
	free(c);
}

/* A host put in maintenance is emptied onto the others, even balanced. */
static void
test_evacuation(void **state)
{
	struct captured *c = calloc(1, sizeof *c);

	(void)state;
	helpers_run(
	    "hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}, {name: h3, cpus: 4}]\n"
	    "vms:\n"
	    "  - {name: a, host: h1, load: 50}\n"
	    "  - {name: b, host: h2, load: 50}\n"
	    "  - {name: c, host: h3, load: 50}\n"
	    "  - {name: d, host: h3, load: 50}\n"
	    "maintenance: [h3]\n"
	    "policy: {mode: auto}\n", 1800, c);
	assert_int_equal(c->done, 2);
	assert_int_equal(c->final_vms[2], 0);
	assert_int_equal(c->final_vms[0] + c->final_vms[1], 4);
	free(c);
}

/* consolidate packs two half-idle hosts onto one under the ceiling. */
static void
test_consolidation(void **state)
{
	struct captured *c = calloc(1, sizeof *c);

	(void)state;
	helpers_run(
	    "hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}, {name: h3, cpus: 4}]\n"
	    "vms:\n"
	    "  - {name: a, host: h1, load: 60}\n"
	    "  - {name: b, host: h2, load: 60}\n"
	    "  - {name: c, host: h3, load: 60}\n"
	    "policy: {mode: auto, objective: consolidate, consolidate_ceiling_pct: 80}\n",
	    1800, c);
	/* 180% of 400 fits on one host (45%): two moves, two hosts empty */
	assert_int_equal(c->done, 2);
	assert_true((c->final_vms[0] == 3) + (c->final_vms[1] == 3) +
	    (c->final_vms[2] == 3) == 1);
	free(c);
}

/* A DNAT programmer that fails its first applies. */
struct flaky_dnat {
	int calls, fail_first;
};

static int
flaky_apply(void *impl, const struct dnat_service *svcs, size_t n,
    bool *changed, struct diag *d)
{
	struct flaky_dnat *f = impl;

	(void)svcs;
	(void)n;
	if (f->calls++ < f->fail_first) {
		diag_set(d, NULL, 0, 0, "iptc_commit: Resource temporarily unavailable");
		return -1;
	}
	/* the first success writes; the re-applies find it all in place */
	*changed = f->calls == f->fail_first + 1;
	return 0;
}

static int
flaky_flush(void *impl, struct diag *d)
{
	(void)impl;
	(void)d;
	return 0;
}

static void
flaky_free(void *impl)
{
	(void)impl;
}

static const struct dnat_ops flaky_ops = { flaky_apply, flaky_flush,
	flaky_free, NULL };

struct dnat_seen {
	int failed, applied;
	char error[128];
};

static void
dnat_sink(void *arg, const struct event *ev)
{
	struct dnat_seen *s = arg;

	if (ev->type != EV_DNAT)
		return;
	if (ev->u.dnat.applied)
		s->applied++;
	else {
		s->failed++;
		snprintf(s->error, sizeof s->error, "%s", ev->u.dnat.error);
	}
}

/* A failed apply is said (dnat failed, with the reason) and tried again. */
static void
test_dnat_failure_retried(void **state)
{
	struct flaky_dnat f = { 0, 2 };
	struct dnat dn = { &flaky_ops, &f };
	struct dnat_seen seen = { 0, 0, "" };
	struct event_sink sink = { dnat_sink, &seen };
	struct controller_opts opts = { .dnat = &dn };
	struct config *cfg = helpers_scenario(
	    "hosts: [{name: h1}]\n"
	    "vms: [{name: w, host: h1}]\n"
	    "policy: {mode: auto}\n"
	    "services: [{vip: 198.18.0.1, port: 80, backends: [{address: 198.18.1.1, vm: w}]}]\n");
	struct helpers_rig r;

	(void)state;
	assert_non_null(cfg);
	helpers_rig_init(&r, cfg, &sink, &opts);
	while (helpers_rig_step(&r, 60))
		;
	assert_int_equal(seen.failed, 2);
	assert_string_equal(seen.error,
	    "iptc_commit: Resource temporarily unavailable");
	assert_int_equal(seen.applied, 1);	/* the third try, then quiet */
	/* two failures, the success, then the unchanged state re-applied
	 * every 5 s after it until 60 s (drift repair, docs/dnat.md) */
	assert_int_equal(f.calls, 3 + 10);
	helpers_rig_clear(&r);
	config_free(cfg);
}

struct down_seen {
	int errors;
	char host[16], message[128];
};

static void
down_sink(void *arg, const struct event *ev)
{
	struct down_seen *s = arg;

	if (ev->type != EV_ERROR || ev->u.error.host == NULL)
		return;
	s->errors++;
	snprintf(s->host, sizeof s->host, "%s", ev->u.error.host);
	snprintf(s->message, sizeof s->message, "%s", ev->u.error.message);
}

/* A host that goes down is said once, by an error event naming it, and
 * again only after it came back and went down again. */
static void
test_host_down_error_once(void **state)
{
	struct down_seen seen = { 0, "", "" };
	struct event_sink sink = { down_sink, &seen };
	struct config *cfg = helpers_scenario(
	    "hosts: [{name: h1}, {name: h2}]\n"
	    "vms: [{name: w, host: h1}]\n"
	    "policy: {mode: observe}\n");
	struct helpers_rig r;

	(void)state;
	assert_non_null(cfg);
	helpers_rig_init(&r, cfg, &sink, NULL);
	while (helpers_rig_advance(&r, 90)) {
		sim_host_set_up(r.sim, 1, !((r.now >= 20 && r.now < 40) ||
		    r.now >= 60));
		controller_run(r.ctl, r.now);
		if (r.now < 20)
			assert_int_equal(seen.errors, 0);
		else if (r.now < 60)
			assert_int_equal(seen.errors, 1);
	}
	assert_int_equal(seen.errors, 2);
	assert_string_equal(seen.host, "h2");
	assert_string_equal(seen.message, "host h2 is down: no answer");
	helpers_rig_clear(&r);
	config_free(cfg);
}

/* The console's view of migrations in flight: elapsed time and progress. */
static void
test_flights(void **state)
{
	struct captured *c = calloc(1, sizeof *c);
	struct event_sink sink = { helpers_sink, c };
	struct diag d;
	struct config *cfg = config_new_from_file("tests/scenarios/2008-ten.yaml",
	    CONFIG_SCENARIO, &d);
	struct helpers_rig r;
	struct flight f[4];
	double first = -1, mid = -1;

	(void)state;
	assert_non_null(cfg);
	helpers_rig_init(&r, cfg, &sink, NULL);
	while (helpers_rig_step(&r, 300)) {
		if (controller_in_flight(r.ctl) == 0)
			continue;
		assert_int_equal(controller_flights(r.ctl, r.now, f, 4), 1);
		assert_true(f[0].progress >= 0 && f[0].progress <= 1);
		if (first < 0)
			first = f[0].progress;
		else if (mid < 0 && f[0].elapsed_s > 0)
			mid = f[0].progress;
		assert_string_equal(f[0].from, "sgi3");
	}
	/* 512 MiB at 1000 Mbit/s: 4.1 s; seen at the start and one second in */
	assert_near(first, 0, 1e-9);
	assert_near(mid, 1.0 / 4.096, 1e-6);
	helpers_rig_clear(&r);
	config_free(cfg);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2008_ten),
		cmocka_unit_test(test_2008_eight),
		cmocka_unit_test(test_balanced_waves_never_move),
		cmocka_unit_test(test_short_spikes_never_move),
		cmocka_unit_test(test_observe_never_acts),
		cmocka_unit_test(test_host_down_error_once),
		cmocka_unit_test(test_flights),
		cmocka_unit_test(test_evacuation),
		cmocka_unit_test(test_consolidation),
		cmocka_unit_test(test_dnat_failure_retried),
	};

	return TAP_RUN(tests);
}
