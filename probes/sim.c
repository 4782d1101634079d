/*
 * sim.c - the simulated cluster (see sim.h).
 *
 * Each step of SIM_STEP_S seconds: every VM wants its load at the start
 * of the step (capped at vcpus x 100); a host whose VMs want more than
 * cpus x 100 in total scales every share down by the same factor; what
 * each VM gets is added to its CPU-time counter, and what it wanted and
 * did not get to its delay counter (as libvirt's vcpu.<n>.delay: time
 * its runnable vCPUs waited for a host CPU). Migrations run on the
 * source until they finish: a migration of M MiB over B Mbit/s takes
 * M * 8 / B seconds; memory is reserved on the destination meanwhile.
 * Whether a migration fails is drawn from erand48() seeded by the
 * scenario, one draw per migration in the order they start, so a run is
 * reproducible.
 *
 * Host failures (issue 18): a host with fail_at_s loses power then: it
 * answers no probe, its VMs stop with it (a migration off it or onto it
 * fails) and are reported running nowhere; at return_at_s it answers
 * again, its old VMs defined there but shut off (a shut-off domain is
 * not in a snapshot, as the libvirt probe lists only active ones). The
 * recovery steps (sim_fence, sim_restart, sim_retire) finish after fixed
 * simulated times, in the order they were asked, into sim_poll_recover.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "../engine/vec.h"

struct sim_host {
	char *name;
	long cpus;
	long mem_mib;
	bool up;
	double connect_s;	/* answers no probe before (scenario's
				 * connect_after_s) */
	double fail_s, return_s;	/* loses power, answers again; <= 0
				 * never */
	bool failed;		/* without power now */
	bool fence_fails;	/* its agent cannot fence it */
};

struct sim_vm {
	char *name;
	size_t host;
	long vcpus;
	long mem_mib;
	struct load_conf load;
	double cpu_s;		/* CPU seconds used so far */
	double wait_s;		/* CPU seconds wanted and not given so far */
	/* a migration in flight */
	bool migrating;
	size_t dest;
	double mig_start, mig_end;
	bool mig_fails;
	bool stopped;		/* its host lost power: it runs nowhere */
	long old_def;		/* a host holding its old, shut-off
				 * definition (after a restart); -1 none */
};

/* A recovery step under way. */
struct sim_rec {
	enum recover_kind kind;
	size_t host, vm, to;
	double start, end;
};

struct sim {
	struct sim_host *hosts;
	size_t nhosts;
	struct sim_vm *vms;
	size_t nvms;
	long long steps;	/* time = steps * SIM_STEP_S */
	double bandwidth_mbps;
	double fail_rate;
	unsigned short rng[3];
	double *want, *total;	/* scratch for sim_step */
	struct action_result *done;	/* finished, not yet polled */
	size_t ndone, capdone;
	struct sim_rec *recs;	/* recovery steps under way */
	size_t nrecs, caprecs;
	struct recover_result *rdone;	/* finished, not yet polled */
	size_t nrdone, caprdone;
};

