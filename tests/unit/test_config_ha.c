/*
 * test_config_ha.c - the recovery keys of a configuration and a scenario
 * (issue 18): ha_restart's defaults (manual, 30 s) and values, domain_dir
 * (cluster default, none in a scenario unless given), a host's fence
 * agent and its args in order, the ha_priority rule (config_ha_priority),
 * the scenario's failure keys, and positioned errors for bad values.
 */
#include <string.h>

#include "tap.h"
#include "../../engine/config.h"

static struct config *
load(const char *yaml, enum config_kind kind, struct diag *d)
{
	return config_new_from_buffer("t.yaml", yaml, strlen(yaml), kind, d);
}

static void
test_defaults(void **state)
{
	struct diag d;
	struct config *c = load("hosts: [{name: h1}]\n", CONFIG_CLUSTER, &d);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->ha_restart.mode, HA_RESTART_MANUAL);
	assert_near(c->ha_restart.after_s, 30, 1e-9);
	/* the cluster's own, by its file's name (t.yaml) */
	assert_string_equal(c->domain_dir, "/var/lib/vmbal/domains/t");
	assert_null(c->hosts[0].fence.agent);
	assert_int_equal(c->hosts[0].fence.nargs, 0);
	assert_string_equal(ha_restart_mode_name(c->ha_restart.mode), "manual");
	config_free(c);
	c = load("hosts: [{name: h1}]\n", CONFIG_SCENARIO, &d);
	assert_non_null(c);
	assert_string_equal(c->domain_dir, "");
	assert_true(c->hosts[0].fail_at_s <= 0);
	assert_true(c->hosts[0].return_at_s <= 0);
	assert_false(c->hosts[0].fence_fails);
	config_free(c);
}

static void
test_values(void **state)
{
	static const char *const yaml =
	    "hosts:\n"
	    "  - name: h1\n"
	    "    fence: {agent: fence_ipmilan, args: {ip: 198.18.0.1, "
	    "username: admin, lanplus: 1}}\n"
	    "  - name: h2\n"
	    "    fence: {agent: /usr/local/sbin/my_fence}\n"
	    "ha_restart: {mode: auto, after_s: 12.5}\n"
	    "domain_dir: /srv/vmbal/domains\n"
	    "rules:\n"
	    "  - ha_priority: {vm: db1, priority: 10}\n"
	    "  - ha_priority: {vm: web1}\n"
	    "  - ha_priority: {vm: db1, priority: -3}\n";
	struct diag d;
	struct config *c = load(yaml, CONFIG_CLUSTER, &d);
	const struct fence_conf *f;

	(void)state;
	assert_non_null(c);
	f = &c->hosts[0].fence;
	assert_string_equal(f->agent, "fence_ipmilan");
	assert_int_equal(f->nargs, 3);
	assert_string_equal(f->keys[0], "ip");
	assert_string_equal(f->values[0], "198.18.0.1");
	assert_string_equal(f->keys[2], "lanplus");
	assert_string_equal(f->values[2], "1");
	assert_int_equal(f->pos.line, 3);
	assert_string_equal(c->hosts[1].fence.agent, "/usr/local/sbin/my_fence");
	assert_int_equal(c->ha_restart.mode, HA_RESTART_AUTO);
	assert_near(c->ha_restart.after_s, 12.5, 1e-9);
	assert_string_equal(c->domain_dir, "/srv/vmbal/domains");
	assert_int_equal(c->rules[0].kind, RULE_HA_PRIORITY);
	assert_string_equal(c->rules[1].vms[0], "web1");
	assert_int_equal(c->rules[1].priority, 0);
	/* the last rule naming a VM says; cluster rules may name any VM */
	assert_int_equal(config_ha_priority(c, "db1"), -3);
	assert_int_equal(config_ha_priority(c, "web1"), 0);
	assert_int_equal(config_ha_priority(c, "other"), 0);
	config_free(c);
}

static void
test_scenario_failures(void **state)
{
	struct diag d;
	struct config *c = load(
	    "hosts:\n"
	    "  - {name: h1, fail_at_s: 20, return_at_s: 60, fence_fails: true,"
	    " fence: {agent: fence_x}}\n"
	    "vms: [{name: a, host: h1}]\n"
	    "rules: [{ha_priority: {vm: a, priority: 2}}]\n"
	    "domain_dir: /tmp/d\n", CONFIG_SCENARIO, &d);

	(void)state;
	assert_non_null(c);
	assert_near(c->hosts[0].fail_at_s, 20, 1e-9);
	assert_near(c->hosts[0].return_at_s, 60, 1e-9);
	assert_true(c->hosts[0].fence_fails);
	assert_string_equal(c->domain_dir, "/tmp/d");
	assert_int_equal(config_ha_priority(c, "a"), 2);
	config_free(c);
}

static void
expect_err(const char *yaml, enum config_kind kind, int line, int col,
    const char *words)
{
	struct diag d;
	struct config *c = load(yaml, kind, &d);

	if (c != NULL)
		config_free(c);
	assert_null(c);
	if (d.line != line || d.col != col || strstr(d.msg, words) == NULL)
		fail_msg("%d:%d: %s (wanted %d:%d ...%s...)", d.line, d.col,
		    d.msg, line, col, words);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_err("hosts: [{name: h1, fence: {agent: a/b}}]\n", CONFIG_CLUSTER,
	    1, 35, "absolute path");
	expect_err("hosts: [{name: h1, fence: {agent: a, args: {action: x}}}]\n",
	    CONFIG_CLUSTER, 1, 45, "action is vmbal's");
	expect_err("hosts: [{name: h1, fence: {agent: a, args: {k: [1]}}}]\n",
	    CONFIG_CLUSTER, 1, 48, "expected a string");
	expect_err("hosts: [{name: h1, fence: {agent: a, bogus: 1}}]\n",
	    CONFIG_CLUSTER, 1, 38, "unknown key 'bogus'");
	expect_err("hosts: [{name: h1}]\nha_restart: {mode: on}\n",
	    CONFIG_CLUSTER, 2, 20, "not one of: manual, auto, off");
	expect_err("hosts: [{name: h1}]\nha_restart: {after_s: 1e9}\n",
	    CONFIG_CLUSTER, 2, 23, "out of range");
	expect_err("hosts: [{name: h1}]\nrules: [{ha_priority: {priority: 1}}]\n",
	    CONFIG_CLUSTER, 2, 23, "missing required key 'vm'");
	expect_err("hosts: [{name: h1}]\nvms: [{name: a, host: h1}]\n"
	    "rules: [{ha_priority: {vm: b}}]\n", CONFIG_SCENARIO, 3, 28,
	    "unknown VM 'b'");
	expect_err("hosts: [{name: h1, fail_at_s: 0}]\n", CONFIG_SCENARIO, 1, 31,
	    "must be greater than 0");
	expect_err("hosts: [{name: h1, return_at_s: 5}]\n", CONFIG_SCENARIO, 1,
	    33, "must come after fail_at_s (not set)");
	expect_err("hosts: [{name: h1, fence_fails: true}]\n", CONFIG_CLUSTER, 1,
	    20, "unknown key 'fence_fails'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_scenario_failures),
		cmocka_unit_test(test_errors),
	};

	return TAP_RUN(tests);
}
