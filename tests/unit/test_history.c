/*
 * test_history.c - the history's pure parts (actions/history_rrd.c: file
 * names safe for any name, the RRA definitions), the marks file read
 * back (actions/history_marks.c), and the writer end to end: samples
 * handed to history_event() are in the RRD files, at their stamps.
 */
#include "tap.h"

#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../actions/history_marks.h"
#include "../../actions/history_rrd.h"

static void
test_names_plain(void **state)
{
	char out[HISTORY_NAME_MAX + 1];

	(void)state;
	assert_int_equal(history_file_name(HK_HOST, "atlas", out, sizeof out), 0);
	assert_string_equal(out, "host-atlas.rrd");
	history_file_name(HK_VM, "web-1.prod_A", out, sizeof out);
	assert_string_equal(out, "vm-web-1.prod_A.rrd");
	history_file_name(HK_CLUSTER, NULL, out, sizeof out);
	assert_string_equal(out, "cluster.rrd");
	history_file_name(HK_SERVICE, "web/198.18.1.11:8080", out, sizeof out);
	assert_string_equal(out, "svc-web%2f198.18.1.11%3a8080.rrd");
	/* too little room is refused, not cut */
	assert_int_equal(history_file_name(HK_HOST, "a", out, 10), -1);
}

/* '/', '..', a leading '.', spaces, UTF-8: one file in the directory. */
static void
test_names_escaped(void **state)
{
	char out[HISTORY_NAME_MAX + 1];

	(void)state;
	history_file_name(HK_VM, "../../etc/passwd", out, sizeof out);
	assert_null(strchr(out, '/'));
	assert_string_equal(out, "vm-%2e.%2f..%2fetc%2fpasswd.rrd");
	history_file_name(HK_VM, ".hidden", out, sizeof out);
	assert_string_equal(out, "vm-%2ehidden.rrd");
	history_file_name(HK_VM, "a b\tc:d\\e", out, sizeof out);
	assert_string_equal(out, "vm-a%20b%09c%3ad%5ce.rrd");
	history_file_name(HK_VM, "caf\xc3\xa9", out, sizeof out);
	assert_string_equal(out, "vm-caf%c3%a9.rrd");
}

/* Long names: at most HISTORY_NAME_MAX, still distinct, stable. */
static void
test_names_long(void **state)
{
	char a[600], b[600], na[HISTORY_NAME_MAX + 1], nb[HISTORY_NAME_MAX + 1],
	    again[HISTORY_NAME_MAX + 1];

	(void)state;
	memset(a, 'x', sizeof a - 1);
	a[sizeof a - 1] = '\0';
	memcpy(b, a, sizeof a);
	b[500] = 'y';		/* differs far past the part kept */
	history_file_name(HK_VM, a, na, sizeof na);
	history_file_name(HK_VM, b, nb, sizeof nb);
	history_file_name(HK_VM, a, again, sizeof again);
	assert_true(strlen(na) <= HISTORY_NAME_MAX);
	assert_true(strlen(nb) <= HISTORY_NAME_MAX);
	assert_string_not_equal(na, nb);
	assert_string_equal(na, again);
	assert_non_null(strchr(na, '~'));
	assert_string_equal(na + strlen(na) - 4, ".rrd");
	/* escapes are never cut in half */
	memset(a, '/', 300);
	a[300] = '\0';
	history_file_name(HK_VM, a, na, sizeof na);
	assert_true(strlen(na) <= HISTORY_NAME_MAX);
	assert_int_equal((strchr(na, '~') - na - 3) % 3, 0);
	/* a name that just fits is not hashed */
	memset(a, 'z', HISTORY_NAME_MAX - 3 - 4);
	a[HISTORY_NAME_MAX - 3 - 4] = '\0';
	history_file_name(HK_VM, a, na, sizeof na);
	assert_int_equal(strlen(na), HISTORY_NAME_MAX);
	assert_null(strchr(na, '~'));
}

