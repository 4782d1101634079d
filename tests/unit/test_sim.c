/*
 * test_sim.c - the simulated cluster: contention (use scaled down,
 * demand what the VMs want), square waves and the averages they give,
 * memory accounting, migrations.
 */
#include "tap.h"
#include "helpers.h"

/* Ten VMs that each want 100% of a CPU, on one 8-CPU host. */
static const char *const contention_yaml =
	"hosts:\n"
	"  - {name: sgi1, cpus: 8, memory_mib: 8192}\n"
	"  - {name: sgi2, cpus: 8, memory_mib: 8192}\n"
	"vms:\n"
	"  - {name: vm01, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm02, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm03, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm04, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm05, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm06, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm07, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm08, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm09, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: vm10, host: sgi1, memory_mib: 512, load: 100}\n"
	"  - {name: solo, host: sgi2, vcpus: 2, memory_mib: 512, load: 150}\n"
	"policy: {mode: observe}\n";

static void
test_contention(void **state)
{
	struct captured *c = calloc(1, sizeof *c);
	int t, v;

	(void)state;
	helpers_run(contention_yaml, 120, c);
	assert_int_equal(c->nticks, 12);
	for (t = 0; t < c->nticks; t++) {
		for (v = 0; v < c->nvms; v++) {
			double want = strcmp(c->vm_names[v], "solo") == 0 ?
			    150 : 80;

			assert_near(c->vm_cpu[t][v], want, 1e-6);
			/* demand: what it wants, use plus the time it waited */
			assert_near(c->vm_demand[t][v], want == 80 ? 100 : 150,
			    1e-6);
		}
		assert_near(c->host_demand[t][0], 125, 1e-6);
		assert_near(c->host_demand[t][1], 18.75, 1e-6);
		/* the host gives exactly cpus x 100, no more */
		assert_near(c->host_load[t][0], 800, 1e-6);
		assert_near(c->host_cpu[t][0], 100, 1e-6);
		assert_near(c->host_load[t][1], 150, 1e-6);
		assert_near(c->host_cpu[t][1], 18.75, 1e-6);
		assert_near(c->spread[t], 81.25, 1e-6);
	}
	free(c);
}

/*
 * One VM: 100% for 60 s, then 20% for 60 s. Probes every 5 s average
 * over the 5 s before them; a window of 10 samples covers 50 s.
 */
static const char *const wave_yaml =
	"hosts:\n"
	"  - {name: h1, cpus: 8, memory_mib: 8192}\n"
	"  - {name: h2, cpus: 8, memory_mib: 8192}\n"
	"vms:\n"
	"  - {name: w, host: h1, vcpus: 1, memory_mib: 512,\n"
	"     load: {peak: 100, valley: 20, peak_s: 60, valley_s: 60}}\n"
	"policy: {mode: observe, probe_interval_s: 5, analyse_interval_s: 10,\n"
	"         window: 10, threshold_pct: 5, hold_s: 30}\n";

/* The hand calculation: sample k (at 5k s) is 100 if (5k-5) mod 120 < 60. */
static double
wave_expected(double at)
{
	int last = (int)(at / 5), first = last - 9, k, n = 0;
	double sum = 0;

	if (first < 1)
		first = 1;
	for (k = first; k <= last; k++, n++)
		sum += ((5 * k - 5) % 120) < 60 ? 100 : 20;
	return sum / n;
}

static void
test_square_wave_averages(void **state)
{
	struct captured *c = calloc(1, sizeof *c);
	int w, t;
	double total = 0;

	(void)state;
	helpers_run(wave_yaml, 600, c);
	assert_int_equal(c->nticks, 60);
	w = helpers_vm(c, "w");
	assert_true(w >= 0);
	/* figures worked out by hand */
	assert_near(c->ts[5], 60, 1e-9);
	assert_near(c->vm_cpu[5][w], 100, 1e-6);	/* t=60: all peak */
	assert_near(c->vm_cpu[7][w], 68, 1e-6);	/* t=80: 6x100 + 4x20 */
	assert_near(c->vm_cpu[11][w], 20, 1e-6);	/* t=120: all valley */
	assert_near(c->vm_cpu[12][w], 36, 1e-6);	/* t=130: 8x20 + 2x100 */
	assert_near(c->host_cpu[7][0], 68.0 / 8, 1e-6);
	assert_near(c->host_load[7][0], 68, 1e-6);
	for (t = 0; t < c->nticks; t++) {
		assert_near(c->vm_cpu[t][w], wave_expected(c->ts[t]), 1e-6);
		/* a host with CPUs to spare: demand is use */
		assert_near(c->vm_demand[t][w], c->vm_cpu[t][w], 1e-6);
	}
	/* Once the window is full, the averages over whole periods (t = 130
	 * to 600: four periods of 120 s) average to the wave's mean:
	 * (100 x 60 + 20 x 60) / 120 = 60. Each sample counts in five of the
	 * twelve windows of a period. */
	for (t = 12; t < c->nticks; t++)
		total += c->vm_cpu[t][w];
	assert_near(total / (c->nticks - 12), 60, 1e-6);
	/* spread 8.5 > 5 from t=10 on, held 30 s: imbalanced at t=40 */
	assert_true(c->nimbalance_events >= 1);
	assert_near(c->imbalance_ts[0], 40, 1e-9);
	free(c);
}

