/*
 * test_planner.c - the balance planner against exhaustive search on
 * random small clusters, with greedy-2008's figures beside.
 *
 * The exhaustive search is written here, apart from the planner: it tries
 * every placement of the VMs that fits in memory and, for each that would
 * beat the best so far, whether some order of its moves (each VM moving
 * once) keeps the cluster within its starting spread at every step, as
 * the planner must. Its answer is the optimal plan: the lowest spread
 * such an order reaches, then the fewest migrations. The unconstrained
 * optimum (any placement, however reached) is printed too.
 */
#include "tap.h"
#include "planner_gen.h"

#include "../../engine/placement.h"

#define EPS 1e-6
#define MAXV 9
#define MAXH 4

struct optimum {
	double spread;
	int moves;
};

static double
host_score(const struct plan_input *in, int h, double load, long mem)
{
	double wsum = in->policy.weight_cpu + in->policy.weight_memory;

	return (in->policy.weight_cpu * 100.0 * load / in->hosts[h].cap +
	    in->policy.weight_memory * 100.0 * (double)mem /
	    (double)in->hosts[h].mem_total) / wsum;
}

/* Score spread of a placement; -1 when it overflows a host's memory. */
static double
spread_of(const struct plan_input *in, const int *at)
{
	double load[MAXH] = { 0 }, lo = 1e18, hi = -1e18, s;
	long mem[MAXH] = { 0 };
	int v, h;

	for (v = 0; v < (int)in->nvms; v++) {
		load[at[v]] += in->vms[v].load;
		mem[at[v]] += in->vms[v].mem;
	}
	for (h = 0; h < (int)in->nhosts; h++) {
		if (mem[h] > in->hosts[h].mem_total)
			return -1;
		s = host_score(in, h, load[h], mem[h]);
		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
	}
	return hi - lo;
}

/* Is there an order of the moves to target within the starting spread?
 * The state is which VMs have moved: a search over subsets. */
static bool
reachable(const struct plan_input *in, const int *target, double limit)
{
	int nv = (int)in->nvms, v, at[MAXV];
	unsigned seen[1 << MAXV] = { 0 }, stack[1 << MAXV], full = 0, m;
	int top = 0;

	for (v = 0; v < nv; v++)
		if (target[v] != in->vms[v].host)
			full |= 1u << v;
	stack[top++] = 0;
	seen[0] = 1;
	while (top > 0) {
		m = stack[--top];
		if (m == full)
			return true;
		for (v = 0; v < nv; v++) {
			unsigned n = m | (1u << v);
			double s;
			int w;

			if (!(full & (1u << v)) || (m & (1u << v)) || seen[n])
				continue;
			for (w = 0; w < nv; w++)
				at[w] = (n & (1u << w)) ? target[w] :
				    in->vms[w].host;
			s = spread_of(in, at);
			if (s < 0 || s > limit + EPS)
				continue;
			seen[n] = 1;
			stack[top++] = n;
		}
	}
	return false;
}

static void
exhaustive(const struct plan_input *in, struct optimum *valid,
    struct optimum *free_opt)
{
	int nh = (int)in->nhosts, nv = (int)in->nvms, v, at[MAXV] = { 0 };
	int start[MAXV];
	double limit;

	for (v = 0; v < nv; v++)
		start[v] = in->vms[v].host;
	limit = spread_of(in, start);
	valid->spread = limit;
	valid->moves = 0;
	free_opt->spread = limit;
	free_opt->moves = 0;
	for (;;) {
		double s = spread_of(in, at);
		int moves = 0;

		for (v = 0; v < nv; v++)
			moves += at[v] != start[v];
		if (s >= 0) {
			if (s < free_opt->spread - EPS ||
			    (s <= free_opt->spread + EPS && moves < free_opt->moves)) {
				free_opt->spread = s < free_opt->spread ? s :
				    free_opt->spread;
				free_opt->moves = moves;
			}
			if ((s < valid->spread - EPS ||
			    (s <= valid->spread + EPS && moves < valid->moves)) &&
			    reachable(in, at, limit)) {
				valid->spread = s < valid->spread ? s :
				    valid->spread;
				valid->moves = moves;
			}
		}
		for (v = 0; v < nv && ++at[v] == nh; v++)
			at[v] = 0;
		if (v == nv)
			break;
	}
}

