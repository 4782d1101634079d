/*
 * journal_file.c - the action journal in a file (see journal_file.h).
 *
 * One JSON object per line (jansson), with the wall-clock time in UTC
 * ("time", to the second, and "unix", seconds since the epoch to the
 * millisecond) beside the run's ts.
 *
 * Opening. The path is opened with O_NOFOLLOW and O_NONBLOCK, so a
 * symbolic link planted there is refused, not followed, and a FIFO is
 * neither waited on nor used; what was opened must be a regular file
 * owned by the running user (or root) that nobody else may write.
 *
 * Writing. A record is one write(2) of its whole line (O_APPEND: writers
 * never interleave inside a line), then fdatasync: an intent is on disk
 * before its action starts. A record that does not go whole (a full
 * disk, a file size limit, an I/O error, a failed sync) is cut off again
 * with ftruncate to the size before it and reported with its reason, so
 * the file holds each record whole or not at all. Should a line be torn
 * all the same (a crash, a cut that failed), the next record starts with
 * a newline of its own rather than being glued to it.
 *
 * Reading it back (restart safety) is a stream: blocks of 64 KiB, split
 * into lines, each parsed with jansson on its own, so a torn line costs
 * that line only and a line longer than JOURNAL_LINE_MAX is counted bad
 * without being held. Only each VM's last record is kept, in a tree by
 * name (tsearch), and not even that once it is an outcome older than
 * the horizon: memory goes with the VMs that moved lately, not with the
 * size of the file. An intent is open; an outcome ended it. A record's
 * wall-clock time is its "unix" field or, in journals written before it
 * existed, its "time".
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <search.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal_file.h"
#include "journal_state.h"

#define REPLAY_BLOCK 65536
#define ERROR_MAX 2048		/* bytes of an outcome's error kept */

/* ---- reading back ------------------------------------------------------ */

/* A VM's last record so far. */
struct replay_vm {
	char *vm, *from, *to;
	bool outcome;
	enum mig_status status;
	double wall;
};

struct replay {
	void *root;		/* struct replay_vm, by vm (tsearch) */
	size_t nvms;
	char *line;		/* the line being gathered, when split */
	size_t len;
	bool overlong;		/* the line being gathered is past the max */
	size_t bad;
	double now_wall, horizon_s;
	bool nomem;
	struct journal_states states;	/* the operator's standing state */
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
	const struct replay_vm *x = a, *y = b;

	return strcmp(x->vm, y->vm);
}

static void
replay_vm_free(void *p)
{
	struct replay_vm *v = p;

	free(v->vm);
	free(v->from);
	free(v->to);
	free(v);
}

/* Makes r the VM's last record: kept, or dropped when it no longer
 * matters (an outcome past the horizon). */
static void
replay_keep(struct replay *rp, const struct replay_vm *r)
{
	struct replay_vm key = { .vm = r->vm }, **found, *v;
	char *from, *to;
	double age = rp->now_wall - r->wall;

	if (age < 0)
		age = 0;	/* a clock stepped back: count it as now */
	found = tfind(&key, &rp->root, replay_cmp);
	if (r->outcome && age >= rp->horizon_s) {
		if (found != NULL) {
			v = *found;
			tdelete(&key, &rp->root, replay_cmp);
			replay_vm_free(v);
			rp->nvms--;
		}
		return;
	}
	from = strdup(r->from);
	to = strdup(r->to);
	if (from == NULL || to == NULL)
		goto nomem;
	if (found != NULL)
		v = *found;
	else {
		if ((v = calloc(1, sizeof *v)) == NULL ||
		    (v->vm = strdup(r->vm)) == NULL) {
			free(v);
			goto nomem;
		}
		if (tsearch(v, &rp->root, replay_cmp) == NULL) {
			replay_vm_free(v);
			goto nomem;
		}
		rp->nvms++;
	}
	free(v->from);
	free(v->to);
	v->from = from;
	v->to = to;
	v->outcome = r->outcome;
	v->status = r->status;
	v->wall = r->wall;
	return;
nomem:
	free(from);
	free(to);
	rp->nomem = true;
}

