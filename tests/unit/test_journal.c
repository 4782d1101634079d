/*
 * test_journal.c - the action journal read back (restart safety): each
 * VM's last move, open intents, recent outcomes within the horizon, old
 * ones dropped, torn and foreign lines skipped, the "time" field of older
 * journals; and a journal written by journal_file_record read back.
 * Hardening (issue 11): a symlink, a FIFO or a file others may write is
 * refused; a record that does not go whole leaves the file as it was;
 * names of any length; a big journal read in bounded memory; and the
 * controller starts nothing while the journal cannot be written.
 */
#include "tap.h"
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../actions/journal_file.h"
#include "journal_gen.h"

#define NOW 1800000000.0

static int
record(struct journal *j, const struct journal_entry *e, struct diag *d)
{
	return j->ops->record(j->impl, e, d);
}

static const struct journal_past_move *
find(const struct journal_past *p, const char *vm)
{
	size_t i;

	for (i = 0; i < p->nmoves; i++)
		if (strcmp(p->moves[i].vm, vm) == 0)
			return &p->moves[i];
	return NULL;
}

static struct journal_past *
parse(const char *text, double horizon)
{
	struct journal_past *p = journal_replay_parse(text, strlen(text), NOW,
	    horizon);

	assert_non_null(p);
	return p;
}

#define REC(phase, vm, from, to, unix, extra) \
	"{\"time\":\"x\",\"unix\":" #unix ",\"ts\":1,\"phase\":\"" phase \
	"\",\"who\":\"auto\",\"action\":\"migrate\",\"vm\":\"" vm \
	"\",\"from\":\"" from "\",\"to\":\"" to "\"" extra "}\n"

static void
test_empty(void **state)
{
	struct journal_past *p = parse("", 300);

	(void)state;
	assert_int_equal(p->nmoves, 0);
	assert_int_equal(p->bad_lines, 0);
	journal_past_free(p);
}

static void
test_open_intent(void **state)
{
	struct journal_past *p = parse(
	    REC("intent", "a", "h1", "h2", 1799999990.5, "")
	    REC("intent", "b", "h1", "h3", 1799999000, "")
	    REC("outcome", "b", "h1", "h3", 1799999002, ",\"status\":\"done\""),
	    300);
	const struct journal_past_move *a = find(p, "a");

	(void)state;
	assert_non_null(a);
	assert_true(a->open);
	assert_string_equal(a->from, "h1");
	assert_string_equal(a->to, "h2");
	assert_near(a->age_s, 9.5, 1e-6);
	assert_false(a->settled);
	assert_null(find(p, "b"));	/* ended 998 s ago: past the horizon */
	assert_int_equal(p->nmoves, 1);
	journal_past_free(p);
}

static void
test_recent_outcomes(void **state)
{
	struct journal_past *p = parse(
	    REC("intent", "a", "h1", "h2", 1799999900, "")
	    REC("outcome", "a", "h1", "h2", 1799999903, ",\"status\":\"done\",\"duration_s\":3")
	    REC("intent", "c", "h1", "h3", 1799999950, "")
	    REC("outcome", "c", "h1", "h3", 1799999951, ",\"status\":\"failed\",\"error\":\"x\"")
	    REC("intent", "d", "h2", "h3", 1799999960, "")
	    REC("outcome", "d", "h2", "h3", 1799999961, ",\"status\":\"aborted\""),
	    300);
	const struct journal_past_move *a = find(p, "a"), *c = find(p, "c"),
	    *d = find(p, "d");

	(void)state;
	assert_int_equal(p->nmoves, 3);
	assert_non_null(a);
	assert_false(a->open);
	assert_int_equal(a->status, MIG_DONE);
	assert_near(a->age_s, 97, 1e-6);	/* from the outcome */
	assert_non_null(c);
	assert_int_equal(c->status, MIG_FAILED);
	assert_non_null(d);
	assert_int_equal(d->status, MIG_ABORTED);
	journal_past_free(p);
}

