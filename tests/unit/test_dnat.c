/*
 * test_dnat.c - the controller keeps the services' rules in force (issue
 * 11): it re-applies the unchanged state every few seconds, and when the
 * programmer had to write (the rules were changed by hand: the simulated
 * DNAT's drift) it says so with a dnat event marked repaired. Also the
 * configuration's tag the chains are named with, the tags the libiptc
 * programmer accepts, and the described rules (actions/dnat_rules.c):
 * every chain and jump carries the tag, and only this tag's chains and
 * the untagged legacy ones count as the configuration's; and the
 * dispatch of VMBAL-T-SERVICES (flat up to DNAT_FLAT_MAX services, then
 * groups of ceil(sqrt(n))), walked as the kernel walks it: every service
 * reached, and only by its own packets. No root needed.
 */
#include <stdio.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter/xt_cluster.h>
#include <unistd.h>

#include "tap.h"
#include "helpers.h"
#include "../../actions/dnat_iptc.h"
#include "../../actions/dnat_rules.h"
#include "../../actions/sim_dnat.h"
#include "../../engine/buckets.h"
#include "../../cli/cluster_tag.h"
#include "../../cli/lease.h"

#define MAX_APPLIES 256
#define MAX_EVENTS 256

/* The simulated DNAT, with every apply recorded (when, what it said). */
struct counted {
	struct dnat inner;
	const double *now;
	int napplies;
	double at[MAX_APPLIES];
	bool changed[MAX_APPLIES];
};

static int
counted_apply(void *impl, const struct dnat_service *svcs, size_t n,
    bool *changed, struct diag *d)
{
	struct counted *c = impl;
	int rc = c->inner.ops->apply(c->inner.impl, svcs, n, changed, d);

	if (c->napplies < MAX_APPLIES) {
		c->at[c->napplies] = *c->now;
		c->changed[c->napplies] = *changed;
	}
	c->napplies++;
	return rc;
}

static int
counted_flush(void *impl, struct diag *d)
{
	struct counted *c = impl;

	return c->inner.ops->flush(c->inner.impl, d);
}

static void
counted_free(void *impl)
{
	(void)impl;
}

static const struct dnat_ops counted_ops = { counted_apply, counted_flush,
	counted_free, NULL };

struct seen_dnat {
	double ts;
	char service[32];
	bool applied, repaired;
	char message[128];
};

struct seen {
	int n;
	struct seen_dnat ev[MAX_EVENTS];
};

static void
seen_sink(void *arg, const struct event *ev)
{
	struct seen *s = arg;
	struct seen_dnat *e;

	if (ev->type != EV_DNAT || s->n >= MAX_EVENTS)
		return;
	e = &s->ev[s->n++];
	e->ts = ev->ts;
	snprintf(e->service, sizeof e->service, "%s", ev->u.dnat.svc->name);
	e->applied = ev->u.dnat.applied;
	e->repaired = ev->u.dnat.repaired;
	snprintf(e->message, sizeof e->message, "%s",
	    ev->u.dnat.message != NULL ? ev->u.dnat.message : "");
}

/* Two services, no imbalance: after the first apply nothing changes. */
static const char *const TWO_SERVICES =
    "hosts: [{name: h1}, {name: h2}]\n"
    "vms: [{name: w1, host: h1, load: 10}, {name: w2, host: h2, load: 10}]\n"
    "policy: {mode: auto}\n"
    "services:\n"
    "  - {name: web, vip: 198.18.0.1, port: 80,\n"
    "     backends: [{address: 198.18.1.1, vm: w1}, {address: 198.18.1.2, vm: w2}]}\n"
    "  - {name: dns, vip: 198.18.0.2, port: 53, protocol: udp,\n"
    "     backends: [{address: 198.18.1.1, port: 53, vm: w1}]}\n";

/*
 * Runs the scenario for `until` seconds with the counted simulated DNAT;
 * at drift_at (< 0: never) the rules are changed by hand. dry: --dry-run.
 */
static void
run(double until, double drift_at, bool dry, struct counted *cd,
    struct seen *seen)
{
	struct config *cfg = helpers_scenario(TWO_SERVICES);
	struct event_sink sink = { seen_sink, seen };
	struct dnat dn = { &counted_ops, cd };
	struct controller_opts opts = { .dnat = &dn, .dry_run = dry };
	struct controller *ctl;
	struct probe probe;
	struct action action;
	struct sim *sim;
	double now = 0, next;
	bool drifted = drift_at < 0;

