/*
 * helpers.h - running a scenario through the real controller in a unit
 * test, and capturing what it emits.
 */
#ifndef VMBAL_TEST_HELPERS_H
#define VMBAL_TEST_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "../../actions/sim_action.h"
#include "../../engine/controller.h"
#include "../../probes/sim.h"
#include "../../probes/sim_probe.h"

#define MAX_TICKS 400
#define MAX_NAMES 32
#define MAX_MIGS 1024
#define MAX_PLANS 256

/* One migration event, in the order they came. */
struct captured_mig {
	double ts;
	int tick;		/* samples emitted before it */
	enum mig_status status;
	char vm[32], from[32], to[32];
};

/* One plan event: its moves as "vm:from>to " text (cut at 240). */
struct captured_plan {
	double ts;
	int tick;
	int nmoves;
	char moves[240];
	double spread_before, spread_after;	/* predicted, as planned */
	double demand_max, load_max;	/* over the VMs the plan was made on */
};

/* Per analysis tick: host and VM measures, copied out of the model. */
struct captured {
	int nticks;
	double ts[MAX_TICKS];
	double host_cpu[MAX_TICKS][MAX_NAMES];
	double host_load[MAX_TICKS][MAX_NAMES];
	double vm_cpu[MAX_TICKS][MAX_NAMES];
	double vm_demand[MAX_TICKS][MAX_NAMES];
	double host_demand[MAX_TICKS][MAX_NAMES];
	double spread[MAX_TICKS];
	int imbalanced[MAX_TICKS];
	int nimbalance_events;
	double imbalance_ts[8];
	char vm_names[MAX_NAMES][32];
	int nvms;
	/* migrations and plans */
	int started, done, failed, plans;
	int running, max_running;
	int moves_per_vm[MAX_NAMES];
	double last_move_ts[MAX_NAMES];
	double min_gap;		/* shortest time between two moves of a VM */
	double last_migration_ts;
	int final_vms[MAX_NAMES];	/* VMs per host in the last sample */
	/* per analysis tick: each VM's host, an index into host_names */
	int vm_host[MAX_TICKS][MAX_NAMES];
	char host_names[MAX_NAMES][32];
	int nhosts;
	/* every migration and plan event, in order (the first MAX_*) */
	struct captured_mig migs[MAX_MIGS];
	int nmigs, migs_dropped;
	struct captured_plan plan_log[MAX_PLANS];
	int nplan_log;
};

static inline int
helpers_vm(const struct captured *c, const char *name)
{
	int i;

	for (i = 0; i < c->nvms; i++)
		if (strcmp(c->vm_names[i], name) == 0)
			return i;
	return -1;
}

static inline void
helpers_sink(void *arg, const struct event *ev)
{
	struct captured *c = arg;
	const struct model *m;
	size_t i;

	if (ev->type == EV_IMBALANCE && c->nimbalance_events < 8)
		c->imbalance_ts[c->nimbalance_events++] = ev->ts;
	if (ev->type == EV_PLAN)
		c->plans++;
	if (ev->type == EV_PLAN && c->nplan_log < MAX_PLANS) {
		const struct plan *p = ev->u.plan.plan;
		const struct plan_input *in = ev->u.plan.in;
		struct captured_plan *cp = &c->plan_log[c->nplan_log++];
		size_t len = 0;

		cp->ts = ev->ts;
		cp->tick = c->nticks;
		cp->nmoves = (int)p->nmoves;
		cp->spread_before = p->spread_before;
		cp->spread_after = p->spread_after;
		cp->demand_max = cp->load_max = 0;
		for (i = 0; i < in->nvms; i++) {
			if (in->vms[i].demand > cp->demand_max)
				cp->demand_max = in->vms[i].demand;
			if (in->vms[i].load > cp->load_max)
				cp->load_max = in->vms[i].load;
		}
		cp->moves[0] = '\0';
		for (i = 0; i < p->nmoves && len < sizeof cp->moves; i++) {
			int n = snprintf(cp->moves + len, sizeof cp->moves - len,
			    "%s:%s>%s ", in->vms[p->moves[i].vm].name,
			    in->hosts[p->moves[i].from].name,
			    in->hosts[p->moves[i].to].name);

			if (n < 0)
				break;
			len += (size_t)n;
		}
	}
	if (ev->type == EV_MIGRATION && c->nmigs >= MAX_MIGS)
		c->migs_dropped++;
	else if (ev->type == EV_MIGRATION) {
		struct captured_mig *cm = &c->migs[c->nmigs++];

		cm->ts = ev->ts;
		cm->tick = c->nticks;
		cm->status = ev->u.migration.status;
		snprintf(cm->vm, sizeof cm->vm, "%s", ev->u.migration.vm);
		snprintf(cm->from, sizeof cm->from, "%s", ev->u.migration.from);
		snprintf(cm->to, sizeof cm->to, "%s", ev->u.migration.to);
	}
	if (ev->type == EV_MIGRATION) {
		int v = helpers_vm(c, ev->u.migration.vm);

		c->last_migration_ts = ev->ts;
		if (ev->u.migration.status == MIG_STARTED) {
			c->started++;
			if (++c->running > c->max_running)
				c->max_running = c->running;
			if (v >= 0) {
				if (c->moves_per_vm[v]++ > 0 &&
				    ev->ts - c->last_move_ts[v] < c->min_gap)
					c->min_gap = ev->ts - c->last_move_ts[v];
				c->last_move_ts[v] = ev->ts;
			}
		} else {
			c->running--;
			if (ev->u.migration.status == MIG_DONE)
				c->done++;
			else
				c->failed++;
		}
	}
	if (ev->type != EV_SAMPLE || c->nticks >= MAX_TICKS)
		return;
	m = ev->u.sample.model;
	c->ts[c->nticks] = ev->ts;
	for (i = 0; i < m->nhosts && i < MAX_NAMES; i++) {
		c->host_cpu[c->nticks][i] = m->hosts[i].cpu_pct;
		c->host_load[c->nticks][i] = m->hosts[i].load_pct;
		c->host_demand[c->nticks][i] = m->hosts[i].demand_pct;
	}
	for (i = 0; i < m->nhosts && i < MAX_NAMES; i++)
		snprintf(c->host_names[i], sizeof c->host_names[i], "%s",
		    m->hosts[i].name);
	c->nhosts = (int)m->nhosts;
	for (i = 0; i < m->nvms && i < MAX_NAMES; i++) {
		c->vm_host[c->nticks][i] = m->vms[i].host;
		c->vm_cpu[c->nticks][i] = window_mean(&m->vms[i].cpu);
		c->vm_demand[c->nticks][i] = window_mean(&m->vms[i].demand);
		snprintf(c->vm_names[i], sizeof c->vm_names[i], "%s",
		    m->vms[i].name);
	}
	c->nvms = (int)m->nvms;
	for (i = 0; i < m->nhosts && i < MAX_NAMES; i++)
		c->final_vms[i] = m->hosts[i].nvms;
	c->spread[c->nticks] = m->spread;
	c->imbalanced[c->nticks] = ev->u.sample.imbalanced;
	c->nticks++;
}

