/*
 * test_reload.c - a configuration taken in while the controller runs
 * (engine/controller_reload.c, cli/reload.c): hosts and VMs that remain
 * keep their data, hosts come and go, backends that remain keep their
 * views (a drain), new ones get fresh views, every service is applied
 * again in one apply, a changed threshold is in force, the run-time mode
 * stays; and a refused file (through the hook, from a real file) leaves
 * everything as it was, with FILE:LINE:COL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "../../actions/sim_action.h"
#include "../../cli/reload.h"
#include "../../engine/controller.h"
#include "../../engine/controller_priv.h"
#include "../../probes/sim.h"
#include "../../probes/sim_probe.h"

#define BASE \
	"hosts:\n" \
	"  - {name: h1, cpus: 4, memory_mib: 16384}\n" \
	"  - {name: h2, cpus: 4, memory_mib: 16384}\n" \
	"%s" \
	"vms:\n" \
	"  - {name: v1, host: h1, vcpus: 2, memory_mib: 1024, load: 150}\n" \
	"  - {name: v2, host: h2, vcpus: 2, memory_mib: 1024, load: 50}\n" \
	"%s" \
	"policy: {mode: manual, threshold_pct: %d, hold_s: 10, window: 4,\n" \
	"  probe_interval_s: 5, analyse_interval_s: 10}\n" \
	"services:\n" \
	"  - name: web\n" \
	"    vip: 198.18.0.10\n" \
	"    port: 80\n" \
	"    algorithm: weighted\n" \
	"    backends:\n" \
	"%s"

#define B1 "      - {address: 198.18.1.1, port: 8080}\n"
#define B2 "      - {address: 198.18.1.2, port: 8080}\n"
#define B3 "      - {address: 198.18.1.3, port: 8080}\n"
#define B4 "      - {address: 198.18.1.4, port: 8080, weight: 3}\n"
#define H3 "  - {name: h3, cpus: 8, memory_mib: 32768}\n"
#define V3 "  - {name: v3, host: h3, vcpus: 1, memory_mib: 1024, load: 40}\n"

static struct config *
cfg_of(const char *hosts, const char *vms, int threshold, const char *bes)
{
	char y[4096];
	struct diag d;
	struct config *c;

	snprintf(y, sizeof y, BASE, hosts, vms, threshold, bes);
	c = config_new_from_buffer("t.yaml", y, strlen(y), CONFIG_SCENARIO, &d);
	if (c == NULL)
		print_error("%s:%d:%d: %s\n", d.file, d.line, d.col, d.msg);
	return c;
}

/* A dnat programmer that counts applies and keeps the last state's
 * backends as "addr:port=weight " text. */
struct counted {
	int applies;
	char last[512];
};

static int
counted_apply(void *impl, const struct dnat_service *svcs, size_t n,
    bool *changed, struct diag *d)
{
	struct counted *c = impl;
	size_t i, j;

	(void)d;
	c->applies++;
	c->last[0] = '\0';
	for (i = 0; i < n; i++)
		for (j = 0; j < svcs[i].nbackends; j++)
			snprintf(c->last + strlen(c->last),
			    sizeof c->last - strlen(c->last), "%s:%ld=%ld ",
			    svcs[i].backends[j].address, svcs[i].backends[j].port,
			    svcs[i].backends[j].weight);
	*changed = true;
	return 0;
}

static int
counted_flush(void *impl, struct diag *d)
{
	(void)impl;
	(void)d;
	return 0;
}

static void
counted_free(void *impl)
{
	(void)impl;
}

static const struct dnat_ops counted_ops = { .apply = counted_apply,
	.flush = counted_flush, .free = counted_free };

/* The last reload event, copied. */
struct seen {
	int reloads;
	bool applied;
	char changes[2048];
	char error[512];
};

static void
seen_emit(void *arg, const struct event *ev)
{
	struct seen *s = arg;
	size_t i;

	if (ev->type != EV_RELOAD)
		return;
	s->reloads++;
	s->applied = ev->u.reload.applied;
	s->changes[0] = '\0';
	for (i = 0; i < ev->u.reload.nchanges; i++)
		snprintf(s->changes + strlen(s->changes),
		    sizeof s->changes - strlen(s->changes), "%s|",
		    ev->u.reload.changes[i]);
	snprintf(s->error, sizeof s->error, "%s", ev->u.reload.error != NULL ?
	    ev->u.reload.error : "");
}

