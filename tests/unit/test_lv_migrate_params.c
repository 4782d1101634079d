/*
 * test_lv_migrate_params.c - the live_migration configuration, as loaded
 * from YAML (defaults, bounds, the scenario accepting it), mapped to
 * libvirt's migration flags and parameters; and the completed job's
 * statistics read as downtime, data transferred and rate. No hypervisor:
 * lv_migrate_params.c is pure.
 */
#include "tap.h"

#include <string.h>

#include "../../actions/lv_migrate_params.h"

#define HOSTS "hosts:\n  - {name: a, uri: 'test:///default'}\n" \
	"  - {name: b, uri: 'test:///default'}\n"

static struct config *
load(const char *extra, enum config_kind kind, struct diag *d)
{
	char buf[2048];

	snprintf(buf, sizeof buf, "%s%s", HOSTS, extra);
	return config_new_from_buffer("t.yaml", buf, strlen(buf), kind, d);
}

static bool
has_param(const struct lv_mig_call *c, const char *name)
{
	return virTypedParamsGet(c->params, c->nparams, name) != NULL;
}

static void
test_defaults(void **state)
{
	struct diag d;
	struct config *c;
	struct lv_mig_call call;
	const struct live_migration_conf *lm;

	(void)state;
	c = load("", CONFIG_CLUSTER, &d);
	assert_non_null(c);
	lm = &c->live_migration;
	assert_true(lm->peer_to_peer);
	assert_false(lm->tls);
	assert_int_equal(lm->bandwidth_mibps, 0);
	assert_int_equal(lm->max_downtime_ms, 300);
	assert_true(lm->auto_converge);
	assert_near(lm->postcopy_after_s, 0, 0);
	assert_int_equal(lm->parallel_connections, 0);
	assert_int_equal(lv_mig_call_make(&call, lm, &c->policy, NULL, NULL,
	    &d), 0);
	assert_int_equal(call.flags, VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST |
	    VIR_MIGRATE_UNDEFINE_SOURCE | VIR_MIGRATE_PEER2PEER |
	    VIR_MIGRATE_AUTO_CONVERGE);
	assert_true(call.p2p);
	assert_int_equal(call.nparams, 0);	/* no cap, no data URI */
	assert_int_equal(call.max_downtime_ms, 300);
	assert_near(call.postcopy_after_s, 0, 0);
	lv_mig_call_clear(&call);
	config_free(c);
}

static void
test_every_key(void **state)
{
	struct diag d;
	struct config *c;
	struct lv_mig_call call;
	unsigned long long bw = 0;
	const char *uri = NULL;
	int par = 0;

	(void)state;
	c = load("policy: {migrate_persistent: false, migrate_undefine_source: false}\n"
	    "live_migration:\n  peer_to_peer: false\n  tls: true\n"
	    "  bandwidth_mibps: 8\n  max_downtime_ms: 50\n"
	    "  auto_converge: false\n  postcopy_after_s: 2.5\n"
	    "  parallel_connections: 4\n", CONFIG_CLUSTER, &d);
	assert_non_null(c);
	assert_int_equal(lv_mig_call_make(&call, &c->live_migration,
	    &c->policy, "qemu+ssh://b/system", "tcp://198.18.0.2", &d), 0);
	assert_int_equal(call.flags, VIR_MIGRATE_LIVE | VIR_MIGRATE_TLS |
	    VIR_MIGRATE_POSTCOPY | VIR_MIGRATE_PARALLEL);
	assert_false(call.p2p);
	assert_null(call.dconnuri);	/* not p2p: vmbal opens it */
	assert_int_equal(virTypedParamsGetULLong(call.params, call.nparams,
	    VIR_MIGRATE_PARAM_BANDWIDTH, &bw), 1);
	assert_int_equal(bw, 8);
	assert_int_equal(virTypedParamsGetString(call.params, call.nparams,
	    VIR_MIGRATE_PARAM_URI, &uri), 1);
	assert_string_equal(uri, "tcp://198.18.0.2");
	assert_int_equal(virTypedParamsGetInt(call.params, call.nparams,
	    VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, &par), 1);
	assert_int_equal(par, 4);
	assert_int_equal(call.max_downtime_ms, 50);
	assert_near(call.postcopy_after_s, 2.5, 1e-9);
	lv_mig_call_clear(&call);
	assert_null(call.params);
	config_free(c);
}

/*
 * Peer to peer, the source libvirtd opens the destination's URI: the same
 * rewriting as vmbal's own connections (no_tty=1 for ssh, so that ssh
 * runs in BatchMode and never asks), other transports as written.
 */
static void
test_dconnuri(void **state)
{
	static const char *const map[][2] = {
		{ "qemu+ssh://root@198.18.0.2/system",
		  "qemu+ssh://root@198.18.0.2/system?no_tty=1" },
		{ "qemu+ssh://b:2222/system?keyfile=/k",
		  "qemu+ssh://b:2222/system?keyfile=/k&no_tty=1" },
		{ "qemu+ssh://b/system?no_tty=0",
		  "qemu+ssh://b/system?no_tty=0" },
		{ "qemu+tls://b/system?pkipath=/p",
		  "qemu+tls://b/system?pkipath=/p" },
		{ "qemu+tcp://198.18.0.2/system",
		  "qemu+tcp://198.18.0.2/system" },
		{ "qemu:///system", "qemu:///system" },
	};
	struct diag d;
	struct config *c;
	struct lv_mig_call call;
	size_t i;

	(void)state;
	c = load("", CONFIG_CLUSTER, &d);
	assert_non_null(c);
	for (i = 0; i < sizeof map / sizeof *map; i++) {
		assert_int_equal(lv_mig_call_make(&call, &c->live_migration,
		    &c->policy, map[i][0], NULL, &d), 0);
		assert_true(call.p2p);
		assert_non_null(call.dconnuri);
		assert_string_equal(call.dconnuri, map[i][1]);
		lv_mig_call_clear(&call);
		assert_null(call.dconnuri);
	}
	config_free(c);
}

