/*
 * controller_why.c - what the console says of the engine's state in
 * words, read-only and pure: whether the spread is over the threshold
 * and since when (the hold not passed yet), how full the averaging
 * windows are, why there is no suggestion on the table, and why a host
 * is or is not a target for moves now. Each is computed from the
 * controller's state at its last run (c->now), never from a clock.
 */
#include <stdio.h>
#include <string.h>

#include "controller_priv.h"

bool
controller_over(const struct controller *c, double *since)
{
	if (since != NULL)
		*since = c->imb.over_since;
	return c->imb.over;
}

bool
controller_measuring(const struct controller *c, size_t *have, size_t *want)
{
	size_t i, n = 0, w = c->policy.window > 0 ?
	    (size_t)c->policy.window : 1;

	for (i = 0; i < c->model->nvms; i++)
		if (window_count(&c->model->vms[i].cpu) > n)
			n = window_count(&c->model->vms[i].cpu);
	if (have != NULL)
		*have = n < w ? n : w;
	if (want != NULL)
		*want = w;
	/* nothing to measure without VMs, unless no analysis ran yet */
	return c->model->nvms > 0 ? n < w : c->ticks == 0;
}

/* The VMs cooling down (moved within vm_cooldown_s, by this vmbal or, as
 * their metadata says, another): how many, and when the first is free. */
static size_t
controller_cooling(const struct controller *c, double *first_free)
{
	double cd = c->policy.vm_cooldown_s, left, best = -1;
	size_t i, n = 0;

	for (i = 0; i < c->model->nvms; i++) {
		const struct model_vm *v = &c->model->vms[i];
		double at = v->moved_at;

		if (v->meta_move != META_NONE && (at < 0 || v->meta_at > at))
			at = v->meta_at;	/* another vmbal's, maybe */
		else if (at < 0)
			continue;		/* never moved */
		left = cd - (c->now - at);
		if (left <= 0)
			continue;
		n++;
		if (best < 0 || left < best)
			best = left;
	}
	*first_free = best;
	return n;
}

enum no_offer
controller_no_offer(const struct controller *c, char *buf, size_t len)
{
	const struct policy *p = &c->policy;
	double spread = c->model->spread, left;
	size_t have, want, n;

	buf[0] = '\0';
	if (c->nexec > 0)
		return NOOFFER_NONE;
	if (p->mode == MODE_OBSERVE) {
		snprintf(buf, len, "observe mode: vmbal watches and never plans here");
		return NOOFFER_OBSERVE;
	}
	if (c->standby) {
		snprintf(buf, len, "standby: the director holding %s plans",
		    c->cfg->ha.address != NULL ? c->cfg->ha.address : "the address");
		return NOOFFER_STANDBY;
	}
	if (controller_ha_moves(c, NULL, 0) > 0)
		return NOOFFER_NONE;
	if (controller_ha_why(c, buf, len))
		return NOOFFER_HOST_DOWN;
	if (c->paused) {
		snprintf(buf, len, "paused: no planning until resumed");
		return NOOFFER_PAUSED;
	}
	if (c->opts.dry_run && c->last_sig != NULL) {
		snprintf(buf, len, "dry run: the plan is said in the events, never offered");
		return NOOFFER_DRY_RUN;
	}
	if (c->ticks == 0) {
		controller_measuring(c, &have, &want);
		snprintf(buf, len, "measuring %zu/%zu: no analysis yet", have, want);
		return NOOFFER_MEASURING;
	}
	if (!c->imb.over) {
		if (controller_measuring(c, &have, &want)) {
			snprintf(buf, len,
			    "measuring %zu/%zu: spread %.1f%% within %g%% so far (the averages are filling)",
			    have, want, spread, p->threshold_pct);
			return NOOFFER_MEASURING;
		}
		snprintf(buf, len, "below threshold: spread %.1f%% within %g%%",
		    spread, p->threshold_pct);
		return NOOFFER_BELOW;
	}
	if (!c->imb.imbalanced) {
		double for_s = c->now - c->imb.over_since;

		if (for_s > p->hold_s)
			for_s = p->hold_s;
		snprintf(buf, len,
		    "holding: over %g%% for %.0f s of %.0f s; a plan in %.0f s if it stays over",
		    p->threshold_pct, for_s, p->hold_s, p->hold_s - for_s);
		return NOOFFER_HOLDING;
	}
	if (c->now < c->settle_until - 1e-9 || c->probes <= c->settle_probe + 1) {
		left = c->settle_until - c->now;
		snprintf(buf, len,
		    "settling: the last plan ended; the next in %.0f s, on fresh samples",
		    left > 0 ? left : 0);
		return NOOFFER_SETTLING;
	}
	if (c->last_sig != NULL) {
		snprintf(buf, len,
		    "dismissed: that plan is not offered again; a new one when the measures change it");
		return NOOFFER_DISMISSED;
	}
	n = controller_cooling(c, &left);
	if (n > 0) {
		snprintf(buf, len,
		    "cooling down: %zu VM%s moved within %.0f s (the first free in %.0f s); no move of the others helps",
		    n, n == 1 ? "" : "s", p->vm_cooldown_s, left);
		return NOOFFER_COOLING;
	}
	snprintf(buf, len,
	    "no move helps: none lowers the spread %.1f%% by %g points (min_gain_pct) within the rules and memory",
	    spread, p->min_gain_pct);
	return NOOFFER_NO_GAIN;
}

