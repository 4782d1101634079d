/*
 * journal_file.c - the action journal in a file (see journal_file.h).
 *
 * One JSON object per line (jansson), with the wall-clock time in UTC
 * ("time", to the second, and "unix", seconds since the epoch to the
 * millisecond) beside the run's ts; the file is opened with O_APPEND so
 * concurrent writers never interleave inside a line, and each record is
 * fsync'ed: an intent is on disk before its action starts.
 *
 * Reading it back (restart safety): every line is parsed with jansson on
 * its own, so a line torn by a crash costs that line only. The migrate
 * records are gathered in file order, sorted by VM (file position breaks
 * ties) and each VM's last record says where its last move stands: an
 * intent is open, an outcome ended it. A record's wall-clock time is its
 * "unix" field or, in journals written before it existed, its "time".
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal_file.h"

struct rec {
	const char *vm, *from, *to;	/* into the parsed line, kept alive */
	bool outcome;
	enum mig_status status;
	double wall;
	size_t pos;			/* the line's place in the file */
	json_t *line;
};

static bool
replay_status(const char *s, enum mig_status *st)
{
	static const enum mig_status all[] = { MIG_STARTED, MIG_DONE,
		MIG_FAILED, MIG_ABORTED };
	size_t i;

	for (i = 0; s != NULL && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, mig_status_name(all[i])) == 0) {
			*st = all[i];
			return true;
		}
	return false;
}

/* The record's wall-clock time, or -1 when it has none. */
static double
replay_wall(json_t *o)
{
	json_t *u = json_object_get(o, "unix");
	const char *t = json_string_value(json_object_get(o, "time"));
	struct tm tm;
	char *end;

	if (json_is_number(u))
		return json_number_value(u);
	if (t == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	end = strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return (double)timegm(&tm);
}

/* One line into r; false when it is no migrate record. */
static bool
replay_line(const char *s, size_t len, struct rec *r)
{
	json_t *o = json_loadb(s, len, 0, NULL);
	const char *phase, *action, *status;

	if (o == NULL)
		return false;
	memset(r, 0, sizeof *r);
	phase = json_string_value(json_object_get(o, "phase"));
	action = json_string_value(json_object_get(o, "action"));
	status = json_string_value(json_object_get(o, "status"));
	r->vm = json_string_value(json_object_get(o, "vm"));
	r->from = json_string_value(json_object_get(o, "from"));
	r->to = json_string_value(json_object_get(o, "to"));
	r->wall = replay_wall(o);
	r->line = o;
	if (!json_is_object(o) || phase == NULL || action == NULL ||
	    r->vm == NULL || r->from == NULL || r->to == NULL ||
	    r->wall < 0 || r->vm[0] == '\0')
		goto bad;
	if (strcmp(phase, "intent") == 0)
		r->outcome = false;
	else if (strcmp(phase, "outcome") == 0 &&
	    replay_status(status, &r->status) && r->status != MIG_STARTED)
		r->outcome = true;
	else
		goto bad;
	return true;
bad:
	json_decref(o);
	r->line = NULL;
	return false;
}

static bool
replay_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static int
replay_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->vm, y->vm);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Adds r's move to p when it still matters. 0, or -1 on ENOMEM. */
static int
replay_keep(struct journal_past *p, const struct rec *r, double now_wall,
    double horizon_s, size_t *cap)
{
	struct journal_past_move *m;
	double age = now_wall - r->wall;

	if (age < 0)
		age = 0;	/* a clock stepped back: count it as now */
	if (r->outcome && age >= horizon_s)
		return 0;
	if (p->nmoves == *cap) {
		size_t ncap = *cap == 0 ? 16 : *cap * 2;
		struct journal_past_move *n = realloc(p->moves,
		    ncap * sizeof *n);

		if (n == NULL)
			return -1;
		p->moves = n;
		*cap = ncap;
	}
	m = &p->moves[p->nmoves++];
	memset(m, 0, sizeof *m);
	snprintf(m->vm, sizeof m->vm, "%s", r->vm);
	snprintf(m->from, sizeof m->from, "%s", r->from);
	snprintf(m->to, sizeof m->to, "%s", r->to);
	m->open = !r->outcome;
	m->status = r->outcome ? r->status : MIG_STARTED;
	m->age_s = age;
	m->set_at = -1;
	return 0;
}

struct journal_file {
	int fd;
	char *path;
	struct journal_past *past;	/* read at the start, or NULL */
};

