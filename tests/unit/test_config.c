/*
 * test_config.c - the loader's defaults, a full valid file, and errors
 * that the file corpus (tests/corpus) cannot reach.
 */
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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
	assert_int_equal(c->nhosts, 1);
	assert_string_equal(c->hosts[0].uri, "qemu+ssh://h1/system");
	assert_null(c->hosts[0].migration_uri);
	assert_int_equal(c->hosts[0].cpus, 0);
	assert_int_equal(c->policy.mode, MODE_MANUAL);
	assert_int_equal(c->policy.objective, OBJECTIVE_BALANCE);
	assert_near(c->policy.threshold_pct, 20, 0);
	assert_near(policy_target_pct(&c->policy), 10, 0);	/* half the threshold */
	assert_near(c->policy.hold_s, 30, 0);
	assert_int_equal(c->policy.window, 10);
	assert_near(c->policy.probe_interval_s, 5, 0);
	assert_near(c->policy.analyse_interval_s, 10, 0);
	assert_int_equal(c->policy.max_concurrent_migrations, 1);
	assert_near(c->policy.vm_cooldown_s, 300, 0);
	assert_near(c->policy.migration_timeout_s, 600, 0);
	assert_near(c->policy.consolidate_ceiling_pct, 80, 0);
	assert_near(c->policy.min_gain_pct, 2, 0);
	assert_near(c->policy.weight_cpu, 1.0, 0);
	assert_near(c->policy.weight_memory, 0.5, 0);
	assert_int_equal(c->policy.planner, PLANNER_DEFAULT);
	assert_true(c->policy.migrate_persistent);
	assert_true(c->policy.migrate_undefine_source);
	assert_int_equal(c->policy.host_reserve_mib, 1024);
	assert_int_equal(c->hosts[0].reserve_mib, -1);	/* unset */
	assert_int_equal(config_host_reserve(c, &c->policy, 0), 1024);
	assert_string_equal(c->journal, "/var/lib/vmbal/journal.jsonl");
	config_free(c);
}

static const char *const full =
	"hosts:\n"
	"  - name: h1\n"
	"    uri: qemu+tls://h1.example/system\n"
	"    migration_uri: tcp://198.18.0.11\n"
	"    cpus: 8\n"
	"    reserve_mib: 0\n"
	"  - {name: h2, uri: 'test:///default'}\n"
	"  - {name: h3}\n"
	"policy:\n"
	"  mode: auto\n"
	"  objective: consolidate\n"
	"  threshold_pct: 7.5\n"
	"  weights: {cpu: 1, memory: 0}\n"
	"  planner: greedy-2008\n"
	"  migrate_persistent: false\n"
	"  migrate_undefine_source: false\n"
	"  host_reserve_mib: 4096\n"
	"journal: /tmp/j.jsonl\n"
	"rules:\n"
	"  - anti_affinity: [db1, db2]\n"
	"  - affinity: [app1, cache1]\n"
	"  - pin: {vm: lic1, host: h1}\n"
	"  - exclude: [legacy1]\n"
	"maintenance: [h3]\n"
	"services:\n"
	"  - name: web\n"
	"    vip: 198.18.0.1\n"
	"    port: 80\n"
	"    algorithm: lowest-latency\n"
	"    persistence_s: 30\n"
	"    snat: true\n"
	"    drain_on_migrate: false\n"
	"    health: {type: http, interval_ms: 1000, timeout_ms: 500, fall: 3, rise: 2, path: /healthz}\n"
	"    backends:\n"
	"      - {address: 198.18.0.21, port: 8080, weight: 2, vm: web1}\n"
	"      - {address: 198.18.0.22}\n"
	"  - {vip: 198.18.0.1, port: 80, protocol: udp, backends: [{address: 198.18.0.23}]}\n";

