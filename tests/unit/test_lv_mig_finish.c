/*
 * test_lv_mig_finish.c - a finishing migration job whose connections take
 * long to close (a host that stopped answering: virConnectClose sends its
 * close RPC and waits for the reply, until keepalive gives up) must not
 * hold up whoever asks about the jobs: poll() hands the result out at once
 * and progress() answers at once, from the main loop that draws the
 * console (the Flights pane) and emits headless events, and from another
 * thread while poll() runs.
 *
 * virConnectClose is wrapped at link time (-Wl,--wrap=virConnectClose,
 * see the Makefile): while the test holds the gate, every close blocks on
 * it (up to GATE_CAP_S). The job's hosts are libvirt's test driver, which
 * cannot migrate: the job fails at once and goes on to close its two
 * connections, where it blocks. A poll() that joined the job's thread
 * (the code before ac34244: pthread_join under the action's lock) would
 * wait GATE_CAP_S here, and progress() behind it.
 */
#include "tap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "../../actions/lv_migrate.h"
#include "../../lib/monotime.h"

#define GATE_CAP_S 4.0		/* a blocked close gives up by itself */
#define PROMPT_S 0.1		/* poll() and progress(): never longer */

int __real_virConnectClose(virConnectPtr conn);
int __wrap_virConnectClose(virConnectPtr conn);

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_shut;		/* closes block while it is */
static int gate_waiting;	/* closes blocked now */
static int gate_done;		/* closes that returned */

int
__wrap_virConnectClose(virConnectPtr conn)
{
	struct timespec until;
	int rc;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)GATE_CAP_S;
	pthread_mutex_lock(&gate_mu);
	gate_waiting++;
	while (gate_shut &&
	    pthread_cond_timedwait(&gate_cv, &gate_mu, &until) == 0)
		;
	gate_waiting--;
	pthread_mutex_unlock(&gate_mu);
	rc = __real_virConnectClose(conn);
	pthread_mutex_lock(&gate_mu);
	gate_done++;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	return rc;
}

static void
gate_set(bool shut)
{
	pthread_mutex_lock(&gate_mu);
	gate_shut = shut;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

static int
gate_count(int *done)
{
	int n;

	pthread_mutex_lock(&gate_mu);
	n = gate_waiting;
	if (done != NULL)
		*done = gate_done;
	pthread_mutex_unlock(&gate_mu);
	return n;
}

static void
nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(long)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static struct config *
cfg_two(void)
{
	static const char yaml[] =
	    "hosts:\n"
	    "  - {name: t1, uri: \"test:///default\"}\n"
	    "  - {name: t2, uri: \"test:///default?x=1\"}\n"
	    "policy: {mode: manual}\n";
	struct diag d;
	struct config *c;

	c = config_new_from_buffer("finish.yaml", yaml, strlen(yaml),
	    CONFIG_CLUSTER, &d);
	assert_non_null(c);
	return c;
}

/* The console's side: progress() asked every 10 ms from a thread of its
 * own (as the Flights pane would while the main loop polls), its slowest
 * answer kept. */
struct asker {
	struct action *a;
	atomic_bool stop;
	double worst;
};

static void *
asker_main(void *arg)
{
	struct asker *k = arg;
	double t;

	while (!atomic_load(&k->stop)) {
		t = monotime_now();
		(void)k->a->ops->progress(k->a->impl, "test");
		t = monotime_now() - t;
		k->worst = t > k->worst ? t : k->worst;
		nap(0.01);
	}
	return NULL;
}

/* The job ends while its closes hang: its result comes out at once. */
static void
test_close_hangs(void **state)
{
	struct config *c = cfg_two();
	struct action_result out[4];
	struct action a;
	struct diag d;
	double t0, t, worst_poll = 0, worst_prog = 0, got = -1;
	int blocked = 0, done = 0, before;
	struct asker k = { &a, false, 0 };
	pthread_t kt;
	size_t n = 0;

	(void)state;
	gate_count(&before);
	gate_set(true);
	assert_int_equal(lv_migrate_init(&a, c, &d), 0);
	assert_int_equal(a.ops->migrate(a.impl, "test", "t1", "t2", &d), 0);
	assert_int_equal(pthread_create(&kt, NULL, asker_main, &k), 0);
	t0 = monotime_now();
	while (n == 0 && monotime_now() - t0 < 3.0) {
		t = monotime_now();
		(void)a.ops->progress(a.impl, "test");
		t = monotime_now() - t;
		worst_prog = t > worst_prog ? t : worst_prog;
		t = monotime_now();
		n = a.ops->poll(a.impl, out, 4);
		t = monotime_now() - t;
		worst_poll = t > worst_poll ? t : worst_poll;
		if (n > 0) {
			got = monotime_now() - t0;
			blocked = gate_count(NULL);
		}
		nap(0.01);
	}
	nap(0.1);
	atomic_store(&k.stop, true);
	pthread_join(kt, NULL);
	worst_prog = k.worst > worst_prog ? k.worst : worst_prog;
	print_message("# result after %.3f s, %d close(s) still hanging; "
	    "slowest poll %.4f s, progress %.4f s\n", got, blocked,
	    worst_poll, worst_prog);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].status, MIG_FAILED);	/* test driver */
	assert_true(got >= 0 && got < 1.0);
	assert_true(worst_poll < PROMPT_S);
	assert_true(worst_prog < PROMPT_S);
	assert_true(blocked >= 1);	/* the job said so before closing */
	action_result_clear(&out[0]);
	t = monotime_now();
	a.ops->free(a.impl);
	t = monotime_now() - t;
	print_message("# free with the closes hanging: %.3f s\n", t);
	assert_true(t < PROMPT_S);
	/* let the closes go; the detached job thread frees the job last */
	gate_set(false);
	t0 = monotime_now();
	while (gate_count(&done) > 0 || done < before + 2)
		if (monotime_now() - t0 > GATE_CAP_S)
			break;
		else
			nap(0.01);
	assert_int_equal(done, before + 2);
	nap(0.1);		/* the thread returns after its last close */
	config_free(c);
}

/* The closes answer: the job's thread ends and is joined, no leak. */
static void
test_close_answers(void **state)
{
	struct config *c = cfg_two();
	struct action_result out[4];
	struct action a;
	struct diag d;
	size_t n = 0;
	int i;

	(void)state;
	gate_set(false);
	assert_int_equal(lv_migrate_init(&a, c, &d), 0);
	assert_int_equal(a.ops->migrate(a.impl, "test", "t1", "t2", &d), 0);
	for (i = 0; i < 200 && n == 0; i++) {
		nap(0.01);
		n = a.ops->poll(a.impl, out, 4);
	}
	assert_int_equal(n, 1);
	action_result_clear(&out[0]);
	a.ops->free(a.impl);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_answers),
		cmocka_unit_test(test_close_hangs),
	};

	alarm(60);
	return TAP_RUN(tests);
}