struct sim *
sim_new(const struct config *c)
{
	struct sim *s = calloc(1, sizeof *s);
	size_t i;

	if (s == NULL)
		return NULL;
	s->hosts = calloc(c->nhosts + 1, sizeof *s->hosts);
	s->vms = calloc(c->nvms + 1, sizeof *s->vms);
	s->want = calloc(c->nvms + 1, sizeof *s->want);
	s->total = calloc(c->nhosts + 1, sizeof *s->total);
	if (s->hosts == NULL || s->vms == NULL || s->want == NULL ||
	    s->total == NULL) {
		sim_free(s);
		return NULL;
	}
	for (i = 0; i < c->nhosts; i++) {
		s->hosts[i].name = strdup(c->hosts[i].name);
		s->nhosts = i + 1;
		if (s->hosts[i].name == NULL) {
			sim_free(s);
			return NULL;
		}
		s->hosts[i].cpus = c->hosts[i].cpus;
		s->hosts[i].mem_mib = c->hosts[i].memory_mib;
		s->hosts[i].up = true;
		s->hosts[i].connect_s = c->hosts[i].connect_after_s;
		s->hosts[i].fail_s = c->hosts[i].fail_at_s;
		s->hosts[i].return_s = c->hosts[i].return_at_s;
		s->hosts[i].fence_fails = c->hosts[i].fence_fails;
	}
	for (i = 0; i < c->nvms; i++) {
		struct sim_vm *v = &s->vms[i];

		v->old_def = -1;

		v->name = strdup(c->vms[i].name);
		s->nvms = i + 1;
		if (v->name == NULL) {
			sim_free(s);
			return NULL;
		}
		v->host = (size_t)config_host_index(c, c->vms[i].host);
		v->vcpus = c->vms[i].vcpus;
		v->mem_mib = c->vms[i].memory_mib;
		v->load = c->vms[i].load;
	}
	s->bandwidth_mbps = c->migration.bandwidth_mbps;
	s->fail_rate = c->migration.fail_rate;
	s->rng[0] = 0x330e;
	s->rng[1] = (unsigned short)(c->migration.seed & 0xffff);
	s->rng[2] = (unsigned short)((c->migration.seed >> 16) & 0xffff);
	return s;
}

/* The hosts' and VMs' arrays, names included. */
static void
sim_arrays_free(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->nhosts; i++)
		free(s->hosts[i].name);
	for (i = 0; i < s->nvms; i++)
		free(s->vms[i].name);
	free(s->hosts);
	free(s->vms);
	free(s->want);
	free(s->total);
}

void
sim_free(struct sim *s)
{
	size_t i;

	if (s == NULL)
		return;
	sim_arrays_free(s);
	for (i = 0; i < s->ndone; i++)
		action_result_clear(&s->done[i]);
	free(s->done);
	for (i = 0; i < s->nrdone; i++)
		recover_result_clear(&s->rdone[i]);
	free(s->rdone);
	free(s->recs);
	free(s);
}

static int sim_host_index(const struct sim *s, const char *name);
static void sim_recs_drop(struct sim *s, const char *why);
static int sim_done_push(struct sim *s, const struct sim_vm *v, size_t from,
    enum mig_status st, double dur, const char *err);