	assert_non_null(cfg);
	memset(cd, 0, sizeof *cd);
	memset(seen, 0, sizeof *seen);
	assert_int_equal(sim_dnat_init(&cd->inner), 0);
	cd->now = &now;
	sim = sim_new(cfg);
	assert_non_null(sim);
	assert_int_equal(sim_probe_init(&probe, sim), 0);
	sim_action_init(&action, sim);
	ctl = controller_new(cfg, &cfg->policy, &probe, &action, &sink, &opts);
	assert_non_null(ctl);
	controller_run(ctl, 0);
	while ((next = controller_next_due(ctl)) <= until + 1e-9) {
		assert_true(next > now);	/* never a busy loop */
		if (!drifted && next >= drift_at) {
			sim_dnat_drift(&cd->inner);
			drifted = true;
		}
		now = next;
		sim_advance(sim, now);
		controller_run(ctl, now);
	}
	controller_free(ctl);
	probe.ops->free(probe.impl);
	sim_free(sim);
	cd->inner.ops->free(cd->inner.impl);
	config_free(cfg);
}

/* The unchanged state is re-applied every 5 s, and says nothing. */
static void
test_reapplied_on_schedule(void **state)
{
	struct counted *cd = calloc(1, sizeof *cd);
	struct seen *seen = calloc(1, sizeof *seen);
	int i;

	(void)state;
	run(60, -1, false, cd, seen);
	/* at 0 (the first), then 5, 10, ... 60 */
	assert_int_equal(cd->napplies, 13);
	assert_near(cd->at[0], 0, 1e-9);
	assert_true(cd->changed[0]);
	for (i = 1; i < cd->napplies; i++) {
		assert_near(cd->at[i] - cd->at[i - 1], 5.0, 1e-6);
		assert_false(cd->changed[i]);	/* nothing to write */
	}
	/* one event per service for the first apply, none for re-applies */
	assert_int_equal(seen->n, 2);
	for (i = 0; i < seen->n; i++) {
		assert_true(seen->ev[i].applied);
		assert_false(seen->ev[i].repaired);
		assert_string_equal(seen->ev[i].message, "");
	}
	free(cd);
	free(seen);
}

/* Rules changed by hand at 21.3 s are restored at the next check (25 s),
 * with one dnat event per service that says repaired. */
static void
test_drift_repaired(void **state)
{
	struct counted *cd = calloc(1, sizeof *cd);
	struct seen *seen = calloc(1, sizeof *seen);
	int i, repaired = 0;

	(void)state;
	run(60, 21.3, false, cd, seen);
	assert_int_equal(seen->n, 4);
	for (i = 0; i < seen->n; i++) {
		assert_true(seen->ev[i].applied);
		if (!seen->ev[i].repaired) {
			assert_near(seen->ev[i].ts, 0, 1e-9);
			continue;
		}
		repaired++;
		assert_true(seen->ev[i].ts > 21.3);
		assert_near(seen->ev[i].ts, 25.0, 1e-6);
		assert_string_equal(seen->ev[i].message,
		    "rules restored: they had been changed outside vmbal");
	}
	assert_int_equal(repaired, 2);
	assert_string_equal(seen->ev[2].service, "web");
	assert_string_equal(seen->ev[3].service, "dns");
	/* exactly one apply wrote after the first: the repair */
	for (i = 1, repaired = 0; i < cd->napplies; i++)
		repaired += cd->changed[i];
	assert_int_equal(repaired, 1);
	free(cd);
	free(seen);
}

/* --dry-run never touches the rules: no apply, no re-apply. */
static void
test_dry_run_never_reapplies(void **state)
{
	struct counted *cd = calloc(1, sizeof *cd);
	struct seen *seen = calloc(1, sizeof *seen);

	(void)state;
	run(60, 21.3, true, cd, seen);
	assert_int_equal(cd->napplies, 0);
	free(cd);
	free(seen);
}

/* The tag: six hex digits of the configuration's real path, the lease's
 * first six, one per file whatever path reaches it. */
