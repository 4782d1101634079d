/*
 * test_forget.c - the conntrack half of taking a backend out of rotation
 * (engine/controller_forget.c), through the real controller with a
 * health source and a DNAT programmer of the test's own: which backends
 * are handed to forget and with which kinds of entries, how often, what
 * the dnat event says, and that dry runs, observe mode and healthy
 * backends never ask.
 */
#include <stdio.h>

#include "tap.h"
#include "helpers.h"
#include "../../actions/sim_dnat.h"
#include "../../engine/health.h"

#define MAX_CALLS 256

/* The health source: a queue the test fills, connection counts it sets. */
struct fake_health {
	struct health_change q[8];
	size_t nq;
	long conns[4];
};

static size_t
fh_poll(void *impl, struct health_change *out, size_t max)
{
	struct fake_health *h = impl;
	size_t n = h->nq < max ? h->nq : max;

	memcpy(out, h->q, n * sizeof *out);
	h->nq = 0;
	return n;
}

static long
fh_connections(void *impl, size_t s, size_t b)
{
	struct fake_health *h = impl;

	(void)s;
	return h->conns[b];
}

static void
fh_free(void *impl)
{
	(void)impl;
}

static const struct health_ops fh_ops = {
	.poll = fh_poll,
	.connections = fh_connections,
	.free = fh_free,
};

static void
fh_say(struct fake_health *h, size_t b, bool up)
{
	struct health_change *c = &h->q[h->nq++];

	memset(c, 0, sizeof *c);
	c->backend = b;
	c->up = up;
	c->latency_ms = up ? 1.0 : -1;
	if (!up)
		snprintf(c->error, sizeof c->error, "refused");
}

/* One call of forget: per backend asked, "addr:port u|-t|-" . */
struct fake_call {
	double at;
	char what[160];
};

struct fake_dnat {
	struct dnat inner;	/* the simulated rules, for apply */
	const double *now;
	struct fake_call calls[MAX_CALLS];
	int ncalls;
	long deleted;		/* each backend asked reports this many */
	bool fail;
};

static int
fd_apply(void *impl, const struct dnat_service *svcs, size_t n,
    bool *changed, struct diag *d)
{
	struct fake_dnat *f = impl;

	return f->inner.ops->apply(f->inner.impl, svcs, n, changed, d);
}

static int
fd_flush(void *impl, struct diag *d)
{
	struct fake_dnat *f = impl;

	return f->inner.ops->flush(f->inner.impl, d);
}

static void
fd_free(void *impl)
{
	(void)impl;
}

static int
fd_forget(void *impl, struct dnat_forget *t, size_t n, struct diag *d)
{
	struct fake_dnat *f = impl;
	struct fake_call *c;
	size_t i;

	if (f->ncalls < MAX_CALLS) {
		c = &f->calls[f->ncalls];
		c->at = *f->now;
		c->what[0] = '\0';
		for (i = 0; i < n; i++)
			snprintf(c->what + strlen(c->what),
			    sizeof c->what - strlen(c->what), "%s:%ld %c%c ",
			    t[i].address, t[i].port, t[i].udp ? 'u' : '-',
			    t[i].tcp_closed ? 't' : '-');
	}
	f->ncalls++;
	for (i = 0; i < n; i++) {
		t[i].udp_deleted = t[i].udp ? f->deleted : 0;
		t[i].tcp_deleted = t[i].tcp_closed ? f->deleted : 0;
	}
	if (f->fail) {
		diag_set(d, NULL, 0, 0, "conntrack: Operation not permitted");
		return -1;
	}
	return 0;
}

static const struct dnat_ops fd_ops = { fd_apply, fd_flush, fd_free,
	fd_forget };

/* What the sink saw: dnat events that flushed, and errors. */
struct seen {
	int flushes, errors;
	char flushed[256];	/* the last one's backends and counts */
	char message[160];
};

static void
seen_sink(void *arg, const struct event *ev)
{
	struct seen *s = arg;
	size_t i;

	if (ev->type == EV_ERROR)
		s->errors++;
	if (ev->type != EV_DNAT || ev->u.dnat.forgot == NULL)
		return;
	s->flushes++;
	s->flushed[0] = '\0';
	for (i = 0; i < ev->u.dnat.nforgot; i++)
		snprintf(s->flushed + strlen(s->flushed),
		    sizeof s->flushed - strlen(s->flushed), "%s:%ld %ld/%ld ",
		    ev->u.dnat.forgot[i].address, ev->u.dnat.forgot[i].port,
		    ev->u.dnat.forgot[i].udp_deleted,
		    ev->u.dnat.forgot[i].tcp_deleted);
	snprintf(s->message, sizeof s->message, "%s", ev->u.dnat.message);
}

