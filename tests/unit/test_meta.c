/*
 * test_meta.c - the move records in domain metadata: the element built
 * and parsed (escaped names, garbage ignored), and what a record means to
 * planning (plan_build) and to the controller over a run (a simulated
 * probe that reports records as libvirt's would): another vmbal's move
 * counts for the cooldown and, while under way, keeps the VM in flight.
 */
#include "tap.h"

#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <time.h>

#include "../../actions/lv_metadata.h"
#include "../../actions/lv_migrate.h"
#include "../../engine/model.h"
#include "../../engine/plan_build.h"
#include "helpers.h"

static void
fill(struct lv_meta *m, enum meta_state st, double at, const char *from,
    const char *to, const char *by)
{
	memset(m, 0, sizeof *m);
	m->state = st;
	m->at = at;
	snprintf(m->from, sizeof m->from, "%s", from);
	snprintf(m->to, sizeof m->to, "%s", to);
	snprintf(m->by, sizeof m->by, "%s", by);
}

/* Names with XML's special characters come back as they went. */
static void
test_xml_roundtrip(void **state)
{
	const char *vm = "w<1>&\"'x";
	struct lv_meta m, back;
	char *xml;

	(void)state;
	fill(&m, META_STARTED, 1764612345.125, "h&1", "h\"2<", "dir'1:42");
	xml = lv_meta_xml(vm, &m);
	assert_non_null(xml);
	assert_null(strstr(xml, "h&1"));	/* escaped */
	assert_non_null(strstr(xml, "state=\"started\""));
	assert_non_null(strstr(xml, "at=\"1764612345.125\""));
	assert_int_equal(lv_meta_parse(xml, vm, &back), 0);
	assert_int_equal(back.state, META_STARTED);
	assert_near(back.at, 1764612345.125, 1e-6);
	assert_string_equal(back.from, "h&1");
	assert_string_equal(back.to, "h\"2<");
	assert_string_equal(back.by, "dir'1:42");
	/* another VM's record (a cloned definition) is none of this one's */
	assert_int_equal(lv_meta_parse(xml, "w", &back), -1);
	assert_int_equal(back.state, META_NONE);
	free(xml);
	/* as libvirt hands it back: in the namespace, with its prefix or
	 * as the default */
	assert_int_equal(lv_meta_parse("<vmbal:move xmlns:vmbal=\""
	    LV_META_NS "\" vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" "
	    "at=\"100.5\" by=\"x:1\"/>", "a", &back), 0);
	assert_int_equal(back.state, META_DONE);
	assert_int_equal(lv_meta_parse("<move xmlns=\"" LV_META_NS "\" "
	    "vm=\"a\" from=\"h1\" to=\"h2\" state=\"failed\" at=\"7\" "
	    "by=\"x:1\"/>", "a", &back), 0);
	assert_int_equal(back.state, META_FAILED);
}

/* Anything that is not a well-formed record of ours is no record. */
static void
test_garbage_ignored(void **state)
{
	static const char *const bad[] = {
		"", "not xml at all", "<move", "<other vm=\"a\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" at=\"5\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"bogus\" at=\"5\" by=\"x:1\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" at=\"soon\" by=\"x:1\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" at=\"-5\" by=\"x:1\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" at=\"nan\" by=\"x:1\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" at=\"1e300\" by=\"x:1\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" at=\"5s\" by=\"x:1\"/>",
		"<move vm=\"a\" from=\"\" to=\"h2\" state=\"done\" at=\"5\" by=\"x:1\"/>",
		"<move xmlns=\"http://example.org/other\" vm=\"a\" from=\"h1\" "
		    "to=\"h2\" state=\"done\" at=\"5\" by=\"x:1\"/>",
		"<!DOCTYPE m [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
		    "<move vm=\"a\" from=\"&e;\" to=\"h2\" state=\"done\" at=\"5\" by=\"x:1\"/>",
		"<move vm=\"a\" from=\"h1\" to=\"h2\" state=\"done\" at=\"5\" by=\"x:1\">"
		    "<move/>",
	};
	char big[4096];
	struct lv_meta m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(lv_meta_parse(bad[i], "a", &m), -1);
		assert_int_equal(m.state, META_NONE);
	}
	assert_int_equal(lv_meta_parse(NULL, "a", &m), -1);
	/* a name longer than a record holds */
	snprintf(big, sizeof big, "<move vm=\"a\" from=\"%0300d\" to=\"h2\" "
	    "state=\"done\" at=\"5\" by=\"x:1\"/>", 1);
	assert_int_equal(lv_meta_parse(big, "a", &m), -1);
	/* "HOSTNAME:PID" of this process */
	lv_meta_self(big, sizeof big);
	assert_non_null(strchr(big, ':'));
	assert_true(lv_meta_wall() > 1.6e9);
}

