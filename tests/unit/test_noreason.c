/*
 * test_noreason.c - the engine's state in words (engine/controller_why.c),
 * through the real controller on the simulator (helpers_rig_*): why no
 * suggestion is on the table (measuring, below threshold, holding,
 * paused, observe mode, dismissed, settling, cooling down, no move
 * helps), the spread over the threshold and since when, how full the
 * windows are, and why a host is or is not a target (down, connecting,
 * maintenance, memory full, its reserve, over the target spread).
 */
#include <stdio.h>

#include "tap.h"
#include "helpers.h"

static void
nosink(void *arg, const struct event *ev)
{
	(void)arg;
	(void)ev;
}

struct fix {
	struct config *cfg;
	struct helpers_rig rig;
	char why[600];
};

static void
fix_init(struct fix *f, const char *yaml)
{
	struct event_sink sink = { nosink, NULL };

	memset(f, 0, sizeof *f);
	f->cfg = helpers_scenario(yaml);
	assert_non_null(f->cfg);
	helpers_rig_init(&f->rig, f->cfg, &sink, NULL);
}

static void
fix_clear(struct fix *f)
{
	helpers_rig_clear(&f->rig);
	config_free(f->cfg);
}

/* Runs to t; the reason then. */
static enum no_offer
fix_at(struct fix *f, double t)
{
	while (helpers_rig_step(&f->rig, t))
		;
	return controller_no_offer(f->rig.ctl, f->why, sizeof f->why);
}

static void
expect(struct fix *f, double t, enum no_offer want, const char *words)
{
	enum no_offer got = fix_at(f, t);

	if (got != want || strstr(f->why, words) == NULL)
		fail_msg("at %g s: reason %d \"%s\", expected %d with \"%s\"", t,
		    (int)got, f->why, (int)want, words);
}

/* Two equal hosts, equal loads: never over the threshold. */
static const char *even =
    "hosts:\n"
    "  - {name: h1, cpus: 4, memory_mib: 16384}\n"
    "  - {name: h2, cpus: 4, memory_mib: 16384}\n"
    "vms:\n"
    "  - {name: a, host: h1, vcpus: 1, memory_mib: 1024, load: 50}\n"
    "  - {name: b, host: h2, vcpus: 1, memory_mib: 1024, load: 50}\n"
    "policy: {threshold_pct: 20, hold_s: 60, window: 6,\n"
    "  probe_interval_s: 5, analyse_interval_s: 10}\n";

static void
test_measuring_then_below(void **state)
{
	struct fix f;
	size_t have, want;

	(void)state;
	fix_init(&f, even);
	/* no analysis yet */
	expect(&f, 0, NOOFFER_MEASURING, "measuring 0/6: no analysis yet");
	/* probes at 0 (the baseline), 5, 10: two samples */
	expect(&f, 10, NOOFFER_MEASURING, "measuring 2/6: spread 0.0% within 20%");
	assert_true(controller_measuring(f.rig.ctl, &have, &want));
	assert_int_equal(have, 2);
	assert_int_equal(want, 6);
	/* six samples at 30 s */
	expect(&f, 30, NOOFFER_BELOW, "below threshold: spread 0.0% within 20%");
	assert_false(controller_measuring(f.rig.ctl, &have, &want));
	assert_int_equal(have, 6);
	assert_false(controller_over(f.rig.ctl, NULL));
	fix_clear(&f);
}

/* One VM that wants a whole host more than the other has. */
static const char *uneven =
    "hosts:\n"
    "  - {name: h1, cpus: 4, memory_mib: 16384}\n"
    "  - {name: h2, cpus: 4, memory_mib: 16384}\n"
    "vms:\n"
    "  - {name: a, host: h1, vcpus: 2, memory_mib: 1024, load: 200}\n"
    "  - {name: b, host: h1, vcpus: 1, memory_mib: 1024, load: 100}\n"
    "migration: {bandwidth_mbps: 1000, fail_rate: 0, seed: 1}\n"
    "policy: {threshold_pct: 20, hold_s: 60, window: 2, vm_cooldown_s: 300,\n"
    "  probe_interval_s: 5, analyse_interval_s: 10, mode: %s}\n";

static const char *
uneven_in(char *buf, size_t len, const char *mode)
{
	snprintf(buf, len, uneven, mode);
	return buf;
}

static void
test_holding_then_offered(void **state)
{
	struct fix f;
	char yaml[1024];
	double since;

	(void)state;
	fix_init(&f, uneven_in(yaml, sizeof yaml, "manual"));
	/* over since the first analysis (10 s) */
	expect(&f, 30, NOOFFER_HOLDING,
	    "holding: over 20% for 20 s of 60 s; a plan in 40 s");
	assert_true(controller_over(f.rig.ctl, &since));
	assert_near(since, 10, 1e-9);
	assert_false(controller_imbalanced(f.rig.ctl, NULL));
	/* imbalanced at 70: a plan is offered */
	expect(&f, 70, NOOFFER_NONE, "");
	assert_string_equal(f.why, "");
	fix_clear(&f);
}

