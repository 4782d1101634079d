/*
 * model.c - the engine's cluster model (see model.h).
 *
 * VMs are kept sorted by name so a snapshot of a thousand VMs is folded
 * in with binary searches; hosts come from the configuration and change
 * only when it is reloaded (model_reload). A VM's move record from its metadata is taken as
 * the probe last read it (its time turned from an age into the
 * snapshots' time); what it means for planning is plan_build's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct model *
model_new(const struct config *c)
{
	struct model *m;
	size_t i;
	bool maint;

	m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->window = (size_t)c->policy.window;
	m->hosts = calloc(c->nhosts + 1, sizeof *m->hosts);
	if (m->hosts == NULL) {
		free(m);
		return NULL;
	}
	for (i = 0; i < c->nhosts; i++) {
		struct model_host *h = &m->hosts[i];
		size_t j;

		h->name = strdup(c->hosts[i].name);
		if (h->name == NULL) {
			model_free(m);
			return NULL;
		}
		m->nhosts = i + 1;
		maint = false;
		for (j = 0; j < c->nmaintenance; j++)
			if (strcmp(c->maintenance[j], h->name) == 0)
				maint = true;
		h->maintenance = maint;
		h->up = false;
		h->state = HOST_CONNECTING;	/* until the first probe */
		h->cpus_override = c->kind == CONFIG_CLUSTER ? c->hosts[i].cpus :
		    0;
		h->cpus = c->hosts[i].cpus > 0 ? c->hosts[i].cpus : 1;
		h->mem_total_mib = c->hosts[i].memory_mib;
	}
	return m;
}

void
model_free(struct model *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nhosts; i++)
		free(m->hosts[i].name);
	for (i = 0; i < m->nvms; i++) {
		free(m->vms[i].name);
		window_fini(&m->vms[i].cpu);
		window_fini(&m->vms[i].demand);
	}
	free(m->hosts);
	free(m->vms);
	free(m);
}