/* 0 downtime leaves QEMU's; one connection is no parallel migration. */
static void
test_zeros(void **state)
{
	struct diag d;
	struct config *c;
	struct lv_mig_call call;

	(void)state;
	c = load("live_migration: {max_downtime_ms: 0, parallel_connections: 1}\n",
	    CONFIG_CLUSTER, &d);
	assert_non_null(c);
	assert_int_equal(lv_mig_call_make(&call, &c->live_migration,
	    &c->policy, NULL, NULL, &d), 0);
	assert_int_equal(call.max_downtime_ms, 0);
	assert_int_equal(call.flags & VIR_MIGRATE_PARALLEL, 0);
	assert_false(has_param(&call, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS));
	assert_false(has_param(&call, VIR_MIGRATE_PARAM_BANDWIDTH));
	lv_mig_call_clear(&call);
	config_free(c);
}

static void
test_bounds(void **state)
{
	static const char *const bad[] = {
		"live_migration: {bandwidth_mibps: -1}\n",
		"live_migration: {bandwidth_mibps: 1000001}\n",
		"live_migration: {max_downtime_ms: 600001}\n",
		"live_migration: {postcopy_after_s: -0.5}\n",
		"live_migration: {postcopy_after_s: 86401}\n",
		"live_migration: {parallel_connections: 256}\n",
		"live_migration: {peer_to_peer: maybe}\n",
		"live_migration: {bandwidth: 8}\n",
		"live_migration: 8\n",
	};
	struct diag d;
	struct config *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = load(bad[i], CONFIG_CLUSTER, &d);
		if (c != NULL)
			print_error("accepted: %s", bad[i]);
		assert_null(c);
		assert_non_null(strstr(d.msg, "live_migration"));
	}
	c = load("live_migration: {bandwidth_mibps: 1000000, max_downtime_ms: 600000, postcopy_after_s: 86400, parallel_connections: 255}\n",
	    CONFIG_CLUSTER, &d);
	assert_non_null(c);
	config_free(c);
}

/* A scenario accepts it (the simulator ignores it). */
static void
test_scenario(void **state)
{
	struct diag d;
	struct config *c;

	(void)state;
	c = config_new_from_buffer("s.yaml",
	    "hosts: [{name: a}, {name: b}]\n"
	    "live_migration: {bandwidth_mibps: 8, peer_to_peer: false}\n",
	    strlen("hosts: [{name: a}, {name: b}]\n"
	    "live_migration: {bandwidth_mibps: 8, peer_to_peer: false}\n"),
	    CONFIG_SCENARIO, &d);
	if (c == NULL)
		print_error("%s\n", d.msg);
	assert_non_null(c);
	assert_int_equal(c->live_migration.bandwidth_mibps, 8);
	assert_false(c->live_migration.peer_to_peer);
	config_free(c);
}

static void
add_ull(virTypedParameterPtr *p, int *n, int *max, const char *name,
    unsigned long long v)
{
	assert_int_equal(virTypedParamsAddULLong(p, n, max, name, v), 0);
}

static void
test_stats(void **state)
{
	virTypedParameterPtr p = NULL;
	int n = 0, max = 0;
	struct mig_stats s;

	(void)state;
	assert_int_equal(lv_mig_stats_read(p, n, &s), 0);
	assert_true(s.downtime_ms < 0 && s.transferred_mib < 0 &&
	    s.rate_mibps < 0);
	/* what domjobinfo --completed gives */
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_DOWNTIME, 23);
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_DOWNTIME_NET, 21);
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_DATA_PROCESSED, 40ULL << 20);
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_MEMORY_BPS, 8ULL << 20);
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 4000);
	assert_int_equal(lv_mig_stats_read(p, n, &s), 3);
	assert_near(s.downtime_ms, 23, 1e-9);
	assert_near(s.transferred_mib, 40, 1e-9);
	assert_near(s.rate_mibps, 8, 1e-9);
	virTypedParamsFree(p, n);
	/* downtime_net alone; memory plus disk; the rate from the time */
	p = NULL;
	n = max = 0;
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_DOWNTIME_NET, 12);
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_MEMORY_PROCESSED, 30ULL << 20);
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_DISK_PROCESSED, 10ULL << 20);
	add_ull(&p, &n, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 5000);
	assert_int_equal(lv_mig_stats_read(p, n, &s), 3);
	assert_near(s.downtime_ms, 12, 1e-9);
	assert_near(s.transferred_mib, 40, 1e-9);
	assert_near(s.rate_mibps, 8, 1e-9);
	virTypedParamsFree(p, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_zeros),
		cmocka_unit_test(test_dconnuri),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_stats),
	};

	return TAP_RUN(tests);
}
