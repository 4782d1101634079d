/*
 * test_planner_props.c - properties of the planners over thousands of
 * random inputs, and of the controller over a thousand random simulated
 * hours.
 *
 * Part A gives each planner (balance with and without its exact search,
 * consolidate, greedy-2008; planner_run too) random inputs with every
 * rule (planner_gen.h, gen_rules_input) and replays each plan move by
 * move on a model of its own - a host per VM, load and memory per host,
 * nothing from placement.c. After every move: the destination is up, not
 * in maintenance and not the source; the source is up; the destination
 * holds no more memory than it has; an immovable VM does not move, a
 * pinned one only to its pin; no anti-affinity group gets two members on
 * a host they did not share before the plan; each VM moves at most once,
 * from where it is. Over the plan: an affinity group that was together
 * is together at the end; no balance step (a VM, or the members of an
 * affinity unit going to one host one after the other) raises the score
 * spread, and the balance moves lower it by min_gain_pct from where the
 * repairs left it without raising the CPU spread; the plan's spreads and
 * scores before and after are ours to 1e-6; reasons say who moved; a
 * balanced cluster gets repairs only; greedy-2008 makes at most one move,
 * none when balanced; consolidate lists exactly the empty hosts; the same
 * input gives the same plan, and planner_run the policy's planner's. A
 * failing input is shrunk (VMs, hosts, groups, pins and flags dropped
 * while it still fails) and printed with its plan.
 *
 * Part B writes random scenarios (2-5 hosts, 3-15 VMs with constant
 * loads, memory that fits, a few rules, vm_cooldown_s 0-600,
 * max_concurrent_migrations 1-3, fail_rate 0 or 0.2), runs each for a
 * simulated hour in auto mode through the controller and the simulator,
 * and checks the migration events and samples: never more running than
 * max_concurrent_migrations; no VM starts within vm_cooldown_s of its
 * last migration ending (done, failed or aborted); every start ends, and
 * nothing ends that did not start; nothing is refused at its start; a
 * failed migration leaves the VM on its source and a done one on its
 * destination in every sample until its next start; no migration starts
 * in the last 20 minutes. One fixed scenario adds what the random ones
 * seldom meet (a host packed to exactly the consolidate ceiling).
 *
 * A property marked known (known[] here, the ceiling test below, each
 * with its reason) fails on the engine as it is: it is still checked,
 * its smallest counterexample is printed on every run and the test
 * passes; when it holds again the run says so. Sanitized builds run an
 * eighth of the inputs and scenarios (the same seeds, the first ones):
 * the plain build's full count checks the properties, the sanitized one
 * the memory and the undefined behaviour on the way.
 */
#include <time.h>

#include "tap.h"
#include "planner_gen.h"
#include "helpers.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SCALE 8
#else
#define SCALE 1
#endif
#define NINPUTS (5000 / SCALE)	/* part A: random inputs per planner */
#define NINPUTS_EXACT (3000 / SCALE)	/* with the exact search */
#define SEED_A 0xa11ce
#define NSCEN (1000 / SCALE)	/* part B: simulated hours */
#define SEED_B 0xb0b
#define EPS 1e-9		/* the planners' own tolerance */
#define EPS_FIELD 1e-6		/* plan fields against our figures */

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- part A: the model the plans are replayed on --------------------- */

enum which { W_BALANCE, W_CONSOLIDATE, W_GREEDY, NWHICH };

static const char *const which_name[NWHICH] = {
	"balance", "consolidate", "greedy-2008"
};

enum prop {
	P_DEST, P_SOURCE_UP, P_MEM, P_IMMOVABLE, P_PIN, P_ANTI, P_AFFINITY,
	P_ONCE, P_FROM,
	P_REASON, P_BAL_STEP, P_BAL_CEIL, P_BAL_GAIN, P_BAL_CPU, P_TOTALS,
	P_MOVE_AFTER, P_REPAIR_ONLY,
	P_GREEDY_ONE, P_GREEDY_NONE, P_EMPTY, P_DETERMINISM, P_DISPATCH,
	NPROPS
};

static const char *const props[NPROPS] = {
	[P_DEST] = "destination up, not in maintenance, not the source",
	[P_SOURCE_UP] = "no VM leaves a host that is down",
	[P_MEM] = "destination memory within mem_total after each move",
	[P_IMMOVABLE] = "an immovable VM never moves",
	[P_PIN] = "a pinned VM moves only to its pin",
	[P_ANTI] = "no new anti-affinity sharing",
	[P_AFFINITY] = "affinity groups together stay together",
	[P_ONCE] = "each VM at most once per plan",
	[P_FROM] = "from is the VM's host at that point",
	[P_REASON] = "reasons name the planner or a repair",
	[P_BAL_STEP] = "no balance move raises the CPU spread",
	[P_BAL_CEIL] = "no balance move ends above the spread before them",
	[P_BAL_GAIN] = "balance moves gain at least min_gain_pct",
	[P_BAL_CPU] = "balance moves do not raise the CPU spread",
	[P_TOTALS] = "spread/score before/after match the replay",
	[P_MOVE_AFTER] = "each move's spread/score after match the replay",
	[P_REPAIR_ONLY] = "balanced: the balance planner only repairs",
	[P_GREEDY_ONE] = "greedy-2008: at most one move",
	[P_GREEDY_NONE] = "greedy-2008: no move when balanced",
	[P_EMPTY] = "consolidate: empty_hosts are the empty hosts",
	[P_DETERMINISM] = "the same input gives the same plan",
	[P_DISPATCH] = "planner_run picks the policy's planner",
};

/*
 * Properties the engine breaks as it is: each is still checked and its
 * smallest counterexample printed on every run, but the test passes.
 * heuristic: -1 either way.
 */
static const struct {
	int w, heuristic;
	enum prop p;
} known[] = {
	/*
	 * Until issue 12 the exact search ordered its moves only under the
	 * spread before the plan; plan_order.c now keeps every step at or
	 * under the one before, so this is expected to hold, and is still
	 * reported (not failed) in case an affinity unit's members raise it
	 * midway.
	 */
	{ W_BALANCE, 0, P_BAL_STEP },
};

static bool
is_known(int w, bool heuristic, int p)
{
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i].w == w && (int)known[i].p == p &&
		    (known[i].heuristic < 0 || known[i].heuristic == heuristic))
			return true;
	return false;
}

struct replay {
	const struct plan_input *in;
	int *host;		/* per VM */
	double *load;		/* per host, one-CPU units */
	long *mem;		/* per host, MiB */
	double wc, wm;
};

