/*
 * test_slowstart.c - slow start (engine/slowstart.c and
 * controller_slowstart.c): the ramp's factor, the weights while a
 * backend ramps, no ramp for what serves when the run begins, a ramp when
 * a backend comes back up and when its VM's migration ends, and the rules
 * re-programmed only while a ramp moves on.
 */
#include <stdio.h>

#include "tap.h"
#include "helpers.h"
#include "../../actions/sim_dnat.h"
#include "../../engine/buckets.h"
#include "../../engine/health.h"
#include "../../engine/slowstart.h"

static void
test_factor(void **state)
{
	(void)state;
	/* 10 s: steps of 1 s, from 1 % */
	assert_near(slowstart_factor(100, 100, 10), SLOWSTART_MIN, 1e-12);
	assert_near(slowstart_factor(100, 100.9, 10), SLOWSTART_MIN, 1e-12);
	assert_near(slowstart_factor(100, 101, 10), 0.1, 1e-12);
	assert_near(slowstart_factor(100, 105.2, 10), 0.5, 1e-12);
	assert_near(slowstart_factor(100, 109.99, 10), 0.9, 1e-12);
	assert_near(slowstart_factor(100, 110, 10), 1, 0);
	assert_near(slowstart_factor(100, 500, 10), 1, 0);
	/* none: off, no start, the clock went back */
	assert_near(slowstart_factor(100, 100, 0), 1, 0);
	assert_near(slowstart_factor(-1, 100, 10), 1, 0);
	assert_near(slowstart_factor(100, 99, 10), 1, 0);
	/* 100 s: 20 steps of 5 s */
	assert_near(slowstart_factor(0, 7, 100), 0.05, 1e-12);
	assert_near(slowstart_factor(0, 99, 100), 0.95, 1e-12);
	/* 3 s: steps of 1 s, not 0.15 s */
	assert_near(slowstart_factor(0, 0.5, 3), SLOWSTART_MIN, 1e-12);
	assert_near(slowstart_factor(0, 2.5, 3), 2.0 / 3.0, 1e-12);
	/* when it next changes */
	assert_near(slowstart_next(100, 100, 10), 101, 1e-9);
	assert_near(slowstart_next(100, 101, 10), 102, 1e-9);
	assert_near(slowstart_next(100, 109.5, 10), 110, 1e-9);
	assert_true(slowstart_next(100, 110, 10) < 0);
	assert_true(slowstart_next(100, 100, 0) < 0);
	assert_near(slowstart_next(0, 1, 3), 2, 1e-9);
	assert_near(slowstart_next(0, 2.2, 3), 3, 1e-9);
	/* it never decreases over a ramp */
	{
		double t, last = 0, f;

		for (t = 0; t <= 40; t += 0.05) {
			f = slowstart_factor(0, t, 37);
			assert_true(f >= last && f > 0 && f <= 1);
			last = f;
		}
		assert_near(last, 1, 0);
	}
}

static struct config *
service(const char *algo)
{
	char y[1024];
	struct diag d;

	snprintf(y, sizeof y,
	    "hosts: [{name: h1}]\n"
	    "services:\n"
	    "  - name: web\n"
	    "    vip: 198.18.0.1\n"
	    "    port: 80\n"
	    "    algorithm: %s\n"
	    "    slow_start_s: 10\n"
	    "    backends:\n"
	    "      - {address: 198.18.1.1, weight: 1}\n"
	    "      - {address: 198.18.1.2, weight: 2}\n"
	    "      - {address: 198.18.1.3, weight: 3}\n", algo);
	return config_new_from_buffer("t.yaml", y, strlen(y), CONFIG_CLUSTER,
	    &d);
}

static enum svc_algorithm ruled;	/* what the rules are told */

static void
weights_of(const char *algo, struct backend_view *v, long *w)
{
	struct config *c = service(algo);
	struct backend_view *views[1] = { v };
	struct dnat_service s;
	size_t i;

	assert_non_null(c);
	assert_int_equal(weights_compute(c, views, true, &s), 0);
	for (i = 0; i < 3; i++)
		w[i] = s.backends[i].weight;
	ruled = s.algorithm;
	weights_free(&s, 1);
	config_free(c);
}

/* Every algorithm scales the ramping backend's weight; the others keep
 * their proportions (scaled up for resolution). */
