/*
 * test_fence_agent.c - fence agents run as the fence-agents package's
 * stdin interface says (actions/fence_agent.c), through the action's
 * recovery ops too (actions/lv_recover.c): small shell agents in a
 * temporary directory confirm off, fail, say on, hang (killed at the
 * timeout), or are not there. Also the saved definitions' files
 * (probes/lv_domxml.c) and what counts as a disk lock's refusal.
 */
#include "tap.h"

#include <libvirt/virterror.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../actions/fence_agent.h"
#include "../../actions/lv_recover.h"
#include "../../probes/lv_domxml.h"
#include "../../lib/monotime.h"

static char dir[] = "/tmp/vmbal-fence-XXXXXX";

static void
agent(const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	/* stdin saved per action, as the log of what the agent was told */
	fprintf(f, "#!/bin/sh\nin=$(cat)\naction=$(printf '%%s\\n' \"$in\" | "
	    "sed -n 's/^action=//p')\nprintf '%%s\\n' \"$in\" > %s/%s.$action\n%s\n",
	    dir, name, body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static int
run(const char *name, double timeout_s, char *err, size_t len)
{
	char path[256];
	char *keys[] = { "plug", "lab_dir" }, *values[] = { "3", "/tmp/x y" };

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return fence_agent_run(path, keys, values, 2, timeout_s, err, len);
}

static char *
slurp(const char *name)
{
	static char buf[1024];
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
off_confirmed(void **state)
{
	char err[512];
	const char *in;

	(void)state;
	agent("ok", "case $action in off) exit 0;; status) exit 2;; esac\nexit 1");
	assert_int_equal(run("ok", 10, err, sizeof err), 0);
	assert_string_equal(err, "");
	in = slurp("ok.off");
	assert_non_null(in);
	assert_string_equal(in, "action=off\nplug=3\nlab_dir=/tmp/x y\n");
	in = slurp("ok.status");
	assert_non_null(in);
	assert_string_equal(in, "action=status\nplug=3\nlab_dir=/tmp/x y\n");
}

static void
off_fails(void **state)
{
	char err[512];

	(void)state;
	agent("bad", "echo 'Failed: Unable to connect' >&2\necho 'BMC unreachable' >&2\nexit 1");
	assert_int_equal(run("bad", 10, err, sizeof err), -1);
	assert_non_null(strstr(err, "action=off failed (exit 1)"));
	assert_non_null(strstr(err, "BMC unreachable"));
	assert_null(slurp("bad.status"));	/* no status after a failed off */
}

static void
status_on(void **state)
{
	char err[512];

	(void)state;
	agent("on", "exit 0");
	assert_int_equal(run("on", 10, err, sizeof err), -1);
	assert_non_null(strstr(err, "says the host is on"));
	agent("err", "case $action in off) exit 0;; esac\nexit 1");
	assert_int_equal(run("err", 10, err, sizeof err), -1);
	assert_non_null(strstr(err, "action=status failed (exit 1)"));
}

static void
timeout_kills(void **state)
{
	char err[512], pidfile[300];
	FILE *f;
	int pid = 0;

	(void)state;
	/* its child (same process group) must die with it */
	snprintf(pidfile, sizeof pidfile, "%s/slow.pid", dir);
	{
		char body[600];

		snprintf(body, sizeof body, "sleep 30 & echo $! > %s\nwait", pidfile);
		agent("slow", body);
	}
	assert_int_equal(run("slow", 0.5, err, sizeof err), -1);
	assert_non_null(strstr(err, "timed out"));
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
		struct timespec t = { 0, 20000000L };
		nanosleep(&t, NULL);
	}
	assert_int_not_equal(kill(pid, 0), 0);
}

static void
not_found(void **state)
{
	char err[512];
	char *none[] = { NULL };

	(void)state;
	assert_int_equal(fence_agent_run("vmbal_no_such_fence_agent", none,
	    none, 0, 5, err, sizeof err), -1);
	assert_non_null(strstr(err, "not found"));
	assert_int_equal(run("missing", 5, err, sizeof err), -1);
	assert_non_null(strstr(err, "not found"));
}

static void
bad_args(void **state)
{
	char err[512];
	char *keys[] = { "plug" }, *values[] = { "3\naction=on" };

	(void)state;
	assert_int_equal(fence_agent_run("/bin/true", keys, values, 1, 5, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "bad or too long"));
}

/* Through the ops: fence() returns at once, the result comes by poll. */
static void
through_recover(void **state)
{
	static const char yaml[] = "hosts:\n"
	    "  - {name: h1, uri: \"test:///default\"}\n"
	    "  - {name: h2, uri: \"test:///default\"}\n";
	struct diag d = { 0 };
	struct config *cfg = config_new_from_buffer("t.yaml", yaml,
	    sizeof yaml - 1, CONFIG_CLUSTER, &d);
	struct lv_recover *r = lv_recover_new();
	struct recover_result out[2];
	char path[256], *keys[] = { "plug" }, *values[] = { "1" };
	size_t n = 0;
	double end;

	(void)state;
	assert_non_null(cfg);
	assert_non_null(r);
	assert_int_equal(lv_recover_fence(r, cfg, "h1", &d), -1);
	assert_non_null(strstr(d.msg, "no fence agent"));
	assert_int_equal(lv_recover_fence(r, cfg, "h9", &d), -1);
	snprintf(path, sizeof path, "%s/ok", dir);
	cfg->hosts[0].fence.agent = path;
	cfg->hosts[0].fence.keys = keys;
	cfg->hosts[0].fence.values = values;
	cfg->hosts[0].fence.nargs = 1;
	cfg->hosts[1].fence.agent = "vmbal_no_such_fence_agent";
	assert_int_equal(lv_recover_fence(r, cfg, "h1", &d), 0);
	assert_int_equal(lv_recover_fence(r, cfg, "h2", &d), 0);
	memset(&cfg->hosts[0].fence, 0, sizeof cfg->hosts[0].fence);
	memset(&cfg->hosts[1].fence, 0, sizeof cfg->hosts[1].fence);
	/* the jobs hold copies: the configuration may go */
	free(cfg->domain_dir);	/* its default: none here */
	cfg->domain_dir = NULL;
	assert_int_equal(lv_recover_restart(r, cfg, "vm", "h1", "h2", &d), -1);
	assert_non_null(strstr(d.msg, "no domain_dir"));
	config_free(cfg);
	end = monotime_now() + 20;
	while (n < 2 && monotime_now() < end) {
		struct timespec t = { 0, 10000000L };

		n += lv_recover_poll(r, out + n, 2 - n);
		nanosleep(&t, NULL);
	}
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i].kind, REC_FENCE);
		assert_null(out[i].vm);
		if (strcmp(out[i].host, "h1") == 0) {
			assert_int_equal(out[i].status, REC_DONE);
			assert_null(out[i].error);
		} else {
			assert_string_equal(out[i].host, "h2");
			assert_int_equal(out[i].status, REC_FAILED);
			assert_non_null(strstr(out[i].error, "not found"));
		}
		recover_result_clear(&out[i]);
	}
	lv_recover_free(r);
}

