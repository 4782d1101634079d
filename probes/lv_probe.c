/*
 * lv_probe.c - the libvirt collector (see lv_probe.h).
 *
 * A worker's life: connect through lv_connect.h, which never prompts
 * (capped exponential backoff from 1 s to 30 s while the host is down;
 * a refused ssh key or host key is published as the reason at once),
 * with keepalive (1 s, 3 misses: a dead host is
 * noticed in about 4 s), register a close callback and a lifecycle event
 * callback, then collect every probe interval, or at once when a domain
 * starts, stops or arrives. When the connection closes the host is
 * published as down and the worker goes back to connecting.
 *
 * Rates: a VM's CPU time (ns) and byte counters are kept per host and
 * domain UUID with the monotonic time they were read; the next reading
 * gives the rate over the real interval. A counter that went backwards
 * (a restart, or a VM that arrived by migration: a new QEMU starts from
 * zero) is a new baseline and gives no sample. CPU is clamped to
 * 0 ... vcpus x 100. Demand adds to it the rate of the vCPUs' delay (the
 * sum of vcpu.<n>.delay: time a runnable vCPU thread waited for a host
 * CPU, in ns, from the host's schedstat), clamped the same way; without
 * delay counters (an old libvirt or kernel) demand is use.
 *
 * Dirty rate: libvirt measures how fast a guest writes its memory only
 * when asked (virDomainStartDirtyRateCalc, QEMU's calc-dirty-rate, which
 * samples pages for DIRTY_CALC_S); the result stays in the domain's
 * dirtyrate stats, read with the others. A running domain's calculation
 * is started when it is new to the connection and then every
 * DIRTY_PERIOD_S, at most DIRTY_STARTS per collection (one call each,
 * and a second of sampling in QEMU); the last measured rate is
 * published until the next replaces it. A domain whose hypervisor
 * refuses (an old QEMU or libvirt, another driver) is asked again only
 * after DIRTY_RETRY_S; until a measurement arrives its rate is unknown.
 *
 * Migration jobs: a domain with a migration job running (libvirt's job
 * stats, or paused for migration) is reported as migrating, so it is not
 * planned; a domain arriving by migration is left out until it has
 * arrived, so a VM is never seen on two hosts at once. Job stats are asked
 * for only when a domain is new to the connection or had a job at the
 * last look, or that an event named since (a lifecycle event, or a
 * metadata change: another vmbal writes its record right before it
 * migrates); a migration some other client starts later on a domain
 * already known, without a record, is seen on its destination (paused
 * for migration), and libvirt refuses a second migration of it. A domain
 * that arrived by migration is published with that migration's figures,
 * as libvirt keeps them on the destination (lv_jobstats.h).
 *
 * Move records: vmbal's element in each domain's metadata (see
 * actions/lv_metadata.h) is read with one call when the domain is new to
 * the connection (and after every reconnect), and again when a lifecycle
 * or a metadata-change event names it; otherwise the cached record is
 * published, its age taken from the wall clock at each collection. So a
 * steady probe makes no call per domain for it at any scale.
 *
 * Saved definitions (issue 18, lv_domxml.h): with domain_dir set, a
 * running domain's persistent XML is fetched when the domain is new to
 * the connection, when an event named it (a lifecycle event: started,
 * defined again, ...) and every XML_EVERY collections, and written to
 * DOMAIN_DIR/HOST/VM.xml only when its fingerprint differs from the one
 * last written; a steady probe makes one call per domain every
 * XML_EVERY collections. A failure is kept as the host's xml_error (the
 * last one, until a save succeeds), published as the host's warning
 * (the controller says each new one as an error event), and tried again
 * XML_EVERY collections later. The directory holds the domains running
 * there, no more (lv_saved.h): those gone (shut off, migrated away,
 * retired) are pruned after the first collection of a connection and
 * whenever the running set changed. A host not reached since vmbal
 * started is reported with the VMs saved under it, state unknown
 * (unless they run on a host reached), so that an incident under way
 * when vmbal started is picked up.
 *
 * Stopping: a worker may be stuck in a call that cannot be cancelled (a
 * connect to an address whose packets are dropped waits for the SYN
 * timeout, over two minutes). free() gives the workers half a second,
 * then detaches those still stuck (see thread_grace.h) and returns; the
 * state is counted (the owner and each running worker hold a reference)
 * and freed by whoever lets go last, so a late worker never touches freed
 * memory, and process exit ends it.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../actions/lv_metadata.h"
#include "lv_connect.h"
#include "lv_domxml.h"
#include "lv_events.h"
#include "lv_jobstats.h"
#include "lv_probe.h"
#include "lv_saved.h"
#include "../lib/monotime.h"
#include "../lib/thread_grace.h"
#include "../engine/vec.h"

#define BACKOFF_MIN_S 1.0
#define BACKOFF_MAX_S 30.0
#define STOP_GRACE_S 0.5	/* for the workers to end, at free() */
#define DIRTY_CALC_S 1		/* a dirty-rate calculation's sampling time */
#define DIRTY_PERIOD_S 30.0	/* between two calculations of a domain */
#define DIRTY_RETRY_S 600.0	/* after the hypervisor refused one */
#define DIRTY_STARTS 4		/* calculations started per collection */
#define META_STALE 32		/* domains whose record an event made stale;
				 * past that, every domain's */
#define XML_EVERY 30		/* collections between two looks at a
				 * domain's definition without an event */

#if LIBVIR_CHECK_VERSION(7, 2, 0)
#define LV_HAVE_DIRTYRATE 1
#define LV_STATS_DIRTYRATE VIR_DOMAIN_STATS_DIRTYRATE
#else
#define LV_STATS_DIRTYRATE 0
#endif

