/*
 * test_model.c - folding snapshots into the model: VMs that appear, move
 * and vanish; hosts that go down; the measures and the spread.
 */
#include "tap.h"

#include <string.h>

#include "../../engine/imbalance.h"
#include "../../engine/model.h"

static struct config *
cluster(void)
{
	static const char y[] =
	    "hosts: [{name: a, cpus: 4}, {name: b}, {name: c}]\n"
	    "maintenance: [c]\n";
	struct diag d;

	return config_new_from_buffer("t.yaml", y, sizeof y - 1,
	    CONFIG_CLUSTER, &d);
}

static void
add_host(struct snapshot *s, const char *name, bool up, long cpus)
{
	struct snap_host *h = snapshot_add_host(s, name);

	h->up = up;
	h->cpus = cpus;
	h->mem_total_mib = 1000;
	h->mem_used_mib = 100;
}

static void
add_vm(struct snapshot *s, const char *name, const char *host, double cpu,
    bool valid)
{
	struct snap_vm *v = snapshot_add_vm(s, name, host);

	v->vcpus = 2;
	v->mem_mib = 100;
	v->cpu_pct = cpu;
	v->cpu_valid = valid;
	v->state = VM_RUNNING;
}

/*
 * Demand beside use: averaged in the same window, only with a valid use
 * sample; a probe that reports less than the use (no delay counters) is
 * taken as use; a host's demand_pct is its VMs' over its CPUs and may
 * pass 100.
 */
static void
test_demand(void **state)
{
	static const double cpu[] = { 100, 120, 140, 160 };
	static const double demand[] = { 150, 0, 200, 999 };
	static const bool valid[] = { true, true, false, true };
	struct config *cfg = cluster();
	struct model *m = model_new(cfg);
	struct snapshot *s;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		s = snapshot_new(i * 5);
		add_host(s, "a", true, 4);
		add_host(s, "b", true, 2);
		add_host(s, "c", true, 2);
		add_vm(s, "busy", "b", cpu[i], valid[i]);
		s->vms[0].demand_pct = demand[i];
		add_vm(s, "calm", "a", 10, true);	/* demand unset: 0 */
		assert_int_equal(model_apply(m, s), 0);
		snapshot_free(s);
	}
	model_measure(m);
	i = model_vm_index(m, "busy");
	/* samples 0, 1, 3: use 100, 120, 160; demand 150, 120 (unset), 999 */
	assert_near(window_mean(&m->vms[i].cpu), 380.0 / 3, 1e-9);
	assert_near(window_mean(&m->vms[i].demand), 1269.0 / 3, 1e-9);
	assert_near(m->hosts[1].demand_pct, 1269.0 / 3 / 2, 1e-9);
	assert_true(m->hosts[1].demand_pct > 100);
	assert_near(m->hosts[1].cpu_pct, 380.0 / 3 / 2, 1e-9);
	i = model_vm_index(m, "calm");
	assert_near(window_mean(&m->vms[i].demand), 10, 1e-9);
	assert_near(m->hosts[0].demand_pct, 2.5, 1e-9);
	model_free(m);
	config_free(cfg);
}

static void
test_measures(void **state)
{
	struct config *cfg = cluster();
	struct model *m = model_new(cfg);
	struct snapshot *s;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		s = snapshot_new(i * 5);
		add_host(s, "a", true, 8);	/* cpus: 4 in the config wins */
		add_host(s, "b", true, 2);
		add_host(s, "c", true, 2);
		add_host(s, "ghost", true, 2);	/* not configured: ignored */
		add_vm(s, "zeta", "a", 100 + i * 30, i > 0);
		add_vm(s, "alpha", "b", 50, true);
		add_vm(s, "idle", "c", 190, true);
		add_vm(s, "lost", "ghost", 50, true);
		assert_int_equal(model_apply(m, s), 0);
		snapshot_free(s);
	}
	model_measure(m);
	assert_int_equal(m->nvms, 3);
	assert_string_equal(m->vms[0].name, "alpha");	/* sorted */
	assert_int_equal(model_vm_index(m, "zeta"), 2);
	/* zeta: samples 130 and 160 (the first had no baseline) */
	assert_near(window_mean(&m->vms[2].cpu), 145, 1e-9);
	assert_int_equal(m->hosts[0].cpus, 4);
	assert_near(m->hosts[0].load_pct, 145, 1e-9);
	assert_near(m->hosts[0].cpu_pct, 36.25, 1e-9);
	assert_near(m->hosts[1].cpu_pct, 25, 1e-9);
	assert_int_equal(m->hosts[2].state, HOST_MAINTENANCE);
	/* the spread ignores the host in maintenance (95%) */
	assert_near(m->spread, 11.25, 1e-9);
	model_free(m);
	config_free(cfg);
}

