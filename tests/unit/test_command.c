/*
 * test_command.c - the one door for operator commands, and the standing
 * state they leave across a restart:
 *   - controller_command carries out, refuses (observe mode, unknown
 *     names, nothing to do) and says each in a command event;
 *   - the journal (a real journal file) holds each change with who gave
 *     it, and a second controller on the same journal starts with the
 *     host in maintenance, the backend drained and the engine paused;
 *   - a configuration that changed its word (the maintenance list,
 *     policy.mode) or --mode wins over the journal; resume ends a pause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "helpers.h"
#include "../../actions/journal_file.h"

static const char *const yaml_base =
	"hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}]\n"
	"vms:\n"
	"  - {name: a, host: h1, load: 10}\n"
	"  - {name: b, host: h2, load: 10}\n"
	"policy: {mode: manual, threshold_pct: 50, hold_s: 30, window: 3}\n"
	"services:\n"
	"  - {name: web, vip: 198.18.0.1, port: 80, backends: [\n"
	"      {address: 198.18.0.11, port: 8080, vm: a},\n"
	"      {address: 198.18.0.12, port: 8080, vm: b}]}\n";

/* The same with h2 in the configuration's maintenance list. */
static const char *const yaml_maint =
	"hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}]\n"
	"vms:\n"
	"  - {name: a, host: h1, load: 10}\n"
	"  - {name: b, host: h2, load: 10}\n"
	"policy: {mode: manual, threshold_pct: 50, hold_s: 30, window: 3}\n"
	"maintenance: [h2]\n"
	"services:\n"
	"  - {name: web, vip: 198.18.0.1, port: 80, backends: [\n"
	"      {address: 198.18.0.11, port: 8080, vm: a},\n"
	"      {address: 198.18.0.12, port: 8080, vm: b}]}\n";

#define MAX_SAID 32

struct said {
	int n;
	char who[MAX_SAID][32], name[MAX_SAID][32], args[MAX_SAID][96];
	bool done[MAX_SAID];
};

static void
said_sink(void *arg, const struct event *ev)
{
	struct said *s = arg;

	if (ev->type != EV_COMMAND || s->n >= MAX_SAID)
		return;
	snprintf(s->who[s->n], sizeof s->who[0], "%s", ev->u.command.who);
	snprintf(s->name[s->n], sizeof s->name[0], "%s", ev->u.command.name);
	snprintf(s->args[s->n], sizeof s->args[0], "%s", ev->u.command.args);
	s->done[s->n] = ev->u.command.done;
	s->n++;
}

struct world {
	struct config *cfg;
	struct journal j;
	struct helpers_rig r;
	struct said said;
};

static void
world_start(struct world *w, const char *yaml, const char *jpath,
    bool mode_given, enum policy_mode mode)
{
	struct event_sink sink = { said_sink, &w->said };
	struct controller_opts opts = { .journal = &w->j,
		.mode_given = mode_given };
	struct policy pol;
	struct diag d;

	memset(w, 0, sizeof *w);
	w->cfg = helpers_scenario(yaml);
	assert_non_null(w->cfg);
	assert_int_equal(journal_file_init(&w->j, jpath, &d), 0);
	assert_int_equal(journal_file_load_past(&w->j, 300, &d), 0);
	pol = w->cfg->policy;
	if (mode_given)
		pol.mode = mode;
	memset(&w->r, 0, sizeof w->r);
	w->r.sim = sim_new(w->cfg);
	assert_non_null(w->r.sim);
	assert_int_equal(sim_probe_init(&w->r.probe, w->r.sim), 0);
	sim_action_init(&w->r.action, w->r.sim);
	w->r.ctl = controller_new(w->cfg, &pol, &w->r.probe, &w->r.action,
	    &sink, &opts);
	assert_non_null(w->r.ctl);
	controller_run(w->r.ctl, 0);
}

static void
world_stop(struct world *w)
{
	helpers_rig_clear(&w->r);
	w->j.ops->free(w->j.impl);
	config_free(w->cfg);
}

static int
cmd(struct world *w, const struct command *c, char *msg, size_t len)
{
	struct cmd_result res;

	controller_command(w->r.ctl, c, w->r.now, &res);
	if (msg != NULL)
		snprintf(msg, len, "%s", res.msg);
	return res.rc;
}

static bool
in_maintenance(struct world *w, const char *host)
{
	const struct model *m = controller_model(w->r.ctl);

	return m->hosts[model_host_index(m, host)].maintenance;
}

