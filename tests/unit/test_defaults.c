/*
 * test_defaults.c - every key's default, as the field tables of
 * engine/config.c state them (one entry per key, default included): in a
 * cluster configuration and in a scenario, with the key's mapping left
 * out and given empty, and through policy_defaults and
 * live_migration_defaults on memory that held something else.
 */
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "../../engine/config.h"

static struct config *
load(const char *yaml, enum config_kind kind)
{
	struct diag d;
	struct config *c = config_new_from_buffer("dir/t.yaml", yaml,
	    strlen(yaml), kind, &d);

	if (c == NULL)
		fail_msg("%d:%d: %s", d.line, d.col, d.msg);
	return c;
}

static void
assert_policy_defaults(const struct policy *p)
{
	assert_int_equal(p->mode, MODE_MANUAL);
	assert_int_equal(p->objective, OBJECTIVE_BALANCE);
	assert_true(p->threshold_pct == 20);
	assert_true(p->target_pct == -1);
	assert_true(policy_target_pct(p) == 10);
	assert_true(p->hold_s == 30);
	assert_int_equal(p->window, 10);
	assert_true(p->probe_interval_s == 5);
	assert_true(p->analyse_interval_s == 10);
	assert_int_equal(p->max_concurrent_migrations, 1);
	assert_true(p->vm_cooldown_s == 300);
	assert_true(p->migration_timeout_s == 600);
	assert_true(p->consolidate_ceiling_pct == 80);
	assert_true(p->min_gain_pct == 2);
	assert_true(p->weight_cpu == 1.0);
	assert_true(p->weight_memory == 0.5);
	assert_int_equal(p->planner, PLANNER_DEFAULT);
	assert_true(p->migrate_persistent);
	assert_true(p->migrate_undefine_source);
	assert_int_equal(p->host_reserve_mib, 1024);
}

static void
assert_live_migration_defaults(const struct live_migration_conf *lm)
{
	assert_true(lm->peer_to_peer);
	assert_false(lm->tls);
	assert_int_equal(lm->bandwidth_mibps, 0);
	assert_int_equal(lm->max_downtime_ms, 300);
	assert_true(lm->auto_converge);
	assert_true(lm->postcopy_after_s == 0);
	assert_int_equal(lm->parallel_connections, 0);
}

static void
assert_service_defaults(const struct service_conf *s, enum svc_protocol pr)
{
	assert_int_equal(s->protocol, pr);
	assert_int_equal(s->algorithm, ALGO_ROUND_ROBIN);
	assert_int_equal(s->persistence_s, 0);
	assert_int_equal(s->slow_start_s, 0);
	assert_false(s->snat);
	assert_true(s->drain_on_migrate);
	assert_int_equal(s->health.type, pr == PROTO_UDP ? HEALTH_UDP :
	    HEALTH_TCP);
	assert_int_equal(s->health.interval_ms, 200);
	assert_int_equal(s->health.timeout_ms, 150);
	assert_int_equal(s->health.fall, 2);
	assert_int_equal(s->health.rise, 2);
	assert_string_equal(s->health.path, "/");
	assert_null(s->health.send);
	assert_null(s->health.expect);
	assert_null(s->health.name);
	assert_int_equal(s->nbackends, 1);
	assert_int_equal(s->backends[0].port, s->port);
	assert_int_equal(s->backends[0].weight, 1);
	assert_null(s->backends[0].vm);
}

static const char *const services =
	"services:\n"
	"  - {vip: 198.18.0.1, port: 80, backends: [{address: 198.18.0.21}]}\n"
	"  - {vip: 198.18.0.1, port: 53, protocol: udp, health: {},\n"
	"     backends: [{address: 198.18.0.22}]}\n";

static void
test_cluster(void **state)
{
	char yaml[512];
	struct config *c;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* the mappings left out, then given empty */
		snprintf(yaml, sizeof yaml, "hosts: [{name: h1}]\n%s%s",
		    i == 0 ? "" : "policy: {weights: {}}\nlive_migration: {}\n",
		    services);
		c = load(yaml, CONFIG_CLUSTER);
		assert_policy_defaults(&c->policy);
		assert_live_migration_defaults(&c->live_migration);
		assert_string_equal(c->hosts[0].uri, "qemu+ssh://h1/system");
		assert_null(c->hosts[0].migration_uri);
		assert_int_equal(c->hosts[0].cpus, 0);
		assert_int_equal(c->hosts[0].reserve_mib, -1);
		assert_string_equal(c->journal, "/var/lib/vmbal/journal.jsonl");
		assert_string_equal(c->control_socket, "/run/vmbal/t.sock");
		assert_false(c->allow_ext);
		assert_null(c->ha.address);
		assert_int_equal(c->nservices, 2);
		assert_service_defaults(&c->services[0], PROTO_TCP);
		assert_string_equal(c->services[0].name, "198.18.0.1:80");
		assert_service_defaults(&c->services[1], PROTO_UDP);
		config_free(c);
	}
}

static void
test_scenario(void **state)
{
	struct config *c;

	(void)state;
	c = load("hosts: [{name: h1}, {name: h2, cpus: 4}]\n"
	    "vms: [{name: v1, host: h1}]\n", CONFIG_SCENARIO);
	assert_policy_defaults(&c->policy);
	assert_live_migration_defaults(&c->live_migration);
	assert_int_equal(c->hosts[0].cpus, 8);
	assert_int_equal(c->hosts[0].memory_mib, 16384);
	assert_int_equal(c->hosts[0].reserve_mib, -1);
	assert_int_equal(c->hosts[1].cpus, 4);
	assert_int_equal(c->hosts[1].memory_mib, 16384);
	assert_null(c->hosts[0].uri);
	assert_int_equal(c->vms[0].vcpus, 1);
	assert_int_equal(c->vms[0].memory_mib, 1024);
	assert_int_equal(c->vms[0].load.kind, LOAD_CONSTANT);
	assert_true(c->vms[0].load.value == 0);
	assert_true(c->migration.bandwidth_mbps == 1000);
	assert_true(c->migration.fail_rate == 0);
	assert_int_equal(c->migration.seed, 1);
	assert_string_equal(c->journal, "");
	assert_string_equal(c->control_socket, "");
	config_free(c);
	/* migration given empty; a wave's phase_s left out */
	c = load("hosts: [{name: h1}]\nmigration: {}\nvms:\n"
	    "  - {name: v1, host: h1, vcpus: 2, load: {peak: 150, valley: 10,"
	    " peak_s: 60, valley_s: 60}}\n", CONFIG_SCENARIO);
	assert_true(c->migration.bandwidth_mbps == 1000);
	assert_int_equal(c->migration.seed, 1);
	assert_int_equal(c->vms[0].load.kind, LOAD_SQUARE);
	assert_true(c->vms[0].load.phase_s == 0);
	config_free(c);
}

/* The defaulting functions overwrite whatever the memory held. */
static void
test_functions(void **state)
{
	struct live_migration_conf lm;
	struct policy p;

	(void)state;
	memset(&p, 0x5a, sizeof p);
	policy_defaults(&p);
	assert_policy_defaults(&p);
	memset(&lm, 0x5a, sizeof lm);
	live_migration_defaults(&lm);
	assert_live_migration_defaults(&lm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster),
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_functions),
	};

	return TAP_RUN(tests);
}
