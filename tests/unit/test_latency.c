/*
 * test_latency.c - health-check latency refreshed on every check (issue
 * 15): the smoothed latency is the mean of the last `window` passing
 * checks; the weighed one follows it only past the band (latency.h); a
 * down backend forgets its checks. Through the controller, with a health
 * source that reports every check: the weights of a lowest-latency
 * service follow a backend that turns slow, noise re-programs nothing,
 * and every sample carries each backend's smoothed latency and weight.
 */
#include <stdio.h>

#include "tap.h"
#include "helpers.h"
#include "../../actions/sim_dnat.h"
#include "../../engine/latency.h"

static struct backend_view
view(void)
{
	struct backend_view v;

	memset(&v, 0, sizeof v);
	v.health = BH_UP;
	v.latency_ms = -1;
	v.smooth_ms = -1;
	v.conns = -1;
	return v;
}

static void
test_mean_of_window(void **state)
{
	struct window w;
	struct backend_view v = view();
	double ms[6] = { 1, 1, 1, 1, 9, 9 };

	(void)state;
	assert_int_equal(window_init(&w, 4), 0);
	assert_true(latency_add(&w, &v, ms, 4));	/* first: taken */
	assert_true(v.smooth_ms == 1 && v.latency_ms == 1);
	assert_false(latency_add(&w, &v, ms, 0));	/* no check: no change */
	assert_true(latency_add(&w, &v, ms + 4, 1));	/* 1 1 1 9 */
	assert_true(v.smooth_ms == 3 && v.latency_ms == 3);
	assert_true(latency_add(&w, &v, ms + 4, 2));	/* 1 9 9 9 */
	assert_true(v.smooth_ms == 7 && v.latency_ms == 7);
	window_fini(&w);
}

static void
test_band(void **state)
{
	struct window w;
	struct backend_view v = view();
	double a = 1.0, b = 1.1, slow = 2.0;
	int i;

	(void)state;
	assert_int_equal(window_init(&w, 10), 0);
	assert_true(latency_add(&w, &v, &a, 1));
	/* noise of 10 %: the smoothed latency moves, the weighed stays */
	for (i = 0; i < 50; i++) {
		assert_false(latency_add(&w, &v, i % 2 ? &a : &b, 1));
		assert_true(v.latency_ms == 1.0);
	}
	assert_true(v.smooth_ms > 1.0 && v.smooth_ms < 1.1);
	/* twice as slow: followed once the mean is past 20 % + 0.2 ms */
	for (i = 0; i < 10 && !latency_add(&w, &v, &slow, 1); i++)
		;
	assert_true(i < 10 && v.latency_ms > 1.4 && v.latency_ms < 2.0);
	assert_true(latency_moved(1.0, 1.41) && !latency_moved(1.0, 1.39));
	assert_true(latency_moved(-1, 0.5) && !latency_moved(1.0, -1));
	window_fini(&w);
}

static void
test_forget(void **state)
{
	struct window w;
	struct backend_view v = view();
	double a = 50, b = 2;

	(void)state;
	assert_int_equal(window_init(&w, 10), 0);
	latency_add(&w, &v, &a, 1);
	latency_forget(&w, &v);
	assert_true(v.smooth_ms < 0 && v.latency_ms < 0);
	assert_true(latency_add(&w, &v, &b, 1));	/* back: fresh */
	assert_true(v.smooth_ms == 2 && v.latency_ms == 2);
	window_fini(&w);
}

/* A health source: both backends up at once, then one passing check per
 * run with the latency lat[b] (noise: alternately +10 %). */
struct fake {
	bool said;
	double lat[2];
	int reads[2];
	bool noise;
};

static size_t
fake_poll(void *impl, struct health_change *out, size_t max)
{
	struct fake *f = impl;
	size_t i;

	if (f->said || max < 2)
		return 0;
	f->said = true;
	for (i = 0; i < 2; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].service = 0;
		out[i].backend = i;
		out[i].up = true;
		out[i].latency_ms = f->lat[i];
	}
	return 2;
}

static size_t
fake_latencies(void *impl, size_t s, size_t b, double *out, size_t max)
{
	struct fake *f = impl;

	(void)s;
	if (max < 1 || b > 1)
		return 0;
	out[0] = f->lat[b];
	if (f->noise && f->reads[b]++ % 2)
		out[0] *= 1.1;
	return 1;
}

static void
fake_free(void *impl)
{
	(void)impl;
}

static const struct health_ops fake_ops = {
	.poll = fake_poll,
	.latencies = fake_latencies,
	.free = fake_free,
};

#define MAXEV 512

struct seen {
	int ndnat;
	double dnat_ts[MAXEV];
	long dnat_w[MAXEV][2];
	int nsample;
	double sample_lat[2], sample_w[2];
	int sample_nsvc;
};