static void
test_cluster_tag(void **state)
{
	char dir[] = "/tmp/vbdn-tag-XXXXXX", a[300], b[300], link[300],
	    rel[300], ta[16], tb[16], tl[16], tr[16], err[256];
	const char *lp;
	struct lease *l;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/vmbal.yaml", dir);
	snprintf(b, sizeof b, "%s/sub", dir);
	assert_int_equal(mkdir(b, 0700), 0);
	snprintf(b, sizeof b, "%s/sub/vmbal.yaml", dir);
	snprintf(link, sizeof link, "%s/link.yaml", dir);
	snprintf(rel, sizeof rel, "%s/sub/../vmbal.yaml", dir);
	f = fopen(a, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(b, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(symlink(a, link), 0);
	cluster_tag(a, ta, sizeof ta);
	cluster_tag(b, tb, sizeof tb);
	cluster_tag(link, tl, sizeof tl);
	cluster_tag(rel, tr, sizeof tr);
	assert_int_equal(strlen(ta), CLUSTER_TAG_LEN);
	assert_int_equal(strspn(ta, "0123456789abcdef"), CLUSTER_TAG_LEN);
	assert_string_not_equal(ta, tb);	/* same name, another place */
	assert_string_equal(ta, tl);		/* the same file */
	assert_string_equal(ta, tr);
	/* the lease of the same configuration: <name>-<8 hex>.lock */
	setenv("VMBAL_LEASE_DIR", dir, 1);
	l = lease_new(a, err, sizeof err);
	assert_non_null(l);
	lp = strrchr(lease_path(l), '-');
	assert_non_null(lp);
	assert_memory_equal(lp + 1, ta, CLUSTER_TAG_LEN);
	unlink(lease_path(l));
	lease_free(l);
	unsetenv("VMBAL_LEASE_DIR");
	unlink(link);
	unlink(a);
	unlink(b);
	snprintf(b, sizeof b, "%s/sub", dir);
	rmdir(b);
	rmdir(dir);
}

/* The libiptc programmer takes only tags that cannot be mistaken for a
 * legacy chain name or another tag's prefix. */
static void
test_iptc_tags(void **state)
{
	static const char *const bad[] = { "", "ABC123", "a-b", "123456789",
		"ab_c", "ab c" };
	struct dnat dn;
	struct diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		diag_clear(&d);
		assert_int_equal(dnat_iptc_init(&dn, bad[i], &d), -1);
		assert_non_null(strstr(d.msg, "tag"));
	}
	assert_int_equal(dnat_iptc_init(&dn, NULL, &d), -1);
	assert_int_equal(dnat_iptc_init(&dn, "1a2b3c", &d), 0);
	dn.ops->free(dn.impl);
	assert_int_equal(dnat_iptc_init(&dn, "12345678", &d), 0);
	dn.ops->free(dn.impl);
}

static const char *
target_of(const struct ipt_entry *e)
{
	const struct xt_entry_target *t = (const void *)((const char *)e +
	    e->target_offset);

	return t->u.user.name;
}

/* Every chain and every jump of the description is the tag's. */
static void
test_rules_tagged(void **state)
{
	struct dnat_backend web[] = {
		{ "198.18.1.1", 8080, 1, true }, { "198.18.1.2", 8080, 1, false },
		{ "198.18.1.3", 8080, 2, true },
	};
	struct dnat_backend dns[] = { { "198.18.1.1", 53, 1, true } };
	struct dnat_service svcs[] = {
		{ "web", "198.18.0.1", 80, PROTO_TCP, ALGO_WEIGHTED, 0, true,
		    web, 3 },
		{ "dns", "198.18.0.2", 53, PROTO_UDP, ALGO_ROUND_ROBIN, 0, false,
		    dns, 1 },
	};
	static const char *const want[] = { "VMBAL-abc123-SERVICES",
		"VMBAL-abc123-POSTROUTING", "VMBAL-abc123-SVC-0",
		"VMBAL-abc123-SEP-0-0", "VMBAL-abc123-SEP-0-2",
		"VMBAL-abc123-SVC-1", "VMBAL-abc123-SEP-1-0" };
	struct dnat_names nm;
	struct dnat_want w;
	struct diag d;
	size_t i, jumps = 0;

	(void)state;
	diag_clear(&d);
	assert_int_equal(dnat_names_init(&nm, "abc123", &d), 0);
	assert_string_equal(nm.services, "VMBAL-abc123-SERVICES");
	assert_string_equal(nm.post, "VMBAL-abc123-POSTROUTING");
	assert_int_equal(dnat_rules_build(&w, &nm, svcs, 2, &d), 0);
	assert_int_equal(w.nchains, sizeof want / sizeof want[0]);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_int_not_equal(dnat_want_chain_index(&w, want[i]),
		    (size_t)-1);
	assert_true(w.snat);
	for (i = 0; i < w.nrules; i++) {
		if (!w.rules[i].jump)
			continue;
		jumps++;
		assert_memory_equal(target_of(w.rules[i].e), "VMBAL-abc123-",
		    13);
		assert_int_not_equal(dnat_want_chain_index(&w,
		    target_of(w.rules[i].e)), (size_t)-1);
	}
	/* SERVICES 2, web: 2 picks, dns: 1 pick */
	assert_int_equal(jumps, 5);
	dnat_want_free(&w);
	/* a bad backend fails before anything is described */
	web[0].address = "198.18.1.999";
	assert_int_equal(dnat_rules_build(&w, &nm, svcs, 2, &d), -1);
	assert_non_null(strstr(d.msg, "bad backend"));
}

/* The cluster match of rule e, or NULL. */
static const struct xt_cluster_match_info *
cluster_of(const struct ipt_entry *e)
{
	for (size_t off = sizeof *e; off < e->target_offset;) {
		const struct xt_entry_match *m = (const void *)((const char *)e +
		    off);

		assert_string_not_equal(m->u.user.name, "recent");
		if (strcmp(m->u.user.name, "cluster") == 0) {
			assert_int_equal(m->u.user.match_size,
			    XT_ALIGN(sizeof *m) + XT_ALIGN(sizeof(
			    struct xt_cluster_match_info)));
			return (const void *)m->data;
		}
		off += m->u.user.match_size;
	}
	return NULL;
}

/*
 * The kernel's walk for a client whose xt_cluster hashes are h1 (seed
 * 1) and h2 (seed 2): from chain, the first rule that matches, down to a
 * SEP chain; returns its backend number, or -1. Counts rules looked at.
 */
static int
walk(const struct dnat_want *w, const char *chain, uint32_t seed1,
    unsigned h1, unsigned h2, size_t *looked)
{
	size_t c = dnat_want_chain_index(w, chain);
	const char *sep = strstr(chain, "-SEP-");

	if (sep != NULL)
		return atoi(strrchr(chain, '-') + 1);
	assert_int_not_equal(c, (size_t)-1);
	for (size_t r = w->first[c]; r < w->first[c + 1]; r++) {
		const struct ipt_entry *e = w->rules[w->order[r]].e;
		const struct xt_cluster_match_info *cl = cluster_of(e);

		(*looked)++;
		if (cl != NULL) {
			unsigned h = cl->hash_seed == seed1 ? h1 : h2;

			assert_int_equal(cl->total_nodes, 32);
			if (!(cl->node_mask & (1u << h)))
				continue;
		}
		assert_true(w->rules[w->order[r]].jump);
		return walk(w, target_of(e), seed1, h1, h2, looked);
	}
	return -1;
}

/* The buckets source-hash over these backends gives each (h1, h2). */
static void
expected(const struct dnat_backend *b, size_t n, uint32_t *table)
{
	struct buckets_member m[16];
	char keys[16][32];

	for (size_t k = 0; k < n; k++) {
		snprintf(keys[k], sizeof keys[k], "%s:%ld", b[k].address,
		    b[k].port);
		m[k].key = keys[k];
		m[k].weight = b[k].up ? (double)b[k].weight : 0;
	}
	buckets_table(m, n, table, BUCKETS_M);
}

/*
 * source-hash over ten backends: every one of the 1,024 buckets reaches
 * the backend the table names, within 32 + 10 rules, with no xt_recent;
 * one backend down moves only its buckets; persistence_s on weighted
 * hashes too, with the weights; one backend: one unconditional jump.
 */
static void
test_rules_hashed(void **state)
{
	struct dnat_backend b[10];
	char addr[10][32];
	struct dnat_service s = { "web", "198.18.0.1", 80, PROTO_UDP,
		ALGO_SOURCE_HASH, 0, false, b, 10 };
	uint32_t table[BUCKETS_M], seed1 = buckets_seed("web", 1);
	int first[BUCKETS_M];
	struct dnat_names nm;
	struct dnat_want w;
	struct diag d;
	size_t looked, most = 0, moved = 0;
	char svc[64];

	(void)state;
	for (size_t k = 0; k < 10; k++) {
		snprintf(addr[k], sizeof addr[k], "198.18.1.%zu", k + 1);
		b[k] = (struct dnat_backend){ addr[k], 8080, 1, true };
	}
	assert_int_equal(dnat_names_init(&nm, "abc123", &d), 0);
	snprintf(svc, sizeof svc, "%sSVC-0", nm.prefix);
	assert_int_equal(dnat_rules_build(&w, &nm, &s, 1, &d), 0);
	expected(b, 10, table);
	for (unsigned x = 0; x < BUCKETS_M; x++) {
		looked = 0;
		first[x] = walk(&w, svc, seed1, x / 32, x % 32, &looked);
		assert_int_equal(first[x], (int)table[x]);
		most = looked > most ? looked : most;
	}
	assert_true(most <= 32 + 10);
	dnat_want_free(&w);

	b[3].up = false;
	assert_int_equal(dnat_rules_build(&w, &nm, &s, 1, &d), 0);
	for (unsigned x = 0; x < BUCKETS_M; x++) {
		looked = 0;
		int k = walk(&w, svc, seed1, x / 32, x % 32, &looked);

		assert_int_not_equal(k, 3);
		if (k != first[x]) {
			assert_int_equal(first[x], 3);
			moved++;
		}
	}
	assert_true(moved > 50 && moved < 160);	/* its ~102 buckets */
	dnat_want_free(&w);

	b[3].up = true;
	b[0].weight = 3;
	s.algorithm = ALGO_WEIGHTED;
	s.persistence_s = 60;
	assert_int_equal(dnat_rules_build(&w, &nm, &s, 1, &d), 0);
	expected(b, 10, table);
	for (unsigned x = 0; x < BUCKETS_M; x++) {
		looked = 0;
		assert_int_equal(walk(&w, svc, seed1, x / 32, x % 32, &looked),
		    (int)table[x]);
	}
	dnat_want_free(&w);

	s.nbackends = 1;
	assert_int_equal(dnat_rules_build(&w, &nm, &s, 1, &d), 0);
	size_t c = dnat_want_chain_index(&w, svc);
	assert_int_equal(w.first[c + 1] - w.first[c], 1);
	assert_null(cluster_of(w.rules[w.order[w.first[c]]].e));
	dnat_want_free(&w);

	/* round-robin without persistence: statistic, no cluster */
	s.nbackends = 10;
	s.algorithm = ALGO_ROUND_ROBIN;
	s.persistence_s = 0;
	assert_int_equal(dnat_rules_build(&w, &nm, &s, 1, &d), 0);
	for (size_t r = 0; r < w.nrules; r++)
		assert_null(cluster_of(w.rules[r].e));
	dnat_want_free(&w);
}

/* Whose chains an apply of tag abc123 rewrites. */
static void
test_rules_owned(void **state)
{
	static const char *const yes[] = { "VMBAL-abc123-SERVICES",
		"VMBAL-abc123-SEP-0-1", "VMBAL-abc123-ANYTHING",
		/* an older vmbal's, untagged */
		"VMBAL-SERVICES", "VMBAL-POSTROUTING", "VMBAL-SVC-0",
		"VMBAL-SVC-123", "VMBAL-SEP-3-14" };
	static const char *const no[] = { "VMBAL-def456-SERVICES",
		"VMBAL-abc12-SERVICES", "VMBAL-abc1234-SERVICES",
		"VMBAL-SVC-", "VMBAL-SVC-1x", "VMBAL-SEP-1", "VMBAL-SEP-1-",
		"VMBAL-SEP--2", "VMBAL-FOO", "VMBAL-SERVICES2", "FOREIGN",
		"PREROUTING", "", "DNAT" };
	struct dnat_names nm;
	struct diag d;
	size_t i;

	(void)state;
	assert_int_equal(dnat_names_init(&nm, "abc123", &d), 0);
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!dnat_rules_owned(&nm, yes[i]))
			fail_msg("%s: not owned", yes[i]);
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (dnat_rules_owned(&nm, no[i]))
			fail_msg("%s: owned", no[i]);
	assert_false(dnat_rules_owned(&nm, NULL));
}

