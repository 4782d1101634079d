/*
 * jsonout.c - turning engine events into JSON lines with jansson.
 *
 * Numbers are rounded to two decimals; whole numbers are written as
 * integers, so "ts":10 rather than "ts":10.0.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "jsonout.h"
#include "../engine/movecost.h"
#include "../engine/weights.h"

json_t *
jsonout_num(double x)
{
	double r = round(x * 100.0) / 100.0;

	if (r == 0)
		r = 0;	/* no "-0" */
	if (r == floor(r) && fabs(r) < 1e15)
		return json_integer((json_int_t)r);
	return json_real(r);
}

static void
jsonout_set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

/* sample's services: per backend its state, weight now, smoothed
 * latency and open connections (null when not known). */
static json_t *
jsonout_services(const struct event *ev)
{
	json_t *svcs = json_array();
	size_t i, j;

	for (i = 0; i < ev->u.sample.nservices; i++) {
		const struct dnat_service *d = &ev->u.sample.services[i];
		json_t *js = json_object(), *bs = json_array();

		for (j = 0; j < d->nbackends; j++) {
			const struct dnat_backend *db = &d->backends[j];
			const struct backend_view *v = &ev->u.sample.views[i][j];
			json_t *jb = json_object();
			const char *state = v->health == BH_DOWN ? "down" :
			    db->up ? "up" : "unknown";

			jsonout_set(jb, "backend", json_sprintf("%s:%ld",
			    db->address, db->port));
			jsonout_set(jb, "state", json_string(state));
			jsonout_set(jb, "weight", json_integer(db->weight));
			jsonout_set(jb, "drained", json_boolean(v->drained));
			jsonout_set(jb, "latency_ms", v->smooth_ms >= 0 ?
			    jsonout_num(v->smooth_ms) : json_null());
			jsonout_set(jb, "connections", v->conns >= 0 ?
			    json_integer(v->conns) : json_null());
			json_array_append_new(bs, jb);
		}
		jsonout_set(js, "name", json_string(d->name));
		jsonout_set(js, "backends", bs);
		json_array_append_new(svcs, js);
	}
	return svcs;
}

static json_t *
jsonout_sample(const struct event *ev)
{
	const struct model *m = ev->u.sample.model;
	json_t *hosts = json_array(), *vms = json_array(), *o = json_object();
	size_t i;

	for (i = 0; i < m->nhosts; i++) {
		const struct model_host *h = &m->hosts[i];
		json_t *jh = json_object();

		jsonout_set(jh, "name", json_string(h->name));
		jsonout_set(jh, "state", json_string(host_state_name(h->state)));
		jsonout_set(jh, "cpu_pct", jsonout_num(h->cpu_pct));
		jsonout_set(jh, "load_pct", jsonout_num(h->load_pct));
		jsonout_set(jh, "demand_pct", jsonout_num(h->demand_pct));
		jsonout_set(jh, "mem_used_mib", json_integer(h->mem_used_mib));
		jsonout_set(jh, "mem_total_mib",
		    json_integer(h->mem_total_mib));
		jsonout_set(jh, "vms", json_integer(h->nvms));
		jsonout_set(jh, "cpus", json_integer(h->cpus));
		if ((h->state == HOST_DOWN || h->state == HOST_CONNECTING) &&
		    h->error[0] != '\0')
			jsonout_set(jh, "error", json_string(h->error));
		json_array_append_new(hosts, jh);
	}
	for (i = 0; i < m->nvms; i++) {
		const struct model_vm *v = &m->vms[i];
		json_t *jv = json_object();

		jsonout_set(jv, "name", json_string(v->name));
		jsonout_set(jv, "host", v->host >= 0 ?
		    json_string(m->hosts[v->host].name) : json_null());
		jsonout_set(jv, "cpu_pct", jsonout_num(window_mean(&v->cpu)));
		jsonout_set(jv, "demand_pct",
		    jsonout_num(window_mean(&v->demand)));
		jsonout_set(jv, "mem_mib", json_integer(v->mem_mib));
		jsonout_set(jv, "state", json_string(vm_state_name(v->state)));
		jsonout_set(jv, "vcpus", json_integer(v->vcpus));
		if (v->dirty_mibps >= 0)
			jsonout_set(jv, "dirty_mibps",
			    jsonout_num(v->dirty_mibps));
		json_array_append_new(vms, jv);
	}
	jsonout_set(o, "hosts", hosts);
	jsonout_set(o, "vms", vms);
	jsonout_set(o, "spread", jsonout_num(m->spread));
	jsonout_set(o, "state", json_string(ev->u.sample.imbalanced ?
	    "imbalanced" : "balanced"));
	jsonout_set(o, "role", json_string(ev->u.sample.standby ? "standby" :
	    "active"));
	jsonout_set(o, "services", jsonout_services(ev));
	return o;
}

