/*
 * headless.c - the headless front end (see headless.h).
 *
 * SIGINT and SIGTERM end the run cleanly: the clock's sleep is
 * interrupted, the loop sees the flag, and the end event is still
 * written. SIGHUP reads the configuration again the same way (the run's
 * reload hook, cli/reload.c), between two runs of the controller; a
 * reload event says what came of it. A closed stdout ends the run with
 * status 1.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../engine/controller.h"
#include "headless.h"
#include "jsonout.h"

static volatile sig_atomic_t headless_stop;
static volatile sig_atomic_t headless_hup;

static void
headless_on_signal(int sig)
{
	if (sig == SIGHUP)
		headless_hup = 1;
	else
		headless_stop = 1;
}

/* SIGHUP: the hook reads the file again; the event says the rest. */
static void
headless_reload(const struct run *r, struct controller *ctl)
{
	struct cmd_result res;

	headless_hup = 0;
	if (r->reload != NULL)
		(void)r->reload(r->reload_arg, ctl,
		    r->clk->ops->now(r->clk->impl), "signal", &res);
}

struct headless_sink {
	FILE *out;
	int failed;
	bool plan_only;		/* --plan: the plan event and nothing else */
};

static void
headless_emit(void *arg, const struct event *ev)
{
	struct headless_sink *s = arg;

	if (s->plan_only && ev->type != EV_PLAN)
		return;
	if (!s->failed && jsonout_write(s->out, ev) != 0)
		s->failed = 1;
}

/*
 * --plan: probe until every VM's window is full (window samples after the
 * first, which only sets the counters' baseline), plan once, print it.
 */
static int
headless_plan(struct controller *ctl, const struct policy *policy,
    struct clock *clk, struct headless_sink *hs)
{
	double next;

	while (!headless_stop && controller_probes(ctl) <= policy->window) {
		next = controller_next_due(ctl);
		if (clk->ops->sleep_until(clk->impl, next) != 0)
			continue;
		controller_run(ctl, next);
	}
	if (headless_stop)
		return 1;
	if (controller_plan_once(ctl, clk->ops->now(clk->impl)) != 0) {
		fprintf(stderr, "vmbal: out of memory while planning\n");
		return 1;
	}
	return hs->failed ? 1 : 0;
}

int
headless_run(const struct run *r)
{
	const struct options *o = r->o;
	struct clock *clk = r->clk;
	struct headless_sink hs = { stdout, 0, o->plan };
	struct controller_opts copts = { .dry_run = o->dry_run,
		.health = r->health, .journal = r->journal, .dnat = r->dnat,
		.role = r->role, .mode_given = o->mode_set };
	struct policy pol = r->policy;
	struct event_sink sink = { headless_emit, &hs };
	struct sigaction sa;
	struct controller *ctl;
	double next, now;
	int rc;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = headless_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->plan)
		pol.mode = MODE_OBSERVE;	/* never acts */
	if (r->holder[0] != '\0')
		fprintf(stderr,
		    "vmbal: observing: %s holds control of this cluster (%s)\n",
		    r->holder, lease_path(r->lease));
	ctl = controller_new(r->cfg, &pol, r->probe, r->action, &sink, &copts);
	if (ctl == NULL) {
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	now = clk->ops->now(clk->impl);
	if (o->plan) {
		controller_run(ctl, now);
		rc = headless_plan(ctl, &pol, clk, &hs);
		controller_free(ctl);
		return rc;
	}
	controller_run(ctl, now);
	while (!headless_stop && !hs.failed) {
		if (headless_hup)
			headless_reload(r, ctl);
		if (o->ticks > 0 && controller_ticks(ctl) >= o->ticks)
			break;
		next = controller_next_due(ctl);
		if (o->duration > 0 && next > o->duration + 1e-9) {
			if (clk->ops->sleep_until(clk->impl, o->duration) == 0)
				now = o->duration;
			break;
		}
		if (clk->ops->sleep_until(clk->impl, next) != 0)
			continue;
		now = next;
		controller_run(ctl, now);
	}
	now = clk->ops->now(clk->impl);
	controller_end(ctl, now);
	controller_free(ctl);
	return hs.failed ? 1 : 0;
}
