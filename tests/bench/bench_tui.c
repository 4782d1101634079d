/*
 * bench_tui.c - the console's frame time: a whole frame (gather the
 * controller's views, draw every pane, send the changes) for a simulated
 * cluster of H hosts and V VMs, against the built-in demo's frame in the
 * same process as the baseline. ncurses writes to /dev/null on a
 * 200x60 xterm-256color; the simulation moves on between frames so every
 * frame has changes to send. Prints: "frame HOSTS VMS us_per_frame".
 *
 *   bench_tui HOSTS VMS FRAMES
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/monotime.h"
#include "../../actions/sim_action.h"
#include "../../cli/demo.h"
#include "../../cli/run.h"
#include "../../engine/config.h"
#include "../../probes/sim.h"
#include "../../probes/sim_clock.h"
#include "../../probes/sim_probe.h"
#include "../../tui/tui.h"

/* A scenario of nh hosts and nv VMs, round-robin, with square waves. */
static char *
bench_scenario(int nh, int nv, size_t *len)
{
	size_t cap = 256 + (size_t)nh * 80 + (size_t)nv * 180, n = 0;
	char *b = malloc(cap);
	int i;

	if (b == NULL)
		return NULL;
	n += (size_t)snprintf(b + n, cap - n, "hosts:\n");
	for (i = 0; i < nh; i++)
		n += (size_t)snprintf(b + n, cap - n,
		    "  - {name: h%03d, cpus: 32, memory_mib: 262144}\n", i);
	n += (size_t)snprintf(b + n, cap - n, "vms:\n");
	for (i = 0; i < nv; i++)
		n += (size_t)snprintf(b + n, cap - n,
		    "  - {name: vm%04d, host: h%03d, vcpus: 2, memory_mib: 2048, load: {peak: %d, valley: 10, peak_s: 30, valley_s: 30, phase_s: %d}}\n",
		    i, i % (nh / 2 > 0 ? nh / 2 : 1), 50 + i % 150, i % 60);
	n += (size_t)snprintf(b + n, cap - n,
	    "policy: {mode: manual, hold_s: 2, window: 3, probe_interval_s: 1, analyse_interval_s: 2}\n");
	*len = n;
	return b;
}

/* Microseconds of CPU per frame over frames frames of cfg's cluster. */
static double
bench_frames(const struct config *cfg, int frames)
{
	struct options o;
	struct run r;
	struct probe probe;
	struct action action;
	struct clock clk;
	struct sim *sim = sim_new(cfg);
	struct tui *t;
	double t0, spent = 0, now = 0;
	int i;

	memset(&o, 0, sizeof o);
	memset(&r, 0, sizeof r);
	if (sim == NULL || sim_probe_init(&probe, sim) != 0 ||
	    sim_clock_init(&clk, sim, true, 1) != 0)
		exit(1);
	sim_action_init(&action, sim);
	o.demo = true;
	r.o = &o;
	r.cfg = cfg;
	r.policy = cfg->policy;
	r.probe = &probe;
	r.action = &action;
	r.clk = &clk;
	t = tui_new(&r);
	if (t == NULL)
		exit(1);
	t->utf8 = true;
	t->color = true;
	theme_default(&t->theme);
	theme_apply(&t->theme, true, t->attr);
	/* fill the averaging windows and the sparklines first */
	for (now = 0; now <= 40; now += 1) {
		clk.ops->sleep_until(clk.impl, now);
		controller_run(t->ctl, now);
	}
	t->now = now;
	t->focus = PANE_VMS;
	t->sort = SORT_CPU;
	for (i = 0; i < frames; i++) {
		now += 1;
		clk.ops->sleep_until(clk.impl, now);
		controller_run(t->ctl, now);
		t->now = now;
		t->sel[PANE_VMS] = (size_t)(i % 40);	/* the operator scrolls */
		t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		tui_gather(t);
		tui_draw(t);
		spent += clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
	}
	tui_free(t);
	clk.ops->free(clk.impl);
	action.ops->free(action.impl);
	probe.ops->free(probe.impl);
	sim_free(sim);
	return spent / frames * 1e6;
}

int
main(int argc, char **argv)
{
	int nh = argc > 1 ? atoi(argv[1]) : 100, nv = argc > 2 ? atoi(argv[2]) :
	    1000, frames = argc > 3 ? atoi(argv[3]) : 200;
	struct config *demo, *big;
	struct diag d;
	size_t len;
	char *yaml = bench_scenario(nh, nv, &len);
	FILE *null = fopen("/dev/null", "w");
	SCREEN *scr;
	double base, us;

	setenv("TERM", "xterm-256color", 1);
	setenv("LINES", "60", 1);
	setenv("COLUMNS", "200", 1);
	if (yaml == NULL || null == NULL)
		return 1;
	demo = config_new_from_buffer("demo", demo_yaml(), demo_yaml_len(),
	    CONFIG_SCENARIO, &d);
	big = config_new_from_buffer("bench", yaml, len, CONFIG_SCENARIO, &d);
	if (demo == NULL || big == NULL) {
		fprintf(stderr, "bench_tui: %s\n", d.msg);
		return 1;
	}
	scr = newterm("xterm-256color", null, stdin);
	if (scr == NULL)
		return 1;
	set_term(scr);
	base = bench_frames(demo, frames);
	us = bench_frames(big, frames);
	endwin();
	delscreen(scr);
	printf("frame 3 14 %.1f\n", base);
	printf("frame %d %d %.1f\n", nh, nv, us);
	config_free(demo);
	config_free(big);
	free(yaml);
	fclose(null);
	return 0;
}
