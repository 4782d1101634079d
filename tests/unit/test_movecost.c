/*
 * test_movecost.c - what a move costs, and the planner choosing by it:
 * the estimated copy time (memory, and what the guest dirties meanwhile,
 * over the link rate); among plans of as many migrations the quicker to
 * copy wins, in the exact search and in the heuristic; a guest that
 * dirties memory faster than the link sends it is not moved when another
 * will do; the link rate comes from done migrations (the model), else
 * the configured cap, else the default.
 */
#include "tap.h"

#include <string.h>

#include "../../engine/model.h"
#include "../../engine/movecost.h"
#include "../../engine/plan.h"
#include "../../engine/plan_build.h"

static void
test_copy_time(void **state)
{
	(void)state;
	/* nothing dirtied: memory over the rate */
	assert_near(movecost_copy_s(1024, 0, 100, false), 10.24, 1e-9);
	/* unknown counts as nothing dirtied */
	assert_near(movecost_copy_s(1024, -1, 100, false), 10.24, 1e-9);
	/* half the rate dirtied: twice as long */
	assert_near(movecost_copy_s(1024, 50, 100, false), 20.48, 1e-9);
	assert_near(movecost_copy_s(1000, 90, 100, false), 100, 1e-9);
	/* dirtied as fast as sent: may not converge */
	assert_true(movecost_never(movecost_copy_s(1024, 100, 100, false)));
	assert_true(movecost_never(movecost_copy_s(1024, 250, 100, false)));
	/* unless auto-converge throttles it: at most half the rate */
	assert_near(movecost_copy_s(1024, 250, 100, true), 20.48, 1e-9);
	assert_near(movecost_copy_s(1024, 20, 100, true), 12.8, 1e-9);
	assert_false(movecost_never(movecost_copy_s(1024, 250, 100, true)));
	/* no rate known: the default */
	assert_near(movecost_copy_s(1000, 0, 0, false),
	    1000 / MOVECOST_DEFAULT_MIBPS, 1e-9);
	assert_near(movecost_copy_s(0, 500, 100, false), 0, 1e-9);
}

/*
 * Two hosts of 4 CPUs; h0 carries three VMs of one CPU each, h1 one: one
 * move of any of the three brings the spread from 50% to 0, so only the
 * cost can tell them apart.
 */
static struct plan_input *
three_candidates(const long mem[3], const double dirty[3], bool heuristic)
{
	struct plan_input *in = plan_input_new(2, 4);
	int h, v;

	assert_non_null(in);
	for (h = 0; h < 2; h++) {
		in->hosts[h].name = h == 0 ? "h0" : "h1";
		in->hosts[h].cap = 400;
		in->hosts[h].mem_total = 65536;
		in->hosts[h].mem_reserve = 0;
		in->hosts[h].up = true;
	}
	for (v = 0; v < 4; v++) {
		static const char *const names[] = { "a", "b", "c", "d" };

		in->vms[v].name = names[v];
		in->vms[v].host = v < 3 ? 0 : 1;
		in->vms[v].load = in->vms[v].demand = 100;
		in->vms[v].mem = v < 3 ? mem[v] : 1024;
		in->vms[v].dirty = v < 3 ? dirty[v] : -1;
		in->vms[v].movable = true;
		in->vms[v].pin = -1;
	}
	in->imbalanced = true;
	in->heuristic_only = heuristic;
	in->link_mibps = 100;
	in->link_src = LINK_MEASURED;
	in->auto_converge = false;
	return in;
}

/* The VM the plan moves (it must be exactly one move, h0 -> h1). */
static int
moved(const struct plan_input *in)
{
	struct plan *p = planner_run(in);
	int v;

	assert_non_null(p);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->moves[0].from, 0);
	assert_int_equal(p->moves[0].to, 1);
	assert_near(p->spread_after, 0, 1e-9);
	v = p->moves[0].vm;
	/* the move carries its estimate */
	assert_near(p->moves[0].est_s, movecost_vm(in, v), 1e-12);
	plan_free(p);
	return v;
}

