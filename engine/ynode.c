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
#include <stdarg.h>
#include <stdio.h>
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

/*
 * The caps, checked on libyaml's event stream before the document is
 * built (libyaml's loader has none of its own).
 *
 * libyaml keeps an alias as a reference to its anchor's node, but the
 * walk in config.c visits the anchored subtree again at every alias: an
 * alias bomb (aliases of lists of aliases) makes a 1 MiB file walk
 * billions of nodes. So every node counts as many times as the walk would
 * reach it: an alias counts the expanded size of what it names, and the
 * total is capped. Anchors and aliases are capped too, since libyaml
 * looks each alias up in a list of all anchors. Depth is capped because
 * libyaml's scanner costs grow with the flow depth ("[[[[..."): the count
 * stops reading events as soon as a cap is passed, so libyaml never does
 * more than the cap's worth of work.
 */
struct ycount_anchor {
	char *name;
	size_t size;		/* expanded nodes; 0 while still open */
};

struct ycount {
	size_t total;		/* expanded nodes so far */
	size_t aliases;
	size_t frame[YDOC_MAX_DEPTH + 1];	/* expanded size of each open one */
	size_t nframe;
	size_t anchor_of[YDOC_MAX_DEPTH + 1];	/* its anchor's index + 1, or 0 */
	struct ycount_anchor *anchors;
	size_t nanchors;
	size_t ndoc;		/* documents started */
};

static void
ycount_reset_anchors(struct ycount *c)
{
	size_t i;

	for (i = 0; i < c->nanchors; i++)
		free(c->anchors[i].name);
	free(c->anchors);
	c->anchors = NULL;
	c->nanchors = 0;
}

/* Adds n expanded nodes to the open collection (and to the total). */
static void
ycount_add(struct ycount *c, size_t n)
{
	c->total += n;
	if (c->nframe > 0)
		c->frame[c->nframe - 1] += n;
}

/* Records an anchor; returns its index + 1, 0 when there is none, -1 on ENOMEM. */
static long
ycount_anchor(struct ycount *c, const yaml_char_t *name, size_t size)
{
	struct ycount_anchor *a;

	if (name == NULL)
		return 0;
	a = realloc(c->anchors, (c->nanchors + 1) * sizeof *a);
	if (a == NULL)
		return -1;
	c->anchors = a;
	a[c->nanchors].name = strdup((const char *)name);
	if (a[c->nanchors].name == NULL)
		return -1;
	a[c->nanchors].size = size;
	return (long)++c->nanchors;
}

/* The expanded size of the anchor an alias names (the latest of that name). */
static size_t
ycount_alias_size(const struct ycount *c, const yaml_char_t *name)
{
	size_t i;

	for (i = c->nanchors; i > 0; i--)
		if (strcmp(c->anchors[i - 1].name, (const char *)name) == 0)
			return c->anchors[i - 1].size > 0 ?
			    c->anchors[i - 1].size : 1;
	return 1;	/* undefined: libyaml's loader says so */
}

static int
ycount_err(struct diag *d, const char *file, const yaml_event_t *e,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
ycount_err(struct diag *d, const char *file, const yaml_event_t *e,
    const char *fmt, ...)
{
	char msg[sizeof d->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_set(d, file, (int)e->start_mark.line + 1,
	    (int)e->start_mark.column + 1, "%s", msg);
	return -1;
}

/* One event against the caps: 0, 1 at the end of the second document, or -1. */
static int
ycount_event(struct ycount *c, const yaml_event_t *e, const char *file,
    struct diag *d)
{
	const yaml_char_t *anchor = NULL;
	size_t n;
	long a;

	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		c->ndoc++;
		ycount_reset_anchors(c);	/* anchors are per document */
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		/* ydoc_load refuses a second document and reads no further */
		return c->ndoc >= 2 ? 1 : 0;
	case YAML_ALIAS_EVENT:
		if (++c->aliases > YDOC_MAX_ALIASES)
			return ycount_err(d, file, e,
			    "too many aliases: more than %d in the file",
			    YDOC_MAX_ALIASES);
		n = ycount_alias_size(c, e->data.alias.anchor);
		ycount_add(c, n);
		if (c->total > YDOC_MAX_NODES)
			return ycount_err(d, file, e,
			    "alias *%.64s expands the document past %d nodes (an alias bomb?)",
			    (const char *)e->data.alias.anchor, YDOC_MAX_NODES);
		return 0;
	case YAML_SCALAR_EVENT:
		anchor = e->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = e->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = e->data.mapping_start.anchor;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (c->nframe == 0)
			return 0;
		n = c->frame[--c->nframe];
		if (c->anchor_of[c->nframe] > 0)
			c->anchors[c->anchor_of[c->nframe] - 1].size = n;
		if (c->nframe > 0)
			c->frame[c->nframe - 1] += n;
		return 0;
	default:
		return 0;
	}
	if (anchor != NULL && c->nanchors >= YDOC_MAX_ANCHORS)
		return ycount_err(d, file, e,
		    "too many anchors: more than %d in the file",
		    YDOC_MAX_ANCHORS);
	c->total++;
	if (c->total > YDOC_MAX_NODES)
		return ycount_err(d, file, e,
		    "too many nodes: the document has more than %d",
		    YDOC_MAX_NODES);
	if (e->type == YAML_SCALAR_EVENT) {
		if (c->nframe > 0)
			c->frame[c->nframe - 1]++;
		if (ycount_anchor(c, anchor, 1) < 0)
			return ycount_err(d, file, e,
			    "out of memory while reading YAML");
		return 0;
	}
	if (c->nframe >= YDOC_MAX_DEPTH)
		return ycount_err(d, file, e,
		    "nested too deeply: more than %d levels of lists and mappings",
		    YDOC_MAX_DEPTH);
	a = ycount_anchor(c, anchor, 0);
	if (a < 0)
		return ycount_err(d, file, e, "out of memory while reading YAML");
	c->anchor_of[c->nframe] = (size_t)a;
	c->frame[c->nframe++] = 1;
	return 0;
}

/*
 * Reads the events of buf (at most two documents) against the caps; 0, or
 * -1 with d filled. A syntax error is reported as ydoc_load would.
 */
static int
ydoc_check_caps(const char *file, const char *buf, size_t len,
    struct diag *d)
{
	yaml_parser_t parser;
	yaml_event_t e;
	struct ycount c;
	int rc = 0;

	memset(&c, 0, sizeof c);
	if (!yaml_parser_initialize(&parser)) {
		diag_set(d, file, 1, 1, "out of memory while reading YAML");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &e)) {
			ydoc_parser_error(&parser, file, buf, len, d);
			rc = -1;
			break;
		}
		if (e.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		rc = ycount_event(&c, &e, file, d);
		yaml_event_delete(&e);
		if (rc != 0)
			break;
	}
	ycount_reset_anchors(&c);
	yaml_parser_delete(&parser);
	return rc < 0 ? -1 : 0;
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
	if (ydoc_check_caps(file, buf, len, d) != 0)
		return -1;
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
