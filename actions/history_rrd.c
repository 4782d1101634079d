/*
 * history_rrd.c - the history writer (see history_rrd.h): samples copied
 * on the engine's thread into a bounded queue, RRD files created and
 * updated by a thread of its own through librrd's thread-safe calls.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <rrd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../engine/weights.h"
#include "history_rrd.h"

/* ---- pure parts ------------------------------------------------------- */

static const char *const history_ds_host[] = { "cpu", "demand", "mem", "vms",
	NULL };
static const char *const history_ds_vm[] = { "cpu", "demand", "mem", NULL };
static const char *const history_ds_cluster[] = { "spread", NULL };
static const char *const history_ds_svc[] = { "conns", "latency", NULL };

const char *const *
history_ds_names(enum history_kind k)
{
	switch (k) {
	case HK_HOST:
		return history_ds_host;
	case HK_VM:
		return history_ds_vm;
	case HK_CLUSTER:
		return history_ds_cluster;
	case HK_SERVICE:
		break;
	}
	return history_ds_svc;
}

long
history_step(double analyse_interval_s)
{
	long s = lround(analyse_interval_s);

	return s < 1 ? 1 : s;
}

/* Rows of steps × step_s seconds covering span_s. */
static long
history_rows(long steps, long step_s, long span_s)
{
	long row = steps * step_s;

	return (span_s + row - 1) / row;
}

void
history_rra_defs(long step_s, char out[HISTORY_RRAS][64])
{
	static const long spans[HISTORY_RRAS] = { 86400, 7 * 86400,
		365 * 86400 };
	static const long res[HISTORY_RRAS] = { 0, 60, 600 };
	long steps;
	int i;

	if (step_s < 1)
		step_s = 1;
	for (i = 0; i < HISTORY_RRAS; i++) {
		steps = res[i] == 0 ? 1 : (res[i] + step_s / 2) / step_s;
		if (steps < 1)
			steps = 1;
		snprintf(out[i], 64, "RRA:AVERAGE:0.5:%ld:%ld", steps,
		    history_rows(steps, step_s, spans[i]));
	}
}

static int
history_safe_byte(unsigned char c, size_t at)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-')
		return 1;
	return c == '.' && at > 0;
}