static void
replay_init(struct replay *r, const struct plan_input *in)
{
	size_t v;

	r->in = in;
	r->host = calloc(in->nvms + 1, sizeof *r->host);
	r->load = calloc(in->nhosts + 1, sizeof *r->load);
	r->mem = calloc(in->nhosts + 1, sizeof *r->mem);
	assert_non_null(r->host);
	assert_non_null(r->load);
	assert_non_null(r->mem);
	for (v = 0; v < in->nvms; v++) {
		r->host[v] = in->vms[v].host;
		r->load[in->vms[v].host] += in->vms[v].load;
		r->mem[in->vms[v].host] += in->vms[v].mem;
	}
	r->wc = in->policy.weight_cpu;
	r->wm = in->policy.weight_memory;
}

static void
replay_fini(struct replay *r)
{
	free(r->host);
	free(r->load);
	free(r->mem);
}

static void
replay_move(struct replay *r, int v, int to)
{
	const struct plan_vm *pv = &r->in->vms[v];

	r->load[r->host[v]] -= pv->load;
	r->mem[r->host[v]] -= pv->mem;
	r->load[to] += pv->load;
	r->mem[to] += pv->mem;
	r->host[v] = to;
}

static bool
replay_counts(const struct replay *r, int h)
{
	return r->in->hosts[h].up && !r->in->hosts[h].maintenance;
}

static double
replay_cpu(const struct replay *r, int h)
{
	return 100.0 * r->load[h] / r->in->hosts[h].cap;
}

/* (wc * cpu% + wm * mem%) / (wc + wm) */
static double
replay_score(const struct replay *r, int h)
{
	double mem = 100.0 * (double)r->mem[h] /
	    (double)r->in->hosts[h].mem_total;

	return (r->wc * replay_cpu(r, h) + r->wm * mem) / (r->wc + r->wm);
}

/* max - min over hosts up and not in maintenance, of scores or CPU */
static double
replay_spread(const struct replay *r, bool score)
{
	double lo = 0, hi = 0, x;
	bool any = false;
	int h;

	for (h = 0; h < (int)r->in->nhosts; h++) {
		if (!replay_counts(r, h))
			continue;
		x = score ? replay_score(r, h) : replay_cpu(r, h);
		if (!any || x < lo)
			lo = x;
		if (!any || x > hi)
			hi = x;
		any = true;
	}
	return any ? hi - lo : 0;
}

/* comp[v]: the lowest VM joined to v by affinity groups, transitively */
static void
affinity_components(const struct plan_input *in, int *comp)
{
	bool changed = true;
	size_t g, k;
	int v;

	for (v = 0; v < (int)in->nvms; v++)
		comp[v] = v;
	while (changed) {
		changed = false;
		for (g = 0; g < in->naffinity; g++) {
			const struct plan_group *a = &in->affinity[g];
			int lo = comp[a->vms[0]];

			for (k = 1; k < a->n; k++)
				if (comp[a->vms[k]] < lo)
					lo = comp[a->vms[k]];
			for (k = 0; k < a->n; k++)
				if (comp[a->vms[k]] != lo) {
					comp[a->vms[k]] = lo;
					changed = true;
				}
		}
	}
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
is_repair(const char *reason)
{
	return starts(reason, "maintenance:") || starts(reason, "pin:") ||
	    starts(reason, "anti-affinity:") || starts(reason, "affinity:");
}

static struct plan *
plan_with(const struct plan_input *in, int w)
{
	switch (w) {
	case W_BALANCE:
		return planner_balance(in);
	case W_CONSOLIDATE:
		return planner_consolidate(in);
	default:
		return planner_greedy_2008(in);
	}
}

/* The planner the policy names (contract: planner, then objective). */
static int
which_of(const struct plan_input *in)
{
	if (in->policy.planner == PLANNER_GREEDY_2008)
		return W_GREEDY;
	return in->policy.objective == OBJECTIVE_CONSOLIDATE ? W_CONSOLIDATE :
	    W_BALANCE;
}

struct verdict {
	bool bad[NPROPS];
	char why[NPROPS][256];
	int transient;	/* balance migrations that raise the spread midway
			 * through an affinity unit's move */
};

#define BREAK(vd, p, ...) do { \
	if (!(vd)->bad[p]) { \
		(vd)->bad[p] = true; \
		snprintf((vd)->why[p], sizeof (vd)->why[p], __VA_ARGS__); \
	} \
} while (0)

/* Replays pl (made by planner w from in) and judges it. */
static void
check_plan(const struct plan_input *in, const struct plan *pl, int w,
    struct verdict *vd)
{
	int nh = (int)in->nhosts, nv = (int)in->nvms;
	int *seen = calloc((size_t)nv + 1, sizeof *seen);
	int *init = calloc((size_t)nv + 1, sizeof *init);
	int *comp = calloc((size_t)nv + 1, sizeof *comp);
	double bal_start = 0, bal_end = 0, cpu_start = 0, cpu_end = 0;
	double step_prev = 0;
	bool any_bal = false;
	struct replay r;
	size_t i, g, k;
	int v, h;