/* --- the dispatch of VMBAL-T-SERVICES (issue 15) --------------------- */

#define MAXSVC 1100

static struct dnat_backend one_up[] = { { .address = "198.18.1.1",
	.port = 8080, .weight = 1, .up = true } };
static struct dnat_backend none_up[] = { { .address = "198.18.1.1",
	.port = 8080, .weight = 1, .up = false } };
static struct dnat_service many[MAXSVC];
static char many_vip[MAXSVC][16], many_name[MAXSVC][16];

/* Service i: VIP vips[i] (dotted), port, protocol; all eligible. */
static void
many_set(size_t i, const char *vip, long port, enum svc_protocol p)
{
	snprintf(many_vip[i], sizeof many_vip[i], "%s", vip);
	snprintf(many_name[i], sizeof many_name[i], "s%zu", i);
	many[i] = (struct dnat_service){ .name = many_name[i],
		.vip = many_vip[i], .port = port, .protocol = p,
		.algorithm = ALGO_ROUND_ROBIN, .backends = one_up,
		.nbackends = 1 };
}

static int
match_ok(const struct xt_entry_match *m, uint32_t dst, uint8_t proto,
    uint16_t port)
{
	if (strcmp(m->u.user.name, "tcp") == 0 ||
	    strcmp(m->u.user.name, "udp") == 0) {
		const struct xt_tcp *t = (const void *)m->data;

		/* xt_tcp and xt_udp begin alike: spts, dpts */
		assert_int_equal(proto == IPPROTO_TCP ? 0 : 1,
		    strcmp(m->u.user.name, "tcp") == 0 ? 0 : 1);
		return port >= t->dpts[0] && port <= t->dpts[1];
	}
	if (strcmp(m->u.user.name, "iprange") == 0) {
		const struct xt_iprange_mtinfo *r = (const void *)m->data;

		assert_int_equal(m->u.user.revision, 1);
		assert_int_equal(r->flags, IPRANGE_DST);
		return ntohl(dst) >= ntohl(r->dst_min.ip) &&
		    ntohl(dst) <= ntohl(r->dst_max.ip);
	}
	fail_msg("unexpected match %s", m->u.user.name);
	return 0;
}

