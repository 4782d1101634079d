/*
 * plan_build.c - building the planner's input from the model (see
 * plan_build.h). Rules name VMs; names that the model does not know (a
 * VM not running now) are left out of their group. A VM's load is its
 * measured use and its demand what it wants (use plus CPU wait), both
 * moving averages; a host's memory reserve is its reserve_mib, else the
 * policy's host_reserve_mib. What a move costs (movecost.h): each VM's
 * dirty rate as last measured, and the link rate: the mean rate of the
 * latest done migrations, else live_migration.bandwidth_mibps when it
 * caps them, else MOVECOST_DEFAULT_MIBPS. A VM's metadata move record
 * (another vmbal's moves too) holds it as plan_build.h says.
 */
#include <stdlib.h>
#include <string.h>

#include "plan_build.h"

static int
plan_build_groups(struct plan_input *in, const struct model *m,
    const struct config *cfg)
{
	int *idx = calloc(m->nvms + 1, sizeof *idx);
	size_t r, k, n;
	int rc = 0;

	if (idx == NULL)
		return -1;
	for (r = 0; r < cfg->nrules && rc == 0; r++) {
		const struct rule_conf *rule = &cfg->rules[r];

		n = 0;
		for (k = 0; k < rule->nvms; k++) {
			int v = model_vm_index(m, rule->vms[k]);

			if (v >= 0 && n < m->nvms)
				idx[n++] = v;
		}
		switch (rule->kind) {
		case RULE_ANTI_AFFINITY:
		case RULE_AFFINITY:
			if (n >= 2)
				rc = plan_input_add_group(in,
				    rule->kind == RULE_ANTI_AFFINITY, idx, n);
			break;
		case RULE_EXCLUDE:
			for (k = 0; k < n; k++)
				in->vms[idx[k]].movable = false;
			break;
		case RULE_PIN:
			if (n == 1)
				in->vms[idx[0]].pin =
				    model_host_index(m, rule->host);
			break;
		case RULE_HA_PRIORITY:	/* restarts only (ha_place.h) */
			break;
		}
	}
	free(idx);
	return rc;
}

/* Host name's index in cfg (i when it is there, as model_new made it). */
static size_t
plan_build_conf_host(const struct config *cfg, const char *name, size_t i)
{
	int h;

	if (i < cfg->nhosts && strcmp(cfg->hosts[i].name, name) == 0)
		return i;
	h = config_host_index(cfg, name);
	return h >= 0 ? (size_t)h : cfg->nhosts;
}

struct plan_input *
plan_build(const struct model *m, const struct config *cfg,
    const struct policy *policy, double now, bool imbalanced)
{
	struct plan_input *in = plan_input_new(m->nhosts, m->nvms);
	size_t i;

	if (in == NULL)
		return NULL;
	in->policy = *policy;
	in->imbalanced = imbalanced;
	in->auto_converge = cfg->live_migration.auto_converge;
	if (model_link_rate(m) > 0) {
		in->link_mibps = model_link_rate(m);
		in->link_src = LINK_MEASURED;
	} else if (cfg->live_migration.bandwidth_mibps > 0) {
		in->link_mibps = (double)cfg->live_migration.bandwidth_mibps;
		in->link_src = LINK_CONFIGURED;
	}
	for (i = 0; i < m->nhosts; i++) {
		const struct model_host *h = &m->hosts[i];

		in->hosts[i].name = h->name;
		in->hosts[i].cap = (double)h->cpus * 100.0;
		in->hosts[i].mem_total = h->mem_total_mib;
		in->hosts[i].mem_reserve = config_host_reserve(cfg, policy,
		    plan_build_conf_host(cfg, h->name, i));
		in->hosts[i].up = h->state == HOST_UP ||
		    h->state == HOST_MAINTENANCE;
		in->hosts[i].maintenance = h->maintenance;
	}
	for (i = 0; i < m->nvms; i++) {
		const struct model_vm *v = &m->vms[i];
		struct plan_vm *pv = &in->vms[i];
		bool cooling = v->moved_at >= 0 &&
		    now - v->moved_at < policy->vm_cooldown_s;
		bool meta_cooling = v->meta_move != META_NONE &&
		    now - v->meta_at < policy->vm_cooldown_s;
		bool meta_flight = v->meta_move == META_STARTED &&
		    !v->meta_ours && !v->meta_landed &&
		    now - v->meta_at < policy->migration_timeout_s +
		    PLAN_META_MARGIN_S;

		pv->name = v->name;
		pv->host = v->host >= 0 ? v->host : 0;
		/* another director's move under way: counted where it goes,
		 * so no plan undoes or doubles it (it cannot move meanwhile) */
		if (meta_flight && v->meta_to >= 0)
			pv->host = v->meta_to;
		pv->load = window_mean(&v->cpu);
		pv->demand = window_mean(&v->demand);
		pv->mem = v->mem_mib;
		pv->dirty = v->dirty_mibps;
		pv->pin = -1;
		pv->held = meta_flight ? "in flight" : meta_cooling ?
		    "cooldown" : NULL;
		pv->movable = v->host >= 0 && !v->in_flight && !cooling &&
		    !meta_flight && !meta_cooling &&
		    (v->state == VM_RUNNING || v->state == VM_PAUSED) &&
		    m->hosts[v->host].state != HOST_DOWN;
	}
	if (plan_build_groups(in, m, cfg) != 0) {
		plan_input_free(in);
		return NULL;
	}
	return in;
}