static json_t *
jsonout_plan(const struct event *ev)
{
	static const char *const objectives[] = { "balance", "consolidate" };
	static const char *const planners[] = { "default", "greedy-2008" };
	static const char *const links[] = { "default", "configured",
		"measured" };
	const struct plan *p = ev->u.plan.plan;
	const struct plan_input *in = ev->u.plan.in;
	json_t *o = json_object(), *moves = json_array(), *empty, *held;
	size_t i;

	for (i = 0; i < p->nmoves; i++) {
		const struct plan_move *m = &p->moves[i];
		json_t *jm = json_object();

		jsonout_set(jm, "vm", json_string(in->vms[m->vm].name));
		jsonout_set(jm, "from", json_string(in->hosts[m->from].name));
		jsonout_set(jm, "to", json_string(in->hosts[m->to].name));
		jsonout_set(jm, "reason", json_string(m->reason));
		jsonout_set(jm, "mem_mib", json_integer(in->vms[m->vm].mem));
		jsonout_set(jm, "spread_after", jsonout_num(m->spread_after));
		jsonout_set(jm, "score_after", jsonout_num(m->score_after));
		if (in->vms[m->vm].dirty >= 0)
			jsonout_set(jm, "dirty_mibps",
			    jsonout_num(in->vms[m->vm].dirty));
		if (movecost_never(m->est_s))
			jsonout_set(jm, "may_not_converge", json_true());
		else
			jsonout_set(jm, "est_s", jsonout_num(m->est_s));
		json_array_append_new(moves, jm);
	}
	jsonout_set(o, "moves", moves);
	/* VMs their own metadata holds (another vmbal's move) */
	held = json_array();
	for (i = 0; i < in->nvms; i++)
		if (in->vms[i].held != NULL) {
			json_t *jh = json_object();

			jsonout_set(jh, "vm", json_string(in->vms[i].name));
			jsonout_set(jh, "why", json_string(in->vms[i].held));
			json_array_append_new(held, jh);
		}
	if (json_array_size(held) > 0)
		jsonout_set(o, "held", held);
	else
		json_decref(held);
	jsonout_set(o, "link_mibps", jsonout_num(in->link_mibps));
	jsonout_set(o, "link_rate", json_string(links[in->link_src]));
	jsonout_set(o, "spread_before", jsonout_num(p->spread_before));
	jsonout_set(o, "spread_after", jsonout_num(p->spread_after));
	jsonout_set(o, "score_before", jsonout_num(p->score_before));
	jsonout_set(o, "score_after", jsonout_num(p->score_after));
	if (p->min_moves >= 0) {
		jsonout_set(o, "min_moves", json_integer(p->min_moves));
		jsonout_set(o, "min_moves_proven", json_boolean(p->min_exact));
		jsonout_set(o, "target_pct", jsonout_num(p->target));
	}
	jsonout_set(o, "objective",
	    json_string(objectives[in->policy.objective]));
	jsonout_set(o, "planner", json_string(planners[in->policy.planner]));
	jsonout_set(o, "mode", json_string(policy_mode_name(ev->u.plan.mode)));
	jsonout_set(o, "dry_run", json_boolean(ev->u.plan.dry_run));
	if (ev->u.plan.replaces != NULL)
		jsonout_set(o, "replaces", json_string(ev->u.plan.replaces));
	if (in->policy.objective == OBJECTIVE_CONSOLIDATE) {
		empty = json_array();
		for (i = 0; i < p->nempty; i++)
			json_array_append_new(empty,
			    json_string(in->hosts[p->empty_hosts[i]].name));
		jsonout_set(o, "empty_hosts", empty);
	}
	return o;
}

