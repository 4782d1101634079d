/*
 * buckets.c - the weighted rendezvous bucket table (see buckets.h).
 *
 * Score of member i for bucket b: -ln(u) / w_i, u in (0,1) uniform from
 * a 64-bit hash of (key_i, b); the smallest wins. That is the weighted
 * HRW of Schindelhauer and Schomaker: member i wins a bucket with
 * probability w_i / sum(w), and the winner of a bucket only changes when
 * the winner itself leaves (or loses weight) or a newcomer beats it.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"

static uint64_t
buckets_fnv(const char *s, uint64_t h)
{
	for (; s != NULL && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t
buckets_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static double
buckets_score(uint64_t keyhash, size_t b, double w)
{
	uint64_t h = buckets_mix(keyhash ^ buckets_mix((uint64_t)b +
	    0x9e3779b97f4a7c15ULL));
	double u = ((double)(h >> 11) + 0.5) / 9007199254740992.0;

	return -log(u) / w;
}

static bool
buckets_better(const struct buckets_member *mem, size_t i, double si,
    size_t j, double sj)
{
	int c;

	if (si != sj)
		return si < sj;
	c = strcmp(mem[i].key ? mem[i].key : "", mem[j].key ? mem[j].key : "");
	return c != 0 ? c < 0 : i < j;
}

void
buckets_table(const struct buckets_member *mem, size_t n, uint32_t *table,
    size_t m)
{
	uint64_t *kh = calloc(n + 1, sizeof *kh);
	size_t b, i;

	for (i = 0; kh != NULL && i < n; i++)
		kh[i] = buckets_fnv(mem[i].key, 0xcbf29ce484222325ULL);
	for (b = 0; b < m; b++) {
		uint32_t best = BUCKETS_NONE;
		double bs = 0;

		for (i = 0; i < n; i++) {
			double s;

			if (!(mem[i].weight > 0))
				continue;
			s = buckets_score(kh != NULL ? kh[i] :
			    buckets_fnv(mem[i].key, 0xcbf29ce484222325ULL), b,
			    mem[i].weight);
			if (best == BUCKETS_NONE ||
			    buckets_better(mem, i, s, best, bs)) {
				best = (uint32_t)i;
				bs = s;
			}
		}
		table[b] = best;
	}
	free(kh);
}

uint32_t
buckets_seed(const char *name, unsigned level)
{
	uint64_t h = buckets_fnv(name, 0xcbf29ce484222325ULL);

	return (uint32_t)(buckets_mix(h + level * 0x9e3779b97f4a7c15ULL) >> 32);
}