	assert_non_null(seen);
	assert_non_null(init);
	assert_non_null(comp);
	affinity_components(in, comp);
	replay_init(&r, in);
	for (v = 0; v < nv; v++)
		init[v] = in->vms[v].host;
	if (fabs(pl->spread_before - replay_spread(&r, false)) > EPS_FIELD ||
	    fabs(pl->score_before - replay_spread(&r, true)) > EPS_FIELD)
		BREAK(vd, P_TOTALS, "before: plan says cpu %.6f score %.6f, "
		    "replay %.6f %.6f", pl->spread_before, pl->score_before,
		    replay_spread(&r, false), replay_spread(&r, true));
	for (i = 0; i < pl->nmoves; i++) {
		const struct plan_move *m = &pl->moves[i];
		bool bal = starts(m->reason, "balance:");
		bool step_first, step_last, unit_last;
		double prev;
		int to = m->to;

		v = m->vm;
		if (v < 0 || v >= nv || to < 0 || to >= nh || m->from < 0 ||
		    m->from >= nh) {
			BREAK(vd, P_FROM, "move %zu: index out of range "
			    "(vm %d, %d -> %d)", i, v, m->from, to);
			break;
		}
		if (seen[v]++ > 0)
			BREAK(vd, P_ONCE, "move %zu: %s moves a second time", i,
			    in->vms[v].name);
		if (m->from != r.host[v])
			BREAK(vd, P_FROM, "move %zu: %s from %s, but it is "
			    "on %s", i, in->vms[v].name,
			    in->hosts[m->from].name, in->hosts[r.host[v]].name);
		if (!replay_counts(&r, to) || to == r.host[v])
			BREAK(vd, P_DEST, "move %zu: %s to %s (%s%s%s)", i,
			    in->vms[v].name, in->hosts[to].name,
			    in->hosts[to].up ? "up" : "down",
			    in->hosts[to].maintenance ? ", maintenance" : "",
			    to == r.host[v] ? ", where it is" : "");
		if (!in->hosts[r.host[v]].up)
			BREAK(vd, P_SOURCE_UP, "move %zu: %s leaves %s, down",
			    i, in->vms[v].name, in->hosts[r.host[v]].name);
		if (!in->vms[v].movable)
			BREAK(vd, P_IMMOVABLE, "move %zu: %s is immovable", i,
			    in->vms[v].name);
		if (in->vms[v].pin >= 0 && to != in->vms[v].pin)
			BREAK(vd, P_PIN, "move %zu: %s pinned to %s goes to %s",
			    i, in->vms[v].name, in->hosts[in->vms[v].pin].name,
			    in->hosts[to].name);
		switch (w) {
		case W_BALANCE:
			if (!bal && !is_repair(m->reason))
				BREAK(vd, P_REASON, "move %zu: \"%s\"", i,
				    m->reason);
			if (!in->imbalanced && !is_repair(m->reason))
				BREAK(vd, P_REPAIR_ONLY, "balanced, move %zu: "
				    "\"%s\"", i, m->reason);
			break;
		case W_CONSOLIDATE:
			if (!starts(m->reason, "consolidate:") &&
			    !is_repair(m->reason))
				BREAK(vd, P_REASON, "move %zu: \"%s\"", i,
				    m->reason);
			break;
		default:
			if (!starts(m->reason, "greedy-2008:"))
				BREAK(vd, P_REASON, "move %zu: \"%s\"", i,
				    m->reason);
		}
		/* balance aims at the CPU spread (target_pct, as the
		 * threshold): its steps, ceiling and gain are on it */
		if (bal && !any_bal) {
			any_bal = true;
			bal_start = replay_spread(&r, false);
			cpu_start = replay_spread(&r, false);
		}
		/* a step: the members of one affinity unit going to one host,
		 * recorded one after the other */
		step_first = i == 0 || !starts(m[-1].reason, "balance:") ||
		    m[-1].to != to || m[-1].vm < 0 || m[-1].vm >= nv ||
		    comp[m[-1].vm] != comp[v];
		unit_last = i + 1 == pl->nmoves || m[1].to != to ||
		    m[1].vm < 0 || m[1].vm >= nv || comp[m[1].vm] != comp[v] ||
		    strcmp(m[1].reason, m->reason) != 0;
		step_last = unit_last || !starts(m[1].reason, "balance:");
		prev = replay_spread(&r, false);
		if (step_first)
			step_prev = prev;
		replay_move(&r, v, to);
		if (r.mem[to] > in->hosts[to].mem_total)
			BREAK(vd, P_MEM, "move %zu: %s to %s: %ld MiB of %ld",
			    i, in->vms[v].name, in->hosts[to].name, r.mem[to],
			    in->hosts[to].mem_total);
		for (g = 0; g < in->nanti; g++) {
			const struct plan_group *a = &in->anti[g];
			bool mine = false;

			for (k = 0; k < a->n; k++)
				mine |= a->vms[k] == v;
			for (k = 0; mine && k < a->n; k++) {
				int x = a->vms[k];

				if (x != v && r.host[x] == to &&
				    !(init[v] == to && init[x] == to))
					BREAK(vd, P_ANTI, "move %zu: %s joins "
					    "%s on %s (anti-affinity group "
					    "%zu)", i, in->vms[v].name,
					    in->vms[x].name, in->hosts[to].name,
					    g);
			}
		}
		/* members of a unit all carry the figures after the unit */
		if (unit_last && (fabs(m->spread_after -
		    replay_spread(&r, false)) > EPS_FIELD ||
		    fabs(m->score_after - replay_spread(&r, true)) > EPS_FIELD))
			BREAK(vd, P_MOVE_AFTER, "move %zu: says cpu %.6f score "
			    "%.6f, replay %.6f %.6f", i, m->spread_after,
			    m->score_after, replay_spread(&r, false),
			    replay_spread(&r, true));
		if (bal) {
			bal_end = replay_spread(&r, false);
			cpu_end = replay_spread(&r, false);
			if (!step_last && bal_end > prev + EPS)
				vd->transient++;
			if (step_last && bal_end > step_prev + EPS)
				BREAK(vd, P_BAL_STEP, "move %zu (%s %s -> %s): "
				    "CPU spread %.4f -> %.4f", i,
				    in->vms[v].name, in->hosts[m->from].name,
				    in->hosts[to].name, step_prev, bal_end);
			if (step_last && bal_end > bal_start + EPS)
				BREAK(vd, P_BAL_CEIL, "move %zu (%s %s -> %s): "
				    "CPU spread %.4f, %.4f before the "
				    "balance moves", i, in->vms[v].name,
				    in->hosts[m->from].name, in->hosts[to].name,
				    bal_end, bal_start);
		}
	}
	for (g = 0; g < in->naffinity; g++) {
		const struct plan_group *a = &in->affinity[g];
		bool was = true, is = true;

		for (k = 1; k < a->n; k++) {
			was &= init[a->vms[k]] == init[a->vms[0]];
			is &= r.host[a->vms[k]] == r.host[a->vms[0]];
		}
		if (was && !is)
			BREAK(vd, P_AFFINITY, "affinity group %zu (%s, ...) "
			    "was together on %s, is split after the plan", g,
			    in->vms[a->vms[0]].name,
			    in->hosts[init[a->vms[0]]].name);
	}
	if (any_bal && bal_start - bal_end < in->policy.min_gain_pct - EPS)
		BREAK(vd, P_BAL_GAIN, "balance moves take the CPU spread "
		    "%.4f -> %.4f, min_gain_pct %.0f", bal_start, bal_end,
		    in->policy.min_gain_pct);
	if (any_bal && cpu_end > cpu_start + EPS)
		BREAK(vd, P_BAL_CPU, "balance moves take the CPU spread "
		    "%.4f -> %.4f", cpu_start, cpu_end);
	if (fabs(pl->spread_after - replay_spread(&r, false)) > EPS_FIELD ||
	    fabs(pl->score_after - replay_spread(&r, true)) > EPS_FIELD)
		BREAK(vd, P_TOTALS, "after: plan says cpu %.6f score %.6f, "
		    "replay %.6f %.6f", pl->spread_after, pl->score_after,
		    replay_spread(&r, false), replay_spread(&r, true));
	if (w == W_GREEDY && pl->nmoves > 1)
		BREAK(vd, P_GREEDY_ONE, "%zu moves", pl->nmoves);
	if (w == W_GREEDY && !in->imbalanced && pl->nmoves > 0)
		BREAK(vd, P_GREEDY_NONE, "balanced, %zu moves", pl->nmoves);
	if (w == W_CONSOLIDATE) {
		size_t nempty = 0;

		for (h = 0; h < nh; h++) {
			bool empty = replay_counts(&r, h), listed = false;

			for (v = 0; v < nv && empty; v++)
				empty = r.host[v] != h;
			for (k = 0; k < pl->nempty; k++)
				listed |= pl->empty_hosts[k] == h;
			nempty += empty;
			if (empty != listed)
				BREAK(vd, P_EMPTY, "%s is %sempty, %slisted",
				    in->hosts[h].name, empty ? "" : "not ",
				    listed ? "" : "not ");
		}
		if (nempty != pl->nempty)
			BREAK(vd, P_EMPTY, "%zu empty hosts, %zu listed",
			    nempty, pl->nempty);
	}
	replay_fini(&r);
	free(seen);
	free(init);
	free(comp);
}