/* A dnat event's flushed: per backend, the conntrack entries deleted. */
static json_t *
jsonout_forgot(const struct event *ev)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < ev->u.dnat.nforgot; i++) {
		const struct dnat_forget *f = &ev->u.dnat.forgot[i];
		json_t *o;

		if (f->udp_deleted == 0 && f->tcp_deleted == 0)
			continue;
		o = json_object();
		jsonout_set(o, "backend", json_sprintf("%s:%ld", f->address,
		    f->port));
		jsonout_set(o, "udp", json_integer(f->udp_deleted));
		jsonout_set(o, "tcp", json_integer(f->tcp_deleted));
		json_array_append_new(a, o);
	}
	return a;
}

static const char *
jsonout_balance(bool imbalanced)
{
	return imbalanced ? "imbalanced" : "balanced";
}

char *
jsonout_event(const struct event *ev)
{
	static const char *const names[] = { "sample", "imbalance", "plan",
		"migration", "health", "dnat", "error", "end", "ha", "command",
		"reload", "fence", "restart" };
	_Static_assert(sizeof names / sizeof names[0] == EV_COUNT,
	    "one name per event type");
	json_t *o, *head;
	char *line;

	head = json_object();
	jsonout_set(head, "ts", jsonout_num(ev->ts));
	jsonout_set(head, "event", json_string(names[ev->type]));
	switch (ev->type) {
	case EV_SAMPLE:
		o = jsonout_sample(ev);
		break;
	case EV_IMBALANCE:
		o = json_object();
		jsonout_set(o, "from",
		    json_string(jsonout_balance(ev->u.imbalance.from)));
		jsonout_set(o, "to",
		    json_string(jsonout_balance(ev->u.imbalance.to)));
		jsonout_set(o, "spread", jsonout_num(ev->u.imbalance.spread));
		break;
	case EV_PLAN:
		o = jsonout_plan(ev);
		break;
	case EV_MIGRATION:
		o = json_object();
		jsonout_set(o, "vm", json_string(ev->u.migration.vm));
		jsonout_set(o, "from", json_string(ev->u.migration.from));
		jsonout_set(o, "to", json_string(ev->u.migration.to));
		jsonout_set(o, "status",
		    json_string(mig_status_name(ev->u.migration.status)));
		if (ev->u.migration.status != MIG_STARTED)
			jsonout_set(o, "duration_s",
			    jsonout_num(ev->u.migration.duration_s));
		if (ev->u.migration.error != NULL)
			jsonout_set(o, "error",
			    json_string(ev->u.migration.error));
		if (ev->u.migration.status == MIG_DONE) {
			const struct mig_stats *ms = &ev->u.migration.stats;

			if (ms->downtime_ms >= 0)
				jsonout_set(o, "downtime_ms",
				    jsonout_num(ms->downtime_ms));
			if (ms->transferred_mib >= 0)
				jsonout_set(o, "transferred_mib",
				    jsonout_num(ms->transferred_mib));
			if (ms->rate_mibps >= 0)
				jsonout_set(o, "rate_mibps",
				    jsonout_num(ms->rate_mibps));
		}
		break;
	case EV_HEALTH:
		o = json_object();
		jsonout_set(o, "service", json_string(ev->u.health.service));
		jsonout_set(o, "backend", json_string(ev->u.health.backend));
		jsonout_set(o, "state", json_string(ev->u.health.up ? "up" : "down"));
		jsonout_set(o, "latency_ms", ev->u.health.latency_ms >= 0 ?
		    jsonout_num(ev->u.health.latency_ms) : json_null());
		if (ev->u.health.error != NULL && ev->u.health.error[0] != '\0')
			jsonout_set(o, "error", json_string(ev->u.health.error));
		break;
	case EV_DNAT: {
		const struct dnat_service *d = ev->u.dnat.svc;
		json_t *bs = json_array();
		size_t i;

		o = json_object();
		jsonout_set(o, "service", json_string(d->name));
		for (i = 0; i < d->nbackends; i++) {
			json_t *jb = json_object();

			jsonout_set(jb, "backend", json_sprintf("%s:%ld",
			    d->backends[i].address, d->backends[i].port));
			jsonout_set(jb, "weight",
			    json_integer(d->backends[i].weight));
			jsonout_set(jb, "state", json_string(d->backends[i].up ?
			    "up" : "down"));
			json_array_append_new(bs, jb);
		}
		jsonout_set(o, "backends", bs);
		jsonout_set(o, "status", json_string(ev->u.dnat.applied ?
		    "applied" : "failed"));
		if (ev->u.dnat.dry_run)
			jsonout_set(o, "dry_run", json_true());
		if (ev->u.dnat.error != NULL)
			jsonout_set(o, "error", json_string(ev->u.dnat.error));
		if (ev->u.dnat.repaired)
			jsonout_set(o, "repaired", json_true());
		if (ev->u.dnat.message != NULL)
			jsonout_set(o, "message",
			    json_string(ev->u.dnat.message));
		if (ev->u.dnat.forgot != NULL)
			jsonout_set(o, "flushed", jsonout_forgot(ev));
		break;
	}
	case EV_ERROR:
		o = json_object();
		jsonout_set(o, "message", json_string(ev->u.error.message));
		if (ev->u.error.host != NULL)
			jsonout_set(o, "host", json_string(ev->u.error.host));
		break;
	case EV_HA:
		o = json_object();
		jsonout_set(o, "role", json_string(ev->u.ha.active ? "active" :
		    "standby"));
		jsonout_set(o, "address", json_string(ev->u.ha.address));
		break;
	case EV_COMMAND:
		o = json_object();
		jsonout_set(o, "who", json_string(ev->u.command.who));
		jsonout_set(o, "command", json_string(ev->u.command.name));
		jsonout_set(o, "args", json_string(ev->u.command.args));
		jsonout_set(o, "status", json_string(ev->u.command.done ?
		    "done" : "refused"));
		jsonout_set(o, "message", json_string(ev->u.command.message));
		break;
	case EV_RELOAD: {
		json_t *chs = json_array();
		size_t i;

		o = json_object();
		jsonout_set(o, "who", json_string(ev->u.reload.who));
		jsonout_set(o, "status", json_string(ev->u.reload.applied ?
		    "applied" : "refused"));
		for (i = 0; i < ev->u.reload.nchanges; i++)
			json_array_append_new(chs,
			    json_string(ev->u.reload.changes[i]));
		jsonout_set(o, "changes", chs);
		jsonout_set(o, "error", ev->u.reload.error != NULL ?
		    json_string(ev->u.reload.error) : json_null());
		break;
	}
	case EV_FENCE:
		o = json_object();
		jsonout_set(o, "host", json_string(ev->u.fence.host));
		jsonout_set(o, "status", json_string(ev->u.fence.off ? "off" :
		    "failed"));
		jsonout_set(o, "who", json_string(ev->u.fence.who));
		jsonout_set(o, "error", ev->u.fence.error != NULL ?
		    json_string(ev->u.fence.error) : json_null());
		break;
	case EV_RESTART:
		o = json_object();
		jsonout_set(o, "vm", json_string(ev->u.restart.vm));
		jsonout_set(o, "from", json_string(ev->u.restart.from));
		jsonout_set(o, "to", ev->u.restart.to != NULL ?
		    json_string(ev->u.restart.to) : json_null());
		jsonout_set(o, "status", json_string(ev->u.restart.status));
		if (ev->u.restart.duration_s > 0)
			jsonout_set(o, "duration_s",
			    jsonout_num(ev->u.restart.duration_s));
		jsonout_set(o, "error", ev->u.restart.error != NULL ?
		    json_string(ev->u.restart.error) : json_null());
		break;
	case EV_END:
		o = json_object();
		jsonout_set(o, "migrations", json_integer(ev->u.end.migrations));
		jsonout_set(o, "failed", json_integer(ev->u.end.failed));
		jsonout_set(o, "spread", jsonout_num(ev->u.end.spread));
		break;
	default:
		o = json_object();
		break;
	}
	json_object_update(head, o);
	json_decref(o);
	line = json_dumps(head, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(head);
	return line;
}

int
jsonout_write(FILE *out, const struct event *ev)
{
	char *line = jsonout_event(ev);
	int rc = 0;

	if (line == NULL)
		return -1;
	if (fputs(line, out) == EOF || fputc('\n', out) == EOF ||
	    fflush(out) == EOF)
		rc = -1;
	free(line);
	return rc;
}
