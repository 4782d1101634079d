/*
 * pane_hosts.c - the Hosts pane: per host its state, a CPU bar with
 * percent and load_pct (percent of one CPU, as in the samples), a memory
 * bar, its VM count and a sparkline of recent CPU. Its keys: e puts the
 * selected host into maintenance (showing its evacuation plan first) or
 * takes it out; Enter opens its detail (view_detail.c).
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

static size_t
hosts_rows(struct tui *t)
{
	return controller_model(t->ctl)->nhosts + 1;
}

static int
hosts_state_role(enum host_state st)
{
	return st == HOST_UP ? THEME_GOOD : st == HOST_DOWN ? THEME_BAD :
	    THEME_WARN;
}

static void
hosts_draw(struct tui *t, struct tui_rect r)
{
	const struct model *m = controller_model(t->ctl);
	int fixed = 10 + 1 + 6 + 1 + 5 + 7 + 1 + 5 + 4 + 1;
	int rest = r.w - fixed, bw, mw, sw, row, x;
	char buf[128], name[TUI_COL_MAX(10)];
	size_t i;

	if (rest < 6)
		rest = 6;
	bw = rest * 2 / 5;
	mw = rest / 4;
	sw = rest - bw - mw;
	if (sw > TUI_HIST) {
		bw += sw - TUI_HIST;
		sw = TUI_HIST;
	}
	tui_scroll(t, PANE_HOSTS, m->nhosts, r.h - 1);
	attrset((attr_t)t->attr[THEME_DIM]);
	snprintf(buf, sizeof buf, "%-10s %-6s CPU", "HOST", "STATE");
	tui_put(r.y, r.x, r.w, buf);
	x = r.x + 18 + bw;
	tui_put(r.y, x, r.w - (x - r.x), "    % LOAD%");
	x += 12;
	tui_put(r.y, x, r.w - (x - r.x), "MEM");
	x += mw + 5;
	tui_put(r.y, x, r.w - (x - r.x), " VMS CPU HISTORY");
	for (row = 1; row < r.h; row++) {
		const struct model_host *h;

		i = t->top[PANE_HOSTS] + (size_t)row - 1;
		if (i >= m->nhosts)
			break;
		h = &m->hosts[i];
		tui_row_attr(t, PANE_HOSTS, i, THEME_NORMAL);
		tui_safe_col(name, sizeof name, h->name, 10, false);
		snprintf(buf, sizeof buf, "%s ", name);
		tui_put(r.y + row, r.x, 11, buf);
		if (!(t->focus == PANE_HOSTS && t->sel[PANE_HOSTS] == i))
			attrset((attr_t)t->attr[hosts_state_role(h->state)]);
		snprintf(buf, sizeof buf, "%-6.6s ",
		    h->state == HOST_MAINTENANCE ? "maint" :
		    h->state == HOST_CONNECTING ? "conn" :
		    host_state_name(h->state));
		tui_put(r.y + row, r.x + 11, 7, buf);
		x = r.x + 18;
		if (h->state == HOST_DOWN) {
			attrset((attr_t)t->attr[THEME_BAD]);
			if (h->error[0] != '\0') {	/* the probe's words */
				char why[TUI_COL_MAX(256)];

				tui_safe_col(why, sizeof why, h->error,
				    r.w - 18 < 256 ? r.w - 18 : 256, false);
				tui_put(r.y + row, x, r.w - 18, why);
			} else
				tui_put(r.y + row, x, r.w - 18,
				    "unreachable: its VMs are unknown");
			continue;
		}
		if (h->state == HOST_CONNECTING) {	/* not reached yet */
			attrset((attr_t)t->attr[THEME_WARN]);
			tui_put(r.y + row, x, r.w - 18,
			    "connecting: not reached yet");
			continue;
		}
		tui_bar(t, r.y + row, x, bw, h->cpu_pct);
		x += bw;
		snprintf(buf, sizeof buf, " %3.0f%% %5.0f ", h->cpu_pct,
		    h->load_pct);
		tui_put(r.y + row, x, 12, buf);
		x += 12;
		tui_bar(t, r.y + row, x, mw, h->mem_total_mib > 0 ?
		    100.0 * (double)h->mem_used_mib / (double)h->mem_total_mib :
		    0);
		x += mw;
		snprintf(buf, sizeof buf, " %3.0f%% %3d ", h->mem_total_mib > 0 ?
		    100.0 * (double)h->mem_used_mib / (double)h->mem_total_mib :
		    0.0, h->nvms);
		tui_put(r.y + row, x, 10, buf);
		x += 10;
		if (t->hist != NULL && i < t->hist_hosts && sw > 0)
			tui_spark(t, r.y + row, x, sw, t->hist[i], t->nhist);
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

/* The evacuation plan of host h, as dialog lines: what moves, what
 * stays and why. */
