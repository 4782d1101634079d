/*
 * lv_migrate.c - libvirt migration jobs (see lv_migrate.h).
 *
 * A job opens its own connections to both hosts (libvirt connections are
 * thread-safe, but a job must not depend on the probe's), looks the
 * domain up on the source and migrates it with the flags and parameters
 * lv_migrate_params.c makes of the live_migration configuration and the
 * policy (VIR_MIGRATE_LIVE, PERSIST_DEST, UNDEFINE_SOURCE, the data to
 * the destination's migration_uri when the configuration gives one):
 * managed peer-to-peer (virDomainMigrateToURI3 with the destination's URI:
 * the source libvirtd drives the job) by default, else virDomainMigrate3.
 * The monitor sets the maximum downtime once the job runs and switches to
 * post-copy when asked. When the call returns the job checks, on fresh
 * lookups, that the domain runs on the destination and does not run on the
 * source before it calls the move done, with the figures of the completed
 * job's statistics (source first, else destination). abort() asks libvirt
 * to abort the job (virDomainAbortJob); the job then ends as aborted.
 *
 * Stopping: libvirt calls cannot be cancelled, and a job stuck on the
 * network (a connect to a host whose packets are dropped, a call to one
 * that stopped answering) may not end for minutes. The abort is asked for
 * from a thread of its own, so the caller never waits on the network;
 * free() gives the jobs 0.8 s to end, then detaches those left (see
 * thread_grace.h), and process exit ends them. A peer-to-peer job under
 * way is not aborted at free(): its libvirtd carries on without vmbal, so
 * it is only let go of (a restarted vmbal follows it, see the controller's
 * recovery); one that has not started its migration yet never will. A job
 * owns copies of what it reads (URIs, flags) and is reference-counted (the
 * list, its thread and its monitor): whoever lets go last frees it, so a
 * detached thread never touches freed memory. poll() hands out a result
 * as soon as it is there, joining the threads that have ended and
 * detaching the others: a job reports its end first and closes its two
 * connections after, and a close to a host that stopped answering waits
 * for its reply (until keepalive gives up), so poll() and progress(),
 * which the main loop calls for the console's Flights pane and the
 * headless events, never wait on a thread still closing
 * (tests/unit/test_lv_mig_finish.c hangs the closes). Both connections
 * are opened by lv_connect_open: no prompt, keepalive on (it runs on the
 * event loop lv_probe registers).
 *
 * Move records (lv_metadata.h): right before the migration starts the job
 * reads the source domain's record; a move made by another process that
 * is still in flight, or ended within vm_cooldown_s, makes the job fail
 * without migrating (two directors that both act, split brain: the
 * second sees the first's record; libvirt refuses a second job on a
 * domain besides). Then the intent ("started") is written on the source
 * domain; it travels with the VM. 0.2 s later it is read back: when
 * another process's record has replaced it (both checked at once), the
 * move is left to that process. The outcome is written where the VM
 * ended: "done" on the destination, "failed" (aborted too) on the source
 * unless the record there is another process's by then (its move may be
 * why libvirt refused ours).
 * A record that cannot be written never fails or stops the migration: it
 * is said in the result's error, as a warning, on a done move too.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lv_metadata.h"
#include "lv_migrate.h"
#include "lv_migrate_params.h"
#include "lv_recover.h"
#include "../probes/lv_connect.h"
#include "../lib/monotime.h"
#include "../lib/thread_grace.h"

#define MIG_STOP_GRACE_S 0.8	/* for the jobs to end, at free() */
#define MIG_TUNE_TRIES 8	/* looks (250 ms apart) at a refused tuning */
#define MIG_META_MARGIN_S 30.0	/* a started record past its timeout */
#define MIG_META_CONFIRM_NS 200000000L	/* from the record to its re-read */