static void
test_full_config(void **state)
{
	struct diag d;
	struct config *c = load(full, CONFIG_CLUSTER, &d);
	struct service_conf *s;

	(void)state;
	if (c == NULL)
		fail_msg("%d:%d: %s", d.line, d.col, d.msg);
	assert_int_equal(c->nhosts, 3);
	assert_string_equal(c->hosts[0].migration_uri, "tcp://198.18.0.11");
	assert_int_equal(c->hosts[0].cpus, 8);
	assert_string_equal(c->hosts[1].uri, "test:///default");
	assert_int_equal(c->policy.mode, MODE_AUTO);
	assert_int_equal(c->policy.objective, OBJECTIVE_CONSOLIDATE);
	assert_near(c->policy.threshold_pct, 7.5, 0);
	assert_near(policy_target_pct(&c->policy), 3.75, 0);	/* half of 7.5 */
	assert_near(c->policy.weight_memory, 0, 0);
	assert_int_equal(c->policy.planner, PLANNER_GREEDY_2008);
	assert_false(c->policy.migrate_persistent);
	assert_false(c->policy.migrate_undefine_source);
	/* the host's reserve_mib overrides the policy's, 0 included */
	assert_int_equal(c->policy.host_reserve_mib, 4096);
	assert_int_equal(c->hosts[0].reserve_mib, 0);
	assert_int_equal(config_host_reserve(c, &c->policy, 0), 0);
	assert_int_equal(config_host_reserve(c, &c->policy, 1), 4096);
	assert_int_equal(c->nrules, 4);
	assert_int_equal(c->rules[0].kind, RULE_ANTI_AFFINITY);
	assert_int_equal(c->rules[2].kind, RULE_PIN);
	assert_string_equal(c->rules[2].vms[0], "lic1");
	assert_string_equal(c->rules[2].host, "h1");
	assert_int_equal(c->rules[3].nvms, 1);
	assert_int_equal(c->nmaintenance, 1);
	assert_int_equal(c->nservices, 2);
	s = &c->services[0];
	assert_int_equal(s->algorithm, ALGO_LOWEST_LATENCY);
	assert_true(s->snat);
	assert_false(s->drain_on_migrate);
	assert_int_equal(s->health.type, HEALTH_HTTP);
	assert_string_equal(s->health.path, "/healthz");
	assert_int_equal(s->nbackends, 2);
	assert_int_equal(s->backends[0].weight, 2);
	assert_int_equal(s->backends[1].port, 80);	/* the service's */
	assert_int_equal(s->backends[1].weight, 1);
	assert_null(s->backends[1].vm);
	/* service defaults */
	s = &c->services[1];
	assert_string_equal(s->name, "198.18.0.1:80");
	assert_int_equal(s->protocol, PROTO_UDP);
	assert_int_equal(s->algorithm, ALGO_ROUND_ROBIN);
	assert_true(s->drain_on_migrate);
	assert_int_equal(s->health.interval_ms, 200);
	assert_int_equal(s->health.fall, 2);
	config_free(c);
}

/* A scenario may not carry cluster-only keys, and the reverse. */
/* target_pct: threshold_pct / 2 unless set; never above the threshold. */
static void
test_target_pct(void **state)
{
	struct diag d;
	struct config *c;

	(void)state;
	c = load("hosts: [{name: h1}]\npolicy: {threshold_pct: 30}\n",
	    CONFIG_CLUSTER, &d);
	assert_non_null(c);
	assert_near(policy_target_pct(&c->policy), 15, 1e-9);
	config_free(c);
	c = load("hosts: [{name: h1}]\npolicy: {threshold_pct: 30, "
	    "target_pct: 5}\n", CONFIG_CLUSTER, &d);
	assert_non_null(c);
	assert_near(policy_target_pct(&c->policy), 5, 1e-9);
	config_free(c);
	c = load("hosts: [{name: h1}]\npolicy: {threshold_pct: 10, "
	    "target_pct: 12}\n", CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg, "policy: target_pct (12) must be at most "
	    "threshold_pct (10)");
	c = load("hosts: [{name: h1}]\npolicy: {target_pct: 101}\n",
	    CONFIG_CLUSTER, &d);
	assert_null(c);
}

static void
test_kinds_differ(void **state)
{
	struct diag d;
	struct config *c;

	(void)state;
	c = load("hosts: [{name: h1, memory_mib: 10}]\n", CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg, "hosts[0]: unknown key 'memory_mib'");
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 20);
	c = load("hosts: [{name: h1, uri: 'x'}]\n", CONFIG_SCENARIO, &d);
	assert_null(c);
	assert_string_equal(d.msg, "hosts[0]: unknown key 'uri'");
	c = load("hosts: [{name: h1}]\nvms: []\n", CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg, "unknown top-level key 'vms'");
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 1);
}

static void
test_files(void **state)
{
	char dir[] = "/tmp/vmbal-test-XXXXXX", path[64];
	struct diag d;
	struct config *c;
	FILE *f;

	(void)state;
	c = config_new_from_file("/nonexistent/vmbal.yaml", CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg, "cannot open: No such file or directory");
	assert_int_equal(d.line, 0);
	assert_non_null(mkdtemp(dir));
	c = config_new_from_file(dir, CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg, "not a regular file");
	snprintf(path, sizeof path, "%s/ok.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hosts:\n  - name: h1\n", f);
	fclose(f);
	c = config_new_from_file(path, CONFIG_CLUSTER, &d);
	assert_non_null(c);
	assert_string_equal(c->file, path);
	config_free(c);
	unlink(path);
	rmdir(dir);
}

/* Embedded NUL bytes and over-long buffers never reach the walker. */
static void
test_buffers(void **state)
{
	static const char nul[] = "hosts: [{name: h1}]\n\0junk";
	struct diag d;
	struct config *c;
	char *big;

	(void)state;
	c = config_new_from_buffer("t.yaml", nul, sizeof nul - 1,
	    CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg,
	    "control characters are not allowed (byte 0x00)");
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 1);
	big = calloc(1, CONFIG_MAX_BYTES + 2);
	memset(big, '#', CONFIG_MAX_BYTES + 1);
	c = config_new_from_buffer("t.yaml", big, CONFIG_MAX_BYTES + 1,
	    CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg,
	    "file too large: 1048577 bytes (the limit is 1048576)");
	free(big);
}