/*
 * The chain a connection's first packet (dst in network order) reaches
 * from chain c, walked as the kernel walks the table: a jump to a chain
 * that matches nothing returns to the next rule. Stops at the first
 * VMBAL-T-SVC- chain (its name), NULL when none; *checked counts the
 * rules looked at on the way.
 */
static const char *
dispatch_walk(const struct dnat_want *w, const char *svc_prefix, size_t c,
    uint32_t dst, uint8_t proto, uint16_t port, size_t *checked)
{
	for (size_t i = w->first[c]; i < w->first[c + 1]; i++) {
		const struct dnat_want_rule *r = &w->rules[w->order[i]];
		const struct ipt_entry *e = r->e;
		const char *t = target_of(e);
		bool ok = true;

		(*checked)++;
		if ((dst & e->ip.dmsk.s_addr) != e->ip.dst.s_addr ||
		    (e->ip.proto != 0 && e->ip.proto != proto))
			continue;
		for (size_t off = sizeof *e; ok && off < e->target_offset;) {
			const struct xt_entry_match *m = (const void *)
			    ((const char *)e + off);

			ok = match_ok(m, dst, proto, port);
			off += m->u.user.match_size;
		}
		if (!ok)
			continue;
		assert_true(r->jump);
		if (strncmp(t, svc_prefix, strlen(svc_prefix)) == 0)
			return t;
		size_t to = dnat_want_chain_index(w, t);
		assert_int_not_equal(to, (size_t)-1);
		const char *got = dispatch_walk(w, svc_prefix, to, dst, proto, port,
		    checked);
		if (got != NULL)
			return got;
	}
	return NULL;
}

