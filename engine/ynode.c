/*
 * ynode.c - loading one YAML document with libyaml and reading typed
 * scalars from it.
 *
 * Quoted scalars are always strings; only plain scalars convert to
 * numbers or booleans, as YAML's core schema says.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ynode.h"

static void
ydoc_parser_error(yaml_parser_t *p, const char *file, struct diag *d)
{
	const char *what = p->problem != NULL ? p->problem : "invalid YAML";
	yaml_mark_t m = p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR) {
		diag_set(d, file, 1, 1, "out of memory while reading YAML");
		return;
	}
	if (p->context != NULL)
		diag_set(d, file, (int)m.line + 1, (int)m.column + 1,
		    "YAML syntax error: %s %s", what, p->context);
	else
		diag_set(d, file, (int)m.line + 1, (int)m.column + 1,
		    "YAML syntax error: %s", what);
}

int
ydoc_load(struct ydoc *y, const char *file, const char *buf, size_t len,
    struct diag *d)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	yaml_node_t *root;

	memset(y, 0, sizeof *y);
	y->file = file;
	if (!yaml_parser_initialize(&parser)) {
		diag_set(d, file, 1, 1, "out of memory while reading YAML");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		ydoc_parser_error(&parser, file, d);
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&y->doc);
	if (root == NULL) {
		yaml_document_delete(&y->doc);
		yaml_parser_delete(&parser);
		diag_set(d, file, 1, 1, "empty file: expected a mapping");
		return -1;
	}
	/* A second document is an error, not silently ignored. */
	if (!yaml_parser_load(&parser, &extra)) {
		ydoc_parser_error(&parser, file, d);
		yaml_document_delete(&y->doc);
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&extra);
	if (root != NULL) {
		diag_set(d, file, (int)root->start_mark.line + 1,
		    (int)root->start_mark.column + 1,
		    "only one YAML document is allowed");
		yaml_document_delete(&extra);
		yaml_document_delete(&y->doc);
		yaml_parser_delete(&parser);
		return -1;
	}
	yaml_document_delete(&extra);
	yaml_parser_delete(&parser);
	y->loaded = true;
	return 0;
}

void
ydoc_fini(struct ydoc *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
}

yaml_node_t *
ydoc_root(struct ydoc *y)
{
	return yaml_document_get_root_node(&y->doc);
}

yaml_node_t *
ydoc_node(struct ydoc *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

int
ynode_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

int
ynode_col(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

const char *
ynode_str(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

bool
ynode_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = ynode_str(n);
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *
ynode_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		if (ynode_is_null(n))
			return "nothing (null)";
		return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
		    "a scalar" : "a quoted string";
	default:
		return "nothing";
	}
}

static bool
ynode_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    n->data.scalar.length > 0 &&
	    strlen(ynode_str(n)) == n->data.scalar.length;
}

int
ynode_to_long(const yaml_node_t *n, long *out)
{
	const char *s;
	char *end;
	long v;

	if (!ynode_plain(n))
		return -1;
	s = ynode_str(n);
	if (!isdigit((unsigned char)s[0]) && s[0] != '-' && s[0] != '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s)
		return -1;
	*out = v;
	return 0;
}

int
ynode_to_double(const yaml_node_t *n, double *out)
{
	const char *s, *p;
	char *end;
	double v;

	if (!ynode_plain(n))
		return -1;
	s = ynode_str(n);
	/* Decimal notation only: no hex floats, no inf or nan. */
	for (p = s; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p) && strchr("+-.eE", *p) == NULL)
			return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int
ynode_to_bool(const yaml_node_t *n, bool *out)
{
	const char *s;

	if (!ynode_plain(n))
		return -1;
	s = ynode_str(n);
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}
