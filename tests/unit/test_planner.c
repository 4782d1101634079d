/*
 * test_planner.c - the planner against exhaustive search, and its
 * properties over thousands of random inputs.
 */
#include "tap.h"
#include "planner_gen.h"

#include "../../engine/placement.h"

#define EPS 1e-6

struct optimum {
	double spread;
	int moves;
};

/* Every placement of the VMs that fits in memory: the best score spread
 * and the fewest moves that reach it. */
static struct optimum
exhaustive(const struct plan_input *in)
{
	int nh = (int)in->nhosts, nv = (int)in->nvms, v, h;
	int assign[16] = { 0 };
	struct optimum best = { 1e18, 0 };
	struct placement *p = placement_new(in);

	for (;;) {
		double load[8] = { 0 };
		long mem[8] = { 0 };
		double lo = 1e18, hi = -1e18, s;
		bool ok = true;
		int moves = 0;

		for (v = 0; v < nv; v++) {
			load[assign[v]] += in->vms[v].load;
			mem[assign[v]] += in->vms[v].mem;
			moves += assign[v] != in->vms[v].host;
		}
		for (h = 0; h < nh; h++) {
			const struct plan_host *ph = &in->hosts[h];

			if (mem[h] > ph->mem_total)
				ok = false;
			s = p->wc * 100.0 * load[h] / ph->cap +
			    p->wm * 100.0 * (double)mem[h] / (double)ph->mem_total;
			if (s < lo)
				lo = s;
			if (s > hi)
				hi = s;
		}
		if (ok) {
			s = hi - lo;
			if (s < best.spread - EPS ||
			    (s <= best.spread + EPS && moves < best.moves)) {
				if (s < best.spread - EPS || moves < best.moves)
					best.moves = moves;
				best.spread = fmin(best.spread, s);
			}
		}
		for (v = 0; v < nv && ++assign[v] == nh; v++)
			assign[v] = 0;
		if (v == nv)
			break;
	}
	placement_free(p);
	return best;
}

/* greedy-2008 run analysis after analysis until it stops. */
static double
greedy_rounds(struct plan_input *in, int *moves)
{
	struct plan_input *cur = in;
	int saved[16], v, round;
	double spread;
	struct placement *p;

	for (v = 0; v < (int)in->nvms; v++)
		saved[v] = in->vms[v].host;
	*moves = 0;
	for (round = 0; round < 50; round++) {
		struct plan *pl = planner_greedy_2008(cur);

		if (pl == NULL || pl->nmoves == 0) {
			plan_free(pl);
			break;
		}
		cur->vms[pl->moves[0].vm].host = pl->moves[0].to;
		(*moves)++;
		plan_free(pl);
	}
	p = placement_new(in);
	spread = placement_spread(p);
	placement_free(p);
	for (v = 0; v < (int)in->nvms; v++)
		in->vms[v].host = saved[v];
	return spread;
}

static void
compare(double weight_mem, int *reached_out, int n)
{
	struct gen g;
	int i, reached = 0, extra1 = 0, over = 0, g_reached = 0, g_moves = 0;
	int opt_moves = 0, our_moves = 0;

	gen_seed(&g, 2008 + (unsigned)(weight_mem * 10));
	for (i = 0; i < n; i++) {
		int nh = gen_int(&g, 2, 4), nv = gen_int(&g, 2, 9), gm;
		struct plan_input *in = gen_input(&g, nh, nv, 16384);
		struct optimum opt;
		struct plan *pl;
		double gs;

		in->policy.weight_cpu = 1;
		in->policy.weight_memory = weight_mem;
		in->policy.min_gain_pct = 0;
		opt = exhaustive(in);
		pl = planner_balance(in);
		assert_non_null(pl);
		if (pl->score_after <= opt.spread + EPS)
			reached++;
		if ((int)pl->nmoves == opt.moves + 1)
			extra1++;
		if ((int)pl->nmoves > opt.moves + 1 &&
		    pl->score_after <= opt.spread + EPS)
			over++;
		opt_moves += opt.moves;
		our_moves += (int)pl->nmoves;
		gs = greedy_rounds(in, &gm);
		g_moves += gm;
		if (gs <= opt.spread + EPS)
			g_reached++;
		plan_free(pl);
		plan_input_free(in);
	}
	print_message("# weights cpu 1, memory %.1f: %d instances; vmbal reaches the "
	    "optimal spread in %d (%.1f%%), %d moves in all (optimum %d), "
	    "%d plans with one move above the optimum, %d with more; "
	    "greedy-2008: %d (%.1f%%), %d moves\n", weight_mem, n, reached,
	    100.0 * reached / n, our_moves, opt_moves, extra1, over, g_reached,
	    100.0 * g_reached / n, g_moves);
	assert_int_equal(over, 0);
	*reached_out = reached;
}

static void
test_exhaustive_cpu_only(void **state)
{
	int reached;

	(void)state;
	compare(0, &reached, 400);
	assert_true(reached * 100 >= 95 * 400);
}

static void
test_exhaustive_cpu_and_memory(void **state)
{
	int reached;

	(void)state;
	compare(0.5, &reached, 400);
	assert_true(reached * 100 >= 95 * 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exhaustive_cpu_only),
		cmocka_unit_test(test_exhaustive_cpu_and_memory),
	};

	return TAP_RUN(tests);
}