/* greedy-2008, analysis after analysis, until it stops moving. */
static double
greedy_rounds(struct plan_input *in, int *moves)
{
	int saved[MAXV], v, round, now[MAXV];
	double spread;

	for (v = 0; v < (int)in->nvms; v++)
		saved[v] = in->vms[v].host;
	*moves = 0;
	for (round = 0; round < 50; round++) {
		struct plan *pl = planner_greedy_2008(in);

		if (pl == NULL || pl->nmoves == 0) {
			plan_free(pl);
			break;
		}
		in->vms[pl->moves[0].vm].host = pl->moves[0].to;
		(*moves)++;
		plan_free(pl);
	}
	for (v = 0; v < (int)in->nvms; v++) {
		now[v] = in->vms[v].host;
		in->vms[v].host = saved[v];
	}
	spread = spread_of(in, now);
	return spread;
}

struct tally {
	int n, reached, reached_free, extra1, over, moves, opt_moves;
};

static void
tally_plan(struct tally *t, const struct plan *pl, struct optimum valid,
    struct optimum free_opt)
{
	t->n++;
	if (pl->score_after <= valid.spread + EPS)
		t->reached++;
	if (pl->score_after <= free_opt.spread + EPS)
		t->reached_free++;
	if ((int)pl->nmoves == valid.moves + 1)
		t->extra1++;
	if ((int)pl->nmoves > valid.moves + 1)
		t->over++;
	t->moves += (int)pl->nmoves;
	t->opt_moves += valid.moves;
}

static void
compare(double weight_mem, int n, struct tally *vm)
{
	struct tally heur = { 0 }, greedy = { 0 };
	int i, unc = 0;
	struct gen g;

	memset(vm, 0, sizeof *vm);
	gen_seed(&g, 2008 + (unsigned)(weight_mem * 10));
	for (i = 0; i < n; i++) {
		int nh = gen_int(&g, 2, MAXH), nv = gen_int(&g, 2, MAXV), gm;
		struct plan_input *in = gen_input(&g, nh, nv, 16384);
		struct optimum valid, free_opt;
		struct plan *pl;
		double gs;

		in->policy.weight_cpu = 1;
		in->policy.weight_memory = weight_mem;
		in->policy.min_gain_pct = 0;
		exhaustive(in, &valid, &free_opt);
		if (free_opt.spread < valid.spread - EPS)
			unc++;
		pl = planner_balance(in);
		assert_non_null(pl);
		tally_plan(vm, pl, valid, free_opt);
		plan_free(pl);
		in->heuristic_only = true;
		pl = planner_balance(in);
		assert_non_null(pl);
		tally_plan(&heur, pl, valid, free_opt);
		plan_free(pl);
		gs = greedy_rounds(in, &gm);
		greedy.n++;
		greedy.moves += gm;
		if (gs <= valid.spread + EPS)
			greedy.reached++;
		if (gs <= free_opt.spread + EPS)
			greedy.reached_free++;
		plan_input_free(in);
	}
	print_message("# weights cpu 1, memory %.1f: %d random instances (2-4 hosts, 2-9 VMs); "
	    "in %d of them no valid order reaches the unconstrained optimum\n",
	    weight_mem, n, unc);
	print_message("#   %-22s optimal %4d (%5.1f%%)  unconstrained optimum %4d (%5.1f%%)  "
	    "moves %4d (optimal plans: %d)  +1 move: %d  more: %d\n", "vmbal (default)",
	    vm->reached, 100.0 * vm->reached / n, vm->reached_free,
	    100.0 * vm->reached_free / n, vm->moves, vm->opt_moves, vm->extra1,
	    vm->over);
	print_message("#   %-22s optimal %4d (%5.1f%%)  unconstrained optimum %4d (%5.1f%%)  "
	    "moves %4d  +1 move: %d  more: %d\n", "vmbal (heuristic only)",
	    heur.reached, 100.0 * heur.reached / n, heur.reached_free,
	    100.0 * heur.reached_free / n, heur.moves, heur.extra1, heur.over);
	print_message("#   %-22s optimal %4d (%5.1f%%)  unconstrained optimum %4d (%5.1f%%)  "
	    "moves %4d (one per analysis, run until it stops)\n", "greedy-2008",
	    greedy.reached, 100.0 * greedy.reached / n, greedy.reached_free,
	    100.0 * greedy.reached_free / n, greedy.moves);
}

static void
test_exhaustive_cpu_only(void **state)
{
	struct tally t;

	(void)state;
	compare(0, 400, &t);
	assert_true(t.reached * 100 >= 95 * t.n);
	assert_int_equal(t.over, 0);
}

static void
test_exhaustive_cpu_and_memory(void **state)
{
	struct tally t;

	(void)state;
	compare(0.5, 400, &t);
	assert_true(t.reached * 100 >= 95 * t.n);
	assert_int_equal(t.over, 0);
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