static int
hosts_evacuation(struct tui *t, const struct model *m, size_t hi)
{
	const char *name = m->hosts[hi].name;
	struct plan_input *in;
	struct plan *p;
	size_t i, k;

	p = controller_evacuation(t->ctl, name, &in);
	if (p == NULL)
		return -1;
	tui_dialog_line(t, "Evacuation plan for %s: %zu migration%s", name,
	    p->nmoves, p->nmoves == 1 ? "" : "s");
	for (i = 0; i < p->nmoves && t->dlg.nlines < TUI_DLG_LINES - 1; i++)
		tui_dialog_line(t, "  %s  from %s to %s  (spread after %.1f%%)",
		    in->vms[p->moves[i].vm].name, in->hosts[p->moves[i].from].name,
		    in->hosts[p->moves[i].to].name, p->moves[i].spread_after);
	for (i = 0; i < m->nvms && t->dlg.nlines < TUI_DLG_LINES; i++) {
		if (m->vms[i].host != (int)hi)
			continue;
		for (k = 0; k < p->nmoves; k++)
			if (strcmp(in->vms[p->moves[k].vm].name, m->vms[i].name) == 0)
				break;
		if (k == p->nmoves)
			tui_dialog_line(t, "  %s stays: it may not move (excluded, pinned, cooling down or in flight) or no host can take it",
			    m->vms[i].name);
	}
	plan_free(p);
	plan_input_free(in);
	return 0;
}

static void
hosts_key_maintenance(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	const struct model_host *h;
	struct tui_cmd *c;

	if (tui_readonly(t, "change maintenance"))
		return;
	if (t->focus != PANE_HOSTS || t->sel[PANE_HOSTS] >= m->nhosts) {
		tui_message(t, true, "select a host in the Hosts pane first (Tab to it)");
		return;
	}
	h = &m->hosts[t->sel[PANE_HOSTS]];
	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_MAINTENANCE);
	if (c != NULL) {
		tui_cmd_own(c, &c->host, h->name);
		c->cmd.on = !h->maintenance;
	}
	if (h->maintenance) {
		tui_dialog_line(t, "%s takes VMs again; the planner may move some back.",
		    h->name);
		tui_cmd_ask(t, c, "Take this host out of maintenance?");
		return;
	}
	if (hosts_evacuation(t, m, t->sel[PANE_HOSTS]) != 0) {
		tui_cmd_free(c);
		tui_dialog_clear(t);
		tui_message(t, true, "out of memory while planning");
		return;
	}
	tui_cmd_ask(t, c, NULL);
}

/* F: a person's word that the selected host, down, is off (issue 18):
 * its VMs may then run elsewhere. */
static void
hosts_key_fence(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	const struct model_host *h;
	struct tui_cmd *c;

	if (tui_readonly(t, "confirm a host off"))
		return;
	if (t->focus != PANE_HOSTS || t->sel[PANE_HOSTS] >= m->nhosts) {
		tui_message(t, true, "select a host in the Hosts pane first (Tab to it)");
		return;
	}
	h = &m->hosts[t->sel[PANE_HOSTS]];
	if (h->state != HOST_DOWN) {
		tui_message(t, true, "%s is %s: only a host that is down can be confirmed off",
		    h->name, host_state_name(h->state));
		return;
	}
	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_FENCE);
	if (c != NULL)
		tui_cmd_own(c, &c->host, h->name);
	tui_dialog_line(t, "%s: is its power off and are its VMs stopped?", h->name);
	tui_dialog_line(t, "Only then: its VMs are started on other hosts. A host that is");
	tui_dialog_line(t, "only cut off would run them twice, on the same disks.");
	tui_cmd_ask(t, c, NULL);
}

/* h: the selected host's last hour (history_view.c); in the VMs pane,
 * its own h does the same for a VM. */
static void
hosts_key_history(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);

	if (t->focus != PANE_HOSTS || t->sel[PANE_HOSTS] >= m->nhosts) {
		tui_message(t, true, "select a host or a VM first (Tab to its pane)");
		return;
	}
	tui_hview_open(t, true, m->hosts[t->sel[PANE_HOSTS]].name);
}

static const struct tui_binding hosts_keys[] = {
	{ 'e', hosts_key_maintenance, TUI_CMD(CMD_MAINTENANCE), NULL, NULL },
	{ 'F', hosts_key_fence, TUI_CMD(CMD_FENCE), NULL, NULL },
	{ 'h', hosts_key_history, 0, "h",
		"history: the selected host's or VM's last hour (Esc closes)" },
	{ '\n', tui_detail_key, 0, "Enter",
		"a host's or VM's detail (Hosts, VMs panes; Esc closes)" },
	{ '\r', tui_detail_key, 0, NULL, NULL },
	{ KEY_ENTER, tui_detail_key, 0, NULL, NULL },
};

const struct tui_pane tui_pane_hosts = {
	.title = "Hosts",
	.rows = hosts_rows,
	.draw = hosts_draw,
	.keys = hosts_keys,
	.nkeys = sizeof hosts_keys / sizeof hosts_keys[0],
};