static void
test_paused_and_dismissed(void **state)
{
	struct fix f;
	char yaml[1024];
	struct diag d;

	(void)state;
	fix_init(&f, uneven_in(yaml, sizeof yaml, "manual"));
	assert_int_equal(controller_pause(f.rig.ctl, true, &d), 0);
	expect(&f, 80, NOOFFER_PAUSED, "paused: no planning until resumed");
	assert_int_equal(controller_pause(f.rig.ctl, false, &d), 0);
	expect(&f, 90, NOOFFER_NONE, "");
	assert_int_equal(controller_dismiss(f.rig.ctl, &d), 0);
	expect(&f, 100, NOOFFER_DISMISSED, "dismissed: that plan is not offered again");
	fix_clear(&f);
}

static void
test_observe(void **state)
{
	struct fix f;
	char yaml[1024];

	(void)state;
	fix_init(&f, uneven_in(yaml, sizeof yaml, "observe"));
	expect(&f, 100, NOOFFER_OBSERVE, "observe mode: vmbal watches and never plans");
	fix_clear(&f);
}

/*
 * Auto: a moves to h2 (spread 25%, still over); then the plan settles
 * for hold_s, then a cools down and moving b does not help; once a is
 * free again, no move helps at all.
 */
static void
test_settling_cooling_no_gain(void **state)
{
	struct fix f;
	char yaml[1024];
	enum no_offer r, seen[8];
	size_t n = 0;
	double t;

	(void)state;
	fix_init(&f, uneven_in(yaml, sizeof yaml, "auto"));
	for (t = 10; t <= 700; t += 10) {
		r = fix_at(&f, t);
		if (n == 0 || seen[n - 1] != r) {
			if (n == 8)
				fail_msg("too many changes of reason: %s", f.why);
			seen[n++] = r;
		}
		if (r == NOOFFER_COOLING)
			assert_non_null(strstr(f.why,
			    "cooling down: 1 VM moved within 300 s"));
		if (r == NOOFFER_NO_GAIN)
			assert_non_null(strstr(f.why, "no move helps: none lowers the spread"));
	}
	assert_int_equal(n, 5);
	assert_int_equal(seen[0], NOOFFER_HOLDING);
	assert_int_equal(seen[1], NOOFFER_NONE);	/* the move */
	assert_int_equal(seen[2], NOOFFER_SETTLING);
	assert_int_equal(seen[3], NOOFFER_COOLING);
	assert_int_equal(seen[4], NOOFFER_NO_GAIN);
	fix_clear(&f);
}

/* Hosts of every kind for controller_host_target. */
static const char *targets =
    "hosts:\n"
    "  - {name: busy, cpus: 4, memory_mib: 16384}\n"
    "  - {name: idle, cpus: 4, memory_mib: 16384}\n"
    "  - {name: full, cpus: 4, memory_mib: 4096}\n"
    "  - {name: tight, cpus: 4, memory_mib: 4096, reserve_mib: 1024}\n"
    "  - {name: late, cpus: 4, memory_mib: 16384, connect_after_s: 30}\n"
    "  - {name: off, cpus: 4, memory_mib: 16384}\n"
    "  - {name: gone, cpus: 4, memory_mib: 16384}\n"
    "vms:\n"
    "  - {name: a, host: busy, vcpus: 4, memory_mib: 1024, load: 300}\n"
    "  - {name: f, host: full, vcpus: 1, memory_mib: 4096, load: 1}\n"
    "  - {name: t, host: tight, vcpus: 1, memory_mib: 3500, load: 1}\n"
    "  - {name: l, host: late, vcpus: 1, memory_mib: 1024, load: 1}\n"
    "maintenance: [off]\n"
    "policy: {threshold_pct: 20, target_pct: 10, window: 2,\n"
    "  probe_interval_s: 5, analyse_interval_s: 10}\n";

static void
target_is(struct fix *f, const char *host, int want, const char *words)
{
	int got = controller_host_target(f->rig.ctl, host, f->why,
	    sizeof f->why);

	if (got != want || strstr(f->why, words) == NULL)
		fail_msg("%s: %d \"%s\", expected %d with \"%s\"", host, got,
		    f->why, want, words);
}

static void
test_host_target(void **state)
{
	struct fix f;

	(void)state;
	fix_init(&f, targets);
	sim_host_set_up(f.rig.sim, 6, false);	/* gone */
	fix_at(&f, 20);
	target_is(&f, "busy", 0, "not a target: CPU 75% is 75 points over");
	target_is(&f, "idle", 1, "a target: CPU 0%");
	target_is(&f, "full", 0, "not a target: memory full (its VMs hold 4096 of 4096 MiB)");
	target_is(&f, "tight", 0, "not a target: memory within its reserve (3500 of 4096 MiB held, 1024 MiB kept free)");
	target_is(&f, "late", 0, "not a target: connecting, not reached yet");
	target_is(&f, "off", 0, "not a target: in maintenance");
	target_is(&f, "gone", 0, "not a target: down");
	target_is(&f, "nosuch", -1, "no host named nosuch");
	assert_int_equal(controller_model(f.rig.ctl)->hosts[4].state,
	    HOST_CONNECTING);
	/* reached at 30 s: up, and a target */
	fix_at(&f, 40);
	assert_int_equal(controller_model(f.rig.ctl)->hosts[4].state, HOST_UP);
	target_is(&f, "late", 1, "a target");
	fix_clear(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measuring_then_below),
		cmocka_unit_test(test_holding_then_offered),
		cmocka_unit_test(test_paused_and_dismissed),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_settling_cooling_no_gain),
		cmocka_unit_test(test_host_target),
	};

	return TAP_RUN(tests);
}