/* Equal memory, equal load: the one that dirties least moves. */
static void
test_least_dirty_moves(void **state)
{
	static const long mem[3] = { 2048, 2048, 2048 };
	static const double dirty[3] = { 40, 5, 20 };
	struct plan_input *in;
	int heuristic, v;

	(void)state;
	for (heuristic = 0; heuristic < 2; heuristic++) {
		in = three_candidates(mem, dirty, heuristic);
		assert_int_equal(moved(in), 1);
		/* it is the cost that chose: dirtier, it is left */
		in->vms[1].dirty = 60;
		assert_int_equal(moved(in), 2);
		/* none measured: as when all dirty alike (the tie-break is
		 * the memory again, and then the search's order) */
		in->vms[0].dirty = in->vms[1].dirty = in->vms[2].dirty = 10;
		v = moved(in);
		in->vms[0].dirty = in->vms[1].dirty = in->vms[2].dirty = -1;
		assert_int_equal(moved(in), v);
		plan_input_free(in);
	}
}

/*
 * A guest dirtying faster than the link: not moved while another does
 * the job, though it has the least memory (the old tie-break's pick);
 * with auto-converge it converges, and its small memory wins again.
 */
static void
test_not_converging_is_left(void **state)
{
	static const long mem[3] = { 400, 1024, 1024 };
	static const double dirty[3] = { 150, 0, 0 };
	struct plan_input *in;
	struct plan *p;
	int heuristic, v;

	(void)state;
	for (heuristic = 0; heuristic < 2; heuristic++) {
		in = three_candidates(mem, dirty, heuristic);
		v = moved(in);
		assert_true(v == 1 || v == 2);
		in->auto_converge = true;	/* 400 / 50 = 8 s < 10.24 s */
		assert_int_equal(moved(in), 0);
		in->auto_converge = false;
		/* the only candidate: moved all the same, marked */
		in->vms[1].movable = in->vms[2].movable = false;
		p = planner_run(in);
		assert_non_null(p);
		assert_int_equal(p->nmoves, 1);
		assert_int_equal(p->moves[0].vm, 0);
		assert_true(movecost_never(p->moves[0].est_s));
		plan_free(p);
		plan_input_free(in);
	}
}

/* The cost never buys a longer plan: two moves of quick guests lose to
 * one move of a slow one. */
static void
test_no_moves_added(void **state)
{
	struct plan_input *in = plan_input_new(2, 3);
	struct plan *p;
	int v;

	(void)state;
	assert_non_null(in);
	for (v = 0; v < 2; v++) {
		in->hosts[v].name = v == 0 ? "h0" : "h1";
		in->hosts[v].cap = 400;
		in->hosts[v].mem_total = 65536;
		in->hosts[v].up = true;
	}
	/* h0: big (200, dirty fast), s1, s2 (100 each); h1 empty */
	for (v = 0; v < 3; v++) {
		static const char *const names[] = { "big", "s1", "s2" };

		in->vms[v].name = names[v];
		in->vms[v].host = 0;
		in->vms[v].load = in->vms[v].demand = v == 0 ? 200 : 100;
		in->vms[v].mem = 1024;
		in->vms[v].dirty = v == 0 ? 90 : 0;
		in->vms[v].movable = true;
		in->vms[v].pin = -1;
	}
	in->imbalanced = true;
	in->link_mibps = 100;
	p = planner_run(in);
	assert_non_null(p);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->moves[0].vm, 0);
	assert_near(p->moves[0].est_s, 102.4, 1e-9);
	plan_free(p);
	plan_input_free(in);
}

static struct config *
cluster(const char *extra)
{
	char y[512];
	struct diag d;

	snprintf(y, sizeof y, "hosts: [{name: a}, {name: b}]\n%s", extra);
	return config_new_from_buffer("t.yaml", y, strlen(y), CONFIG_CLUSTER,
	    &d);
}