/* A day at the step, a week of minutes, a year of 10 minutes. */
static void
test_rras(void **state)
{
	char r[HISTORY_RRAS][64];

	(void)state;
	history_rra_defs(10, r);
	assert_string_equal(r[0], "RRA:AVERAGE:0.5:1:8640");
	assert_string_equal(r[1], "RRA:AVERAGE:0.5:6:10080");
	assert_string_equal(r[2], "RRA:AVERAGE:0.5:60:52560");
	history_rra_defs(60, r);
	assert_string_equal(r[0], "RRA:AVERAGE:0.5:1:1440");
	assert_string_equal(r[1], "RRA:AVERAGE:0.5:1:10080");
	assert_string_equal(r[2], "RRA:AVERAGE:0.5:10:52560");
	/* a step longer than a minute: the week at the step */
	history_rra_defs(120, r);
	assert_string_equal(r[0], "RRA:AVERAGE:0.5:1:720");
	assert_string_equal(r[1], "RRA:AVERAGE:0.5:1:5040");
	assert_string_equal(r[2], "RRA:AVERAGE:0.5:5:52560");
	/* 7 s: 9 steps (63 s) a row, the week still covered */
	history_rra_defs(7, r);
	assert_string_equal(r[1], "RRA:AVERAGE:0.5:9:9600");
	assert_int_equal(history_step(0.2), 1);
	assert_int_equal(history_step(9.6), 10);
}

static char tmpdir[] = "/tmp/vmbal-test-history-XXXXXX";

static void
test_marks(void **state)
{
	char path[256];
	struct history_mark *m;
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/marks.tsv", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("100\tmigration\tweb1\tcastor\tatlas\n"
	    "not a mark\n"
	    "200\tmaintenance\tcastor\ton\n"
	    "300\tmigration\tdb1\tboreas\tcastor\n"
	    "400\tmigration\tshort\n", f);
	fclose(f);
	assert_int_equal(history_marks_read(tmpdir, 150, 1000, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_false(m[0].migration);
	assert_string_equal(m[0].from, "castor");
	assert_string_equal(m[0].to, "on");
	assert_true(m[1].migration);
	assert_string_equal(m[1].vm, "db1");
	assert_true(history_mark_about(&m[0], HK_HOST, "castor"));
	assert_false(history_mark_about(&m[0], HK_VM, "castor"));
	assert_true(history_mark_about(&m[1], HK_HOST, "castor"));
	assert_true(history_mark_about(&m[1], HK_HOST, "boreas"));
	assert_false(history_mark_about(&m[1], HK_HOST, "atlas"));
	assert_true(history_mark_about(&m[1], HK_VM, "db1"));
	assert_true(history_mark_about(&m[1], HK_CLUSTER, NULL));
	free(m);
	unlink(path);
	assert_int_equal(history_marks_read(tmpdir, 0, 1000, &m, &n), 0);
	assert_int_equal(n, 0);
}

/* Samples in, the numbers out of rrd_fetch at their stamps. */
static void
test_writer(void **state)
{
	struct model_host host = { .name = "h/1", .state = HOST_UP,
		.cpus = 4, .mem_used_mib = 2048 };
	struct model m = { .hosts = &host, .nhosts = 1 };
	struct history_opts o = { .step_s = 10, .simulated = true,
		.fresh = true, .wait_when_full = true };
	struct history_stats st;
	struct history *h;
	struct event ev;
	char err[256], path[256];
	time_t start, end;
	unsigned long step, nds, i, j;
	char **names;
	rrd_value_t *data;
	struct stat sb;
	off_t size;
	int k;

	(void)state;
	h = history_new(tmpdir, &o, err, sizeof err);
	assert_non_null(h);
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SAMPLE;
	ev.u.sample.model = &m;
	for (k = 1; k <= 30; k++) {
		host.cpu_pct = 10.0 * k;
		host.demand_pct = 10.0 * k + 1;
		host.nvms = k;
		m.spread = k;
		ev.ts = 10.0 * k;
		history_event(h, &ev);
	}
	/* a migration: a line of the marks file */
	ev.type = EV_MIGRATION;
	ev.ts = 125;
	ev.u.migration.vm = "web1";
	ev.u.migration.from = "h/1";
	ev.u.migration.to = "h2";
	ev.u.migration.status = MIG_DONE;
	history_event(h, &ev);
	history_free(h, &st);
	assert_int_equal(st.failed, 0);
	/* a simulation waits for room: nothing dropped */
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.queued, 31);
	assert_int_equal(st.written, 31);

	snprintf(path, sizeof path, "%s/host-h%%2f1.rrd", tmpdir);
	assert_int_equal(stat(path, &sb), 0);
	size = sb.st_size;
	start = HISTORY_SIM_EPOCH;
	end = HISTORY_SIM_EPOCH + 300;
	step = 10;		/* the resolution asked for */
	assert_int_equal(rrd_fetch_r(path, "AVERAGE", &start, &end, &step,
	    &nds, &names, &data), 0);
	assert_int_equal(step, 10);
	assert_int_equal(nds, 4);
	assert_string_equal(names[0], "cpu");
	/* row i covers (start + i*step, start + (i+1)*step]: the sample at
	 * its end */
	for (i = 0, j = 0; start + (time_t)((i + 1) * step) <= end; i++) {
		long t = (long)(start + (time_t)((i + 1) * step)) -
		    HISTORY_SIM_EPOCH;
		double cpu = data[i * nds];

		if (t < 20 || t > 300 || st.dropped > 0)
			continue;
		assert_near(cpu, t, 1e-6);
		assert_near(data[i * nds + 1], t + 1, 1e-6);
		assert_near(data[i * nds + 2], 2048, 1e-6);
		j++;
	}
	if (st.dropped == 0)
		assert_true(j >= 25);
	for (i = 0; i < nds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);

	/* a second run, fresh: the same size, the old stamps gone */
	h = history_new(tmpdir, &o, err, sizeof err);
	assert_non_null(h);
	memset(&ev, 0, sizeof ev);	/* the union held the migration */
	ev.type = EV_SAMPLE;
	ev.u.sample.model = &m;
	ev.ts = 10;
	history_event(h, &ev);
	history_free(h, &st);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, size);
	assert_int_equal(rrd_last_r(path), HISTORY_SIM_EPOCH + 10);
	{
		struct history_mark *mk;
		size_t n;

		/* the marks went with the first run */
		assert_int_equal(history_marks_read(tmpdir, 0, 1L << 40, &mk,
		    &n), 0);
		assert_int_equal(n, 0);
		free(mk);
	}
}

