/*
 * headless.c - the headless front end (see headless.h).
 *
 * SIGINT and SIGTERM end the run cleanly: the wait is interrupted, the
 * loop sees the flag, and the end event is still written. SIGHUP reads
 * the configuration again the same way (the run's reload hook,
 * cli/reload.c), between two runs of the controller; a reload event says
 * what came of it. A closed stdout ends the run with status 1. Between
 * ticks the run waits in poll() on the control socket (ctl_server.h) and
 * serves its clients.
 */
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../actions/history_rrd.h"
#include "../engine/controller.h"
#include "ctl_server.h"
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
	struct ctl_server *srv;	/* the control socket, or NULL */
	struct history *history;	/* the RRD writer, or NULL */
};

static void
headless_emit(void *arg, const struct event *ev)
{
	struct headless_sink *s = arg;

	ctl_server_event(s->srv, ev);
	history_event(s->history, ev);
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

/*
 * Waits until the clock reaches t, serving the control socket meanwhile
 * (at most a second per poll). 0 once t is reached; -1 when interrupted
 * or after a client's request (the caller looks again at what is due).
 */
static int
headless_wait(struct ctl_server *srv, struct controller *ctl,
    const struct run *r, double t)
{
	struct clock *clk = r->clk;
	struct pollfd pfd[CTL_SERVER_FDS];
	size_t n = ctl_server_pollfds(srv, pfd, CTL_SERVER_FDS);
	double wait_s = clk->ops->wall_until(clk->impl, t);

	if (wait_s > 0 || n > 0) {
		(void)poll(pfd, n, wait_s <= 0 ? 0 : wait_s > 1 ? 1000 :
		    (int)ceil(wait_s * 1000.0));
		if (ctl_server_serve(srv, ctl, r, clk->ops->now(clk->impl)) > 0)
			return -1;
	}
	if (headless_stop || clk->ops->wall_until(clk->impl, t) > 0)
		return -1;
	return clk->ops->sleep_until(clk->impl, t);
}

/* The control socket, unless --plan: a socket that cannot be served is
 * said on stderr and the run goes on without it. */
static struct ctl_server *
headless_server(const struct run *r)
{
	struct ctl_server *srv;
	char path[512], err[700];

	if (r->o->plan)
		return NULL;
	ctl_server_path(r->cfg, r->o->demo, path, sizeof path);
	srv = ctl_server_new(path, err, sizeof err);
	if (srv == NULL)
		fprintf(stderr, "vmbal: control socket: %s\n", err);
	return srv;
}

int
headless_run(const struct run *r)
{
	const struct options *o = r->o;
	struct clock *clk = r->clk;
	struct headless_sink hs = { stdout, 0, o->plan, NULL, r->history };
	struct controller_opts copts = { .dry_run = o->dry_run,
		.health = r->health, .journal = r->journal, .dnat = r->dnat,
		.role = r->role, .mode_given = o->mode_set };
	struct policy pol = r->policy;
	struct event_sink sink = { headless_emit, &hs };
	struct sigaction sa;
	struct controller *ctl;
	double next, now;
	bool last;
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
	hs.srv = headless_server(r);
	controller_run(ctl, now);
	while (!headless_stop && !hs.failed) {
		if (headless_hup)
			headless_reload(r, ctl);
		if (o->ticks > 0 && controller_ticks(ctl) >= o->ticks)
			break;
		next = controller_next_due(ctl);
		last = o->duration > 0 && next > o->duration + 1e-9;
		if (headless_wait(hs.srv, ctl, r, last ? o->duration : next) != 0)
			continue;
		if (last)
			break;
		controller_run(ctl, next);
	}
	now = clk->ops->now(clk->impl);
	controller_end(ctl, now);
	ctl_server_free(hs.srv);
	controller_free(ctl);
	return hs.failed ? 1 : 0;
}
