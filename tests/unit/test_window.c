/*
 * test_window.c - moving-average windows.
 */
#include "tap.h"

#include "../../engine/window.h"

static void
test_empty(void **state)
{
	struct window w;

	(void)state;
	assert_int_equal(window_init(&w, 4), 0);
	assert_true(window_mean(&w) == 0);
	assert_int_equal(window_count(&w), 0);
	window_fini(&w);
}

static void
test_fill_and_slide(void **state)
{
	struct window w;
	int i;

	(void)state;
	assert_int_equal(window_init(&w, 4), 0);
	window_push(&w, 10);
	window_push(&w, 20);
	assert_true(window_mean(&w) == 15);
	window_push(&w, 30);
	window_push(&w, 40);
	assert_true(window_mean(&w) == 25);
	window_push(&w, 50);		/* 10 drops out */
	assert_true(window_mean(&w) == 35);
	assert_true(window_last(&w) == 50);
	for (i = 0; i < 1000; i++)
		window_push(&w, 7);
	assert_true(window_mean(&w) == 7);
	assert_int_equal(window_count(&w), 4);
	window_reset(&w);
	assert_int_equal(window_count(&w), 0);
	window_fini(&w);
}

/* The running sum never drifts: after a wrap it equals a fresh sum. */
static void
test_no_drift(void **state)
{
	struct window w;
	double expect = 0;
	int i;

	(void)state;
	assert_int_equal(window_init(&w, 10), 0);
	for (i = 0; i < 1000000; i++)
		window_push(&w, (i % 3) * 0.1 + 1e6 * (i % 2));
	for (i = 999990; i < 1000000; i++)
		expect += (i % 3) * 0.1 + 1e6 * (i % 2);
	assert_near(window_mean(&w), expect / 10, 1e-9);
	window_fini(&w);
}

static void
test_size_one(void **state)
{
	struct window w;

	(void)state;
	assert_int_equal(window_init(&w, 1), 0);
	window_push(&w, 3);
	window_push(&w, 9);
	assert_true(window_mean(&w) == 9);
	window_fini(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fill_and_slide),
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_size_one),
	};

	return TAP_RUN(tests);
}