/* One whole line (without its newline). */
static void
replay_line(struct replay *rp, const char *s, size_t len)
{
	struct replay_vm r;
	const char *phase, *action, *status;
	json_t *o;

	if (len > JOURNAL_LINE_MAX) {
		rp->bad++;
		return;
	}
	if (replay_blank(s, len))
		return;
	if ((o = json_loadb(s, len, 0, NULL)) == NULL) {
		rp->bad++;
		return;
	}
	memset(&r, 0, sizeof r);
	phase = json_string_value(json_object_get(o, "phase"));
	if (phase != NULL && strcmp(phase, "command") == 0) {
		if (!journal_states_keep(&rp->states, o, replay_wall(o),
		    rp->now_wall))
			rp->bad++;
		if (rp->states.nomem)
			rp->nomem = true;
		json_decref(o);
		return;
	}
	/* host recovery (issue 18): not a migration, nothing to settle */
	if (phase != NULL && (strcmp(phase, "fence") == 0 ||
	    strcmp(phase, "restart") == 0 || strcmp(phase, "retire") == 0)) {
		json_decref(o);
		return;
	}
	action = json_string_value(json_object_get(o, "action"));
	status = json_string_value(json_object_get(o, "status"));
	r.vm = (char *)json_string_value(json_object_get(o, "vm"));
	r.from = (char *)json_string_value(json_object_get(o, "from"));
	r.to = (char *)json_string_value(json_object_get(o, "to"));
	r.wall = replay_wall(o);
	if (!json_is_object(o) || phase == NULL || action == NULL ||
	    r.vm == NULL || r.from == NULL || r.to == NULL || r.wall < 0 ||
	    r.vm[0] == '\0')
		rp->bad++;
	else if (strcmp(phase, "intent") == 0)
		replay_keep(rp, &r);
	else if (strcmp(phase, "outcome") == 0 &&
	    replay_status(status, &r.status) && r.status != MIG_STARTED) {
		r.outcome = true;
		replay_keep(rp, &r);
	} else
		rp->bad++;
	json_decref(o);
}

/* The end of the line being gathered. */
static void
replay_end(struct replay *rp)
{
	if (rp->overlong)
		rp->bad++;
	else
		replay_line(rp, rp->line, rp->len);
	rp->len = 0;
	rp->overlong = false;
}

/* The next n bytes of the journal. */
static void
replay_feed(struct replay *rp, const char *buf, size_t n)
{
	while (n > 0 && !rp->nomem) {
		const char *nl = memchr(buf, '\n', n);
		size_t seg = nl != NULL ? (size_t)(nl - buf) : n;

		if (nl != NULL && rp->len == 0 && !rp->overlong)
			replay_line(rp, buf, seg);	/* whole in buf */
		else {
			if (rp->overlong || rp->len + seg > JOURNAL_LINE_MAX)
				rp->overlong = true;
			else {
				memcpy(rp->line + rp->len, buf, seg);
				rp->len += seg;
			}
			if (nl != NULL)
				replay_end(rp);
		}
		if (nl == NULL)
			break;
		buf += seg + 1;
		n -= seg + 1;
	}
}

static int
replay_init(struct replay *rp, double now_wall, double horizon_s)
{
	memset(rp, 0, sizeof *rp);
	rp->now_wall = now_wall;
	rp->horizon_s = horizon_s;
	rp->line = malloc(JOURNAL_LINE_MAX);
	return rp->line != NULL ? 0 : -1;
}

struct replay_walk {
	struct journal_past *p;
	double now_wall;
};

static void
replay_collect(const void *node, VISIT which, void *arg)
{
	struct replay_walk *w = arg;
	struct replay_vm *v = *(struct replay_vm *const *)node;
	struct journal_past_move *m;

	if (which != postorder && which != leaf)
		return;		/* in order: each node once */
	m = &w->p->moves[w->p->nmoves++];
	memset(m, 0, sizeof *m);
	m->vm = v->vm;		/* the past takes the names over */
	m->from = v->from;
	m->to = v->to;
	v->vm = v->from = v->to = NULL;
	m->open = !v->outcome;
	m->status = v->outcome ? v->status : MIG_STARTED;
	m->age_s = w->now_wall - v->wall;
	if (m->age_s < 0)
		m->age_s = 0;
	m->set_at = -1;
}