static bool
plan_same(const struct plan *a, const struct plan *b)
{
	size_t i;

	if (a->nmoves != b->nmoves || a->nempty != b->nempty ||
	    a->spread_before != b->spread_before ||
	    a->spread_after != b->spread_after ||
	    a->score_before != b->score_before ||
	    a->score_after != b->score_after)
		return false;
	for (i = 0; i < a->nmoves; i++)
		if (a->moves[i].vm != b->moves[i].vm ||
		    a->moves[i].from != b->moves[i].from ||
		    a->moves[i].to != b->moves[i].to ||
		    strcmp(a->moves[i].reason, b->moves[i].reason) != 0)
			return false;
	for (i = 0; i < a->nempty; i++)
		if (a->empty_hosts[i] != b->empty_hosts[i])
			return false;
	return true;
}

/* Plans in with w, again when twice (and through planner_run when the
 * policy names w) and judges the plan; returns the first plan. */
static struct plan *
judge(const struct plan_input *in, int w, bool twice, struct verdict *vd)
{
	struct plan *pl = plan_with(in, w), *again, *run;

	memset(vd, 0, sizeof *vd);
	assert_non_null(pl);
	check_plan(in, pl, w, vd);
	if (twice) {
		again = plan_with(in, w);
		assert_non_null(again);
		if (!plan_same(pl, again))
			BREAK(vd, P_DETERMINISM, "%zu moves, then %zu (or "
			    "other moves)", pl->nmoves, again->nmoves);
		plan_free(again);
	}
	if (twice && which_of(in) == w) {
		run = planner_run(in);
		assert_non_null(run);
		if (!plan_same(pl, run))
			BREAK(vd, P_DISPATCH, "planner_run gave %zu moves, %s "
			    "%zu", run->nmoves, which_name[w], pl->nmoves);
		plan_free(run);
	}
	return pl;
}

/* ---- part A: shrinking and printing a counterexample ----------------- */

/* A copy of in without VM drop_vm and host drop_host (-1: none); groups
 * lose the VM (and go below two members: go), pins to the host go. */
static struct plan_input *
input_copy(const struct plan_input *in, int drop_vm, int drop_host)
{
	int nh = (int)in->nhosts - (drop_host >= 0);
	int nv = (int)in->nvms - (drop_vm >= 0);
	struct plan_input *out = plan_input_new((size_t)nh, (size_t)nv);
	int vmap[4096], hmap[64], grp[4096], h, v, k;
	size_t g, j, n;

	assert_non_null(out);
	assert_true(in->nvms <= 4096 && in->nhosts <= 64);
	out->policy = in->policy;
	out->imbalanced = in->imbalanced;
	out->heuristic_only = in->heuristic_only;
	for (h = 0, k = 0; h < (int)in->nhosts; h++) {
		hmap[h] = h == drop_host ? -1 : k;
		if (h != drop_host)
			out->hosts[k++] = in->hosts[h];
	}
	for (v = 0, k = 0; v < (int)in->nvms; v++) {
		vmap[v] = v == drop_vm ? -1 : k;
		if (v == drop_vm)
			continue;
		out->vms[k] = in->vms[v];
		out->vms[k].host = hmap[in->vms[v].host];
		out->vms[k].pin = in->vms[v].pin >= 0 ? hmap[in->vms[v].pin] :
		    -1;
		assert_true(out->vms[k].host >= 0);
		k++;
	}
	for (g = 0; g < in->nanti + in->naffinity; g++) {
		bool anti = g < in->nanti;
		const struct plan_group *a = anti ? &in->anti[g] :
		    &in->affinity[g - in->nanti];

		for (j = 0, n = 0; j < a->n; j++)
			if (vmap[a->vms[j]] >= 0)
				grp[n++] = vmap[a->vms[j]];
		if (n >= 2)
			assert_int_equal(plan_input_add_group(out, anti, grp,
			    n), 0);
	}
	return out;
}

static void
group_drop(struct plan_input *in, bool anti, size_t g)
{
	struct plan_group *arr = anti ? in->anti : in->affinity;
	size_t *n = anti ? &in->nanti : &in->naffinity;

	free(arr[g].vms);
	memmove(&arr[g], &arr[g + 1], (*n - g - 1) * sizeof *arr);
	(*n)--;
}