struct rig {
	struct config *cfg;
	struct sim *sim;
	struct probe probe;
	struct action action;
	struct counted counted;
	struct dnat dnat;
	struct seen seen;
	struct controller *c;
	double now;
};

static void
rig_start(struct rig *r, struct config *cfg)
{
	struct controller_opts o = { .dnat = &r->dnat };
	struct event_sink sink = { seen_emit, &r->seen };

	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	assert_non_null(cfg);
	r->sim = sim_new(cfg);
	assert_non_null(r->sim);
	assert_int_equal(sim_probe_init(&r->probe, r->sim), 0);
	sim_action_init(&r->action, r->sim);
	r->dnat.ops = &counted_ops;
	r->dnat.impl = &r->counted;
	o.dnat = &r->dnat;
	r->c = controller_new(cfg, &cfg->policy, &r->probe, &r->action, &sink,
	    &o);
	assert_non_null(r->c);
}

/* Runs the controller (and the simulated world) until t. */
static void
rig_run(struct rig *r, double t)
{
	double next;

	while ((next = controller_next_due(r->c)) <= t + 1e-9) {
		sim_advance(r->sim, next);
		r->now = next;
		controller_run(r->c, next);
	}
}

static void
rig_stop(struct rig *r)
{
	controller_free(r->c);
	r->action.ops->free(r->action.impl);
	r->probe.ops->free(r->probe.impl);
	sim_free(r->sim);
	config_free(r->cfg);
}

/* controller_reload, then the probe, as cli/reload.c does; the old
 * configuration freed. */
static void
rig_reload(struct rig *r, struct config *next, struct reload_changes *ch)
{
	struct diag d;

	assert_non_null(next);
	assert_int_equal(controller_reload(r->c, next, r->now, &d, ch), 0);
	assert_int_equal(r->probe.ops->reload(r->probe.impl, next, &d), 0);
	config_free(r->cfg);
	r->cfg = next;
}

static bool
has(const struct reload_changes *ch, const char *s)
{
	size_t i;

	for (i = 0; i < ch->n; i++)
		if (strcmp(ch->v[i], s) == 0)
			return true;
	return false;
}

static void
test_hosts_and_backends(void **state)
{
	struct rig r;
	struct reload_changes ch;
	const struct model *m;
	struct diag d;
	int v1, h3, v3;
	size_t cnt;
	double mean;

	(void)state;
	rig_start(&r, cfg_of("", "", 20, B1 B2 B3));
	rig_run(&r, 30);
	m = controller_model(r.c);
	assert_int_equal(m->nhosts, 2);
	v1 = model_vm_index(m, "v1");
	assert_true(v1 >= 0);
	cnt = window_count(&m->vms[v1].cpu);
	mean = window_mean(&m->vms[v1].cpu);
	assert_true(cnt == 4 && mean > 100);
	/* the operator drains b2 and chooses auto */
	assert_int_equal(controller_drain(r.c, 0, 1, true, r.now, &d), 0);
	assert_int_equal(controller_set_mode(r.c, MODE_AUTO, &d), 0);
	rig_run(&r, 31);
	r.counted.applies = 0;

	rig_reload(&r, cfg_of(H3, V3, 10, B1 B2 B4), &ch);
	assert_true(has(&ch, "host h3 added"));
	assert_true(has(&ch, "vm v3 added on h3"));
	assert_true(has(&ch, "threshold_pct 20 -> 10"));
	assert_true(has(&ch, "backend 198.18.1.3:8080 removed from web"));
	assert_true(has(&ch, "backend 198.18.1.4:8080 added to web"));
	assert_false(has(&ch, "host h1 removed"));
	reload_changes_free(&ch);

	/* what remains kept its data; the new host connects */
	m = controller_model(r.c);
	assert_int_equal(m->nhosts, 3);
	v1 = model_vm_index(m, "v1");
	assert_int_equal(window_count(&m->vms[v1].cpu), cnt);
	assert_near(window_mean(&m->vms[v1].cpu), mean, 1e-9);
	assert_int_equal(m->hosts[model_host_index(m, "h1")].state, HOST_UP);
	h3 = model_host_index(m, "h3");
	assert_int_equal(m->hosts[h3].state, HOST_CONNECTING);
	/* the policy from the file, the mode the operator chose */
	assert_near(r.c->policy.threshold_pct, 10, 0);
	assert_int_equal(controller_mode(r.c), MODE_AUTO);
	/* b2's drain is kept; b4 is new, not drained */
	assert_true(controller_backend(r.c, 0, 1)->drained);
	assert_false(controller_backend(r.c, 0, 2)->drained);

	/* the next run: one apply of the whole new state */
	rig_run(&r, controller_next_due(r.c));
	assert_int_equal(r.counted.applies, 1);
	assert_string_equal(r.counted.last,
	    "198.18.1.1:8080=1 198.18.1.2:8080=0 198.18.1.4:8080=3 ");
	/* the new host and its VM, from the next probe */
	rig_run(&r, r.now + 10);
	m = controller_model(r.c);
	assert_int_equal(m->hosts[h3].state, HOST_UP);
	v3 = model_vm_index(m, "v3");
	assert_true(v3 >= 0);
	assert_int_equal(m->vms[v3].host, h3);
	rig_stop(&r);
}

