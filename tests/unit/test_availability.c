/*
 * test_availability.c - engine/availability.c: a host's failures, MTBF,
 * MTTR and availability = MTBF / (MTBF + MTTR) once every incident is
 * closed; an open incident counts as down time but not in MTTR; a VM's
 * outages; repeated downs and ups that do not open or close twice.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../engine/availability.h"

static void
test_never_down(void **state)
{
	struct avail *a = avail_new();
	struct avail_figures f;

	(void)state;
	assert_false(avail_figures(a, AVAIL_HOST, "h1", 10, &f));
	assert_int_equal(avail_seen(a, AVAIL_HOST, "h1", 100), 0);
	assert_int_equal(avail_seen(a, AVAIL_HOST, "h1", 150), 0);
	assert_true(avail_figures(a, AVAIL_HOST, "h1", 400, &f));
	assert_int_equal(f.incidents, 0);
	assert_false(f.down_now);
	assert_near(f.observed_s, 300, 1e-9);	/* from the first sight */
	assert_true(f.mtbf_s < 0 && f.mttr_s < 0 && f.last_s < 0);
	assert_near(f.availability, 1, 1e-12);
	avail_free(a);
}

static void
test_two_failures(void **state)
{
	struct avail *a = avail_new();
	struct avail_figures f;

	(void)state;
	avail_seen(a, AVAIL_HOST, "h1", 0);
	assert_int_equal(avail_down(a, AVAIL_HOST, "h1", NULL, 1000), 0);
	avail_down(a, AVAIL_HOST, "h1", NULL, 1010);	/* still down: no new one */
	assert_true(avail_is_down(a, AVAIL_HOST, "h1"));
	avail_up(a, AVAIL_HOST, "h1", 1060);
	avail_up(a, AVAIL_HOST, "h1", 1070);	/* up already: nothing */
	assert_false(avail_is_down(a, AVAIL_HOST, "h1"));
	avail_down(a, AVAIL_HOST, "h1", NULL, 3000);
	avail_up(a, AVAIL_HOST, "h1", 3140);
	assert_true(avail_figures(a, AVAIL_HOST, "h1", 4000, &f));
	assert_int_equal(f.incidents, 2);
	assert_near(f.down_s, 200, 1e-9);
	assert_near(f.mttr_s, 100, 1e-9);
	assert_near(f.last_s, 140, 1e-9);
	assert_near(f.mtbf_s, (4000 - 200) / 2.0, 1e-9);
	assert_near(f.availability, 3800 / 4000.0, 1e-12);
	/* the study's formula, all incidents closed */
	assert_near(f.availability, f.mtbf_s / (f.mtbf_s + f.mttr_s), 1e-12);
	avail_free(a);
}

static void
test_open_incident(void **state)
{
	struct avail *a = avail_new();
	struct avail_figures f;

	(void)state;
	avail_seen(a, AVAIL_VM, "db1", 0);
	avail_down(a, AVAIL_VM, "db1", "h2", 50);
	assert_true(avail_figures(a, AVAIL_VM, "db1", 80, &f));
	assert_true(f.down_now);
	assert_int_equal(f.incidents, 1);
	assert_near(f.down_s, 30, 1e-9);	/* so far */
	assert_true(f.mttr_s < 0);		/* none repaired yet */
	assert_near(f.availability, 50 / 80.0, 1e-12);
	avail_up(a, AVAIL_VM, "db1", 73.5);
	assert_true(avail_figures(a, AVAIL_VM, "db1", 100, &f));
	assert_near(f.mttr_s, 23.5, 1e-9);
	assert_near(f.last_s, 23.5, 1e-9);
	avail_free(a);
}

static void
test_kinds_apart_and_listed(void **state)
{
	struct avail *a = avail_new();
	struct avail_figures f;

	(void)state;
	avail_down(a, AVAIL_VM, "x", "h2", 10);	/* down first: seen then */
	avail_seen(a, AVAIL_HOST, "x", 0);
	avail_seen(a, AVAIL_VM, "y", 5);
	avail_seen(a, AVAIL_VM, "w", 6);	/* listed by name */
	assert_false(avail_is_down(a, AVAIL_HOST, "x"));
	assert_true(avail_is_down(a, AVAIL_VM, "x"));
	avail_up(a, AVAIL_VM, "x", 5);		/* before it began: 0 long */
	assert_true(avail_figures(a, AVAIL_VM, "x", 20, &f));
	assert_near(f.mttr_s, 0, 1e-12);
	assert_near(f.observed_s, 10, 1e-9);
	assert_string_equal(f.where, "h2");
	assert_true(avail_figures(a, AVAIL_HOST, "x", 20, &f));
	assert_null(f.where);
	assert_string_equal(avail_name(a, AVAIL_VM, 0), "w");
	assert_string_equal(avail_name(a, AVAIL_VM, 1), "x");
	assert_string_equal(avail_name(a, AVAIL_VM, 2), "y");
	assert_null(avail_name(a, AVAIL_VM, 3));
	assert_string_equal(avail_name(a, AVAIL_HOST, 0), "x");
	assert_null(avail_name(a, AVAIL_HOST, 1));
	avail_free(a);
}

static void
test_many(void **state)
{
	struct avail *a = avail_new();
	struct avail_figures f;
	char name[16];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "vm%d", i);
		assert_int_equal(avail_down(a, AVAIL_VM, name, "h2", i), 0);
		avail_up(a, AVAIL_VM, name, i + i % 7);
	}
	assert_true(avail_figures(a, AVAIL_VM, "vm999", 2000, &f));
	assert_near(f.mttr_s, 999 % 7, 1e-9);
	for (i = 0; i < 1000; i++) {	/* each found, after inserts in
					 * an order not the names' */
		snprintf(name, sizeof name, "vm%d", i);
		assert_true(avail_figures(a, AVAIL_VM, name, 2000, &f));
		assert_near(f.mttr_s, i % 7, 1e-9);
	}
	for (i = 1; avail_name(a, AVAIL_VM, (size_t)i) != NULL; i++)
		assert_true(strcmp(avail_name(a, AVAIL_VM, (size_t)i - 1),
		    avail_name(a, AVAIL_VM, (size_t)i)) < 0);
	assert_int_equal(i, 1000);
	avail_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_down),
		cmocka_unit_test(test_two_failures),
		cmocka_unit_test(test_open_incident),
		cmocka_unit_test(test_kinds_apart_and_listed),
		cmocka_unit_test(test_many),
	};

	return TAP_RUN(tests);
}
