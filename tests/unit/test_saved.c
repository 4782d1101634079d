/*
 * test_saved.c - a host's saved definitions as a whole
 * (probes/lv_saved.c): listed by name with each VM's vCPUs and memory in
 * every unit libvirt writes, a bad file named and left out, hidden and
 * foreign files ignored; pruned to the domains still running there,
 * leaving a save's temporary file alone; a missing directory is none.
 */
#include "tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../probes/lv_domxml.h"
#include "../../probes/lv_saved.h"

static char dir[] = "/tmp/vmbal-test-saved-XXXXXX";

static void
put(const char *host, const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, host);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/%s/%s", dir, host, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
exists(const char *host, const char *file)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s/%s", dir, host, file);
	return access(path, F_OK) == 0;
}

static void
units(void **state)
{
	(void)state;
	assert_int_equal(lv_saved_mib("1048576", NULL), 1024);
	assert_int_equal(lv_saved_mib("1048576", "KiB"), 1024);
	assert_int_equal(lv_saved_mib("1048576", "k"), 1024);
	assert_int_equal(lv_saved_mib("512", "MiB"), 512);
	assert_int_equal(lv_saved_mib("2", "GiB"), 2048);
	assert_int_equal(lv_saved_mib("2", "G"), 2048);
	assert_int_equal(lv_saved_mib("1073741824", "b"), 1024);
	assert_int_equal(lv_saved_mib("1073741824", "bytes"), 1024);
	assert_int_equal(lv_saved_mib("1000", "MB"), 954);
	assert_int_equal(lv_saved_mib("1", "TiB"), 1048576);
	assert_int_equal(lv_saved_mib(" 64\n", "MiB"), 64);
	assert_int_equal(lv_saved_mib("12x", "MiB"), -1);
	assert_int_equal(lv_saved_mib("-5", "MiB"), -1);
	assert_int_equal(lv_saved_mib("5", "parsecs"), -1);
	assert_int_equal(lv_saved_mib(NULL, "MiB"), -1);
}

static void
list(void **state)
{
	struct lv_saved s = { 0 };
	char err[512];

	(void)state;
	/* none yet: no directory for h1 */
	assert_int_equal(lv_saved_list(dir, "h1", &s, err, sizeof err), 0);
	assert_int_equal(s.n, 0);
	assert_string_equal(err, "");
	put("h1", "web.xml", "<domain type='kvm'><name>web</name>"
	    "<memory unit='KiB'>2097152</memory><vcpu placement='static'>4"
	    "</vcpu></domain>");
	put("h1", "db.xml", "<domain><name>db</name><memory unit='GiB'>8"
	    "</memory></domain>");
	put("h1", "app.xml", "<domain><memory>524288</memory>"
	    "<vcpu>2</vcpu></domain>");
	put("h1", "broken.xml", "<domain><memory>");
	put("h1", ".web.Ab12Cd", "<domain/>");	/* a save under way */
	put("h1", "notes.txt", "not a definition");
	assert_int_equal(lv_saved_list(dir, "h1", &s, err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.vms[0].name, "app");
	assert_int_equal(s.vms[0].vcpus, 2);
	assert_int_equal(s.vms[0].mem_mib, 512);
	assert_string_equal(s.vms[1].name, "db");
	assert_int_equal(s.vms[1].vcpus, 1);	/* no <vcpu> */
	assert_int_equal(s.vms[1].mem_mib, 8192);
	assert_string_equal(s.vms[2].name, "web");
	assert_int_equal(s.vms[2].vcpus, 4);
	assert_int_equal(s.vms[2].mem_mib, 2048);
	assert_non_null(strstr(err, "broken"));
	lv_saved_clear(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.vms);
	/* a host name that is no file name */
	assert_int_equal(lv_saved_list(dir, "../etc", &s, err, sizeof err), -1);
}

static void
prune(void **state)
{
	const char *keep[] = { "web", "new" };
	struct lv_saved s = { 0 };
	char err[512];

	(void)state;
	put("h2", "web.xml", "<domain/>");
	put("h2", "gone.xml", "<domain/>");
	put("h2", "away.xml", "<domain/>");
	put("h2", ".web.Zz9Yy8", "<domain/>");
	assert_int_equal(lv_saved_prune(dir, "h2", keep, 2, err, sizeof err),
	    2);
	assert_true(exists("h2", "web.xml"));
	assert_false(exists("h2", "gone.xml"));
	assert_false(exists("h2", "away.xml"));
	assert_true(exists("h2", ".web.Zz9Yy8"));
	assert_int_equal(lv_saved_prune(dir, "h2", keep, 2, err, sizeof err),
	    0);
	/* nothing runs there any more */
	assert_int_equal(lv_saved_prune(dir, "h2", NULL, 0, err, sizeof err),
	    1);
	assert_int_equal(lv_saved_list(dir, "h2", &s, err, sizeof err), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(lv_saved_prune(dir, "nosuch", keep, 2, err,
	    sizeof err), 0);
	/* saved by lv_domxml_save, listed, pruned */
	assert_int_equal(lv_domxml_save(dir, "h3", "vm1", "<domain><vcpu>3"
	    "</vcpu><memory unit='MiB'>256</memory></domain>", err,
	    sizeof err), 0);
	assert_int_equal(lv_saved_list(dir, "h3", &s, err, sizeof err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.vms[0].vcpus, 3);
	assert_int_equal(s.vms[0].mem_mib, 256);
	lv_saved_clear(&s);
	assert_int_equal(lv_saved_prune(dir, "h3", keep, 2, err, sizeof err),
	    1);
	assert_false(exists("h3", "vm1.xml"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(units),
		cmocka_unit_test(list),
		cmocka_unit_test(prune),
	};
	char cmd[600];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