/* Only a VM's last record counts: a later intent reopens it, a later
 * outcome closes the open one (e.g. one written by "recovery"). */
static void
test_last_record_wins(void **state)
{
	struct journal_past *p = parse(
	    REC("intent", "a", "h1", "h2", 1799999000, "")
	    REC("outcome", "a", "h1", "h2", 1799999001, ",\"status\":\"done\"")
	    REC("intent", "b", "h1", "h2", 1799999100, "")
	    REC("intent", "a", "h2", "h3", 1799999990, "")
	    REC("outcome", "b", "h1", "h2", 1799999995, ",\"status\":\"failed\"")
	    , 300);
	const struct journal_past_move *a = find(p, "a"), *b = find(p, "b");

	(void)state;
	assert_non_null(a);
	assert_true(a->open);
	assert_string_equal(a->from, "h2");
	assert_string_equal(a->to, "h3");
	assert_non_null(b);
	assert_false(b->open);
	assert_int_equal(b->status, MIG_FAILED);
	assert_near(b->age_s, 5, 1e-6);
	journal_past_free(p);
}

/* A crash may tear the last line; other lines are not journal records. */
static void
test_bad_lines(void **state)
{
	struct journal_past *p = parse(
	    REC("intent", "a", "h1", "h2", 1799999990, "")
	    "\n   \n"
	    "not json\n"
	    "[1,2]\n"
	    "{\"phase\":\"intent\",\"action\":\"migrate\",\"vm\":\"x\"}\n"
	    "{\"phase\":\"outcome\",\"action\":\"migrate\",\"vm\":\"a\",\"from\":\"h1\",\"to\":\"h2\",\"unix\":1799999999,\"status\":\"bogus\"}\n"
	    "{\"time\":\"2027-01-15T08:00:00Z\",\"phase\":\"outc", 300);
	const struct journal_past_move *a = find(p, "a");

	(void)state;
	assert_int_equal(p->bad_lines, 5);
	assert_non_null(a);
	assert_true(a->open);
	assert_int_equal(p->nmoves, 1);
	journal_past_free(p);
}

/* Journals written before "unix" existed: "time", UTC, to the second. */
static void
test_time_field(void **state)
{
	/* 1800000000 = 2027-01-15T08:00:00Z */
	struct journal_past *p = parse(
	    "{\"time\":\"2027-01-15T07:59:00Z\",\"ts\":3,\"phase\":\"intent\","
	    "\"who\":\"auto\",\"action\":\"migrate\",\"vm\":\"old\",\"from\":\"h1\","
	    "\"to\":\"h2\"}\n", 300);
	const struct journal_past_move *m = find(p, "old");

	(void)state;
	assert_non_null(m);
	assert_near(m->age_s, 60, 1e-6);
	journal_past_free(p);
}

/* What journal_file_record writes, journal_file_load_past reads. */
static void
test_round_trip(void **state)
{
	char path[] = "/tmp/vmbal-test-journal-XXXXXX";
	struct journal j;
	struct journal_entry e;
	struct journal_past *p;
	struct diag d;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(journal_file_init(&j, path, &d), 0);
	memset(&e, 0, sizeof e);
	e.ts = 1.5;
	e.who = "auto";
	e.action = "migrate";
	e.vm = "web1";
	e.from = "h1";
	e.to = "h2";
	assert_int_equal(record(&j, &e, &d), 0);
	e.vm = "web2";
	assert_int_equal(record(&j, &e, &d), 0);
	e.outcome = true;
	e.status = MIG_DONE;
	e.duration_s = 2.5;
	assert_int_equal(record(&j, &e, &d), 0);
	assert_null(j.ops->past(j.impl));	/* not read back yet */
	assert_int_equal(journal_file_load_past(&j, 300, &d), 0);
	p = j.ops->past(j.impl);
	assert_non_null(p);
	assert_int_equal(p->nmoves, 2);
	assert_true(find(p, "web1")->open);
	assert_false(find(p, "web2")->open);
	assert_int_equal(find(p, "web2")->status, MIG_DONE);
	assert_true(find(p, "web2")->age_s < 5);
	assert_int_equal(p->bad_lines, 0);
	j.ops->free(j.impl);
	unlink(path);
	/* a journal that does not exist yet is an empty past */
	p = journal_replay_read(path, NOW, 300, &d);
	assert_non_null(p);
	assert_int_equal(p->nmoves, 0);
	journal_past_free(p);
}