int
sim_reload(struct sim *s, const struct config *c, long **mapp)
{
	struct sim_host *nh = calloc(c->nhosts + 1, sizeof *nh);
	struct sim_vm *nv = calloc(c->nvms + 1, sizeof *nv);
	double *want = calloc(c->nvms + 1, sizeof *want);
	double *total = calloc(c->nhosts + 1, sizeof *total);
	long *map = calloc(c->nvms + 1, sizeof *map);
	long *hmap = calloc(s->nhosts + 1, sizeof *hmap);
	bool *kept = calloc(s->nvms + 1, sizeof *kept);
	size_t i;
	bool ok = nh != NULL && nv != NULL && want != NULL && total != NULL &&
	    map != NULL && hmap != NULL && kept != NULL;

	for (i = 0; ok && i < c->nhosts; i++)
		ok = (nh[i].name = strdup(c->hosts[i].name)) != NULL;
	for (i = 0; ok && i < c->nvms; i++)
		ok = (nv[i].name = strdup(c->vms[i].name)) != NULL;
	if (!ok) {
		for (i = 0; nh != NULL && i < c->nhosts; i++)
			free(nh[i].name);
		for (i = 0; nv != NULL && i < c->nvms; i++)
			free(nv[i].name);
		free(nh);
		free(nv);
		free(want);
		free(total);
		free(map);
		free(hmap);
		free(kept);
		return -1;
	}
	for (i = 0; i < s->nhosts; i++)
		hmap[i] = config_host_index(c, s->hosts[i].name);
	for (i = 0; i < c->nhosts; i++) {
		int old = sim_host_index(s, c->hosts[i].name);

		nh[i].cpus = c->hosts[i].cpus;
		nh[i].mem_mib = c->hosts[i].memory_mib;
		nh[i].up = old >= 0 ? s->hosts[old].up : true;
		nh[i].failed = old >= 0 && s->hosts[old].failed;
		nh[i].connect_s = c->hosts[i].connect_after_s;
		nh[i].fail_s = c->hosts[i].fail_at_s;
		nh[i].return_s = c->hosts[i].return_at_s;
		nh[i].fence_fails = c->hosts[i].fence_fails;
	}
	for (i = 0; i < c->nvms; i++) {
		int old = sim_vm_index(s, c->vms[i].name);
		char *name = nv[i].name;
		struct sim_vm *o;

		map[i] = old;
		if (old < 0) {
			nv[i].host = (size_t)config_host_index(c, c->vms[i].host);
			nv[i].old_def = -1;
		} else {
			o = &s->vms[old];
			kept[old] = true;
			if (o->migrating && (hmap[o->dest] < 0 ||
			    hmap[o->host] < 0)) {
				o->migrating = false;
				sim_done_push(s, o, o->host, MIG_FAILED,
				    sim_now(s) - o->mig_start,
				    "its host was removed from the scenario");
			}
			nv[i] = *o;	/* o's name is freed below */
			nv[i].name = name;
			nv[i].host = hmap[o->host] >= 0 ? (size_t)hmap[o->host] :
			    (size_t)config_host_index(c, c->vms[i].host);
			if (nv[i].migrating)
				nv[i].dest = (size_t)hmap[o->dest];
			nv[i].old_def = o->old_def >= 0 ? hmap[o->old_def] : -1;
		}
		nv[i].vcpus = c->vms[i].vcpus;
		nv[i].mem_mib = c->vms[i].memory_mib;
		nv[i].load = c->vms[i].load;
	}
	for (i = 0; i < s->nvms; i++)
		if (!kept[i] && s->vms[i].migrating) {
			s->vms[i].migrating = false;
			sim_done_push(s, &s->vms[i], s->vms[i].host, MIG_FAILED,
			    sim_now(s) - s->vms[i].mig_start,
			    "removed from the scenario");
		}
	sim_recs_drop(s, "the scenario was reloaded");
	sim_arrays_free(s);
	s->hosts = nh;
	s->nhosts = c->nhosts;
	s->vms = nv;
	s->nvms = c->nvms;
	s->want = want;
	s->total = total;
	s->bandwidth_mbps = c->migration.bandwidth_mbps;
	s->fail_rate = c->migration.fail_rate;
	free(hmap);
	free(kept);
	*mapp = map;
	return 0;
}

double
sim_now(const struct sim *s)
{
	return (double)s->steps * SIM_STEP_S;
}

double
sim_vm_want(const struct sim *s, size_t v, double t)
{
	const struct load_conf *l = &s->vms[v].load;
	double cap = (double)s->vms[v].vcpus * 100.0, want, period, at;

	if (l->kind == LOAD_CONSTANT)
		want = l->value;
	else {
		period = l->peak_s + l->valley_s;
		at = fmod(t + l->phase_s, period);
		/* guard against t landing a hair below a boundary */
		if (period - at < 1e-9)
			at = 0;
		want = at + 1e-9 < l->peak_s ? l->peak : l->valley;
	}
	return fmin(want, cap);
}

static int
sim_done_push(struct sim *s, const struct sim_vm *v, size_t from,
    enum mig_status st, double dur, const char *err)
{
	struct action_result *r;

	if (vec_reserve(&s->done, &s->capdone, s->ndone + 1,
	    sizeof *s->done) != 0)
		return -1;
	r = &s->done[s->ndone];
	if (action_result_set(r, v->name, s->hosts[from].name,
	    s->hosts[v->dest].name, st, dur, err) != 0)
		return -1;
	if (st == MIG_DONE) {
		/* the model's figures: its memory at the link's rate; no
		 * downtime is modelled */
		r->stats.transferred_mib = (double)v->mem_mib;
		r->stats.rate_mibps = s->bandwidth_mbps * 1e6 / 8.0 /
		    (1024.0 * 1024.0);
	}
	s->ndone++;
	return 0;
}