struct lv_base {		/* the last reading of one domain */
	char uuid[VIR_UUID_STRING_BUFLEN];
	unsigned long long cpu_ns, rx, tx, rd, wr;
	unsigned long long delay_ns;	/* sum of vcpu.<n>.delay */
	double at;
	bool seen;		/* in the latest collection */
	int job;		/* its migration job at the last look */
	double dirty_mibps;	/* last measured dirty rate; < 0 none */
	double dirty_at;	/* when its calculation was last asked; < 0 never */
	bool meta_read;		/* meta holds its metadata record */
	struct lv_meta meta;	/* vmbal's move record (lv_metadata.h) */
	struct lv_arrival arrival;	/* the migration that brought it */
	bool xml_tried;		/* its definition was looked at ... */
	unsigned xml_at;	/* ... at this collection */
	bool xml_saved;		/* xml_hash is what the file holds */
	uint64_t xml_hash;
};

struct lv_vm {			/* one domain as published */
	char *name;
	long vcpus;
	long mem_mib;
	enum vm_state state;
	double cpu_pct;
	bool cpu_valid;
	double demand_pct;	/* cpu_pct plus vCPU wait; cpu_pct without */
	double dirty_mibps;	/* as measured; < 0 unknown */
	double rx_bps, tx_bps, rd_bps, wr_bps;
	int job;		/* 1 migrating away, 2 arriving (see
				 * lv_migration_job) */
	struct lv_meta meta;	/* its move record, as last read */
	struct mig_stats arrival;	/* see lv_jobstats.h; none (< 0) */
	bool saved;		/* a host never reached: its saved
				 * definition (lv_saved.h), state unknown */
};

struct lv_result {		/* one host as published */
	bool up;
	long cpus;
	long mem_total_mib, mem_used_mib;
	struct lv_vm *vms;
	size_t nvms;
	char error[256];
	char warning[512];	/* the host's xml_error when published */
};

struct lv_host {
	struct lv_probe *owner;
	char *name, *uri;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool wake;		/* collect now: a domain event came */
	bool closed;		/* the connection closed under us */
	virConnectPtr conn;
	int event_id;
	int meta_event_id;
	/* domains (UUIDs) whose metadata record is to be read again, set by
	 * the event callbacks under mu */
	char stale[META_STALE][VIR_UUID_STRING_BUFLEN];
	size_t nstale;
	bool stale_all;
	struct lv_base *bases;
	size_t nbases, capbases;
	struct lv_result *result;	/* published, guarded by mu */
	char *domain_dir;	/* NULL: no definitions saved */
	unsigned ncollect;	/* collections made (the worker's) */
	char xml_error[512];	/* the last definition not saved, or "" */
	bool reached;		/* a collection succeeded once */
	bool pruned;		/* the directory was pruned ... */
	uint64_t prune_fp;	/* ... for the domains of this fingerprint */
	atomic_bool quit;	/* a reload removed it: its worker ends */
};

struct lv_probe {
	struct lv_events *events;
	struct lv_host **hosts;	/* each its own allocation: a worker
				 * holds its host across a reload */
	size_t nhosts;
	struct lv_host **gone;	/* removed by reloads, freed with the
				 * probe (a stuck worker may hold one) */
	size_t ngone, capgone;
	_Atomic double interval_s;
	atomic_bool stop;
	atomic_bool changed;	/* a domain event's collection was published */
	atomic_int refs;	/* the owner's, and one per running worker */
	char self[LV_META_STR];	/* this process, as move records name it */
};

static void lv_probe_unref(struct lv_probe *pr);

static void
lv_result_free(struct lv_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nvms; i++)
		free(r->vms[i].name);
	free(r->vms);
	free(r);
}

static void
lv_publish(struct lv_host *h, struct lv_result *r)
{
	struct lv_result *old;

	pthread_mutex_lock(&h->mu);
	old = h->result;
	h->result = r;
	pthread_mutex_unlock(&h->mu);
	lv_result_free(old);
}

/*
 * A host not reached since vmbal started: the VMs it was running when a
 * probe last reached it, from their saved definitions (lv_saved.h), state
 * unknown, so that its incident is picked up across a restart of vmbal.
 * Once reached, the model keeps what it saw there itself.
 */
static void
lv_add_saved(struct lv_host *h, struct lv_result *r)
{
	struct lv_saved sv = { 0 };
	char err[512];
	size_t i;

	if (h->domain_dir == NULL || h->reached)
		return;
	if (lv_saved_list(h->domain_dir, h->name, &sv, err, sizeof err) != 0 ||
	    err[0] != '\0')
		snprintf(h->xml_error, sizeof h->xml_error, "cannot read the "
		    "saved definitions of what it ran: %.400s", err);
	r->vms = calloc(sv.n + 1, sizeof *r->vms);
	for (i = 0; r->vms != NULL && i < sv.n; i++) {
		struct lv_vm *vm = &r->vms[r->nvms++];

		vm->name = sv.vms[i].name;	/* handed over */
		sv.vms[i].name = NULL;
		vm->vcpus = sv.vms[i].vcpus;
		vm->mem_mib = sv.vms[i].mem_mib;
		vm->state = VM_UNKNOWN;
		vm->dirty_mibps = -1;
		mig_stats_none(&vm->arrival);
		vm->saved = true;
	}
	lv_saved_clear(&sv);
}

static void
lv_publish_down(struct lv_host *h, const char *why)
{
	struct lv_result *r = calloc(1, sizeof *r);

	if (r == NULL)
		return;
	snprintf(r->error, sizeof r->error, "%s", why != NULL ? why : "down");
	lv_add_saved(h, r);
	snprintf(r->warning, sizeof r->warning, "%s", h->xml_error);
	lv_publish(h, r);
}

/*
 * The saved definitions of the domains that no longer run here go (see
 * lv_saved.h): looked at after the first collection of a connection and
 * whenever the set of running domains changed (a fingerprint of their
 * names), so a steady probe reads no directory.
 */
