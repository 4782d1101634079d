/*
 * ynode.h - a loaded YAML document and typed reads of its nodes.
 *
 * A thin layer over libyaml's document loader: it loads exactly one
 * document from a memory buffer, refuses empty input and several
 * documents, and converts plain scalars to integers, numbers and booleans
 * with every failure reported at the node's position.
 */
#ifndef VMBAL_YNODE_H
#define VMBAL_YNODE_H

#include <stdbool.h>
#include <yaml.h>

#include "diag.h"

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