/* Where service i's packets land, and in how many rule checks. */
static const char *
reach(const struct dnat_want *w, const struct dnat_names *nm, size_t i,
    size_t *checked)
{
	struct in_addr a;
	char pfx[40];

	snprintf(pfx, sizeof pfx, "%sSVC-", nm->prefix);
	assert_int_equal(inet_pton(AF_INET, many[i].vip, &a), 1);
	*checked = 0;
	return dispatch_walk(w, pfx, dnat_want_chain_index(w, nm->services), a.s_addr,
	    many[i].protocol == PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP,
	    (uint16_t)many[i].port, checked);
}

static size_t
chain_rules(const struct dnat_want *w, const char *name)
{
	size_t c = dnat_want_chain_index(w, name);

	return c == (size_t)-1 ? (size_t)-1 : w->first[c + 1] - w->first[c];
}

static size_t
isqrt_up(size_t n)
{
	size_t g = 1;

	while (g * g < n)
		g++;
	return g;
}

/* Builds many[0..n) and checks that every service is reached, and only
 * by its own packets, within the bound of the layout: groups of
 * ceil(sqrt(n)) per protocol, each after the previous one in (protocol,
 * VIP, port) order. */
static size_t
check_dispatch(size_t n, struct dnat_want *w, struct dnat_names *nm)
{
	struct diag d;
	size_t g = n <= DNAT_FLAT_MAX ? n : isqrt_up(n), nudp = 0;
	size_t groups, worst = 0, in_groups = 0;
	uint64_t prev = 0;
	char want[40], name[40];

	for (size_t i = 0; i < n; i++)
		nudp += many[i].protocol == PROTO_UDP;
	groups = n <= DNAT_FLAT_MAX ? 0 :
	    (n - nudp + g - 1) / g + (nudp + g - 1) / g;
	diag_clear(&d);
	assert_int_equal(dnat_names_init(nm, "abc123", &d), 0);
	assert_int_equal(dnat_rules_build(w, nm, many, n, &d), 0);
	for (size_t i = 0; i < n; i++) {
		size_t checked;
		const char *got = reach(w, nm, i, &checked);

		snprintf(want, sizeof want, "%sSVC-%zu", nm->prefix, i);
		if (got == NULL || strcmp(got, want) != 0)
			fail_msg("service %zu (%s:%ld): reached %s", i,
			    many[i].vip, many[i].port, got ? got : "nothing");
		if (checked > worst)
			worst = checked;
	}
	/* flat: the i-th service costs i+1 checks; grouped: at most the
	 * group rules and three groups' (its own, and the neighbours
	 * that share its VIP) */
	if (n <= DNAT_FLAT_MAX)
		assert_int_equal(worst, n);
	else if (worst > groups + 3 * g)
		fail_msg("%zu services: %zu checks, over %zu", n, worst,
		    groups + 3 * g);
	assert_int_equal(chain_rules(w, nm->services), groups ? groups : n);
	for (size_t j = 0; j < groups; j++) {
		size_t c;

		snprintf(name, sizeof name, "%sGRP-%zu", nm->prefix, j);
		c = dnat_want_chain_index(w, name);
		assert_int_not_equal(c, (size_t)-1);
		assert_true(w->first[c + 1] - w->first[c] <= g);
		in_groups += w->first[c + 1] - w->first[c];
		/* ascending (protocol, VIP, port), across groups too */
		for (size_t i = w->first[c]; i < w->first[c + 1]; i++) {
			const struct ipt_entry *e = w->rules[w->order[i]].e;
			const struct xt_tcp *t = (const void *)((const struct
			    xt_entry_match *)(const void *)(e + 1))->data;
			uint64_t key = (uint64_t)e->ip.proto << 48 |
			    (uint64_t)ntohl(e->ip.dst.s_addr) << 16 | t->dpts[0];

			assert_int_equal(t->dpts[0], t->dpts[1]);
			assert_true(key >= prev);
			prev = key;
		}
	}
	assert_int_equal(in_groups, groups ? n : 0);
	snprintf(name, sizeof name, "%sGRP-%zu", nm->prefix, groups);
	assert_int_equal(dnat_want_chain_index(w, name), (size_t)-1);
	return worst;
}