static int
journal_file_record(void *impl, const struct journal_entry *e)
{
	struct journal_file *jf = impl;
	char when[32], *line;
	struct timespec ts;
	struct tm tm;
	json_t *o = json_object();
	size_t len;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "unix", json_real((double)ts.tv_sec +
	    (double)(ts.tv_nsec / 1000000) / 1000.0));
	json_object_set_new(o, "ts", json_real((double)(long long)(e->ts * 100) / 100));
	json_object_set_new(o, "phase", json_string(e->outcome ? "outcome" :
	    "intent"));
	json_object_set_new(o, "who", json_string(e->who));
	json_object_set_new(o, "action", json_string(e->action));
	json_object_set_new(o, "vm", json_string(e->vm));
	json_object_set_new(o, "from", json_string(e->from));
	json_object_set_new(o, "to", json_string(e->to));
	if (e->outcome) {
		json_object_set_new(o, "status",
		    json_string(mig_status_name(e->status)));
		json_object_set_new(o, "duration_s",
		    json_real((double)(long long)(e->duration_s * 100) / 100));
		if (e->error != NULL)
			json_object_set_new(o, "error", json_string(e->error));
	}
	line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (line == NULL)
		return -1;
	len = strlen(line);
	line[len] = '\n';	/* json_dumps leaves room for the NUL */
	if (write(jf->fd, line, len + 1) != (ssize_t)(len + 1) ||
	    fdatasync(jf->fd) != 0)
		rc = -1;
	free(line);
	return rc;
}

static void
journal_file_free(void *impl)
{
	struct journal_file *jf = impl;

	if (jf == NULL)
		return;
	close(jf->fd);
	journal_past_free(jf->past);
	free(jf->path);
	free(jf);
}

static struct journal_past *
journal_file_past(void *impl)
{
	struct journal_file *jf = impl;

	return jf->past;
}

static const struct journal_ops journal_file_ops = {
	.record = journal_file_record,
	.free = journal_file_free,
	.past = journal_file_past,
};

int
journal_file_init(struct journal *j, const char *path, struct diag *d)
{
	struct journal_file *jf = calloc(1, sizeof *jf);
	char *dir = strdup(path);

	if (jf == NULL || dir == NULL) {
		free(jf);
		free(dir);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	mkdir(dirname(dir), 0750);	/* one level, like /var/lib/vmbal */
	free(dir);
	jf->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (jf->fd < 0) {
		diag_set(d, path, 0, 0, "cannot open the journal: %s",
		    strerror(errno));
		free(jf);
		return -1;
	}
	if ((jf->path = strdup(path)) == NULL) {
		close(jf->fd);
		free(jf);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	j->ops = &journal_file_ops;
	j->impl = jf;
	return 0;
}

struct journal_past *
journal_replay_parse(const char *text, size_t len, double now_wall,
    double horizon_s)
{
	struct journal_past *p = calloc(1, sizeof *p);
	struct rec *recs = NULL;
	size_t nrecs = 0, caprecs = 0, capmoves = 0, off = 0, pos = 0, i;
	int rc = 0;

	if (p == NULL)
		return NULL;
	while (off < len && rc == 0) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t llen = nl != NULL ? (size_t)(nl - (text + off)) :
		    len - off;
		struct rec r;

		if (!replay_blank(text + off, llen)) {
			if (!replay_line(text + off, llen, &r))
				p->bad_lines++;
			else {
				if (nrecs == caprecs) {
					size_t ncap = caprecs == 0 ? 64 :
					    caprecs * 2;
					struct rec *n = realloc(recs,
					    ncap * sizeof *n);

					if (n == NULL) {
						json_decref(r.line);
						rc = -1;
						break;
					}
					recs = n;
					caprecs = ncap;
				}
				r.pos = pos;
				recs[nrecs++] = r;
			}
		}
		pos++;
		off += llen + 1;
	}
	if (rc == 0 && nrecs > 0)
		qsort(recs, nrecs, sizeof *recs, replay_cmp);
	for (i = 0; rc == 0 && i < nrecs; i++)
		if (i + 1 == nrecs || strcmp(recs[i].vm, recs[i + 1].vm) != 0)
			rc = replay_keep(p, &recs[i], now_wall, horizon_s,
			    &capmoves);
	for (i = 0; i < nrecs; i++)
		json_decref(recs[i].line);
	free(recs);
	if (rc != 0) {
		journal_past_free(p);
		return NULL;
	}
	return p;
}

struct journal_past *
journal_replay_read(const char *path, double now_wall, double horizon_s,
    struct diag *d)
{
	struct journal_past *p;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		if (errno == ENOENT)
			return journal_replay_parse("", 0, now_wall, horizon_s);
		diag_set(d, path, 0, 0, "cannot read the journal: %s",
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 65536) {
			char *t = realloc(text, cap + 65536 + 1);

			if (t == NULL) {
				free(text);
				fclose(f);
				diag_set(d, path, 0, 0, "out of memory");
				return NULL;
			}
			text = t;
			cap += 65536;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		diag_set(d, path, 0, 0, "cannot read the journal: %s",
		    strerror(errno));
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	p = journal_replay_parse(text != NULL ? text : "", len, now_wall,
	    horizon_s);
	free(text);
	if (p == NULL)
		diag_set(d, path, 0, 0, "out of memory");
	return p;
}

void
journal_past_free(struct journal_past *p)
{
	if (p == NULL)
		return;
	free(p->moves);
	free(p);
}

int
journal_file_load_past(struct journal *j, double horizon_s, struct diag *d)
{
	struct journal_file *jf = j->impl;
	struct timespec ts;

	if (j->ops != &journal_file_ops || jf == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	journal_past_free(jf->past);
	jf->past = journal_replay_read(jf->path, (double)ts.tv_sec +
	    (double)ts.tv_nsec / 1e9, horizon_s, d);
	return jf->past != NULL ? 0 : -1;
}