static void
test_weights_while_ramping(void **state)
{
	struct backend_view v[3];
	long w[3];
	int i;

	(void)state;
	memset(v, 0, sizeof v);
	for (i = 0; i < 3; i++) {
		v[i].health = BH_UP;
		v[i].latency_ms = -1;
		v[i].conns = -1;
	}
	/* no ramp: as ever */
	weights_of("round-robin", v, w);
	assert_true(w[0] == 1 && w[1] == 1 && w[2] == 1);
	assert_int_equal(ruled, ALGO_ROUND_ROBIN);
	weights_of("weighted", v, w);
	assert_true(w[0] == 1 && w[1] == 2 && w[2] == 3);
	/* round-robin's 1s become 100s, the ramping one 1 % of that, drawn
	 * by weight (the rules' turns would ignore it) */
	v[1].ramp = SLOWSTART_MIN;
	weights_of("round-robin", v, w);
	assert_true(w[0] == 100 && w[1] == 1 && w[2] == 100);
	assert_int_equal(ruled, ALGO_WEIGHTED);
	v[1].ramp = 0.5;
	weights_of("round-robin", v, w);
	assert_true(w[0] == 100 && w[1] == 50 && w[2] == 100);
	/* weighted 1:2:3 times 34, the second at half */
	weights_of("weighted", v, w);
	assert_true(w[0] == 34 && w[1] == 34 && w[2] == 102);
	/* least-connections: already fine-grained (1000 / 10 per weight) */
	v[0].conns = v[1].conns = v[2].conns = 0;
	weights_of("least-connections", v, w);
	assert_true(w[0] == 100 && w[1] == 100 && w[2] == 300);
	v[1].ramp = SLOWSTART_MIN;	/* never below 1: still in rotation */
	weights_of("least-connections", v, w);
	assert_true(w[0] == 100 && w[1] == 2 && w[2] == 300);
	/* lowest-latency */
	v[0].latency_ms = 10;
	v[1].latency_ms = 10;
	v[2].latency_ms = 20;
	v[1].ramp = 0.3;
	weights_of("lowest-latency", v, w);
	/* 20, 40, 30 before the ramp: times 3 (largest 120), then 0.3 */
	assert_true(w[0] == 60 && w[1] == 36 && w[2] == 90);
	/* source-hash: the same as weighted (the table, below) */
	weights_of("source-hash", v, w);
	assert_true(w[0] == 34 && w[1] == 20 && w[2] == 102);
	assert_int_equal(ruled, ALGO_SOURCE_HASH);
	/* a down backend stays out, the ramp aside */
	v[1].health = BH_DOWN;
	weights_of("weighted", v, w);
	assert_true(w[0] == 1 && w[1] == 0 && w[2] == 3);
}

/*
 * A hashed service (source-hash; the bucket table of buckets.h from the
 * weights): over a ramp of backend 3 of 6, the buckets it holds only
 * grow, each one it holds at its full weight; the others' buckets only
 * go to it; the scaled weights alone move nothing.
 */
static void
test_hashed_ramp(void **state)
{
	static const char *const keys[6] = { "198.18.1.1:80", "198.18.1.2:80",
		"198.18.1.3:80", "198.18.1.4:80", "198.18.1.5:80",
		"198.18.1.6:80" };
	static uint32_t full[BUCKETS_M], out[BUCKETS_M], now[BUCKETS_M],
	    before[BUCKETS_M];
	struct buckets_member mem[6];
	size_t b, k, held, last = 0, all = 0;
	double t, f;

	(void)state;
	for (k = 0; k < 6; k++) {
		mem[k].key = keys[k];
		mem[k].weight = 1 + (double)(k % 2);	/* 1, 2, 1, 2 ... */
	}
	buckets_table(mem, 6, full, BUCKETS_M);
	/* the ramp's weights: the others times 50 (the largest is 100) */
	for (k = 0; k < 6; k++)
		mem[k].weight *= 50;
	buckets_table(mem, 6, now, BUCKETS_M);
	assert_memory_equal(now, full, sizeof now);	/* scaling moves none */
	mem[2].weight = 0;	/* out: its buckets with the others */
	buckets_table(mem, 6, out, BUCKETS_M);
	memcpy(before, out, sizeof before);
	for (t = 0; t <= 10; t += 0.5) {
		/* its weight while it ramps, as slowstart_apply makes it */
		f = slowstart_factor(0, t, 10);
		mem[2].weight = (double)(long)(50 * f + 0.5);
		if (mem[2].weight < 1)
			mem[2].weight = 1;
		buckets_table(mem, 6, now, BUCKETS_M);
		for (held = 0, b = 0; b < BUCKETS_M; b++) {
			if (now[b] == 2) {
				held++;
				assert_int_equal(full[b], 2);
			} else
				assert_int_equal(now[b], out[b]);
			if (before[b] == 2)	/* it keeps what it got */
				assert_int_equal(now[b], 2);
			before[b] = now[b];
		}
		assert_true(held >= last);
		last = held;
	}
	for (b = 0; b < BUCKETS_M; b++)
		all += full[b] == 2;
	assert_int_equal(last, all);	/* all of them at the end */
	assert_true(all > 50);
}

