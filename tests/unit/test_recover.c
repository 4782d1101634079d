/*
 * test_recover.c - a restarted controller settles the move its journal
 * left open, with the figures the probe found of the migration that
 * brought the VM (snap_vm's arrival): in the done event and the journal's
 * outcome by "recovery", waited for a few probes, never for ever.
 *
 * The world is the simulator's (helpers_rig_*), with VM a already on h2
 * as if it had arrived there; a probe around the simulator's adds a's
 * figures from a chosen probe on, and a journal in memory holds the open
 * intent a: h1 -> h2 and records what the controller writes.
 *
 * And the rules wait: a's backend stays as the dead run left it (drained)
 * while a is known only from a snapshot between ticks (a domain event's
 * refresh, which settles nothing), until the recovery has looked at it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "helpers.h"
#include "../../engine/controller_priv.h"

#define MAX_RECS 16

/* The simulator's probe, a's figures added from probe `from` on. */
struct figs_probe {
	struct probe inner;
	int n;			/* probes taken */
	int from;		/* first probe with the figures; 0 never */
};

static struct snapshot *
figs_collect(void *impl, double now, struct diag *d)
{
	struct figs_probe *fp = impl;
	struct snapshot *s = fp->inner.ops->collect(fp->inner.impl, now, d);
	size_t i;

	if (s == NULL)
		return NULL;
	fp->n++;
	for (i = 0; i < s->nvms; i++)
		if (strcmp(s->vms[i].name, "a") == 0 && fp->from > 0 &&
		    fp->n >= fp->from) {
			s->vms[i].arrival.downtime_ms = 42;
			s->vms[i].arrival.transferred_mib = 300.5;
			s->vms[i].arrival.rate_mibps = 61.25;
		}
	return s;
}

static bool
figs_changed(void *impl)
{
	struct figs_probe *fp = impl;

	return fp->inner.ops->changed != NULL &&
	    fp->inner.ops->changed(fp->inner.impl);
}

static void
figs_free(void *impl)
{
	struct figs_probe *fp = impl;

	fp->inner.ops->free(fp->inner.impl);
	free(fp);
}

static const struct probe_ops figs_ops = {
	.name = "figs", .collect = figs_collect, .changed = figs_changed,
	.free = figs_free,
};

/* What the controller said of a's move, and at which probe. */
struct said {
	struct figs_probe *fp;
	int nevents;
	enum mig_status status;
	struct mig_stats stats;
	int at_probe;
	int nrecs;
	struct journal_entry recs[MAX_RECS];	/* strings not kept */
	char who[MAX_RECS][16];
	struct journal_past past;
	struct journal_past_move move;
};

static void
said_sink(void *arg, const struct event *ev)
{
	struct said *s = arg;

	if (ev->type != EV_MIGRATION || strcmp(ev->u.migration.vm, "a") != 0)
		return;
	s->nevents++;
	s->status = ev->u.migration.status;
	s->stats = ev->u.migration.stats;
	s->at_probe = s->fp->n;
}

static int
said_record(void *impl, const struct journal_entry *e, struct diag *d)
{
	struct said *s = impl;

	(void)d;
	if (s->nrecs < MAX_RECS) {
		snprintf(s->who[s->nrecs], sizeof s->who[0], "%s", e->who);
		s->recs[s->nrecs] = *e;
		s->recs[s->nrecs].who = s->who[s->nrecs];
		s->recs[s->nrecs].vm = s->recs[s->nrecs].from =
		    s->recs[s->nrecs].to = NULL;
		s->recs[s->nrecs].error = NULL;
		s->recs[s->nrecs].action = NULL;
		s->nrecs++;
	}
	return 0;
}

static void
said_free(void *impl)
{
	(void)impl;
}

static struct journal_past *
said_past(void *impl)
{
	return &((struct said *)impl)->past;
}

static const struct journal_ops said_ops = {
	said_record, said_free, said_past
};

/* The journal's past: the open move a: h1 -> h2, 5 s old. */
static void
said_open_move(struct said *s)
{
	s->move.vm = "a";
	s->move.from = "h1";
	s->move.to = "h2";
	s->move.open = true;
	s->move.age_s = 5;
	s->move.set_at = -1;
	s->past.moves = &s->move;
	s->past.nmoves = 1;
}

/* a sits on `on`; the journal's open move of it goes h1 -> h2. */
static const char *const yaml_on_h2 =
	"hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}]\n"
	"vms:\n"
	"  - {name: a, host: h2, load: {peak: 10, valley: 10, peak_s: 60, valley_s: 60}}\n"
	"  - {name: b, host: h1, load: {peak: 10, valley: 10, peak_s: 60, valley_s: 60}}\n"
	"policy: {mode: auto, threshold_pct: 50, hold_s: 30, window: 5}\n";
