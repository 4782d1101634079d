/*
 * theme.c - reading a console theme: its text checked line by line, then
 * loaded by the configuration's YAML layer (../engine/ynode.c over
 * libyaml) and walked as one mapping of roles.
 *
 * The format (themes/README.md) is YAML, one role a line:
 *
 *	# a comment
 *	name: dark
 *	header: black on cyan bold
 *
 * A role's value is one scalar cut into words at blanks: a colour, "on"
 * and a colour, attributes. Errors point at what is wrong, as
 * FILE:LINE:COL with the column counted in characters: at the word of a
 * value when the value is written on one line as it reads (a plain
 * scalar, or a quoted one without escapes), at the value otherwise.
 * Nothing here calls ncurses: theme_apply.c does that.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engine/diag.h"
#include "../engine/ynode.h"
#include "theme.h"
#include "theme_builtin.h"

/* One name per role, by index; their count is checked when compiling. */
static const char *const role_names[] = {
	[THEME_NORMAL] = "normal",
	[THEME_HEADER] = "header",
	[THEME_TITLE] = "title",
	[THEME_FOCUS] = "focus",
	[THEME_SELECTED] = "selected",
	[THEME_BAR_LOW] = "bar_low",
	[THEME_BAR_MID] = "bar_mid",
	[THEME_BAR_HIGH] = "bar_high",
	[THEME_GOOD] = "good",
	[THEME_WARN] = "warn",
	[THEME_BAD] = "bad",
	[THEME_AUTO] = "auto",
	[THEME_DIM] = "dim",
	[THEME_DIALOG] = "dialog",
	[THEME_STATUS] = "status",
};
_Static_assert(sizeof role_names / sizeof role_names[0] == THEME_NROLES,
    "role_names: one name per enum theme_role");

/* Colours 0..15 by name; "bright-" + name is 8 more. */
static const char *const colour_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", THEME_A_BOLD },
	{ "reverse", THEME_A_REVERSE },
	{ "underline", THEME_A_UNDERLINE },
	{ "dim", THEME_A_DIM },
	{ "standout", THEME_A_STANDOUT },
};

/* Where errors go. */
struct tparse {
	const char *file;
	char *err;
	size_t errlen;
};

/* The words of one scalar, and where its text stands in the file. */
struct words {
	const char *s;		/* the scalar's text */
	const char *p;		/* the next byte to look at */
	const char *end;
	int line, col;		/* the scalar's position */
	bool exact;		/* its text is the file's: word columns hold */
};

struct word {
	const char *s;
	size_t len;		/* 0: no more words */
};

/* Characters (not UTF-8 continuation bytes) in [from, to). */
static int
chars(const char *from, const char *to)
{
	int n = 0;

	for (; from < to; from++)
		if (((unsigned char)*from & 0xc0) != 0x80)
			n++;
	return n;
}

static int __attribute__((format(printf, 4, 5)))
tp_err(const struct tparse *tp, int line, int col, const char *fmt, ...)
{
	char msg[sizeof ((struct diag *)0)->msg];
	struct diag d;
	va_list ap;

	if (tp->err == NULL || tp->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_set(&d, tp->file, line, col, "%s", msg);
	diag_format(&d, tp->err, tp->errlen);
	return -1;
}

#define TP_NODE(n)	ynode_line(n), ynode_col(n)
/* The position of at, a place in ws's text. */
#define TP_AT(ws, at)	(ws)->line, (ws)->col + ((ws)->exact ? \
	chars((ws)->s, (at)) : 0)

/* Words in messages: at most 40 bytes of them. */
#define WORD_FMT	"'%.*s%s'"
#define WORD_ARG(w)	(int)((w).len > 40 ? 40 : (w).len), (w).s, \
	(w).len > 40 ? "..." : ""

static struct word
word_of(const char *s)
{
	struct word w = { s, strlen(s) };

	return w;
}

static bool
word_is(struct word w, const char *s)
{
	return w.len == strlen(s) && strncasecmp(w.s, s, w.len) == 0;
}

/* The words of scalar n. A plain scalar on one line reads as the file
 * does; a quoted one does too when it holds no escape (its text is two
 * characters shorter than the columns it spans). */