static void
sim_finish_migrations(struct sim *s, double now)
{
	size_t i;

	for (i = 0; i < s->nvms; i++) {
		struct sim_vm *v = &s->vms[i];
		size_t from = v->host;
		double dur;

		if (!v->migrating || now + 1e-9 < v->mig_end)
			continue;
		v->migrating = false;
		dur = v->mig_end - v->mig_start;
		if (!s->hosts[v->dest].up) {
			sim_done_push(s, v, from, MIG_FAILED, dur,
			    "destination host went down");
		} else if (v->mig_fails) {
			sim_done_push(s, v, from, MIG_FAILED, dur,
			    "simulated migration failure");
		} else {
			v->host = v->dest;
			sim_done_push(s, v, from, MIG_DONE, dur, NULL);
		}
	}
}

/* ---- host failures and recovery ------------------------------------- */

#define SIM_FENCE_S 2.0		/* the simulated agent's off and status */
#define SIM_RESTART_S 3.0	/* define and start on the survivor */

static int
sim_rdone_push(struct sim *s, enum recover_kind k, size_t host, long vm,
    long to, enum recover_status st, double dur, const char *err)
{
	struct recover_result *r;

	if (vec_reserve(&s->rdone, &s->caprdone, s->nrdone + 1,
	    sizeof *s->rdone) != 0)
		return -1;
	r = &s->rdone[s->nrdone];
	if (recover_result_set(r, k, s->hosts[host].name,
	    vm >= 0 ? s->vms[vm].name : NULL, to >= 0 ? s->hosts[to].name :
	    NULL, st, dur, err) != 0)
		return -1;
	s->nrdone++;
	return 0;
}

/* Every step under way ends, failed with why (a reload renumbers). */
static void
sim_recs_drop(struct sim *s, const char *why)
{
	size_t i;

	for (i = 0; i < s->nrecs; i++) {
		struct sim_rec *r = &s->recs[i];

		sim_rdone_push(s, r->kind, r->host, r->kind == REC_FENCE ? -1 :
		    (long)r->vm, r->kind == REC_RESTART ? (long)r->to : -1,
		    REC_FAILED, sim_now(s) - r->start, why);
	}
	s->nrecs = 0;
}

/* Power lost at fail_s, back at return_s (its VMs stay shut off). */
static void
sim_power(struct sim *s, double t)
{
	size_t h, i;

	for (h = 0; h < s->nhosts; h++) {
		struct sim_host *hh = &s->hosts[h];

		if (hh->fail_s > 0 && !hh->failed && t + 1e-9 >= hh->fail_s &&
		    !(hh->return_s > 0 && t + 1e-9 >= hh->return_s)) {
			hh->failed = true;
			hh->up = false;
			for (i = 0; i < s->nvms; i++) {
				struct sim_vm *v = &s->vms[i];

				if (v->migrating && (v->host == h ||
				    v->dest == h)) {
					v->migrating = false;
					sim_done_push(s, v, v->host, MIG_FAILED,
					    t - v->mig_start, v->host == h ?
					    "the source host lost power" :
					    "destination host went down");
				}
				if (v->host == h)
					v->stopped = true;
			}
		}
		if (hh->failed && hh->return_s > 0 && t + 1e-9 >= hh->return_s) {
			hh->failed = false;
			hh->up = true;
			/* what was never restarted elsewhere is shut off
			 * here: still stopped, defined here */
		}
	}
}

