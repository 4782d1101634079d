/*
 * buckets.h - the bucket table of a hashed service (source-hash, or any
 * algorithm with persistence_s): which backend each of m buckets sends
 * its clients to. Weighted rendezvous (HRW) per bucket: every backend
 * scores every bucket from a hash of its stable name (address:port) and
 * the bucket's number, scaled by its weight, and the best score wins. So
 * the table depends only on the names and weights (the same on every
 * director and after every rebuild), and when one backend leaves or
 * returns only its own buckets move. Pure. See docs/dnat.md.
 */
#ifndef VMBAL_BUCKETS_H
#define VMBAL_BUCKETS_H

#include <stddef.h>
#include <stdint.h>

#define BUCKETS_M 1024		/* 32 x 32: two levels of xt_cluster */
#define BUCKETS_NONE ((uint32_t)-1)

struct buckets_member {
	const char *key;	/* stable name, e.g. "198.18.1.1:80" */
	double weight;		/* <= 0: takes no bucket */
};

/*
 * table[b] (b < m) = the index in mem of the member bucket b goes to, or
 * BUCKETS_NONE when no member has a weight. Ties (never in practice) go
 * to the smaller key, then the smaller index.
 */
void buckets_table(const struct buckets_member *mem, size_t n, uint32_t *table,
    size_t m);

/* A 32-bit seed from a name and a level (1, 2, ...): FNV-1a, mixed. The
 * same name gives the same seeds everywhere; levels differ. */
uint32_t buckets_seed(const char *name, unsigned level);

#endif