static bool
drained(struct world *w, size_t b)
{
	return controller_backend(w->r.ctl, 0, b)->drained;
}

static void
tmp_journal(char *path, size_t len)
{
	char dir[] = "/tmp/vmbal-test-command-XXXXXX";

	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/journal.jsonl", dir);
}

static void
rm_journal(const char *path)
{
	char dir[512];

	unlink(path);
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

/* Commands work, are refused when they should be, and are said. */
static void
test_commands(void **state)
{
	struct command maint = { .verb = CMD_MAINTENANCE, .who = "ctl:root",
		.host = "h2", .on = true };
	struct command nohost = { .verb = CMD_MAINTENANCE, .who = "ctl:root",
		.host = "h9", .on = true };
	struct command drain = { .verb = CMD_DRAIN, .who = "ctl:root",
		.service = "web", .backend = "198.18.0.12:8080", .on = true };
	struct command nobackend = { .verb = CMD_DRAIN, .who = "ctl:root",
		.service = "web", .backend = "198.18.0.99:8080", .on = true };
	struct command pause = { .verb = CMD_PAUSE, .who = "operator" };
	struct command status = { .verb = CMD_STATUS };
	char path[256], msg[512];
	struct world w;

	(void)state;
	tmp_journal(path, sizeof path);
	world_start(&w, yaml_base, path, false, MODE_MANUAL);
	assert_int_equal(cmd(&w, &maint, msg, sizeof msg), 0);
	assert_true(in_maintenance(&w, "h2"));
	assert_non_null(strstr(msg, "h2 in maintenance"));
	assert_int_equal(cmd(&w, &maint, msg, sizeof msg), -1);	/* already */
	assert_int_equal(cmd(&w, &nohost, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "no host named h9"));
	assert_int_equal(cmd(&w, &drain, NULL, 0), 0);
	assert_true(drained(&w, 1));
	assert_false(drained(&w, 0));
	assert_int_equal(cmd(&w, &nobackend, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "no backend 198.18.0.99:8080"));
	assert_int_equal(cmd(&w, &pause, NULL, 0), 0);
	assert_true(controller_paused(w.r.ctl));
	assert_int_equal(cmd(&w, &pause, NULL, 0), -1);	/* paused already */
	assert_int_equal(cmd(&w, &status, NULL, 0), -1);	/* the front end's */
	/* said: each change, done or refused; the read-only one not */
	assert_int_equal(w.said.n, 7);
	assert_string_equal(w.said.who[0], "ctl:root");
	assert_string_equal(w.said.name[0], "maintenance");
	assert_string_equal(w.said.args[0], "h2 on");
	assert_true(w.said.done[0]);
	assert_false(w.said.done[1]);
	assert_string_equal(w.said.args[3], "web 198.18.0.12:8080 on");
	world_stop(&w);
	rm_journal(path);
}

/* Observe mode refuses every change, and says so. */
static void
test_observe_refuses(void **state)
{
	struct command cmds[] = {
		{ .verb = CMD_MAINTENANCE, .host = "h2", .on = true },
		{ .verb = CMD_DRAIN, .service = "web",
		  .backend = "198.18.0.12:8080", .on = true },
		{ .verb = CMD_PAUSE }, { .verb = CMD_DISMISS },
		{ .verb = CMD_MODE, .mode = MODE_AUTO },
		{ .verb = CMD_MIGRATE, .vm = "a", .host = "h2" },
		{ .verb = CMD_ABORT, .vm = "a" },
	};
	char path[256], msg[512];
	struct world w;
	size_t i;

	(void)state;
	tmp_journal(path, sizeof path);
	world_start(&w, yaml_base, path, true, MODE_OBSERVE);
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		assert_int_equal(cmd(&w, &cmds[i], msg, sizeof msg), -1);
		assert_non_null(strstr(msg, "observe mode"));
	}
	assert_false(in_maintenance(&w, "h2"));
	assert_false(drained(&w, 1));
	assert_false(controller_paused(w.r.ctl));
	assert_int_equal(w.said.n, (int)(sizeof cmds / sizeof cmds[0]));
	world_stop(&w);
	rm_journal(path);
}