struct job {
	struct lv_migrate *owner;
	/* result.vm, .from and .to (owned) name the move from the start */
	char *from_uri, *to_uri;	/* copies: a job may outlive */
	struct lv_mig_call call;	/* the configuration */
	double timeout_s, cooldown_s;	/* the policy's, at the start (a
				 * reload may free the configuration) */
	pthread_t thread;
	atomic_bool finished;	/* result filled in */
	atomic_bool abort;
	atomic_bool quit;	/* the monitor stops (vmbal is stopping) */
	atomic_bool ended, monitor_ended;	/* the threads are returning */
	atomic_int refs;	/* the list's, the thread's, the monitor's */
	virConnectPtr src;	/* for abort from another thread */
	virDomainPtr dom;
	pthread_mutex_t mu;
	double started;
	double progress;	/* 0..1 from the job stats; -1 unknown */
	pthread_t monitor;
	bool monitoring;
	bool left;		/* free(): a peer-to-peer job left running */
	struct action_result result;
	char meta_warn[320];	/* a move record not written, or "" */
	struct job *next;
};

struct lv_migrate {
	const struct config *cfg;
	char self[LV_META_STR];	/* this process, as move records name it */
	pthread_mutex_t mu;
	struct job *jobs;
	struct lv_recover *rec;	/* fence, restart, retire (lv_recover.h) */
};

static void
mig_unref(struct job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&j->mu);
	free(j->from_uri);
	free(j->to_uri);
	lv_mig_call_clear(&j->call);
	action_result_clear(&j->result);
	free(j);
}

/* A thread that has ended is joined; one that has not is detached, or,
 * with a deadline (> 0), joined if it ends before it. */
static void
mig_let_go(pthread_t t, bool ended, double deadline)
{
	if (ended)
		pthread_join(t, NULL);
	else if (deadline > 0)
		(void)thread_join_by(t, deadline);
	else
		pthread_detach(t);
}

/* Lets go of a job taken off the list. */
static void
mig_release(struct job *j, double deadline)
{
	mig_let_go(j->thread, atomic_load(&j->ended), deadline);
	if (j->monitoring)
		mig_let_go(j->monitor, atomic_load(&j->monitor_ended),
		    deadline);
	mig_unref(j);
}

/* The domain j migrates, with a reference of the caller's (free it with
 * virDomainFree); NULL while it is not migrating. */
static virDomainPtr
mig_dom_ref(struct job *j)
{
	virDomainPtr dom;

	pthread_mutex_lock(&j->mu);
	dom = j->dom;
	if (dom != NULL)
		virDomainRef(dom);
	pthread_mutex_unlock(&j->mu);
	return dom;
}

static void *
mig_abort_main(void *arg)
{
	virDomainPtr dom = arg;

	virDomainAbortJob(dom);
	virResetLastError();
	virDomainFree(dom);
	return NULL;
}

/* Asks libvirt to abort j's migration without waiting on the network:
 * from a detached thread that holds its own reference to the domain. */
static void
mig_request_abort(struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	virDomainPtr dom;

	atomic_store(&j->abort, true);
	dom = mig_dom_ref(j);
	if (dom == NULL)
		return;		/* not migrating yet: the job sees the flag */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, mig_abort_main, dom) != 0)
		mig_abort_main(dom);
	pthread_attr_destroy(&attr);
}

static const char *
mig_error(void)
{
	virErrorPtr e = virGetLastError();

	return e != NULL && e->message != NULL ? e->message : "unknown error";
}

static void
mig_finish(struct job *j, enum mig_status st, const char *error)
{
	char *both = NULL;

	j->result.status = st;
	j->result.duration_s = monotime_now() - j->started;
	free(j->result.error);
	/* a move record not written is a warning, added to the reason */
	if (j->meta_warn[0] != '\0' && asprintf(&both, "%s%s%s",
	    error != NULL ? error : "", error != NULL ? "; " : "",
	    j->meta_warn) < 0)
		both = NULL;
	/* on ENOMEM the failure stays, without its reason */
	j->result.error = both != NULL ? both : error != NULL ?
	    strdup(error) : NULL;
	atomic_store(&j->finished, true);
}