/* The simplification number op of in, or NULL when there is none. */
static struct plan_input *
simplify(const struct plan_input *in, int op, bool *none)
{
	int nv = (int)in->nvms, nh = (int)in->nhosts, v;
	struct plan_input *t;

	*none = false;
	if (op < nv)
		return input_copy(in, op, -1);
	op -= nv;
	if (op < nh) {
		for (v = 0; v < nv; v++)
			if (in->vms[v].host == op)
				return NULL;
		return nh > 1 ? input_copy(in, -1, op) : NULL;
	}
	op -= nh;
	if (op < (int)in->nanti) {
		t = input_copy(in, -1, -1);
		group_drop(t, true, (size_t)op);
		return t;
	}
	op -= (int)in->nanti;
	if (op < (int)in->naffinity) {
		t = input_copy(in, -1, -1);
		group_drop(t, false, (size_t)op);
		return t;
	}
	op -= (int)in->naffinity;
	if (op < nv) {
		if (in->vms[op].pin < 0 && in->vms[op].movable)
			return NULL;
		t = input_copy(in, -1, -1);
		if (t->vms[op].pin >= 0)
			t->vms[op].pin = -1;
		else
			t->vms[op].movable = true;
		return t;
	}
	op -= nv;
	if (op < nh) {
		if (in->hosts[op].up && !in->hosts[op].maintenance)
			return NULL;
		t = input_copy(in, -1, -1);
		if (!t->hosts[op].up)
			t->hosts[op].up = true;
		else
			t->hosts[op].maintenance = false;
		return t;
	}
	*none = true;
	return NULL;
}

static bool
still_fails(const struct plan_input *in, int w, int prop)
{
	struct verdict vd;

	plan_free(judge(in, w, true, &vd));
	return vd.bad[prop];
}

/* Drops whatever it can from in while planner w still breaks prop. */
static struct plan_input *
shrink(struct plan_input *in, int w, int prop)
{
	bool progress = true, none;
	struct plan_input *t;
	int op;

	while (progress) {
		progress = false;
		for (op = 0; !progress; op++) {
			t = simplify(in, op, &none);
			if (none)
				break;
			if (t != NULL && still_fails(t, w, prop)) {
				plan_input_free(in);
				in = t;
				progress = true;
			} else
				plan_input_free(t);
		}
	}
	return in;
}

static void
print_input(const struct plan_input *in)
{
	const struct policy *po = &in->policy;
	size_t g, k;
	int h, v;

	print_message("#   policy: wc %g wm %g min_gain_pct %g ceiling %g; "
	    "imbalanced %s\n", po->weight_cpu, po->weight_memory,
	    po->min_gain_pct, po->consolidate_ceiling_pct,
	    in->imbalanced ? "true" : "false");
	for (h = 0; h < (int)in->nhosts; h++)
		print_message("#   host %s: cap %g mem_total %ld%s%s\n",
		    in->hosts[h].name, in->hosts[h].cap, in->hosts[h].mem_total,
		    in->hosts[h].up ? "" : " DOWN",
		    in->hosts[h].maintenance ? " MAINTENANCE" : "");
	for (v = 0; v < (int)in->nvms; v++)
		print_message("#   vm %s on %s: load %g mem %ld%s%s%s\n",
		    in->vms[v].name, in->hosts[in->vms[v].host].name,
		    in->vms[v].load, in->vms[v].mem,
		    in->vms[v].movable ? "" : " IMMOVABLE",
		    in->vms[v].pin >= 0 ? " pin " : "",
		    in->vms[v].pin >= 0 ? in->hosts[in->vms[v].pin].name : "");
	for (g = 0; g < in->nanti + in->naffinity; g++) {
		bool anti = g < in->nanti;
		const struct plan_group *a = anti ? &in->anti[g] :
		    &in->affinity[g - in->nanti];
		char buf[512];
		size_t len = 0;

		buf[0] = '\0';
		for (k = 0; k < a->n && len < sizeof buf; k++)
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			    "%s%s", k ? ", " : "", in->vms[a->vms[k]].name);
		print_message("#   %s: [%s]\n", anti ? "anti_affinity" :
		    "affinity", buf);
	}
}

static void
print_plan(const struct plan_input *in, const struct plan *pl)
{
	size_t i;

	print_message("#   plan: cpu spread %.4f -> %.4f, score spread "
	    "%.4f -> %.4f, %zu moves\n", pl->spread_before, pl->spread_after,
	    pl->score_before, pl->score_after, pl->nmoves);
	for (i = 0; i < pl->nmoves; i++)
		print_message("#     %s %s -> %s (score after %.4f) \"%s\"\n",
		    in->vms[pl->moves[i].vm].name,
		    in->hosts[pl->moves[i].from].name,
		    in->hosts[pl->moves[i].to].name, pl->moves[i].score_after,
		    pl->moves[i].reason);
}

/* ---- part A: the runs ------------------------------------------------ */

static struct gen gen_a;	/* big: names for 4096 hosts and VMs */

/* Input number i: its seed and its sizes (mostly small). */
static struct plan_input *
input_number(int i, bool heuristic)
{
	struct plan_input *in;
	int nh, nv;

	gen_seed(&gen_a, SEED_A + (unsigned)i);
	nh = gen_int(&gen_a, 2, gen_int(&gen_a, 2, 8));
	nv = gen_int(&gen_a, 1, gen_int(&gen_a, 2, 28));
	in = gen_rules_input(&gen_a, nh, nv);
	in->heuristic_only = heuristic;
	return in;
}

struct worst {
	int count;	/* inputs that break the property */
	int seed;	/* the smallest of them (hosts + VMs, then index) */
	int size;
};

/*
 * Plans n inputs with planner w (the balance planner without its exact
 * search when heuristic), planning every every-th twice; prints the
 * smallest counterexample of each property broken, shrunk.
 */