static void
test_host_removed(void **state)
{
	struct rig r;
	struct reload_changes ch;
	const struct model *m;
	char y[2048];
	struct diag d;
	struct config *next;

	(void)state;
	rig_start(&r, cfg_of(H3, V3, 20, B1 B2));
	rig_run(&r, 20);
	assert_int_equal(controller_model(r.c)->nhosts, 3);
	assert_true(model_vm_index(controller_model(r.c), "v3") >= 0);
	/* h3 and v3 out of the file */
	snprintf(y, sizeof y, BASE, "", "", 20, B1 B2);
	next = config_new_from_buffer("t.yaml", y, strlen(y), CONFIG_SCENARIO,
	    &d);
	rig_reload(&r, next, &ch);
	assert_true(has(&ch, "host h3 removed"));
	assert_true(has(&ch, "vm v3 removed"));
	reload_changes_free(&ch);
	m = controller_model(r.c);
	assert_int_equal(m->nhosts, 2);
	assert_int_equal(model_host_index(m, "h3"), -1);
	assert_int_equal(model_vm_index(m, "v3"), -1);
	rig_run(&r, 40);
	m = controller_model(r.c);
	assert_int_equal(m->nhosts, 2);
	assert_int_equal(model_vm_index(m, "v3"), -1);
	assert_true(model_vm_index(m, "v1") >= 0);
	rig_stop(&r);
}

static void
test_no_change(void **state)
{
	struct rig r;
	struct reload_changes ch;

	(void)state;
	rig_start(&r, cfg_of("", "", 20, B1 B2));
	rig_run(&r, 10);
	rig_reload(&r, cfg_of("", "", 20, B1 B2), &ch);
	assert_int_equal(ch.n, 1);
	assert_string_equal(ch.v[0], "no change");
	reload_changes_free(&ch);
	rig_stop(&r);
}

/* Through the hook, from a file: a broken one is refused with its
 * position and nothing changes; a good one after it is applied. */