/* Writes j's move record with state st on dom; a failure is kept as
 * j's warning. */
static void
mig_meta_write(struct job *j, virDomainPtr dom, enum meta_state st)
{
	struct lv_meta m;
	char err[256];

	memset(&m, 0, sizeof m);
	m.state = st;
	m.at = lv_meta_wall();
	snprintf(m.from, sizeof m.from, "%s", j->result.from);
	snprintf(m.to, sizeof m.to, "%s", j->result.to);
	snprintf(m.by, sizeof m.by, "%s", j->owner->self);
	if (dom == NULL)
		snprintf(err, sizeof err, "domain not found");
	else if (lv_meta_write(dom, j->result.vm, &m, err, sizeof err) == 0)
		return;
	snprintf(j->meta_warn, sizeof j->meta_warn,
	    "warning: vmbal %s record not written on %s: %s",
	    meta_state_name(st), st == META_DONE ? j->result.to :
	    j->result.from, err);
}

/* The outcome's record on the domain where the VM ended. */
static void
mig_meta_outcome(struct job *j, virDomainPtr dom, virConnectPtr dst,
    bool done)
{
	virDomainPtr d;

	if (!done) {
		struct lv_meta m;

		/* not over another process's record: its move may be the one
		 * libvirt refused ours for (split brain) */
		if (lv_meta_read(dom, j->result.vm, &m) == 1 &&
		    strcmp(m.by, j->owner->self) != 0)
			return;
		mig_meta_write(j, dom, META_FAILED);
		return;
	}
	d = virDomainLookupByName(dst, j->result.vm);
	mig_meta_write(j, d, META_DONE);
	if (d != NULL)
		virDomainFree(d);
	virResetLastError();
}

/* Does dom's record say another process moves it, or moved it within the
 * cooldown? Then why says so (0 when free to go). */
static int
mig_meta_check(struct job *j, virDomainPtr dom, char *why, size_t len)
{
	struct lv_meta m;
	double age;

	if (lv_meta_read(dom, j->result.vm, &m) != 1 ||
	    strcmp(m.by, j->owner->self) == 0)
		return 0;
	age = lv_meta_wall() - m.at;
	if (m.state == META_STARTED && strcmp(m.to, j->result.from) != 0 &&
	    age < j->timeout_s + MIG_META_MARGIN_S) {
		snprintf(why, len, "%s is being moved by %s (%s to %s, "
		    "started %.0f s ago, vmbal metadata)", j->result.vm, m.by,
		    m.from, m.to, age);
		return -1;
	}
	if (age < j->cooldown_s) {
		snprintf(why, len, "%s was moved by %s %.0f s ago (%s, within "
		    "vm_cooldown_s, vmbal metadata)", j->result.vm, m.by, age,
		    meta_state_name(m.state));
		return -1;
	}
	return 0;
}

/* Running on the destination, not running on the source? -1 with why
 * (caller frees; NULL on ENOMEM) when not. */
static int
mig_verify(struct job *j, virConnectPtr src, virConnectPtr dst, char **why)
{
	const struct action_result *r = &j->result;
	virDomainPtr d;
	int state = 0, reason = 0, rc = 0;

	*why = NULL;
	d = virDomainLookupByName(dst, r->vm);
	if (d == NULL || virDomainGetState(d, &state, &reason, 0) < 0 ||
	    state != VIR_DOMAIN_RUNNING) {
		if (asprintf(why, "%s is not running on %s after the migration",
		    r->vm, r->to) < 0)
			*why = NULL;
		rc = -1;
	}
	if (d != NULL)
		virDomainFree(d);
	if (rc != 0)
		return rc;
	d = virDomainLookupByName(src, r->vm);
	if (d != NULL) {
		if (virDomainIsActive(d) == 1) {
			if (asprintf(why,
			    "%s still runs on %s after the migration", r->vm,
			    r->from) < 0)
				*why = NULL;
			rc = -1;
		}
		virDomainFree(d);
	}
	virResetLastError();
	return rc;
}

