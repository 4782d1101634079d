/*
 * test_buckets.c - the bucket table of hashed services (engine/buckets.c):
 * deterministic from names and weights (not from the members' order),
 * weighted, and minimal: when a backend leaves or returns, or one
 * backend's weight changes, only that backend's buckets move.
 */
#include "tap.h"

#include <stdio.h>
#include <string.h>

#include "../../engine/buckets.h"

#define N 10

static char keys[N][32];

static void
members(struct buckets_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[i], sizeof keys[i], "198.18.189.%zu:80", i + 10);
		m[i].key = keys[i];
		m[i].weight = 1;
	}
}

/* Same members twice, and in reverse order: the same table by name. */
static void
test_deterministic(void **state)
{
	struct buckets_member m[N], r[N];
	uint32_t a[BUCKETS_M], b[BUCKETS_M], c[BUCKETS_M];

	(void)state;
	members(m, N);
	for (size_t i = 0; i < N; i++)
		r[i] = m[N - 1 - i];
	buckets_table(m, N, a, BUCKETS_M);
	buckets_table(m, N, b, BUCKETS_M);
	buckets_table(r, N, c, BUCKETS_M);
	for (size_t i = 0; i < BUCKETS_M; i++) {
		assert_int_equal(a[i], b[i]);
		assert_string_equal(m[a[i]].key, r[c[i]].key);
	}
}

/* Equal weights: every member near m/n; 1:3 gives about 1/4 : 3/4. */
static void
test_weighted(void **state)
{
	struct buckets_member m[N];
	uint32_t t[BUCKETS_M];
	size_t count[N] = { 0 };

	(void)state;
	members(m, N);
	buckets_table(m, N, t, BUCKETS_M);
	for (size_t i = 0; i < BUCKETS_M; i++)
		count[t[i]]++;
	for (size_t i = 0; i < N; i++)	/* 102.4, sd about 9.6 */
		if (count[i] < 60 || count[i] > 145)
			fail_msg("member %zu: %zu buckets", i, count[i]);
	m[1].weight = 3;
	memset(count, 0, sizeof count);
	buckets_table(m, 2, t, BUCKETS_M);
	for (size_t i = 0; i < BUCKETS_M; i++)
		count[t[i]]++;
	assert_near((double)count[1] / BUCKETS_M, 0.75, 0.06);
}

/* One leaves (weight 0): only its buckets move; it returns: the table
 * is the first one again. One's weight doubles: buckets only move to it. */
static void
test_minimal(void **state)
{
	struct buckets_member m[N];
	uint32_t a[BUCKETS_M], b[BUCKETS_M], c[BUCKETS_M];
	size_t moved = 0, had = 0;

	(void)state;
	members(m, N);
	buckets_table(m, N, a, BUCKETS_M);
	m[3].weight = 0;
	buckets_table(m, N, b, BUCKETS_M);
	for (size_t i = 0; i < BUCKETS_M; i++) {
		assert_int_not_equal(b[i], 3);
		had += a[i] == 3;
		if (a[i] != b[i]) {
			moved++;
			assert_int_equal(a[i], 3);
		}
	}
	assert_int_equal(moved, had);
	m[3].weight = 1;
	buckets_table(m, N, c, BUCKETS_M);
	assert_memory_equal(a, c, sizeof a);
	m[5].weight = 2;
	buckets_table(m, N, c, BUCKETS_M);
	moved = 0;
	for (size_t i = 0; i < BUCKETS_M; i++)
		if (a[i] != c[i]) {
			moved++;
			assert_int_equal(c[i], 5);
		}
	assert_true(moved > 40);	/* about 1024 * (2/11 - 1/10) = 84 */
}

static void
test_empty(void **state)
{
	struct buckets_member m[2] = { { "a:1", 0 }, { "b:1", 0 } };
	uint32_t t[BUCKETS_M];

	(void)state;
	buckets_table(m, 2, t, BUCKETS_M);
	for (size_t i = 0; i < BUCKETS_M; i++)
		assert_int_equal(t[i], BUCKETS_NONE);
	buckets_table(NULL, 0, t, 4);
	assert_int_equal(t[3], BUCKETS_NONE);
}

static void
test_seeds(void **state)
{
	(void)state;
	assert_int_equal(buckets_seed("web", 1), buckets_seed("web", 1));
	assert_int_not_equal(buckets_seed("web", 1), buckets_seed("web", 2));
	assert_int_not_equal(buckets_seed("web", 1), buckets_seed("dns", 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_seeds),
	};

	return TAP_RUN(tests);
}