static void
test_refused_file(void **state)
{
	char path[] = "/tmp/vmbal-test-reload-XXXXXX";
	struct rig r;
	struct reload_state rs;
	struct run run;
	struct cmd_result res;
	struct config *first;
	char y[4096];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(y, sizeof y, BASE, "", "", 20, B1 B2);
	f = fdopen(fd, "w");
	fputs(y, f);
	fclose(f);
	first = config_new_from_file(path, CONFIG_SCENARIO, &(struct diag){0});
	assert_non_null(first);
	rig_start(&r, first);
	memset(&run, 0, sizeof run);
	run.cfg = first;
	run.probe = &r.probe;
	run.action = &r.action;
	reload_state_init(&rs, &run, path, CONFIG_SCENARIO, first);
	r.cfg = NULL;	/* rs owns it now */
	rig_run(&r, 20);

	/* a bad value: line 9 of the file, threshold_pct: -5 */
	snprintf(y, sizeof y, BASE, H3, V3, -5, B1);
	f = fopen(path, "w");
	fputs(y, f);
	fclose(f);
	assert_int_equal(reload_run(&rs, r.c, r.now, "test", &res), -1);
	assert_int_equal(res.rc, -1);
	assert_non_null(strstr(res.msg, path));
	assert_non_null(strstr(res.msg, ":9:39: policy.threshold_pct"));
	assert_true(r.seen.reloads == 1 && !r.seen.applied);
	assert_string_equal(r.seen.error, res.msg);
	assert_true(rs.cfg == first && run.cfg == first);
	assert_near(r.c->policy.threshold_pct, 20, 0);
	assert_int_equal(controller_model(r.c)->nhosts, 2);
	/* broken YAML */
	f = fopen(path, "w");
	fputs("hosts: [\n", f);
	fclose(f);
	assert_int_equal(reload_run(&rs, r.c, r.now, "test", &res), -1);
	assert_non_null(strstr(res.msg, ":2:1:"));
	rig_run(&r, 40);	/* the run goes on, as it was */
	assert_int_equal(controller_model(r.c)->nhosts, 2);
	assert_int_equal(controller_ticks(r.c), 4);

	/* then a good one */
	snprintf(y, sizeof y, BASE, H3, V3, 15, B1);
	f = fopen(path, "w");
	fputs(y, f);
	fclose(f);
	assert_int_equal(reload_run(&rs, r.c, r.now, "test", &res), 0);
	assert_true(r.seen.reloads == 3 && r.seen.applied);
	assert_non_null(strstr(r.seen.changes, "host h3 added|"));
	assert_non_null(strstr(r.seen.changes, "threshold_pct 20 -> 15|"));
	assert_non_null(strstr(r.seen.changes,
	    "backend 198.18.1.2:8080 removed from web|"));
	assert_true(rs.cfg != first && run.cfg == rs.cfg);
	assert_true(controller_config(r.c) == rs.cfg);
	assert_near(r.c->policy.threshold_pct, 15, 0);
	rig_run(&r, 60);
	assert_int_equal(controller_model(r.c)->hosts[2].state, HOST_UP);
	rig_stop(&r);
	reload_state_fini(&rs);
	unlink(path);
}

/* The demo has no file: refused, with the reason. */
static void
test_demo_refused(void **state)
{
	struct rig r;
	struct reload_state rs;
	struct run run;
	struct cmd_result res;

	(void)state;
	rig_start(&r, cfg_of("", "", 20, B1));
	memset(&run, 0, sizeof run);
	reload_state_init(&rs, &run, NULL, CONFIG_SCENARIO, NULL);
	assert_int_equal(reload_run(&rs, r.c, 0, "signal", &res), -1);
	assert_non_null(strstr(res.msg, "demo"));
	assert_true(r.seen.reloads == 1 && !r.seen.applied);
	rig_stop(&r);
	reload_state_fini(&rs);
}

/* A changed interval: the next due time stays, then the new one counts. */
static void
test_interval(void **state)
{
	struct rig r;
	struct reload_changes ch;
	char y[4096], *p;
	struct diag d;
	double due;

	(void)state;
	rig_start(&r, cfg_of("", "", 20, B1));
	rig_run(&r, 100);
	snprintf(y, sizeof y, BASE, "", "", 20, B1);
	p = strstr(y, "analyse_interval_s: 10");
	memcpy(p, "analyse_interval_s: 20", 22);
	rig_reload(&r, config_new_from_buffer("t.yaml", y, strlen(y),
	    CONFIG_SCENARIO, &d), &ch);
	assert_true(has(&ch, "analyse_interval_s 10 -> 20"));
	reload_changes_free(&ch);
	due = controller_next_due(r.c);
	assert_true(due > 100 && due <= 105 + 1e-9);
	rig_run(&r, 110);
	assert_int_equal(controller_ticks(r.c), 11);
	rig_run(&r, 150);
	assert_int_equal(controller_ticks(r.c), 13);	/* 130, 150 */
	rig_stop(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_and_backends),
		cmocka_unit_test(test_host_removed),
		cmocka_unit_test(test_no_change),
		cmocka_unit_test(test_refused_file),
		cmocka_unit_test(test_demo_refused),
		cmocka_unit_test(test_interval),
	};

	return TAP_RUN(tests);
}
