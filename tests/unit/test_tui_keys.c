/*
 * test_tui_keys.c - the console's keys, its F1 and cmd_table agree: every
 * operator command with keys in cmd_table (engine/command.c) is listed in
 * F1 with its keys and help line, each of its keys is bound to it, and
 * pressing it on the built-in demo (no terminal: the console's state and
 * controller only) opens the table's confirmation, or carries it out,
 * through the one door: an "operator" command event names it.
 */
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "helpers.h"
#include "../../cli/demo.h"
#include "../../tui/tui.h"

struct fix {
	struct config *cfg;
	struct sim *sim;
	struct probe probe;
	struct action action;
	struct options o;
	struct run run;
	struct tui *t;
	int reloads;		/* calls of the fake reload hook */
	char reload_who[32];
};

static int
fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->cfg = helpers_scenario(demo_yaml());
	assert_non_null(f->cfg);
	f->sim = sim_new(f->cfg);
	assert_non_null(f->sim);
	assert_int_equal(sim_probe_init(&f->probe, f->sim), 0);
	sim_action_init(&f->action, f->sim);
	f->run.o = &f->o;
	f->run.cfg = f->cfg;
	f->run.policy = f->cfg->policy;
	f->run.wanted = f->cfg->policy.mode;
	f->run.probe = &f->probe;
	f->run.action = &f->action;
	f->t = tui_new(&f->run);
	assert_non_null(f->t);
	controller_run(f->t->ctl, 0);
	tui_gather(f->t);
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix *f = *state;

	tui_free(f->t);
	f->probe.ops->free(f->probe.impl);
	sim_free(f->sim);
	config_free(f->cfg);
	free(f);
	return 0;
}

/* The simulator and the controller one tick on, and the frame's views. */
static void
fix_step(struct fix *f)
{
	double next = controller_next_due(f->t->ctl);

	sim_advance(f->sim, next);
	f->t->now = next;
	controller_run(f->t->ctl, next);
	tui_gather(f->t);
}

/* Ticks until a move is offered (or a flight runs, when flight). */
static void
fix_until(struct fix *f, bool flight)
{
	int i;

	for (i = 0; i < 2000; i++) {
		size_t k;

		if (flight && f->t->nflights > 0)
			return;
		for (k = 0; !flight && k < f->t->nmoves; k++)
			if (f->t->moves[k].state == MOVE_OFFERED)
				return;
		fix_step(f);
	}
	fail_msg("no %s in 2000 ticks", flight ? "flight" : "offer");
}

/* The key a name of cmd_table's keys text stands for; 0 for a word that
 * is not a key ("/", "or"). */
static int
key_code(const char *name)
{
	if (strcmp(name, "/") == 0 || strcmp(name, "or") == 0)
		return 0;
	if (strcmp(name, "Enter") == 0)
		return '\n';
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9')
		return KEY_F(atoi(name + 1));
	if (strlen(name) == 1)
		return (unsigned char)name[0];
	fail_msg("cmd_table names a key the test does not know: %s", name);
	return 0;
}

/* The keys of cmd_table[v], at most max. */
static size_t
keys_of(enum cmd_verb v, int *out, size_t max)
{
	char buf[128], *tok, *save;
	size_t n = 0;

	snprintf(buf, sizeof buf, "%s", cmd_table[v].keys);
	for (tok = strtok_r(buf, " ", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, " ", &save))
		if ((out[n] = key_code(tok)) != 0)
			n++;
	return n;
}

/* Whether the newest command event is "operator: name ... done". */
static bool
logged(struct tui *t, const char *name, const char *status)
{
	char want[128];
	size_t i;

	snprintf(want, sizeof want, "operator: %s", name);
	for (i = t->nlog; i-- > 0;) {
		const char *s = tui_log_line(t, i)->text;

		if (strstr(s, "operator: ") != NULL)
			return strstr(s, want) != NULL && strstr(s, status) != NULL;
	}
	return false;
}

/* Every command with keys: in F1 with its keys and help; each of its
 * keys bound to it; and every console key with a note in F1 too. */