static struct snapshot *
one_vm(double dirty)
{
	struct snapshot *s = snapshot_new(0);
	struct snap_vm *v;
	int h;

	for (h = 0; h < 2; h++) {
		struct snap_host *sh = snapshot_add_host(s, h ? "b" : "a");

		sh->up = true;
		sh->cpus = 4;
		sh->mem_total_mib = 16384;
	}
	v = snapshot_add_vm(s, "vm1", "a");
	assert_near(v->dirty_mibps, -1, 0);	/* unknown until measured */
	v->vcpus = 1;
	v->mem_mib = 1000;
	v->cpu_pct = 50;
	v->cpu_valid = true;
	v->state = VM_RUNNING;
	v->dirty_mibps = dirty;
	return s;
}

/* The rate learned from done migrations changes the estimate. */
static void
test_learned_rate(void **state)
{
	struct config *cfg = cluster("");
	struct model *m;
	struct snapshot *s;
	struct plan_input *in;

	(void)state;
	assert_non_null(cfg);
	m = model_new(cfg);
	s = one_vm(20);
	assert_int_equal(model_apply(m, s), 0);
	snapshot_free(s);
	in = plan_build(m, cfg, &cfg->policy, 0, false);
	assert_int_equal(in->link_src, LINK_DEFAULT);
	assert_near(in->link_mibps, MOVECOST_DEFAULT_MIBPS, 0);
	assert_near(in->vms[0].dirty, 20, 0);
	assert_true(in->auto_converge);		/* live_migration's default */
	assert_near(movecost_vm(in, 0), 1000.0 / 80, 1e-9);
	plan_input_free(in);
	assert_near(model_link_rate(m), -1, 0);
	model_note_rate(m, 30);
	model_note_rate(m, 50);
	model_note_rate(m, 0);		/* no rate reported: not counted */
	model_note_rate(m, -1);
	assert_near(model_link_rate(m), 40, 1e-9);
	in = plan_build(m, cfg, &cfg->policy, 0, false);
	assert_int_equal(in->link_src, LINK_MEASURED);
	assert_near(in->link_mibps, 40, 1e-9);
	/* 20 of 40 MiB/s dirtied: 1000 / 20 = 50 s, not 12.5 */
	assert_near(movecost_vm(in, 0), 50, 1e-9);
	plan_input_free(in);
	/* only the latest MODEL_RATES count */
	for (int i = 0; i < MODEL_RATES; i++)
		model_note_rate(m, 200);
	assert_near(model_link_rate(m), 200, 1e-9);
	model_free(m);
	config_free(cfg);
}

/* The configured cap, when nothing was measured; a measurement wins. */
static void
test_configured_rate(void **state)
{
	struct config *cfg = cluster(
	    "live_migration: {bandwidth_mibps: 25, auto_converge: false}\n");
	struct model *m;
	struct snapshot *s;
	struct plan_input *in;

	(void)state;
	assert_non_null(cfg);
	m = model_new(cfg);
	s = one_vm(-1);
	assert_int_equal(model_apply(m, s), 0);
	snapshot_free(s);
	in = plan_build(m, cfg, &cfg->policy, 0, false);
	assert_int_equal(in->link_src, LINK_CONFIGURED);
	assert_near(in->link_mibps, 25, 0);
	assert_false(in->auto_converge);
	assert_near(in->vms[0].dirty, -1, 0);
	assert_near(movecost_vm(in, 0), 40, 1e-9);
	plan_input_free(in);
	/* a later snapshot measures it: 30 MiB/s at 25 does not converge */
	s = one_vm(30);
	assert_int_equal(model_apply(m, s), 0);
	snapshot_free(s);
	in = plan_build(m, cfg, &cfg->policy, 0, false);
	assert_true(movecost_never(movecost_vm(in, 0)));
	plan_input_free(in);
	model_note_rate(m, 80);
	in = plan_build(m, cfg, &cfg->policy, 0, false);
	assert_int_equal(in->link_src, LINK_MEASURED);
	assert_near(movecost_vm(in, 0), 20, 1e-9);
	plan_input_free(in);
	model_free(m);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_time),
		cmocka_unit_test(test_least_dirty_moves),
		cmocka_unit_test(test_not_converging_is_left),
		cmocka_unit_test(test_no_moves_added),
		cmocka_unit_test(test_learned_rate),
		cmocka_unit_test(test_configured_rate),
	};

	return TAP_RUN(tests);
}