static void
run_planner(int w, bool heuristic, int n, int every)
{
	struct worst worst[NPROPS];
	long plans = 0, moves = 0, bal = 0, rep = 0, transient = 0;
	double t0 = seconds();
	bool failed = false;
	int i, p;

	memset(worst, 0, sizeof worst);
	for (i = 0; i < n; i++) {
		struct plan_input *in = input_number(i, heuristic);
		struct verdict vd;
		struct plan *pl = judge(in, w, i % every == 0, &vd);
		int size = (int)(in->nhosts + in->nvms);
		size_t k;

		plans += pl->nmoves > 0;
		moves += (long)pl->nmoves;
		transient += vd.transient;
		for (k = 0; k < pl->nmoves; k++) {
			rep += is_repair(pl->moves[k].reason);
			bal += !is_repair(pl->moves[k].reason);
		}
		for (p = 0; p < NPROPS; p++)
			if (vd.bad[p] && (worst[p].count++ == 0 ||
			    size < worst[p].size)) {
				worst[p].seed = i;
				worst[p].size = size;
			}
		plan_free(pl);
		plan_input_free(in);
	}
	print_message("# %s%s: %d inputs (%d planned twice) in %.2f s, %ld "
	    "plans with moves, %ld moves (%ld repairs, %ld %s)\n",
	    which_name[w], heuristic ? " (heuristic only)" : "", n,
	    (n + every - 1) / every, seconds() - t0, plans, moves, rep, bal,
	    which_name[w]);
	if (transient > 0)
		print_message("# %s: %ld migrations raise the CPU spread "
		    "midway through an affinity unit's move (not counted as "
		    "steps)\n", which_name[w], transient);
	for (p = 0; p < NPROPS; p++) {
		bool kn = is_known(w, heuristic, p);
		struct plan_input *in;
		struct verdict vd;
		struct plan *pl;

		if (worst[p].count == 0) {
			if (kn)
				print_message("# %s: known violation of \"%s\" "
				    "no longer seen: unmark it\n",
				    which_name[w], props[p]);
			continue;
		}
		in = shrink(input_number(worst[p].seed, heuristic), w, p);
		pl = judge(in, w, true, &vd);
		print_message("# %s%s: \"%s\" broken by %d of %d inputs; "
		    "input %d (seed %#x), shrunk: %s\n",
		    kn ? "KNOWN " : "", which_name[w], props[p],
		    worst[p].count, n, worst[p].seed,
		    SEED_A + worst[p].seed, vd.why[p]);
		print_input(in);
		print_plan(in, pl);
		plan_free(pl);
		plan_input_free(in);
		if (!kn)
			failed = true;
	}
	if (failed)
		fail_msg("%s breaks the properties above", which_name[w]);
}

static void
test_balance_props(void **state)
{
	(void)state;
	run_planner(W_BALANCE, false, NINPUTS_EXACT, 4);
}

static void
test_balance_heuristic_props(void **state)
{
	(void)state;
	run_planner(W_BALANCE, true, NINPUTS, 1);
}

static void
test_consolidate_props(void **state)
{
	(void)state;
	run_planner(W_CONSOLIDATE, false, NINPUTS, 1);
}

static void
test_greedy_props(void **state)
{
	(void)state;
	run_planner(W_GREEDY, false, NINPUTS, 1);
}

/* ---- part B: random scenarios through the controller ------------------ */

#define DURATION 3600.0
#define QUIET_FROM 2400.0	/* no migration starts after this */

enum bprop {
	B_CONCURRENT, B_COOLDOWN, B_ENDS, B_FAILED_STAYS, B_DONE_MOVES,
	B_REFUSED, B_QUIET, B_QUIET_CONSOLIDATE, NBPROPS
};

static const char *const bprops[NBPROPS] = {
	[B_CONCURRENT] = "at most max_concurrent_migrations running",
	[B_COOLDOWN] = "no start within vm_cooldown_s of the last end",
	[B_ENDS] = "every start ends (done/failed/aborted), no end unstarted",
	[B_FAILED_STAYS] = "a failed migration leaves the VM on its source",
	[B_DONE_MOVES] = "a done migration leaves the VM on its destination",
	[B_REFUSED] = "no migration is refused at its start",
	[B_QUIET] = "no migration starts in the last 20 minutes",
	[B_QUIET_CONSOLIDATE] = "consolidate: no migration starts in the last "
	    "20 minutes",
};

/*
 * Known: consolidate packs a host to exactly its ceiling, then takes a
 * wobble of 1e-9 in the measured load for "above the ceiling" and moves
 * a VM out, long after the cluster settled (planner_consolidate.c,
 * consolidate_relieve, no margin). See test_controller_ceiling_noise.
 */
static const bool bknown[NBPROPS] = { false };

struct scen {
	char yaml[8192];
	int nh, nv;
	double cooldown, max_mig_s;
	long mcm;
	bool consolidate;
};

#define APPEND(s, ...) do { \
	size_t len_ = strlen((s)->yaml); \
	snprintf((s)->yaml + len_, sizeof (s)->yaml - len_, __VA_ARGS__); \
} while (0)

/*
 * Scenario number seed. Sizes lean small. Beyond six VMs, hosts have 4 or
 * 8 CPUs, VMs one vCPU and the score is CPU only (as the imbalance
 * verdict); beyond eight, rules are anti-affinity and exclusions only (no
 * pins or affinity to tie load together): so a balanced placement
 * usually exists. A cluster that stays imbalanced with nothing to gain
 * has the balance planner's exact search run at every analysis, up to
 * 0.3 s each on 9 to 15 VMs over 5 hosts: over a minute of CPU per
 * simulated hour.
 */
/* lo..hi inclusive; a function, so that nested draws come in order */
static int
scen_int(unsigned short *rng, int lo, int hi)
{
	return lo + (int)(erand48(rng) * (hi - lo + 1));
}