static void
words_init(struct words *ws, const yaml_node_t *n)
{
	const char *s = ynode_str(n);
	size_t span = n->end_mark.column - n->start_mark.column;
	bool one_line = n->start_mark.line == n->end_mark.line;

	ws->s = ws->p = s;
	ws->end = s + strlen(s);
	ws->line = ynode_line(n);
	ws->col = ynode_col(n);
	ws->exact = false;
	if (!one_line)
		return;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		ws->exact = true;
	else if ((n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
	    span == (size_t)chars(ws->s, ws->end) + 2) {
		ws->exact = true;
		ws->col++;
	}
}

/* The next word; its len is 0 at the end, s then pointing there. */
static struct word
words_next(struct words *ws)
{
	struct word w;

	while (ws->p < ws->end && (*ws->p == ' ' || *ws->p == '\t'))
		ws->p++;
	w.s = ws->p;
	while (ws->p < ws->end && *ws->p != ' ' && *ws->p != '\t')
		ws->p++;
	w.len = (size_t)(ws->p - w.s);
	return w;
}

static int
role_lookup(struct word w)
{
	int r;

	for (r = 0; r < THEME_NROLES; r++)
		if (word_is(w, role_names[r]))
			return r;
	return -1;
}

static unsigned
attr_lookup(struct word w)
{
	size_t i;

	for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
		if (word_is(w, attr_names[i].name))
			return attr_names[i].bit;
	return 0;
}

/* A colour word to -1 (default) or 0..255; 0, or -1 when it is none. */
static int
colour_lookup(struct word w, short *out)
{
	struct word base = w;
	size_t i;
	int v, bright = 0;

	if (word_is(w, "default")) {
		*out = -1;
		return 0;
	}
	if (w.len > 0 && w.s[0] >= '0' && w.s[0] <= '9') {
		for (v = 0, i = 0; i < w.len && v <= 255; i++) {
			if (w.s[i] < '0' || w.s[i] > '9')
				return -1;
			v = v * 10 + (w.s[i] - '0');
		}
		if (v > 255)
			return -1;
		*out = (short)v;
		return 0;
	}
	if (w.len > 7 && strncasecmp(w.s, "bright-", 7) == 0) {
		base.s += 7;
		base.len -= 7;
		bright = 8;
	}
	for (i = 0; i < 8; i++)
		if (word_is(base, colour_names[i])) {
			*out = (short)(i + (size_t)bright);
			return 0;
		}
	return -1;
}

/* A colour where one must be: first, or after "on" (prev). */
static int
parse_colour(const struct tparse *tp, struct words *ws, const char *prev,
    short *out)
{
	struct word w = words_next(ws);

	if (w.len == 0)
		return tp_err(tp, TP_AT(ws, w.s), "expected a colour after '%s'",
		    prev);
	if (colour_lookup(w, out) == 0)
		return 0;
	if (attr_lookup(w) != 0 || word_is(w, "on"))
		return tp_err(tp, TP_AT(ws, w.s),
		    "expected a colour before " WORD_FMT
		    " ('default' is the terminal's own)", WORD_ARG(w));
	return tp_err(tp, TP_AT(ws, w.s), "unknown colour " WORD_FMT
	    " (a name, bright-NAME, default or 0..255)", WORD_ARG(w));
}

/* ROLE: FG [on BG] [ATTR...], from value node n of role r. */
static int
parse_style(const struct tparse *tp, int r, const yaml_node_t *n,
    struct theme_style *st)
{
	char after[32];
	struct words ws;
	struct word w;
	bool have_bg = false;
	unsigned bit;

	snprintf(after, sizeof after, "%s:", role_names[r]);
	if (ynode_is_null(n))
		return tp_err(tp, TP_NODE(n), "expected a colour after '%s'",
		    after);
	if (n->type != YAML_SCALAR_NODE)
		return tp_err(tp, TP_NODE(n), "expected FG [on BG] [ATTR...] "
		    "for '%s', not %s", role_names[r], ynode_kind(n));
	if (strlen(ynode_str(n)) != n->data.scalar.length)
		return tp_err(tp, TP_NODE(n), "a NUL character in the value "
		    "of '%s'", role_names[r]);
	words_init(&ws, n);
	st->fg = st->bg = -1;
	st->attrs = 0;
	if (parse_colour(tp, &ws, after, &st->fg) != 0)
		return -1;
	for (w = words_next(&ws); w.len > 0; w = words_next(&ws)) {
		if (word_is(w, "on")) {
			if (have_bg)
				return tp_err(tp, TP_AT(&ws, w.s),
				    "background given twice");
			if (parse_colour(tp, &ws, "on", &st->bg) != 0)
				return -1;
			have_bg = true;
		} else if ((bit = attr_lookup(w)) != 0) {
			st->attrs |= bit;
		} else {
			short c;

			if (colour_lookup(w, &c) == 0)
				return tp_err(tp, TP_AT(&ws, w.s),
				    "unexpected colour " WORD_FMT
				    " (a background is written 'on %.*s')",
				    WORD_ARG(w), (int)w.len, w.s);
			return tp_err(tp, TP_AT(&ws, w.s),
			    "unknown attribute " WORD_FMT
			    " (bold, reverse, underline, dim, standout)",
			    WORD_ARG(w));
		}
	}
	return 0;
}

bool
theme_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || s[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

/* name: NAME, from key node k and value node n. */
static int
parse_name(const struct tparse *tp, const yaml_node_t *k,
    const yaml_node_t *n, struct theme *t, int *given)
{
	const char *s;

	if (*given != 0)
		return tp_err(tp, TP_NODE(k),
		    "duplicate name (first given on line %d)", *given);
	if (ynode_is_null(n))
		return tp_err(tp, TP_NODE(n),
		    "expected a theme name after 'name:'");
	if (n->type != YAML_SCALAR_NODE)
		return tp_err(tp, TP_NODE(n), "expected a theme name, not %s",
		    ynode_kind(n));
	s = ynode_str(n);
	if (!theme_name_ok(s, n->data.scalar.length))
		return tp_err(tp, TP_NODE(n), "bad theme name " WORD_FMT
		    " (1-63 letters, digits, '.', '-', '_')",
		    WORD_ARG(word_of(s)));
	snprintf(t->name, sizeof t->name, "%s", s);
	*given = ynode_line(k);
	return 0;
}

/*
 * The text before YAML sees it, a line at a time: no line over
 * THEME_MAX_LINE bytes, no control character but tabs and CRLF line ends,
 * none of the characters YAML would take for a line break (which would
 * put every position after it off), and no "ROLE = ..." line of the
 * format themes had before they were YAML. *content: some line is
 * neither blank nor a comment.
 */
static int
theme_scan(const struct tparse *tp, const char *buf, size_t len,
    bool *content)
{
	const char *bol, *q, *end = buf + len, *w;
	unsigned char c;
	int line;

	*content = false;
	for (bol = buf, line = 1; bol < end; line++) {
		for (q = bol; q < end; q++) {
			c = (unsigned char)*q;
			if (c == '\n' || (c == '\r' && q + 1 < end &&
			    q[1] == '\n'))
				break;
			if (q - bol >= THEME_MAX_LINE)
				return tp_err(tp, line, 1 + chars(bol, q),
				    "line longer than %d bytes",
				    THEME_MAX_LINE);
			if (c == '\0')
				return tp_err(tp, line, 1 + chars(bol, q),
				    "NUL byte");
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return tp_err(tp, line, 1 + chars(bol, q),
				    "control character 0x%02x", c);
			if ((c == 0xc2 && q + 1 < end &&
			    (unsigned char)q[1] == 0x85) ||
			    (c == 0xe2 && q + 2 < end &&
			    (unsigned char)q[1] == 0x80 &&
			    ((unsigned char)q[2] == 0xa8 ||
			    (unsigned char)q[2] == 0xa9)))
				return tp_err(tp, line, 1 + chars(bol, q),
				    "a line break other than LF or CRLF "
				    "(U+0085, U+2028, U+2029)");
		}
		for (w = bol; w < q && (*w == ' ' || *w == '\t'); w++)
			;
		if (w < q && *w != '#')
			*content = true;
		while (w < q && (*w == '_' || *w == '-' ||
		    (*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z')))
			w++;
		if (w > bol && w[-1] != ' ' && w[-1] != '\t') {
			while (w < q && (*w == ' ' || *w == '\t'))
				w++;
			if (w < q && *w == '=')
				return tp_err(tp, line, 1 + chars(bol, w),
				    "'=' where a theme has ':' (themes are "
				    "YAML: write 'ROLE: FG [on BG] [ATTR...]')");
		}
		if (q < end && *q == '\r')
			q++;
		bol = q < end ? q + 1 : end;
	}
	return 0;
}

/* A top-level value that is not a mapping: "header red" said plainly. */
static int
theme_not_mapping(const struct tparse *tp, const yaml_node_t *root)
{
	struct words ws;
	struct word w;

	if (root->type == YAML_SCALAR_NODE) {
		words_init(&ws, root);
		w = words_next(&ws);
		if (w.len > 0 && (word_is(w, "name") || role_lookup(w) >= 0))
			return tp_err(tp, TP_AT(&ws, w.s + w.len),
			    "expected ':' after " WORD_FMT, WORD_ARG(w));
	}
	return tp_err(tp, TP_NODE(root), "a theme is a mapping, one "
	    "'ROLE: FG [on BG] [ATTR...]' a line, not %s", ynode_kind(root));
}

/* The document's mapping of roles into t. */
static int
theme_walk(const struct tparse *tp, struct ydoc *y, struct theme *t,
    int *name_given)
{
	int given[THEME_NROLES] = { 0 }, r;
	yaml_node_t *root = ydoc_root(y), *k, *v;
	yaml_node_pair_t *pair;
	struct word kw;

	if (ynode_is_null(root))
		return 0;	/* "---" and nothing else: no role given */
	if (root->type != YAML_MAPPING_NODE)
		return theme_not_mapping(tp, root);
	for (pair = root->data.mapping.pairs.start;
	    pair < root->data.mapping.pairs.top; pair++) {
		k = ydoc_node(y, pair->key);
		v = ydoc_node(y, pair->value);
		if (k->type != YAML_SCALAR_NODE)
			return tp_err(tp, TP_NODE(k),
			    "expected a role name, not %s", ynode_kind(k));
		kw = word_of(ynode_str(k));
		if (word_is(kw, "name")) {
			if (parse_name(tp, k, v, t, name_given) != 0)
				return -1;
			continue;
		}
		if ((r = role_lookup(kw)) < 0)
			return tp_err(tp, TP_NODE(k), "unknown role " WORD_FMT,
			    WORD_ARG(kw));
		if (given[r] != 0)
			return tp_err(tp, TP_NODE(k),
			    "duplicate role '%s' (first given on line %d)",
			    role_names[r], given[r]);
		if (parse_style(tp, r, v, &t->role[r]) != 0)
			return -1;
		given[r] = ynode_line(k);
	}
	for (r = 0; r < THEME_NROLES; r++)
		if (given[r] == 0 && r != THEME_NORMAL)
			t->role[r] = t->role[THEME_NORMAL];
	return 0;
}

/* The file's base name without ".theme", as the name of a theme whose
 * file has no name line. */
static void
name_from_file(const char *file, char name[64])
{
	const char *b = strrchr(file, '/');
	size_t len;

	b = b != NULL ? b + 1 : file;
	len = strlen(b);
	if (len > 6 && strcmp(b + len - 6, ".theme") == 0)
		len -= 6;
	if (!theme_name_ok(b, len))
		len = 0;
	memcpy(name, b, len);
	name[len] = '\0';
}

int
theme_parse(const char *file, const char *buf, size_t len, struct theme *out,
    char *err, size_t errlen)
{
	struct tparse tp = { file != NULL ? file : "(theme)", err, errlen };
	int name_given = 0, r, rc;
	bool content;
	struct theme t;
	struct diag d;
	struct ydoc y;

	if (buf == NULL)	/* no text: an empty theme */
		len = 0;
	memset(&t, 0, sizeof t);
	for (r = 0; r < THEME_NROLES; r++)
		t.role[r].fg = t.role[r].bg = -1;
	if (len > THEME_MAX_BYTES)
		return tp_err(&tp, 1, 1, "file larger than 64 KiB (%d bytes)",
		    THEME_MAX_BYTES);
	if (len > 0 && theme_scan(&tp, buf, len, &content) != 0)
		return -1;
	if (len > 0 && content) {
		diag_clear(&d);
		if (ydoc_load(&y, tp.file, buf, len, &d) != 0) {
			if (err != NULL && errlen > 0)
				diag_format(&d, err, errlen);
			return -1;
		}
		rc = theme_walk(&tp, &y, &t, &name_given);
		ydoc_fini(&y);
		if (rc != 0)
			return -1;
	}
	if (name_given == 0)
		name_from_file(tp.file, t.name);
	*out = t;
	return 0;
}

void
theme_default(struct theme *out)
{
	const struct theme_builtin *b = &theme_builtins[0];
	int r;

	if (theme_parse("dark.theme (built in)", b->start,
	    (size_t)(b->end - b->start), out, NULL, 0) == 0)
		return;
	/* not reached: the built-ins are tested */
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", b->name);
	for (r = 0; r < THEME_NROLES; r++)
		out->role[r].fg = out->role[r].bg = -1;
}
