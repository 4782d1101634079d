/*
 * controller_services.c - the traffic half of the tick: backend health
 * and connection counts into the views, every passing check's latency
 * smoothed into them (latency.h), weights from them, and the DNAT rules
 * programmed when what they should be changes (or drifted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"
#include "latency.h"
#include "weights.h"

/* The rules in force are compared with what vmbal applied this often, and
 * restored when someone changed them (docs/dnat.md, "Drift"). */
#define DNAT_RECHECK_S 5.0

int
controller_views_new(struct controller *c)
{
	size_t i, j, n = c->cfg->nservices;
	size_t win = c->policy.window > 0 ? (size_t)c->policy.window : 1;

	c->views = calloc(n + 1, sizeof *c->views);
	c->lat = calloc(n + 1, sizeof *c->lat);
	c->dnat_sig = calloc(n + 1, sizeof *c->dnat_sig);
	if (c->views == NULL || c->lat == NULL || c->dnat_sig == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		size_t nb = c->cfg->services[i].nbackends;

		c->views[i] = calloc(nb + 1, sizeof **c->views);
		c->lat[i] = calloc(nb + 1, sizeof **c->lat);
		if (c->views[i] == NULL || c->lat[i] == NULL)
			return -1;
		for (j = 0; j < nb; j++) {
			c->views[i][j].latency_ms = -1;
			c->views[i][j].smooth_ms = -1;
			c->views[i][j].conns = -1;
			if (window_init(&c->lat[i][j], win) != 0)
				return -1;
		}
	}
	c->dnat_dirty = true;
	return 0;
}

void
controller_views_free(struct controller *c)
{
	size_t i, j;

	for (i = 0; i < c->cfg->nservices; i++) {
		if (c->views != NULL)
			free(c->views[i]);
		if (c->dnat_sig != NULL)
			free(c->dnat_sig[i]);
		for (j = 0; c->lat != NULL && c->lat[i] != NULL &&
		    j < c->cfg->services[i].nbackends; j++)
			window_fini(&c->lat[i][j]);
		if (c->lat != NULL)
			free(c->lat[i]);
	}
	free(c->views);
	free(c->lat);
	free(c->dnat_sig);
}

/* The open connections of every backend, once per analysis tick: the
 * weights of least-connections services, and the console's view. */
void
controller_count_connections(struct controller *c)
{
	const struct health_ops *ops;
	size_t i, j;
	long n;

	if (c->opts.health == NULL ||
	    (ops = c->opts.health->ops)->connections == NULL)
		return;
	for (i = 0; i < c->cfg->nservices; i++) {
		bool weighs = c->cfg->services[i].algorithm ==
		    ALGO_LEAST_CONNECTIONS;

		for (j = 0; j < c->cfg->services[i].nbackends; j++) {
			n = ops->connections(c->opts.health->impl, i, j);
			if (n != c->views[i][j].conns) {
				c->views[i][j].conns = n;
				/* only least-connections weighs them */
				c->dnat_dirty = c->dnat_dirty || weighs;
			}
		}
	}
}

static void
controller_view_health(struct controller *c, const struct health_change *ch)
{
	struct backend_view *v = &c->views[ch->service][ch->backend];

	v->health = ch->up ? BH_UP : BH_DOWN;
	if (!ch->up)
		latency_forget(&c->lat[ch->service][ch->backend], v);
	else if (c->opts.health->ops->latencies == NULL)
		/* a checker that reports no latencies but the deciding one */
		latency_add(&c->lat[ch->service][ch->backend], v,
		    &ch->latency_ms, ch->latency_ms >= 0 ? 1 : 0);
	c->dnat_dirty = true;
}

/* Every passing check since the last run, into each up backend's window:
 * the smoothed latency follows each check, the weighed one (and so the
 * rules of a lowest-latency service) only past the band (latency.h). */
static void
controller_poll_latency(struct controller *c)
{
	const struct health_ops *ops = c->opts.health->ops;
	double ms[32];
	size_t i, j, n;

	if (ops->latencies == NULL)
		return;
	for (i = 0; i < c->cfg->nservices; i++) {
		bool weighs = c->cfg->services[i].algorithm ==
		    ALGO_LOWEST_LATENCY;

		for (j = 0; j < c->cfg->services[i].nbackends; j++) {
			struct backend_view *v = &c->views[i][j];

			n = ops->latencies(c->opts.health->impl, i, j, ms, 32);
			if (v->health != BH_UP)
				continue;	/* down: passes count from up */
			if (latency_add(&c->lat[i][j], v, ms, n))
				c->dnat_dirty = c->dnat_dirty || weighs;
		}
	}
}

static char *
controller_dnat_sig(const struct dnat_service *d)
{
	size_t i, len = 16;
	char *s;

	for (i = 0; i < d->nbackends; i++)
		len += strlen(d->backends[i].address) + 32;
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (i = 0; i < d->nbackends; i++)
		snprintf(s + strlen(s), len - strlen(s), "%s:%ld=%ld%c;",
		    d->backends[i].address, d->backends[i].port,
		    d->backends[i].weight, d->backends[i].up ? '+' : '-');
	return s;
}

/* Marks each backend whose VM is in flight, from the model. */
void
controller_views_sync(struct controller *c)
{
	size_t i, j;

	for (i = 0; i < c->cfg->nservices; i++)
		for (j = 0; j < c->cfg->services[i].nbackends; j++) {
			const char *vm = c->cfg->services[i].backends[j].vm;
			int v = vm != NULL ? model_vm_index(c->model, vm) : -1;

			c->views[i][j].vm_migrating = v >= 0 &&
			    c->model->vms[v].in_flight;
		}
}