static void
scen_make(struct scen *s, unsigned seed)
{
	static const int cpus[] = { 2, 4, 8 };
	unsigned short rng[3] = { 0x5ce, (unsigned short)seed,
	    (unsigned short)(seed >> 16) };
	long hmem[5], used[5] = { 0 }, mem;
	double bw;
	int h, v, k, n, c, vcpus, load, tries, a, b, kind;
	int thr, hold, win, gain, mseed;
	bool greedy, memw, fails;

#define R(lo, hi) scen_int(rng, (lo), (hi))
	memset(s, 0, sizeof *s);
	bw = erand48(rng) < 0.5 ? 200 : 1000;
	s->nh = R(2, R(2, 5));
	s->nv = R(3, R(3, 15));
	s->cooldown = R(0, 600);
	s->mcm = R(1, 3);
	APPEND(s, "hosts:\n");
	for (h = 0; h < s->nh; h++) {
		hmem[h] = 256L * R(16, 64);
		c = s->nv > 6 ? cpus[R(1, 2)] : cpus[R(0, 2)];
		APPEND(s, "  - {name: h%d, cpus: %d, memory_mib: %ld}\n", h + 1,
		    c, hmem[h]);
	}
	APPEND(s, "vms:\n");
	for (v = 0; v < s->nv; v++) {
		vcpus = s->nv > 6 ? 1 : R(1, 2);
		load = 5 * R(0, vcpus * 20);
		mem = 256L * R(1, 8);
		for (tries = 0; tries < 50; tries++) {
			h = R(0, s->nh - 1);
			if (used[h] + mem <= hmem[h])
				break;
			if (tries > 25)
				mem = 256;
		}
		if (tries == 50) {	/* full: fewer VMs */
			s->nv = v;
			break;
		}
		used[h] += mem;
		if (mem * 8.0 / bw > s->max_mig_s)
			s->max_mig_s = mem * 8.0 / bw;
		APPEND(s, "  - {name: v%02d, host: h%d, vcpus: %d, memory_mib: "
		    "%ld, load: %d}\n", v + 1, h + 1, vcpus, mem, load);
	}
	n = s->nv >= 2 ? R(0, 3) : 0;
	if (n > 0)
		APPEND(s, "rules:\n");
	for (k = 0; k < n; k++) {
		a = R(1, s->nv);
		do
			b = R(1, s->nv);
		while (b == a);
		kind = R(0, s->nv > 8 ? 1 : 3);
		if (kind == 0)
			APPEND(s, "  - anti_affinity: [v%02d, v%02d]\n", a, b);
		else if (kind == 1)
			APPEND(s, "  - exclude: [v%02d]\n", a);
		else if (kind == 2)
			APPEND(s, "  - affinity: [v%02d, v%02d]\n", a, b);
		else {
			h = R(1, s->nh);
			APPEND(s, "  - pin: {vm: v%02d, host: h%d}\n", a, h);
		}
	}
	if (erand48(rng) < 0.15) {
		h = R(1, s->nh);
		APPEND(s, "maintenance: [h%d]\n", h);
	}
	s->consolidate = erand48(rng) < 0.2;
	greedy = erand48(rng) < 0.1;
	thr = R(10, 30);
	hold = R(0, 60);
	win = R(3, 12);
	gain = R(1, 5);
	memw = s->nv <= 6 && erand48(rng) < 0.5;
	fails = erand48(rng) < 0.5;
	mseed = R(1, 1000000);
	APPEND(s, "policy: {mode: auto, objective: %s, planner: %s, "
	    "threshold_pct: %d, hold_s: %d, window: %d, vm_cooldown_s: %.0f, "
	    "max_concurrent_migrations: %ld, min_gain_pct: %d, "
	    "weights: {cpu: 1, memory: %s}}\n",
	    s->consolidate ? "consolidate" : "balance",
	    greedy ? "greedy-2008" : "default", thr, hold, win, s->cooldown,
	    s->mcm, gain, memw ? "0.5" : "0");
	APPEND(s, "migration: {bandwidth_mbps: %.0f, fail_rate: %s, "
	    "seed: %d}\n", bw, fails ? "0.2" : "0", mseed);
#undef R
}

struct bverdict {
	bool bad[NBPROPS];
	char why[NBPROPS][256];
};

/* The host VM vm has in sample t, or "(none)". */
static const char *
sample_host(const struct captured *c, int t, const char *vm)
{
	int i = helpers_vm(c, vm), h;

	if (i < 0)
		return "(none)";
	h = c->vm_host[t][i];
	return h >= 0 && h < c->nhosts ? c->host_names[h] : "(none)";
}

/* Samples from the event number e until the VM's next start show it on
 * host: the first that does not, or -1. */
static int
stays_until_next(const struct captured *c, int e, const char *host)
{
	const char *vm = c->migs[e].vm, *at;
	int end = c->nticks, j, t;

	for (j = e + 1; j < c->nmigs; j++)
		if (c->migs[j].status == MIG_STARTED &&
		    strcmp(c->migs[j].vm, vm) == 0) {
			end = c->migs[j].tick;
			break;
		}
	for (t = c->migs[e].tick; t < end; t++) {
		at = sample_host(c, t, vm);
		if (strcmp(at, host) != 0)
			return t;
	}
	return -1;
}

static void
check_run(const struct scen *s, const struct captured *c,
    struct bverdict *vd)
{
	bool running[MAX_NAMES] = { false };
	double last_end[MAX_NAMES], started[MAX_NAMES];
	char from[MAX_NAMES][32], to[MAX_NAMES][32];
	int e, v, nrun = 0, t;

	memset(vd, 0, sizeof *vd);
	for (v = 0; v < MAX_NAMES; v++)
		last_end[v] = -1;
	assert_int_equal(c->nticks, (int)(DURATION / 10));
	if (c->migs_dropped > 0)	/* checked: the first MAX_MIGS */
		BREAK(vd, s->consolidate ? B_QUIET_CONSOLIDATE : B_QUIET,
		    "more than %d migration events in the hour", MAX_MIGS);
	for (e = 0; e < c->nmigs; e++) {
		const struct captured_mig *m = &c->migs[e];

		v = atoi(m->vm + 1) - 1;
		assert_true(v >= 0 && v < s->nv);
		if (m->status == MIG_STARTED) {
			if (running[v])
				BREAK(vd, B_ENDS, "%s starts at %.0f s while "
				    "its migration from %.0f s runs", m->vm,
				    m->ts, started[v]);
			else if (++nrun > s->mcm)
				BREAK(vd, B_CONCURRENT, "%d running at %.0f s "
				    "(%s starts), max %ld", nrun, m->ts, m->vm,
				    s->mcm);
			if (last_end[v] >= 0 &&
			    m->ts - last_end[v] < s->cooldown - 1e-6)
				BREAK(vd, B_COOLDOWN, "%s starts at %.1f s, "
				    "its last migration ended at %.1f s, "
				    "cooldown %.0f s", m->vm, m->ts,
				    last_end[v], s->cooldown);
			if (m->ts > QUIET_FROM)
				BREAK(vd, s->consolidate ?
				    B_QUIET_CONSOLIDATE : B_QUIET,
				    "%s %s -> %s starts at %.0f s", m->vm,
				    m->from, m->to, m->ts);
			running[v] = true;
			started[v] = m->ts;
			snprintf(from[v], sizeof from[v], "%s", m->from);
			snprintf(to[v], sizeof to[v], "%s", m->to);
			continue;
		}
		last_end[v] = m->ts;
		if (!running[v]) {
			if (m->status == MIG_FAILED)
				BREAK(vd, B_REFUSED, "%s %s -> %s failed at "
				    "%.0f s without starting", m->vm, m->from,
				    m->to, m->ts);
			else
				BREAK(vd, B_ENDS, "%s %s at %.0f s without "
				    "starting", m->vm,
				    mig_status_name(m->status), m->ts);
		} else {
			running[v] = false;
			nrun--;
			if (strcmp(from[v], m->from) != 0 ||
			    strcmp(to[v], m->to) != 0)
				BREAK(vd, B_ENDS, "%s started %s -> %s, ends "
				    "%s -> %s", m->vm, from[v], to[v], m->from,
				    m->to);
		}
		if (m->status == MIG_FAILED &&
		    (t = stays_until_next(c, e, m->from)) >= 0)
			BREAK(vd, B_FAILED_STAYS, "%s failed %s -> %s at "
			    "%.0f s; the sample at %.0f s has it on %s", m->vm,
			    m->from, m->to, m->ts, c->ts[t],
			    sample_host(c, t, m->vm));
		if (m->status == MIG_DONE &&
		    (t = stays_until_next(c, e, m->to)) >= 0)
			BREAK(vd, B_DONE_MOVES, "%s done %s -> %s at %.0f s; "
			    "the sample at %.0f s has it on %s", m->vm,
			    m->from, m->to, m->ts, c->ts[t],
			    sample_host(c, t, m->vm));
	}
	for (v = 0; v < s->nv && c->migs_dropped == 0; v++)
		if (running[v] && started[v] < DURATION - s->max_mig_s - 2)
			BREAK(vd, B_ENDS, "v%02d started at %.0f s, never "
			    "ended (longest migration %.0f s)", v + 1,
			    started[v], s->max_mig_s);
}