/* --- through the controller ------------------------------------------ */

#define MAX_APPLIES 512

/* The health source: the changes queued by the test. */
struct fake_health {
	struct health_change q[16];
	size_t n;
};

static size_t
fake_poll(void *impl, struct health_change *out, size_t max)
{
	struct fake_health *f = impl;
	size_t n = f->n < max ? f->n : max;

	memcpy(out, f->q, n * sizeof *out);
	memmove(f->q, f->q + n, (f->n - n) * sizeof *out);
	f->n -= n;
	return n;
}

static void
fake_health_free(void *impl)
{
	(void)impl;
}

static const struct health_ops fake_health_ops = { .poll = fake_poll,
	.free = fake_health_free };

static void
fake_set(struct fake_health *f, size_t b, bool up)
{
	struct health_change *ch = &f->q[f->n++];

	memset(ch, 0, sizeof *ch);
	ch->service = 0;
	ch->backend = b;
	ch->up = up;
	ch->latency_ms = up ? 1 : -1;
}

/* The DNAT: every apply of service 0's two weights, when and whether it
 * wrote. */
struct rec {
	struct dnat inner;
	const double *now;
	int n;
	double at[MAX_APPLIES];
	long w[MAX_APPLIES][2];
	bool changed[MAX_APPLIES];
};

static int
rec_apply(void *impl, const struct dnat_service *svcs, size_t n,
    bool *changed, struct diag *d)
{
	struct rec *r = impl;
	int rc = r->inner.ops->apply(r->inner.impl, svcs, n, changed, d);

	if (r->n < MAX_APPLIES) {
		r->at[r->n] = *r->now;
		r->w[r->n][0] = svcs[0].backends[0].weight;
		r->w[r->n][1] = svcs[0].backends[1].weight;
		r->changed[r->n] = *changed;
		r->n++;
	}
	return rc;
}

static int
rec_flush(void *impl, struct diag *d)
{
	struct rec *r = impl;

	return r->inner.ops->flush(r->inner.impl, d);
}

static void
rec_free(void *impl)
{
	(void)impl;
}

static const struct dnat_ops rec_ops = { rec_apply, rec_flush, rec_free,
	NULL };

/* Two round-robin backends, the first on VM a; no auto moves. */
static const char *const yaml =
    "hosts: [{name: h1}, {name: h2}]\n"
    "vms: [{name: a, host: h1, load: 10}, {name: b, host: h2, load: 10}]\n"
    "policy: {mode: manual}\n"
    "services:\n"
    "  - {name: web, vip: 198.18.0.1, port: 80, slow_start_s: 10,\n"
    "     backends: [{address: 198.18.1.1, vm: a}, {address: 198.18.1.2, vm: b}]}\n";

struct ss_rig {
	struct config *cfg;
	struct helpers_rig rig;
	struct fake_health fh;
	struct health_source hs;
	struct rec *rec;
	struct dnat dn;
	int sent;		/* dnat events */
	long ev_w[MAX_APPLIES][2];
	double ev_ts[MAX_APPLIES];
};

static void
ss_sink(void *arg, const struct event *ev)
{
	struct ss_rig *t = arg;

	if (ev->type != EV_DNAT || t->sent >= MAX_APPLIES)
		return;
	t->ev_ts[t->sent] = ev->ts;
	t->ev_w[t->sent][0] = ev->u.dnat.svc->backends[0].weight;
	t->ev_w[t->sent][1] = ev->u.dnat.svc->backends[1].weight;
	t->sent++;
}

static void
ss_init(struct ss_rig *t, bool checked)
{
	static struct event_sink sink;
	struct controller_opts opts;

	memset(t, 0, sizeof *t);
	t->cfg = helpers_scenario(yaml);
	assert_non_null(t->cfg);
	t->rec = calloc(1, sizeof *t->rec);
	assert_non_null(t->rec);
	assert_int_equal(sim_dnat_init(&t->rec->inner), 0);
	t->rec->now = &t->rig.now;
	t->dn.ops = &rec_ops;
	t->dn.impl = t->rec;
	t->hs.ops = &fake_health_ops;
	t->hs.impl = &t->fh;
	memset(&opts, 0, sizeof opts);
	opts.dnat = &t->dn;
	opts.health = checked ? &t->hs : NULL;
	sink.emit = ss_sink;
	sink.arg = t;
	if (checked) {		/* both found up at the first look */
		fake_set(&t->fh, 0, true);
		fake_set(&t->fh, 1, true);
	}
	helpers_rig_init(&t->rig, t->cfg, &sink, &opts);
	t->rec->now = &t->rig.now;	/* the rig was cleared by its init */
}

