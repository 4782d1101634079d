/*
 * test_plan_check.c - does an offer still hold (engine/plan_check.c)?
 *
 * Three hosts of 4 CPUs and 8 GiB: h1 carries a, b, c and d (100% CPU),
 * h2 carries e and h3 carries f (25% each). The offer "a h1 -> h2, b h1
 * -> h3" levels them at 50%. Each test breaks one thing the offer needs,
 * and checks that the check says so, naming what broke; then the
 * standing rule: kept across ticks while the measures wobble, replaced
 * by a plan with fewer moves once that has lasted hold_s, at once when a
 * move can no longer be made.
 */
#include <string.h>

#include "tap.h"

#include "../../engine/plan_check.h"

static const struct plan_ref offer[] = {
	{ "a", "h1", "h2" },
	{ "b", "h1", "h3" },
};

static struct plan_input *
cluster(void)
{
	static const char *const hosts[] = { "h1", "h2", "h3" };
	static const char *const vms[] = { "a", "b", "c", "d", "e", "f" };
	static const int at[] = { 0, 0, 0, 0, 1, 2 };
	struct plan_input *in = plan_input_new(3, 6);
	size_t i;

	assert_non_null(in);
	for (i = 0; i < 3; i++) {
		in->hosts[i].name = hosts[i];
		in->hosts[i].cap = 400;
		in->hosts[i].mem_total = 8192;
		in->hosts[i].up = true;
		in->hosts[i].maintenance = false;
	}
	for (i = 0; i < 6; i++) {
		in->vms[i].name = vms[i];
		in->vms[i].host = at[i];
		in->vms[i].load = 100;
		in->vms[i].mem = 1024;
		in->vms[i].movable = true;
		in->vms[i].pin = -1;
	}
	in->policy.threshold_pct = 20;
	in->policy.target_pct = 10;
	in->policy.min_gain_pct = 2;
	in->policy.hold_s = 30;
	in->imbalanced = true;
	return in;
}

/* Checks the offer on in against a 10% target: false, and why says it. */
static void
broken(struct plan_input *in, const char *reason)
{
	struct plan_verdict v;
	struct diag d;

	assert_false(plan_check(in, offer, 2, 10, &v, &d));
	if (strcmp(d.msg, reason) != 0) {
		print_error("why: \"%s\", expected \"%s\"\n", d.msg, reason);
		fail();
	}
	plan_input_free(in);
}

static void
test_holds(void **state)
{
	struct plan_input *in = cluster();
	struct plan_verdict v;
	struct diag d;

	(void)state;
	assert_true(plan_check(in, offer, 2, 10, &v, &d));
	assert_true(v.feasible);
	assert_near(v.spread_before, 75, 1e-9);
	assert_near(v.spread_after, 0, 1e-9);
	assert_true(v.score_before - v.score_after >= 2);
	assert_false(plan_check(in, offer, 0, 10, NULL, &d));	/* nothing */
	plan_input_free(in);
}

static void
test_vm_moved(void **state)
{
	struct plan_input *in = cluster();

	(void)state;
	in->vms[0].host = 1;	/* a went to h2 by other means */
	broken(in, "a is no longer on h1");
}

static void
test_vm_gone(void **state)
{
	struct plan_input *in = cluster();

	(void)state;
	in->vms[1].name = "b-renamed";	/* b is no longer in the input */
	broken(in, "b is gone");
}

static void
test_host_down(void **state)
{
	struct plan_input *in = cluster();

	(void)state;
	in->hosts[1].up = false;
	broken(in, "h2 is down");
	in = cluster();
	in->hosts[0].up = false;	/* the source: nothing leaves it */
	broken(in, "h1 is down");
}

static void
test_host_maintenance(void **state)
{
	struct plan_input *in = cluster();

	(void)state;
	in->hosts[2].maintenance = true;
	broken(in, "h3 is in maintenance");
}

