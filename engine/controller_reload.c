/*
 * controller_reload.c - a new configuration taken in without a restart
 * (see controller_reload in controller.h): what changed is listed, one
 * line each, then the model, the backends' views and the policy move over
 * to it in one step that cannot fail half-way (everything is allocated
 * first). Pure, like the rest of the engine: the front end read the file,
 * and reloads the probe and the health checker itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"
#include "vec.h"

void
reload_changes_free(struct reload_changes *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++)
		free(ch->v[i]);
	free(ch->v);
	memset(ch, 0, sizeof *ch);
}

static void
ch_add(struct reload_changes *ch, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ch_add(struct reload_changes *ch, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (vec_reserve(&ch->v, &ch->cap, ch->n + 1, sizeof *ch->v) != 0)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0)
		ch->v[ch->n++] = s;
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const char *
str_or(const char *s)
{
	return s != NULL ? s : "(none)";
}

/* ---- what changed -------------------------------------------------- */

static const struct {
	const char *name;
	size_t off;
	char type;		/* 'd' double, 'l' long, 'b' bool */
} reload_pol[] = {
	{ "threshold_pct", offsetof(struct policy, threshold_pct), 'd' },
	{ "target_pct", offsetof(struct policy, target_pct), 'd' },
	{ "hold_s", offsetof(struct policy, hold_s), 'd' },
	{ "window", offsetof(struct policy, window), 'l' },
	{ "probe_interval_s", offsetof(struct policy, probe_interval_s), 'd' },
	{ "analyse_interval_s", offsetof(struct policy, analyse_interval_s),
	    'd' },
	{ "max_concurrent_migrations",
	    offsetof(struct policy, max_concurrent_migrations), 'l' },
	{ "vm_cooldown_s", offsetof(struct policy, vm_cooldown_s), 'd' },
	{ "migration_timeout_s", offsetof(struct policy, migration_timeout_s),
	    'd' },
	{ "consolidate_ceiling_pct",
	    offsetof(struct policy, consolidate_ceiling_pct), 'd' },
	{ "min_gain_pct", offsetof(struct policy, min_gain_pct), 'd' },
	{ "weights.cpu", offsetof(struct policy, weight_cpu), 'd' },
	{ "weights.memory", offsetof(struct policy, weight_memory), 'd' },
	{ "host_reserve_mib", offsetof(struct policy, host_reserve_mib), 'l' },
	{ "migrate_persistent", offsetof(struct policy, migrate_persistent),
	    'b' },
	{ "migrate_undefine_source",
	    offsetof(struct policy, migrate_undefine_source), 'b' },
};

static void
reload_diff_policy(const struct policy *a, const struct policy *b,
    struct reload_changes *ch)
{
	static const char *const objectives[] = { "balance", "consolidate" };
	static const char *const planners[] = { "default", "greedy-2008" };
	size_t i;

	for (i = 0; i < sizeof reload_pol / sizeof reload_pol[0]; i++) {
		const char *pa = (const char *)a + reload_pol[i].off;
		const char *pb = (const char *)b + reload_pol[i].off;

		switch (reload_pol[i].type) {
		case 'd':
			if (*(const double *)pa != *(const double *)pb)
				ch_add(ch, "%s %g -> %g", reload_pol[i].name,
				    *(const double *)pa, *(const double *)pb);
			break;
		case 'l':
			if (*(const long *)pa != *(const long *)pb)
				ch_add(ch, "%s %ld -> %ld", reload_pol[i].name,
				    *(const long *)pa, *(const long *)pb);
			break;
		default:
			if (*(const bool *)pa != *(const bool *)pb)
				ch_add(ch, "%s %s -> %s", reload_pol[i].name,
				    *(const bool *)pa ? "true" : "false",
				    *(const bool *)pb ? "true" : "false");
			break;
		}
	}
	if (a->objective != b->objective)
		ch_add(ch, "objective %s -> %s", objectives[a->objective],
		    objectives[b->objective]);
	if (a->planner != b->planner)
		ch_add(ch, "planner %s -> %s", planners[a->planner],
		    planners[b->planner]);
}