static void
lv_prune_saved(struct lv_host *h, const struct lv_result *r)
{
	const char **keep;
	uint64_t fp = 0;
	char err[512];
	size_t i, n = 0;

	if (h->domain_dir == NULL ||
	    (keep = calloc(r->nvms + 1, sizeof *keep)) == NULL)
		return;
	for (i = 0; i < r->nvms; i++) {
		const struct lv_vm *v = &r->vms[i];

		/* as lv_fill_vm saves them: running or paused, here */
		if (v->job == 2 || (v->state != VM_RUNNING &&
		    v->state != VM_PAUSED && v->state != VM_MIGRATING))
			continue;
		keep[n++] = v->name;
		fp += lv_domxml_hash(v->name) * 0x9e3779b97f4a7c15ULL + 1;
	}
	if (h->pruned && fp == h->prune_fp) {
		free(keep);
		return;
	}
	if (lv_saved_prune(h->domain_dir, h->name, keep, n, err,
	    sizeof err) < 0)
		snprintf(h->xml_error, sizeof h->xml_error, "cannot remove the "
		    "saved definition of a VM gone from it: %.400s", err);
	else {
		h->pruned = true;
		h->prune_fp = fp;
	}
	free(keep);
}

/* Sleeps up to secs, or until woken or stopped. */
/* Returns true when woken by a domain event. */
static bool
lv_wait(struct lv_host *h, double secs)
{
	bool woken;
	struct timespec until;
	double whole, frac;

	clock_gettime(CLOCK_REALTIME, &until);
	frac = modf(secs, &whole);
	until.tv_sec += (time_t)whole;
	until.tv_nsec += (long)(frac * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->mu);
	while (!h->wake && !h->closed && !atomic_load(&h->owner->stop) &&
	    !atomic_load(&h->quit))
		if (pthread_cond_timedwait(&h->cv, &h->mu, &until) != 0)
			break;
	woken = h->wake;
	h->wake = false;
	pthread_mutex_unlock(&h->mu);
	return woken;
}

static void
lv_signal(struct lv_host *h, bool closed)
{
	pthread_mutex_lock(&h->mu);
	if (closed)
		h->closed = true;
	else
		h->wake = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* dom's metadata record is to be read again at the next collection. */
static void
lv_mark_stale(struct lv_host *h, virDomainPtr dom)
{
	char uuid[VIR_UUID_STRING_BUFLEN];

	if (dom == NULL || virDomainGetUUIDString(dom, uuid) != 0) {
		pthread_mutex_lock(&h->mu);
		h->stale_all = true;
		pthread_mutex_unlock(&h->mu);
		return;
	}
	pthread_mutex_lock(&h->mu);
	if (h->nstale < META_STALE)
		memcpy(h->stale[h->nstale++], uuid, sizeof uuid);
	else
		h->stale_all = true;
	pthread_mutex_unlock(&h->mu);
}

static void
lv_on_close(virConnectPtr conn, int reason, void *opaque)
{
	(void)conn;
	(void)reason;
	lv_signal(opaque, true);
}

static int
lv_on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
    void *opaque)
{
	(void)conn;
	(void)event;
	(void)detail;
	lv_mark_stale(opaque, dom);
	lv_signal(opaque, false);
	return 0;
}

/* A domain's metadata changed: vmbal's record is read again, and the
 * collection published at once. */
static void
lv_on_metadata(virConnectPtr conn, virDomainPtr dom, int type,
    const char *nsuri, void *opaque)
{
	(void)conn;
	if (type != VIR_DOMAIN_METADATA_ELEMENT || nsuri == NULL ||
	    strcmp(nsuri, LV_META_NS) != 0)
		return;
	lv_mark_stale(opaque, dom);
	lv_signal(opaque, false);
}

static void
lv_disconnect(struct lv_host *h)
{
	if (h->conn == NULL)
		return;
	if (h->event_id >= 0)
		virConnectDomainEventDeregisterAny(h->conn, h->event_id);
	if (h->meta_event_id >= 0)
		virConnectDomainEventDeregisterAny(h->conn, h->meta_event_id);
	virConnectUnregisterCloseCallback(h->conn, lv_on_close);
	virConnectClose(h->conn);
	h->conn = NULL;
	h->event_id = -1;
	h->meta_event_id = -1;
	pthread_mutex_lock(&h->mu);
	h->closed = false;
	pthread_mutex_unlock(&h->mu);
}

static const char *
lv_error(void)
{
	virErrorPtr e = virGetLastError();

	return e != NULL && e->message != NULL ? e->message : "unknown error";
}

/* Connects without ever prompting (lv_connect.h); on failure err holds
 * libvirt's message and a hint. */
static int
lv_connect(struct lv_host *h, char *err, size_t errlen)
{
	h->conn = lv_connect_open(h->uri, err, errlen);
	if (h->conn == NULL)
		return -1;
	h->pruned = false;	/* looked at again once collected */
	virConnectRegisterCloseCallback(h->conn, lv_on_close, h, NULL);
	h->event_id = virConnectDomainEventRegisterAny(h->conn, NULL,
	    VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(lv_on_lifecycle),
	    h, NULL);
	if (h->event_id < 0)
		virResetLastError();
	h->meta_event_id = virConnectDomainEventRegisterAny(h->conn, NULL,
	    VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
	    VIR_DOMAIN_EVENT_CALLBACK(lv_on_metadata), h, NULL);
	if (h->meta_event_id < 0)
		virResetLastError();
	/* a new connection: every record is read again */
	pthread_mutex_lock(&h->mu);
	h->stale_all = true;
	pthread_mutex_unlock(&h->mu);
	return 0;
}

/*
 * The baseline of the domain with this UUID, made (with no reading yet)
 * when there is none. The baselines are kept sorted by UUID: a host's
 * collection looks up every domain, so the look-up is a binary search.
 */