static struct config *
cluster(void)
{
	static const char y[] =
	    "hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}]\n"
	    "policy: {vm_cooldown_s: 100, migration_timeout_s: 200}\n";
	struct diag d;

	return config_new_from_buffer("t.yaml", y, sizeof y - 1,
	    CONFIG_CLUSTER, &d);
}

/* One VM "v" on h1 with a record (st META_NONE: none) made age_s before
 * the snapshot at ts; then whether plan_build at now lets it move, and
 * what it holds it for. */
static bool
movable(enum meta_state st, double age_s, const char *to, bool ours,
    double ts, double now, const char **held)
{
	struct config *cfg = cluster();
	struct model *m;
	struct snapshot *s;
	struct snap_vm *v;
	struct snap_host *h;
	struct plan_input *in;
	bool ok;

	assert_non_null(cfg);
	m = model_new(cfg);
	s = snapshot_new(ts);
	assert_non_null(m);
	assert_non_null(s);
	h = snapshot_add_host(s, "h1");
	h->up = true;
	h->cpus = 4;
	h = snapshot_add_host(s, "h2");
	h->up = true;
	h->cpus = 4;
	v = snapshot_add_vm(s, "v", "h1");
	v->state = VM_RUNNING;
	v->vcpus = 1;
	v->mem_mib = 100;
	if (st != META_NONE)
		assert_int_equal(snapshot_vm_move(v, st, age_s, "other:1", "h1",
		    to, ours), 0);
	assert_int_equal(model_apply(m, s), 0);
	model_measure(m);
	in = plan_build(m, cfg, &cfg->policy, now, true);
	assert_non_null(in);
	ok = in->vms[0].movable;
	*held = in->vms[0].held;
	plan_input_free(in);
	snapshot_free(s);
	model_free(m);
	config_free(cfg);
	return ok;
}

/*
 * The cooldown runs from the record's time, in the engine's time (which
 * may start at 0 after the record: a time before 0); a started move by
 * another process is in flight until the timeout plus the margin unless
 * it landed; one by this process is the controller's to know.
 */
static void
test_plan_holds(void **state)
{
	const char *held;

	(void)state;
	assert_true(movable(META_NONE, 0, NULL, false, 0, 0, &held));
	assert_null(held);
	/* done 10 s before a run that starts at 0: cooling until 90 */
	assert_false(movable(META_DONE, 10, "h1", false, 0, 89, &held));
	assert_string_equal(held, "cooldown");
	assert_true(movable(META_DONE, 10, "h1", false, 0, 91, &held));
	assert_null(held);
	/* failed counts the same */
	assert_false(movable(META_FAILED, 50, "h2", false, 20, 60, &held));
	assert_true(movable(META_FAILED, 50, "h2", false, 20, 71, &held));
	/* started elsewhere, not landed: in flight for 200 + 30 s */
	assert_false(movable(META_STARTED, 5, "h2", false, 0, 150, &held));
	assert_string_equal(held, "in flight");
	assert_false(movable(META_STARTED, 5, "h2", false, 0, 224, &held));
	assert_true(movable(META_STARTED, 5, "h2", false, 0, 226, &held));
	/* stale: past the timeout only the cooldown is left (none here) */
	assert_true(movable(META_STARTED, 400, "h2", false, 0, 0, &held));
	/* landed (the VM is on its destination h1): cooldown only */
	assert_false(movable(META_STARTED, 5, "h1", false, 0, 50, &held));
	assert_string_equal(held, "cooldown");
	assert_true(movable(META_STARTED, 5, "h1", false, 0, 96, &held));
	/* this process's own: the controller knows its flights */
	assert_false(movable(META_STARTED, 5, "h2", true, 0, 50, &held));
	assert_string_equal(held, "cooldown");
	assert_true(movable(META_STARTED, 5, "h2", true, 0, 96, &held));
}