static void
ss_run(struct ss_rig *t, double until)
{
	while (helpers_rig_step(&t->rig, until))
		;
}

static void
ss_clear(struct ss_rig *t)
{
	helpers_rig_clear(&t->rig);
	t->rec->inner.ops->free(t->rec->inner.impl);
	free(t->rec);
	config_free(t->cfg);
}

/* Applies that wrote, from index i on. */
static int
writes_since(const struct rec *r, int i)
{
	int n = 0;

	for (; i < r->n; i++)
		n += r->changed[i];
	return n;
}

/* Backends up when the run begins get their full weight at once, with
 * health checks and without (a simulated cluster); nothing ramps later. */
static void
test_no_ramp_at_start(void **state)
{
	struct ss_rig t;
	int i;

	(void)state;
	ss_init(&t, true);
	ss_run(&t, 30);
	assert_true(t.rec->n > 0);
	for (i = 0; i < t.rec->n; i++)
		assert_true(t.rec->w[i][0] == 1 && t.rec->w[i][1] == 1);
	assert_int_equal(writes_since(t.rec, 0), 1);
	ss_clear(&t);
	ss_init(&t, false);
	ss_run(&t, 30);
	assert_true(t.rec->n > 0);
	for (i = 0; i < t.rec->n; i++)
		assert_true(t.rec->w[i][0] == 1 && t.rec->w[i][1] == 1);
	assert_int_equal(writes_since(t.rec, 0), 1);
	ss_clear(&t);
}

/*
 * Backend 1 goes down at 20 s and comes back at 30 s: 1 % of the others'
 * weight, then 10 %, 20 % ... a step a second, its full share at 40 s;
 * every step written once, nothing after the ramp but the unchanged
 * re-checks. The dnat events say the same weights.
 */
static void
test_ramp_after_health_up(void **state)
{
	struct ss_rig t;
	int i, first = -1, k;
	double back;

	(void)state;
	ss_init(&t, true);
	ss_run(&t, 20);
	fake_set(&t.fh, 1, false);
	ss_run(&t, 30);
	assert_true(t.rec->w[t.rec->n - 1][1] == 0);
	fake_set(&t.fh, 1, true);
	k = t.rec->n;
	ss_run(&t, 39.95);
	/* the first apply after it came back: the ramp's first step */
	for (i = k; i < t.rec->n; i++)
		if (t.rec->w[i][1] > 0) {
			first = i;
			break;
		}
	assert_true(first >= 0);
	back = t.rec->at[first];
	assert_true(back > 30 && back < 30.2);
	assert_true(t.rec->w[first][0] == 100 && t.rec->w[first][1] == 1);
	/* then a step each second: 10, 20, ... 90 of 100 */
	for (k = 1; k <= 9; k++) {
		bool found = false;

		for (i = first; i < t.rec->n; i++)
			if (t.rec->changed[i] && t.rec->w[i][1] == 10 * k &&
			    t.rec->w[i][0] == 100) {
				assert_near(t.rec->at[i], back + k, 0.11);
				found = true;
			}
		assert_true(found);
	}
	assert_int_equal(writes_since(t.rec, first), 10);
	/* the end of the ramp: back to 1 and 1, then nothing to write */
	k = t.rec->n;
	ss_run(&t, 80);
	assert_true(t.rec->n > k);
	assert_true(t.rec->changed[k]);
	assert_near(t.rec->at[k], back + 10, 0.11);
	assert_true(t.rec->w[k][0] == 1 && t.rec->w[k][1] == 1);
	assert_int_equal(writes_since(t.rec, k + 1), 0);
	/* only the re-checks, every 5 s, after it */
	assert_true(t.rec->n - k - 1 <= 9);
	/* the dnat events showed each ramped weight */
	for (k = 1; k <= 9; k++) {
		bool found = false;

		for (i = 0; i < t.sent; i++)
			found = found || (t.ev_w[i][0] == 100 &&
			    t.ev_w[i][1] == 10 * k);
		assert_true(found);
	}
	/* the view the console and sample read says the ramp is over */
	assert_near(controller_backend(t.rig.ctl, 0, 1)->ramp, 0, 0);
	ss_clear(&t);
}

