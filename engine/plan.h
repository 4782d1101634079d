/*
 * plan.h - what the planner reads and what it returns.
 *
 * A plan_input is a flat, index-based copy of what the planner needs from
 * the model, the rules and the policy: host capacities and predicted use,
 * VM loads (moving averages, in percent of one CPU), which VMs may move,
 * pins, the rule groups, and what a move costs (each VM's dirty rate,
 * the link rate migrations reach). A plan is an ordered list of migrations,
 * each with its reason and the predicted spread after it. Both are plain
 * data: the planner is a pure function from one to the other.
 */
#ifndef VMBAL_PLAN_H
#define VMBAL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct plan_host {
	const char *name;
	double cap;		/* cpus x 100: percent-of-one-CPU units */
	long mem_total;		/* MiB */
	long mem_reserve;	/* MiB a plan never fills (policy.host_reserve_mib
				 * or the host's reserve_mib): moves into the
				 * host keep it at or under mem_total - mem_reserve */
	bool up;
	bool maintenance;
};

struct plan_vm {
	const char *name;
	int host;		/* index into hosts */
	double load;		/* percent of one CPU (moving average) */
	double demand;		/* what it wants: load plus the time its vCPUs
				 * waited for a host CPU, same unit; the
				 * planner plans on it (load when unset, 0) */
	long mem;		/* MiB */
	bool movable;		/* not excluded, not cooling down, not in flight */
	int pin;		/* host it must stay on, or -1 */
	double dirty;		/* MiB/s the guest dirties (libvirt's
				 * measurement); < 0 unknown */
	const char *held;	/* why the VM's metadata keeps it where it
				 * is ("cooldown", "in flight": another
				 * vmbal's move), or NULL */
};

/* A rule group: VM indices. */
struct plan_group {
	int *vms;
	size_t n;
};

struct plan_input {
	struct plan_host *hosts;
	size_t nhosts;
	struct plan_vm *vms;
	size_t nvms;
	struct plan_group *anti;	/* anti_affinity: never together */
	size_t nanti;
	struct plan_group *affinity;	/* affinity: always together */
	size_t naffinity;
	struct policy policy;
	bool imbalanced;	/* the state machine's verdict: balance only then */
	bool heuristic_only;	/* skip the exact search (tests, benchmarks) */
	double link_mibps;	/* the rate a migration copies at (see
				 * link_src); movecost.h */
	enum link_src {
		LINK_DEFAULT,	/* MOVECOST_DEFAULT_MIBPS: nothing known */
		LINK_CONFIGURED,	/* live_migration.bandwidth_mibps */
		LINK_MEASURED	/* mean rate of recent done migrations */
	} link_src;
	bool auto_converge;	/* live_migration.auto_converge */
};

struct plan_move {
	int vm;
	int from, to;
	char reason[128];
	double spread_after;	/* predicted CPU spread after this move */
	double score_after;	/* predicted score spread after this move */
	double est_s;		/* estimated copy time (movecost.h), s;
				 * MOVECOST_NEVER: may not converge */
};

struct plan {
	struct plan_move *moves;
	size_t nmoves, cap;
	double spread_before, spread_after;	/* CPU spread, as in samples */
	double score_before, score_after;	/* what the planner minimises */
	double target;		/* the score spread the plan aims for */
	long min_moves;		/* migrations any plan needs to reach it (a
				 * lower bound, or the proven minimum when
				 * exact; when the rules leave the target out
				 * of reach, the fewest to the best spread
				 * they allow), repairs included; -1 when not
				 * computed (balanced, or no bound) */
	bool min_exact;		/* min_moves is proven, not a bound */
	int *empty_hosts;	/* consolidate: hosts left empty */
	size_t nempty;
};

/* A copy of what the planner needs; caller frees with plan_input_free. */
struct plan_input *plan_input_new(size_t nhosts, size_t nvms);
void plan_input_free(struct plan_input *in);
/* Adds a group of n VM indices; 0 or -1 on ENOMEM. */
int plan_input_add_group(struct plan_input *in, bool anti, const int *vms,
    size_t n);

struct plan *plan_new(void);
void plan_free(struct plan *p);
int plan_add(struct plan *p, int vm, int from, int to, const char *reason);

/* The planner named by in->policy (objective and planner); NULL on ENOMEM.
 * Defined in planner.c, the dispatcher; the others in planner_*.c. */
struct plan *planner_run(const struct plan_input *in);
struct plan *planner_balance(const struct plan_input *in);
struct plan *planner_consolidate(const struct plan_input *in);
struct plan *planner_greedy_2008(const struct plan_input *in);

#endif
