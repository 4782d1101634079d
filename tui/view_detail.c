/*
 * view_detail.c - Enter on a host or a VM: its detail in a scrolling
 * dialog (Esc closes it), as the cluster was when it opened.
 *
 * A host: its state, CPU, memory used and the reserve a plan keeps
 * free, why it is or is not a target for moves now (the engine's words,
 * controller_host_target), and its VMs by CPU. A VM: its use, demand,
 * memory and vCPUs, its cooldown, the rules that bind it (cfg->rules),
 * its last moves (this run's migration events as the Events pane logged
 * them, and the journal's last record of it when the run has a journal,
 * read with actions/journal_file.c), and every host it may go to with
 * the predicted spread (controller_predict, as the m dialog shows), or
 * why not. Enter elsewhere confirms a suggestion, as it always did.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui.h"
#include "../actions/journal_file.h"
#include "../engine/availability.h"

#define DETAIL_MOVES 5		/* this run's moves shown per VM */

/* Opens the lines added so far as a scrolling view under title. */
static void
detail_open(struct tui *t, const char *title)
{
	t->dlg.kind = DLG_HELP;
	tui_dialog_own(t, &t->dlg.title, title);
	t->dlg.sel = 0;
	if (t->dlg.oom) {
		tui_dialog_clear(t);
		tui_message(t, true, "out of memory: no detail view");
	}
}

static const char *
detail_state(enum host_state st)
{
	return st == HOST_MAINTENANCE ? "in maintenance" :
	    st == HOST_CONNECTING ? "connecting (not reached yet)" :
	    host_state_name(st);
}

/* VM indices on host hi by CPU, highest first. */
static size_t
detail_host_vms(const struct model *m, int hi, size_t *out)
{
	size_t n = 0, i, k;

	for (i = 0; i < m->nvms; i++) {
		double cpu = window_mean(&m->vms[i].cpu);

		if (m->vms[i].host != hi)
			continue;
		for (k = n; k > 0 && window_mean(&m->vms[out[k - 1]].cpu) < cpu;
		    k--)
			out[k] = out[k - 1];
		out[k] = i;
		n++;
	}
	return n;
}

/* "Availability": the host's failures, MTBF, MTTR and availability
 * since this vmbal first saw it, and the outages of the VMs that were
 * on it when their latest began (wherever they run now). */
static void
detail_host_avail(struct tui *t, const struct model *m, const char *host)
{
	const struct avail *a = controller_avail(t->ctl);
	struct avail_figures f;
	char obs[32], mtbf[32], mttr[32], last[32];
	size_t i;

	if (!avail_figures(a, AVAIL_HOST, host, t->now, &f)) {
		tui_dialog_line(t, "Availability: not seen up yet");
		return;
	}
	tui_duration(obs, sizeof obs, f.observed_s);
	if (f.incidents == 0) {
		tui_dialog_line(t, "Availability: 100%% over %s; no failure", obs);
	} else {
		if (f.mtbf_s >= 0)
			tui_duration(mtbf, sizeof mtbf, f.mtbf_s);
		if (f.mttr_s >= 0)
			tui_duration(mttr, sizeof mttr, f.mttr_s);
		tui_dialog_line(t, "Availability: %.3f%% over %s; %ld failure%s, MTBF %s, MTTR %s%s",
		    f.availability * 100, obs, f.incidents,
		    f.incidents == 1 ? "" : "s", f.mtbf_s >= 0 ? mtbf : "-",
		    f.mttr_s >= 0 ? mttr : "- (not back yet)",
		    f.down_now ? "; down now" : "");
	}
	for (i = 0; i < m->nvms; i++) {
		const char *vm = m->vms[i].name;

		if (!avail_figures(a, AVAIL_VM, vm, t->now, &f) ||
		    f.incidents == 0 || f.where == NULL ||
		    strcmp(f.where, host) != 0 || m->vms[i].host < 0)
			continue;
		if (f.last_s >= 0)
			tui_duration(last, sizeof last, f.last_s);
		tui_dialog_line(t, "  %s: %ld outage%s, the last %s%s%s", vm,
		    f.incidents, f.incidents == 1 ? "" : "s",
		    f.last_s >= 0 ? last : "-", f.down_now ? ", down now" :
		    ", runs on ", f.down_now ? "" :
		    m->hosts[m->vms[i].host].name);
	}
}