/*
 * Follows a running job every 250 ms: data processed over data total from
 * virDomainGetJobStats, published under the job's lock.
 */
static void *
mig_monitor(void *arg)
{
	struct job *j = arg;
	struct timespec tick = { 0, 50000000L };
	bool downtime_set = j->call.max_downtime_ms == 0;
	bool postcopy = j->call.postcopy_after_s <= 0;
	unsigned k = 0, downtime_tries = 0, postcopy_tries = 0;

	while (!atomic_load(&j->finished) && !atomic_load(&j->quit)) {
		virTypedParameterPtr params = NULL;
		unsigned long long done = 0, total = 0;
		int type = 0, n = 0;
		virDomainPtr dom;

		nanosleep(&tick, NULL);	/* short: poll() joins this thread */
		if (++k % 5 != 0)
			continue;
		dom = mig_dom_ref(j);
		if (dom == NULL)
			continue;
		if (virDomainGetJobStats(dom, &type, &params, &n, 0) == 0) {
			/* tuning that only applies to a job under way; a
			 * call refused (the job not far enough yet) is tried
			 * again at the next look, a few times */
			if (type != VIR_DOMAIN_JOB_NONE && !downtime_set) {
				if (virDomainMigrateSetMaxDowntime(dom,
				    j->call.max_downtime_ms, 0) == 0 ||
				    ++downtime_tries >= MIG_TUNE_TRIES)
					downtime_set = true;
				virResetLastError();
			}
			if (type != VIR_DOMAIN_JOB_NONE && !postcopy &&
			    monotime_now() - j->started >=
			    j->call.postcopy_after_s) {
				if (virDomainMigrateStartPostCopy(dom, 0) == 0)
					postcopy = true;
				else if (++postcopy_tries >= MIG_TUNE_TRIES)
					postcopy = true;
				virResetLastError();
			}
			virTypedParamsGetULLong(params, n,
			    VIR_DOMAIN_JOB_DATA_PROCESSED, &done);
			virTypedParamsGetULLong(params, n,
			    VIR_DOMAIN_JOB_DATA_TOTAL, &total);
			pthread_mutex_lock(&j->mu);
			if (total > 0)
				j->progress = (double)done / (double)total;
			pthread_mutex_unlock(&j->mu);
			virTypedParamsFree(params, n);
		} else
			virResetLastError();
		virDomainFree(dom);
	}
	atomic_store(&j->monitor_ended, true);
	mig_unref(j);
	return NULL;
}

/* The figures of j's completed job: the source's statistics while it
 * still knows the domain, else the destination's. */
static void
mig_stats(struct job *j, virDomainPtr dom, virConnectPtr dst)
{
	virTypedParameterPtr params = NULL;
	virDomainPtr d;
	int type = 0, n = 0;
	unsigned int fl = VIR_DOMAIN_JOB_STATS_COMPLETED;

	if (virDomainGetJobStats(dom, &type, &params, &n, fl) == 0 &&
	    lv_mig_stats_read(params, n, &j->result.stats) > 0) {
		virTypedParamsFree(params, n);
		return;
	}
	virTypedParamsFree(params, n);
	params = NULL;
	n = 0;
	d = virDomainLookupByName(dst, j->result.vm);
	if (d != NULL && virDomainGetJobStats(d, &type, &params, &n, fl) == 0)
		lv_mig_stats_read(params, n, &j->result.stats);
	virTypedParamsFree(params, n);
	if (d != NULL)
		virDomainFree(d);
	virResetLastError();
}

