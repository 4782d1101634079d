/*
 * ynode.h - a loaded YAML document and typed reads of its nodes.
 *
 * A thin layer over libyaml's document loader: it loads exactly one
 * document from a memory buffer, refuses empty input and several
 * documents, refuses documents past the caps below, and converts plain scalars to integers, numbers and booleans
 * with every failure reported at the node's position.
 */
#ifndef VMBAL_YNODE_H
#define VMBAL_YNODE_H

#include <stdbool.h>
#include <yaml.h>

#include "diag.h"

/*
 * Caps on what one file may make the loader do, refused with the position
 * of the node that passes them. A node counts once for every way the walk
 * reaches it: an alias counts the whole subtree it names ("expanded").
 * No real configuration comes near them: a scenario of 10,000 VMs is
 * about 110,000 nodes, and vmbal's deepest key is 5 levels down.
 * The fuzzer is built with smaller ones (Makefile), so that inputs of a
 * few KiB reach every cap.
 */
#ifndef YDOC_MAX_NODES
#define YDOC_MAX_NODES 250000	/* expanded nodes in the document */
#endif
#ifndef YDOC_MAX_ALIASES
#define YDOC_MAX_ALIASES 10000
#endif
#ifndef YDOC_MAX_ANCHORS
#define YDOC_MAX_ANCHORS 1000
#endif
#ifndef YDOC_MAX_DEPTH
#define YDOC_MAX_DEPTH 64	/* nested lists and mappings */
#endif

struct ydoc {
	yaml_document_t doc;
	const char *file;
	bool loaded;
};

/* Loads buf; on failure fills d and returns -1 (nothing to free). */
int ydoc_load(struct ydoc *y, const char *file, const char *buf, size_t len,
    struct diag *d);
void ydoc_fini(struct ydoc *y);
yaml_node_t *ydoc_root(struct ydoc *y);
yaml_node_t *ydoc_node(struct ydoc *y, int id);

int ynode_line(const yaml_node_t *n);
int ynode_col(const yaml_node_t *n);
const char *ynode_str(const yaml_node_t *n);	/* scalar text, else NULL */
const char *ynode_kind(const yaml_node_t *n);	/* "a mapping", ... */
bool ynode_is_null(const yaml_node_t *n);

/* Plain-scalar conversions: return 0, or -1 when n is not of that type. */
int ynode_to_long(const yaml_node_t *n, long *out);
int ynode_to_double(const yaml_node_t *n, double *out);
int ynode_to_bool(const yaml_node_t *n, bool *out);

#endif