void
tui_host_detail(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	const struct policy *p = controller_policy(t->ctl);
	const struct model_host *h;
	char why[600], title[300];
	size_t *order, n, i;
	long vmem = 0, reserve;
	int hi, ci;

	if (t->sel[PANE_HOSTS] >= m->nhosts) {
		tui_message(t, true, "select a host in the Hosts pane first");
		return;
	}
	hi = (int)t->sel[PANE_HOSTS];
	h = &m->hosts[hi];
	order = calloc(m->nvms + 1, sizeof *order);
	if (order == NULL) {
		tui_message(t, true, "out of memory: no detail view");
		return;
	}
	n = detail_host_vms(m, hi, order);
	for (i = 0; i < n; i++)
		vmem += m->vms[order[i]].mem_mib;
	ci = config_host_index(t->cfg, h->name);
	reserve = config_host_reserve(t->cfg, p, ci >= 0 ? (size_t)ci :
	    t->cfg->nhosts);
	tui_dialog_clear(t);
	tui_dialog_line(t, "State: %s%s%s", detail_state(h->state),
	    h->state == HOST_DOWN && h->error[0] != '\0' ? ": " : "",
	    h->state == HOST_DOWN ? h->error : "");
	if (h->state == HOST_UP || h->state == HOST_MAINTENANCE) {
		tui_dialog_line(t, "CPU: %.1f%% of %ld CPUs (load %.0f, demand %.1f%%)",
		    h->cpu_pct, h->cpus, h->load_pct, h->demand_pct);
		tui_dialog_line(t, "Memory: %ld of %ld MiB used; its VMs hold %ld MiB",
		    h->mem_used_mib, h->mem_total_mib, vmem);
		tui_dialog_line(t, "Reserve: %ld MiB kept free (%s); room for VMs moving in: %ld MiB",
		    reserve, ci >= 0 && t->cfg->hosts[ci].reserve_mib >= 0 ?
		    "its reserve_mib" : "policy.host_reserve_mib",
		    h->mem_total_mib - reserve - vmem > 0 ?
		    h->mem_total_mib - reserve - vmem : 0);
	}
	controller_host_target(t->ctl, h->name, why, sizeof why);
	tui_dialog_line(t, "Now: %s", why);
	detail_host_avail(t, m, h->name);
	tui_dialog_line(t, "%s", "");
	tui_dialog_line(t, "VMs by CPU (%zu):", n);
	if (n > 0)
		tui_dialog_line(t, "  %-16s %7s %7s %8s %4s  %s", "NAME", "CPU%",
		    "DEM%", "MEM MiB", "VCPU", "STATE");
	for (i = 0; i < n && t->dlg.nlines < TUI_DLG_LINES; i++) {
		const struct model_vm *v = &m->vms[order[i]];

		tui_dialog_line(t, "  %-16s %7.1f %7.1f %8ld %4ld  %s", v->name,
		    window_mean(&v->cpu), window_mean(&v->demand), v->mem_mib,
		    v->vcpus, v->in_flight ? "migrating" : vm_state_name(v->state));
	}
	free(order);
	snprintf(title, sizeof title, "Host %s", h->name);
	detail_open(t, title);
}

/* The names of rule r other than vm, into buf. */
static void
detail_others(const struct rule_conf *r, const char *vm, char *buf,
    size_t len)
{
	size_t k, n = 0;

	buf[0] = '\0';
	for (k = 0; k < r->nvms; k++) {
		if (strcmp(r->vms[k], vm) == 0)
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
		    n > 0 ? ", " : "", r->vms[k]);
		if (n >= len)
			break;
	}
}

static bool
detail_names(const struct rule_conf *r, const char *vm)
{
	size_t k;

	for (k = 0; k < r->nvms; k++)
		if (strcmp(r->vms[k], vm) == 0)
			return true;
	return false;
}

static void
detail_rules(struct tui *t, const char *vm)
{
	char others[300];
	size_t r, n = 0;

	tui_dialog_line(t, "Rules:");
	for (r = 0; r < t->cfg->nrules; r++) {
		const struct rule_conf *rule = &t->cfg->rules[r];

		if (!detail_names(rule, vm))
			continue;
		n++;
		detail_others(rule, vm, others, sizeof others);
		switch (rule->kind) {
		case RULE_AFFINITY:
			tui_dialog_line(t, "  affinity with %s: they move together",
			    others);
			break;
		case RULE_ANTI_AFFINITY:
			tui_dialog_line(t, "  anti-affinity with %s: never on one host",
			    others);
			break;
		case RULE_PIN:
			tui_dialog_line(t, "  pinned to %s", rule->host);
			break;
		case RULE_EXCLUDE:
			tui_dialog_line(t, "  excluded: vmbal never moves it");
			break;
		case RULE_HA_PRIORITY:
			tui_dialog_line(t, "  restart priority %ld after a host failure",
			    rule->priority);
			break;
		}
	}
	if (n == 0)
		tui_dialog_line(t, "  none");
}

/* This run's ended migrations of vm, from the event log (newest last). */
static void
detail_run_moves(struct tui *t, const char *vm)
{
	const char *hit[DETAIL_MOVES];
	char want[200];
	size_t i, n = 0, seen = 0;

	snprintf(want, sizeof want, " migration %s ", vm);
	for (i = 0; i < t->nlog; i++) {
		const char *s = tui_log_line(t, i)->text;
		size_t len = strlen(s);

		if (strstr(s, want) == NULL || (len >= 7 &&
		    strcmp(s + len - 7, "started") == 0))
			continue;
		hit[n % DETAIL_MOVES] = s;
		n++;
	}
	tui_dialog_line(t, "Last moves (this run's migration events):");
	if (n == 0)
		tui_dialog_line(t, "  none this run");
	seen = n > DETAIL_MOVES ? n - DETAIL_MOVES : 0;
	for (i = seen; i < n; i++)
		tui_dialog_line(t, "  %s", hit[i % DETAIL_MOVES]);
}