static void
test_rules(void **state)
{
	struct plan_input *in = cluster();
	int ae[] = { 0, 4 }, ac[] = { 0, 2 }, ab[] = { 0, 1 };

	(void)state;
	in->vms[0].pin = 0;
	broken(in, "a is pinned to h1");

	in = cluster();
	assert_int_equal(plan_input_add_group(in, true, ae, 2), 0);
	broken(in, "a may not join e on h2 (anti-affinity)");

	in = cluster();
	in->vms[1].movable = false;	/* excluded, cooling down or moving */
	broken(in, "b may not move now (excluded, cooling down or migrating)");

	in = cluster();		/* c must now go with a: not offered */
	assert_int_equal(plan_input_add_group(in, false, ac, 2), 0);
	broken(in, "c would have to go along with a (affinity)");

	in = cluster();		/* a and b together: b cannot go elsewhere */
	assert_int_equal(plan_input_add_group(in, false, ab, 2), 0);
	broken(in, "b would be parted from its affinity group");
}

static void
test_memory(void **state)
{
	struct plan_input *in = cluster();

	(void)state;
	in->hosts[1].mem_total = 1500;	/* e's 1024 MiB leave no room */
	broken(in, "h2 has not the memory for a");
}

static void
test_spread_above_target(void **state)
{
	struct plan_input *in = cluster();
	struct plan_verdict v;
	struct diag d;

	(void)state;
	in->vms[4].load = 200;	/* e doubled: h2 would be at 75% */
	assert_false(plan_check(in, offer, 2, 10, &v, &d));
	assert_true(v.feasible);
	assert_string_equal(d.msg, "no longer reaches 10% (25.0%)");
	assert_true(plan_check(in, offer, 2, 30, &v, &d));	/* 25 <= 30 */
	in->policy.min_gain_pct = 100;	/* the gain no longer pays */
	assert_false(plan_check(in, offer, 2, 50, &v, &d));
	assert_string_equal(d.msg, "gains less than 100% now");
	plan_input_free(in);
}

/* A fresh plan of n moves ending at spread. */
static struct plan *
fresh(size_t n, double spread)
{
	struct plan *p = plan_new();
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		assert_int_equal(plan_add(p, (int)i, 0, 1, "test"), 0);
	p->spread_after = spread;
	return p;
}

static void
test_stands_while_measures_wobble(void **state)
{
	struct plan_input *in = cluster();
	struct plan_offer o;
	struct plan *p = fresh(2, 0);
	char why[256];
	double t;
	int k = 0;

	(void)state;
	plan_offer_init(&o);
	/* loads wobble by +/- 15 around 100, and the offer stands */
	for (t = 10; t <= 600; t += 10, k++) {
		in->vms[0].load = 100 + (k % 2 ? 15 : -15);
		in->vms[4].load = 100 + (k % 3 ? -15 : 15);
		assert_true(plan_offer_stands(in, offer, 2, p, t, &o, why,
		    sizeof why));
	}
	/* a miss of the target shorter than hold_s: still stands */
	in->vms[0].load = 100;
	in->vms[4].load = 160;	/* h2 at 65%: 15% spread */
	assert_true(plan_offer_stands(in, offer, 2, p, 610, &o, why,
	    sizeof why));
	assert_true(plan_offer_stands(in, offer, 2, p, 630, &o, why,
	    sizeof why));
	in->vms[4].load = 100;	/* back: the miss is forgotten */
	assert_true(plan_offer_stands(in, offer, 2, p, 640, &o, why,
	    sizeof why));
	in->vms[4].load = 160;
	assert_true(plan_offer_stands(in, offer, 2, p, 650, &o, why,
	    sizeof why));
	/* missed for hold_s: replaced */
	assert_false(plan_offer_stands(in, offer, 2, p, 680, &o, why,
	    sizeof why));
	assert_string_equal(why, "replaced: no longer reaches 10% (15.0%)");
	/* past the threshold too: a swing of the averages is forgiven for
	 * less than hold_s, a miss that lasts it is not */
	plan_offer_init(&o);
	in->vms[4].load = 200;
	assert_true(plan_offer_stands(in, offer, 2, p, 690, &o, why,
	    sizeof why));
	assert_false(plan_offer_stands(in, offer, 2, p, 720, &o, why,
	    sizeof why));
	assert_string_equal(why, "replaced: no longer reaches 10% (25.0%)");
	plan_free(p);
	plan_input_free(in);
}