/* The steps due by now, in the order they were asked. */
static void
sim_finish_recs(struct sim *s, double now)
{
	size_t i, n = 0;

	for (i = 0; i < s->nrecs; i++) {
		struct sim_rec *r = &s->recs[i];
		struct sim_host *h = &s->hosts[r->host];
		struct sim_vm *v = &s->vms[r->vm];
		double dur = now - r->start;

		if (now + 1e-9 < r->end) {
			s->recs[n++] = *r;
			continue;
		}
		if (r->kind == REC_FENCE) {
			if (h->failed && !h->fence_fails)
				sim_rdone_push(s, REC_FENCE, r->host, -1, -1,
				    REC_DONE, dur, NULL);
			else
				sim_rdone_push(s, REC_FENCE, r->host, -1, -1,
				    REC_FAILED, dur, h->fence_fails ?
				    "the fence agent failed: no answer from the power switch (fence_fails)" :
				    "the fence agent says the host is still on");
		} else if (!v->stopped) {
			sim_rdone_push(s, REC_RESTART, r->host, (long)r->vm,
			    (long)r->to, REC_REFUSED, dur,
			    "not fenced: its disk is held by a running QEMU");
		} else if (!s->hosts[r->to].up) {
			sim_rdone_push(s, REC_RESTART, r->host, (long)r->vm,
			    (long)r->to, REC_FAILED, dur,
			    "the destination host went down");
		} else {
			v->stopped = false;
			v->old_def = (long)v->host;
			v->host = r->to;
			sim_rdone_push(s, REC_RESTART, r->host, (long)r->vm,
			    (long)r->to, REC_DONE, dur, NULL);
		}
	}
	s->nrecs = n;
}

static int
sim_rec_push(struct sim *s, enum recover_kind k, size_t host, size_t vm,
    size_t to, double took)
{
	struct sim_rec *r;

	if (vec_reserve(&s->recs, &s->caprecs, s->nrecs + 1,
	    sizeof *s->recs) != 0)
		return -1;
	r = &s->recs[s->nrecs++];
	r->kind = k;
	r->host = host;
	r->vm = vm;
	r->to = to;
	r->start = sim_now(s);
	r->end = r->start + took;
	return 0;
}

int
sim_fence(struct sim *s, const char *host, struct diag *d)
{
	int h = sim_host_index(s, host);

	if (h < 0) {
		diag_set(d, NULL, 0, 0, "no such host: %s", host);
		return -1;
	}
	if (sim_rec_push(s, REC_FENCE, (size_t)h, 0, 0, SIM_FENCE_S) != 0) {
		diag_set(d, NULL, 0, 0, "simulator: out of memory");
		return -1;
	}
	return 0;
}

int
sim_restart(struct sim *s, const char *vm, const char *from, const char *to,
    struct diag *d)
{
	int v = sim_vm_index(s, vm), f = sim_host_index(s, from);
	int t = sim_host_index(s, to);
	size_t i;

	if (v < 0 || f < 0 || t < 0) {
		diag_set(d, NULL, 0, 0, "no such %s: %s", v < 0 ? "VM" : "host",
		    v < 0 ? vm : f < 0 ? from : to);
		return -1;
	}
	if (s->vms[v].host != (size_t)f) {
		diag_set(d, NULL, 0, 0, "no definition of %s saved from %s", vm,
		    from);
		return -1;
	}
	for (i = 0; i < s->nrecs; i++)
		if (s->recs[i].kind == REC_RESTART && s->recs[i].vm == (size_t)v) {
			diag_set(d, NULL, 0, 0, "%s is being started already",
			    vm);
			return -1;
		}
	if (s->vms[v].mem_mib > s->hosts[t].mem_mib -
	    sim_host_mem_used(s, (size_t)t)) {
		diag_set(d, NULL, 0, 0,
		    "not enough memory on %s: %ld MiB needed, %ld MiB free", to,
		    s->vms[v].mem_mib, s->hosts[t].mem_mib -
		    sim_host_mem_used(s, (size_t)t));
		return -1;
	}
	if (sim_rec_push(s, REC_RESTART, (size_t)f, (size_t)v, (size_t)t,
	    SIM_RESTART_S) != 0) {
		diag_set(d, NULL, 0, 0, "simulator: out of memory");
		return -1;
	}
	return 0;
}

