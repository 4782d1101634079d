/*
 * lv_recover.c - fence, restart and retire jobs (see lv_recover.h).
 *
 * A job is reference-counted (the list's and its thread's): poll() takes
 * a finished one off the list, joins its thread if it has returned and
 * detaches it otherwise (a thread reports its result first and closes
 * its connection after; a close to a host that stopped answering waits
 * for keepalive), and whoever lets go last frees it.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fence_agent.h"
#include "lv_recover.h"
#include "../probes/lv_connect.h"
#include "../probes/lv_domxml.h"
#include "../lib/monotime.h"
#include "../lib/thread_grace.h"

#define REC_STOP_GRACE_S 0.8

struct rjob {
	enum recover_kind kind;
	char *host, *vm, *to;	/* names, as in the result */
	char *uri;		/* FENCE: NULL; RESTART: to's; RETIRE: host's */
	char *dir;		/* RESTART: domain_dir */
	char *agent;		/* FENCE */
	char **keys, **values;
	size_t nargs;
	double started;
	pthread_t thread;
	atomic_bool finished, ended;
	atomic_int refs;
	struct recover_result result;
	struct rjob *next;
};

struct lv_recover {
	pthread_mutex_t mu;
	struct rjob *jobs;
};

static void
rjob_unref(struct rjob *j)
{
	size_t i;

	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	free(j->host);
	free(j->vm);
	free(j->to);
	free(j->uri);
	free(j->dir);
	free(j->agent);
	for (i = 0; i < j->nargs; i++) {
		free(j->keys[i]);
		free(j->values[i]);
	}
	free(j->keys);
	free(j->values);
	recover_result_clear(&j->result);
	free(j);
}

static void
rjob_finish(struct rjob *j, enum recover_status st, const char *error)
{
	if (recover_result_set(&j->result, j->kind, j->host, j->vm, j->to, st,
	    monotime_now() - j->started, error) != 0)
		/* ENOMEM: the outcome without its names is no use; keep the
		 * status and say so */
		j->result.status = REC_FAILED;
	atomic_store(&j->finished, true);
}

int
lv_recover_is_lock_error(int code, const char *msg)
{
	if (code == VIR_ERR_RESOURCE_BUSY)
		return 1;
	if (msg == NULL)
		return 0;
	return strstr(msg, "is locked") != NULL ||
	    strstr(msg, "Lockspace resource") != NULL ||
	    strstr(msg, "\"write\" lock") != NULL ||
	    (code == VIR_ERR_OPERATION_FAILED && strstr(msg, "locked") != NULL);
}

static const char *
rec_msg(void)
{
	virErrorPtr e = virGetLastError();

	return e != NULL && e->message != NULL ? e->message : "unknown error";
}

static void
rec_fence(struct rjob *j)
{
	char err[1024];

	if (fence_agent_run(j->agent, j->keys, j->values, j->nargs,
	    FENCE_AGENT_TIMEOUT_S, err, sizeof err) == 0)
		rjob_finish(j, REC_DONE, NULL);
	else
		rjob_finish(j, REC_FAILED, err);
}

/* Undefines dom with whatever it keeps besides its XML; -1 with libvirt's
 * error set. */
static int
rec_undefine(virDomainPtr dom)
{
	unsigned fl = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
	    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
	    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA |
	    VIR_DOMAIN_UNDEFINE_NVRAM;

	if (virDomainUndefineFlags(dom, fl) == 0)
		return 0;
	/* an older libvirt or a driver without some of the flags */
	virResetLastError();
	return virDomainUndefine(dom);
}