static bool
reload_in_maint(const struct config *c, const char *host)
{
	size_t i;

	for (i = 0; i < c->nmaintenance; i++)
		if (strcmp(c->maintenance[i], host) == 0)
			return true;
	return false;
}

static bool
reload_fence_eq(const struct fence_conf *a, const struct fence_conf *b)
{
	size_t i;

	if (!str_eq(a->agent, b->agent) || a->nargs != b->nargs)
		return false;
	for (i = 0; i < a->nargs; i++)
		if (strcmp(a->keys[i], b->keys[i]) != 0 ||
		    strcmp(a->values[i], b->values[i]) != 0)
			return false;
	return true;
}

static void
reload_diff_hosts(const struct config *a, const struct config *b,
    struct reload_changes *ch)
{
	size_t i;
	int k;

	for (i = 0; i < a->nhosts; i++)
		if (config_host_index(b, a->hosts[i].name) < 0)
			ch_add(ch, "host %s removed", a->hosts[i].name);
	for (i = 0; i < b->nhosts; i++) {
		const struct host_conf *hb = &b->hosts[i], *ha;

		k = config_host_index(a, hb->name);
		if (k < 0) {
			ch_add(ch, "host %s added", hb->name);
			continue;
		}
		ha = &a->hosts[k];
		if (!str_eq(ha->uri, hb->uri))
			ch_add(ch, "host %s: uri %s -> %s (reconnected)",
			    hb->name, str_or(ha->uri), str_or(hb->uri));
		if (!str_eq(ha->migration_uri, hb->migration_uri))
			ch_add(ch, "host %s: migration_uri %s -> %s", hb->name,
			    str_or(ha->migration_uri),
			    str_or(hb->migration_uri));
		if (ha->cpus != hb->cpus)
			ch_add(ch, "host %s: cpus %ld -> %ld", hb->name,
			    ha->cpus, hb->cpus);
		if (ha->memory_mib != hb->memory_mib)
			ch_add(ch, "host %s: memory_mib %ld -> %ld", hb->name,
			    ha->memory_mib, hb->memory_mib);
		if (ha->reserve_mib != hb->reserve_mib)
			ch_add(ch, "host %s: reserve_mib %ld -> %ld", hb->name,
			    ha->reserve_mib, hb->reserve_mib);
		if (!reload_fence_eq(&ha->fence, &hb->fence))
			ch_add(ch, "host %s: fence %s -> %s", hb->name,
			    str_or(ha->fence.agent), str_or(hb->fence.agent));
		if (ha->fail_at_s != hb->fail_at_s ||
		    ha->return_at_s != hb->return_at_s ||
		    ha->fence_fails != hb->fence_fails)
			ch_add(ch, "host %s: failure changed", hb->name);
		if (reload_in_maint(a, hb->name) != reload_in_maint(b, hb->name))
			ch_add(ch, "maintenance %s %s", hb->name,
			    reload_in_maint(b, hb->name) ? "on" : "off");
	}
}

static bool
reload_load_eq(const struct load_conf *a, const struct load_conf *b)
{
	return a->kind == b->kind && (a->kind == LOAD_CONSTANT ?
	    a->value == b->value : a->peak == b->peak &&
	    a->valley == b->valley && a->peak_s == b->peak_s &&
	    a->valley_s == b->valley_s && a->phase_s == b->phase_s);
}

static void
reload_diff_vms(const struct config *a, const struct config *b,
    struct reload_changes *ch)
{
	size_t i;
	int k;