int
sim_retire(struct sim *s, const char *vm, const char *host, struct diag *d)
{
	int v = sim_vm_index(s, vm), h = sim_host_index(s, host);

	if (v < 0 || h < 0) {
		diag_set(d, NULL, 0, 0, "no such %s: %s", v < 0 ? "VM" : "host",
		    v < 0 ? vm : host);
		return -1;
	}
	if (s->vms[v].host == (size_t)h && !s->vms[v].stopped)
		return sim_rdone_push(s, REC_RETIRE, (size_t)h, v, -1,
		    REC_FAILED, 0, "it runs there: nothing touched");
	if (s->vms[v].old_def == h)
		s->vms[v].old_def = -1;
	return sim_rdone_push(s, REC_RETIRE, (size_t)h, v, -1, REC_DONE, 0,
	    NULL);
}

size_t
sim_poll_recover(struct sim *s, struct recover_result *out, size_t max)
{
	size_t n = s->nrdone < max ? s->nrdone : max;

	if (n == 0)
		return 0;
	memcpy(out, s->rdone, n * sizeof *out);
	memmove(s->rdone, s->rdone + n, (s->nrdone - n) * sizeof *s->rdone);
	s->nrdone -= n;
	return n;
}

bool
sim_vm_running(const struct sim *s, size_t v)
{
	return !s->vms[v].stopped && s->hosts[s->vms[v].host].up;
}

long
sim_vm_old_def(const struct sim *s, size_t v)
{
	return s->vms[v].old_def;
}

static void
sim_step(struct sim *s)
{
	double t = sim_now(s);
	double *want = s->want, *total = s->total;
	size_t i;

	sim_power(s, t);
	memset(total, 0, s->nhosts * sizeof *total);
	for (i = 0; i < s->nvms; i++) {
		want[i] = s->vms[i].stopped ? 0 : sim_vm_want(s, i, t);
		total[s->vms[i].host] += want[i];
	}
	for (i = 0; i < s->nvms; i++) {
		const struct sim_host *h = &s->hosts[s->vms[i].host];
		double cap = (double)h->cpus * 100.0, got = want[i];

		if (!h->up || s->vms[i].stopped)
			continue;
		if (total[s->vms[i].host] > cap)
			got = want[i] * cap / total[s->vms[i].host];
		s->vms[i].cpu_s += got / 100.0 * SIM_STEP_S;
		s->vms[i].wait_s += (want[i] - got) / 100.0 * SIM_STEP_S;
	}
	s->steps++;
	sim_finish_migrations(s, sim_now(s));
	sim_finish_recs(s, sim_now(s));
}

void
sim_advance(struct sim *s, double t)
{
	long long target = (long long)floor(t / SIM_STEP_S + 1e-6);

	while (s->steps < target)
		sim_step(s);
}

size_t sim_host_count(const struct sim *s) { return s->nhosts; }
const char *sim_host_name(const struct sim *s, size_t h) { return s->hosts[h].name; }
long sim_host_cpus(const struct sim *s, size_t h) { return s->hosts[h].cpus; }
long sim_host_mem_total(const struct sim *s, size_t h) { return s->hosts[h].mem_mib; }
bool sim_host_up(const struct sim *s, size_t h) { return s->hosts[h].up; }
void sim_host_set_up(struct sim *s, size_t h, bool up) { s->hosts[h].up = up; }
bool sim_host_reached(const struct sim *s, size_t h) { return sim_now(s) >= s->hosts[h].connect_s - 1e-9; }
size_t sim_vm_count(const struct sim *s) { return s->nvms; }
const char *sim_vm_name(const struct sim *s, size_t v) { return s->vms[v].name; }
size_t sim_vm_host(const struct sim *s, size_t v) { return s->vms[v].host; }
long sim_vm_vcpus(const struct sim *s, size_t v) { return s->vms[v].vcpus; }
long sim_vm_mem(const struct sim *s, size_t v) { return s->vms[v].mem_mib; }
bool sim_vm_migrating(const struct sim *s, size_t v) { return s->vms[v].migrating; }