/*
 * The 2008 experiment in manual mode: ten VMs that want 100% each on one
 * of three 8-CPU hosts measure 80% (demand 100%). The first plan is made
 * on demand: its VMs weigh 100, and it predicts the 4/3/3 split at
 * 50/37.5/37.5% (spread 12.5), where their use (80) would predict 10.
 */
static void
test_plan_on_demand(void **state)
{
	static const char *const yaml =
	    "hosts:\n"
	    "  - {name: sgi1, cpus: 8, memory_mib: 8192}\n"
	    "  - {name: sgi2, cpus: 8, memory_mib: 8192}\n"
	    "  - {name: sgi3, cpus: 8, memory_mib: 8192}\n"
	    "vms:\n"
	    "  - {name: vm01, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm02, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm03, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm04, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm05, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm06, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm07, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm08, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm09, host: sgi3, memory_mib: 512, load: 100}\n"
	    "  - {name: vm10, host: sgi3, memory_mib: 512, load: 100}\n"
	    "policy: {mode: manual, threshold_pct: 7.5, hold_s: 30}\n";
	struct captured *c = calloc(1, sizeof *c);
	const struct captured_plan *p;
	int v, t;

	(void)state;
	helpers_run(yaml, 120, c);
	assert_true(c->nplan_log >= 1);
	p = &c->plan_log[0];
	t = p->tick - 1;	/* the sample the plan was made after */
	assert_true(t >= 0);
	print_message("# first plan at %.0f s: %d moves, VMs use %.1f%%, "
	    "demand %.1f%%; predicted spread %.2f\n", p->ts, p->nmoves,
	    p->load_max, p->demand_max, p->spread_after);
	for (v = 0; v < c->nvms; v++) {
		assert_near(c->vm_cpu[t][v], 80, 1e-6);
		assert_near(c->vm_demand[t][v], 100, 1e-6);
	}
	assert_near(c->host_cpu[t][2], 100, 1e-6);
	assert_near(c->host_demand[t][2], 125, 1e-6);
	assert_near(p->load_max, 80, 1e-6);
	assert_near(p->demand_max, 100, 1e-6);
	assert_int_equal(p->nmoves, 6);
	assert_near(p->spread_after, 12.5, 1e-6);
	assert_int_equal(c->started, 0);	/* manual: offered, not done */
	free(c);
}

static const char *const mig_yaml =
	"hosts:\n"
	"  - {name: a, cpus: 4, memory_mib: 4096}\n"
	"  - {name: b, cpus: 4, memory_mib: 2048}\n"
	"vms:\n"
	"  - {name: big, host: a, memory_mib: 2048, load: 50}\n"
	"  - {name: small, host: a, memory_mib: 512, load: 50}\n"
	"  - {name: tiny, host: a, memory_mib: 256, load: 10}\n"
	"migration: {bandwidth_mbps: 1000, fail_rate: 0, seed: 1}\n";

static void
test_migration_duration_and_memory(void **state)
{
	struct config *cfg = helpers_scenario(mig_yaml);
	struct action_result r[4];
	struct diag d;
	struct sim *s;

	(void)state;
	assert_non_null(cfg);
	s = sim_new(cfg);
	assert_int_equal(sim_host_mem_used(s, 0), 2816);
	assert_int_equal(sim_migrate(s, "small", "b", &d), 0);
	/* memory is held on both ends while the migration runs */
	assert_int_equal(sim_host_mem_used(s, 1), 512);
	assert_int_equal(sim_host_mem_used(s, 0), 2816);
	/* 2048 MiB no longer fits beside the 512 MiB on its way */
	assert_int_equal(sim_migrate(s, "big", "b", &d), -1);
	assert_non_null(strstr(d.msg, "not enough memory"));
	assert_int_equal(sim_migrate(s, "small", "b", &d), -1);	/* again */
	sim_advance(s, 4.0);	/* 512 * 8 / 1000 = 4.096 s */
	assert_int_equal(sim_poll(s, r, 4), 0);
	assert_true(sim_vm_migrating(s, 1));
	sim_advance(s, 4.2);
	assert_int_equal(sim_poll(s, r, 4), 1);
	assert_int_equal(r[0].status, MIG_DONE);
	assert_string_equal(r[0].vm, "small");
	assert_string_equal(r[0].from, "a");
	assert_string_equal(r[0].to, "b");
	assert_near(r[0].duration_s, 4.096, 1e-9);
	assert_int_equal(sim_host_mem_used(s, 0), 2304);
	assert_int_equal(sim_host_mem_used(s, 1), 512);
	assert_string_equal(sim_host_name(s, sim_vm_host(s, 1)), "b");
	action_result_clear(&r[0]);
	sim_free(s);
	config_free(cfg);
}