/* The journal's last record of vm, when the run has a journal. */
static void
detail_journal(struct tui *t, const char *vm)
{
	struct journal_past *past;
	struct diag d;
	size_t i;

	if (t->run->journal == NULL || t->cfg->journal == NULL ||
	    t->cfg->journal[0] == '\0')
		return;
	diag_clear(&d);
	past = journal_replay_read(t->cfg->journal, (double)time(NULL), 1e12,
	    &d);
	if (past == NULL) {
		tui_dialog_line(t, "Journal %s: cannot be read: %s",
		    t->cfg->journal, d.msg);
		return;
	}
	for (i = 0; i < past->nmoves; i++)
		if (strcmp(past->moves[i].vm, vm) == 0)
			break;
	if (i == past->nmoves)
		tui_dialog_line(t, "Journal %s: no move of %s", t->cfg->journal,
		    vm);
	else {
		char ago[32];

		tui_duration(ago, sizeof ago, past->moves[i].age_s);
		tui_dialog_line(t, "Journal %s: last move %s -> %s %s, %s ago",
		    t->cfg->journal, past->moves[i].from, past->moves[i].to,
		    past->moves[i].open ? "not ended" :
		    mig_status_name(past->moves[i].status), ago);
	}
	journal_past_free(past);
}

static void
detail_targets(struct tui *t, const struct model *m,
    const struct model_vm *v)
{
	struct diag d;
	double spread;
	size_t h;

	tui_dialog_line(t, "Where it may go (spread now %.1f%%):", m->spread);
	for (h = 0; h < m->nhosts && t->dlg.nlines < TUI_DLG_LINES; h++) {
		diag_clear(&d);
		if ((int)h == v->host)
			tui_dialog_line(t, "  %-12s here now", m->hosts[h].name);
		else if (controller_predict(t->ctl, v->name, m->hosts[h].name,
		    &spread, &d) == 0)
			tui_dialog_line(t, "  %-12s predicted spread %5.1f%%",
			    m->hosts[h].name, spread);
		else
			tui_dialog_line(t, "  %-12s no: %s", m->hosts[h].name,
			    d.msg);
	}
}

void
tui_vm_detail(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	const struct policy *p = controller_policy(t->ctl);
	const struct model_vm *v;
	char title[300], ago[32], left[32];
	double cpu;

	if (t->sel[PANE_VMS] >= t->nvm_order) {
		tui_message(t, true, "select a VM in the VMs pane first");
		return;
	}
	v = &m->vms[t->vm_order[t->sel[PANE_VMS]]];
	cpu = window_mean(&v->cpu);
	tui_dialog_clear(t);
	tui_dialog_line(t, "On %s, %s; %ld vCPU%s, %ld MiB of memory",
	    v->host >= 0 ? m->hosts[v->host].name : "?", v->in_flight ?
	    "migrating" : vm_state_name(v->state), v->vcpus,
	    v->vcpus == 1 ? "" : "s", v->mem_mib);
	tui_dialog_line(t, "Use: %.1f%% of one CPU (%.0f%% of its vCPUs); demand %.1f%%",
	    cpu, v->vcpus > 0 ? cpu / (double)v->vcpus : 0,
	    window_mean(&v->demand));
	tui_dialog_line(t, "Samples: %zu of window %ld", window_count(&v->cpu),
	    p->window);
	if (v->moved_at >= 0) {
		tui_duration(ago, sizeof ago, t->now - v->moved_at);
		tui_duration(left, sizeof left, p->vm_cooldown_s -
		    (t->now - v->moved_at));
		if (t->now - v->moved_at < p->vm_cooldown_s)
			tui_dialog_line(t, "Moved %s ago: cooling down, movable again in %s",
			    ago, left);
		else
			tui_dialog_line(t, "Moved %s ago", ago);
	}
	tui_dialog_line(t, "%s", "");
	detail_rules(t, v->name);
	tui_dialog_line(t, "%s", "");
	detail_run_moves(t, v->name);
	detail_journal(t, v->name);
	tui_dialog_line(t, "%s", "");
	detail_targets(t, m, v);
	snprintf(title, sizeof title, "VM %s", v->name);
	detail_open(t, title);
}

void
tui_detail_key(struct tui *t)
{
	const struct tui_pane *plan = tui_pane(PANE_PLAN);
	size_t i;

	if (t->focus == PANE_HOSTS) {
		tui_host_detail(t);
		return;
	}
	if (t->focus == PANE_VMS) {
		tui_vm_detail(t);
		return;
	}
	/* elsewhere Enter confirms, as it always did */
	for (i = 0; i < plan->nkeys; i++)
		if (plan->keys[i].key == '\n') {
			plan->keys[i].fn(t);
			return;
		}
}