/* The escape of c at position at: 1 byte, or 3 (%XX). */
static size_t
history_escape(unsigned char c, size_t at, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (history_safe_byte(c, at)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '%';
	out[1] = hex[c >> 4];
	out[2] = hex[c & 15];
	return 3;
}

int
history_file_name(enum history_kind k, const char *name, char *out,
    size_t outlen)
{
	static const char *const prefix[] = { "host-", "vm-", "cluster",
		"svc-" };
	const size_t sfx = 4, hash = 17;	/* ".rrd", "~" + 16 hex */
	uint64_t fnv = 14695981039346656037ULL;
	size_t n, i, full, room;
	char esc[3];

	if (outlen < HISTORY_NAME_MAX + 1)
		return -1;
	n = (size_t)snprintf(out, outlen, "%s", prefix[k]);
	if (k == HK_CLUSTER) {
		snprintf(out + n, outlen - n, ".rrd");
		return 0;
	}
	for (full = n, i = 0; name[i] != '\0'; i++) {
		full += history_escape((unsigned char)name[i], i, esc);
		fnv = (fnv ^ (unsigned char)name[i]) * 1099511628211ULL;
	}
	room = full + sfx <= HISTORY_NAME_MAX ? full :
	    HISTORY_NAME_MAX - sfx - hash;
	for (i = 0; name[i] != '\0'; i++) {
		size_t e = history_escape((unsigned char)name[i], i, esc);

		if (n + e > room)
			break;
		memcpy(out + n, esc, e);
		n += e;
	}
	if (room < full)	/* cut: the hash keeps it apart */
		n += (size_t)snprintf(out + n, outlen - n, "~%016llx",
		    (unsigned long long)fnv);
	snprintf(out + n, outlen - n, ".rrd");
	return 0;
}

/* ---- the queue -------------------------------------------------------- */

struct history_item {
	enum history_kind kind;
	const char *name;	/* in the record's own block */
	double v[4];		/* NAN: unknown ("U") */
};

struct history_rec {
	long t;			/* epoch seconds */
	char *mark;		/* a marks.tsv line, or NULL: a sample */
	struct history_item *items;
	size_t nitems;
};

struct history {
	char dir[PATH_MAX - HISTORY_NAME_MAX - 2];
	struct history_opts o;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* the writer: something queued, or stop */
	pthread_cond_t room;	/* wait_when_full: a record taken */
	struct history_rec *q[HISTORY_QUEUE];
	size_t head, count;
	bool stop;
	struct history_stats st;	/* under lock */
	int lockfd;		/* dir/.lock, flock'ed: one writer a directory */
};

/* The stamp of an event: the wall clock, or the simulation's epoch. */
static long
history_stamp(const struct history *h, double ts)
{
	if (h->o.simulated)
		return HISTORY_SIM_EPOCH + lround(ts);
	return (long)time(NULL);
}

static void
history_rec_free(struct history_rec *r)
{
	if (r == NULL)
		return;
	free(r->mark);
	free(r->items);		/* the names live in the same block */
	free(r);
}

/* Takes r (freed when the queue is full: dropped and counted). */
static void
history_push(struct history *h, struct history_rec *r)
{
	pthread_mutex_lock(&h->lock);
	while (h->o.wait_when_full && h->count == HISTORY_QUEUE && !h->stop)
		pthread_cond_wait(&h->room, &h->lock);
	if (h->count == HISTORY_QUEUE || h->stop) {
		h->st.dropped++;
		pthread_mutex_unlock(&h->lock);
		history_rec_free(r);
		return;
	}
	h->q[(h->head + h->count) % HISTORY_QUEUE] = r;
	h->count++;
	h->st.queued++;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
}

static double
history_known(double x)
{
	return x < 0 ? NAN : x;
}

/* A sample's numbers, one item per file; names copied in one block. */
static struct history_rec *
history_copy_sample(const struct event *ev)
{
	const struct model *m = ev->u.sample.model;
	size_t n = m->nhosts + m->nvms + 1, bytes = 0, i, j, k = 0;
	struct history_rec *r;
	char *blk;

	for (i = 0; i < m->nhosts; i++)
		bytes += strlen(m->hosts[i].name) + 1;
	for (i = 0; i < m->nvms; i++)
		bytes += strlen(m->vms[i].name) + 1;
	if (ev->u.sample.views != NULL)
		for (i = 0; i < ev->u.sample.nservices; i++) {
			const struct dnat_service *d = &ev->u.sample.services[i];

			for (j = 0; j < d->nbackends; j++)
				bytes += strlen(d->name) + strlen(
				    d->backends[j].address) + 24;
			n += d->nbackends;
		}
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->items = malloc(n * sizeof *r->items + bytes);
	if (r->items == NULL) {
		free(r);
		return NULL;
	}
	blk = (char *)(r->items + n);
	for (i = 0; i < m->nhosts; i++, k++) {
		const struct model_host *mh = &m->hosts[i];
		bool known = mh->state != HOST_DOWN &&
		    mh->state != HOST_CONNECTING;
		struct history_item *it = &r->items[k];

		it->kind = HK_HOST;
		it->name = strcpy(blk, mh->name);
		blk += strlen(blk) + 1;
		it->v[0] = known ? mh->cpu_pct : NAN;
		it->v[1] = known ? mh->demand_pct : NAN;
		it->v[2] = known ? (double)mh->mem_used_mib : NAN;
		it->v[3] = known ? (double)mh->nvms : NAN;
	}
	for (i = 0; i < m->nvms; i++, k++) {
		const struct model_vm *v = &m->vms[i];
		struct history_item *it = &r->items[k];

		it->kind = HK_VM;
		it->name = strcpy(blk, v->name);
		blk += strlen(blk) + 1;
		it->v[0] = window_mean(&v->cpu);
		it->v[1] = window_mean(&v->demand);
		it->v[2] = (double)v->mem_mib;
		it->v[3] = NAN;
	}
	r->items[k].kind = HK_CLUSTER;
	r->items[k].name = "";
	r->items[k].v[0] = m->spread;
	k++;
	if (ev->u.sample.views != NULL)
		for (i = 0; i < ev->u.sample.nservices; i++) {
			const struct dnat_service *d = &ev->u.sample.services[i];

			for (j = 0; j < d->nbackends; j++, k++) {
				const struct backend_view *bv =
				    &ev->u.sample.views[i][j];
				struct history_item *it = &r->items[k];
				int len = sprintf(blk, "%s/%s:%ld", d->name,
				    d->backends[j].address,
				    d->backends[j].port);

				it->kind = HK_SERVICE;
				it->name = blk;
				blk += len + 1;
				it->v[0] = bv->conns < 0 ? NAN :
				    (double)bv->conns;
				it->v[1] = history_known(bv->smooth_ms);
				it->v[2] = it->v[3] = NAN;
			}
		}
	r->nitems = k;
	return r;
}

/* A marks.tsv field: no tab or newline inside. */
static void
history_field(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}

static struct history_rec *
history_mark(long t, const char *kind, const char *a, const char *b,
    const char *c)
{
	struct history_rec *r = calloc(1, sizeof *r);
	char *f[3];
	size_t i;

	if (r == NULL)
		return NULL;
	f[0] = strdup(a);
	f[1] = strdup(b);
	f[2] = strdup(c != NULL ? c : "");
	for (i = 0; i < 3; i++)
		if (f[i] != NULL)
			history_field(f[i]);
	if (f[0] != NULL && f[1] != NULL && f[2] != NULL &&
	    asprintf(&r->mark, "%ld\t%s\t%s\t%s%s%s\n", t, kind, f[0], f[1],
	    c != NULL ? "\t" : "", f[2]) < 0)
		r->mark = NULL;
	r->t = t;
	for (i = 0; i < 3; i++)
		free(f[i]);
	if (r->mark == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
history_event(struct history *h, const struct event *ev)
{
	struct history_rec *r = NULL;
	char host[256], onoff[8];

	if (h == NULL)
		return;
	switch (ev->type) {
	case EV_SAMPLE:
		r = history_copy_sample(ev);
		break;
	case EV_MIGRATION:
		if (ev->u.migration.status == MIG_DONE)
			r = history_mark(history_stamp(h, ev->ts), "migration",
			    ev->u.migration.vm, ev->u.migration.from,
			    ev->u.migration.to);
		break;
	case EV_COMMAND:
		if (ev->u.command.done &&
		    strcmp(ev->u.command.name, "maintenance") == 0 &&
		    sscanf(ev->u.command.args, "%255s %7s", host, onoff) == 2)
			r = history_mark(history_stamp(h, ev->ts),
			    "maintenance", host, onoff, NULL);
		break;
	default:
		return;
	}
	if (ev->type != EV_SAMPLE && r == NULL)
		return;
	if (r == NULL) {
		pthread_mutex_lock(&h->lock);
		h->st.dropped++;	/* out of memory */
		pthread_mutex_unlock(&h->lock);
		return;
	}
	if (r->mark == NULL)
		r->t = history_stamp(h, ev->ts);
	history_push(h, r);
}

/* ---- the writer ------------------------------------------------------- */

static void
history_fail(struct history *h, const char *what)
{
	const char *e = rrd_get_error();

	pthread_mutex_lock(&h->lock);
	h->st.failed++;
	snprintf(h->st.last_error, sizeof h->st.last_error, "%s: %s", what,
	    e != NULL && e[0] != '\0' ? e : strerror(errno));
	pthread_mutex_unlock(&h->lock);
	rrd_clear_error();
}

/* Creates path's file (its step before t) unless it is there. */
static int
history_create(struct history *h, const char *path, enum history_kind k,
    long t)
{
	const char *const *ds = history_ds_names(k);
	char rras[HISTORY_RRAS][64], dsdef[HISTORY_RRAS + 4][64];
	const char *argv[HISTORY_RRAS + 4];
	int argc = 0, i;

	if (access(path, F_OK) == 0)
		return 0;
	history_rra_defs(h->o.step_s, rras);
	for (i = 0; ds[i] != NULL; i++) {
		/* a row is unknown after three missed analyses */
		snprintf(dsdef[i], sizeof dsdef[i], "DS:%s:GAUGE:%ld:0:U",
		    ds[i], 3 * h->o.step_s);
		argv[argc++] = dsdef[i];
	}
	for (i = 0; i < HISTORY_RRAS; i++)
		argv[argc++] = rras[i];
	rrd_clear_error();
	if (rrd_create_r2(path, (unsigned long)h->o.step_s, t - h->o.step_s, 1,
	    NULL, NULL, argc, argv) != 0) {
		history_fail(h, path);
		return -1;
	}
	return 0;
}

static void
history_write_item(struct history *h, long t, const struct history_item *it)
{
	const char *const *ds = history_ds_names(it->kind);
	char name[HISTORY_NAME_MAX + 1], path[PATH_MAX], upd[256];
	const char *argv[1] = { upd };
	size_t n;
	int i;

	if (history_file_name(it->kind, it->name, name, sizeof name) != 0 ||
	    snprintf(path, sizeof path, "%s/%s", h->dir, name) >=
	    (int)sizeof path)
		return;
	if (history_create(h, path, it->kind, t) != 0)
		return;
	n = (size_t)snprintf(upd, sizeof upd, "%ld", t);
	for (i = 0; ds[i] != NULL && i < 4; i++)
		n += (size_t)snprintf(upd + n, sizeof upd - n,
		    isfinite(it->v[i]) ? ":%.10g" : ":U", it->v[i]);
	rrd_clear_error();
	/* a second sample in one second (a reload's) is skipped, not an
	 * error */
	if (rrd_updatex_r(path, NULL, RRD_SKIP_PAST_UPDATES, 1, argv) != 0)
		history_fail(h, path);
}

static void
history_write(struct history *h, const struct history_rec *r)
{
	char path[PATH_MAX];
	FILE *f;
	size_t i;

	if (r->mark != NULL) {
		snprintf(path, sizeof path, "%s/marks.tsv", h->dir);
		f = fopen(path, "a");
		if (f == NULL || fputs(r->mark, f) == EOF) {
			rrd_clear_error();
			history_fail(h, path);
		}
		if (f != NULL)
			fclose(f);
		return;
	}
	for (i = 0; i < r->nitems; i++)
		history_write_item(h, r->t, &r->items[i]);
}

static void *
history_thread(void *arg)
{
	struct history *h = arg;
	struct history_rec *r;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (h->count == 0 && !h->stop)
			pthread_cond_wait(&h->wake, &h->lock);
		if (h->count == 0)
			break;
		r = h->q[h->head];
		h->head = (h->head + 1) % HISTORY_QUEUE;
		h->count--;
		pthread_cond_signal(&h->room);
		pthread_mutex_unlock(&h->lock);
		history_write(h, r);
		history_rec_free(r);
		pthread_mutex_lock(&h->lock);
		h->st.written++;
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* ---- making and ending ------------------------------------------------ */

/* mkdir -p, the last one (and those made) mode. */
static int
history_mkdirs(const char *dir, mode_t mode)
{
	char p[PATH_MAX];
	size_t i;

	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 1; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			return -1;
		p[i] = '/';
	}
	if (mkdir(p, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static bool
history_ours(const char *name)
{
	size_t n = strlen(name);

	if (strcmp(name, "marks.tsv") == 0)
		return true;
	if (n < 5 || strcmp(name + n - 4, ".rrd") != 0)
		return false;
	return strncmp(name, "host-", 5) == 0 || strncmp(name, "vm-", 3) == 0 ||
	    strncmp(name, "svc-", 4) == 0 || strcmp(name, "cluster.rrd") == 0;
}

/* A simulation's history is its run's: the files an earlier run left
 * go (only vmbal's own names). */
static void
history_wipe(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (history_ours(e->d_name))
			(void)unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

struct history *
history_new(const char *dir, const struct history_opts *o, char *err,
    size_t errlen)
{
	struct history *h;
	struct stat st;
	char path[PATH_MAX];

	if (strlen(dir) >= sizeof h->dir) {
		snprintf(err, errlen, "%s: the path is too long", dir);
		return NULL;
	}
	if (history_mkdirs(dir, 0750) != 0 || stat(dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0) {
		snprintf(err, errlen, "%s: cannot make the history directory: %s",
		    dir, errno != 0 ? strerror(errno) : "not a directory");
		return NULL;
	}
	h = calloc(1, sizeof *h);
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(h->dir, sizeof h->dir, "%s", dir);
	/* one writer a directory: a second vmbal on the same history would
	 * wipe (a simulation) or interleave the first one's files */
	snprintf(path, sizeof path, "%s/.lock", dir);
	h->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (h->lockfd < 0 || flock(h->lockfd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, errno == EWOULDBLOCK ?
		    "%s: another vmbal writes this history" :
		    "%s: cannot lock the history directory: %s", dir,
		    strerror(errno));
		if (h->lockfd >= 0)
			close(h->lockfd);
		free(h);
		return NULL;
	}
	h->o = *o;
	if (h->o.step_s < 1)
		h->o.step_s = 1;
	if (o->fresh)
		history_wipe(dir);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	pthread_cond_init(&h->room, NULL);
	if (pthread_create(&h->thread, NULL, history_thread, h) != 0) {
		snprintf(err, errlen, "cannot start the history writer");
		pthread_cond_destroy(&h->wake);
		pthread_cond_destroy(&h->room);
		pthread_mutex_destroy(&h->lock);
		close(h->lockfd);
		free(h);
		return NULL;
	}
	return h;
}

void
history_free(struct history *h, struct history_stats *st)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	if (st != NULL)
		*st = h->st;
	pthread_cond_destroy(&h->wake);
	pthread_cond_destroy(&h->room);
	pthread_mutex_destroy(&h->lock);
	close(h->lockfd);	/* the lock goes with it */
	free(h);
}
