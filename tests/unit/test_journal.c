/*
 * test_journal.c - the action journal read back (restart safety): each
 * VM's last move, open intents, recent outcomes within the horizon, old
 * ones dropped, torn and foreign lines skipped, the "time" field of older
 * journals; and a journal written by journal_file_record read back.
 */
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../actions/journal_file.h"

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
	};

	return TAP_RUN(tests);
}
