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

/*
 * Reader errors (bad bytes, bad UTF-8) carry a byte offset instead of a
 * mark: count lines and columns up to it ourselves, in characters.
 */
static void
ydoc_reader_error(yaml_parser_t *p, const char *file, const char *buf,
    size_t len, struct diag *d)
{
	const char *what = p->problem != NULL ? p->problem : "invalid input";
	size_t i, off = p->problem_offset < len ? p->problem_offset : len;
	int line = 1, col = 1;
	bool utf8 = strstr(what, "UTF-8") != NULL ||
	    strstr(what, "Unicode") != NULL;

	/*
	 * A bad UTF-8 sequence is reported at its first byte, typically a
	 * Latin-1 letter such as 0xe9; libyaml names the bad trailing one.
	 */
	if (strcmp(what, "invalid trailing UTF-8 octet") == 0 && off > 0) {
		off--;
		for (i = 0; i < 3 && off > 0 &&
		    ((unsigned char)buf[off] & 0xc0) == 0x80; i++)
			off--;
	}
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			col++;
	}
	if (utf8 && off < len)
		diag_set(d, file, line, col,
		    "not UTF-8 text: byte 0x%02x does not start a valid UTF-8 character",
		    (unsigned char)buf[off]);
	else if (p->problem_value >= 0)
		diag_set(d, file, line, col, "%s (byte 0x%02x)", what,
		    (unsigned)p->problem_value & 0xff);
	else
		diag_set(d, file, line, col, "%s", what);
}

/* The byte at a libyaml mark (0-based line, character column), or -1. */
static int
ydoc_char_at(const char *buf, size_t len, yaml_mark_t m)
{
	size_t i = 0, line = 0, col = 0;

	while (i < len && line < m.line) {
		if (buf[i] == '\n')
			line++;
		i++;
	}
	for (; i < len && buf[i] != '\n'; i++) {
		if (((unsigned char)buf[i] & 0xc0) == 0x80)
			continue;
		if (col++ == m.column)
			return (unsigned char)buf[i];
	}
	return -1;
}

static void
ydoc_parser_error(yaml_parser_t *p, const char *file, const char *buf,
    size_t len, struct diag *d)
{
	const char *what = p->problem != NULL ? p->problem : "invalid YAML";
	yaml_mark_t m = p->problem_mark;
	int c;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		diag_set(d, file, 1, 1, "out of memory while reading YAML");
		return;
	case YAML_READER_ERROR:
		ydoc_reader_error(p, file, buf, len, d);
		return;
	default:
		break;
	}
	c = ydoc_char_at(buf, len, m);
	if (p->error == YAML_SCANNER_ERROR && c == '\t') {
		diag_set(d, file, (int)m.line + 1, (int)m.column + 1,
		    "YAML syntax error: a tab character: indent with spaces, not tabs");
		return;
	}
	/* A key without its ':' is reported where the key starts. */
	if (p->context != NULL &&
	    strcmp(p->context, "while scanning a simple key") == 0) {
		m = p->context_mark;
		diag_set(d, file, (int)m.line + 1, (int)m.column + 1,
		    "YAML syntax error: %s after this key", what);
		return;
	}
	/* More text after a complete top-level value: not YAML at all? */
	if (strcmp(what, "did not find expected <document start>") == 0) {
		diag_set(d, file, (int)m.line + 1, (int)m.column + 1,
		    "YAML syntax error: unexpected text after the end of the top-level value");
		return;
	}
	/* Say where the unfinished construct began: an unclosed '{', ... */
	if (p->context != NULL)
		diag_set(d, file, (int)m.line + 1, (int)m.column + 1,
		    "YAML syntax error: %s %s started at %d:%d", what,
		    p->context, (int)p->context_mark.line + 1,
		    (int)p->context_mark.column + 1);
	else
		diag_set(d, file, (int)m.line + 1, (int)m.column + 1,
		    "YAML syntax error: %s", what);
}

/* True when buf holds nothing but white space (the rest is comments). */
static bool
ydoc_blank(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' &&
		    buf[i] != '\n')
			return false;
	return true;
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
		ydoc_parser_error(&parser, file, buf, len, d);
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&y->doc);
	if (root == NULL) {
		yaml_document_delete(&y->doc);
		yaml_parser_delete(&parser);
		diag_set(d, file, 1, 1, ydoc_blank(buf, len) ?
		    "empty file: expected a mapping" :
		    "no YAML content, only comments: expected a mapping");
		return -1;
	}
	/* A second document is an error, not silently ignored. */
	if (!yaml_parser_load(&parser, &extra)) {
		ydoc_parser_error(&parser, file, buf, len, d);
		yaml_document_delete(&y->doc);
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&extra);
	if (root != NULL) {
		/* At the second document's "---" (or its first node). */
		diag_set(d, file, (int)extra.start_mark.line + 1,
		    (int)extra.start_mark.column + 1,
		    "a second YAML document starts here: only one is allowed");
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