static struct lv_base *
lv_base_find(struct lv_host *h, const char *uuid)
{
	size_t lo = 0, hi = h->nbases, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(h->bases[mid].uuid, uuid);
		if (c == 0)
			return &h->bases[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (h->nbases == h->capbases) {
		size_t ncap = h->capbases == 0 ? 64 : h->capbases * 2;
		struct lv_base *n = realloc(h->bases, ncap * sizeof *n);

		if (n == NULL)
			return NULL;
		h->bases = n;
		h->capbases = ncap;
	}
	memmove(&h->bases[lo + 1], &h->bases[lo],
	    (h->nbases - lo) * sizeof *h->bases);
	h->nbases++;
	memset(&h->bases[lo], 0, sizeof *h->bases);
	snprintf(h->bases[lo].uuid, sizeof h->bases->uuid, "%s", uuid);
	h->bases[lo].at = -1;
	h->bases[lo].dirty_mibps = -1;
	h->bases[lo].dirty_at = -1;
	lv_arrival_init(&h->bases[lo].arrival);
	return &h->bases[lo];
}

/* Drops the baselines of domains not seen in this collection, keeping
 * the rest in order. */
static void
lv_base_sweep(struct lv_host *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->nbases; i++)
		if (h->bases[i].seen) {
			h->bases[n] = h->bases[i];
			h->bases[n++].seen = false;
		}
	h->nbases = n;
}

static enum vm_state
lv_state(int st)
{
	switch (st) {
	case VIR_DOMAIN_RUNNING:
		return VM_RUNNING;
	case VIR_DOMAIN_PAUSED:
		return VM_PAUSED;
	case VIR_DOMAIN_SHUTOFF:
		return VM_SHUTOFF;
	default:
		return VM_OTHER;
	}
}

/*
 * A migration job on the domain (libvirt's job stats): 1 when it leaves
 * this host, 2 when it is arriving here (an incoming domain, paused until
 * the migration ends), 0 when none. Domains another vmbal (or an operator)
 * is migrating, or whose migration outlived a vmbal that died, are thus
 * never planned, and an arriving domain is not yet counted as here.
 */
static int
lv_migration_job(virDomainPtr dom)
{
	virTypedParameterPtr params = NULL;
	int type = VIR_DOMAIN_JOB_NONE, n = 0, op = 0, rc = 0;

	if (virDomainGetJobStats(dom, &type, &params, &n, 0) < 0) {
		virResetLastError();
		return 0;
	}
	if (type != VIR_DOMAIN_JOB_NONE &&
	    virTypedParamsGetInt(params, n, VIR_DOMAIN_JOB_OPERATION, &op) == 1)
		rc = op == VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT ? 1 :
		    op == VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN ? 2 : 0;
	virTypedParamsFree(params, n);
	return rc;
}

/* Rate of a counter; *ok false when it went backwards or is new. */
static double
lv_rate(unsigned long long now, unsigned long long before, double dt, bool *ok)
{
	if (!*ok || now < before || dt <= 0) {
		*ok = false;
		return 0;
	}
	return (double)(now - before) / dt;
}

/*
 * The domain's dirty rate: the measured one from its dirtyrate stats
 * (status, MiB/s) kept in b, and a new calculation started when it is
 * due and *starts allows (see the top of this file).
 */
static void
lv_dirty(virDomainPtr dom, struct lv_base *b, int status, long long mibps,
    bool have_rate, bool running, double at, int *starts)
{
#ifdef LV_HAVE_DIRTYRATE
	if (status == VIR_DOMAIN_DIRTYRATE_MEASURED && have_rate && mibps >= 0)
		b->dirty_mibps = (double)mibps;
	if (!running || status == VIR_DOMAIN_DIRTYRATE_MEASURING ||
	    *starts >= DIRTY_STARTS ||
	    (b->dirty_at >= 0 && at - b->dirty_at < DIRTY_PERIOD_S))
		return;
	(*starts)++;
	b->dirty_at = at;
	if (virDomainStartDirtyRateCalc(dom, DIRTY_CALC_S, 0) < 0) {
		/* not measurable here: ask again much later */
		b->dirty_at = at + DIRTY_RETRY_S - DIRTY_PERIOD_S;
		virResetLastError();
	}
#else
	(void)dom; (void)b; (void)status; (void)mibps; (void)have_rate;
	(void)running; (void)at; (void)starts;
#endif
}

/* The stale set of a collection: what the events marked since the last. */
struct lv_stale {
	char uuid[META_STALE][VIR_UUID_STRING_BUFLEN];
	size_t n;
	bool all;
};

static bool
lv_stale_has(const struct lv_stale *st, const char *uuid)
{
	size_t i;

	if (st->all)
		return true;
	for (i = 0; i < st->n; i++)
		if (strcmp(st->uuid[i], uuid) == 0)
			return true;
	return false;
}

/*
 * vmbal's move record of the domain: read (one call) when the domain is
 * new to this connection, when an event (lifecycle, metadata change)
 * marked it, and after a failed read; otherwise the cached one.
 */
static void
lv_fill_meta(virDomainPtr dom, struct lv_base *b, const char *uuid,
    const struct lv_stale *st, struct lv_vm *vm)
{
	struct lv_meta m;
	int rc;

	if (b == NULL || !b->meta_read || lv_stale_has(st, uuid)) {
		rc = lv_meta_read(dom, vm->name, &m);
		if (b != NULL && rc >= 0) {
			b->meta = m;
			b->meta_read = true;
		} else if (b != NULL)
			b->meta_read = false;	/* tried again next time */
		if (b == NULL) {
			vm->meta = m;
			return;
		}
	}
	vm->meta = b->meta;
}

/*
 * The saved definition of a running domain (see the top): looked at when
 * new, named by an event, or XML_EVERY collections after the last look;
 * written when it changed.
 */
static void
lv_keep_xml(struct lv_host *h, virDomainPtr dom, struct lv_base *b,
    const char *name, bool stale)
{
	char err[256], *xml;
	uint64_t hash;

	if (h->domain_dir == NULL || (b->xml_tried && !stale &&
	    h->ncollect - b->xml_at < XML_EVERY))
		return;
	b->xml_tried = true;
	b->xml_at = h->ncollect;
	xml = lv_domxml_fetch(dom, err, sizeof err);
	if (xml == NULL) {
		snprintf(h->xml_error, sizeof h->xml_error, "cannot read %.200s's "
		    "definition to keep for a restart: %.255s", name, err);
		return;
	}
	hash = lv_domxml_hash(xml);
	if (!b->xml_saved || hash != b->xml_hash) {
		b->xml_saved = lv_domxml_save(h->domain_dir, h->name, name, xml,
		    err, sizeof err) == 0;
		if (b->xml_saved) {
			b->xml_hash = hash;
			h->xml_error[0] = '\0';	/* saving works again */
		} else
			snprintf(h->xml_error, sizeof h->xml_error, "cannot save "
			    "%.200s's definition for a restart: %.255s", name,
			    err);
	}
	free(xml);
}