static void
test_f1_lists_the_table(void **state)
{
	struct fix *f = *state;
	const struct tui_binding *b;
	int keys[8];
	size_t v, i, k, n;

	tui_help(f->t);
	assert_int_equal(f->t->dlg.kind, DLG_HELP);
	for (v = 0; v < CMD_NVERBS; v++) {
		bool seen = false;

		if (cmd_table[v].keys == NULL)
			continue;
		for (i = 0; i < f->t->dlg.nlines; i++) {
			const char *l = f->t->dlg.lines[i];

			if (strstr(l, cmd_table[v].keys) != NULL &&
			    strstr(l, cmd_table[v].help) != NULL)
				seen = true;
		}
		if (!seen)
			fail_msg("F1 does not list %s (%s: %s)", cmd_table[v].name,
			    cmd_table[v].keys, cmd_table[v].help);
		n = keys_of((enum cmd_verb)v, keys, 8);
		assert_true(n > 0);
		for (k = 0; k < n; k++) {
			b = tui_binding(f->t, keys[k]);
			if (b == NULL || !(b->cmds & TUI_CMD(v)))
				fail_msg("key %d of %s is not bound to it", keys[k],
				    cmd_table[v].name);
		}
	}
	b = tui_global_keys(&n);
	for (k = 0; k < n; k++) {
		bool seen = false;

		if (b[k].keys == NULL)
			continue;
		assert_int_equal(b[k].cmds, 0);	/* commands: cmd_table's */
		assert_non_null(b[k].help);
		for (i = 0; i < f->t->dlg.nlines; i++)
			if (strstr(f->t->dlg.lines[i], b[k].keys) != NULL &&
			    strstr(f->t->dlg.lines[i], b[k].help) != NULL)
				seen = true;
		if (!seen)
			fail_msg("F1 does not list the console key %s", b[k].keys);
	}
	tui_key(f->t, 27);
	assert_int_equal(f->t->dlg.kind, DLG_NONE);
}

/* Pressing key opens a confirmation (or a pick) of command v; with the
 * table's title when title is true. */
static void
opens(struct fix *f, int key, enum cmd_verb v, enum tui_dialog_kind kind,
    bool title)
{
	struct tui *t = f->t;

	t->msg[0] = '\0';
	if (key != 0)		/* 0: the dialog is up already */
		tui_key(t, key);
	if (t->dlg.kind != kind)
		fail_msg("key %d (%s) opened no dialog: %s", key,
		    cmd_table[v].name, t->msg);
	if (kind == DLG_CONFIRM) {
		assert_ptr_equal(t->dlg.cb, tui_cmd_send);
		assert_int_equal(((struct tui_cmd *)t->dlg.arg)->cmd.verb, v);
		assert_string_equal(((struct tui_cmd *)t->dlg.arg)->cmd.who,
		    "operator");
	}
	if (title)
		assert_string_equal(t->dlg.title, cmd_table[v].title);
}

/* Each key of cmd_table[v] opens its dialog; Esc closes it, nothing done. */
static void
each_key_opens(struct fix *f, enum cmd_verb v, enum tui_dialog_kind kind,
    bool title)
{
	int keys[8];
	size_t n = keys_of(v, keys, 8), k;

	for (k = 0; k < n; k++) {
		opens(f, keys[k], v, kind, title);
		tui_key(f->t, 27);
		assert_int_equal(f->t->dlg.kind, DLG_NONE);
	}
}

static void
test_suggestion_keys(void **state)
{
	struct fix *f = *state;
	struct tui *t = f->t;

	fix_until(f, false);
	t->focus = PANE_PLAN;
	each_key_opens(f, CMD_CONFIRM, DLG_CONFIRM, false);
	opens(f, 'Y', CMD_CONFIRM, DLG_CONFIRM, true);
	tui_key(t, 27);
	opens(f, 'y', CMD_CONFIRM, DLG_CONFIRM, false);
	assert_string_equal(t->dlg.title, cmd_table[CMD_MIGRATE].title);
	tui_key(t, 'y');
	assert_int_equal(t->dlg.kind, DLG_NONE);
	assert_true(logged(t, "confirm", "done"));
	assert_non_null(strstr(t->msg, "confirmed:"));
	/* n: the next offer dismissed, at once */
	fix_until(f, false);
	tui_key(t, 'n');
	assert_true(logged(t, "dismiss", "done"));
	assert_non_null(strstr(t->msg, "suggestion dismissed"));
}