/*
 * Every message escapes what it quotes: controls, C1, bidi characters and
 * bytes that are not UTF-8, in the text and in the file name; the rest,
 * ASCII or not, is kept, and escaping twice changes nothing.
 */
static void
test_diag_escape(void **state)
{
	struct diag d;
	char out[64];
	long cp;

	(void)state;
	diag_set(&d, "a\x1b[2J.yaml", 1, 2, "name '%s' and '%s'",
	    "x\x1b]0;t\x07\x7f", "\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xc3\xa9");
	assert_string_equal(d.file, "a\\x1b[2J.yaml");
	assert_string_equal(d.msg,
	    "name 'x\\x1b]0;t\\x07\\x7f' and '\\u009b\\u202e\\u2066\xc3\xa9'");
	/* invalid UTF-8: a stray continuation, a cut sequence, an overlong
	 * form, a surrogate, a Latin-1 byte */
	diag_set(&d, "", 0, 0, "%s", "\x80 \xe2\x80 \xc0\xaf \xed\xa0\x80 \xe9t\xc3");
	assert_string_equal(d.msg,
	    "\\x80 \\xe2\\x80 \\xc0\\xaf \\xed\\xa0\\x80 \\xe9t\\xc3");
	diag_escape(out, sizeof out, d.msg);
	assert_string_equal(out, d.msg);
	/* cut where it fits, never inside a character or an escape */
	diag_escape(out, 6, "ab\xc3\xa9\xc3\xa9");
	assert_string_equal(out, "ab\xc3\xa9");
	diag_escape(out, 6, "abc\x1b");
	assert_string_equal(out, "abc");
	assert_null(diag_unsafe("h1-\xc3\xa9t\xc3\xa9", &cp));
	assert_non_null(diag_unsafe("h1\xc2\x85", &cp));
	assert_int_equal(cp, 0x85);
	assert_non_null(diag_unsafe("h1\xff", &cp));
	assert_int_equal(cp, -0xff);
}

/* A non-ASCII name is kept; a bidi override in one is refused at the
 * name's position. */
static void
test_name_bidi_position(void **state)
{
	static const char yaml[] = "hosts: [{name: h1}]\n"
	    "maintenance: [\"\\xe9\"]\n";
	struct diag d;
	struct config *c;

	(void)state;
	/* "\xe9" is U+00E9 in YAML, a valid name that is not a host */
	c = load(yaml, CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg,
	    "maintenance[0]: unknown host '\xc3\xa9'");
	c = load("hosts: [{name: \"h\\u202e1\"}]\n", CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 16);
}

/*
 * An alias bomb of 1 MiB (65,000 aliases of a list of 1,000 names) is
 * refused at the alias that passes the node cap, without walking it:
 * the peak resident size grows by less than 32 MiB (it took gigabytes).
 */
static void
test_alias_bomb(void **state)
{
	struct rusage before, after;
	struct diag d;
	struct config *c;
	char *buf;
	size_t len = 0, i;

	(void)state;
	buf = malloc(CONFIG_MAX_BYTES);
	assert_non_null(buf);
	len += (size_t)sprintf(buf, "hosts: [{name: h1}]\nrules:\n  - exclude: &l [v0");
	for (i = 1; i < 1000; i++)
		len += (size_t)sprintf(buf + len, ", v%zu", i);
	len += (size_t)sprintf(buf + len, "]\n");
	while (len + 16 < CONFIG_MAX_BYTES)
		len += (size_t)sprintf(buf + len, "  - exclude: *l\n");
	getrusage(RUSAGE_SELF, &before);
	c = config_new_from_buffer("t.yaml", buf, len, CONFIG_CLUSTER, &d);
	getrusage(RUSAGE_SELF, &after);
	assert_null(c);
	assert_string_equal(d.msg,
	    "alias *l expands the document past 250000 nodes (an alias bomb?)");
	assert_int_equal(d.line, 252);
	assert_int_equal(d.col, 14);
	assert_true(after.ru_maxrss - before.ru_maxrss < 32 * 1024);
	free(buf);
}

/* Depth: the 65th level is refused where it opens. */
static void
test_depth_cap(void **state)
{
	char buf[256];
	struct diag d;
	struct config *c;

	(void)state;
	snprintf(buf, sizeof buf, "hosts: [{name: h1}]\nmaintenance: %.*s\n",
	    100, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	c = load(buf, CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg,
	    "nested too deeply: more than 64 levels of lists and mappings");
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 14 + 63);
	/* 63 levels below the top mapping are fine for the loader */
	snprintf(buf, sizeof buf, "hosts: [{name: h1}]\nmaintenance: %.*s%.*s\n",
	    63, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
	    63, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	c = load(buf, CONFIG_CLUSTER, &d);
	assert_null(c);
	assert_string_equal(d.msg,
	    "maintenance[0]: expected a string, got a list");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_kinds_differ),
		cmocka_unit_test(test_target_pct),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_diag_escape),
		cmocka_unit_test(test_name_bidi_position),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_depth_cap),
	};

	return TAP_RUN(tests);
}