/* One service: the flat layout, one rule, no group chain. */
static void
test_dispatch_one(void **state)
{
	struct dnat_names nm;
	struct dnat_want w;

	(void)state;
	many_set(0, "198.18.200.1", 80, PROTO_TCP);
	check_dispatch(1, &w, &nm);
	assert_int_equal(w.nchains, 3);	/* SERVICES, SVC-0, SEP-0-0 */
	dnat_want_free(&w);
}

/* Up to DNAT_FLAT_MAX services stay one rule each in the order given;
 * one more makes groups. */
static void
test_dispatch_flat_limit(void **state)
{
	struct dnat_names nm;
	struct dnat_want w;
	char vip[16];
	size_t c;

	(void)state;
	for (size_t i = 0; i <= DNAT_FLAT_MAX; i++) {
		snprintf(vip, sizeof vip, "198.18.200.%zu", 200 - i);
		many_set(i, vip, 80, PROTO_TCP);
	}
	check_dispatch(DNAT_FLAT_MAX, &w, &nm);
	c = dnat_want_chain_index(&w, nm.services);
	for (size_t i = 0; i < DNAT_FLAT_MAX; i++) {
		char want[40];

		snprintf(want, sizeof want, "%sSVC-%zu", nm.prefix, i);
		assert_string_equal(target_of(w.rules[w.order[w.first[c] + i]].e),
		    want);
	}
	dnat_want_free(&w);
	check_dispatch(DNAT_FLAT_MAX + 1, &w, &nm);
	dnat_want_free(&w);
}

/* 1,000 services on 1,000 VIPs, given out of order: 32 groups of 32
 * (the last of 8), every service reached within 64 checks, and a packet
 * for no service (another address, port or protocol) reaches nothing. */