static void
test_vms_move_vanish_and_hosts_go_down(void **state)
{
	struct config *cfg = cluster();
	struct model *m = model_new(cfg);
	struct snapshot *s;

	(void)state;
	s = snapshot_new(0);
	add_host(s, "a", true, 4);
	add_host(s, "b", true, 4);
	add_vm(s, "v1", "a", 100, true);
	add_vm(s, "v2", "b", 40, true);
	add_vm(s, "v3", "b", 10, true);
	model_apply(m, s);
	snapshot_free(s);
	/* v1 moved to b, v3 was destroyed, host a went down */
	s = snapshot_new(5);
	add_host(s, "a", false, 0);
	add_host(s, "b", true, 4);
	add_vm(s, "v1", "b", 100, true);
	add_vm(s, "v2", "b", 60, true);
	model_apply(m, s);
	snapshot_free(s);
	model_measure(m);
	assert_int_equal(m->nvms, 2);
	assert_int_equal(m->vms[model_vm_index(m, "v1")].host, 1);
	assert_near(window_mean(&m->vms[model_vm_index(m, "v2")].cpu), 50,
	    1e-9);
	assert_int_equal(m->hosts[0].state, HOST_DOWN);
	/* a down host's VMs stay, marked unknown */
	s = snapshot_new(10);
	add_host(s, "a", false, 0);
	add_host(s, "b", true, 4);
	add_vm(s, "v2", "b", 60, true);
	model_apply(m, s);
	snapshot_free(s);
	assert_int_equal(m->nvms, 1);	/* v1 was on b, which is up: gone */
	model_free(m);
	config_free(cfg);
}

static void
test_down_host_keeps_unknown_vms(void **state)
{
	struct config *cfg = cluster();
	struct model *m = model_new(cfg);
	struct snapshot *s;

	(void)state;
	s = snapshot_new(0);
	add_host(s, "a", true, 4);
	add_host(s, "b", true, 4);
	add_vm(s, "v1", "a", 100, true);
	model_apply(m, s);
	snapshot_free(s);
	s = snapshot_new(5);
	add_host(s, "a", false, 0);
	add_host(s, "b", true, 4);
	model_apply(m, s);
	snapshot_free(s);
	model_measure(m);
	assert_int_equal(m->nvms, 1);
	assert_int_equal(m->vms[0].state, VM_UNKNOWN);
	assert_int_equal(m->hosts[0].state, HOST_DOWN);
	assert_near(m->spread, 0, 1e-9);	/* only b counts */
	model_free(m);
	config_free(cfg);
}

/*
 * A host is connecting until the probe's first answer, good or bad; then
 * up (or maintenance) or down with the probe's words; connecting again
 * only if the probe says it has no answer yet. Plans count only up and
 * maintenance hosts as up.
 */
static void
test_connecting_then_down(void **state)
{
	struct config *cfg = cluster();
	struct model *m = model_new(cfg);
	struct snapshot *s;
	struct snap_host *h;

	(void)state;
	assert_int_equal(m->hosts[0].state, HOST_CONNECTING);
	assert_string_equal(host_state_name(m->hosts[0].state), "connecting");
	s = snapshot_new(0);
	add_host(s, "a", false, 0);
	s->hosts[0].connecting = true;
	add_host(s, "b", false, 0);
	snprintf(s->hosts[1].error, sizeof s->hosts[1].error,
	    "Host key verification failed");
	add_host(s, "c", true, 2);
	assert_int_equal(model_apply(m, s), 0);
	snapshot_free(s);
	assert_int_equal(m->hosts[0].state, HOST_CONNECTING);
	assert_int_equal(m->hosts[1].state, HOST_DOWN);
	assert_string_equal(m->hosts[1].error, "Host key verification failed");
	assert_int_equal(m->hosts[2].state, HOST_MAINTENANCE);
	s = snapshot_new(5);
	h = snapshot_add_host(s, "a");
	h->up = false;		/* answered: refused */
	add_host(s, "b", true, 2);
	assert_int_equal(model_apply(m, s), 0);
	snapshot_free(s);
	assert_int_equal(m->hosts[0].state, HOST_DOWN);
	assert_int_equal(m->hosts[1].state, HOST_UP);
	assert_string_equal(m->hosts[1].error, "");
	model_free(m);
	config_free(cfg);
}

static void
test_imbalance_state_machine(void **state)
{
	struct imbalance s;

	(void)state;
	imbalance_init(&s, 0);
	assert_false(imbalance_update(&s, 10, 30, 20, 30));
	assert_false(imbalance_update(&s, 20, 30, 20, 30));
	assert_false(imbalance_update(&s, 30, 30, 20, 30));
	assert_true(imbalance_update(&s, 40, 30, 20, 30));	/* held 30 s */
	assert_true(s.imbalanced);
	assert_false(imbalance_update(&s, 50, 25, 20, 30));
	assert_true(imbalance_update(&s, 60, 20, 20, 30));	/* at: fine */
	assert_false(s.imbalanced);
	/* a dip resets the hold */
	assert_false(imbalance_update(&s, 70, 30, 20, 30));
	assert_false(imbalance_update(&s, 80, 10, 20, 30));
	assert_false(imbalance_update(&s, 90, 30, 20, 30));
	assert_false(imbalance_update(&s, 110, 30, 20, 30));
	assert_true(imbalance_update(&s, 120, 30, 20, 30));
	/* hold 0: at once */
	imbalance_init(&s, 0);
	assert_true(imbalance_update(&s, 10, 21, 20, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measures),
		cmocka_unit_test(test_demand),
		cmocka_unit_test(test_vms_move_vanish_and_hosts_go_down),
		cmocka_unit_test(test_down_host_keeps_unknown_vms),
		cmocka_unit_test(test_connecting_then_down),
		cmocka_unit_test(test_imbalance_state_machine),
	};

	return TAP_RUN(tests);
}