/* Outcomes of n migrations of one VM back and forth at the given seed. */
static void
fail_pattern(double rate, long seed, int n, char *out)
{
	char yaml[512];
	struct config *cfg;
	struct action_result r;
	struct diag d;
	struct sim *s;
	int i;
	double t = 0;

	snprintf(yaml, sizeof yaml,
	    "hosts: [{name: a}, {name: b}]\n"
	    "vms: [{name: v, host: a, memory_mib: 100}]\n"
	    "migration: {bandwidth_mbps: 800, fail_rate: %g, seed: %ld}\n",
	    rate, seed);
	cfg = helpers_scenario(yaml);
	assert_non_null(cfg);
	s = sim_new(cfg);
	for (i = 0; i < n; i++) {
		const char *to = strcmp(sim_host_name(s, sim_vm_host(s, 0)),
		    "a") == 0 ? "b" : "a";

		assert_int_equal(sim_migrate(s, "v", to, &d), 0);
		t += 1.0;	/* 100 * 8 / 800 = 1 s */
		sim_advance(s, t + 1e-9);
		assert_int_equal(sim_poll(s, &r, 1), 1);
		out[i] = r.status == MIG_DONE ? 'd' : 'f';
		if (r.status == MIG_FAILED) {
			/* a failed VM stays where it was */
			assert_string_equal(sim_host_name(s, sim_vm_host(s, 0)),
			    r.from);
			assert_string_equal(r.error,
			    "simulated migration failure");
		}
		action_result_clear(&r);
	}
	out[n] = '\0';
	sim_free(s);
	config_free(cfg);
}

static void
test_deterministic_failures(void **state)
{
	char a[65], b[65], c[65], none[65], all[65];
	int fails = 0, i;

	(void)state;
	fail_pattern(0.3, 42, 64, a);
	fail_pattern(0.3, 42, 64, b);
	fail_pattern(0.3, 43, 64, c);
	fail_pattern(0, 42, 64, none);
	fail_pattern(1, 42, 64, all);
	assert_string_equal(a, b);		/* same seed, same story */
	assert_string_not_equal(a, c);		/* another seed, another */
	for (i = 0; i < 64; i++)
		fails += a[i] == 'f';
	assert_true(fails >= 8 && fails <= 32);	/* about 30% */
	assert_null(strchr(none, 'f'));
	assert_null(strchr(all, 'd'));
}

static void
test_abort_and_down_host(void **state)
{
	struct config *cfg = helpers_scenario(mig_yaml);
	struct action_result r;
	struct diag d;
	struct sim *s;

	(void)state;
	s = sim_new(cfg);
	assert_int_equal(sim_migrate(s, "tiny", "b", &d), 0);
	sim_advance(s, 1);
	assert_int_equal(sim_migrate_abort(s, "tiny", &d), 0);
	assert_int_equal(sim_poll(s, &r, 1), 1);
	assert_int_equal(r.status, MIG_ABORTED);
	action_result_clear(&r);
	assert_string_equal(sim_host_name(s, sim_vm_host(s, 2)), "a");
	assert_int_equal(sim_host_mem_used(s, 1), 0);
	/* a destination that goes down fails the migration */
	assert_int_equal(sim_migrate(s, "tiny", "b", &d), 0);
	sim_host_set_up(s, 1, false);
	sim_advance(s, 10);
	assert_int_equal(sim_poll(s, &r, 1), 1);
	assert_int_equal(r.status, MIG_FAILED);
	assert_string_equal(r.error, "destination host went down");
	action_result_clear(&r);
	assert_int_equal(sim_migrate(s, "tiny", "b", &d), -1);
	sim_free(s);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contention),
		cmocka_unit_test(test_square_wave_averages),
		cmocka_unit_test(test_plan_on_demand),
		cmocka_unit_test(test_migration_duration_and_memory),
		cmocka_unit_test(test_deterministic_failures),
		cmocka_unit_test(test_abort_and_down_host),
	};

	return TAP_RUN(tests);
}