/* The past gathered, sorted by VM; rp is spent. NULL on ENOMEM. */
static struct journal_past *
replay_done(struct replay *rp)
{
	struct journal_past *p = NULL;
	struct replay_walk w;

	if (rp->len > 0 || rp->overlong)
		replay_end(rp);		/* a last line without its newline */
	if (!rp->nomem && (p = calloc(1, sizeof *p)) != NULL &&
	    (p->moves = calloc(rp->nvms + 1, sizeof *p->moves)) != NULL) {
		p->bad_lines = rp->bad;
		w.p = p;
		w.now_wall = rp->now_wall;
		twalk_r(rp->root, replay_collect, &w);
		p->state = rp->states.v;	/* the past takes them over */
		p->nstate = rp->states.n;
		rp->states.v = NULL;
		rp->states.n = 0;
	} else if (p != NULL) {
		free(p);
		p = NULL;
	}
	tdestroy(rp->root, replay_vm_free);
	journal_states_clear(&rp->states);
	free(rp->line);
	return p;
}

struct journal_past *
journal_replay_parse(const char *text, size_t len, double now_wall,
    double horizon_s)
{
	struct replay rp;

	if (replay_init(&rp, now_wall, horizon_s) != 0)
		return NULL;
	replay_feed(&rp, text, len);
	return replay_done(&rp);
}

/* The journal open on fd, from its start, whatever its offset. */
static struct journal_past *
replay_fd(int fd, const char *path, double now_wall, double horizon_s,
    struct diag *d)
{
	struct journal_past *p;
	struct replay rp;
	char *buf = malloc(REPLAY_BLOCK);
	off_t off = 0;
	ssize_t n;

	if (buf == NULL || replay_init(&rp, now_wall, horizon_s) != 0) {
		free(buf);
		diag_set(d, path, 0, 0, "out of memory");
		return NULL;
	}
	while ((n = pread(fd, buf, REPLAY_BLOCK, off)) != 0 && !rp.nomem) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_set(d, path, 0, 0, "cannot read the journal: %s",
			    strerror(errno));
			free(buf);
			journal_past_free(replay_done(&rp));
			return NULL;
		}
		replay_feed(&rp, buf, (size_t)n);
		off += n;
	}
	free(buf);
	if ((p = replay_done(&rp)) == NULL)
		diag_set(d, path, 0, 0, "out of memory");
	return p;
}

static const char *
journal_file_kind(mode_t m)
{
	return S_ISLNK(m) ? "a symbolic link" : S_ISFIFO(m) ? "a FIFO" :
	    S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket" :
	    S_ISCHR(m) || S_ISBLK(m) ? "a device" : "no regular file";
}

struct journal_past *
journal_replay_read(const char *path, double now_wall, double horizon_s,
    struct diag *d)
{
	struct journal_past *p;
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return journal_replay_parse("", 0, now_wall, horizon_s);
	if (fd < 0 && errno == ELOOP) {
		diag_set(d, path, 0, 0,
		    "cannot read the journal: it is a symbolic link");
		return NULL;
	}
	if (fd < 0) {
		diag_set(d, path, 0, 0, "cannot read the journal: %s",
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		diag_set(d, path, 0, 0, "cannot read the journal: %s",
		    strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_set(d, path, 0, 0,
		    "cannot read the journal: it is %s, not a regular file",
		    journal_file_kind(st.st_mode));
		close(fd);
		return NULL;
	}
	p = replay_fd(fd, path, now_wall, horizon_s, d);
	close(fd);
	return p;
}

void
journal_past_drop_moves(struct journal_past *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nmoves; i++) {
		free(p->moves[i].vm);
		free(p->moves[i].from);
		free(p->moves[i].to);
	}
	p->nmoves = 0;
}

void
journal_past_free(struct journal_past *p)
{
	size_t i;

	if (p == NULL)
		return;
	journal_past_drop_moves(p);
	free(p->moves);
	for (i = 0; i < p->nstate; i++) {
		free(p->state[i].host);
		free(p->state[i].service);
		free(p->state[i].backend);
		free(p->state[i].mode);
		free(p->state[i].who);
	}
	free(p->state);
	free(p);
}

/* ---- writing ----------------------------------------------------------- */

struct journal_file {
	int fd;
	char *path;
	struct journal_past *past;	/* read at the start, or NULL */
};

/* s as a JSON string into o; -1 when it is no UTF-8. */
static int
journal_set_string(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, json_string(s));
}