/* Set at run time, killed, started again: still in force. */
static void
test_restored(void **state)
{
	struct command maint = { .verb = CMD_MAINTENANCE, .who = "ctl:root",
		.host = "h2", .on = true };
	struct command drain = { .verb = CMD_DRAIN, .who = "ctl:root",
		.service = "web", .backend = "198.18.0.12:8080", .on = true };
	struct command pause = { .verb = CMD_PAUSE, .who = "ctl:root" };
	struct command mode = { .verb = CMD_MODE, .who = "ctl:root",
		.mode = MODE_AUTO };
	struct journal_past *past;
	char path[256];
	struct world w;
	struct diag d;
	int i, restored = 0;

	(void)state;
	tmp_journal(path, sizeof path);
	world_start(&w, yaml_base, path, false, MODE_MANUAL);
	assert_int_equal(cmd(&w, &maint, NULL, 0), 0);
	assert_int_equal(cmd(&w, &drain, NULL, 0), 0);
	assert_int_equal(cmd(&w, &pause, NULL, 0), 0);
	assert_int_equal(cmd(&w, &mode, NULL, 0), 0);
	world_stop(&w);
	/* four standing states, every line a record */
	past = journal_replay_read(path, (double)time(NULL), 300, &d);
	assert_non_null(past);
	assert_int_equal(past->bad_lines, 0);
	assert_int_equal(past->nstate, 4);
	/* and the evacuation of h2 that maintenance started, still open */
	assert_int_equal(past->nmoves, 1);
	assert_string_equal(past->moves[0].vm, "b");
	assert_true(past->moves[0].open);
	journal_past_free(past);

	world_start(&w, yaml_base, path, false, MODE_MANUAL);
	assert_true(in_maintenance(&w, "h2"));
	assert_true(drained(&w, 1));
	assert_false(drained(&w, 0));
	assert_true(controller_paused(w.r.ctl));
	assert_int_equal(controller_mode(w.r.ctl), MODE_AUTO);
	for (i = 0; i < w.said.n; i++)
		if (strcmp(w.said.who[i], "journal") == 0 && w.said.done[i])
			restored++;
	assert_int_equal(restored, 4);
	/* changed back: not restored the next time */
	maint.on = false;
	drain.on = false;
	pause.verb = CMD_RESUME;
	assert_int_equal(cmd(&w, &maint, NULL, 0), 0);
	assert_int_equal(cmd(&w, &drain, NULL, 0), 0);
	assert_int_equal(cmd(&w, &pause, NULL, 0), 0);
	world_stop(&w);

	world_start(&w, yaml_base, path, true, MODE_MANUAL);
	assert_false(in_maintenance(&w, "h2"));
	assert_false(drained(&w, 1));
	assert_false(controller_paused(w.r.ctl));
	/* --mode manual on the command line wins over the journal's auto */
	assert_int_equal(controller_mode(w.r.ctl), MODE_MANUAL);
	world_stop(&w);
	rm_journal(path);
}

/* The configuration says otherwise: it wins. */
static void
test_config_wins(void **state)
{
	struct command out = { .verb = CMD_MAINTENANCE, .who = "ctl:root",
		.host = "h2", .on = false };
	struct command in = { .verb = CMD_MAINTENANCE, .who = "ctl:root",
		.host = "h2", .on = true };
	char path[256];
	struct world w;

	(void)state;
	/* taken out of the config's maintenance at run time: stays out
	 * while the config still lists it */
	tmp_journal(path, sizeof path);
	world_start(&w, yaml_maint, path, false, MODE_MANUAL);
	assert_true(in_maintenance(&w, "h2"));
	assert_int_equal(cmd(&w, &out, NULL, 0), 0);
	world_stop(&w);
	world_start(&w, yaml_maint, path, false, MODE_MANUAL);
	assert_false(in_maintenance(&w, "h2"));
	world_stop(&w);
	rm_journal(path);

	/* put into maintenance at run time, then the file's list changed
	 * (the operator edited it to say h2 is in): the file's word */
	tmp_journal(path, sizeof path);
	world_start(&w, yaml_base, path, false, MODE_MANUAL);
	assert_int_equal(cmd(&w, &in, NULL, 0), 0);
	world_stop(&w);
	world_start(&w, yaml_maint, path, false, MODE_MANUAL);
	assert_true(in_maintenance(&w, "h2"));
	assert_false(w.said.done[0]);	/* not restored: said why */
	world_stop(&w);
	/* and the list edited back to what it said when the command came:
	 * the command stands again */
	world_start(&w, yaml_base, path, false, MODE_MANUAL);
	assert_true(in_maintenance(&w, "h2"));
	world_stop(&w);
	rm_journal(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_observe_refuses),
		cmocka_unit_test(test_restored),
		cmocka_unit_test(test_config_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