static void
lv_fill_vm(struct lv_host *h, virDomainStatsRecordPtr rec, struct lv_vm *vm,
    double at, int *dirty_starts, const struct lv_stale *stale)
{
	int dirty_status = -1;
	long long dirty_rate = -1;
	bool have_dirty = false;
	char uuid[VIR_UUID_STRING_BUFLEN] = "";
	unsigned long long cpu = 0, rx = 0, tx = 0, rd = 0, wr = 0, ull;
	unsigned long long delay = 0;
	int st = VIR_DOMAIN_NOSTATE, reason = 0, i;
	bool have_cpu = false, have_delay = false, ok;
	struct lv_base *b;
	double dt;

	for (i = 0; i < rec->nparams; i++) {
		virTypedParameterPtr p = &rec->params[i];
		const char *f = p->field;
		size_t n = strlen(f);

		if (strcmp(f, "state.state") == 0 && p->type == VIR_TYPED_PARAM_INT)
			st = p->value.i;
		else if (strcmp(f, "state.reason") == 0 &&
		    p->type == VIR_TYPED_PARAM_INT)
			reason = p->value.i;
		else if (strcmp(f, "dirtyrate.calc_status") == 0 &&
		    p->type == VIR_TYPED_PARAM_INT)
			dirty_status = p->value.i;
		else if (strcmp(f, "dirtyrate.megabytes_per_second") == 0 &&
		    p->type == VIR_TYPED_PARAM_LLONG) {
			dirty_rate = p->value.l;
			have_dirty = true;
		} else if (strcmp(f, "cpu.time") == 0) {
			cpu = p->value.ul;
			have_cpu = true;
		} else if (strcmp(f, "balloon.current") == 0)
			vm->mem_mib = (long)(p->value.ul / 1024);
		else if (strcmp(f, "vcpu.current") == 0)
			vm->vcpus = (long)p->value.ui;
		else if (strncmp(f, "vcpu.", 5) == 0 && n > 6 &&
		    strcmp(f + n - 6, ".delay") == 0 &&
		    p->type == VIR_TYPED_PARAM_ULLONG) {
			delay += p->value.ul;
			have_delay = true;
		}
		else if (strncmp(f, "net.", 4) == 0 && n > 9 &&
		    strcmp(f + n - 9, ".rx.bytes") == 0)
			rx += p->value.ul;
		else if (strncmp(f, "net.", 4) == 0 && n > 9 &&
		    strcmp(f + n - 9, ".tx.bytes") == 0)
			tx += p->value.ul;
		else if (strncmp(f, "block.", 6) == 0 && n > 9 &&
		    strcmp(f + n - 9, ".rd.bytes") == 0)
			rd += p->value.ul;
		else if (strncmp(f, "block.", 6) == 0 && n > 9 &&
		    strcmp(f + n - 9, ".wr.bytes") == 0)
			wr += p->value.ul;
	}
	b = virDomainGetUUIDString(rec->dom, uuid) == 0 ?
	    lv_base_find(h, uuid) : NULL;
	vm->state = lv_state(st);
	lv_fill_meta(rec->dom, b, uuid, stale, vm);
	mig_stats_none(&vm->arrival);
	if (b != NULL) {
		lv_arrival_look(&b->arrival, rec->dom, st, reason);
		vm->arrival = b->arrival.stats;
	}
	if (st == VIR_DOMAIN_RUNNING || st == VIR_DOMAIN_PAUSED) {
		/* libvirt is asked about jobs only for a domain new to this
		 * connection (vmbal starting, a domain arriving) and one that
		 * had a job at the last look, or an event named: a migration
		 * that outlived a vmbal is seen to its end, one another
		 * director starts as soon as its record is written, and a
		 * steady probe makes no extra call per domain */
		vm->job = b == NULL || b->at < 0 || b->job != 0 ||
		    lv_stale_has(stale, uuid) ? lv_migration_job(rec->dom) : 0;
		if (b != NULL)
			b->job = vm->job;
		if (vm->job != 0 || (st == VIR_DOMAIN_PAUSED &&
		    reason == VIR_DOMAIN_PAUSED_MIGRATION))
			vm->state = VM_MIGRATING;
	}
	if (b != NULL && vm->job != 2 && (st == VIR_DOMAIN_RUNNING ||
	    st == VIR_DOMAIN_PAUSED))
		lv_keep_xml(h, rec->dom, b, vm->name, lv_stale_has(stale, uuid));
	if (vm->vcpus <= 0) {
		virDomainInfo info;

		if (virDomainGetInfo(rec->dom, &info) == 0) {
			vm->vcpus = info.nrVirtCpu;
			if (vm->mem_mib <= 0)
				vm->mem_mib = (long)(info.memory / 1024);
		} else
			vm->vcpus = 1;
	}
	if (vm->mem_mib <= 0 && (ull = virDomainGetMaxMemory(rec->dom)) > 0)
		vm->mem_mib = (long)(ull / 1024);
	vm->dirty_mibps = -1;
	if (b != NULL) {
		lv_dirty(rec->dom, b, dirty_status, dirty_rate, have_dirty,
		    st == VIR_DOMAIN_RUNNING && vm->job == 0, at,
		    dirty_starts);
		vm->dirty_mibps = b->dirty_mibps;
	}
	if (b == NULL || !have_cpu)
		return;
	dt = b->at >= 0 ? at - b->at : 0;
	ok = b->at >= 0;
	vm->cpu_pct = lv_rate(cpu, b->cpu_ns, dt, &ok) / 1e9 * 100.0;
	vm->cpu_valid = ok;
	if (ok) {
		vm->cpu_pct = fmax(0, fmin(vm->cpu_pct, (double)vm->vcpus * 100.0));
		vm->demand_pct = vm->cpu_pct;
		if (have_delay && delay >= b->delay_ns)
			vm->demand_pct = fmin(vm->cpu_pct + (double)(delay -
			    b->delay_ns) / dt / 1e9 * 100.0,
			    (double)vm->vcpus * 100.0);
		ok = true;
		vm->rx_bps = lv_rate(rx, b->rx, dt, &ok);
		ok = true;
		vm->tx_bps = lv_rate(tx, b->tx, dt, &ok);
		ok = true;
		vm->rd_bps = lv_rate(rd, b->rd, dt, &ok);
		ok = true;
		vm->wr_bps = lv_rate(wr, b->wr, dt, &ok);
	}
	b->cpu_ns = cpu;
	b->delay_ns = delay;
	b->rx = rx;
	b->tx = tx;
	b->rd = rd;
	b->wr = wr;
	b->at = at;
	b->seen = true;
}