static const char *const yaml_on_h1 =
	"hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}]\n"
	"vms:\n"
	"  - {name: a, host: h1, load: {peak: 10, valley: 10, peak_s: 60, valley_s: 60}}\n"
	"  - {name: b, host: h1, load: {peak: 10, valley: 10, peak_s: 60, valley_s: 60}}\n"
	"policy: {mode: auto, threshold_pct: 50, hold_s: 30, window: 5}\n";

/* Runs the controller for 60 s with a's figures from probe `from` (0:
 * never); fills *s. in_flight_at[k]: a in flight after probe k + 1. */
static void
run(const char *yaml, int from, struct said *s, bool *in_flight_at, int nk)
{
	struct config *cfg = helpers_scenario(yaml);
	struct figs_probe *fp = calloc(1, sizeof *fp);
	struct event_sink sink = { said_sink, s };
	struct journal j = { &said_ops, s };
	struct controller_opts opts = { .journal = &j };
	struct helpers_rig r;
	const struct model *m;
	int v;

	assert_non_null(cfg);
	assert_non_null(fp);
	memset(s, 0, sizeof *s);
	s->fp = fp;
	said_open_move(s);
	fp->from = from;
	/* helpers_rig_init with the probe wrapped before the first tick */
	memset(&r, 0, sizeof r);
	r.sim = sim_new(cfg);
	assert_non_null(r.sim);
	assert_int_equal(sim_probe_init(&fp->inner, r.sim), 0);
	r.probe.ops = &figs_ops;
	r.probe.impl = fp;
	sim_action_init(&r.action, r.sim);
	r.ctl = controller_new(cfg, &cfg->policy, &r.probe, &r.action, &sink,
	    &opts);
	assert_non_null(r.ctl);
	controller_run(r.ctl, 0);
	do {
		m = controller_model(r.ctl);
		v = model_vm_index(m, "a");
		if (fp->n >= 1 && fp->n <= nk && v >= 0)
			in_flight_at[fp->n - 1] = m->vms[v].in_flight;
	} while (helpers_rig_step(&r, 60));
	helpers_rig_clear(&r);
	config_free(cfg);
}

static void
assert_figs(const struct mig_stats *st)
{
	assert_true(st->downtime_ms == 42);
	assert_true(st->transferred_mib == 300.5);
	assert_true(st->rate_mibps == 61.25);
}

/* The outcome record by "recovery" (the only record: the other moves
 * of the run are a's neighbour's, none planned here). */
static const struct journal_entry *
outcome(const struct said *s)
{
	int i;

	for (i = 0; i < s->nrecs; i++)
		if (s->recs[i].outcome && strcmp(s->recs[i].who, "recovery") == 0)
			return &s->recs[i];
	return NULL;
}

/* The figures are there at the first probe: done at once, with them. */
static void
test_figures_at_once(void **state)
{
	struct said *s = calloc(1, sizeof *s);
	bool fl[4] = { false };
	const struct journal_entry *o;

	(void)state;
	run(yaml_on_h2, 1, s, fl, 4);
	assert_int_equal(s->nevents, 1);
	assert_int_equal(s->status, MIG_DONE);
	assert_int_equal(s->at_probe, 1);
	assert_figs(&s->stats);
	o = outcome(s);
	assert_non_null(o);
	assert_int_equal(o->status, MIG_DONE);
	assert_figs(&o->stats);
	assert_false(fl[0]);	/* settled: no longer in flight */
	free(s);
}

/* They come with the third probe (libvirt sets them just after the guest
 * resumes): a waits in flight, then is done with them. */
static void
test_figures_later(void **state)
{
	struct said *s = calloc(1, sizeof *s);
	bool fl[4] = { false };
	const struct journal_entry *o;

	(void)state;
	run(yaml_on_h2, 3, s, fl, 4);
	assert_int_equal(s->nevents, 1);
	assert_int_equal(s->status, MIG_DONE);
	assert_int_equal(s->at_probe, 3);
	assert_figs(&s->stats);
	assert_true(fl[0]);
	assert_true(fl[1]);
	assert_false(fl[2]);
	o = outcome(s);
	assert_non_null(o);
	assert_figs(&o->stats);
	free(s);
}

