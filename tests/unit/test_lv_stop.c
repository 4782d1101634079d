/*
 * test_lv_stop.c - stopping the libvirt collector and migration jobs
 * while they are stuck on the network. A "silent host" is a TCP listener
 * on loopback that never accepts: the kernel completes the handshake, so
 * libvirt's remote driver connects and then waits for a reply that never
 * comes (there is no keepalive before a connection is open), which is how
 * a call to a host that stopped answering hangs. free() must return
 * within its grace period whatever the threads do; the ASan build of this
 * test checks that the threads left behind touch no freed memory and
 * that the normal path leaks nothing.
 */
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../actions/lv_migrate.h"
#include "../../probes/lv_probe.h"
#include "../../lib/monotime.h"

#define BOUND_S 1.5	/* every free() below, stuck or not */

static int silent_fd = -1;
static int silent_port;

/* A listener nobody accepts on: connections are made, never answered. */
static int
silent_open(void **state)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;

	(void)state;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	silent_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (silent_fd < 0 || bind(silent_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(silent_fd, 16) != 0 ||
	    getsockname(silent_fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	silent_port = ntohs(a.sin_port);
	return 0;
}

static int
silent_close(void **state)
{
	(void)state;
	close(silent_fd);
	return 0;
}

static struct config *
cfg_with(bool silent)
{
	char yaml[512];
	struct diag d;
	struct config *c;

	snprintf(yaml, sizeof yaml,
	    "hosts:\n"
	    "  - {name: t1, uri: \"test:///default\"}\n"
	    "  - {name: t2, uri: \"%s%d/system\"}\n"
	    "policy: {mode: manual, probe_interval_s: 0.5}\n",
	    silent ? "qemu+tcp://127.0.0.1:" : "test:///default?x=", silent_port);
	c = config_new_from_buffer("stop.yaml", yaml, strlen(yaml),
	    CONFIG_CLUSTER, &d);
	assert_non_null(c);
	return c;
}

static void
nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(long)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* The probe of a silent host: its worker is stuck in the connect. */
static void
test_probe_stuck(void **state)
{
	struct config *c = cfg_with(true);
	struct probe p;
	struct diag d;
	struct snapshot *s;
	double t;

	(void)state;
	assert_int_equal(lv_probe_init(&p, c, &d), 0);
	nap(0.5);
	s = p.ops->collect(p.impl, 0, &d);	/* never waits */
	assert_non_null(s);
	snapshot_free(s);
	t = monotime_now();
	p.ops->free(p.impl);
	t = monotime_now() - t;
	config_free(c);		/* the stuck worker keeps its own copies */
	print_message("# probe free with a silent host: %.3f s\n", t);
	assert_true(t < BOUND_S);
}

/* Both hosts answer: every worker ends and is joined. */
static void
test_probe_normal(void **state)
{
	struct config *c = cfg_with(false);
	struct probe p;
	struct diag d;
	double t;

	(void)state;
	assert_int_equal(lv_probe_init(&p, c, &d), 0);
	nap(0.3);
	t = monotime_now();
	p.ops->free(p.impl);
	t = monotime_now() - t;
	config_free(c);
	print_message("# probe free, hosts answering: %.3f s\n", t);
	assert_true(t < 0.5);
}

/* A migration job whose destination is silent: stuck opening it. */
static void
test_migration_stuck(void **state)
{
	struct config *c = cfg_with(true);
	struct action_result out[4];
	struct action a;
	struct diag d;
	double t;

	(void)state;
	assert_int_equal(lv_migrate_init(&a, c, &d), 0);
	assert_int_equal(a.ops->migrate(a.impl, "test", "t1", "t2", &d), 0);
	nap(0.5);
	assert_int_equal(a.ops->poll(a.impl, out, 4), 0);	/* still stuck */
	t = monotime_now();
	assert_int_equal(a.ops->abort(a.impl, "test", &d), 0);	/* no wait */
	a.ops->free(a.impl);
	t = monotime_now() - t;
	config_free(c);
	print_message("# abort and free of a job stuck on the network: %.3f s\n", t);
	assert_true(t < BOUND_S);
}

/* A job that fails at once (the test driver cannot migrate) is handed
 * out by poll and leaves nothing behind. */
static void
test_migration_normal(void **state)
{
	struct config *c = cfg_with(false);
	struct action_result out[4];
	struct action a;
	struct diag d;
	size_t n = 0;
	int i;

	(void)state;
	assert_int_equal(lv_migrate_init(&a, c, &d), 0);
	assert_int_equal(a.ops->migrate(a.impl, "test", "t1", "t2", &d), 0);
	for (i = 0; i < 100 && n == 0; i++) {
		nap(0.05);
		n = a.ops->poll(a.impl, out, 4);
	}
	assert_int_equal(n, 1);
	assert_int_equal(out[0].status, MIG_FAILED);
	assert_string_equal(out[0].vm, "test");
	action_result_clear(&out[0]);	/* the caller's, from poll */
	a.ops->free(a.impl);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_normal),
		cmocka_unit_test(test_probe_stuck),
		cmocka_unit_test(test_migration_normal),
		cmocka_unit_test(test_migration_stuck),
	};

	alarm(60);	/* a free() that never returns fails, not hangs */
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, silent_open, silent_close);
}