/* The node's capacity as libvirt sees it; the configuration's cpus, when
 * set, overrides it in the model. */
static struct lv_result *
lv_collect(struct lv_host *h)
{
	virDomainStatsRecordPtr *recs = NULL;
	struct lv_result *r = calloc(1, sizeof *r);
	struct lv_stale *stale = calloc(1, sizeof *stale);
	unsigned long long free_bytes;
	virNodeInfo node;
	double at;
	int n, i, dirty_starts = 0;

	if (r == NULL || stale == NULL) {
		free(stale);
		free(r);
		return NULL;
	}
	h->ncollect++;
	pthread_mutex_lock(&h->mu);
	memcpy(stale->uuid, h->stale, h->nstale * sizeof h->stale[0]);
	stale->n = h->nstale;
	stale->all = h->stale_all;
	h->nstale = 0;
	h->stale_all = false;
	pthread_mutex_unlock(&h->mu);
	if (virNodeGetInfo(h->conn, &node) < 0) {
		snprintf(r->error, sizeof r->error, "%s", lv_error());
		free(stale);
		return r;
	}
	r->cpus = (long)node.cpus;
	r->mem_total_mib = (long)(node.memory / 1024);
	free_bytes = virNodeGetFreeMemory(h->conn);
	r->mem_used_mib = free_bytes > 0 ?
	    r->mem_total_mib - (long)(free_bytes / (1024 * 1024)) : 0;
	n = virConnectGetAllDomainStats(h->conn, VIR_DOMAIN_STATS_STATE |
	    VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |
	    VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE |
	    VIR_DOMAIN_STATS_BLOCK | LV_STATS_DIRTYRATE, &recs,
	    VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
	at = monotime_now();
	if (n < 0) {
		snprintf(r->error, sizeof r->error, "%s", lv_error());
		free(stale);
		return r;
	}
	r->vms = calloc((size_t)n + 1, sizeof *r->vms);
	if (r->vms == NULL) {
		virDomainStatsRecordListFree(recs);
		free(stale);
		return r;
	}
	for (i = 0; i < n; i++) {
		const char *name = virDomainGetName(recs[i]->dom);
		struct lv_vm *vm = &r->vms[r->nvms];

		if (name == NULL || (vm->name = strdup(name)) == NULL)
			continue;
		lv_fill_vm(h, recs[i], vm, at, &dirty_starts, stale);
		r->nvms++;
	}
	free(stale);
	virDomainStatsRecordListFree(recs);
	lv_base_sweep(h);
	lv_prune_saved(h, r);
	snprintf(r->warning, sizeof r->warning, "%s", h->xml_error);
	r->up = true;
	h->reached = true;
	return r;
}

static void *
lv_worker(void *arg)
{
	struct lv_host *h = arg;
	struct lv_probe *pr = h->owner;
	double backoff = BACKOFF_MIN_S;
	struct lv_result *r;
	bool event = false;
	char err[256];

	while (!atomic_load(&pr->stop) && !atomic_load(&h->quit)) {
		if (h->conn == NULL) {
			if (lv_connect(h, err, sizeof err) != 0) {
				lv_publish_down(h, err);
				lv_wait(h, backoff);
				backoff = fmin(backoff * 2, BACKOFF_MAX_S);
				continue;
			}
			backoff = BACKOFF_MIN_S;
		}
		pthread_mutex_lock(&h->mu);
		if (h->closed) {
			pthread_mutex_unlock(&h->mu);
			lv_disconnect(h);
			lv_publish_down(h, "connection closed");
			continue;
		}
		pthread_mutex_unlock(&h->mu);
		r = lv_collect(h);
		if (r != NULL && !r->up) {
			/* a failed call on a live connection: count it down and
			 * start again from a fresh connection */
			lv_publish(h, r);
			lv_disconnect(h);
			continue;
		}
		if (r != NULL)
			lv_publish(h, r);
		if (event)
			atomic_store(&pr->changed, true);
		event = lv_wait(h, atomic_load(&pr->interval_s));
	}
	lv_disconnect(h);
	lv_probe_unref(pr);	/* the last touch of the probe's state */
	return NULL;
}

/* Frees the probe's state: by the owner, or by the last worker to end
 * when the owner left some behind. */
static void
lv_host_free(struct lv_host *h)
{
	if (h == NULL)
		return;
	lv_result_free(h->result);
	free(h->bases);
	free(h->name);
	free(h->uri);
	free(h->domain_dir);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}

static void
lv_probe_destroy(struct lv_probe *pr)
{
	size_t i;

	for (i = 0; i < pr->nhosts; i++)
		lv_host_free(pr->hosts[i]);
	for (i = 0; i < pr->ngone; i++)
		lv_host_free(pr->gone[i]);
	free(pr->hosts);
	free(pr->gone);
	free(pr);
}

static void
lv_probe_unref(struct lv_probe *pr)
{
	if (atomic_fetch_sub(&pr->refs, 1) == 1)
		lv_probe_destroy(pr);
}

static void
lv_probe_free(void *impl)
{
	struct lv_probe *pr = impl;
	double deadline;
	size_t i;

	if (pr == NULL)
		return;
	atomic_store(&pr->stop, true);
	for (i = 0; i < pr->nhosts; i++)
		if (pr->hosts[i]->started)
			lv_signal(pr->hosts[i], false);
	deadline = monotime_now() + STOP_GRACE_S;
	for (i = 0; i < pr->nhosts; i++)
		if (pr->hosts[i]->started)
			(void)thread_join_by(pr->hosts[i]->thread, deadline);
	/* the event loop now, not when a stuck worker ends */
	lv_events_free(pr->events);
	pr->events = NULL;
	lv_probe_unref(pr);
}

static int
lv_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name among the n sorted names? *at: where it is or would go. */
static bool
lv_name_find(const char **names, size_t n, const char *name, size_t *at)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(names[mid], name);
		if (c == 0) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

/*
 * The VMs of hosts never reached, from their saved definitions, after
 * every host's own report: one that runs somewhere reached (restarted
 * there, or migrated before its old host died) is where it runs, and
 * one saved under two dead hosts is counted once. 0, or -1 on ENOMEM.
 */
static int
lv_probe_add_saved(struct lv_probe *pr, struct snapshot *s)
{
	const char **names;	/* the snapshot's own copies, sorted */
	size_t i, j, at, n = 0, cap = s->nvms;
	int rc = 0;

	for (i = 0; i < pr->nhosts; i++) {	/* how many at most */
		pthread_mutex_lock(&pr->hosts[i]->mu);
		if (pr->hosts[i]->result != NULL && !pr->hosts[i]->result->up)
			cap += pr->hosts[i]->result->nvms;
		pthread_mutex_unlock(&pr->hosts[i]->mu);
	}
	if (cap == s->nvms)
		return 0;	/* no saved definition to add */
	if ((names = calloc(cap + 1, sizeof *names)) == NULL)
		return -1;
	for (i = 0; i < s->nvms; i++)
		names[n++] = s->vms[i].name;
	qsort(names, n, sizeof *names, lv_name_cmp);
	for (i = 0; i < pr->nhosts && rc == 0; i++) {
		struct lv_host *h = pr->hosts[i];
		struct lv_result *r;

		pthread_mutex_lock(&h->mu);
		r = h->result;
		for (j = 0; r != NULL && !r->up && j < r->nvms; j++) {
			struct lv_vm *v = &r->vms[j];
			struct snap_vm *sv;

			if (!v->saved || n == cap ||
			    lv_name_find(names, n, v->name, &at))
				continue;
			if ((sv = snapshot_add_vm(s, v->name, h->name)) == NULL) {
				rc = -1;
				break;
			}
			memmove(&names[at + 1], &names[at],
			    (n++ - at) * sizeof *names);
			names[at] = sv->name;
			sv->vcpus = v->vcpus;
			sv->mem_mib = v->mem_mib;
			sv->state = VM_UNKNOWN;
		}
		pthread_mutex_unlock(&h->mu);
	}
	free(names);
	return rc;
}

static struct snapshot *
lv_probe_collect(void *impl, double now, struct diag *d)
{
	struct lv_probe *pr = impl;
	struct snapshot *s = snapshot_new(now);
	double wall = lv_meta_wall();
	size_t i, j;

	if (s == NULL)
		goto nomem;
	for (i = 0; i < pr->nhosts; i++) {
		struct lv_host *h = pr->hosts[i];
		struct snap_host *sh = snapshot_add_host(s, h->name);
		struct lv_result *r;

		if (sh == NULL)
			goto nomem;
		pthread_mutex_lock(&h->mu);
		r = h->result;
		if (r != NULL && r->up) {
			sh->up = true;
			sh->cpus = r->cpus;
			sh->mem_total_mib = r->mem_total_mib;
			sh->mem_used_mib = r->mem_used_mib;
			for (j = 0; j < r->nvms; j++) {
				struct lv_vm *v = &r->vms[j];
				struct snap_vm *sv;

				if (v->job == 2)
					continue;	/* not here yet */
				sv = snapshot_add_vm(s, v->name, h->name);
				if (sv == NULL) {
					pthread_mutex_unlock(&h->mu);
					goto nomem;
				}
				sv->vcpus = v->vcpus;
				sv->mem_mib = v->mem_mib;
				sv->state = v->state;
				sv->cpu_pct = v->cpu_pct;
				sv->cpu_valid = v->cpu_valid;
				sv->demand_pct = v->demand_pct;
				sv->dirty_mibps = v->dirty_mibps;
				sv->arrival = v->arrival;
				sv->net_rx_bps = v->rx_bps;
				sv->net_tx_bps = v->tx_bps;
				sv->disk_rd_bps = v->rd_bps;
				sv->disk_wr_bps = v->wr_bps;
				if (v->meta.state != META_NONE &&
				    snapshot_vm_move(sv, v->meta.state,
				    wall - v->meta.at, v->meta.by,
				    v->meta.from, v->meta.to,
				    strcmp(v->meta.by, pr->self) == 0) != 0) {
					pthread_mutex_unlock(&h->mu);
					goto nomem;
				}
			}
		}
		if (r != NULL && !r->up)
			snprintf(sh->error, sizeof sh->error, "%s", r->error);
		if (r != NULL)
			snprintf(sh->warning, sizeof sh->warning, "%s",
			    r->warning);
		sh->connecting = r == NULL;	/* no answer yet */
		pthread_mutex_unlock(&h->mu);
	}
	if (lv_probe_add_saved(pr, s) != 0)
		goto nomem;
	return s;
nomem:
	snapshot_free(s);
	diag_set(d, NULL, 0, 0, "libvirt probe: out of memory");
	return NULL;
}

static bool
lv_probe_changed(void *impl)
{
	struct lv_probe *pr = impl;

	return atomic_exchange(&pr->changed, false);
}

/* A host of the probe, not started yet; NULL on ENOMEM. */
static struct lv_host *
lv_host_new(struct lv_probe *pr, const struct host_conf *hc,
    const char *domain_dir)
{
	struct lv_host *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	h->owner = pr;
	h->event_id = -1;
	h->meta_event_id = -1;
	atomic_init(&h->quit, false);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->name = strdup(hc->name);
	h->uri = strdup(hc->uri);
	h->domain_dir = domain_dir != NULL ? strdup(domain_dir) : NULL;
	if (h->name == NULL || h->uri == NULL || (domain_dir != NULL &&
	    h->domain_dir == NULL)) {
		lv_host_free(h);
		return NULL;
	}
	return h;
}

/* Its worker started; 0 or -1. */
static int
lv_host_start(struct lv_probe *pr, struct lv_host *h)
{
	atomic_fetch_add(&pr->refs, 1);
	h->started = pthread_create(&h->thread, NULL, lv_worker, h) == 0;
	if (!h->started)
		atomic_fetch_sub(&pr->refs, 1);
	return h->started ? 0 : -1;
}

/* The host of pr named as hc with the same URI, or -1. */
static int
lv_host_keep(const struct lv_probe *pr, const struct host_conf *hc)
{
	size_t i;

	for (i = 0; i < pr->nhosts; i++)
		if (strcmp(pr->hosts[i]->name, hc->name) == 0 &&
		    strcmp(pr->hosts[i]->uri, hc->uri) == 0)
			return (int)i;
	return -1;
}

/*
 * A reloaded configuration: a host that remains (same name, same URI)
 * keeps its worker and connection; a new one (or one whose URI changed)
 * gets its own; a removed one is told to quit, joined within the grace
 * and kept until the probe is freed (a worker stuck in libvirt still
 * holds it).
 */
static int
lv_probe_reload(void *impl, const struct config *next, struct diag *d)
{
	struct lv_probe *pr = impl;
	struct lv_host **nh = calloc(next->nhosts + 1, sizeof *nh);
	bool *kept = calloc(pr->nhosts + 1, sizeof *kept);
	double deadline;
	size_t i;
	int k;

	if (nh == NULL || kept == NULL ||
	    vec_reserve(&pr->gone, &pr->capgone, pr->ngone + pr->nhosts +
	    next->nhosts + 1,
	    sizeof *pr->gone) != 0)
		goto nomem;
	for (i = 0; i < next->nhosts; i++) {
		k = lv_host_keep(pr, &next->hosts[i]);
		if (k >= 0) {
			nh[i] = pr->hosts[k];
			kept[k] = true;
		} else if ((nh[i] = lv_host_new(pr, &next->hosts[i],
		    next->domain_dir)) == NULL)
			goto nomem;
	}
	for (i = 0; i < next->nhosts; i++)
		if (!nh[i]->started && lv_host_start(pr, nh[i]) != 0) {
			diag_set(d, NULL, 0, 0, "cannot start the probe of %s",
			    next->hosts[i].name);
			/* the ones just started stay running, as removed */
			for (k = 0; k < (int)next->nhosts; k++)
				if (lv_host_keep(pr, &next->hosts[k]) < 0) {
					atomic_store(&nh[k]->quit, true);
					if (nh[k]->started) {
						lv_signal(nh[k], false);
						pthread_detach(nh[k]->thread);
						nh[k]->started = false;
					}
					pr->gone[pr->ngone++] = nh[k];
				}
			free(nh);
			free(kept);
			return -1;
		}
	deadline = monotime_now() + STOP_GRACE_S;
	for (i = 0; i < pr->nhosts; i++)
		if (!kept[i]) {
			atomic_store(&pr->hosts[i]->quit, true);
			lv_signal(pr->hosts[i], false);
		}
	for (i = 0; i < pr->nhosts; i++)
		if (!kept[i]) {
			(void)thread_join_by(pr->hosts[i]->thread, deadline);
			pr->hosts[i]->started = false;	/* joined or detached */
			pr->gone[pr->ngone++] = pr->hosts[i];
		}
	free(pr->hosts);
	pr->hosts = nh;
	pr->nhosts = next->nhosts;
	atomic_store(&pr->interval_s, next->policy.probe_interval_s);
	free(kept);
	return 0;
nomem:
	for (i = 0; nh != NULL && i < next->nhosts; i++)
		if (nh[i] != NULL && lv_host_keep(pr, &next->hosts[i]) < 0)
			lv_host_free(nh[i]);
	free(nh);
	free(kept);
	diag_set(d, NULL, 0, 0, "out of memory");
	return -1;
}

static const struct probe_ops lv_probe_ops = {
	.name = "libvirt",
	.collect = lv_probe_collect,
	.changed = lv_probe_changed,
	.free = lv_probe_free,
	.reload = lv_probe_reload,
};

int
lv_probe_init(struct probe *p, const struct config *cfg, struct diag *d)
{
	struct lv_probe *pr = calloc(1, sizeof *pr);
	size_t i;

	if (pr == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	atomic_init(&pr->stop, false);
	atomic_init(&pr->changed, false);
	atomic_init(&pr->refs, 1);
	atomic_init(&pr->interval_s, cfg->policy.probe_interval_s);
	lv_meta_init();
	lv_meta_self(pr->self, sizeof pr->self);
	pr->events = lv_events_new(d);
	pr->hosts = calloc(cfg->nhosts + 1, sizeof *pr->hosts);
	if (pr->events == NULL || pr->hosts == NULL) {
		lv_events_free(pr->events);
		free(pr->hosts);
		free(pr);
		return -1;
	}
	for (i = 0; i < cfg->nhosts; i++) {
		pr->hosts[i] = lv_host_new(pr, &cfg->hosts[i], cfg->domain_dir);
		if (pr->hosts[i] == NULL) {
			diag_set(d, NULL, 0, 0, "out of memory");
			lv_probe_free(pr);
			return -1;
		}
		pr->nhosts = i + 1;
	}
	for (i = 0; i < cfg->nhosts; i++)
		if (lv_host_start(pr, pr->hosts[i]) != 0) {
			diag_set(d, NULL, 0, 0, "cannot start the probe of %s",
			    cfg->hosts[i].name);
			lv_probe_free(pr);
			return -1;
		}
	p->ops = &lv_probe_ops;
	p->impl = pr;
	return 0;
}
