/*
 * test_ha_place.c - placing a dead host's VMs on the survivors
 * (engine/ha_place.c): CPU capacity by the VMs' averages, memory above
 * each host's reserve, anti-affinity, pins, affinity groups, exclude,
 * higher priority first then by name, and a VM that fits nowhere named
 * with why, host by host.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../engine/ha_place.h"

/* h0 dead; h1, h2 survivors (4 CPUs, 8192 MiB, reserve 1024). */
static struct plan_input *
mk(size_t nvms)
{
	static const char *const hosts[] = { "h0", "h1", "h2" };
	static const char *const vms[] = { "a", "b", "c", "d", "e", "f" };
	struct plan_input *in = plan_input_new(3, nvms);
	size_t i;

	assert_non_null(in);
	policy_defaults(&in->policy);
	for (i = 0; i < 3; i++) {
		in->hosts[i].name = hosts[i];
		in->hosts[i].cap = 400;
		in->hosts[i].mem_total = 8192;
		in->hosts[i].mem_reserve = 1024;
		in->hosts[i].up = i > 0;
	}
	for (i = 0; i < nvms; i++) {
		in->vms[i].name = vms[i];
		in->vms[i].host = 0;
		in->vms[i].load = 50;
		in->vms[i].mem = 1024;
		in->vms[i].pin = -1;
		in->vms[i].dirty = -1;
	}
	return in;
}

static void
reqs_all(struct ha_req *r, size_t n)
{
	size_t i;

	memset(r, 0, n * sizeof *r);
	for (i = 0; i < n; i++)
		r[i].vm = (int)i;
}

static const struct ha_spot *
spot_of(const struct ha_spot *s, size_t n, int vm)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].vm == vm)
			return &s[i];
	fail_msg("vm %d not in the output", vm);
	return NULL;
}

static void
test_capacity(void **state)
{
	struct plan_input *in = mk(3);
	struct ha_req r[3];
	struct ha_spot s[3];

	(void)state;
	/* 300% each: one per survivor, the third fits nowhere by CPU */
	in->vms[0].load = in->vms[1].load = in->vms[2].load = 300;
	reqs_all(r, 3);
	assert_int_equal(ha_place(in, r, 3, s), 0);
	assert_true(spot_of(s, 3, 0)->to > 0);
	assert_true(spot_of(s, 3, 1)->to > 0);
	assert_int_not_equal(spot_of(s, 3, 0)->to, spot_of(s, 3, 1)->to);
	assert_int_equal(spot_of(s, 3, 2)->to, -1);
	assert_non_null(strstr(spot_of(s, 3, 2)->why, "fits nowhere: "));
	assert_non_null(strstr(spot_of(s, 3, 2)->why, "not enough CPU"));
	assert_non_null(strstr(spot_of(s, 3, 2)->why, "h1"));
	assert_non_null(strstr(spot_of(s, 3, 2)->why, "h2"));
	plan_input_free(in);
}

static void
test_reserve(void **state)
{
	struct plan_input *in = mk(2);
	struct ha_req r[2];
	struct ha_spot s[2];

	(void)state;
	/* 7168 MiB fits under 8192 - 1024; 7169 does not */
	in->vms[0].mem = 7168;
	in->vms[1].mem = 7169;
	in->hosts[2].up = false;	/* one survivor */
	reqs_all(r, 2);
	assert_int_equal(ha_place(in, r, 2, s), 0);
	assert_int_equal(spot_of(s, 2, 0)->to, 1);
	assert_int_equal(spot_of(s, 2, 1)->to, -1);
	assert_non_null(strstr(spot_of(s, 2, 1)->why, "not enough memory"));
	assert_null(strstr(spot_of(s, 2, 1)->why, "h2"));	/* not a survivor */
	/* a host's own reserve counts */
	in->vms[0].mem = 4096;
	in->vms[1].mem = 1;
	in->hosts[1].mem_reserve = 4096;
	assert_int_equal(ha_place(in, r, 2, s), 0);
	assert_int_equal(spot_of(s, 2, 0)->to, 1);
	assert_int_equal(spot_of(s, 2, 1)->to, -1);
	plan_input_free(in);
}