static void
print_run(const struct scen *s, const struct captured *c)
{
	const char *p = s->yaml, *nl;
	int e, k = 0;

	while ((nl = strchr(p, '\n')) != NULL) {
		print_message("#   | %.*s\n", (int)(nl - p), p);
		p = nl + 1;
	}
	for (e = 0; e < c->nplan_log; e++)
		print_message("#   plan at %.0f s: %s\n", c->plan_log[e].ts,
		    c->plan_log[e].moves);
	for (e = 0; e < c->nmigs && k < 60; e++, k++)
		print_message("#   %7.1f s %s %s -> %s %s\n", c->migs[e].ts,
		    c->migs[e].vm, c->migs[e].from, c->migs[e].to,
		    mig_status_name(c->migs[e].status));
}

static void
test_controller_props(void **state)
{
	struct captured *c = calloc(1, sizeof *c);
	struct scen *s = calloc(1, sizeof *s);
	int worst[NBPROPS] = { 0 }, wsize[NBPROPS] = { 0 };
	int count[NBPROPS] = { 0 };
	long starts_n = 0, failed_n = 0, moved_runs = 0;
	double t0 = seconds();
	bool failed = false;
	int i, p;

	(void)state;
	assert_non_null(c);
	assert_non_null(s);
	for (i = 0; i < NSCEN; i++) {
		struct bverdict vd;
		int e, st = 0;

		scen_make(s, SEED_B + (unsigned)i);
		helpers_run(s->yaml, DURATION, c);
		check_run(s, c, &vd);
		for (e = 0; e < c->nmigs; e++) {
			st += c->migs[e].status == MIG_STARTED;
			failed_n += c->migs[e].status == MIG_FAILED;
		}
		starts_n += st;
		moved_runs += st > 0;
		for (p = 0; p < NBPROPS; p++)
			if (vd.bad[p] && (count[p]++ == 0 ||
			    s->nh + s->nv < wsize[p])) {
				worst[p] = i;
				wsize[p] = s->nh + s->nv;
			}
	}
	print_message("# controller: %d simulated hours in %.1f s, %ld with "
	    "migrations, %ld started, %ld failed\n", NSCEN, seconds() - t0,
	    moved_runs, starts_n, failed_n);
	for (p = 0; p < NBPROPS; p++) {
		struct bverdict vd;

		if (count[p] == 0) {
			if (bknown[p])
				print_message("# known violation of \"%s\" no "
				    "longer seen in the random runs\n",
				    bprops[p]);
			continue;
		}
		scen_make(s, SEED_B + (unsigned)worst[p]);
		helpers_run(s->yaml, DURATION, c);
		check_run(s, c, &vd);
		print_message("# %scontroller: \"%s\" broken by %d of %d runs; "
		    "smallest: scenario %d (seed %#x): %s\n",
		    bknown[p] ? "KNOWN " : "", bprops[p], count[p], NSCEN,
		    worst[p], SEED_B + worst[p], vd.why[p]);
		print_run(s, c);
		if (!bknown[p])
			failed = true;
	}
	free(c);
	free(s);
	if (failed)
		fail_msg("the controller breaks the properties above");
}

/*
 * A case the random scenarios seldom meet: consolidate with h1 packed to
 * exactly its ceiling (70% + 10% on one CPU, ceiling 80%). The measured
 * load of h1 wobbles by a few 1e-9 (the simulator adds CPU time up in
 * 0.1 s steps, the probe reads it in whole nanoseconds); at 3000 s the
 * planner takes 80.000000002% for "above the ceiling" and moves v02 out
 * to the empty h2, then empties h1 into h2, now exactly at the ceiling:
 * a pair of migrations every ten minutes, for ever, with constant loads.
 * Known (bknown): the other properties must hold, the last is printed.
 */
static void
test_controller_ceiling_noise(void **state)
{
	struct captured *c = calloc(1, sizeof *c);
	struct scen *s = calloc(1, sizeof *s);
	struct bverdict vd;
	int p;

	(void)state;
	assert_non_null(c);
	assert_non_null(s);
	snprintf(s->yaml, sizeof s->yaml, "%s",
	    "hosts: [{name: h1, cpus: 1}, {name: h2, cpus: 1}]\n"
	    "vms: [{name: v01, host: h1, load: 70}, "
	    "{name: v02, host: h1, load: 10}]\n"
	    "policy: {mode: auto, objective: consolidate}\n");
	s->nh = 2;
	s->nv = 2;
	s->consolidate = true;
	s->cooldown = 300;
	s->mcm = 1;
	s->max_mig_s = 1024 * 8.0 / 1000;
	helpers_run(s->yaml, DURATION, c);
	check_run(s, c, &vd);
	for (p = 0; p < NBPROPS; p++)
		if (vd.bad[p] && !bknown[p]) {
			print_run(s, c);
			fail_msg("\"%s\": %s", bprops[p], vd.why[p]);
		}
	print_message("# consolidate at the ceiling: %s\n",
	    vd.bad[B_QUIET_CONSOLIDATE] ? "still moving" : "settles");
	free(c);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balance_props),
		cmocka_unit_test(test_balance_heuristic_props),
		cmocka_unit_test(test_consolidate_props),
		cmocka_unit_test(test_greedy_props),
		cmocka_unit_test(test_controller_props),
		cmocka_unit_test(test_controller_ceiling_noise),
	};

	return TAP_RUN(tests);
}