static void
rec_restart(struct rjob *j, virConnectPtr c)
{
	char err[1024], why[1400], *xml;
	virDomainPtr old, dom;
	bool existed = false, refused;
	virErrorPtr e;

	xml = lv_domxml_read(j->dir, j->host, j->vm, err, sizeof err);
	if (xml == NULL) {
		rjob_finish(j, REC_FAILED, err);
		return;
	}
	old = virDomainLookupByName(c, j->vm);
	if (old != NULL) {
		existed = true;
		if (virDomainIsActive(old) == 1) {
			virDomainFree(old);
			free(xml);
			rjob_finish(j, REC_DONE, NULL);	/* already there */
			return;
		}
		virDomainFree(old);
	}
	virResetLastError();
	dom = virDomainDefineXML(c, xml);
	free(xml);
	if (dom == NULL) {
		snprintf(why, sizeof why, "cannot define %s on %s: %s", j->vm,
		    j->to, rec_msg());
		rjob_finish(j, REC_FAILED, why);
		return;
	}
	if (virDomainCreate(dom) == 0 && virDomainIsActive(dom) == 1) {
		virDomainFree(dom);
		rjob_finish(j, REC_DONE, NULL);
		return;
	}
	e = virGetLastError();
	snprintf(err, sizeof err, "%s", e != NULL && e->message != NULL ?
	    e->message : "not running after the start");
	refused = e != NULL && lv_recover_is_lock_error(e->code, e->message);
	if (refused)
		snprintf(why, sizeof why, "not fenced: %s", err);
	else
		snprintf(why, sizeof why, "cannot start %s on %s: %s", j->vm,
		    j->to, err);
	virResetLastError();
	/* no half-state: a definition made only for this start goes */
	if (!existed && rec_undefine(dom) != 0) {
		size_t n = strlen(why);

		snprintf(why + n, sizeof why - n, " (and its definition could "
		    "not be removed: %s)", rec_msg());
		virResetLastError();
	}
	virDomainFree(dom);
	rjob_finish(j, refused ? REC_REFUSED : REC_FAILED, why);
}

static void
rec_retire(struct rjob *j, virConnectPtr c)
{
	char why[1200];
	virDomainPtr dom = virDomainLookupByName(c, j->vm);
	int active;

	if (dom == NULL) {
		virResetLastError();
		rjob_finish(j, REC_DONE, NULL);	/* nothing left there */
		return;
	}
	active = virDomainIsActive(dom);
	if (active != 0) {
		snprintf(why, sizeof why, active == 1 ? "%s runs there" :
		    "cannot tell whether %s runs there: %s", j->vm, rec_msg());
		virResetLastError();
		virDomainFree(dom);
		rjob_finish(j, REC_FAILED, why);
		return;
	}
	if (virDomainIsPersistent(dom) == 1 && rec_undefine(dom) != 0) {
		snprintf(why, sizeof why, "cannot undefine %s on %s: %s", j->vm,
		    j->host, rec_msg());
		virResetLastError();
		virDomainFree(dom);
		rjob_finish(j, REC_FAILED, why);
		return;
	}
	virResetLastError();
	virDomainFree(dom);
	rjob_finish(j, REC_DONE, NULL);
}

static void *
rec_main(void *arg)
{
	struct rjob *j = arg;
	virConnectPtr c;
	char err[512];

	if (j->kind == REC_FENCE) {
		rec_fence(j);
		goto end;
	}
	c = lv_connect_open(j->uri, err, sizeof err);
	if (c == NULL) {
		rjob_finish(j, REC_FAILED, err);
		goto end;
	}
	if (j->kind == REC_RESTART)
		rec_restart(j, c);
	else
		rec_retire(j, c);
	virConnectClose(c);	/* after the result: it may wait */
end:
	atomic_store(&j->ended, true);
	rjob_unref(j);
	return NULL;
}

static struct rjob *
rjob_new(enum recover_kind kind, const char *host, const char *vm,
    const char *to, const char *uri)
{
	struct rjob *j = calloc(1, sizeof *j);
	bool bad = false;

	if (j == NULL)
		return NULL;
	j->kind = kind;
	j->host = action_dup_or_null(host, &bad);
	j->vm = action_dup_or_null(vm, &bad);
	j->to = action_dup_or_null(to, &bad);
	j->uri = action_dup_or_null(uri, &bad);
	atomic_init(&j->refs, 1);
	atomic_init(&j->finished, false);
	atomic_init(&j->ended, false);
	j->started = monotime_now();
	if (bad) {
		rjob_unref(j);
		return NULL;
	}
	return j;
}