static void
test_replaced_by_fewer_moves(void **state)
{
	struct plan_input *in = cluster();
	struct plan *one = fresh(1, 8), *far = fresh(1, 40);
	struct plan_offer o;
	char why[256];

	(void)state;
	plan_offer_init(&o);
	/* fewer moves that do not reach the target: the offer stands */
	assert_true(plan_offer_stands(in, offer, 2, far, 10, &o, why,
	    sizeof why));
	assert_true(plan_offer_stands(in, offer, 2, far, 100, &o, why,
	    sizeof why));
	/* a one-move plan that reaches it, once: not yet */
	assert_true(plan_offer_stands(in, offer, 2, one, 110, &o, why,
	    sizeof why));
	assert_true(plan_offer_stands(in, offer, 2, far, 120, &o, why,
	    sizeof why));
	/* ... and for hold_s: replaced */
	assert_true(plan_offer_stands(in, offer, 2, one, 130, &o, why,
	    sizeof why));
	assert_true(plan_offer_stands(in, offer, 2, one, 150, &o, why,
	    sizeof why));
	assert_false(plan_offer_stands(in, offer, 2, one, 160, &o, why,
	    sizeof why));
	assert_string_equal(why, "replaced: a plan with 1 move instead of 2");
	/* with hold_s 0, at the first tick */
	in->policy.hold_s = 0;
	plan_offer_init(&o);
	assert_false(plan_offer_stands(in, offer, 2, one, 170, &o, why,
	    sizeof why));
	plan_free(one);
	plan_free(far);
	plan_input_free(in);
}

static void
test_replaced_at_once_when_a_move_breaks(void **state)
{
	struct plan_input *in = cluster();
	struct plan *p = fresh(2, 0);
	struct plan_offer o;
	char why[256];

	(void)state;
	plan_offer_init(&o);
	assert_true(plan_offer_stands(in, offer, 2, p, 10, &o, why,
	    sizeof why));
	in->vms[0].host = 2;
	assert_false(plan_offer_stands(in, offer, 2, p, 20, &o, why,
	    sizeof why));
	assert_string_equal(why, "replaced: a is no longer on h1");
	plan_free(p);
	plan_input_free(in);
}

/* A fresh plan that cannot reach the target: the offer need only come
 * within min_gain_pct of where it gets. */
static void
test_target_out_of_reach(void **state)
{
	struct plan_input *in = cluster();
	struct plan *p = fresh(2, 14), *q = fresh(2, 12);
	struct plan_offer o;
	char why[256];

	(void)state;
	in->policy.hold_s = 0;
	in->vms[4].load = 160;	/* the offer gets to 15% */
	plan_offer_init(&o);
	assert_true(plan_offer_stands(in, offer, 2, p, 10, &o, why,
	    sizeof why));
	assert_false(plan_offer_stands(in, offer, 2, q, 20, &o, why,
	    sizeof why));
	assert_string_equal(why, "replaced: no longer reaches 14% (15.0%)");
	plan_free(p);
	plan_free(q);
	plan_input_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holds),
		cmocka_unit_test(test_vm_moved),
		cmocka_unit_test(test_vm_gone),
		cmocka_unit_test(test_host_down),
		cmocka_unit_test(test_host_maintenance),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_spread_above_target),
		cmocka_unit_test(test_stands_while_measures_wobble),
		cmocka_unit_test(test_replaced_by_fewer_moves),
		cmocka_unit_test(test_replaced_at_once_when_a_move_breaks),
		cmocka_unit_test(test_target_out_of_reach),
	};

	return TAP_RUN(tests);
}
