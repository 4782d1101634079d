/*
 * cluster_tag.h - a short, stable name of one cluster (its configuration
 * file), for what several vmbal on one machine must keep apart: the DNAT
 * chains (VMBAL-<tag>-..., docs/dnat.md).
 */
#ifndef VMBAL_CLUSTER_TAG_H
#define VMBAL_CLUSTER_TAG_H

#include <stddef.h>
#include <stdint.h>

#define CLUSTER_TAG_LEN 6	/* hex digits */

/* FNV-1a (32 bits) of s: the hash the lease file is named with. */
uint32_t cluster_hash(const char *s);

/*
 * The tag of the configuration at path: the first CLUSTER_TAG_LEN of the
 * eight lowercase hex digits of cluster_hash(its real path) (the path as
 * given when it cannot be resolved), the same digits that start the
 * lease file's hash (cli/lease.c). So a file reached by two paths has
 * one tag, and two files of one name in different places have two.
 * out gets at least CLUSTER_TAG_LEN + 1 bytes.
 */
void cluster_tag(const char *path, char *out, size_t outlen);

#endif