/* The least CPU used over the hosts that count in the spread, and the
 * name of that host (NULL when none). */
static double
controller_least(const struct controller *c, const char **name)
{
	double least = -1;
	size_t i;

	*name = NULL;
	for (i = 0; i < c->model->nhosts; i++) {
		const struct model_host *h = &c->model->hosts[i];

		if (h->state != HOST_UP)
			continue;
		if (least < 0 || h->cpu_pct < least) {
			least = h->cpu_pct;
			*name = h->name;
		}
	}
	return least;
}

int
controller_host_target(const struct controller *c, const char *host,
    char *buf, size_t len)
{
	const struct model *m = c->model;
	int hi = model_host_index(m, host), ci;
	const struct model_host *h;
	const char *least_name;
	long vmem = 0, cap, reserve;
	double least, target = policy_target_pct(&c->policy);
	size_t i;

	buf[0] = '\0';
	if (hi < 0) {
		snprintf(buf, len, "no host named %s", host);
		return -1;
	}
	h = &m->hosts[hi];
	switch (h->state) {
	case HOST_DOWN:
		snprintf(buf, len, "not a target: down (%s)",
		    h->error[0] != '\0' ? h->error : "no answer");
		return 0;
	case HOST_CONNECTING:
		snprintf(buf, len, "not a target: connecting, not reached yet");
		return 0;
	case HOST_MAINTENANCE:
		snprintf(buf, len, "not a target: in maintenance (its VMs leave it)");
		return 0;
	case HOST_UP:
		break;
	}
	ci = config_host_index(c->cfg, host);
	reserve = config_host_reserve(c->cfg, &c->policy,
	    ci >= 0 ? (size_t)ci : c->cfg->nhosts);
	for (i = 0; i < m->nvms; i++)
		if (m->vms[i].host == hi)
			vmem += m->vms[i].mem_mib;
	cap = h->mem_total_mib - (reserve > 0 ? reserve : 0);
	if (vmem >= h->mem_total_mib) {
		snprintf(buf, len,
		    "not a target: memory full (its VMs hold %ld of %ld MiB)",
		    vmem, h->mem_total_mib);
		return 0;
	}
	if (vmem >= cap) {
		snprintf(buf, len,
		    "not a target: memory within its reserve (%ld of %ld MiB held, %ld MiB kept free)",
		    vmem, h->mem_total_mib, reserve);
		return 0;
	}
	least = controller_least(c, &least_name);
	if (least >= 0 && h->cpu_pct - least > target) {
		snprintf(buf, len,
		    "not a target: CPU %.0f%% is %.0f points over %s (%.0f%%), more than the target spread %g%%: VMs go from it",
		    h->cpu_pct, h->cpu_pct - least, least_name, least, target);
		return 0;
	}
	snprintf(buf, len,
	    "a target: CPU %.0f%% (within %g%% of the least loaded), %ld MiB of room under its reserve",
	    h->cpu_pct, target, cap - vmem);
	return 1;
}