	for (i = 0; i < a->nvms; i++)
		if (config_vm_index(b, a->vms[i].name) < 0)
			ch_add(ch, "vm %s removed", a->vms[i].name);
	for (i = 0; i < b->nvms; i++) {
		const struct vm_conf *vb = &b->vms[i], *va;

		k = config_vm_index(a, vb->name);
		if (k < 0) {
			ch_add(ch, "vm %s added on %s", vb->name, vb->host);
			continue;
		}
		va = &a->vms[k];
		if (va->vcpus != vb->vcpus || va->memory_mib != vb->memory_mib ||
		    !reload_load_eq(&va->load, &vb->load))
			ch_add(ch, "vm %s changed", vb->name);
	}
}

static bool
reload_rule_eq(const struct rule_conf *a, const struct rule_conf *b)
{
	size_t i;

	if (a->kind != b->kind || a->nvms != b->nvms ||
	    !str_eq(a->host, b->host) || a->priority != b->priority)
		return false;
	for (i = 0; i < a->nvms; i++)
		if (strcmp(a->vms[i], b->vms[i]) != 0)
			return false;
	return true;
}

static void
reload_diff_rules(const struct config *a, const struct config *b,
    struct reload_changes *ch)
{
	size_t i;
	bool same = a->nrules == b->nrules;

	for (i = 0; same && i < a->nrules; i++)
		same = reload_rule_eq(&a->rules[i], &b->rules[i]);
	if (!same)
		ch_add(ch, "rules changed (%zu -> %zu)", a->nrules, b->nrules);
}

