/*
 * console.c - the console's main loop (see console.h).
 *
 * One thread: it waits on the keyboard and a signal pipe with poll(),
 * never longer than until the controller is next due or the next frame.
 * Probes and migrations run in their own threads behind the controller,
 * so nothing here waits on the network. A key is handled and the frame
 * redrawn at once; otherwise frames come at the refresh interval. The
 * control socket's fds are in the same poll (cli/ctl_server.h): a request
 * is answered, and the frame redrawn, at once too.
 * SIGHUP with the terminal still there reads the configuration again
 * (tui_reload); with the terminal gone it stops, as before (term.c).
 */
#include <curses.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../cli/ctl_server.h"
#include "../lib/monotime.h"
#include "console.h"
#include "term.h"
#include "tui.h"

static void
tui_load_theme(struct tui *t)
{
	char err[512];

	if (theme_load(t->run->o->theme != NULL ? t->run->o->theme : "dark",
	    &t->theme, err, sizeof err) != 0) {
		theme_default(&t->theme);
		tui_message(t, true, "theme: using the default: %s", err);
	}
	theme_apply(&t->theme, t->color, t->attr);
}

/* Every event to the Events pane and to the socket's `events` clients. */
static void
tui_emit(void *arg, const struct event *ev)
{
	struct tui *t = arg;

	ctl_server_event(t->srv, ev);
	tui_event(t, ev);
}

struct tui *
tui_new(const struct run *r)
{
	struct controller_opts copts = { .dry_run = r->o->dry_run,
		.health = r->health, .journal = r->journal, .dnat = r->dnat,
		.role = r->role, .mode_given = r->o->mode_set };
	struct event_sink sink;
	struct tui *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->run = r;
	t->cfg = r->cfg;
	t->refresh_s = 1.0;
	t->focus = PANE_PLAN;
	t->sort = SORT_NAME;
	t->log = calloc(TUI_LOG_MAX, sizeof *t->log);
	t->hist = calloc(r->cfg->nhosts + 1, sizeof *t->hist);
	sink.emit = tui_emit;
	sink.arg = t;
	if (t->log != NULL && t->hist != NULL)
		t->ctl = controller_new(r->cfg, &r->policy, r->probe, r->action,
		    &sink, &copts);
	if (t->ctl == NULL) {
		tui_free(t);
		return NULL;
	}
	return t;
}

void
tui_free(struct tui *t)
{
	if (t == NULL)
		return;
	tui_dialog_clear(t);
	tui_hview_close(t);
	ctl_server_free(t->srv);
	controller_free(t->ctl);
	free(t->log);
	free(t->hist);
	free(t->vm_order);
	free(t);
}

/* Keys waiting on stdin, each handled in turn. */
static bool
tui_read_keys(struct tui *t)
{
	bool any = false;
	int key;

	while ((key = getch()) != ERR) {
		tui_key(t, key);
		any = true;
		if (t->quit)
			break;
	}
	return any;
}

int
tui_check_terminal(char *err, size_t errlen)
{
	return term_check(err, errlen);
}

int
tui_run(const struct run *r)
{
	struct term_caps caps;
	struct clock *clk = r->clk;
	struct pollfd pfd[2 + CTL_SERVER_FDS];
	struct tui *t = tui_new(r);
	double next_frame, due, wait_s, wall;
	char path[512], err[700];
	size_t nfds;

	if (t == NULL) {
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	if (term_start(&caps, r->o->ascii) != 0) {
		term_end();
		tui_free(t);
		fprintf(stderr, "vmbal: cannot start the terminal (TERM=%s)\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return 1;
	}
	t->utf8 = caps.utf8;
	t->color = caps.color;
	tui_load_theme(t);
	ctl_server_path(r->cfg, r->o->demo, path, sizeof path);
	/* not said over "X holds control": the holder serves the socket */
	if ((t->srv = ctl_server_new(path, err, sizeof err)) == NULL &&
	    r->holder[0] == '\0')
		tui_message(t, true, "control socket: %s", err);
	t->now = clk->ops->now(clk->impl);
	controller_run(t->ctl, t->now);
	tui_gather(t);
	tui_draw(t);
	next_frame = monotime_now() + t->refresh_s;
	while (!t->quit && !term_stopped()) {
		due = controller_next_due(t->ctl);
		wait_s = clk->ops->wall_until(clk->impl, due);
		wall = monotime_now();
		if (next_frame - wall < wait_s)
			wait_s = next_frame - wall;
		if (wait_s < 0)
			wait_s = 0;
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = term_signal_fd();
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		nfds = 2 + ctl_server_pollfds(t->srv, pfd + 2, CTL_SERVER_FDS);
		(void)poll(pfd, nfds, (int)ceil(wait_s * 1000.0));
		if (ctl_server_serve(t->srv, t->ctl, r,
		    clk->ops->now(clk->impl)) > 0) {
			tui_gather(t);	/* a command from the socket */
			tui_draw(t);
		}
		/* a resize arrives as KEY_RESIZE, a key as itself */
		if (tui_read_keys(t)) {
			controller_hold_offer(t->ctl, t->dlg.kind != DLG_NONE);
			tui_gather(t);
			tui_draw(t);
		}
		if (term_hup_take()) {
			tui_reload(t, "signal");
			tui_draw(t);
		}
		if (t->quit || term_stopped())
			break;
		if (clk->ops->wall_until(clk->impl, due) <= 0 &&
		    clk->ops->sleep_until(clk->impl, due) == 0) {
			t->now = due;
			controller_run(t->ctl, due);
			tui_gather(t);	/* the views' names were lent till now */
		}
		if (monotime_now() >= next_frame) {
			tui_gather(t);
			tui_draw(t);
			next_frame = monotime_now() + t->refresh_s;
		}
	}
	term_end();
	if (term_stopped())
		fprintf(stderr, "vmbal: stopped by a signal; the terminal is restored\n");
	tui_free(t);
	return 0;
}