static const char *const SCENARIO =
    "hosts: [{name: h1}, {name: h2}]\n"
    "vms: [{name: w1, host: h1, load: 10}, {name: w2, host: h2, load: 10},\n"
    "      {name: w3, host: h2, load: 10}]\n"
    "policy: {mode: %s}\n"
    "services:\n"
    "  - {name: svc, vip: 198.18.0.1, port: 53, protocol: %s,\n"
    "     backends: [{address: 198.18.1.1, port: 53, vm: w1},\n"
    "                {address: 198.18.1.2, port: 53, vm: w2},\n"
    "                {address: 198.18.1.3, port: 53, vm: w3}]}\n";

struct rig {
	struct config *cfg;
	struct fake_health fh;
	struct health_source hs;
	struct fake_dnat fd;
	struct dnat dn;
	struct seen seen;
	struct event_sink sink;
	struct controller_opts opts;
	struct helpers_rig r;
	double now;
};

/* All three backends up at 0, but silent (-1: none), never checked. */
static struct rig *
rig_new_quiet(const char *mode, const char *proto, bool dry, int silent)
{
	struct rig *g = calloc(1, sizeof *g);
	char yaml[1024];
	int i;

	assert_non_null(g);
	snprintf(yaml, sizeof yaml, SCENARIO, mode, proto);
	g->cfg = helpers_scenario(yaml);
	assert_non_null(g->cfg);
	g->hs = (struct health_source){ &fh_ops, &g->fh };
	assert_int_equal(sim_dnat_init(&g->fd.inner), 0);
	g->fd.now = &g->now;
	g->fd.deleted = 2;
	g->dn = (struct dnat){ &fd_ops, &g->fd };
	g->sink = (struct event_sink){ seen_sink, &g->seen };
	g->opts = (struct controller_opts){ .dry_run = dry, .health = &g->hs,
		.dnat = &g->dn };
	for (i = 0; i < 3; i++) {
		if (i != silent)
			fh_say(&g->fh, (size_t)i, true);
		g->fh.conns[i] = 0;
	}
	helpers_rig_init(&g->r, g->cfg, &g->sink, &g->opts);
	return g;
}

static struct rig *
rig_new(const char *mode, const char *proto, bool dry)
{
	return rig_new_quiet(mode, proto, dry, -1);
}

/* Runs the controller every 0.1 s up to until. */
static void
rig_until(struct rig *g, double until)
{
	while (g->now + 0.1 <= until + 1e-9) {
		g->now += 0.1;
		sim_advance(g->r.sim, g->now);
		controller_run(g->r.ctl, g->now);
	}
}

static void
rig_free(struct rig *g)
{
	controller_free(g->r.ctl);
	g->r.probe.ops->free(g->r.probe.impl);
	sim_free(g->r.sim);
	g->fd.inner.ops->free(g->fd.inner.impl);
	config_free(g->cfg);
	free(g);
}

/* Healthy backends: nothing is ever forgotten. */
static void
test_healthy_never_asks(void **state)
{
	struct rig *g = rig_new("auto", "udp", false);

	(void)state;
	rig_until(g, 10);
	assert_int_equal(g->fd.ncalls, 0);
	assert_int_equal(g->seen.flushes, 0);
	rig_free(g);
}

/* A backend not checked yet gets no new connections, but is not known
 * to be out: what the kernel tracks of it stays (a vmbal that restarts
 * does not cut the flows of the one before). */
static void
test_unchecked_left_alone(void **state)
{
	struct rig *g = rig_new_quiet("auto", "udp", false, 1);

	(void)state;
	rig_until(g, 10);
	assert_int_equal(g->fd.ncalls, 0);
	rig_free(g);
}

/* A UDP backend that goes down: its UDP flows and finished TCP entries,
 * at once (the same run as the rules that took it out), then once a
 * second while it stays down; the dnat event says what went. */