static void
test_dispatch_1000(void **state)
{
	struct dnat_names nm;
	struct dnat_want w;
	char vip[16], pfx[40];
	size_t checked;
	struct in_addr a;

	(void)state;
	for (size_t i = 0; i < 1000; i++) {
		size_t k = (i * 389) % 1000;	/* a permutation */

		snprintf(vip, sizeof vip, "198.18.%zu.%zu", 200 + k / 250,
		    k % 250 + 1);
		many_set(i, vip, 80, PROTO_TCP);
	}
	/* no VIP in two groups: the 31st group rule, then its 32nd rule */
	assert_int_equal(check_dispatch(1000, &w, &nm), 31 + 32);
	assert_int_equal(chain_rules(&w, nm.services), 32);
	snprintf(pfx, sizeof pfx, "%sSVC-", nm.prefix);
	inet_pton(AF_INET, "198.18.201.7", &a);
	checked = 0;
	assert_non_null(dispatch_walk(&w, pfx, dnat_want_chain_index(&w, nm.services),
	    a.s_addr, IPPROTO_TCP, 80, &checked));
	assert_null(dispatch_walk(&w, pfx, dnat_want_chain_index(&w, nm.services),
	    a.s_addr, IPPROTO_TCP, 81, &checked));
	assert_null(dispatch_walk(&w, pfx, dnat_want_chain_index(&w, nm.services),
	    a.s_addr, IPPROTO_UDP, 80, &checked));
	inet_pton(AF_INET, "198.18.197.2", &a);		/* a backend */
	checked = 0;
	assert_null(dispatch_walk(&w, pfx, dnat_want_chain_index(&w, nm.services),
	    a.s_addr, IPPROTO_TCP, 8080, &checked));
	assert_int_equal(checked, 32);	/* the group rules only */
	dnat_want_free(&w);
}

/* Groups cut through one VIP's ports, and tcp and udp share VIP:port:
 * every service is reached, in order (check_dispatch), services with no
 * eligible backend are left out, and the same services give the same
 * rules. */
static void
test_dispatch_boundaries(void **state)
{
	struct dnat_names nm;
	struct dnat_want w, again;
	struct diag d;
	char vip[16];
	size_t n = 0;

	(void)state;
	for (size_t v = 0; v < 7; v++)
		for (size_t p = 0; p < 40; p++) {
			snprintf(vip, sizeof vip, "198.18.200.%zu", 10 + v);
			many_set(n++, vip, 1000 + (long)p * 3,
			    p % 5 == 0 ? PROTO_UDP : PROTO_TCP);
			if (p % 10 == 3)	/* same VIP:port, udp too */
				many_set(n++, vip, 1000 + (long)p * 3, PROTO_UDP);
		}
	/* 308 services, 84 of them udp: groups of 18, 13 tcp and 5 udp */
	check_dispatch(n, &w, &nm);
	assert_int_equal(chain_rules(&w, nm.services), 18);
	/* the same services, built again: the same rules, byte for byte */
	diag_clear(&d);
	assert_int_equal(dnat_rules_build(&again, &nm, many, n, &d), 0);
	assert_int_equal(again.nrules, w.nrules);
	for (size_t r = 0; r < w.nrules; r++) {
		assert_int_equal(again.rules[r].e->next_offset,
		    w.rules[r].e->next_offset);
		assert_memory_equal(again.rules[r].e, w.rules[r].e,
		    w.rules[r].e->next_offset);
	}
	dnat_want_free(&again);
	dnat_want_free(&w);
	/* every fourth service without an eligible backend: left out, the
	 * others still reached */
	for (size_t i = 0; i < n; i += 4)
		many[i].backends = none_up;
	diag_clear(&d);
	assert_int_equal(dnat_rules_build(&w, &nm, many, n, &d), 0);
	for (size_t i = 0; i < n; i++) {
		size_t checked;
		const char *got = reach(&w, &nm, i, &checked);
		char want[40];

		snprintf(want, sizeof want, "%sSVC-%zu", nm.prefix, i);
		if (i % 4 == 0)
			assert_null(got);
		else
			assert_string_equal(got, want);
	}
	dnat_want_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reapplied_on_schedule),
		cmocka_unit_test(test_drift_repaired),
		cmocka_unit_test(test_dry_run_never_reapplies),
		cmocka_unit_test(test_cluster_tag),
		cmocka_unit_test(test_iptc_tags),
		cmocka_unit_test(test_rules_tagged),
		cmocka_unit_test(test_rules_owned),
		cmocka_unit_test(test_rules_hashed),
		cmocka_unit_test(test_dispatch_one),
		cmocka_unit_test(test_dispatch_flat_limit),
		cmocka_unit_test(test_dispatch_1000),
		cmocka_unit_test(test_dispatch_boundaries),
	};

	return TAP_RUN(tests);
}
