/*
 * test_weights.c - service backend weights from algorithm, health,
 * latency, connections and migrations.
 */
#include "tap.h"

#include <string.h>

#include "../../engine/weights.h"

static struct config *
service(const char *algo, const char *extra)
{
	char y[1024];
	struct diag d;

	snprintf(y, sizeof y,
	    "hosts: [{name: h1}]\n"
	    "services:\n"
	    "  - name: web\n"
	    "    vip: 198.18.0.1\n"
	    "    port: 80\n"
	    "    algorithm: %s\n"
	    "%s"
	    "    backends:\n"
	    "      - {address: 198.18.1.1, weight: 1, vm: a}\n"
	    "      - {address: 198.18.1.2, weight: 2, vm: b}\n"
	    "      - {address: 198.18.1.3, weight: 3}\n", algo, extra);
	return config_new_from_buffer("t.yaml", y, strlen(y), CONFIG_CLUSTER,
	    &d);
}

static void
compute(struct config *c, struct backend_view *v, bool checked, long *w,
    bool *up)
{
	struct backend_view *views[1] = { v };
	struct dnat_service s;
	size_t i;

	assert_int_equal(weights_compute(c, views, checked, &s), 0);
	assert_string_equal(s.name, "web");
	assert_int_equal(s.nbackends, 3);
	for (i = 0; i < 3; i++) {
		w[i] = s.backends[i].weight;
		up[i] = s.backends[i].up;
	}
	weights_free(&s, 1);
}

static void
views_up(struct backend_view *v)
{
	int i;

	for (i = 0; i < 3; i++) {
		memset(&v[i], 0, sizeof v[i]);
		v[i].health = BH_UP;
		v[i].latency_ms = -1;
		v[i].conns = -1;
	}
}

static void
test_round_robin_and_weighted(void **state)
{
	struct config *c = service("round-robin", "");
	struct backend_view v[3];
	long w[3];
	bool up[3];

	(void)state;
	views_up(v);
	compute(c, v, true, w, up);
	assert_true(w[0] == 1 && w[1] == 1 && w[2] == 1);
	config_free(c);
	c = service("weighted", "");
	compute(c, v, true, w, up);
	assert_true(w[0] == 1 && w[1] == 2 && w[2] == 3);
	/* down: no new connections; unknown counts as down when checked */
	v[1].health = BH_DOWN;
	v[2].health = BH_UNKNOWN;
	compute(c, v, true, w, up);
	assert_true(w[0] == 1 && w[1] == 0 && w[2] == 0);
	assert_true(up[0] && !up[1] && !up[2]);
	/* without health checks (a simulation) unknown is up */
	compute(c, v, false, w, up);
	assert_true(w[2] == 3 && up[2]);
	config_free(c);
}

static void
test_drain_on_migrate(void **state)
{
	struct config *c = service("weighted", "");
	struct backend_view v[3];
	long w[3];
	bool up[3];

	(void)state;
	views_up(v);
	v[0].vm_migrating = true;
	compute(c, v, true, w, up);
	assert_true(w[0] == 0 && up[0] && w[1] == 2);
	config_free(c);
	c = service("weighted", "    drain_on_migrate: false\n");
	compute(c, v, true, w, up);
	assert_int_equal(w[0], 1);
	config_free(c);
}

static void
test_lowest_latency(void **state)
{
	struct config *c = service("lowest-latency", "");
	struct backend_view v[3];
	long w[3];
	bool up[3];

	(void)state;
	views_up(v);
	v[0].latency_ms = 1;	/* fastest, weight 1 */
	v[1].latency_ms = 10;	/* weight 2 */
	v[2].latency_ms = 20;	/* slowest, weight 3 */
	compute(c, v, true, w, up);
	/* per unit of configured weight the fastest gets most */
	assert_true((double)w[0] / 1 > (double)w[1] / 2);
	assert_true((double)w[1] / 2 > (double)w[2] / 3);
	assert_true(w[2] >= 1);		/* never all to one */
	config_free(c);
}

static void
test_least_connections(void **state)
{
	struct config *c = service("least-connections", "");
	struct backend_view v[3];
	long w[3];
	bool up[3];

	(void)state;
	views_up(v);
	compute(c, v, true, w, up);
	assert_true(w[0] == 1 && w[1] == 2 && w[2] == 3);	/* not counted */
	v[0].conns = 0;
	v[1].conns = 0;
	v[2].conns = 0;
	compute(c, v, true, w, up);
	assert_true(w[0] == 100 && w[1] == 200 && w[2] == 300);
	v[2].conns = 90;	/* busy: its share drops tenfold */
	compute(c, v, true, w, up);
	assert_true(w[2] == 30 && w[0] == 100);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_robin_and_weighted),
		cmocka_unit_test(test_drain_on_migrate),
		cmocka_unit_test(test_lowest_latency),
		cmocka_unit_test(test_least_connections),
	};

	return TAP_RUN(tests);
}