static void
seen_sink(void *arg, const struct event *ev)
{
	struct seen *s = arg;
	size_t i;

	if (ev->type == EV_DNAT && s->ndnat < MAXEV) {
		for (i = 0; i < 2; i++)
			s->dnat_w[s->ndnat][i] = ev->u.dnat.svc->backends[i].weight;
		s->dnat_ts[s->ndnat++] = ev->ts;
	} else if (ev->type == EV_SAMPLE) {
		s->nsample++;
		s->sample_nsvc = (int)ev->u.sample.nservices;
		for (i = 0; s->sample_nsvc == 1 && i < 2; i++) {
			s->sample_lat[i] = ev->u.sample.views[0][i].smooth_ms;
			s->sample_w[i] = ev->u.sample.services[0].backends[i].weight;
		}
	}
}

static const char *const SVC =
    "hosts: [{name: h1}]\n"
    "vms: [{name: w1, host: h1, load: 10}, {name: w2, host: h1, load: 10}]\n"
    "policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}\n"
    "services:\n"
    "  - {name: web, vip: 198.18.0.1, port: 80, algorithm: lowest-latency,\n"
    "     backends: [{address: 198.18.1.1, vm: w1}, {address: 198.18.1.2, vm: w2}]}\n";

/* Runs for `until` s; from slow_at on, backend 2 answers in 10 ms. */
static void
run(double until, double slow_at, bool noise, struct seen *seen)
{
	struct config *cfg = helpers_scenario(SVC);
	struct event_sink sink = { seen_sink, seen };
	struct fake f = { .lat = { 1, 1 }, .noise = noise };
	struct health_source hs = { &fake_ops, &f };
	struct dnat dn;
	struct controller_opts opts = { .dnat = &dn, .health = &hs };
	struct controller *ctl;
	struct probe probe;
	struct action action;
	struct sim *sim;
	double now = 0, next;

	assert_non_null(cfg);
	memset(seen, 0, sizeof *seen);
	assert_int_equal(sim_dnat_init(&dn), 0);
	sim = sim_new(cfg);
	assert_non_null(sim);
	assert_int_equal(sim_probe_init(&probe, sim), 0);
	sim_action_init(&action, sim);
	ctl = controller_new(cfg, &cfg->policy, &probe, &action, &sink, &opts);
	assert_non_null(ctl);
	controller_run(ctl, 0);
	while ((next = controller_next_due(ctl)) <= until + 1e-9) {
		now = next;
		if (slow_at >= 0 && now >= slow_at)
			f.lat[1] = 10;
		sim_advance(sim, now);
		controller_run(ctl, now);
	}
	controller_free(ctl);
	probe.ops->free(probe.impl);
	sim_free(sim);
	dn.ops->free(dn.impl);
	config_free(cfg);
}

static void
test_weights_follow(void **state)
{
	struct seen *s = calloc(1, sizeof *s);
	int i, after = 0;

	(void)state;
	run(40, 20, false, s);
	assert_true(s->ndnat >= 2);
	/* equal at first */
	assert_true(s->dnat_w[0][0] == s->dnat_w[0][1]);
	for (i = 0; i < s->ndnat; i++)
		if (s->dnat_ts[i] >= 20) {
			after++;
			/* each re-programming gives backend 2 less */
			assert_true(s->dnat_w[i][1] <= s->dnat_w[i][0]);
		} else
			assert_true(s->dnat_w[i][0] == s->dnat_w[i][1]);
	assert_true(after >= 1 && after <= 10);
	/* 10 times slower: about a tenth the weight (the weighed latency
	 * stops within the band of the smoothed one: 8.1 ms or more) */
	assert_true(s->dnat_w[s->ndnat - 1][0] >= 81 &&
	    s->dnat_w[s->ndnat - 1][0] <= 100);
	assert_int_equal(s->dnat_w[s->ndnat - 1][1], 10);
	/* and the samples say it: the smoothed latency, the weights */
	assert_int_equal(s->sample_nsvc, 1);
	assert_true(s->sample_lat[0] == 1 && s->sample_lat[1] == 10);
	assert_true(s->sample_w[0] == s->dnat_w[s->ndnat - 1][0] &&
	    s->sample_w[1] == 10);
	free(s);
}

static void
test_noise_programs_nothing(void **state)
{
	struct seen *s = calloc(1, sizeof *s);

	(void)state;
	run(40, -1, true, s);
	assert_int_equal(s->ndnat, 1);	/* the first apply only */
	assert_true(s->sample_lat[0] > 1.0 && s->sample_lat[0] < 1.1);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_of_window),
		cmocka_unit_test(test_band),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_weights_follow),
		cmocka_unit_test(test_noise_programs_nothing),
	};

	return TAP_RUN(tests);
}