/* Migrates dom as j->call says; true when libvirt says it moved. */
static bool
mig_call(struct job *j, virDomainPtr dom, virConnectPtr dst)
{
	virDomainPtr moved;
	struct lv_mig_call *c = &j->call;

	if (c->p2p)
		return virDomainMigrateToURI3(dom, c->dconnuri, c->params,
		    (unsigned)c->nparams, c->flags) == 0;
	moved = virDomainMigrate3(dom, dst, c->params, (unsigned)c->nparams,
	    c->flags);
	if (moved == NULL)
		return false;
	virDomainFree(moved);
	return true;
}

/*
 * Two directors that checked the record at the same instant both write
 * theirs; the last write wins. A moment after its own, a job reads the
 * record again and leaves the move to the process whose record it finds
 * there (libvirt serializes the rest: a second migration waits for the
 * first's job and then finds the domain gone). -1 with why when it
 * leaves it.
 */
static int
mig_meta_confirm(struct job *j, virDomainPtr dom, char *why, size_t len)
{
	struct timespec pause = { 0, MIG_META_CONFIRM_NS };
	struct lv_meta m;

	if (j->meta_warn[0] != '\0')
		return 0;	/* not written: nothing to confirm */
	nanosleep(&pause, NULL);
	if (lv_meta_read(dom, j->result.vm, &m) != 1 ||
	    strcmp(m.by, j->owner->self) == 0)
		return 0;
	snprintf(why, len, "%s is being moved by %s (%s to %s, its record "
	    "written over ours, vmbal metadata)", j->result.vm, m.by, m.from,
	    m.to);
	return -1;
}

static void *
mig_main(void *arg)
{
	struct job *j = arg;
	virConnectPtr src, dst;
	virDomainPtr dom;
	bool go, moved, wrote;
	char *why, err[256], held[1200];

	src = lv_connect_open(j->from_uri, err, sizeof err);
	if (src == NULL) {
		mig_finish(j, MIG_FAILED, err);
		goto end;
	}
	dst = lv_connect_open(j->to_uri, err, sizeof err);
	if (dst == NULL) {
		mig_finish(j, MIG_FAILED, err);
		virConnectClose(src);
		goto end;
	}
	dom = virDomainLookupByName(src, j->result.vm);
	if (dom == NULL) {
		mig_finish(j, MIG_FAILED, mig_error());
		goto out;
	}
	if (mig_meta_check(j, dom, held, sizeof held) != 0) {
		mig_finish(j, MIG_FAILED, held);
		virDomainFree(dom);
		goto out;
	}
	/* the intent before the job counts as under way: a vmbal stopping
	 * meanwhile tells it not to start, and the record says failed */
	wrote = !atomic_load(&j->abort);
	if (wrote)
		mig_meta_write(j, dom, META_STARTED);
	if (wrote && mig_meta_confirm(j, dom, held, sizeof held) != 0) {
		mig_finish(j, MIG_FAILED, held);
		virDomainFree(dom);
		goto out;
	}
	/* under the job's lock, so that free() sees either a job that will
	 * not start or one that has (see mig_free) */
	pthread_mutex_lock(&j->mu);
	go = !atomic_load(&j->abort);
	if (go) {
		j->src = src;
		j->dom = dom;
	}
	pthread_mutex_unlock(&j->mu);
	moved = go && mig_call(j, dom, dst);
	pthread_mutex_lock(&j->mu);
	j->dom = NULL;
	pthread_mutex_unlock(&j->mu);
	if (!moved) {
		char what[256];

		/* libvirt's words first: the record's write resets them */
		snprintf(what, sizeof what, "%s", atomic_load(&j->abort) ?
		    "aborted" : mig_error());
		if (wrote)
			mig_meta_outcome(j, dom, dst, false);
		mig_finish(j, atomic_load(&j->abort) ? MIG_ABORTED : MIG_FAILED,
		    what);
	} else if (mig_verify(j, src, dst, &why) != 0) {
		mig_meta_outcome(j, dom, dst, false);
		mig_finish(j, MIG_FAILED, why != NULL ? why :
		    "not where it should be after the migration");
		free(why);
	} else {
		mig_stats(j, dom, dst);
		mig_meta_outcome(j, dom, dst, true);
		mig_finish(j, MIG_DONE, NULL);
	}
	virDomainFree(dom);
out:
	virConnectClose(dst);
	virConnectClose(src);
end:
	atomic_store(&j->ended, true);
	mig_unref(j);
	return NULL;
}