/* The controller over a run, with a probe that adds one record. */
static const struct probe_ops *shim_inner;
static struct {
	const char *vm;
	enum meta_state st;
	double at;		/* in the run's time (< 0: before it) */
	const char *to;
} shim_rec;

static struct snapshot *
shim_collect(void *impl, double now, struct diag *d)
{
	struct snapshot *s = shim_inner->collect(impl, now, d);
	size_t i;

	for (i = 0; s != NULL && i < s->nvms; i++)
		if (strcmp(s->vms[i].name, shim_rec.vm) == 0)
			assert_int_equal(snapshot_vm_move(&s->vms[i],
			    shim_rec.st, now - shim_rec.at, "other:1", "h1",
			    shim_rec.to, false), 0);
	return s;
}

static struct probe_ops shim_ops;

/* Two VMs leave a host in maintenance: d at once; c, which another vmbal
 * moved (or moves) by its record, only when that allows. Returns when c
 * started moving (-1 never) and sets *d_at for d. */
static double
evacuate(enum meta_state st, double at, double *d_at)
{
	struct config *cfg = helpers_scenario(
	    "hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}, {name: h3, cpus: 4}]\n"
	    "vms:\n"
	    "  - {name: a, host: h1, load: 50}\n"
	    "  - {name: b, host: h2, load: 50}\n"
	    "  - {name: c, host: h3, load: 50}\n"
	    "  - {name: d, host: h3, load: 50}\n"
	    "maintenance: [h3]\n"
	    "policy: {mode: auto, vm_cooldown_s: 300, migration_timeout_s: 500}\n");
	struct captured *c = calloc(1, sizeof *c);
	struct event_sink sink = { helpers_sink, c };
	struct helpers_rig r;
	double c_at = -1;
	int i;

	assert_non_null(cfg);
	assert_non_null(c);
	c->min_gap = 1e18;
	shim_rec.vm = "c";
	shim_rec.st = st;
	shim_rec.at = at;
	shim_rec.to = "h2";
	helpers_rig_init(&r, cfg, &sink, NULL);
	shim_inner = r.probe.ops;
	shim_ops = *r.probe.ops;
	shim_ops.collect = shim_collect;
	r.probe.ops = &shim_ops;
	while (helpers_rig_step(&r, 1200))
		;
	r.probe.ops = shim_inner;
	*d_at = -1;
	for (i = 0; i < c->nmigs; i++) {
		if (c->migs[i].status != MIG_STARTED)
			continue;
		if (strcmp(c->migs[i].vm, "c") == 0 && c_at < 0)
			c_at = c->migs[i].ts;
		if (strcmp(c->migs[i].vm, "d") == 0 && *d_at < 0)
			*d_at = c->migs[i].ts;
	}
	helpers_rig_clear(&r);
	config_free(cfg);
	free(c);
	return c_at;
}

static void
test_controller_cooldown_across_directors(void **state)
{
	double c_at, d_at;

	(void)state;
	/* no record: both leave early */
	c_at = evacuate(META_NONE, 0, &d_at);
	assert_true(d_at >= 0 && d_at < 120);
	assert_true(c_at >= 0 && c_at < 240);
	/* done by another vmbal 60 s before this one started: c waits out
	 * the rest of the 300 s cooldown, d does not */
	c_at = evacuate(META_DONE, -60, &d_at);
	assert_true(d_at >= 0 && d_at < 120);
	assert_true(c_at >= 240);
	/* started by another, fresh and not landed: in flight until
	 * 500 + 30 s after it (its cooldown is shorter) */
	c_at = evacuate(META_STARTED, -10, &d_at);
	assert_true(d_at >= 0 && d_at < 120);
	assert_true(c_at >= 520);
	/* a stale start (older than timeout + margin and the cooldown) is
	 * ignored */
	c_at = evacuate(META_STARTED, -2000, &d_at);
	assert_true(c_at >= 0 && c_at < 240);
}