static void
test_down_forgets_udp(void **state)
{
	struct rig *g = rig_new("auto", "udp", false);
	int i;

	(void)state;
	rig_until(g, 2);
	fh_say(&g->fh, 1, false);
	rig_until(g, 2.1);
	assert_int_equal(g->fd.ncalls, 1);
	assert_near(g->fd.calls[0].at, 2.1, 1e-6);
	assert_string_equal(g->fd.calls[0].what, "198.18.1.2:53 ut ");
	assert_int_equal(g->seen.flushes, 1);
	assert_string_equal(g->seen.flushed, "198.18.1.2:53 2/2 ");
	assert_string_equal(g->seen.message, "forgot 2 UDP flows and 2 "
	    "finished TCP connections of backends out of rotation");
	rig_until(g, 6.15);
	assert_int_equal(g->fd.ncalls, 5);	/* 2.1, 3.1, 4.1, 5.1, 6.1 */
	for (i = 1; i < 4; i++)
		assert_near(g->fd.calls[i].at - g->fd.calls[i - 1].at, 1.0,
		    1e-6);
	/* nothing deleted: no event */
	g->fd.deleted = 0;
	i = g->seen.flushes;
	rig_until(g, 9);
	assert_int_equal(g->seen.flushes, i);
	/* back up: asked no more */
	fh_say(&g->fh, 1, true);
	rig_until(g, 9.2);
	i = g->fd.ncalls;
	rig_until(g, 14);
	assert_int_equal(g->fd.ncalls, i);
	rig_free(g);
}

/* A drained TCP backend with connections open: only its finished TCP
 * entries, until its last connection ends; then its UDP ones too. */
static void
test_drained_tcp_waits_for_connections(void **state)
{
	struct rig *g = rig_new("auto", "tcp", false);
	struct diag d;

	(void)state;
	g->fh.conns[2] = 3;
	rig_until(g, 3);
	assert_int_equal(controller_drain(g->r.ctl, 0, 2, true, g->now, &d),
	    0);
	assert_int_equal(g->fd.ncalls, 1);	/* with the drain itself */
	assert_string_equal(g->fd.calls[0].what, "198.18.1.3:53 -t ");
	rig_until(g, 5);
	assert_string_equal(g->fd.calls[g->fd.ncalls - 1].what,
	    "198.18.1.3:53 -t ");
	g->fh.conns[2] = 0;	/* counted at the next analysis tick */
	rig_until(g, 25);
	assert_string_equal(g->fd.calls[g->fd.ncalls - 1].what,
	    "198.18.1.3:53 ut ");
	rig_free(g);
}

/* A drained UDP backend: its flows go at once, whatever TCP says. */
static void
test_drained_udp_at_once(void **state)
{
	struct rig *g = rig_new("auto", "udp", false);
	struct diag d;

	(void)state;
	g->fh.conns[0] = 5;
	rig_until(g, 1);
	assert_int_equal(controller_drain(g->r.ctl, 0, 0, true, g->now, &d),
	    0);
	assert_int_equal(g->fd.ncalls, 1);
	assert_string_equal(g->fd.calls[0].what, "198.18.1.1:53 ut ");
	rig_free(g);
}

/* Dry runs and observe mode never touch the kernel. */
static void
test_dry_and_observe_never_ask(void **state)
{
	struct rig *g = rig_new("auto", "udp", true);
	struct rig *o = rig_new("observe", "udp", false);

	(void)state;
	fh_say(&g->fh, 0, false);
	fh_say(&o->fh, 0, false);
	rig_until(g, 5);
	rig_until(o, 5);
	assert_int_equal(g->fd.ncalls, 0);
	assert_int_equal(o->fd.ncalls, 0);
	rig_free(g);
	rig_free(o);
}

/* A failing forget is said once, not every second. */
static void
test_failure_said_once(void **state)
{
	struct rig *g = rig_new("auto", "udp", false);

	(void)state;
	g->fd.fail = true;
	g->fd.deleted = 0;
	fh_say(&g->fh, 0, false);
	rig_until(g, 6);
	assert_true(g->fd.ncalls >= 5);
	assert_int_equal(g->seen.errors, 1);
	rig_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_never_asks),
		cmocka_unit_test(test_unchecked_left_alone),
		cmocka_unit_test(test_down_forgets_udp),
		cmocka_unit_test(test_drained_tcp_waits_for_connections),
		cmocka_unit_test(test_drained_udp_at_once),
		cmocka_unit_test(test_dry_and_observe_never_ask),
		cmocka_unit_test(test_failure_said_once),
	};

	return TAP_RUN(tests);
}
