/*
 * theme.c - reading console themes: the parser of the .theme format, the
 * search for a theme by name, and the list of themes on offer.
 *
 * The format (themes/README.md) is one setting per line:
 *
 *	# a comment
 *	name = dark
 *	header = black on cyan bold
 *
 * A line is cut into words at blanks, '=' being a word of its own and a
 * word starting with '#' opening a comment. Errors point at the word
 * that is wrong, as FILE:LINE:COL with the column counted in characters.
 * Nothing here calls ncurses: theme_apply.c does that.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/safefile.h"
#include "theme.h"
#include "theme_builtin.h"

#ifndef VMBAL_SHAREDIR
#define VMBAL_SHAREDIR "/usr/local/share/vmbal"
#endif

#define THEME_MAX_FILE	65536	/* bytes in a theme file */
#define THEME_MAX_LINE	256	/* bytes in a line, without its newline */
#define THEME_NDIRS	3	/* user, installed, beside the executable */

static const char *const role_names[THEME_NROLES] = {
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

/* The parser's place: one line at a time, one word at a time. */
struct parser {
	const char *file;
	int line;
	const char *bol;	/* the line's first byte */
	const char *p;		/* the next byte to look at */
	const char *eol;	/* one past the line's last byte */
	char *err;
	size_t errlen;
};

struct word {
	const char *s;
	size_t len;		/* 0: no more words on the line */
};

/* The 1-based column of at, in characters: UTF-8 continuation bytes do
 * not count. */
static int
parser_col(const struct parser *ps, const char *at)
{
	const char *q;
	int col = 1;

	for (q = ps->bol; q < at; q++)
		if (((unsigned char)*q & 0xc0) != 0x80)
			col++;
	return col;
}

static int __attribute__((format(printf, 3, 4)))
parser_err(const struct parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err == NULL || ps->errlen == 0)
		return -1;
	n = snprintf(ps->err, ps->errlen, "%s:%d:%d: ", ps->file, ps->line,
	    at != NULL ? parser_col(ps, at) : 1);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The next word of the line; its len is 0 at the end or at a comment,
 * and s then points where a word was expected. */
static struct word
parser_word(struct parser *ps)
{
	struct word w;

	while (ps->p < ps->eol && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
	w.s = ps->p;
	w.len = 0;
	if (ps->p == ps->eol || *ps->p == '#')
		return w;
	if (*ps->p == '=') {
		ps->p++;
		w.len = 1;
		return w;
	}
	while (ps->p < ps->eol && *ps->p != ' ' && *ps->p != '\t' &&
	    *ps->p != '=')
		ps->p++;
	w.len = (size_t)(ps->p - w.s);
	return w;
}

static bool
word_is(struct word w, const char *s)
{
	return w.len == strlen(s) && strncasecmp(w.s, s, w.len) == 0;
}

/* Words in messages: at most 40 bytes of them. */
#define WORD_FMT	"'%.*s%s'"
#define WORD_ARG(w)	(int)((w).len > 40 ? 40 : (w).len), (w).s, \
	(w).len > 40 ? "..." : ""

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

/* A colour where one must be: after '=' or after "on". */
static int
parse_colour(struct parser *ps, struct word prev, short *out)
{
	struct word w = parser_word(ps);

	if (w.len == 0)
		return parser_err(ps, w.s, "expected a colour after " WORD_FMT,
		    WORD_ARG(prev));
	if (colour_lookup(w, out) == 0)
		return 0;
	if (attr_lookup(w) != 0 || word_is(w, "on"))
		return parser_err(ps, w.s,
		    "expected a colour before " WORD_FMT
		    " ('default' is the terminal's own)", WORD_ARG(w));
	return parser_err(ps, w.s, "unknown colour " WORD_FMT
	    " (a name, bright-NAME, default or 0..255)", WORD_ARG(w));
}

/* ROLE = FG [on BG] [ATTR...], from just after the '='. */
static int
parse_style(struct parser *ps, struct word eq, struct theme_style *st)
{
	struct word w;
	bool have_bg = false;
	unsigned bit;

	st->fg = st->bg = -1;
	st->attrs = 0;
	if (parse_colour(ps, eq, &st->fg) != 0)
		return -1;
	for (w = parser_word(ps); w.len > 0; w = parser_word(ps)) {
		if (word_is(w, "on")) {
			if (have_bg)
				return parser_err(ps, w.s,
				    "background given twice");
			if (parse_colour(ps, w, &st->bg) != 0)
				return -1;
			have_bg = true;
		} else if ((bit = attr_lookup(w)) != 0) {
			st->attrs |= bit;
		} else {
			short c;

			if (colour_lookup(w, &c) == 0)
				return parser_err(ps, w.s,
				    "unexpected colour " WORD_FMT
				    " (a background is written 'on %.*s')",
				    WORD_ARG(w), (int)w.len, w.s);
			return parser_err(ps, w.s, "unknown attribute " WORD_FMT
			    " (bold, reverse, underline, dim, standout)",
			    WORD_ARG(w));
		}
	}
	return 0;
}

/* A theme name: 1..63 letters, digits, '.', '-', '_', not led by '.'. */
static bool
name_ok(const char *s, size_t len)
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

static int
parse_name(struct parser *ps, struct word eq, struct theme *t, int *given)
{
	struct word w = parser_word(ps), extra;

	if (w.len == 0)
		return parser_err(ps, w.s, "expected a theme name after "
		    WORD_FMT, WORD_ARG(eq));
	if (*given != 0)
		return parser_err(ps, w.s,
		    "duplicate name (first given on line %d)", *given);
	if (!name_ok(w.s, w.len))
		return parser_err(ps, w.s, "bad theme name " WORD_FMT
		    " (1-63 letters, digits, '.', '-', '_')", WORD_ARG(w));
	extra = parser_word(ps);
	if (extra.len > 0)
		return parser_err(ps, extra.s, "unexpected " WORD_FMT
		    " after the theme name", WORD_ARG(extra));
	memcpy(t->name, w.s, w.len);
	t->name[w.len] = '\0';
	*given = ps->line;
	return 0;
}

/* Finds the end of the line at ps->bol, refusing control bytes and long
 * lines; sets ps->eol and returns where the next line starts. */
static int
parser_line(struct parser *ps, const char *end, const char **next)
{
	const char *q;
	unsigned char c;

	for (q = ps->bol; q < end; q++) {
		c = (unsigned char)*q;
		if (c == '\n' || (c == '\r' && q + 1 < end && q[1] == '\n'))
			break;
		if (q - ps->bol >= THEME_MAX_LINE)
			return parser_err(ps, q, "line longer than %d bytes",
			    THEME_MAX_LINE);
		if (c == '\0')
			return parser_err(ps, q, "NUL byte");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return parser_err(ps, q, "control character 0x%02x",
			    c);
	}
	ps->eol = q;
	if (q < end && *q == '\r')
		q++;
	*next = q < end ? q + 1 : end;
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
	if (!name_ok(b, len))
		len = 0;
	memcpy(name, b, len);
	name[len] = '\0';
}

int
theme_parse(const char *file, const char *buf, size_t len, struct theme *out,
    char *err, size_t errlen)
{
	struct parser ps = { file != NULL ? file : "(theme)", 1, buf, buf,
	    buf, err, errlen };
	const char *end, *next;
	int given[THEME_NROLES] = { 0 }, name_given = 0, r;
	struct theme t;
	struct word key, eq;

	if (buf == NULL) {	/* no text: an empty theme */
		buf = "";
		ps.bol = ps.p = ps.eol = buf;
		len = 0;
	}
	end = next = buf + len;
	memset(&t, 0, sizeof t);
	t.role[THEME_NORMAL].fg = t.role[THEME_NORMAL].bg = -1;
	if (len > THEME_MAX_FILE)
		return parser_err(&ps, NULL, "file larger than 64 KiB (%d bytes)",
		    THEME_MAX_FILE);
	for (; ps.bol < end; ps.bol = next, ps.line++) {
		if (parser_line(&ps, end, &next) != 0)
			return -1;
		ps.p = ps.bol;
		key = parser_word(&ps);
		if (key.len == 0)
			continue;
		r = word_is(key, "name") ? THEME_NROLES : role_lookup(key);
		if (r < 0)
			return parser_err(&ps, key.s, "unknown role " WORD_FMT,
			    WORD_ARG(key));
		eq = parser_word(&ps);
		if (!word_is(eq, "="))
			return parser_err(&ps, eq.s, "expected '=' after "
			    WORD_FMT, WORD_ARG(key));
		if (r == THEME_NROLES) {
			if (parse_name(&ps, eq, &t, &name_given) != 0)
				return -1;
			continue;
		}
		if (given[r] != 0)
			return parser_err(&ps, key.s,
			    "duplicate role '%s' (first given on line %d)",
			    role_names[r], given[r]);
		if (parse_style(&ps, eq, &t.role[r]) != 0)
			return -1;
		given[r] = ps.line;
	}
	for (r = 0; r < THEME_NROLES; r++)
		if (given[r] == 0 && r != THEME_NORMAL)
			t.role[r] = t.role[THEME_NORMAL];
	if (name_given == 0)
		name_from_file(ps.file, t.name);
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

/* The directories searched for NAME.theme, in order; how many. A
 * directory whose path would be too long is left out. */
static size_t
theme_dirs(char dirs[THEME_NDIRS][PATH_MAX])
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char exe[PATH_MAX], *slash;
	ssize_t n;
	size_t nd = 0;
	int w;

	w = -1;
	if (xdg != NULL && xdg[0] == '/')
		w = snprintf(dirs[nd], PATH_MAX, "%s/vmbal/themes", xdg);
	else if (home != NULL && home[0] != '\0')
		w = snprintf(dirs[nd], PATH_MAX, "%s/.config/vmbal/themes",
		    home);
	if (w > 0 && w < PATH_MAX)
		nd++;
	w = snprintf(dirs[nd], PATH_MAX, "%s/themes", VMBAL_SHAREDIR);
	if (w > 0 && w < PATH_MAX)
		nd++;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			w = snprintf(dirs[nd], PATH_MAX, "%s/themes", exe);
			if (w > 0 && w < PATH_MAX &&
			    (nd == 0 || strcmp(dirs[nd], dirs[nd - 1]) != 0))
				nd++;
		}
	}
	return nd;
}

