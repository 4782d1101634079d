/*
 * cluster_tag.c - the tag of a cluster's configuration (see
 * cluster_tag.h): FNV-1a of the configuration's real path, cut to six hex
 * digits.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cluster_tag.h"

uint32_t
cluster_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
cluster_tag(const char *path, char *out, size_t outlen)
{
	char real[PATH_MAX], hex[9];
	const char *key = path != NULL ? path : "demo";

	if (path != NULL && realpath(path, real) != NULL)
		key = real;
	snprintf(hex, sizeof hex, "%08x", (unsigned)cluster_hash(key));
	snprintf(out, outlen, "%.*s", CLUSTER_TAG_LEN, hex);
}