/*
 * Programs the services' rules when what they should be has changed
 * (health, a migration starting or ending, the start of the run): one
 * apply for all services, one dnat event per service that changed.
 * Every DNAT_RECHECK_S it also re-applies the unchanged state: the
 * programmer compares it with the kernel's, and when it had to write
 * (someone flushed or edited the chains) every service gets a dnat event
 * that says it was repaired.
 */
void
controller_dnat(struct controller *c, double now)
{
	size_t n = c->cfg->nservices, i;
	struct dnat_service *svcs;
	bool changed = false, any = false, ok = true, recheck, repaired;
	char **sigs;
	struct diag d;
	struct event ev;

	if (controller_slowstart(c, now))
		c->dnat_dirty = true;	/* a ramp moved on */
	if (c->opts.dnat == NULL || (n == 0 && !c->dnat_empty) ||
	    c->policy.mode == MODE_OBSERVE)
		return;		/* observing never touches the rules */
	recheck = !c->opts.dry_run && c->dnat_recheck > 0 &&
	    now + 1e-9 >= c->dnat_recheck;
	if (!c->dnat_dirty && !recheck)
		return;
	if (controller_dnat_wait(c, now))
		return;		/* starting: the rules in force stay a moment */
	c->dnat_dirty = false;
	controller_views_sync(c);
	(void)controller_slowstart(c, now);	/* a migration just ended */
	svcs = calloc(n + 1, sizeof *svcs);
	sigs = calloc(n + 1, sizeof *sigs);
	if (svcs == NULL || sigs == NULL ||
	    weights_compute(c->cfg, c->views, c->opts.health != NULL, svcs) != 0) {
		free(svcs);
		free(sigs);
		controller_error(c, now, "out of memory while computing weights");
		return;
	}
	any = c->dnat_empty;	/* the last service went: its rules too */
	for (i = 0; i < n; i++) {
		sigs[i] = controller_dnat_sig(&svcs[i]);
		if (sigs[i] == NULL || c->dnat_sig[i] == NULL ||
		    strcmp(sigs[i], c->dnat_sig[i]) != 0)
			any = true;
	}
	diag_clear(&d);
	if ((any || recheck) && !c->opts.dry_run) {
		ok = c->opts.dnat->ops->apply(c->opts.dnat->impl, svcs, n,
		    &changed, &d) == 0;
		c->dnat_recheck = now + DNAT_RECHECK_S;
		if (ok && any)
			c->forget_next = 0;	/* clean up after it at once */
	}
	/* nothing should have changed, yet the programmer wrote: drift */
	repaired = ok && changed && !any;
	for (i = 0; (any || repaired || !ok) && i < n; i++) {
		bool differs = sigs[i] == NULL || c->dnat_sig[i] == NULL ||
		    strcmp(sigs[i], c->dnat_sig[i]) != 0;

		if (!differs && ok && !repaired)
			continue;
		memset(&ev, 0, sizeof ev);
		ev.type = EV_DNAT;
		ev.ts = now;
		ev.u.dnat.svc = &svcs[i];
		ev.u.dnat.applied = ok;
		ev.u.dnat.dry_run = c->opts.dry_run;
		ev.u.dnat.error = ok ? NULL : d.msg;
		ev.u.dnat.repaired = repaired;
		ev.u.dnat.message = repaired ?
		    "rules restored: they had been changed outside vmbal" : NULL;
		controller_emit(c, &ev);
		if (ok) {
			free(c->dnat_sig[i]);
			c->dnat_sig[i] = sigs[i];
			sigs[i] = NULL;
		}
	}
	if (!ok)
		c->dnat_dirty = true;	/* try again at the next run */
	else if (!c->opts.dry_run)
		c->dnat_empty = false;
	for (i = 0; i < n; i++)
		free(sigs[i]);
	free(sigs);
	weights_free(svcs, n);
	free(svcs);
}

void
controller_poll_health(struct controller *c, double now)
{
	struct health_change ch[16];
	struct event ev;
	size_t n, i;

	if (c->opts.health == NULL)
		return;
	while ((n = c->opts.health->ops->poll(c->opts.health->impl, ch, 16)) >
	    0) {
		for (i = 0; i < n; i++) {
			const struct service_conf *s;
			char *backend;

			if (ch[i].service >= c->cfg->nservices ||
			    ch[i].backend >=
			    c->cfg->services[ch[i].service].nbackends)
				continue;	/* not one of ours */
			s = &c->cfg->services[ch[i].service];
			if (asprintf(&backend, "%s:%ld",
			    s->backends[ch[i].backend].address,
			    s->backends[ch[i].backend].port) < 0)
				backend = NULL;
			memset(&ev, 0, sizeof ev);
			ev.type = EV_HEALTH;
			ev.ts = now;
			ev.u.health.service = s->name;
			ev.u.health.backend = backend != NULL ? backend : "?";
			ev.u.health.up = ch[i].up;
			ev.u.health.latency_ms = ch[i].latency_ms;
			ev.u.health.error = ch[i].up ? NULL : ch[i].error;
			controller_emit(c, &ev);
			free(backend);
			controller_view_health(c, &ch[i]);
		}
		if (n < 16)
			break;
	}
	controller_poll_latency(c);
}