/* Runs cfg for duration simulated seconds; fills *out. */
static inline void
helpers_run_config(struct config *cfg, double duration, struct captured *out);

static inline struct config *
helpers_scenario(const char *yaml)
{
	struct diag d;
	struct config *c = config_new_from_buffer("test.yaml", yaml,
	    strlen(yaml), CONFIG_SCENARIO, &d);

	if (c == NULL)
		fprintf(stderr, "# %s:%d:%d: %s\n", d.file, d.line, d.col,
		    d.msg);
	return c;
}

static inline void
helpers_run(const char *yaml, double duration, struct captured *out)
{
	struct config *cfg = helpers_scenario(yaml);

	assert_non_null(cfg);
	helpers_run_config(cfg, duration, out);
	config_free(cfg);
}

/* A scenario's simulator, probe, action and controller, set up together. */
struct helpers_rig {
	struct sim *sim;
	struct probe probe;
	struct action action;
	struct controller *ctl;
	double now;
};

/* Sets up r for cfg (borrowed) and runs the first tick. */
static inline void
helpers_rig_init(struct helpers_rig *r, struct config *cfg,
    struct event_sink *sink, const struct controller_opts *opts)
{
	memset(r, 0, sizeof *r);
	r->sim = sim_new(cfg);
	assert_non_null(r->sim);
	assert_int_equal(sim_probe_init(&r->probe, r->sim), 0);
	sim_action_init(&r->action, r->sim);
	r->ctl = controller_new(cfg, &cfg->policy, &r->probe, &r->action, sink,
	    opts);
	assert_non_null(r->ctl);
	controller_run(r->ctl, 0);
}

/* The simulator moved on to the controller's next due time, when it is
 * at most until, not yet the controller (for a test that changes the
 * world between the two); false when it is later. */
static inline bool
helpers_rig_advance(struct helpers_rig *r, double until)
{
	double next = controller_next_due(r->ctl);

	if (next > until + 1e-9)
		return false;
	sim_advance(r->sim, next);
	r->now = next;
	return true;
}

/* helpers_rig_advance, then the controller's tick. */
static inline bool
helpers_rig_step(struct helpers_rig *r, double until)
{
	if (!helpers_rig_advance(r, until))
		return false;
	controller_run(r->ctl, r->now);
	return true;
}

static inline void
helpers_rig_clear(struct helpers_rig *r)
{
	controller_free(r->ctl);
	r->probe.ops->free(r->probe.impl);
	sim_free(r->sim);
	memset(r, 0, sizeof *r);
}

static inline void
helpers_run_config(struct config *cfg, double duration, struct captured *out)
{
	struct event_sink sink = { helpers_sink, out };
	struct helpers_rig r;

	memset(out, 0, sizeof *out);
	out->min_gap = 1e18;
	helpers_rig_init(&r, cfg, &sink, NULL);
	while (helpers_rig_step(&r, duration))
		;
	helpers_rig_clear(&r);
}

#endif