static void
test_global_command_keys(void **state)
{
	struct fix *f = *state;
	struct tui *t = f->t;

	each_key_opens(f, CMD_MODE, DLG_CONFIRM, true);
	tui_key(t, 'a');
	tui_key(t, 'y');
	assert_int_equal(controller_mode(t->ctl), MODE_AUTO);
	assert_true(logged(t, "mode auto", "done"));
	tui_key(t, 'a');
	assert_string_equal(t->dlg.title, "Switch back to manual mode?");
	tui_key(t, 'y');
	assert_int_equal(controller_mode(t->ctl), MODE_MANUAL);
	tui_key(t, 'p');
	assert_true(controller_paused(t->ctl));
	assert_true(logged(t, "pause", "done"));
	tui_key(t, 'p');
	assert_false(controller_paused(t->ctl));
	assert_true(logged(t, "resume", "done"));
	tui_key(t, KEY_F(1));
	assert_int_equal(t->dlg.kind, DLG_HELP);
	tui_key(t, 'q');
	tui_key(t, '?');
	assert_int_equal(t->dlg.kind, DLG_HELP);
	tui_key(t, 27);
	assert_false(t->quit);
}

static int
fake_reload(void *arg, struct controller *ctl, double now, const char *who,
    struct cmd_result *res)
{
	struct fix *f = arg;

	(void)ctl;
	(void)now;
	f->reloads++;
	snprintf(f->reload_who, sizeof f->reload_who, "%s", who);
	res->rc = 0;
	snprintf(res->msg, sizeof res->msg, "reloaded: nothing changed");
	return 0;
}

static void
test_reload_key(void **state)
{
	struct fix *f = *state;
	struct tui *t = f->t;

	tui_key(t, 'R');	/* no hook: says why, asks nothing */
	assert_int_equal(t->dlg.kind, DLG_NONE);
	assert_true(t->msg_bad);
	assert_non_null(strstr(t->msg, "cannot reload: "));
	f->run.reload = fake_reload;
	f->run.reload_arg = f;
	each_key_opens(f, CMD_RELOAD, DLG_CONFIRM, true);
	assert_int_equal(f->reloads, 0);
	tui_key(t, 'R');
	tui_key(t, 'y');
	assert_int_equal(f->reloads, 1);
	assert_string_equal(f->reload_who, "operator");
	assert_string_equal(t->msg, "reloaded: nothing changed");
}

static void
test_pane_keys(void **state)
{
	struct fix *f = *state;
	struct tui *t = f->t;
	size_t i;

	/* each says where it works when its pane has not the focus */
	t->focus = PANE_PLAN;
	tui_key(t, 'e');
	assert_non_null(strstr(t->msg, "select a host in the Hosts pane first"));
	tui_key(t, 'd');
	assert_non_null(strstr(t->msg, "select a backend in the Services pane first"));
	tui_key(t, 'm');
	assert_non_null(strstr(t->msg, "select a VM in the VMs pane first"));
	tui_key(t, 'x');
	assert_non_null(strstr(t->msg, "no migration in flight"));

	t->focus = PANE_VMS;
	t->sel[PANE_VMS] = 0;
	each_key_opens(f, CMD_MIGRATE, DLG_PICK, false);
	tui_key(t, 'm');
	for (i = 0; i < t->dlg.nlines && !t->dlg.pick_ok[i]; i++)
		;
	assert_true(i < t->dlg.nlines);
	assert_int_equal(t->dlg.sel, i);
	tui_key(t, '\n');
	opens(f, 0, CMD_MIGRATE, DLG_CONFIRM, true);	/* key 0: no key */
	tui_key(t, 'y');
	assert_true(logged(t, "migrate", "done"));

	fix_until(f, true);
	t->focus = PANE_FLIGHTS;
	t->sel[PANE_FLIGHTS] = 0;
	each_key_opens(f, CMD_ABORT, DLG_CONFIRM, true);
	tui_key(t, 'x');
	tui_key(t, 'y');
	assert_true(logged(t, "abort", "done"));

	t->focus = PANE_HOSTS;
	t->sel[PANE_HOSTS] = 2;		/* castor */
	each_key_opens(f, CMD_MAINTENANCE, DLG_CONFIRM, true);
	tui_key(t, 'e');
	tui_key(t, 'y');
	assert_true(logged(t, "maintenance castor on", "done"));
	/* F: only a host that is down can be confirmed off */
	t->sel[PANE_HOSTS] = 0;
	tui_key(t, 'F');
	assert_non_null(strstr(t->msg, "only a host that is down can be confirmed off"));

	t->focus = PANE_SERVICES;
	t->sel[PANE_SERVICES] = 1;	/* web's first backend */
	each_key_opens(f, CMD_DRAIN, DLG_CONFIRM, true);
	tui_key(t, 'd');
	tui_key(t, 'y');
	assert_true(logged(t, "drain web ", "done"));
}