/* Down again in the middle of a ramp: out at once; back: a new ramp. */
static void
test_down_during_ramp(void **state)
{
	struct ss_rig t;
	int k;

	(void)state;
	ss_init(&t, true);
	ss_run(&t, 10);
	fake_set(&t.fh, 1, false);
	ss_run(&t, 12);
	fake_set(&t.fh, 1, true);
	ss_run(&t, 17.15);	/* back at 12.1: 50 % */
	assert_true(t.rec->w[t.rec->n - 1][1] == 50);
	fake_set(&t.fh, 1, false);
	ss_run(&t, 18);
	assert_true(t.rec->w[t.rec->n - 1][1] == 0);
	fake_set(&t.fh, 1, true);
	k = t.rec->n;
	ss_run(&t, 18.5);
	assert_true(t.rec->n > k);
	assert_true(t.rec->w[t.rec->n - 1][0] == 100 &&
	    t.rec->w[t.rec->n - 1][1] == 1);
	ss_clear(&t);
}

/* VM a migrates (its backend drained meanwhile): when the migration
 * ends, its backend ramps from 1 % to all over the next 10 s. Without
 * health checks, so the migration alone decides. */
static void
test_ramp_after_migration(void **state)
{
	struct ss_rig t;
	struct diag d;
	int i, k, first = -1;
	double end = -1;

	(void)state;
	ss_init(&t, false);
	ss_run(&t, 10);
	diag_clear(&d);
	assert_int_equal(controller_migrate(t.rig.ctl, "a", "h2", t.rig.now,
	    &d), 0);
	k = t.rec->n;
	assert_true(t.rec->w[k - 1][0] == 0);	/* drained while it moves */
	while (controller_in_flight(t.rig.ctl) > 0 &&
	    helpers_rig_step(&t.rig, 60))
		;
	assert_int_equal(controller_in_flight(t.rig.ctl), 0);
	ss_run(&t, 80);
	for (i = k; i < t.rec->n; i++)
		if (t.rec->w[i][0] > 0) {
			first = i;
			break;
		}
	assert_true(first >= 0);
	end = t.rec->at[first];
	assert_true(t.rec->w[first][0] == 1 && t.rec->w[first][1] == 100);
	for (i = first + 1; i < t.rec->n; i++) {
		if (!t.rec->changed[i])
			continue;
		if (t.rec->at[i] < end + 10 - 0.11)
			/* growing */
			assert_true(t.rec->w[i][0] > t.rec->w[i - 1][0] &&
			    t.rec->w[i][1] == 100);
		else {
			assert_near(t.rec->at[i], end + 10, 0.11);
			assert_true(t.rec->w[i][0] == 1 &&
			    t.rec->w[i][1] == 1);
			assert_int_equal(writes_since(t.rec, i + 1), 0);
			break;
		}
	}
	assert_true(i < t.rec->n);	/* the ramp ended */
	assert_int_equal(writes_since(t.rec, first), 11);
	ss_clear(&t);
}

/* The operator's drain lifted: a ramp too. */
static void
test_ramp_after_drain(void **state)
{
	struct ss_rig t;
	struct diag d;

	(void)state;
	ss_init(&t, true);
	ss_run(&t, 5);
	diag_clear(&d);
	assert_int_equal(controller_drain(t.rig.ctl, 0, 0, true, t.rig.now,
	    &d), 0);
	assert_true(t.rec->w[t.rec->n - 1][0] == 0);
	ss_run(&t, 8);
	assert_int_equal(controller_drain(t.rig.ctl, 0, 0, false, t.rig.now,
	    &d), 0);
	assert_true(t.rec->w[t.rec->n - 1][0] == 1 &&
	    t.rec->w[t.rec->n - 1][1] == 100);
	ss_run(&t, 13.05);
	assert_true(t.rec->w[t.rec->n - 1][0] == 50);
	ss_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factor),
		cmocka_unit_test(test_weights_while_ramping),
		cmocka_unit_test(test_hashed_ramp),
		cmocka_unit_test(test_no_ramp_at_start),
		cmocka_unit_test(test_ramp_after_health_up),
		cmocka_unit_test(test_down_during_ramp),
		cmocka_unit_test(test_ramp_after_migration),
		cmocka_unit_test(test_ramp_after_drain),
	};

	return TAP_RUN(tests);
}