/*
 * Reads path into a new buffer (caller frees), at most one byte more than
 * a theme may have, so that the parser can refuse a file too large.
 * 1 read, 0 no such file, -1 error with a message, THEME_REFUSED when the
 * file is not one vmbal trusts (safefile.h: another user could have
 * written it, or it is not a regular file).
 */
static int
read_theme_file(const char *path, char **buf, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	char why[256];
	int fd;

	*buf = NULL;
	switch (safefile_open(path, &fd, &st, why, sizeof why)) {
	case SAFEFILE_OK:
		break;
	case SAFEFILE_MISSING:
		return 0;
	case SAFEFILE_UNSAFE:
		snprintf(err, errlen, "%s: %s", path, why);
		return THEME_REFUSED;
	default:
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if ((*buf = malloc(THEME_MAX_FILE + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	if (safefile_read(fd, *buf, THEME_MAX_FILE + 1, len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(*buf);
		*buf = NULL;
		close(fd);
		return -1;
	}
	close(fd);
	return 1;
}

int
theme_load(const char *name, struct theme *out, char *err, size_t errlen)
{
	char dirs[THEME_NDIRS][PATH_MAX], path[PATH_MAX + 80], label[96];
	const struct theme_builtin *b;
	size_t nd, i, len;
	char *buf;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	else
		errlen = 0;
	theme_default(out);
	if (name == NULL || !name_ok(name, strlen(name))) {
		snprintf(err, errlen, "bad theme name '%.64s' (1-63 letters, "
		    "digits, '.', '-', '_')", name != NULL ? name : "");
		return -1;
	}
	nd = theme_dirs(dirs);
	for (i = 0; i < nd; i++) {
		snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
		rc = read_theme_file(path, &buf, &len, err, errlen);
		if (rc == 0)
			continue;
		if (rc > 0) {
			rc = theme_parse(path, buf, len, out, err, errlen) == 0 ?
			    0 : -1;
			free(buf);
		}
		if (rc != 0)
			theme_default(out);
		else
			snprintf(out->name, sizeof out->name, "%s", name);
		return rc;
	}
	if ((b = theme_builtin_find(name)) != NULL) {
		snprintf(label, sizeof label, "%s.theme (built in)", name);
		if (theme_parse(label, b->start, (size_t)(b->end - b->start),
		    out, err, errlen) == 0)
			return 0;
		theme_default(out);
		return -1;
	}
	if (errlen > 0) {
		len = (size_t)snprintf(err, errlen, "no theme '%s': no %s.theme in",
		    name, name);
		for (i = 0; i < nd && len < errlen; i++)
			len += (size_t)snprintf(err + len, errlen - len, "%s %s",
			    i == 0 ? "" : i + 1 == nd ? " or" : ",", dirs[i]);
		if (len < errlen)
			snprintf(err + len, errlen - len,
			    "; built in: dark, light, mono");
	}
	return -1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Adds the themes of dir not yet in found[0..*n) (growing it). */
static void
list_dir(const char *dir, char (**found)[64], size_t *n, size_t *cap)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	size_t len, i;
	char (*grown)[64];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 6 || strcmp(e->d_name + len - 6, ".theme") != 0 ||
		    !name_ok(e->d_name, len - 6))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		len -= 6;
		for (i = 0; i < *n; i++)
			if (strncmp((*found)[i], e->d_name, len) == 0 &&
			    (*found)[i][len] == '\0')
				break;
		if (i < *n)
			continue;
		if (*n == *cap) {
			*cap = *cap != 0 ? *cap * 2 : 16;
			grown = realloc(*found, *cap * sizeof **found);
			if (grown == NULL)
				break;
			*found = grown;
		}
		memcpy((*found)[*n], e->d_name, len);
		(*found)[(*n)++][len] = '\0';
	}
	closedir(d);
}

size_t
theme_list(char names[][64], size_t max)
{
	char dirs[THEME_NDIRS][PATH_MAX], (*found)[64];
	size_t nd, nfound = 0, cap = 16, n, i;

	/* the built-ins go in first, so the directories do not repeat them */
	if ((found = malloc(cap * sizeof *found)) == NULL)
		return 0;
	for (i = 0; theme_builtins[i].name != NULL && i < cap; i++)
		snprintf(found[nfound++], 64, "%s", theme_builtins[i].name);
	n = nfound;
	nd = theme_dirs(dirs);
	for (i = 0; i < nd; i++)
		list_dir(dirs[i], &found, &nfound, &cap);
	if (nfound > n)
		qsort(found + n, nfound - n, sizeof *found, name_cmp);
	for (i = 0; i < nfound && i < max; i++)
		memcpy(names[i], found[i], 64);
	free(found);
	return i;
}