/* A real cluster's never waits: what does not fit is dropped and
 * counted, and what was queued is written. */
static void
test_drops_counted(void **state)
{
	struct model_host host = { .name = "h1", .state = HOST_UP, .cpus = 1 };
	struct model m = { .hosts = &host, .nhosts = 1 };
	struct history_opts o = { .step_s = 1, .simulated = true };
	struct history_stats st;
	struct history *h;
	struct event ev;
	char err[256];
	int k;

	(void)state;
	h = history_new(tmpdir, &o, err, sizeof err);
	assert_non_null(h);
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SAMPLE;
	ev.u.sample.model = &m;
	for (k = 1; k <= 2000; k++) {
		ev.ts = k;
		history_event(h, &ev);
	}
	history_free(h, &st);
	assert_int_equal(st.queued + st.dropped, 2000);
	assert_int_equal(st.written, st.queued);
	assert_int_equal(st.failed, 0);
	print_message("# %lu of 2000 dropped\n", st.dropped);
}

/* The directory made with its parents; a file in the way refused. */
static void
test_dir(void **state)
{
	struct history_opts o = { .step_s = 10 };
	struct history *h;
	char err[512], path[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/a/b/c", tmpdir);
	h = history_new(path, &o, err, sizeof err);
	assert_non_null(h);
	/* one writer a directory */
	assert_null(history_new(path, &o, err, sizeof err));
	assert_non_null(strstr(err, "another vmbal writes this history"));
	history_free(h, NULL);
	h = history_new(path, &o, err, sizeof err);
	assert_non_null(h);	/* free: its lock went with it */
	history_free(h, NULL);
	snprintf(path, sizeof path, "%s/file", tmpdir);
	f = fopen(path, "w");
	fclose(f);
	h = history_new(path, &o, err, sizeof err);
	assert_null(h);
	assert_non_null(strstr(err, "cannot make the history directory"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_plain),
		cmocka_unit_test(test_names_escaped),
		cmocka_unit_test(test_names_long),
		cmocka_unit_test(test_rras),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_drops_counted),
		cmocka_unit_test(test_dir),
	};
	char cmd[128];
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = TAP_RUN(tests);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