/* ---- opening: what the path names must be a file of ours ---------------- */

struct tmpdir {
	char dir[64], path[128];
};

static void
tmpdir_new(struct tmpdir *t)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/vmbal-test-journal-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/journal.jsonl", t->dir);
}

static void
tmpdir_free(struct tmpdir *t)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void
entry(struct journal_entry *e, const char *vm, bool outcome)
{
	memset(e, 0, sizeof *e);
	e->ts = 1.5;
	e->who = "auto";
	e->action = "migrate";
	e->vm = vm;
	e->from = "h1";
	e->to = "h2";
	e->outcome = outcome;
	e->status = outcome ? MIG_DONE : MIG_STARTED;
}

/* A symbolic link at the journal's path is refused, not followed. */
static void
test_symlink_refused(void **state)
{
	struct tmpdir t;
	struct journal j;
	struct diag d;
	char target[160];

	(void)state;
	tmpdir_new(&t);
	snprintf(target, sizeof target, "%s/victim", t.dir);
	close(open(target, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(symlink(target, t.path), 0);
	diag_clear(&d);
	assert_int_equal(journal_file_init(&j, t.path, &d), -1);
	print_message("# %s\n", d.msg);
	assert_non_null(strstr(d.msg, "symbolic link"));
	assert_int_equal(file_size(target), 0);
	/* a dangling one is not created through either */
	unlink(target);
	assert_int_equal(journal_file_init(&j, t.path, &d), -1);
	assert_int_equal(file_size(target), -1);
	tmpdir_free(&t);
}

/* A FIFO is refused at once: opening it never waits for a reader. */
static void
test_fifo_refused(void **state)
{
	struct tmpdir t;
	pid_t pid;
	int st;

	(void)state;
	tmpdir_new(&t);
	assert_int_equal(mkfifo(t.path, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal j;
		struct diag d;

		alarm(5);	/* blocked in open: killed, the test fails */
		diag_clear(&d);
		_exit(journal_file_init(&j, t.path, &d) == -1 &&
		    strstr(d.msg, "FIFO") != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));	/* not killed by the alarm */
	assert_int_equal(WEXITSTATUS(st), 0);
	tmpdir_free(&t);
}

/* A file others may write, or another user's, is refused. */
static void
test_foreign_file_refused(void **state)
{
	struct tmpdir t;
	struct journal j;
	struct diag d;

	(void)state;
	tmpdir_new(&t);
	close(open(t.path, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(chmod(t.path, 0662), 0);
	assert_int_equal(journal_file_init(&j, t.path, &d), -1);
	print_message("# %s\n", d.msg);
	assert_non_null(strstr(d.msg, "others may write"));
	assert_int_equal(chmod(t.path, 0640), 0);
	if (geteuid() == 0) {	/* only root can give a file away */
		assert_int_equal(chown(t.path, 65534, 65534), 0);
		assert_int_equal(journal_file_init(&j, t.path, &d), -1);
		print_message("# %s\n", d.msg);
		assert_non_null(strstr(d.msg, "uid 65534"));
		assert_int_equal(chown(t.path, 0, 0), 0);
	}
	/* and a file of ours, 0640, is fine */
	assert_int_equal(journal_file_init(&j, t.path, &d), 0);
	j.ops->free(j.impl);
	tmpdir_free(&t);
}

/* ---- writing: each record whole or not at all --------------------------- */

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = file_size(path);
	char *s;

	assert_non_null(f);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void
fsize_limit(rlim_t soft)
{
	struct rlimit rl;

	fflush(stdout);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = soft;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* After test_short_write, however it ended: no limit. */
static int
fsize_unlimit(void **state)
{
	(void)state;
	fsize_limit(RLIM_INFINITY);
	signal(SIGXFSZ, SIG_DFL);
	return 0;
}

/*
 * A full disk, as a file size limit (SIGXFSZ ignored): a record that goes
 * in part is cut off again, the file is as it was, the error says why;
 * the next good record is on a line of its own and is read back.
 */
static void
test_short_write(void **state)
{
	struct tmpdir t;
	struct journal j;
	struct journal_entry e;
	struct journal_past *p;
	struct diag d;
	char *before, *after, msg1[512], msg2[512];
	long size;

	(void)state;
	tmpdir_new(&t);
	assert_int_equal(journal_file_init(&j, t.path, &d), 0);
	entry(&e, "web1", false);
	assert_int_equal(record(&j, &e, &d), 0);
	before = slurp(t.path);
	size = file_size(t.path);
	signal(SIGXFSZ, SIG_IGN);
	/* room for 20 bytes of the record: a short write */
	fsize_limit((rlim_t)size + 20);
	entry(&e, "web2", false);
	diag_clear(&d);
	assert_int_equal(record(&j, &e, &d), -1);
	after = slurp(t.path);
	assert_string_equal(after, before);
	free(after);
	snprintf(msg1, sizeof msg1, "%s", d.msg);	/* said once the limit
							 * is gone: stdout may
							 * be a file */
	assert_non_null(strstr(d.msg, "short write"));
	/* no room at all: write fails, with errno's text */
	fsize_limit((rlim_t)size);
	diag_clear(&d);
	assert_int_equal(record(&j, &e, &d), -1);
	after = slurp(t.path);
	assert_string_equal(after, before);
	free(after);
	snprintf(msg2, sizeof msg2, "%s", d.msg);
	assert_non_null(strstr(d.msg, strerror(EFBIG)));
	fsize_limit(RLIM_INFINITY);
	signal(SIGXFSZ, SIG_DFL);
	print_message("# %s\n# %s\n", msg1, msg2);
	/* room again: the next record is whole and read back */
	entry(&e, "web3", false);
	assert_int_equal(record(&j, &e, &d), 0);
	assert_int_equal(journal_file_load_past(&j, 300, &d), 0);
	p = j.ops->past(j.impl);
	assert_int_equal(p->bad_lines, 0);
	assert_int_equal(p->nmoves, 2);
	assert_non_null(find(p, "web1"));
	assert_null(find(p, "web2"));
	assert_non_null(find(p, "web3"));
	j.ops->free(j.impl);
	free(before);
	tmpdir_free(&t);
}

/* A line torn before this run (a crash): the next record is not glued
 * to it, it starts a line of its own. */
static void
test_after_torn_line(void **state)
{
	struct tmpdir t;
	struct journal j;
	struct journal_entry e;
	struct journal_past *p;
	struct diag d;
	FILE *f;

	(void)state;
	tmpdir_new(&t);
	f = fopen(t.path, "w");
	assert_non_null(f);
	fputs(REC("intent", "old", "h1", "h2", 1799999990, ""), f);
	fputs("{\"time\":\"2027-01-15T08:00:00Z\",\"phase\":\"outc", f);
	fclose(f);
	chmod(t.path, 0640);
	assert_int_equal(journal_file_init(&j, t.path, &d), 0);
	entry(&e, "web1", false);
	assert_int_equal(record(&j, &e, &d), 0);
	assert_int_equal(journal_file_load_past(&j, 300, &d), 0);
	p = j.ops->past(j.impl);
	assert_int_equal(p->bad_lines, 1);	/* the torn line only */
	assert_non_null(find(p, "web1"));
	assert_non_null(find(p, "old"));
	j.ops->free(j.impl);
	tmpdir_free(&t);
}

/* ---- names of any length -------------------------------------------------- */

static char *
long_name(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A 4,000-byte VM name and 300-byte host names are written and read
 * back whole; of two names alike in their first 255 bytes, each is
 * itself. A line past JOURNAL_LINE_MAX is bad, and the next one read. */
static void
test_long_names(void **state)
{
	struct tmpdir t;
	struct journal j;
	struct journal_entry e;
	struct journal_past *p;
	struct diag d;
	char *vm = long_name('v', 4000), *from = long_name('f', 300),
	    *to = long_name('t', 300), *p255 = long_name('p', 257), *huge,
	    *text;
	const struct journal_past_move *m;
	size_t n;

	(void)state;
	tmpdir_new(&t);
	assert_int_equal(journal_file_init(&j, t.path, &d), 0);
	entry(&e, vm, false);
	e.from = from;
	e.to = to;
	assert_int_equal(record(&j, &e, &d), 0);
	p255[255] = '\0';		/* p x 255: ended */
	entry(&e, p255, true);
	assert_int_equal(record(&j, &e, &d), 0);
	p255[255] = 'z';		/* p x 255 zz: open */
	entry(&e, p255, false);
	assert_int_equal(record(&j, &e, &d), 0);
	assert_int_equal(journal_file_load_past(&j, 300, &d), 0);
	p = j.ops->past(j.impl);
	assert_int_equal(p->nmoves, 3);
	m = find(p, vm);
	assert_non_null(m);
	assert_true(m->open);
	assert_string_equal(m->from, from);
	assert_string_equal(m->to, to);
	m = find(p, p255);
	assert_non_null(m);
	assert_true(m->open);
	p255[255] = '\0';
	m = find(p, p255);
	assert_non_null(m);
	assert_false(m->open);
	/* a record past the longest line is not written at all */
	huge = long_name('h', JOURNAL_LINE_MAX);
	n = (size_t)file_size(t.path);
	entry(&e, huge, false);
	assert_int_equal(record(&j, &e, &d), -1);
	print_message("# %s\n", d.msg);
	assert_int_equal(file_size(t.path), (long)n);
	j.ops->free(j.impl);
	/* an overlong line is bad, not read; the next line is */
	text = malloc(3 * JOURNAL_LINE_MAX);
	assert_non_null(text);
	snprintf(text, 3 * JOURNAL_LINE_MAX, "{\"vm\":\"%s%s\"}\n%s", huge,
	    huge, REC("intent", "a", "h1", "h2", 1799999990, ""));
	p = parse(text, 300);
	assert_int_equal(p->bad_lines, 1);
	assert_non_null(find(p, "a"));
	journal_past_free(p);
	free(text);
	free(huge);
	free(vm);
	free(from);
	free(to);
	free(p255);
	tmpdir_free(&t);
}

/* ---- a big journal, bounded memory --------------------------------------- */

/* The reader's peak resident size (KiB) on a journal of mb MiB, in a
 * child process of its own; -1 when it failed. */
static long
read_peak_kib(const char *dir, int mb)
{
	char path[160];
	int fds[2], st;
	long kib = -1;
	pid_t pid;
	FILE *f;

	snprintf(path, sizeof path, "%s/big-%d.jsonl", dir, mb);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(journal_gen_write(f, (size_t)mb << 20, NOW, 1000) > 0);
	fclose(f);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage ru;
		struct journal_past *p;
		struct diag d;
		long before;

		getrusage(RUSAGE_SELF, &ru);
		before = ru.ru_maxrss;
		p = journal_replay_read(path, NOW, 300, &d);
		getrusage(RUSAGE_SELF, &ru);
		kib = p != NULL && p->nmoves > 100 && p->bad_lines == 0 ?
		    ru.ru_maxrss - before : -1;
		_exit(write(fds[1], &kib, sizeof kib) == sizeof kib ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &kib, sizeof kib), (ssize_t)sizeof kib);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	unlink(path);
	return kib;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

/* A journal of 100 MiB is read at start in about the memory of one of
 * 1 MiB: what restart needs (each VM's last move), not the file. */
static void
test_big_journal_memory(void **state)
{
	struct tmpdir t;
	long small, big;

	(void)state;
	if (UNDER_ASAN) {	/* its quarantine keeps what was freed */
		print_message("# not measured under AddressSanitizer (build/tests/test_journal measures it)\n");
		return;
	}
	tmpdir_new(&t);
	small = read_peak_kib(t.dir, 1);
	big = read_peak_kib(t.dir, 100);
	print_message("# peak while reading: 1 MiB +%ld KiB, 100 MiB +%ld KiB\n",
	    small, big);
	assert_true(small >= 0);
	assert_true(big >= 0);
	assert_true(big <= 2 * small + 4096);
	tmpdir_free(&t);
}

/* ---- the controller while the journal cannot be written ------------------ */

/* A journal in memory that fails while told to. */
struct fake_journal {
	double now;			/* the run time, set by the test */
	double fail_until;		/* every record fails before it */
	double outcomes_fail_until;	/* outcomes fail before it */
	int attempts, failures;
	char log[64][48];		/* "intent c", "outcome c done" */
	int nlog;
};

static int
fake_record(void *impl, const struct journal_entry *e, struct diag *d)
{
	struct fake_journal *f = impl;

	f->attempts++;
	if (f->now < f->fail_until ||
	    (e->outcome && f->now < f->outcomes_fail_until)) {
		f->failures++;
		diag_set(d, "fake.jsonl", 0, 0,
		    "cannot write the journal: %s", strerror(ENOSPC));
		return -1;
	}
	if (f->nlog < 64)
		snprintf(f->log[f->nlog++], sizeof f->log[0], "%s %s%s%s",
		    e->outcome ? "outcome" : "intent", e->vm,
		    e->outcome ? " " : "",
		    e->outcome ? mig_status_name(e->status) : "");
	return 0;
}

static void
fake_free(void *impl)
{
	(void)impl;
}

static const struct journal_ops fake_ops = {
	.record = fake_record,
	.free = fake_free,
};

struct ctl_run {
	struct captured cap;
	int errors;
	double first_error, mig_ts[8];
	int nmig;
	char last_error[1024];
};

static void
ctl_sink(void *arg, const struct event *ev)
{
	struct ctl_run *r = arg;

	helpers_sink(&r->cap, ev);
	if (ev->type == EV_ERROR) {
		if (r->errors++ == 0)
			r->first_error = ev->ts;
		snprintf(r->last_error, sizeof r->last_error, "%s",
		    ev->u.error.message);
		print_message("# error at %.1f: %s\n", ev->ts,
		    ev->u.error.message);
	}
	if (ev->type == EV_MIGRATION && r->nmig < 8)
		r->mig_ts[r->nmig++] = ev->ts;
}

/* Two VMs to move off a host in maintenance, one at a time. */
static const char *const evac_yaml =
	"hosts: [{name: h1, cpus: 4}, {name: h2, cpus: 4}, {name: h3, cpus: 4}]\n"
	"vms:\n"
	"  - {name: a, host: h1, load: 50}\n"
	"  - {name: b, host: h2, load: 50}\n"
	"  - {name: c, host: h3, load: 50}\n"
	"  - {name: d, host: h3, load: 50}\n"
	"maintenance: [h3]\n"
	"policy: {mode: auto}\n";

static void
ctl_run(struct fake_journal *fj, double duration, struct ctl_run *out)
{
	struct config *cfg = helpers_scenario(evac_yaml);
	struct event_sink sink = { ctl_sink, out };
	struct journal j = { &fake_ops, fj };
	struct controller_opts opts = { .journal = &j };
	struct controller *ctl;
	struct probe probe;
	struct action action;
	struct sim *sim;
	double next;

	assert_non_null(cfg);
	memset(out, 0, sizeof *out);
	sim = sim_new(cfg);
	assert_non_null(sim);
	assert_int_equal(sim_probe_init(&probe, sim), 0);
	sim_action_init(&action, sim);
	ctl = controller_new(cfg, &cfg->policy, &probe, &action, &sink, &opts);
	assert_non_null(ctl);
	fj->now = 0;
	controller_run(ctl, 0);
	while ((next = controller_next_due(ctl)) <= duration + 1e-9) {
		sim_advance(sim, next);
		fj->now = next;
		controller_run(ctl, next);
	}
	controller_free(ctl);
	probe.ops->free(probe.impl);
	action.ops->free(action.impl);
	sim_free(sim);
	config_free(cfg);
}

/* Where the fake journal's log has s; -1 when it has not. */
static int
logged(const struct fake_journal *f, const char *s)
{
	int i;

	for (i = 0; i < f->nlog; i++)
		if (strcmp(f->log[i], s) == 0)
			return i;
	return -1;
}

/* An intent that cannot be written: the migration does not start, one
 * error says why, the journal is tried again now and then (not every
 * tick), and the moves are made once it can be written. */
static void
test_controller_intent_fails(void **state)
{
	struct fake_journal fj = { .fail_until = 400 };
	struct ctl_run *r = calloc(1, sizeof *r);
	int i;

	(void)state;
	assert_non_null(r);
	ctl_run(&fj, 1200, r);
	print_message("# %d records tried, %d failed; %d errors; %d started\n",
	    fj.attempts, fj.failures, r->errors, r->cap.started);
	assert_true(fj.failures >= 1);
	assert_int_equal(r->errors, 1);
	assert_non_null(strstr(r->last_error, "not migrating"));
	assert_non_null(strstr(r->last_error, strerror(ENOSPC)));
	for (i = 0; i < r->cap.nmigs; i++)
		assert_true(r->cap.migs[i].ts >= 400);	/* none before */
	/* tried again every few seconds, not at every wake-up */
	assert_true(fj.failures <= 400 / 5 + 2);
	assert_int_equal(r->cap.done, 2);
	assert_int_equal(r->cap.failed, 0);
	assert_true(logged(&fj, "intent c") >= 0 || logged(&fj, "intent d") >= 0);
	free(r);
}

/* An outcome that cannot be written: an error says so, it is kept and
 * written later, and the next migration waits for it. */
static void
test_controller_outcome_fails(void **state)
{
	struct fake_journal fj = { .outcomes_fail_until = 300 };
	struct ctl_run *r = calloc(1, sizeof *r);
	const char *first, *second;
	char a[48], b[48], c[48];

	(void)state;
	assert_non_null(r);
	ctl_run(&fj, 1200, r);
	print_message("# %d records tried, %d failed; %d errors; %d started\n",
	    fj.attempts, fj.failures, r->errors, r->cap.started);
	assert_int_equal(r->cap.done, 2);
	assert_true(r->cap.nmigs >= 4);
	assert_true(r->mig_ts[1] < 300);	/* the first ended early */
	assert_true(r->mig_ts[2] >= 300);	/* the second waited */
	assert_int_equal(r->errors, 1);
	assert_non_null(strstr(r->last_error, "kept"));
	assert_true(fj.failures <= 300 / 5 + 2);
	/* in the journal: the first move's outcome before the second's intent */
	first = r->cap.migs[0].vm;
	second = r->cap.migs[2].vm;
	snprintf(a, sizeof a, "intent %s", first);
	snprintf(b, sizeof b, "outcome %s done", first);
	snprintf(c, sizeof c, "intent %s", second);
	assert_true(logged(&fj, a) >= 0);
	assert_true(logged(&fj, b) > logged(&fj, a));
	assert_true(logged(&fj, c) > logged(&fj, b));
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_open_intent),
		cmocka_unit_test(test_recent_outcomes),
		cmocka_unit_test(test_last_record_wins),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_time_field),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_symlink_refused),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_foreign_file_refused),
		cmocka_unit_test_teardown(test_short_write, fsize_unlimit),
		cmocka_unit_test(test_after_torn_line),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_big_journal_memory),
		cmocka_unit_test(test_controller_intent_fails),
		cmocka_unit_test(test_controller_outcome_fails),
	};

	return TAP_RUN(tests);
}