static const struct host_conf *
mig_host(const struct config *cfg, const char *name)
{
	int i = config_host_index(cfg, name);

	return i >= 0 ? &cfg->hosts[i] : NULL;
}

static int
mig_start(void *impl, const char *vm, const char *from, const char *to,
    struct diag *d)
{
	struct lv_migrate *m = impl;
	const struct host_conf *hf = mig_host(m->cfg, from);
	const struct host_conf *ht = mig_host(m->cfg, to);
	struct job *j;

	if (hf == NULL || ht == NULL) {
		diag_set(d, NULL, 0, 0, "unknown host %s", hf == NULL ? from : to);
		return -1;
	}
	j = calloc(1, sizeof *j);
	if (j == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	j->owner = m;
	if (action_result_set(&j->result, vm, from, to, MIG_STARTED, 0,
	    NULL) != 0) {
		free(j);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	if (lv_mig_call_make(&j->call, &m->cfg->live_migration,
	    &m->cfg->policy, ht->uri, ht->migration_uri, d) != 0) {
		action_result_clear(&j->result);
		free(j);
		return -1;
	}
	j->timeout_s = m->cfg->policy.migration_timeout_s;
	j->cooldown_s = m->cfg->policy.vm_cooldown_s;
	j->from_uri = strdup(hf->uri);
	j->to_uri = strdup(ht->uri);
	j->started = monotime_now();
	atomic_init(&j->finished, false);
	atomic_init(&j->abort, false);
	atomic_init(&j->quit, false);
	atomic_init(&j->ended, false);
	atomic_init(&j->monitor_ended, false);
	atomic_init(&j->refs, 2);	/* the list's and the thread's */
	j->progress = -1;
	pthread_mutex_init(&j->mu, NULL);
	if (j->from_uri == NULL || j->to_uri == NULL ||
	    pthread_create(&j->thread, NULL, mig_main, j) != 0) {
		atomic_store(&j->refs, 1);
		mig_unref(j);
		diag_set(d, NULL, 0, 0, "cannot start a migration job");
		return -1;
	}
	atomic_fetch_add(&j->refs, 1);
	j->monitoring = pthread_create(&j->monitor, NULL, mig_monitor, j) == 0;
	if (!j->monitoring)
		atomic_fetch_sub(&j->refs, 1);
	pthread_mutex_lock(&m->mu);
	j->next = m->jobs;
	m->jobs = j;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static size_t
mig_poll(void *impl, struct action_result *out, size_t max)
{
	struct lv_migrate *m = impl;
	struct job **pp, *j;
	size_t n = 0;

	pthread_mutex_lock(&m->mu);
	for (pp = &m->jobs; (j = *pp) != NULL && n < max;) {
		if (!atomic_load(&j->finished)) {
			pp = &j->next;
			continue;
		}
		out[n++] = j->result;	/* its strings go with it */
		memset(&j->result, 0, sizeof j->result);
		*pp = j->next;
		mig_release(j, 0);
	}
	pthread_mutex_unlock(&m->mu);
	return n;
}

static int
mig_abort(void *impl, const char *vm, struct diag *d)
{
	struct lv_migrate *m = impl;
	struct job *j;
	int rc = -1;

	pthread_mutex_lock(&m->mu);
	for (j = m->jobs; j != NULL; j = j->next) {
		if (strcmp(j->result.vm, vm) != 0 || atomic_load(&j->finished))
			continue;
		mig_request_abort(j);
		rc = 0;
	}
	pthread_mutex_unlock(&m->mu);
	if (rc != 0)
		diag_set(d, NULL, 0, 0, "no migration of %s is running", vm);
	return rc;
}

static void
mig_free(void *impl)
{
	struct lv_migrate *m = impl;
	struct job *j, *next;
	double deadline;

	if (m == NULL)
		return;
	/* jobs in flight are aborted and waited for, up to the grace
	 * period; past it, those stuck on the network are left to exit. A
	 * peer-to-peer migration under way goes on without vmbal: it is
	 * let go of at once, not aborted; one not under way yet is told not
	 * to start. */
	for (j = m->jobs; j != NULL; j = j->next) {
		bool leave;

		atomic_store(&j->quit, true);
		if (atomic_load(&j->finished))
			continue;
		pthread_mutex_lock(&j->mu);
		leave = j->call.p2p && j->dom != NULL;
		if (j->call.p2p && j->dom == NULL)
			atomic_store(&j->abort, true);
		pthread_mutex_unlock(&j->mu);
		j->left = leave;
		if (!leave)
			mig_request_abort(j);
	}
	deadline = monotime_now() + MIG_STOP_GRACE_S;
	for (j = m->jobs; j != NULL; j = next) {
		next = j->next;
		mig_release(j, j->left ? 0 : deadline);
	}
	lv_recover_free(m->rec);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static double
mig_progress(void *impl, const char *vm)
{
	struct lv_migrate *m = impl;
	double p = -1;
	struct job *j;

	pthread_mutex_lock(&m->mu);
	for (j = m->jobs; j != NULL; j = j->next)
		if (strcmp(j->result.vm, vm) == 0 && !atomic_load(&j->finished)) {
			pthread_mutex_lock(&j->mu);
			p = j->progress;
			pthread_mutex_unlock(&j->mu);
		}
	pthread_mutex_unlock(&m->mu);
	return p;
}

/* Only the controller's thread reads m->cfg (mig_start); jobs carry
 * copies of what they need. */
static void
mig_reload(void *impl, const struct config *next)
{
	struct lv_migrate *m = impl;

	m->cfg = next;
}

/* Host recovery (issue 18): lv_recover.h, with the configuration of the
 * moment (each job copies what it needs). */
static int
mig_fence(void *impl, const char *host, struct diag *d)
{
	struct lv_migrate *m = impl;

	return lv_recover_fence(m->rec, m->cfg, host, d);
}

static int
mig_restart(void *impl, const char *vm, const char *from, const char *to,
    struct diag *d)
{
	struct lv_migrate *m = impl;

	return lv_recover_restart(m->rec, m->cfg, vm, from, to, d);
}

static int
mig_retire(void *impl, const char *vm, const char *host, struct diag *d)
{
	struct lv_migrate *m = impl;

	return lv_recover_retire(m->rec, m->cfg, vm, host, d);
}

static size_t
mig_poll_recover(void *impl, struct recover_result *out, size_t max)
{
	struct lv_migrate *m = impl;

	return lv_recover_poll(m->rec, out, max);
}

static const struct action_ops lv_migrate_ops = {
	.name = "libvirt",
	.migrate = mig_start,
	.poll = mig_poll,
	.abort = mig_abort,
	.progress = mig_progress,
	.free = mig_free,
	.reload = mig_reload,
	.fence = mig_fence,
	.restart = mig_restart,
	.retire = mig_retire,
	.poll_recover = mig_poll_recover,
};

int
lv_migrate_init(struct action *a, const struct config *cfg, struct diag *d)
{
	struct lv_migrate *m = calloc(1, sizeof *m);

	if (m == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	m->cfg = cfg;
	m->rec = lv_recover_new();
	if (m->rec == NULL) {
		free(m);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	lv_meta_init();
	lv_meta_self(m->self, sizeof m->self);
	pthread_mutex_init(&m->mu, NULL);
	a->ops = &lv_migrate_ops;
	a->impl = m;
	return 0;
}
