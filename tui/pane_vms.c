/*
 * pane_vms.c - the VMs pane: host, CPU (moving average, percent of one
 * CPU, with a bar against the VM's vCPUs), demand (use plus the time its
 * vCPUs waited for a host CPU, same unit), memory, state, and a marker
 * for VMs in flight; sorted by any column, filtered with '/'. Its key:
 * m migrates the selected VM to a host picked from a list (each with its
 * predicted spread, or why it cannot take it), then confirmed; Enter
 * opens its detail (view_detail.c).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

static size_t
vms_rows(struct tui *t)
{
	return t->nvm_order + 1;
}

static const char *const vms_sort_names[TUI_NSORT] = {
	"NAME", "HOST", "CPU%", "MEM", "STATE"
};

/* The move of vm in hand, if it is migrating. */
static const struct move_view *
vms_flight(const struct tui *t, const char *vm)
{
	size_t i;

	for (i = 0; i < t->nmoves; i++)
		if (t->moves[i].state == MOVE_RUNNING &&
		    strcmp(t->moves[i].vm, vm) == 0)
			return &t->moves[i];
	return NULL;
}

static void
vms_header(struct tui *t, struct tui_rect r)
{
	static const char head[] =
	    "  NAME             HOST         CPU%                DEM%   MEM MiB VCPU STATE";
	const char *at = strstr(head, vms_sort_names[t->sort]);
	int col = at != NULL ? (int)(at - head) : 0;

	attrset((attr_t)t->attr[THEME_DIM]);
	tui_put(r.y, r.x, r.w, head);
	if (at != NULL && col < r.w) {
		attrset((attr_t)t->attr[THEME_FOCUS]);
		tui_put(r.y, r.x + col, r.w - col, vms_sort_names[t->sort]);
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

static void
vms_draw(struct tui *t, struct tui_rect r)
{
	const struct model *m = controller_model(t->ctl);
	char buf[700], name[TUI_COL_MAX(16)], host[TUI_COL_MAX(10)];
	int row;

	tui_scroll(t, PANE_VMS, t->nvm_order, r.h - 1);
	vms_header(t, r);
	for (row = 1; row < r.h; row++) {
		size_t i = t->top[PANE_VMS] + (size_t)row - 1;
		const struct model_vm *v;
		const struct move_view *f;
		double cpu;

		if (i >= t->nvm_order)
			break;
		v = &m->vms[t->vm_order[i]];
		f = vms_flight(t, v->name);
		cpu = window_mean(&v->cpu);
		tui_row_attr(t, PANE_VMS, i, THEME_NORMAL);
		snprintf(buf, sizeof buf, "%s %s %s %6.1f ",
		    v->in_flight ? (t->utf8 ? "\u00bb" : ">") : " ",
		    tui_safe_col(name, sizeof name, v->name, 16, false),
		    tui_safe_col(host, sizeof host, v->host >= 0 ?
		    m->hosts[v->host].name : "?", 10, false), cpu);
		tui_put(r.y + row, r.x, r.w, buf);
		tui_bar(t, r.y + row, r.x + 37, 12, v->vcpus > 0 ?
		    cpu / (double)v->vcpus : 0);
		/* what it wants, use plus CPU wait: above use when its
		 * host is short of CPUs */
		snprintf(buf, sizeof buf, " %6.1f", window_mean(&v->demand));
		tui_put(r.y + row, r.x + 49, r.w - 49, buf);
		tui_row_attr(t, PANE_VMS, i, v->in_flight ? THEME_WARN :
		    v->state == VM_RUNNING ? THEME_NORMAL : THEME_DIM);
		if (f != NULL)
			snprintf(buf, sizeof buf, " %7ld %4ld migrating %s %s %s",
			    v->mem_mib, v->vcpus, f->from,
			    t->utf8 ? "\u2192" : "->", f->to);
		else
			snprintf(buf, sizeof buf, " %7ld %4ld %s", v->mem_mib,
			    v->vcpus, v->in_flight ? "migrating" :
			    vm_state_name(v->state));
		tui_put(r.y + row, r.x + 56, r.w - 56, buf);
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

/* The host picked for the VM named arg: its confirmation. */
static void
vms_picked(struct tui *t, void *arg, const char *to)
{
	const struct model *m = controller_model(t->ctl);
	const char *vm = arg;
	int v = model_vm_index(m, vm);
	double spread = 0;
	struct tui_cmd *c;
	struct diag dg;

	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_MIGRATE);
	if (c != NULL) {
		tui_cmd_own(c, &c->vm, vm);
		tui_cmd_own(c, &c->host, to);
	}
	controller_predict(t->ctl, vm, to, &spread, &dg);
	tui_dialog_line(t, "Migrate %s from %s to %s (live).", vm,
	    v >= 0 && m->vms[v].host >= 0 ? m->hosts[m->vms[v].host].name : "?",
	    to);
	tui_dialog_line(t, "Predicted spread: %.1f%% -> %.1f%%.", m->spread,
	    spread);
	tui_cmd_ask(t, c, NULL);
}

static void
vms_key_migrate(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	const struct model_vm *v;
	struct diag d;
	double spread;
	char *title, *vm;
	size_t h;

	if (tui_readonly(t, "migrate a VM"))
		return;
	if (t->focus != PANE_VMS || t->sel[PANE_VMS] >= t->nvm_order) {
		tui_message(t, true, "select a VM in the VMs pane first (Tab to it)");
		return;
	}
	v = &m->vms[t->vm_order[t->sel[PANE_VMS]]];
	tui_dialog_clear(t);
	for (h = 0; h < m->nhosts && h < TUI_DLG_LINES; h++) {
		diag_clear(&d);
		if (controller_predict(t->ctl, v->name, m->hosts[h].name,
		    &spread, &d) == 0)
			tui_dialog_choice(t, m->hosts[h].name, true,
			    "%-12s predicted spread %5.1f%%", m->hosts[h].name,
			    spread);
		else
			tui_dialog_choice(t, m->hosts[h].name, false, "%-12s %s",
			    m->hosts[h].name, d.msg);
	}
	vm = strdup(v->name);
	if (asprintf(&title, "Migrate %s (now on %s, spread %.1f%%) to:",
	    v->name, v->host >= 0 ? m->hosts[v->host].name : "?",
	    m->spread) < 0)
		title = NULL;
	if (vm == NULL || title == NULL)
		t->dlg.oom = true;
	tui_pick(t, title, vms_picked, vm, free);
	free(title);
}

static const struct tui_binding vms_keys[] = {
	{ 'm', vms_key_migrate, TUI_CMD(CMD_MIGRATE), NULL, NULL },
	{ '\n', tui_detail_key, 0, NULL, NULL },	/* F1: the Hosts pane's */
	{ '\r', tui_detail_key, 0, NULL, NULL },
	{ KEY_ENTER, tui_detail_key, 0, NULL, NULL },
};

const struct tui_pane tui_pane_vms = {
	.title = "VMs",
	.rows = vms_rows,
	.draw = vms_draw,
	.keys = vms_keys,
	.nkeys = sizeof vms_keys / sizeof vms_keys[0],
};