static int
rjob_start(struct lv_recover *r, struct rjob *j, struct diag *d)
{
	atomic_store(&j->refs, 2);
	if (pthread_create(&j->thread, NULL, rec_main, j) != 0) {
		atomic_store(&j->refs, 1);
		rjob_unref(j);
		diag_set(d, NULL, 0, 0, "cannot start a recovery job");
		return -1;
	}
	pthread_mutex_lock(&r->mu);
	j->next = r->jobs;
	r->jobs = j;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static const struct host_conf *
rec_host(const struct config *cfg, const char *name, struct diag *d)
{
	int i = config_host_index(cfg, name);

	if (i < 0) {
		diag_set(d, NULL, 0, 0, "unknown host %s", name);
		return NULL;
	}
	return &cfg->hosts[i];
}

int
lv_recover_fence(struct lv_recover *r, const struct config *cfg,
    const char *host, struct diag *d)
{
	const struct host_conf *hc = rec_host(cfg, host, d);
	const struct fence_conf *fc;
	struct rjob *j;
	size_t i;

	if (hc == NULL)
		return -1;
	fc = &hc->fence;
	if (fc->agent == NULL) {
		diag_set(d, NULL, 0, 0, "%s has no fence agent: confirm it off "
		    "(ctl fence %s --confirmed-off)", host, host);
		return -1;
	}
	j = rjob_new(REC_FENCE, host, NULL, NULL, NULL);
	if (j == NULL)
		goto nomem;
	j->agent = strdup(fc->agent);
	j->keys = calloc(fc->nargs + 1, sizeof *j->keys);
	j->values = calloc(fc->nargs + 1, sizeof *j->values);
	if (j->agent == NULL || j->keys == NULL || j->values == NULL)
		goto nomem_job;
	for (i = 0; i < fc->nargs; i++) {
		j->keys[i] = strdup(fc->keys[i]);
		j->values[i] = strdup(fc->values[i]);
		j->nargs = i + 1;
		if (j->keys[i] == NULL || j->values[i] == NULL)
			goto nomem_job;
	}
	return rjob_start(r, j, d);
nomem_job:
	rjob_unref(j);
nomem:
	diag_set(d, NULL, 0, 0, "out of memory");
	return -1;
}

int
lv_recover_restart(struct lv_recover *r, const struct config *cfg,
    const char *vm, const char *from, const char *to, struct diag *d)
{
	const struct host_conf *hf = rec_host(cfg, from, d), *ht;
	struct rjob *j;

	if (hf == NULL || (ht = rec_host(cfg, to, d)) == NULL)
		return -1;
	if (cfg->domain_dir == NULL) {
		diag_set(d, NULL, 0, 0, "cannot restart %s: no domain_dir, no "
		    "saved definitions", vm);
		return -1;
	}
	j = rjob_new(REC_RESTART, from, vm, to, ht->uri);
	if (j == NULL || (j->dir = strdup(cfg->domain_dir)) == NULL) {
		if (j != NULL)
			rjob_unref(j);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	return rjob_start(r, j, d);
}

int
lv_recover_retire(struct lv_recover *r, const struct config *cfg,
    const char *vm, const char *host, struct diag *d)
{
	const struct host_conf *hc = rec_host(cfg, host, d);
	struct rjob *j;

	if (hc == NULL)
		return -1;
	j = rjob_new(REC_RETIRE, host, vm, NULL, hc->uri);
	if (j == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	return rjob_start(r, j, d);
}

size_t
lv_recover_poll(struct lv_recover *r, struct recover_result *out, size_t max)
{
	struct rjob **pp, *j;
	size_t n = 0;

	pthread_mutex_lock(&r->mu);
	for (pp = &r->jobs; (j = *pp) != NULL && n < max;) {
		if (!atomic_load(&j->finished)) {
			pp = &j->next;
			continue;
		}
		out[n++] = j->result;
		memset(&j->result, 0, sizeof j->result);
		*pp = j->next;
		if (atomic_load(&j->ended))
			pthread_join(j->thread, NULL);
		else
			pthread_detach(j->thread);
		rjob_unref(j);
	}
	pthread_mutex_unlock(&r->mu);
	return n;
}

struct lv_recover *
lv_recover_new(void)
{
	struct lv_recover *r = calloc(1, sizeof *r);

	if (r != NULL)
		pthread_mutex_init(&r->mu, NULL);
	return r;
}

void
lv_recover_free(struct lv_recover *r)
{
	struct rjob *j, *next;
	double deadline;

	if (r == NULL)
		return;
	deadline = monotime_now() + REC_STOP_GRACE_S;
	for (j = r->jobs; j != NULL; j = next) {
		next = j->next;
		(void)thread_join_by(j->thread, deadline);
		rjob_unref(j);
	}
	pthread_mutex_destroy(&r->mu);
	free(r);
}