/* They never come: done all the same after a few probes, without them. */
static void
test_figures_never(void **state)
{
	struct said *s = calloc(1, sizeof *s);
	bool fl[8] = { false };
	const struct journal_entry *o;

	(void)state;
	run(yaml_on_h2, 0, s, fl, 8);
	assert_int_equal(s->nevents, 1);
	assert_int_equal(s->status, MIG_DONE);
	assert_true(s->at_probe >= 2 && s->at_probe <= 4);
	assert_false(fl[s->at_probe - 1]);
	assert_true(s->stats.downtime_ms < 0);
	assert_true(s->stats.transferred_mib < 0);
	assert_true(s->stats.rate_mibps < 0);
	o = outcome(s);
	assert_non_null(o);
	assert_int_equal(o->status, MIG_DONE);
	assert_true(o->stats.downtime_ms < 0);
	free(s);
}

/* a is found where it was: failed at once, and figures of some earlier
 * arrival are not this move's. */
static void
test_failed_has_no_figures(void **state)
{
	struct said *s = calloc(1, sizeof *s);
	bool fl[4] = { false };
	const struct journal_entry *o;

	(void)state;
	run(yaml_on_h1, 1, s, fl, 4);
	assert_int_equal(s->nevents, 1);
	assert_int_equal(s->status, MIG_FAILED);
	assert_int_equal(s->at_probe, 1);
	assert_true(s->stats.downtime_ms < 0);
	o = outcome(s);
	assert_non_null(o);
	assert_int_equal(o->status, MIG_FAILED);
	assert_true(o->stats.downtime_ms < 0);
	free(s);
}

/* a seen between ticks, before any probe: the rules still wait; once
 * the recovery looked (a in flight, its figures awaited), they may go. */
static void
test_rules_wait_for_the_recovery(void **state)
{
	static const char *const yaml =
	    "hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}]\n"
	    "vms: [{name: a, host: h2, load: 10}, {name: b, host: h1, load: 10}]\n"
	    "services:\n"
	    "  - name: web\n"
	    "    vip: 198.18.0.1\n"
	    "    port: 80\n"
	    "    backends:\n"
	    "      - {address: 198.18.1.1, vm: a}\n"
	    "      - {address: 198.18.1.2, vm: b}\n"
	    "policy: {mode: auto, threshold_pct: 50, hold_s: 30}\n";
	struct said *s = calloc(1, sizeof *s);
	struct config *cfg = helpers_scenario(yaml);
	struct journal j = { &said_ops, s };
	struct controller_opts opts = { .journal = &j };
	struct event_sink sink = { said_sink, s };
	struct figs_probe fp = { 0 };
	struct snapshot *snap;
	struct snap_vm *sv;
	struct helpers_rig r;
	struct model *m;

	(void)state;
	assert_non_null(s);
	assert_non_null(cfg);
	s->fp = &fp;
	said_open_move(s);
	memset(&r, 0, sizeof r);
	r.sim = sim_new(cfg);
	assert_non_null(r.sim);
	assert_int_equal(sim_probe_init(&r.probe, r.sim), 0);
	sim_action_init(&r.action, r.sim);
	r.ctl = controller_new(cfg, &cfg->policy, &r.probe, &r.action, &sink,
	    &opts);
	assert_non_null(r.ctl);
	/* no probe yet: a unknown, its backend drained by the dead run */
	assert_true(controller_dnat_wait(r.ctl, 0.05));
	/* a refresh between ticks shows a running on h2 */
	snap = snapshot_new(0.05);
	assert_non_null(snap);
	assert_non_null(snapshot_add_host(snap, "h1"));
	assert_non_null(snapshot_add_host(snap, "h2"));
	snap->hosts[0].up = snap->hosts[1].up = true;
	sv = snapshot_add_vm(snap, "a", "h2");
	assert_non_null(sv);
	sv->state = VM_RUNNING;
	m = (struct model *)controller_model(r.ctl);
	assert_int_equal(model_apply_placement(m, snap), 0);
	snapshot_free(snap);
	assert_true(model_vm_index(m, "a") >= 0);
	assert_false(m->vms[model_vm_index(m, "a")].in_flight);
	assert_true(controller_dnat_wait(r.ctl, 0.05));	/* not looked at */
	/* the first probe: the recovery looks, a waits for its figures in
	 * flight (drained as such), the rules may be written */
	controller_run(r.ctl, 0.1);
	assert_true(m->vms[model_vm_index(m, "a")].in_flight);
	assert_int_equal(s->nevents, 0);
	assert_false(controller_dnat_wait(r.ctl, 0.1));
	helpers_rig_clear(&r);
	config_free(cfg);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures_at_once),
		cmocka_unit_test(test_figures_later),
		cmocka_unit_test(test_figures_never),
		cmocka_unit_test(test_failed_has_no_figures),
		cmocka_unit_test(test_rules_wait_for_the_recovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