long
sim_host_mem_used(const struct sim *s, size_t h)
{
	long used = 0;
	size_t i;

	for (i = 0; i < s->nvms; i++)
		if ((s->vms[i].host == h && !s->vms[i].stopped) ||
		    (s->vms[i].migrating && s->vms[i].dest == h))
			used += s->vms[i].mem_mib;
	for (i = 0; i < s->nrecs; i++)
		if (s->recs[i].kind == REC_RESTART && s->recs[i].to == h)
			used += s->vms[s->recs[i].vm].mem_mib;
	return used;
}

unsigned long long
sim_vm_cpu_time_ns(const struct sim *s, size_t v)
{
	return (unsigned long long)llround(s->vms[v].cpu_s * 1e9);
}

unsigned long long
sim_vm_delay_ns(const struct sim *s, size_t v)
{
	return (unsigned long long)llround(s->vms[v].wait_s * 1e9);
}

int
sim_vm_index(const struct sim *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nvms; i++)
		if (strcmp(s->vms[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
sim_host_index(const struct sim *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
sim_migrate(struct sim *s, const char *vm, const char *to, struct diag *d)
{
	int vi = sim_vm_index(s, vm), hi = sim_host_index(s, to);
	struct sim_vm *v;
	long free_mib;

	if (vi < 0) {
		diag_set(d, NULL, 0, 0, "no such VM: %s", vm);
		return -1;
	}
	if (hi < 0) {
		diag_set(d, NULL, 0, 0, "no such host: %s", to);
		return -1;
	}
	v = &s->vms[vi];
	if (v->migrating) {
		diag_set(d, NULL, 0, 0, "%s is already migrating", vm);
		return -1;
	}
	if (v->host == (size_t)hi) {
		diag_set(d, NULL, 0, 0, "%s is already on %s", vm, to);
		return -1;
	}
	if (!s->hosts[v->host].up || !s->hosts[hi].up) {
		diag_set(d, NULL, 0, 0, "host %s is down",
		    s->hosts[v->host].up ? to : s->hosts[v->host].name);
		return -1;
	}
	free_mib = s->hosts[hi].mem_mib - sim_host_mem_used(s, (size_t)hi);
	if (v->mem_mib > free_mib) {
		diag_set(d, NULL, 0, 0,
		    "not enough memory on %s: %ld MiB needed, %ld MiB free", to,
		    v->mem_mib, free_mib);
		return -1;
	}
	v->migrating = true;
	v->dest = (size_t)hi;
	v->mig_start = sim_now(s);
	v->mig_end = v->mig_start + (double)v->mem_mib * 8.0 /
	    s->bandwidth_mbps;
	v->mig_fails = erand48(s->rng) < s->fail_rate;
	return 0;
}

int
sim_migrate_abort(struct sim *s, const char *vm, struct diag *d)
{
	int vi = sim_vm_index(s, vm);
	struct sim_vm *v;

	if (vi < 0 || !s->vms[vi].migrating) {
		diag_set(d, NULL, 0, 0, "no migration of %s is running", vm);
		return -1;
	}
	v = &s->vms[vi];
	v->migrating = false;
	return sim_done_push(s, v, v->host, MIG_ABORTED,
	    sim_now(s) - v->mig_start, "aborted");
}

/* The results move to out: the caller owns their strings now. */
size_t
sim_poll(struct sim *s, struct action_result *out, size_t max)
{
	size_t n = s->ndone < max ? s->ndone : max;

	if (n == 0)
		return 0;
	memcpy(out, s->done, n * sizeof *out);
	memmove(s->done, s->done + n, (s->ndone - n) * sizeof *s->done);
	s->ndone -= n;
	return n;
}

double
sim_migration_progress(const struct sim *s, const char *vm)
{
	int v = sim_vm_index(s, vm);
	const struct sim_vm *m;

	if (v < 0 || !s->vms[v].migrating)
		return -1;
	m = &s->vms[v];
	if (m->mig_end <= m->mig_start)
		return 1;
	return fmin(1.0, (sim_now(s) - m->mig_start) /
	    (m->mig_end - m->mig_start));
}