/* The error of an outcome, cut to ERROR_MAX bytes at a character. */
static int
journal_set_error(json_t *o, const char *s)
{
	size_t len = strlen(s);

	if (len > ERROR_MAX) {
		len = ERROR_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if (json_object_set_new(o, "error", json_stringn(s, len)) == 0)
		return 0;
	return json_object_set_new(o, "error",
	    json_string("(an error that is no UTF-8)"));
}

/* An operator command's arguments: those it has. */
static int
journal_command_args(json_t *o, const struct journal_entry *e)
{
	const char *keys[] = { "vm", "to", "host", "service", "backend",
	    "mode" };
	const char *vals[] = { e->vm, e->to, e->host, e->service, e->backend,
	    e->mode };
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (vals[i] != NULL)
			bad |= journal_set_string(o, keys[i], vals[i]);
	if (strcmp(e->action, "maintenance") == 0 ||
	    strcmp(e->action, "drain") == 0)
		bad |= json_object_set_new(o, "on", json_boolean(e->on));
	if (strcmp(e->action, "maintenance") == 0 ||
	    strcmp(e->action, "mode") == 0)
		bad |= json_object_set_new(o, "config_was",
		    json_integer(e->config_was));
	return bad;
}

/* The record as one line, newline included (and one before it when
 * nl_first); NULL and d when it cannot be. */
static char *
journal_file_line(const struct journal_file *jf, const struct journal_entry *e,
    bool nl_first, size_t *len, struct diag *d)
{
	char when[32], *s, *line;
	struct timespec ts;
	struct tm tm;
	json_t *o = json_object();
	int bad = o == NULL;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	bad |= journal_set_string(o, "time", when);
	bad |= json_object_set_new(o, "unix", json_real((double)ts.tv_sec +
	    (double)(ts.tv_nsec / 1000000) / 1000.0));
	bad |= json_object_set_new(o, "ts",
	    json_real((double)(long long)(e->ts * 100) / 100));
	bad |= journal_set_string(o, "phase", e->phase != NULL ? e->phase :
	    e->command ? "command" : e->outcome ? "outcome" : "intent");
	bad |= journal_set_string(o, "who", e->who);
	bad |= journal_set_string(o, "action", e->action);
	if (e->phase != NULL) {
		const char *keys[] = { "host", "vm", "from", "to", "status" };
		const char *vals[] = { e->host, e->vm, e->from, e->to,
			e->rec_status };
		size_t i;

		for (i = 0; i < 5; i++)
			if (vals[i] != NULL)
				bad |= journal_set_string(o, keys[i], vals[i]);
		if (e->outcome)
			bad |= json_object_set_new(o, "duration_s",
			    json_real((double)(long long)(e->duration_s * 100) /
			    100));
		if (e->error != NULL)
			bad |= journal_set_error(o, e->error);
	} else if (e->command)
		bad |= journal_command_args(o, e);
	else {
		bad |= journal_set_string(o, "vm", e->vm);
		bad |= journal_set_string(o, "from", e->from);
		bad |= journal_set_string(o, "to", e->to);
	}
	if (e->outcome && !e->command && e->phase == NULL) {
		bad |= journal_set_string(o, "status",
		    mig_status_name(e->status));
		bad |= json_object_set_new(o, "duration_s",
		    json_real((double)(long long)(e->duration_s * 100) / 100));
		if (e->error != NULL)
			bad |= journal_set_error(o, e->error);
		if (e->stats.downtime_ms >= 0)
			bad |= json_object_set_new(o, "downtime_ms",
			    json_real(round(e->stats.downtime_ms * 100) / 100));
		if (e->stats.transferred_mib >= 0)
			bad |= json_object_set_new(o, "transferred_mib",
			    json_real(round(e->stats.transferred_mib * 100) /
			    100));
		if (e->stats.rate_mibps >= 0)
			bad |= json_object_set_new(o, "rate_mibps",
			    json_real(round(e->stats.rate_mibps * 100) / 100));
	}
	s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (s == NULL) {
		diag_set(d, jf->path, 0, 0,
		    "cannot write the journal: a name that is no UTF-8, or out of memory");
		return NULL;
	}
	n = strlen(s);
	if (n > JOURNAL_LINE_MAX) {
		diag_set(d, jf->path, 0, 0,
		    "cannot write the journal: a record of %zu bytes (over %d): names too long",
		    n, JOURNAL_LINE_MAX);
		free(s);
		return NULL;
	}
	if ((line = malloc(n + 2)) == NULL) {
		free(s);
		diag_set(d, jf->path, 0, 0, "cannot write the journal: out of memory");
		return NULL;
	}
	line[0] = '\n';
	memcpy(line + nl_first, s, n);
	line[nl_first + n] = '\n';
	*len = nl_first + n + 1;
	free(s);
	return line;
}

/* Cuts the journal back to size after a record that did not go whole. */
static void
journal_file_cut(struct journal_file *jf, off_t size, const char *why,
    struct diag *d)
{
	if (ftruncate(jf->fd, size) == 0)
		diag_set(d, jf->path, 0, 0,
		    "cannot write the journal: %s; the record is not in it",
		    why);
	else
		diag_set(d, jf->path, 0, 0,
		    "cannot write the journal: %s; and it cannot be cut back to %lld bytes: %s",
		    why, (long long)size, strerror(errno));
}

static int
journal_file_record(void *impl, const struct journal_entry *e,
    struct diag *d)
{
	struct journal_file *jf = impl;
	struct stat st;
	char last = '\n', why[160], *line;
	bool nl_first;
	size_t len;
	ssize_t n;

	if (fstat(jf->fd, &st) != 0) {
		diag_set(d, jf->path, 0, 0, "cannot write the journal: %s",
		    strerror(errno));
		return -1;
	}
	/* after a torn line, a line of its own */
	nl_first = st.st_size > 0 &&
	    (pread(jf->fd, &last, 1, st.st_size - 1) != 1 || last != '\n');
	if ((line = journal_file_line(jf, e, nl_first, &len, d)) == NULL)
		return -1;
	n = write(jf->fd, line, len);
	free(line);
	if (n < 0) {
		snprintf(why, sizeof why, "%s", strerror(errno));
		journal_file_cut(jf, st.st_size, why, d);
		return -1;
	}
	if ((size_t)n != len) {
		snprintf(why, sizeof why,
		    "short write, %zd of %zu bytes (the disk or the file size limit is full)",
		    n, len);
		journal_file_cut(jf, st.st_size, why, d);
		return -1;
	}
	if (fdatasync(jf->fd) != 0) {
		snprintf(why, sizeof why, "fdatasync: %s", strerror(errno));
		journal_file_cut(jf, st.st_size, why, d);
		return -1;
	}
	return 0;
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

/* Opens path as a journal may be: a regular file of this user's (or
 * root's) that nobody else can write. The descriptor, or -1 and d. */
static int
journal_file_open(const char *path, struct diag *d)
{
	struct stat st;
	int fd, err, fl;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK, 0640);
	if (fd < 0) {
		err = errno;
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
			diag_set(d, path, 0, 0,
			    "cannot open the journal: it is %s, not a regular file",
			    journal_file_kind(st.st_mode));
		else
			diag_set(d, path, 0, 0, "cannot open the journal: %s",
			    strerror(err));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		diag_set(d, path, 0, 0, "cannot open the journal: %s",
		    strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		diag_set(d, path, 0, 0,
		    "cannot open the journal: it is %s, not a regular file",
		    journal_file_kind(st.st_mode));
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		diag_set(d, path, 0, 0,
		    "cannot open the journal: it belongs to uid %u, neither this user (uid %u) nor root",
		    (unsigned)st.st_uid, (unsigned)geteuid());
	} else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		diag_set(d, path, 0, 0,
		    "cannot open the journal: others may write it (mode %04o; chmod go-w it)",
		    (unsigned)(st.st_mode & 07777));
	} else if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		diag_set(d, path, 0, 0, "cannot open the journal: %s",
		    strerror(errno));
	} else
		return fd;
	close(fd);
	return -1;
}

int
journal_file_init(struct journal *j, const char *path, struct diag *d)
{
	struct journal_file *jf = calloc(1, sizeof *jf);
	char *dir = strdup(path);

	if (jf == NULL || dir == NULL || (jf->path = strdup(path)) == NULL) {
		free(jf);
		free(dir);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	mkdir(dirname(dir), 0750);	/* one level, like /var/lib/vmbal */
	free(dir);
	if ((jf->fd = journal_file_open(path, d)) < 0) {
		free(jf->path);
		free(jf);
		return -1;
	}
	j->ops = &journal_file_ops;
	j->impl = jf;
	return 0;
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
	/* the file opened and checked, not whatever the path names now */
	jf->past = replay_fd(jf->fd, jf->path, (double)ts.tv_sec +
	    (double)ts.tv_nsec / 1e9, horizon_s, d);
	return jf->past != NULL ? 0 : -1;
}