static void
quiet(void *arg, virErrorPtr e)
{
	(void)arg;
	(void)e;
}

/*
 * On libvirt's test driver (one in-process state shared by every
 * connection to test:///default): a record written is read back; garbage
 * in our namespace is none; and a migration job refuses to move a domain
 * whose fresh record is another process's, without writing over it.
 */
static void
test_libvirt_records(void **state)
{
	static const char yaml[] =
	    "hosts:\n"
	    "  - {name: t1, uri: \"test:///default\"}\n"
	    "  - {name: t2, uri: \"test:///default?x=1\"}\n"
	    "policy: {mode: manual, vm_cooldown_s: 100}\n";
	struct timespec nap = { 0, 10000000L };
	struct action_result out[2];
	struct lv_meta m, back;
	struct config *c;
	struct action a;
	struct diag d;
	virConnectPtr conn;
	virDomainPtr dom;
	size_t n = 0;
	int i;

	(void)state;
	virSetErrorFunc(NULL, quiet);	/* as lv_events.c does */
	lv_meta_init();
	conn = virConnectOpen("test:///default");
	assert_non_null(conn);
	dom = virDomainLookupByName(conn, "test");
	assert_non_null(dom);
	assert_int_equal(lv_meta_read(dom, "test", &back), 0);	/* none */
	fill(&m, META_STARTED, lv_meta_wall(), "t1", "t2", "other:1");
	assert_int_equal(lv_meta_write(dom, "test", &m, (char[64]){ 0 }, 64),
	    0);
	assert_int_equal(lv_meta_read(dom, "test", &back), 1);
	assert_int_equal(back.state, META_STARTED);
	assert_string_equal(back.by, "other:1");
	assert_near(back.at, m.at, 0.001);
	/* the job refuses: another's move under way */
	c = config_new_from_buffer("t.yaml", yaml, sizeof yaml - 1,
	    CONFIG_CLUSTER, &d);
	assert_non_null(c);
	assert_int_equal(lv_migrate_init(&a, c, &d), 0);
	assert_int_equal(a.ops->migrate(a.impl, "test", "t1", "t2", &d), 0);
	for (i = 0; i < 300 && n == 0; i++) {
		n = a.ops->poll(a.impl, out, 2);
		nanosleep(&nap, NULL);
	}
	assert_int_equal(n, 1);
	assert_int_equal(out[0].status, MIG_FAILED);
	assert_non_null(out[0].error);
	assert_non_null(strstr(out[0].error, "is being moved by other:1"));
	action_result_clear(&out[0]);
	a.ops->free(a.impl);
	assert_int_equal(lv_meta_read(dom, "test", &back), 1);
	assert_string_equal(back.by, "other:1");	/* left as it was */
	/* garbage in our namespace: no record */
	assert_int_equal(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
	    "<move vm=\"test\" state=\"sideways\"><junk/></move>", "vmbal",
	    LV_META_NS, VIR_DOMAIN_AFFECT_LIVE), 0);
	assert_int_equal(lv_meta_read(dom, "test", &back), 0);
	assert_int_equal(back.state, META_NONE);
	assert_int_equal(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
	    NULL, NULL, LV_META_NS, VIR_DOMAIN_AFFECT_LIVE), 0);
	config_free(c);
	virDomainFree(dom);
	virConnectClose(conn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_roundtrip),
		cmocka_unit_test(test_garbage_ignored),
		cmocka_unit_test(test_plan_holds),
		cmocka_unit_test(test_controller_cooldown_across_directors),
		cmocka_unit_test(test_libvirt_records),
	};

	return TAP_RUN(tests);
}
