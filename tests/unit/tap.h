/*
 * tap.h - what every unit test includes: cmocka, set to print TAP so that
 * prove can run the binary directly.
 */
#ifndef VMBAL_TEST_TAP_H
#define VMBAL_TEST_TAP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

/* |a - b| <= eps, with both values in the failure message. */
#define assert_near(a, b, eps) do { \
	double a_ = (a), b_ = (b); \
	if (!(fabs(a_ - b_) <= (eps))) { \
		print_error("%s = %.6f, expected %.6f (+/- %g)\n", #a, a_, b_, \
		    (double)(eps)); \
		fail(); \
	} \
} while (0)

#define TAP_RUN(tests) \
	(cmocka_set_message_output(CM_OUTPUT_TAP), \
	 cmocka_run_group_tests(tests, NULL, NULL))

#endif