static int
reload_svc_index(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nservices; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
reload_backend_index(const struct service_conf *s, const char *addr,
    long port)
{
	size_t i;

	for (i = 0; i < s->nbackends; i++)
		if (strcmp(s->backends[i].address, addr) == 0 &&
		    s->backends[i].port == port)
			return (int)i;
	return -1;
}

static bool
reload_health_eq(const struct health_conf *a, const struct health_conf *b)
{
	return a->type == b->type && a->interval_ms == b->interval_ms &&
	    a->timeout_ms == b->timeout_ms && a->fall == b->fall &&
	    a->rise == b->rise && str_eq(a->path, b->path) &&
	    str_eq(a->send, b->send) && str_eq(a->expect, b->expect) &&
	    str_eq(a->name, b->name);
}

static void
reload_diff_service(const struct service_conf *a, const struct service_conf *b,
    struct reload_changes *ch)
{
	size_t i;
	int k;

	if (!str_eq(a->vip, b->vip) || a->port != b->port ||
	    a->protocol != b->protocol)
		ch_add(ch, "service %s: %s:%ld/%s -> %s:%ld/%s", b->name,
		    a->vip, a->port, a->protocol == PROTO_UDP ? "udp" : "tcp",
		    b->vip, b->port, b->protocol == PROTO_UDP ? "udp" : "tcp");
	if (a->algorithm != b->algorithm)
		ch_add(ch, "service %s: algorithm %s -> %s", b->name,
		    svc_algorithm_name(a->algorithm),
		    svc_algorithm_name(b->algorithm));
	if (a->persistence_s != b->persistence_s)
		ch_add(ch, "service %s: persistence_s %ld -> %ld", b->name,
		    a->persistence_s, b->persistence_s);
	if (a->slow_start_s != b->slow_start_s)
		ch_add(ch, "service %s: slow_start_s %ld -> %ld", b->name,
		    a->slow_start_s, b->slow_start_s);
	if (a->snat != b->snat)
		ch_add(ch, "service %s: snat %s", b->name, b->snat ? "on" :
		    "off");
	if (a->drain_on_migrate != b->drain_on_migrate)
		ch_add(ch, "service %s: drain_on_migrate %s", b->name,
		    b->drain_on_migrate ? "on" : "off");
	if (!reload_health_eq(&a->health, &b->health))
		ch_add(ch, "service %s: health check changed", b->name);
	for (i = 0; i < a->nbackends; i++)
		if (reload_backend_index(b, a->backends[i].address,
		    a->backends[i].port) < 0)
			ch_add(ch, "backend %s:%ld removed from %s",
			    a->backends[i].address, a->backends[i].port,
			    b->name);
	for (i = 0; i < b->nbackends; i++) {
		const struct backend_conf *bb = &b->backends[i], *ba;

		k = reload_backend_index(a, bb->address, bb->port);
		if (k < 0) {
			ch_add(ch, "backend %s:%ld added to %s", bb->address,
			    bb->port, b->name);
			continue;
		}
		ba = &a->backends[k];
		if (ba->weight != bb->weight)
			ch_add(ch, "backend %s:%ld of %s: weight %ld -> %ld",
			    bb->address, bb->port, b->name, ba->weight,
			    bb->weight);
		if (!str_eq(ba->vm, bb->vm))
			ch_add(ch, "backend %s:%ld of %s: vm %s -> %s",
			    bb->address, bb->port, b->name, str_or(ba->vm),
			    str_or(bb->vm));
	}
}

static void
reload_diff_services(const struct config *a, const struct config *b,
    struct reload_changes *ch)
{
	size_t i;
	int k;

	for (i = 0; i < a->nservices; i++)
		if (reload_svc_index(b, a->services[i].name) < 0)
			ch_add(ch, "service %s removed", a->services[i].name);
	for (i = 0; i < b->nservices; i++) {
		k = reload_svc_index(a, b->services[i].name);
		if (k < 0)
			ch_add(ch, "service %s added", b->services[i].name);
		else
			reload_diff_service(&a->services[k], &b->services[i],
			    ch);
	}
}

static bool
reload_lm_eq(const struct live_migration_conf *a,
    const struct live_migration_conf *b)
{
	return a->peer_to_peer == b->peer_to_peer && a->tls == b->tls &&
	    a->bandwidth_mibps == b->bandwidth_mibps &&
	    a->max_downtime_ms == b->max_downtime_ms &&
	    a->auto_converge == b->auto_converge &&
	    a->postcopy_after_s == b->postcopy_after_s &&
	    a->parallel_connections == b->parallel_connections;
}

static void
reload_diff(const struct config *a, const struct config *b,
    struct reload_changes *ch)
{
	reload_diff_hosts(a, b, ch);
	reload_diff_vms(a, b, ch);
	reload_diff_policy(&a->policy, &b->policy, ch);
	reload_diff_rules(a, b, ch);
	reload_diff_services(a, b, ch);
	if (!reload_lm_eq(&a->live_migration, &b->live_migration))
		ch_add(ch, "live_migration changed (from the next migration)");
	if (a->migration.bandwidth_mbps != b->migration.bandwidth_mbps ||
	    a->migration.fail_rate != b->migration.fail_rate ||
	    a->migration.seed != b->migration.seed)
		ch_add(ch, "migration changed (from the next migration)");
	if (a->ha_restart.mode != b->ha_restart.mode ||
	    a->ha_restart.after_s != b->ha_restart.after_s)
		ch_add(ch, "ha_restart %s %gs -> %s %gs",
		    ha_restart_mode_name(a->ha_restart.mode),
		    a->ha_restart.after_s,
		    ha_restart_mode_name(b->ha_restart.mode),
		    b->ha_restart.after_s);
	if (!str_eq(a->domain_dir, b->domain_dir))
		ch_add(ch, "domain_dir %s -> %s", str_or(a->domain_dir),
		    str_or(b->domain_dir));
	/* what only a restart changes: said, and the old kept in force */
	if (!str_eq(a->journal, b->journal))
		ch_add(ch, "journal %s -> %s: needs a restart (still %s)",
		    str_or(a->journal), str_or(b->journal), str_or(a->journal));
	if (!str_eq(a->ha.address, b->ha.address))
		ch_add(ch, "ha.address %s -> %s: needs a restart (still %s)",
		    str_or(a->ha.address), str_or(b->ha.address),
		    str_or(a->ha.address));
}

/* ---- the backends' views, moved over -------------------------------- */

struct reload_views {
	struct backend_view **views;
	struct window **lat;
	char **sig;
	size_t n;
};

static void
reload_views_free(struct reload_views *rv, const struct config *next)
{
	size_t i, j;

	for (i = 0; i < rv->n; i++) {
		if (rv->views != NULL)
			free(rv->views[i]);
		for (j = 0; rv->lat != NULL && rv->lat[i] != NULL &&
		    j < next->services[i].nbackends; j++)
			window_fini(&rv->lat[i][j]);
		if (rv->lat != NULL)
			free(rv->lat[i]);
	}
	free(rv->views);
	free(rv->lat);
	free(rv->sig);
}

/* Fresh views and windows for every backend of next; 0 or -1. */
static int
reload_views_alloc(struct reload_views *rv, const struct config *next,
    size_t win)
{
	size_t i, j, n = next->nservices;

	memset(rv, 0, sizeof *rv);
	rv->views = calloc(n + 1, sizeof *rv->views);
	rv->lat = calloc(n + 1, sizeof *rv->lat);
	rv->sig = calloc(n + 1, sizeof *rv->sig);
	rv->n = n;
	if (rv->views == NULL || rv->lat == NULL || rv->sig == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		size_t nb = next->services[i].nbackends;

		rv->views[i] = calloc(nb + 1, sizeof **rv->views);
		rv->lat[i] = calloc(nb + 1, sizeof **rv->lat);
		if (rv->views[i] == NULL || rv->lat[i] == NULL)
			return -1;
		for (j = 0; j < nb; j++) {
			rv->views[i][j].latency_ms = -1;
			rv->views[i][j].smooth_ms = -1;
			rv->views[i][j].conns = -1;
			if (window_init(&rv->lat[i][j], win) != 0)
				return -1;
		}
	}
	return 0;
}

/* Each backend that remains (service name, address:port) takes its view
 * and latency window over; the old ones left are freed. Cannot fail. */
static void
reload_views_commit(struct controller *c, struct reload_views *rv,
    const struct config *next, size_t win)
{
	const struct config *old = c->cfg;
	size_t i, j;
	int oi, oj;

	for (i = 0; i < next->nservices; i++) {
		const struct service_conf *s = &next->services[i];

		oi = reload_svc_index(old, s->name);
		for (j = 0; oi >= 0 && j < s->nbackends; j++) {
			oj = reload_backend_index(&old->services[oi],
			    s->backends[j].address, s->backends[j].port);
			if (oj < 0)
				continue;
			rv->views[i][j] = c->views[oi][oj];
			window_fini(&rv->lat[i][j]);
			rv->lat[i][j] = c->lat[oi][oj];
			memset(&c->lat[oi][oj], 0, sizeof c->lat[oi][oj]);
			(void)window_resize(&rv->lat[i][j], win);
		}
	}
	controller_views_free(c);	/* what is left of the old */
	c->views = rv->views;
	c->lat = rv->lat;
	c->dnat_sig = rv->sig;	/* all NULL: every service applied again */
}

/* ---- the reload ----------------------------------------------------- */

/* The mode after the reload: the one in force (the operator's, --mode's)
 * unless the file's own changed; observe comes and goes only at start. */
static enum policy_mode
reload_mode(const struct controller *c, const struct config *next,
    struct reload_changes *ch)
{
	enum policy_mode was = c->cfg->policy.mode, now = next->policy.mode;

	if (was == now)
		return c->policy.mode;
	if (c->policy.mode == MODE_OBSERVE || now == MODE_OBSERVE) {
		ch_add(ch, "mode %s -> %s: needs a restart (still %s)",
		    policy_mode_name(was), policy_mode_name(now),
		    policy_mode_name(c->policy.mode));
		return c->policy.mode;
	}
	ch_add(ch, "mode %s -> %s", policy_mode_name(c->policy.mode),
	    policy_mode_name(now));
	return now;
}

int
controller_reload(struct controller *c, const struct config *next,
    double now, struct diag *d, struct reload_changes *ch)
{
	const struct config *old = c->cfg;
	struct reload_views rv;
	struct policy pol = next->policy;
	enum policy_mode mode;
	double pdue, adue;
	size_t i, win = next->policy.window > 0 ? (size_t)next->policy.window :
	    1;
	bool host_gone = false;
	int h;

	(void)now;
	memset(ch, 0, sizeof *ch);
	if (next->kind != old->kind) {
		diag_set(d, NULL, 0, 0,
		    "%s: a scenario cannot become a cluster configuration, nor the other way round",
		    next->file);
		return -1;
	}
	reload_diff(old, next, ch);
	mode = reload_mode(c, next, ch);
	if (reload_views_alloc(&rv, next, win) != 0 ||
	    model_reload(c->model, next) != 0) {
		reload_views_free(&rv, next);
		reload_changes_free(ch);
		diag_set(d, NULL, 0, 0, "out of memory while reloading");
		return -1;
	}
	/* from here on nothing fails */
	reload_views_commit(c, &rv, next, win);
	controller_ha_reload(c);
	for (i = 0; i < old->nhosts; i++)
		if (config_host_index(next, old->hosts[i].name) < 0)
			host_gone = true;
	/* the configuration's maintenance list said otherwise: it wins */
	for (i = 0; i < next->nhosts; i++) {
		const char *name = next->hosts[i].name;
		struct model_host *mh;

		if (config_host_index(old, name) < 0 ||
		    reload_in_maint(old, name) == reload_in_maint(next, name))
			continue;
		h = model_host_index(c->model, name);
		mh = &c->model->hosts[h];
		mh->maintenance = reload_in_maint(next, name);
		if (mh->state == HOST_UP || mh->state == HOST_MAINTENANCE)
			mh->state = mh->maintenance ? HOST_MAINTENANCE : HOST_UP;
	}
	/* the due times go on from where they were, at the new intervals */
	pdue = c->probe_t0 + (double)(c->probes - c->probe_k0) *
	    c->policy.probe_interval_s;
	adue = c->analyse_t0 + (double)(c->ticks - c->tick_k0 + 1) *
	    c->policy.analyse_interval_s;
	c->probe_t0 = pdue;
	c->probe_k0 = c->probes;
	c->analyse_t0 = adue - pol.analyse_interval_s;
	c->tick_k0 = c->ticks;
	pol.mode = c->policy.mode;
	c->policy = pol;
	c->cfg = next;
	if (mode != c->policy.mode) {
		struct diag md;

		(void)controller_set_mode(c, mode, &md);
	}
	if (host_gone) {
		/* a move not started may name a host that is gone */
		controller_cancel_pending(c);
		controller_offer_clear(c);
	}
	c->dnat_empty = old->nservices > 0 && next->nservices == 0;
	c->dnat_dirty = true;
	controller_views_sync(c);
	if (ch->n == 0)
		ch_add(ch, "no change");
	return 0;
}

void
controller_reload_said(struct controller *c, double now, const char *who,
    bool applied, const struct reload_changes *ch, const char *error)
{
	struct event ev = { .type = EV_RELOAD, .ts = now };

	ev.u.reload.who = who;
	ev.u.reload.applied = applied;
	ev.u.reload.changes = ch != NULL ? (const char *const *)ch->v : NULL;
	ev.u.reload.nchanges = ch != NULL ? ch->n : 0;
	ev.u.reload.error = error;
	controller_emit(c, &ev);
	if (applied)
		controller_journal_command(c, now, who, "reload");
}

const struct config *
controller_config(const struct controller *c)
{
	return c->cfg;
}
