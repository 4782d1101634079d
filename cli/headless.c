/*
 * headless.c - the headless front end (see headless.h).
 *
 * SIGINT and SIGTERM end the run cleanly: the clock's sleep is
 * interrupted, the loop sees the flag, and the end event is still
 * written. A closed stdout ends the run with status 1.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../engine/controller.h"
#include "headless.h"
#include "jsonout.h"

static volatile sig_atomic_t headless_stop;

static void
headless_on_signal(int sig)
{
	(void)sig;
	headless_stop = 1;
}

struct headless_sink {
	FILE *out;
	int failed;
};

static void
headless_emit(void *arg, const struct event *ev)
{
	struct headless_sink *s = arg;

	if (!s->failed && jsonout_write(s->out, ev) != 0)
		s->failed = 1;
}

int
headless_run(const struct options *o, const struct config *cfg,
    const struct policy *policy, struct probe *probe, struct action *action,
    struct clock *clk)
{
	struct headless_sink hs = { stdout, 0 };
	struct event_sink sink = { headless_emit, &hs };
	struct sigaction sa;
	struct controller *ctl;
	double next, now;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = headless_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ctl = controller_new(cfg, policy, probe, action, &sink);
	if (ctl == NULL) {
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	now = clk->ops->now(clk->impl);
	controller_run(ctl, now);
	while (!headless_stop && !hs.failed) {
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