static void
test_anti_affinity(void **state)
{
	struct plan_input *in = mk(3);
	struct ha_req r[3];
	struct ha_spot s[3];
	int g[] = { 0, 1, 2 };

	(void)state;
	assert_int_equal(plan_input_add_group(in, true, g, 3), 0);
	reqs_all(r, 3);
	assert_int_equal(ha_place(in, r, 3, s), 0);
	assert_true(spot_of(s, 3, 0)->to > 0);
	assert_true(spot_of(s, 3, 1)->to > 0);
	assert_int_not_equal(spot_of(s, 3, 0)->to, spot_of(s, 3, 1)->to);
	assert_int_equal(spot_of(s, 3, 2)->to, -1);
	assert_non_null(strstr(spot_of(s, 3, 2)->why, "anti-affinity"));
	plan_input_free(in);
}

static void
test_priority_order(void **state)
{
	struct plan_input *in = mk(3);
	struct ha_req r[3];
	struct ha_spot s[3];

	(void)state;
	/* room for one: the highest priority gets it, whatever its name */
	in->hosts[2].up = false;
	in->vms[0].mem = in->vms[1].mem = in->vms[2].mem = 5000;
	reqs_all(r, 3);
	r[2].priority = 5;
	assert_int_equal(ha_place(in, r, 3, s), 0);
	assert_int_equal(s[0].vm, 2);
	assert_int_equal(s[0].to, 1);
	assert_int_equal(s[1].vm, 0);	/* then by name: a, b */
	assert_int_equal(s[2].vm, 1);
	assert_int_equal(s[1].to, -1);
	assert_int_equal(s[2].to, -1);
	plan_input_free(in);
}

static void
test_rules(void **state)
{
	struct plan_input *in = mk(4);
	struct ha_req r[4];
	struct ha_spot s[4];
	int aff[] = { 1, 3 };

	(void)state;
	in->vms[0].pin = 0;		/* pinned to the dead host */
	in->vms[3].host = 2;		/* b's partner runs on h2 */
	assert_int_equal(plan_input_add_group(in, false, aff, 2), 0);
	reqs_all(r, 3);
	r[2].excluded = true;
	assert_int_equal(ha_place(in, r, 3, s), 0);
	assert_int_equal(spot_of(s, 3, 0)->to, -1);
	assert_non_null(strstr(spot_of(s, 3, 0)->why, "pinned to h0"));
	assert_int_equal(spot_of(s, 3, 1)->to, 2);	/* with its group */
	assert_int_equal(spot_of(s, 3, 2)->to, -1);
	assert_non_null(strstr(spot_of(s, 3, 2)->why, "exclude"));
	/* maintenance and connecting hosts take nothing */
	in->vms[0].pin = -1;
	in->hosts[1].maintenance = true;
	in->hosts[2].up = false;
	reqs_all(r, 1);
	assert_int_equal(ha_place(in, r, 1, s), 0);
	assert_int_equal(s[0].to, -1);
	assert_non_null(strstr(s[0].why, "no host"));
	plan_input_free(in);
}

static void
test_spreads(void **state)
{
	struct plan_input *in = mk(4);
	struct ha_req r[4];
	struct ha_spot s[4];
	int n1 = 0, n2 = 0;
	size_t i;

	(void)state;
	reqs_all(r, 4);
	assert_int_equal(ha_place(in, r, 4, s), 0);
	for (i = 0; i < 4; i++) {
		n1 += s[i].to == 1;
		n2 += s[i].to == 2;
	}
	assert_int_equal(n1, 2);	/* the emptier host each time */
	assert_int_equal(n2, 2);
	plan_input_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_anti_affinity),
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_spreads),
	};

	return TAP_RUN(tests);
}