/* Observe mode (as --mode observe gives it): the keys refuse before
 * any dialog, in words. */
static void
test_observe_refuses(void **state)
{
	struct fix *f = *state;
	struct tui *t = f->t;

	t->mode = MODE_OBSERVE;
	tui_key(t, 'a');
	assert_int_equal(t->dlg.kind, DLG_NONE);
	assert_non_null(strstr(t->msg, "observe mode (--mode observe): cannot switch to auto mode"));
	tui_key(t, 'y');
	assert_non_null(strstr(t->msg, "cannot confirm"));
	tui_key(t, 'R');
	assert_non_null(strstr(t->msg, "cannot reload"));
}

/* h: a host's or a VM's history over the panes, not help; Esc closes
 * it; elsewhere it says what to select. */
static void
test_history_key(void **state)
{
	struct fix *f = *state;
	struct tui *t = f->t;

	t->focus = PANE_HOSTS;
	tui_key(t, 'h');
	assert_non_null(t->hview);
	assert_int_equal(t->dlg.kind, DLG_NONE);
	tui_key(t, 'j');	/* its own keys: nothing moves beneath */
	assert_non_null(t->hview);
	assert_int_equal(t->sel[PANE_HOSTS], 0);
	tui_key(t, 27);
	assert_null(t->hview);
	t->focus = PANE_VMS;
	tui_key(t, 'h');
	assert_non_null(t->hview);
	tui_key(t, 'q');
	assert_null(t->hview);
	t->focus = PANE_EVENTS;
	tui_key(t, 'h');
	assert_null(t->hview);
	assert_non_null(strstr(t->msg, "select a host or a VM"));
	tui_key(t, '?');
	assert_int_equal(t->dlg.kind, DLG_HELP);
}

/* Enter: a host's detail in the Hosts pane, a VM's in the VMs pane;
 * elsewhere it confirms the suggestion, as before. */
static void
test_enter_details(void **state)
{
	struct fix *f = *state;
	struct tui *t = f->t;
	size_t i;
	bool seen = false;

	fix_until(f, false);
	t->focus = PANE_HOSTS;
	t->sel[PANE_HOSTS] = 2;		/* castor */
	tui_key(t, '\n');
	assert_int_equal(t->dlg.kind, DLG_HELP);
	assert_string_equal(t->dlg.title, "Host castor");
	for (i = 0; i < t->dlg.nlines; i++)
		if (strstr(t->dlg.lines[i], "Now: not a target: CPU") != NULL)
			seen = true;
	assert_true(seen);
	tui_key(t, 27);
	assert_int_equal(t->dlg.kind, DLG_NONE);
	t->focus = PANE_VMS;
	t->sel[PANE_VMS] = 0;
	tui_key(t, KEY_ENTER);
	assert_int_equal(t->dlg.kind, DLG_HELP);
	assert_non_null(strstr(t->dlg.title, "VM "));
	tui_key(t, 27);
	t->focus = PANE_EVENTS;
	tui_key(t, '\r');
	assert_int_equal(t->dlg.kind, DLG_CONFIRM);
	assert_ptr_equal(t->dlg.cb, tui_cmd_send);
	tui_key(t, 27);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_f1_lists_the_table,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_suggestion_keys,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_global_command_keys,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_reload_key,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_pane_keys,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_observe_refuses,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_history_key,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_enter_details,
		    fix_setup, fix_teardown),
	};

	return TAP_RUN(tests);
}