int
model_host_index(const struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nhosts; i++)
		if (strcmp(m->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Binary search: the index of name, or -(insertion point) - 1. */
static long
model_vm_search(const struct model *m, const char *name)
{
	size_t lo = 0, hi = m->nvms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->vms[mid].name, name);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

int
model_vm_index(const struct model *m, const char *name)
{
	long i = model_vm_search(m, name);

	return i >= 0 ? (int)i : -1;
}

static struct model_vm *
model_vm_insert(struct model *m, const char *name)
{
	long at = model_vm_search(m, name);
	struct model_vm *v;
	size_t pos;

	if (at >= 0)
		return &m->vms[at];
	pos = (size_t)(-at - 1);
	if (m->nvms == m->capvms) {
		size_t ncap = m->capvms == 0 ? 16 : m->capvms * 2;
		struct model_vm *n = realloc(m->vms, ncap * sizeof *n);

		if (n == NULL)
			return NULL;
		m->vms = n;
		m->capvms = ncap;
	}
	memmove(&m->vms[pos + 1], &m->vms[pos],
	    (m->nvms - pos) * sizeof *m->vms);
	v = &m->vms[pos];
	memset(v, 0, sizeof *v);
	v->name = strdup(name);
	if (v->name == NULL || window_init(&v->cpu, m->window) != 0 ||
	    window_init(&v->demand, m->window) != 0) {
		free(v->name);
		window_fini(&v->cpu);
		memmove(&m->vms[pos], &m->vms[pos + 1],
		    (m->nvms - pos) * sizeof *m->vms);
		return NULL;
	}
	v->moved_at = -1;
	v->host = -1;
	v->dirty_mibps = -1;
	mig_stats_none(&v->arrival);
	m->nvms++;
	return v;
}

static void
model_vm_remove(struct model *m, size_t i)
{
	free(m->vms[i].name);
	window_fini(&m->vms[i].cpu);
	window_fini(&m->vms[i].demand);
	memmove(&m->vms[i], &m->vms[i + 1], (m->nvms - i - 1) * sizeof *m->vms);
	m->nvms--;
}

static int model_fold(struct model *m, const struct snapshot *s,
    bool samples);

static bool
model_conf_maint(const struct config *c, const char *host)
{
	size_t j;

	for (j = 0; j < c->nmaintenance; j++)
		if (strcmp(c->maintenance[j], host) == 0)
			return true;
	return false;
}

int
model_reload(struct model *m, const struct config *next)
{
	struct model_host *nh;
	int *map;		/* old host index -> new, -1 removed */
	size_t i, win = next->policy.window > 0 ? (size_t)next->policy.window :
	    1;

	nh = calloc(next->nhosts + 1, sizeof *nh);
	map = calloc(m->nhosts + 1, sizeof *map);
	if (nh == NULL || map == NULL) {
		free(nh);
		free(map);
		return -1;
	}
	for (i = 0; i < next->nhosts; i++) {
		nh[i].name = strdup(next->hosts[i].name);
		if (nh[i].name == NULL) {
			while (i-- > 0)
				free(nh[i].name);
			free(nh);
			free(map);
			return -1;
		}
	}
	for (i = 0; i < m->nvms; i++)
		if (window_resize(&m->vms[i].cpu, win) != 0 ||
		    window_resize(&m->vms[i].demand, win) != 0) {
			for (i = 0; i < next->nhosts; i++)
				free(nh[i].name);
			free(nh);
			free(map);
			return -1;
		}
	m->window = win;
	for (i = 0; i < m->nhosts; i++)
		map[i] = -1;
	for (i = 0; i < next->nhosts; i++) {
		const struct host_conf *hc = &next->hosts[i];
		int old = model_host_index(m, hc->name);
		char *name = nh[i].name;

		if (old >= 0) {
			nh[i] = m->hosts[old];	/* its name freed below */
			map[old] = (int)i;
		} else {
			memset(&nh[i], 0, sizeof nh[i]);
			nh[i].state = HOST_CONNECTING;	/* until probed */
			nh[i].maintenance = model_conf_maint(next, name);
			nh[i].cpus = hc->cpus > 0 ? hc->cpus : 1;
			nh[i].mem_total_mib = hc->memory_mib;
		}
		nh[i].name = name;
		nh[i].cpus_override = next->kind == CONFIG_CLUSTER ? hc->cpus :
		    0;
		if (nh[i].cpus_override > 0)
			nh[i].cpus = nh[i].cpus_override;
	}
	for (i = 0; i < m->nhosts; i++)
		free(m->hosts[i].name);
	free(m->hosts);
	m->hosts = nh;
	m->nhosts = next->nhosts;
	/* a VM on a removed host is no longer the model's to know */
	for (i = m->nvms; i-- > 0;) {
		struct model_vm *v = &m->vms[i];

		if (v->host >= 0 && map[v->host] < 0) {
			model_vm_remove(m, i);
			continue;
		}
		if (v->host >= 0)
			v->host = map[v->host];
		if (v->meta_to >= 0)
			v->meta_to = map[v->meta_to];
	}
	free(map);
	return 0;
}

int
model_apply(struct model *m, const struct snapshot *s)
{
	return model_fold(m, s, true);
}

int
model_apply_placement(struct model *m, const struct snapshot *s)
{
	return model_fold(m, s, false);
}

static int
model_fold(struct model *m, const struct snapshot *s, bool samples)
{
	bool *seen;
	size_t i;
	int h;

	for (i = 0; i < s->nhosts; i++) {
		const struct snap_host *sh = &s->hosts[i];
		struct model_host *mh;

		h = model_host_index(m, sh->name);
		if (h < 0)
			continue;
		mh = &m->hosts[h];
		mh->up = sh->up;
		snprintf(mh->error, sizeof mh->error, "%s",
		    sh->up ? "" : sh->error);
		if (samples) {	/* a tick's snapshot: said by the controller */
			mh->warning_new = strcmp(mh->warning, sh->warning) != 0;
			snprintf(mh->warning, sizeof mh->warning, "%s",
			    sh->warning);
		}
		if (sh->up) {
			mh->cpus = mh->cpus_override > 0 ? mh->cpus_override :
			    (sh->cpus > 0 ? sh->cpus : 1);
			mh->mem_total_mib = sh->mem_total_mib;
			mh->mem_used_mib = sh->mem_used_mib;
		}
		mh->state = sh->up ? (mh->maintenance ? HOST_MAINTENANCE :
		    HOST_UP) : sh->connecting ? HOST_CONNECTING : HOST_DOWN;
	}
	for (i = 0; i < s->nvms; i++) {
		const struct snap_vm *sv = &s->vms[i];
		struct model_vm *v;

		h = model_host_index(m, sv->host);
		if (h < 0)
			continue;
		v = model_vm_insert(m, sv->name);
		if (v == NULL)
			return -1;
		v->host = h;
		v->vcpus = sv->vcpus;
		v->mem_mib = sv->mem_mib;
		v->state = sv->state;
		v->dirty_mibps = sv->dirty_mibps;
		v->meta_move = sv->move;
		v->meta_at = sv->move != META_NONE ? s->ts - sv->move_age_s : 0;
		v->meta_ours = sv->move != META_NONE && sv->move_ours;
		v->meta_landed = sv->move != META_NONE && sv->move_to != NULL &&
		    strcmp(sv->move_to, sv->host) == 0;
		v->meta_to = sv->move != META_NONE && sv->move_to != NULL ?
		    model_host_index(m, sv->move_to) : -1;
		v->arrival = sv->arrival;
		if (samples && sv->cpu_valid) {
			window_push(&v->cpu, sv->cpu_pct);
			window_push(&v->demand, sv->demand_pct > sv->cpu_pct ?
			    sv->demand_pct : sv->cpu_pct);
		}
	}
	/* VMs no longer reported by an up host are gone; a down host's stay. */
	seen = calloc(m->nvms + 1, sizeof *seen);
	if (seen == NULL)
		return -1;
	for (i = 0; i < s->nvms; i++) {
		int k = model_vm_index(m, s->vms[i].name);

		if (k >= 0)
			seen[k] = true;
	}
	for (i = m->nvms; i-- > 0;) {
		struct model_vm *v = &m->vms[i];

		if (seen[i])
			continue;
		if (v->host >= 0 && !m->hosts[v->host].up)
			v->state = VM_UNKNOWN;
		else
			model_vm_remove(m, i);
	}
	free(seen);
	return 0;
}

void
model_measure(struct model *m)
{
	double lo = 0, hi = 0;
	bool any = false;
	size_t i;

	for (i = 0; i < m->nhosts; i++) {
		m->hosts[i].load_pct = 0;
		m->hosts[i].demand_pct = 0;
		m->hosts[i].nvms = 0;
	}
	for (i = 0; i < m->nvms; i++) {
		struct model_vm *v = &m->vms[i];

		if (v->host < 0)
			continue;
		m->hosts[v->host].load_pct += window_mean(&v->cpu);
		m->hosts[v->host].demand_pct += window_mean(&v->demand);
		m->hosts[v->host].nvms++;
	}
	for (i = 0; i < m->nhosts; i++) {
		struct model_host *h = &m->hosts[i];

		h->cpu_pct = h->load_pct / (double)h->cpus;
		h->demand_pct /= (double)h->cpus;
		if (h->state != HOST_UP)
			continue;
		if (!any || h->cpu_pct < lo)
			lo = h->cpu_pct;
		if (!any || h->cpu_pct > hi)
			hi = h->cpu_pct;
		any = true;
	}
	m->spread = any ? hi - lo : 0;
}

const char *
host_state_name(enum host_state st)
{
	static const char *const names[] = { "up", "down", "maintenance",
	    "connecting" };

	return names[st];
}

void
model_note_rate(struct model *m, double mibps)
{
	if (!(mibps > 0))
		return;
	m->rates[m->rate_next] = mibps;
	m->rate_next = (m->rate_next + 1) % MODEL_RATES;
	if (m->nrates < MODEL_RATES)
		m->nrates++;
}

double
model_link_rate(const struct model *m)
{
	double sum = 0;
	size_t i;

	if (m->nrates == 0)
		return -1;
	for (i = 0; i < m->nrates; i++)
		sum += m->rates[i];
	return sum / (double)m->nrates;
}