static void
domxml_files(void **state)
{
	char err[512], sub[300], *xml;
	struct stat st;

	(void)state;
	snprintf(sub, sizeof sub, "%s/dom/deep", dir);
	assert_int_equal(lv_domxml_save(sub, "h1", "vm1", "<domain/>", err,
	    sizeof err), 0);
	assert_int_equal(lv_domxml_save(sub, "h1", "vm1", "<domain>2</domain>",
	    err, sizeof err), 0);
	xml = lv_domxml_read(sub, "h1", "vm1", err, sizeof err);
	assert_non_null(xml);
	assert_string_equal(xml, "<domain>2</domain>");
	free(xml);
	snprintf(sub, sizeof sub, "%s/dom/deep/h1/vm1.xml", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(sub, sizeof sub, "%s/dom/deep/h1", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(sub, sizeof sub, "%s/dom/deep", dir);
	assert_null(lv_domxml_read(sub, "h1", "vm2", err, sizeof err));
	assert_non_null(strstr(err, "no saved definition of vm2 from h1"));
	assert_int_equal(lv_domxml_save(sub, "h1", "../x", "<d/>", err,
	    sizeof err), -1);
	assert_int_equal(lv_domxml_save(sub, "..", "x", "<d/>", err,
	    sizeof err), -1);
	assert_true(lv_domxml_hash("<a/>") != lv_domxml_hash("<b/>"));
}

static void
lock_errors(void **state)
{
	(void)state;
	assert_true(lv_recover_is_lock_error(VIR_ERR_RESOURCE_BUSY, "x"));
	assert_true(lv_recover_is_lock_error(VIR_ERR_INTERNAL_ERROR,
	    "resource busy: Lockspace resource 'abc' is locked"));
	assert_true(lv_recover_is_lock_error(VIR_ERR_INTERNAL_ERROR,
	    "qemu: Failed to get \"write\" lock"));
	assert_false(lv_recover_is_lock_error(VIR_ERR_INTERNAL_ERROR,
	    "cannot allocate memory"));
	assert_false(lv_recover_is_lock_error(VIR_ERR_OPERATION_FAILED, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(off_confirmed),
		cmocka_unit_test(off_fails),
		cmocka_unit_test(status_on),
		cmocka_unit_test(timeout_kills),
		cmocka_unit_test(not_found),
		cmocka_unit_test(bad_args),
		cmocka_unit_test(through_recover),
		cmocka_unit_test(domxml_files),
		cmocka_unit_test(lock_errors),
	};
	char cmd[300];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = TAP_RUN(tests);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
