/*
 * vec.h - the one growable array helper: room for at least want
 * elements in an array of elem-sized elements, doubling as it grows, so
 * that a queue or list is a pointer, a count and a capacity, and no file
 * writes its own realloc dance.
 *
 *	struct item *v = NULL; size_t n = 0, cap = 0;
 *	if (vec_reserve(&v, &cap, n + 1, sizeof *v) != 0)
 *		return -1;	(v and cap unchanged)
 *	v[n++] = item;
 */
#ifndef VMBAL_VEC_H
#define VMBAL_VEC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* vp points to the array pointer. 0, or -1 on ENOMEM or overflow with
 * the array as it was. */
static inline int
vec_reserve(void *vp, size_t *cap, size_t want, size_t elem)
{
	void *p, *old;
	size_t ncap = *cap > 0 ? *cap : 8;

	if (want <= *cap)
		return 0;
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (elem != 0 && ncap > SIZE_MAX / elem)
		return -1;
	memcpy(&old, vp, sizeof old);
	p = realloc(old, ncap * elem);
	if (p == NULL)
		return -1;
	memcpy(vp, &p, sizeof p);
	*cap = ncap;
	return 0;
}

#endif
