/*
 * config.c - the configuration and scenario loader.
 *
 * The document is loaded by libyaml (ynode.c); this file walks it against
 * tables of fields, one table per mapping, so every key's type, range and
 * default is stated in one entry (struct field, below). Cross-references
 * (hosts named by rules, VMs named by backends) are checked once the
 * whole file is read.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_ext.h"
#include "safefile.h"
#include "ynode.h"

#define PATH_LEN 160
#define NAME_MAX_LEN 4096	/* bytes: libvirt allows names far past 255 */

struct cfg {
	struct ydoc *y;
	struct diag *d;
	const char *file;
	struct config *c;
};

enum ftype { FT_LONG, FT_NUM, FT_BOOL, FT_STR, FT_ENUM, FT_ADDR, FT_FUNC };

#define F_REQUIRED 0x1
#define F_MIN_EXCL 0x2		/* value must be > min */
#define F_POS 0x4		/* the value's position is kept at pos_off */

typedef int (*field_fn)(struct cfg *, yaml_node_t *, void *, const char *);

/*
 * One key of a mapping, written with designated initializers (as tmux's
 * options-table.c): its name, type, where it goes, its range and its
 * default, in one entry. A key left out of the file keeps its default,
 * which cfg_defaults sets for the whole table before the mapping is read
 * (and whether the mapping is there or not). A default that depends on
 * other values (a host's URI from its name, ...) is set where those are
 * known, and its entry says so in a comment.
 */
struct field {
	const char *key;
	enum ftype type;
	size_t off;
	double min, max;
	unsigned flags;
	const char *const *names;	/* FT_ENUM, NULL-terminated */
	field_fn fn;			/* FT_FUNC */
	size_t pos_off;			/* F_POS: where the position goes */
	double default_num;		/* FT_LONG, FT_NUM, FT_BOOL, FT_ENUM */
	const char *default_str;	/* FT_STR: copied; NULL: none */
};

static const char *const mode_names[] = { "manual", "auto", "observe", NULL };
static const char *const objective_names[] = { "balance", "consolidate", NULL };
static const char *const planner_names[] = { "default", "greedy-2008", NULL };
static const char *const proto_names[] = { "tcp", "udp", NULL };
static const char *const algo_names[] = { "round-robin", "weighted",
	"least-connections", "lowest-latency", "source-hash", NULL };
static const char *const health_names[] = { "tcp", "http", "udp", "dns",
	NULL };

/* An error at line:col; returns -1. */
static int
cfg_verr(struct cfg *k, int line, int col, const char *fmt, va_list ap)
{
	char msg[sizeof k->d->msg];

	vsnprintf(msg, sizeof msg, fmt, ap);
	diag_set(k->d, k->file, line, col, "%s", msg);
	return -1;
}

/* An error at node n (the top of the file when n is NULL). */
static int
cfg_err(struct cfg *k, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cfg_err(struct cfg *k, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_verr(k, n != NULL ? ynode_line(n) : 1,
	    n != NULL ? ynode_col(n) : 1, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error at a position kept from the walk. */
static int
cfg_at(struct cfg *k, struct config_pos p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cfg_at(struct cfg *k, struct config_pos p, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_verr(k, p.line, p.col, fmt, ap);
	va_end(ap);
	return rc;
}

/* Key paths for messages ("services[0].health.fall"); cut when too long. */
static void
cfg_path(char *out, const char *parent, const char *key)
{
	int n;

	if (parent[0] == '\0')
		n = snprintf(out, PATH_LEN, "%s", key);
	else
		n = snprintf(out, PATH_LEN, "%s.%s", parent, key);
	if (n >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

static void
cfg_path_index(char *out, const char *parent, size_t i)
{
	if (snprintf(out, PATH_LEN, "%s[%zu]", parent, i) >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

static struct config_pos
cfg_pos(const yaml_node_t *n)
{
	struct config_pos p = { ynode_line(n), ynode_col(n) };
	return p;
}

/*
 * A short rendering of a node for messages: its text, or its kind. The
 * text is cut at a character boundary; diag_set escapes what it holds.
 */
static void
cfg_show(const yaml_node_t *n, char *out, size_t len)
{
	const char *s = ynode_str(n);
	int cut = 37;

	if (s != NULL && !ynode_is_null(n)) {
		if (strlen(s) > 40) {
			while (cut > 0 &&
			    ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
			snprintf(out, len, "'%.*s...'", cut, s);
		} else
			snprintf(out, len, "'%s'", s);
	} else
		snprintf(out, len, "%s", ynode_kind(n));
}

static void
cfg_range_text(const struct field *f, char *out, size_t len)
{
	if ((f->flags & F_MIN_EXCL) && isinf(f->max))
		snprintf(out, len, "must be greater than %.15g", f->min);
	else if (f->flags & F_MIN_EXCL)
		snprintf(out, len,
		    "must be greater than %.15g and at most %.15g", f->min,
		    f->max);
	else if (isinf(f->max))
		snprintf(out, len, "must be at least %.15g", f->min);
	else
		snprintf(out, len, "must be between %.15g and %.15g", f->min,
		    f->max);
}

static bool
cfg_in_range(const struct field *f, double v)
{
	if (f->flags & F_MIN_EXCL) {
		if (!(v > f->min))
			return false;
	} else if (v < f->min)
		return false;
	return v <= f->max;
}

/* Every field of fields set to its default in obj; 0, or -1 (ENOMEM). */
static int
cfg_defaults(const struct field *fields, void *obj)
{
	const struct field *f;
	char *base, *str;

	for (f = fields; f->key != NULL; f++) {
		base = (char *)obj + f->off;
		switch (f->type) {
		case FT_LONG:
			*(long *)base = (long)f->default_num;
			break;
		case FT_NUM:
			*(double *)base = f->default_num;
			break;
		case FT_BOOL:
			*(bool *)base = f->default_num != 0;
			break;
		case FT_ENUM:
			*(int *)base = (int)f->default_num;
			break;
		case FT_STR:
		case FT_ADDR:
			if (f->default_str == NULL)
				break;
			if ((str = strdup(f->default_str)) == NULL)
				return -1;
			free(*(char **)base);
			*(char **)base = str;
			break;
		case FT_FUNC:
			break;
		}
	}
	return 0;
}

/* The value of key in mapping n, or NULL. */
static yaml_node_t *
cfg_lookup(struct cfg *k, yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *pair;

	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = ydoc_node(k->y, pair->key);
		const char *ks = kn != NULL ? ynode_str(kn) : NULL;

		if (ks != NULL && strcmp(ks, key) == 0)
			return ydoc_node(k->y, pair->value);
	}
	return NULL;
}

static struct config_pos
cfg_pos_or(struct cfg *k, yaml_node_t *n, const char *key)
{
	yaml_node_t *v = cfg_lookup(k, n, key);

	return cfg_pos(v != NULL ? v : n);
}

/*
 * "expected an integer, got ...": a quoted scalar is a string even when
 * it looks like a number or a boolean, and the message says so.
 */
static int
cfg_type_err(struct cfg *k, yaml_node_t *n, const char *path,
    const char *want, int (*conv)(const yaml_node_t *, void *))
{
	char show[64];
	yaml_node_t plain;
	union { long l; double d; bool b; } v;

	cfg_show(n, show, sizeof show);
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return cfg_err(k, n, "%s: expected %s, got %s", path, want,
		    show);
	plain = *n;
	plain.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
	if (conv != NULL && conv(&plain, &v) == 0)
		return cfg_err(k, n,
		    "%s: expected %s, got the quoted string %s (quoted values are strings: remove the quotes)",
		    path, want, show);
	return cfg_err(k, n, "%s: expected %s, got the quoted string %s",
	    path, want, show);
}

static int
cfg_conv_long(const yaml_node_t *n, void *out)
{
	return ynode_to_long(n, out);
}

static int
cfg_conv_double(const yaml_node_t *n, void *out)
{
	return ynode_to_double(n, out);
}

static int
cfg_conv_bool(const yaml_node_t *n, void *out)
{
	return ynode_to_bool(n, out);
}

/* A plain scalar that is a number too large for a long or a double. */
static bool
cfg_overflows(const yaml_node_t *n, bool integer)
{
	const char *s = ynode_str(n), *p;
	char *end;
	double v;

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	if (integer) {
		p = s + (s[0] == '-' || s[0] == '+');
		if (*p == '\0')
			return false;
		for (; *p != '\0'; p++)
			if (*p < '0' || *p > '9')
				return false;
		return true;	/* all digits, yet ynode_to_long failed */
	}
	for (p = s; *p != '\0'; p++)
		if ((*p < '0' || *p > '9') && strchr("+-.eE", *p) == NULL)
			return false;
	v = strtod(s, &end);
	return end != s && *end == '\0' && isinf(v);
}

/* A non-empty string scalar, copied. */
static int
cfg_string(struct cfg *k, yaml_node_t *n, const char *path, char **out)
{
	const char *s = ynode_str(n);
	const char *p;
	char show[64];
	long cp;

	if (s == NULL || ynode_is_null(n)) {
		cfg_show(n, show, sizeof show);
		return cfg_err(k, n, "%s: expected a string, got %s", path,
		    show);
	}
	if (s[0] == '\0')
		return cfg_err(k, n, "%s: must not be empty", path);
	if (strlen(s) != n->data.scalar.length)
		return cfg_err(k, n, "%s: must not contain a NUL character",
		    path);
	if (strlen(s) > NAME_MAX_LEN)
		return cfg_err(k, n, "%s: longer than %d bytes", path,
		    NAME_MAX_LEN);
	/* what a message would have to escape cannot be in a name */
	p = diag_unsafe(s, &cp);
	if (p != NULL && cp < 0)
		return cfg_err(k, n,
		    "%s: not valid UTF-8: byte 0x%02lx at byte %zu does not start a character",
		    path, -cp, (size_t)(p - s) + 1);
	if (p != NULL && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)))
		return cfg_err(k, n,
		    "%s: control characters are not allowed (U+%04lX at byte %zu)",
		    path, cp, (size_t)(p - s) + 1);
	if (p != NULL)
		return cfg_err(k, n,
		    "%s: bidirectional formatting and line separator characters are not allowed (U+%04lX at byte %zu)",
		    path, cp, (size_t)(p - s) + 1);
	free(*out);
	*out = strdup(s);
	if (*out == NULL)
		return cfg_err(k, n, "out of memory");
	return 0;
}

/*
 * Why an address can be neither a VIP nor a backend, or NULL: nothing
 * can be sent to it as a unicast destination. Loopback is refused for
 * VIPs only (cfg_services), since backends on 127.0.0.0/8 are useful.
 */
static const char *
cfg_addr_unusable(struct in_addr a)
{
	uint32_t v = ntohl(a.s_addr);

	if ((v >> 24) == 0)
		return "an unspecified address (0.0.0.0/8)";
	if (v == 0xffffffffu)
		return "the broadcast address";
	if ((v >> 28) == 0xe)
		return "a multicast address (224.0.0.0/4)";
	if ((v >> 28) == 0xf)
		return "a reserved address (240.0.0.0/4)";
	return NULL;
}

static bool
cfg_addr_loopback(const char *addr)
{
	struct in_addr a;

	return inet_pton(AF_INET, addr, &a) == 1 &&
	    (ntohl(a.s_addr) >> 24) == 127;
}

/* The same IPv4 address, however it is written. */
static bool
cfg_addr_same(const char *x, const char *y)
{
	struct in_addr a, b;

	return inet_pton(AF_INET, x, &a) == 1 &&
	    inet_pton(AF_INET, y, &b) == 1 && a.s_addr == b.s_addr;
}

static int
cfg_field(struct cfg *k, const struct field *f, yaml_node_t *n, void *obj,
    const char *path)
{
	char *base = (char *)obj + f->off;
	char show[64], range[96];
	double dv;
	long lv;
	bool bv;
	int i;

	if (f->flags & F_POS)
		*(struct config_pos *)((char *)obj + f->pos_off) = cfg_pos(n);
	cfg_show(n, show, sizeof show);
	switch (f->type) {
	case FT_LONG:
		if (ynode_to_long(n, &lv) != 0 && cfg_overflows(n, true)) {
			cfg_range_text(f, range, sizeof range);
			return cfg_err(k, n, "%s: %.40s is out of range: %s",
			    path, ynode_str(n), range);
		}
		if (ynode_to_long(n, &lv) != 0)
			return cfg_type_err(k, n, path, "an integer",
			    cfg_conv_long);
		if (!cfg_in_range(f, (double)lv)) {
			cfg_range_text(f, range, sizeof range);
			return cfg_err(k, n, "%s: %ld is out of range: %s",
			    path, lv, range);
		}
		*(long *)base = lv;
		return 0;
	case FT_NUM:
		if (ynode_to_double(n, &dv) != 0 && cfg_overflows(n, false)) {
			cfg_range_text(f, range, sizeof range);
			return cfg_err(k, n, "%s: %.40s is out of range: %s",
			    path, ynode_str(n), range);
		}
		if (ynode_to_double(n, &dv) != 0)
			return cfg_type_err(k, n, path, "a number",
			    cfg_conv_double);
		if (!cfg_in_range(f, dv)) {
			cfg_range_text(f, range, sizeof range);
			return cfg_err(k, n, "%s: %.15g is out of range: %s",
			    path, dv, range);
		}
		*(double *)base = dv;
		return 0;
	case FT_BOOL:
		if (ynode_to_bool(n, &bv) != 0)
			return cfg_type_err(k, n, path, "true or false",
			    cfg_conv_bool);
		*(bool *)base = bv;
		return 0;
	case FT_STR:
		return cfg_string(k, n, path, (char **)base);
	case FT_ADDR: {
		struct in_addr a;

		if (cfg_string(k, n, path, (char **)base) != 0)
			return -1;
		if (inet_pton(AF_INET, *(char **)base, &a) != 1)
			return cfg_err(k, n,
			    "%s: %s is not an IPv4 address", path, show);
		if (cfg_addr_unusable(a) != NULL)
			return cfg_err(k, n,
			    "%s: %s cannot be a VIP or a backend: it is %s",
			    path, show, cfg_addr_unusable(a));
		return 0;
	}
	case FT_ENUM: {
		char list[128] = "";
		const char *s = ynode_str(n);

		/* A name is a string: quoted or not, it is the same name. */
		for (i = 0; s != NULL && f->names[i] != NULL; i++)
			if (strcmp(s, f->names[i]) == 0) {
				*(int *)base = i;
				return 0;
			}
		for (i = 0; f->names[i] != NULL; i++) {
			if (i > 0)
				strncat(list, ", ", sizeof list - strlen(list) - 1);
			strncat(list, f->names[i], sizeof list - strlen(list) - 1);
		}
		if (s == NULL || ynode_is_null(n))
			return cfg_err(k, n, "%s: expected one of: %s; got %s",
			    path, list, show);
		return cfg_err(k, n, "%s: %s is not one of: %s", path, show,
		    list);
	}
	case FT_FUNC:
		return f->fn(k, n, obj, path);
	}
	return -1;
}

/* Walks mapping n against fields; unknown, duplicate and missing keys fail. */
static int
cfg_mapping(struct cfg *k, yaml_node_t *n, const struct field *fields,
    void *obj, const char *path)
{
	yaml_node_pair_t *pair;
	bool seen[32] = { false };
	char sub[PATH_LEN], show[64];
	size_t nf, i;

	if (n->type != YAML_MAPPING_NODE) {
		cfg_show(n, show, sizeof show);
		if (path[0] == '\0')
			return cfg_err(k, n,
			    "expected a mapping at the top level, got %s", show);
		return cfg_err(k, n, "%s: expected a mapping, got %s", path,
		    show);
	}
	for (nf = 0; fields[nf].key != NULL; nf++)
		;
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = ydoc_node(k->y, pair->key);
		yaml_node_t *val = ydoc_node(k->y, pair->value);
		const char *ks = key != NULL ? ynode_str(key) : NULL;

		if (key == NULL || val == NULL)
			return cfg_err(k, n, "%s: broken mapping", path);
		if (ks == NULL) {
			cfg_show(key, show, sizeof show);
			return cfg_err(k, key, "%s%skeys must be strings, got %s",
			    path, path[0] ? ": " : "", show);
		}
		for (i = 0; i < nf; i++)
			if (strcmp(ks, fields[i].key) == 0)
				break;
		if (i == nf) {
			cfg_show(key, show, sizeof show);
			if (path[0] == '\0')
				return cfg_err(k, key,
				    "unknown top-level key %s", show);
			return cfg_err(k, key, "%s: unknown key %s", path,
			    show);
		}
		if (seen[i]) {
			yaml_node_pair_t *q;
			yaml_node_t *first = key;

			for (q = n->data.mapping.pairs.start; q < pair; q++) {
				yaml_node_t *qk = ydoc_node(k->y, q->key);

				if (qk != NULL && ynode_str(qk) != NULL &&
				    strcmp(ynode_str(qk), ks) == 0) {
					first = qk;
					break;
				}
			}
			return cfg_err(k, key,
			    "%s%sduplicate key '%s' (first at %d:%d)", path,
			    path[0] ? ": " : "", ks, ynode_line(first),
			    ynode_col(first));
		}
		seen[i] = true;
		cfg_path(sub, path, ks);
		if (cfg_field(k, &fields[i], val, obj, sub) != 0)
			return -1;
	}
	for (i = 0; i < nf; i++)
		if ((fields[i].flags & F_REQUIRED) && !seen[i]) {
			if (path[0] == '\0')
				return cfg_err(k, n,
				    "missing required key '%s'", fields[i].key);
			return cfg_err(k, n, "%s: missing required key '%s'",
			    path, fields[i].key);
		}
	return 0;
}

/* A list node with at least min items; its length in *count. */
static int
cfg_list(struct cfg *k, yaml_node_t *n, const char *path, size_t min,
    const char *what, size_t *count)
{
	char show[64];

	if (n->type != YAML_SEQUENCE_NODE) {
		cfg_show(n, show, sizeof show);
		return cfg_err(k, n, "%s: expected a list of %s, got %s", path,
		    what, show);
	}
	*count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (*count == 0 && min > 0)
		return cfg_err(k, n,
		    "%s: the list is empty: at least one is required", path);
	if (*count < min)
		return cfg_err(k, n,
		    "%s: at least %zu %s are required, got %zu", path, min,
		    what, *count);
	return 0;
}

static yaml_node_t *
cfg_item(struct cfg *k, yaml_node_t *list, size_t i)
{
	return ydoc_node(k->y, list->data.sequence.items.start[i]);
}

struct cfg_sorted_name {
	const char *name;
	size_t idx;
};

static int
cfg_sorted_name_cmp(const void *a, const void *b)
{
	const struct cfg_sorted_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The index of the first name of names[0..n) that an earlier one repeats,
 * or n: by sorting, so that a list of 100,000 names is not 5e9 compares.
 * -1 when out of memory.
 */
static long
cfg_first_repeat(char **names, size_t n)
{
	struct cfg_sorted_name *v;
	size_t i, first = n;

	if (n < 2)
		return (long)n;
	v = malloc(n * sizeof *v);
	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		v[i].name = names[i];
		v[i].idx = i;
	}
	qsort(v, n, sizeof *v, cfg_sorted_name_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(v[i - 1].name, v[i].name) == 0 && v[i].idx < first)
			first = v[i].idx;
	free(v);
	return (long)first;
}

/*
 * A list of names (strings), each unique; positions kept. The first
 * problem in list order is reported, a bad item or a repeated name.
 */
static int
cfg_name_list(struct cfg *k, yaml_node_t *n, const char *path, size_t min,
    const char *what, char ***names, struct config_pos **pos, size_t *count)
{
	char sub[PATH_LEN];
	struct diag bad;
	size_t i, cnt;
	long rep;
	int rc = 0;

	if (cfg_list(k, n, path, min, what, &cnt) != 0)
		return -1;
	*names = calloc(cnt + 1, sizeof **names);
	if (pos != NULL)
		*pos = calloc(cnt + 1, sizeof **pos);
	if (*names == NULL || (pos != NULL && *pos == NULL))
		return cfg_err(k, n, "out of memory");
	*count = cnt;
	for (i = 0; i < cnt; i++) {
		yaml_node_t *it = cfg_item(k, n, i);

		cfg_path_index(sub, path, i);
		if (it == NULL || cfg_string(k, it, sub, &(*names)[i]) != 0) {
			rc = -1;
			break;
		}
		if (pos != NULL)
			(*pos)[i] = cfg_pos(it);
	}
	bad = *k->d;	/* the bad item's message, when there is one */
	rep = cfg_first_repeat(*names, i);
	if (rep < 0)
		return cfg_err(k, n, "out of memory");
	if ((size_t)rep < i) {
		cfg_path_index(sub, path, (size_t)rep);
		return cfg_err(k, cfg_item(k, n, (size_t)rep),
		    "%s: '%s' is listed twice", sub, (*names)[rep]);
	}
	*k->d = bad;
	return rc;
}

/* ---- policy ---------------------------------------------------------- */

#define PO(member) offsetof(struct policy, member)

/* policy.weights: in struct policy itself. */
static const struct field weight_fields[] = {
	{ .key = "cpu", .type = FT_NUM, .off = PO(weight_cpu), .min = 0,
	  .max = 100, .default_num = 1.0 },
	{ .key = "memory", .type = FT_NUM, .off = PO(weight_memory), .min = 0,
	  .max = 100, .default_num = 0.5 },
	{ .key = NULL }
};

static int
cfg_weights(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct policy *p = obj;

	if (cfg_mapping(k, n, weight_fields, p, path) != 0)
		return -1;
	if (p->weight_cpu == 0 && p->weight_memory == 0)
		return cfg_err(k, n, "%s: cpu and memory cannot both be 0",
		    path);
	return 0;
}

static const struct field policy_fields[] = {
	{ .key = "mode", .type = FT_ENUM, .off = PO(mode), .names = mode_names,
	  .default_num = MODE_MANUAL },
	{ .key = "objective", .type = FT_ENUM, .off = PO(objective),
	  .names = objective_names, .default_num = OBJECTIVE_BALANCE },
	{ .key = "threshold_pct", .type = FT_NUM, .off = PO(threshold_pct),
	  .min = 0, .max = 100, .default_num = 20 },
	/* -1: threshold_pct / 2 (policy_target_pct) */
	{ .key = "target_pct", .type = FT_NUM, .off = PO(target_pct),
	  .min = 0, .max = 100, .default_num = -1 },
	{ .key = "hold_s", .type = FT_NUM, .off = PO(hold_s), .min = 0,
	  .max = 86400, .default_num = 30 },
	{ .key = "window", .type = FT_LONG, .off = PO(window), .min = 1,
	  .max = 1000, .default_num = 10 },
	{ .key = "probe_interval_s", .type = FT_NUM,
	  .off = PO(probe_interval_s), .min = 0.01, .max = 3600,
	  .default_num = 5 },
	{ .key = "analyse_interval_s", .type = FT_NUM,
	  .off = PO(analyse_interval_s), .min = 0.01, .max = 3600,
	  .default_num = 10 },
	{ .key = "max_concurrent_migrations", .type = FT_LONG,
	  .off = PO(max_concurrent_migrations), .min = 1, .max = 1000,
	  .default_num = 1 },
	{ .key = "vm_cooldown_s", .type = FT_NUM, .off = PO(vm_cooldown_s),
	  .min = 0, .max = 604800, .default_num = 300 },
	{ .key = "migration_timeout_s", .type = FT_NUM,
	  .off = PO(migration_timeout_s), .min = 0.1, .max = 86400,
	  .default_num = 600 },
	{ .key = "consolidate_ceiling_pct", .type = FT_NUM,
	  .off = PO(consolidate_ceiling_pct), .min = 0, .max = 100,
	  .default_num = 80 },
	{ .key = "min_gain_pct", .type = FT_NUM, .off = PO(min_gain_pct),
	  .min = 0, .max = 100, .default_num = 2 },
	/* defaults in weight_fields */
	{ .key = "weights", .type = FT_FUNC, .fn = cfg_weights },
	{ .key = "planner", .type = FT_ENUM, .off = PO(planner),
	  .names = planner_names, .default_num = PLANNER_DEFAULT },
	{ .key = "migrate_persistent", .type = FT_BOOL,
	  .off = PO(migrate_persistent), .default_num = true },
	{ .key = "migrate_undefine_source", .type = FT_BOOL,
	  .off = PO(migrate_undefine_source), .default_num = true },
	{ .key = "host_reserve_mib", .type = FT_LONG,
	  .off = PO(host_reserve_mib), .min = 0, .max = 1 << 30,
	  .default_num = 1024 },
	{ .key = NULL }
};

void
policy_defaults(struct policy *p)
{
	/* no strings in a policy: nothing to allocate, nothing can fail */
	(void)cfg_defaults(policy_fields, p);
	(void)cfg_defaults(weight_fields, p);
}

long
config_host_reserve(const struct config *c, const struct policy *policy,
    size_t h)
{
	if (h < c->nhosts && c->hosts[h].reserve_mib >= 0)
		return c->hosts[h].reserve_mib;
	return policy->host_reserve_mib;
}

static int
cfg_policy(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	const struct policy *p = &k->c->policy;

	(void)obj;
	if (cfg_mapping(k, n, policy_fields, &k->c->policy, path) != 0)
		return -1;
	if (p->target_pct > p->threshold_pct)
		return cfg_err(k, n, "%s: target_pct (%.15g) must be at most "
		    "threshold_pct (%.15g)", path, p->target_pct,
		    p->threshold_pct);
	return 0;
}

double
policy_target_pct(const struct policy *p)
{
	return p->target_pct >= 0 ? p->target_pct : p->threshold_pct / 2;
}

/* ---- a host's fence agent (issue 18) ---------------------------------- */

/* fence.args: KEY: VALUE lines for the agent's stdin; action is vmbal's. */
static int
cfg_fence_args(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct fence_conf *f = obj;
	yaml_node_pair_t *pair;
	char sub[PATH_LEN], show[64];
	size_t cnt, i, j;

	if (n->type != YAML_MAPPING_NODE) {
		cfg_show(n, show, sizeof show);
		return cfg_err(k, n, "%s: expected a mapping of KEY: VALUE, got %s",
		    path, show);
	}
	cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	f->keys = calloc(cnt + 1, sizeof *f->keys);
	f->values = calloc(cnt + 1, sizeof *f->values);
	if (f->keys == NULL || f->values == NULL)
		return cfg_err(k, n, "out of memory");
	for (pair = n->data.mapping.pairs.start, i = 0;
	    pair < n->data.mapping.pairs.top; pair++, i++) {
		yaml_node_t *key = ydoc_node(k->y, pair->key);
		yaml_node_t *val = ydoc_node(k->y, pair->value);
		const char *ks = key != NULL ? ynode_str(key) : NULL;

		if (key == NULL || val == NULL)
			return cfg_err(k, n, "%s: broken mapping", path);
		if (ks == NULL || ynode_is_null(key) || ks[0] == '\0') {
			cfg_show(key, show, sizeof show);
			return cfg_err(k, key, "%s: keys must be strings, got %s",
			    path, show);
		}
		cfg_path(sub, path, ks);
		if (cfg_string(k, key, path, &f->keys[i]) != 0)
			return -1;
		f->nargs = i + 1;
		if (strchr(ks, '=') != NULL || strchr(ks, ' ') != NULL)
			return cfg_err(k, key,
			    "%s: '%s' cannot be a fence agent's key (no '=' or space)",
			    path, ks);
		if (strcmp(ks, "action") == 0)
			return cfg_err(k, key,
			    "%s: action is vmbal's to give (off, then status)",
			    path);
		for (j = 0; j < i; j++)
			if (strcmp(f->keys[j], ks) == 0)
				return cfg_err(k, key, "%s: duplicate key '%s'",
				    path, ks);
		if (val->type != YAML_SCALAR_NODE) {
			cfg_show(val, show, sizeof show);
			return cfg_err(k, val, "%s: expected a string, got %s",
			    sub, show);
		}
		if (cfg_string(k, val, sub, &f->values[i]) != 0)
			return -1;
	}
	return 0;
}

#define FCO(member) offsetof(struct fence_conf, member)

static const struct field fence_fields[] = {
	{ .key = "agent", .type = FT_STR, .off = FCO(agent),
	  .flags = F_REQUIRED | F_POS, .pos_off = FCO(pos) },
	/* unset: no lines but action */
	{ .key = "args", .type = FT_FUNC, .fn = cfg_fence_args },
	{ .key = NULL }
};

static int
cfg_fence(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct fence_conf *f = &((struct host_conf *)obj)->fence;

	if (cfg_mapping(k, n, fence_fields, f, path) != 0)
		return -1;
	if (strchr(f->agent, '/') != NULL && f->agent[0] != '/')
		return cfg_at(k, f->pos,
		    "%s.agent: '%s' must be a name found on PATH (as fence_ipmilan) or an absolute path",
		    path, f->agent);
	return 0;
}

/* ---- hosts ----------------------------------------------------------- */

#define HO(member) offsetof(struct host_conf, member)

static const struct field host_cluster_fields[] = {
	{ .key = "name", .type = FT_STR, .off = HO(name), .flags = F_REQUIRED },
	/* unset: qemu+ssh://NAME/system (cfg_hosts) */
	{ .key = "uri", .type = FT_STR, .off = HO(uri) },
	{ .key = "migration_uri", .type = FT_STR, .off = HO(migration_uri) },
	/* 0: as the probe finds */
	{ .key = "cpus", .type = FT_LONG, .off = HO(cpus), .min = 1,
	  .max = 4096 },
	/* -1: policy.host_reserve_mib (config_host_reserve) */
	{ .key = "reserve_mib", .type = FT_LONG, .off = HO(reserve_mib),
	  .min = 0, .max = 1 << 30, .default_num = -1 },
	/* unset: no agent; a person confirms it off */
	{ .key = "fence", .type = FT_FUNC, .fn = cfg_fence },
	{ .key = NULL }
};

static const struct field host_scenario_fields[] = {
	{ .key = "name", .type = FT_STR, .off = HO(name), .flags = F_REQUIRED },
	{ .key = "cpus", .type = FT_LONG, .off = HO(cpus), .min = 1,
	  .max = 4096, .default_num = 8 },
	{ .key = "memory_mib", .type = FT_LONG, .off = HO(memory_mib),
	  .min = 1, .max = 1 << 30, .default_num = 16384 },
	/* -1: policy.host_reserve_mib (config_host_reserve) */
	{ .key = "reserve_mib", .type = FT_LONG, .off = HO(reserve_mib),
	  .min = 0, .max = 1 << 30, .default_num = -1 },
	/* 0: reached from the start */
	{ .key = "connect_after_s", .type = FT_NUM, .off = HO(connect_after_s),
	  .min = 0, .max = 1e9 },
	/* the simulator's agent answers; no program runs */
	{ .key = "fence", .type = FT_FUNC, .fn = cfg_fence },
	/* 0: never */
	{ .key = "fail_at_s", .type = FT_NUM, .off = HO(fail_at_s),
	  .min = 0, .max = 1e9, .flags = F_MIN_EXCL },
	{ .key = "return_at_s", .type = FT_NUM, .off = HO(return_at_s),
	  .min = 0, .max = 1e9, .flags = F_MIN_EXCL },
	{ .key = "fence_fails", .type = FT_BOOL, .off = HO(fence_fails) },
	{ .key = NULL }
};

static int
cfg_hosts(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct config *c = k->c;
	const struct field *fields;
	char sub[PATH_LEN], buf[PATH_LEN + 64];
	size_t i, j, cnt;

	(void)obj;
	if (cfg_list(k, n, path, 1, "hosts", &cnt) != 0)
		return -1;
	c->hosts = calloc(cnt, sizeof *c->hosts);
	if (c->hosts == NULL)
		return cfg_err(k, n, "out of memory");
	for (i = 0; i < cnt; i++) {
		struct host_conf *h = &c->hosts[i];
		yaml_node_t *it = cfg_item(k, n, i);

		c->nhosts = i + 1;
		h->pos = cfg_pos(it);
		cfg_path_index(sub, path, i);
		fields = c->kind == CONFIG_SCENARIO ? host_scenario_fields :
		    host_cluster_fields;
		if (cfg_defaults(fields, h) != 0)
			return cfg_err(k, it, "out of memory");
		if (cfg_mapping(k, it, fields, h, sub) != 0)
			return -1;
		h->pos = cfg_pos_or(k, it, "name");
		for (j = 0; j < i; j++)
			if (strcmp(c->hosts[j].name, h->name) == 0)
				return cfg_at(k, h->pos,
				    "%s.name: duplicate host name '%s' (first at %d:%d)",
				    sub, h->name, c->hosts[j].pos.line,
				    c->hosts[j].pos.col);
		if (h->return_at_s > 0 && !(h->fail_at_s > 0 &&
		    h->return_at_s > h->fail_at_s))
		{
			char when[40] = "not set";

			if (h->fail_at_s > 0)
				snprintf(when, sizeof when, "%.15g",
				    h->fail_at_s);
			return cfg_at(k, cfg_pos_or(k, it, "return_at_s"),
			    "%s.return_at_s: %.15g must come after fail_at_s (%s)",
			    sub, h->return_at_s, when);
		}
		if (c->kind == CONFIG_CLUSTER && h->uri == NULL) {
			snprintf(buf, sizeof buf, "qemu+ssh://%s/system",
			    h->name);
			h->uri = strdup(buf);
			if (h->uri == NULL)
				return cfg_err(k, it, "out of memory");
		}
	}
	return 0;
}

/* ---- vms (scenario) -------------------------------------------------- */

static int
cfg_load(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct vm_conf *v = obj;
#define LO(member) offsetof(struct load_conf, member)
	static const struct field wave[] = {
		{ .key = "peak", .type = FT_NUM, .off = LO(peak), .min = 0,
		  .max = 102400, .flags = F_REQUIRED },
		{ .key = "valley", .type = FT_NUM, .off = LO(valley), .min = 0,
		  .max = 102400, .flags = F_REQUIRED },
		{ .key = "peak_s", .type = FT_NUM, .off = LO(peak_s),
		  .min = 0.01, .max = 1e6, .flags = F_REQUIRED },
		{ .key = "valley_s", .type = FT_NUM, .off = LO(valley_s),
		  .min = 0.01, .max = 1e6, .flags = F_REQUIRED },
		{ .key = "phase_s", .type = FT_NUM, .off = LO(phase_s),
		  .min = 0, .max = 1e6 },
		{ .key = NULL }
	};
	static const struct field constant = { .key = "load", .type = FT_NUM,
		.off = LO(value), .min = 0, .max = 102400 };
#undef LO

	if (n->type == YAML_MAPPING_NODE) {
		v->load.kind = LOAD_SQUARE;
		return cfg_mapping(k, n, wave, &v->load, path);
	}
	if (n->type != YAML_SCALAR_NODE ||
	    (ynode_to_double(n, &v->load.value) != 0 &&
	    !cfg_overflows(n, false)))
		return cfg_type_err(k, n, path,
		    "a number or a mapping {peak, valley, peak_s, valley_s, phase_s}",
		    cfg_conv_double);
	v->load.kind = LOAD_CONSTANT;
	return cfg_field(k, &constant, n, &v->load, path);
}

/* The check against the vCPUs points at the larger of peak and valley. */
static void
cfg_vm_load_pos(struct cfg *k, yaml_node_t *it, struct vm_conf *v)
{
	yaml_node_t *load = cfg_lookup(k, it, "load");

	if (load == NULL || v->load.kind != LOAD_SQUARE)
		return;
	v->load_pos = cfg_pos_or(k, load, v->load.peak >= v->load.valley ?
	    "peak" : "valley");
}

#define VO(member) offsetof(struct vm_conf, member)

static const struct field vm_fields[] = {
	{ .key = "name", .type = FT_STR, .off = VO(name), .flags = F_REQUIRED },
	{ .key = "host", .type = FT_STR, .off = VO(host),
	  .flags = F_REQUIRED | F_POS, .pos_off = VO(host_pos) },
	{ .key = "vcpus", .type = FT_LONG, .off = VO(vcpus), .min = 1,
	  .max = 1024, .default_num = 1 },
	{ .key = "memory_mib", .type = FT_LONG, .off = VO(memory_mib),
	  .min = 1, .max = 1 << 24, .default_num = 1024 },
	/* unset: a constant 0 */
	{ .key = "load", .type = FT_FUNC, .off = VO(load), .fn = cfg_load,
	  .flags = F_POS, .pos_off = VO(load_pos) },
	{ .key = NULL }
};

static int
cfg_vms(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct config *c = k->c;
	char sub[PATH_LEN];
	size_t i, j, cnt;

	(void)obj;
	if (cfg_list(k, n, path, 0, "VMs", &cnt) != 0)
		return -1;
	c->vms = calloc(cnt + 1, sizeof *c->vms);
	if (c->vms == NULL)
		return cfg_err(k, n, "out of memory");
	for (i = 0; i < cnt; i++) {
		struct vm_conf *v = &c->vms[i];
		yaml_node_t *it = cfg_item(k, n, i);

		c->nvms = i + 1;
		v->pos = cfg_pos(it);
		if (cfg_defaults(vm_fields, v) != 0)
			return cfg_err(k, it, "out of memory");
		cfg_path_index(sub, path, i);
		if (cfg_mapping(k, it, vm_fields, v, sub) != 0)
			return -1;
		v->pos = cfg_pos_or(k, it, "name");
		for (j = 0; j < i; j++)
			if (strcmp(c->vms[j].name, v->name) == 0)
				return cfg_at(k, v->pos,
				    "%s.name: duplicate VM name '%s' (first at %d:%d)",
				    sub, v->name, c->vms[j].pos.line,
				    c->vms[j].pos.col);
		cfg_vm_load_pos(k, it, v);
	}
	return 0;
}

/* ---- rules ----------------------------------------------------------- */

static int
cfg_pin(struct cfg *k, yaml_node_t *n, struct rule_conf *r, const char *path)
{
	yaml_node_pair_t *pair;
	char sub[PATH_LEN], show[64];
	bool have_vm = false, have_host = false;

	if (n->type != YAML_MAPPING_NODE) {
		cfg_show(n, show, sizeof show);
		return cfg_err(k, n, "%s: expected a mapping {vm, host}, got %s",
		    path, show);
	}
	r->vms = calloc(2, sizeof *r->vms);
	r->vm_pos = calloc(2, sizeof *r->vm_pos);
	if (r->vms == NULL || r->vm_pos == NULL)
		return cfg_err(k, n, "out of memory");
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = ydoc_node(k->y, pair->key);
		yaml_node_t *val = ydoc_node(k->y, pair->value);
		const char *ks = ynode_str(key);

		if (ks != NULL && strcmp(ks, "vm") == 0 && !have_vm) {
			cfg_path(sub, path, "vm");
			if (cfg_string(k, val, sub, &r->vms[0]) != 0)
				return -1;
			r->vm_pos[0] = cfg_pos(val);
			r->nvms = 1;
			have_vm = true;
		} else if (ks != NULL && strcmp(ks, "host") == 0 && !have_host) {
			cfg_path(sub, path, "host");
			if (cfg_string(k, val, sub, &r->host) != 0)
				return -1;
			r->host_pos = cfg_pos(val);
			have_host = true;
		} else if (ks != NULL && (strcmp(ks, "vm") == 0 ||
		    strcmp(ks, "host") == 0)) {
			return cfg_err(k, key, "%s: duplicate key '%s'", path, ks);
		} else {
			cfg_show(key, show, sizeof show);
			return cfg_err(k, key, "%s: unknown key %s", path, show);
		}
	}
	if (!have_vm || !have_host)
		return cfg_err(k, n, "%s: missing required key '%s'", path,
		    have_vm ? "host" : "vm");
	return 0;
}

/* ha_priority: {vm: NAME, priority: N} (default 0). */
struct cfg_prio {
	char *vm;
	long priority;
	struct config_pos vm_pos;
};

#define PRO(member) offsetof(struct cfg_prio, member)

static const struct field ha_priority_fields[] = {
	{ .key = "vm", .type = FT_STR, .off = PRO(vm),
	  .flags = F_REQUIRED | F_POS, .pos_off = PRO(vm_pos) },
	{ .key = "priority", .type = FT_LONG, .off = PRO(priority),
	  .min = -1000000, .max = 1000000, .default_num = 0 },
	{ .key = NULL }
};

static int
cfg_ha_priority(struct cfg *k, yaml_node_t *n, struct rule_conf *r,
    const char *path)
{
	struct cfg_prio pr;
	char show[64];

	memset(&pr, 0, sizeof pr);
	if (n->type != YAML_MAPPING_NODE) {
		cfg_show(n, show, sizeof show);
		return cfg_err(k, n,
		    "%s: expected a mapping {vm, priority}, got %s", path, show);
	}
	r->vms = calloc(2, sizeof *r->vms);
	r->vm_pos = calloc(2, sizeof *r->vm_pos);
	if (r->vms == NULL || r->vm_pos == NULL ||
	    cfg_defaults(ha_priority_fields, &pr) != 0)
		return cfg_err(k, n, "out of memory");
	if (cfg_mapping(k, n, ha_priority_fields, &pr, path) != 0) {
		free(pr.vm);
		return -1;
	}
	r->vms[0] = pr.vm;
	r->vm_pos[0] = pr.vm_pos;
	r->nvms = 1;
	r->priority = pr.priority;
	return 0;
}

static int
cfg_rules(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	static const char *const kinds[] = { "anti_affinity", "affinity", "pin",
		"exclude", "ha_priority", NULL };
	struct config *c = k->c;
	char sub[PATH_LEN], sub2[PATH_LEN], show[64];
	size_t i, cnt;
	int kind;

	(void)obj;
	if (cfg_list(k, n, path, 0, "rules", &cnt) != 0)
		return -1;
	c->rules = calloc(cnt + 1, sizeof *c->rules);
	if (c->rules == NULL)
		return cfg_err(k, n, "out of memory");
	for (i = 0; i < cnt; i++) {
		struct rule_conf *r = &c->rules[i];
		yaml_node_t *it = cfg_item(k, n, i), *key, *val;
		const char *ks;

		c->nrules = i + 1;
		r->pos = cfg_pos(it);
		cfg_path_index(sub, path, i);
		if (it->type != YAML_MAPPING_NODE ||
		    it->data.mapping.pairs.top == it->data.mapping.pairs.start) {
			cfg_show(it, show, sizeof show);
			return cfg_err(k, it,
			    "%s: expected a mapping with one of anti_affinity, affinity, pin, exclude, ha_priority; got %s",
			    sub, it->type == YAML_MAPPING_NODE ?
			    "an empty mapping" : show);
		}
		if (it->data.mapping.pairs.top - it->data.mapping.pairs.start
		    > 1) {
			key = ydoc_node(k->y,
			    it->data.mapping.pairs.start[1].key);
			cfg_show(key, show, sizeof show);
			return cfg_err(k, key,
			    "%s: one rule per list entry: %s is a second rule (start it with its own '-')",
			    sub, show);
		}
		key = ydoc_node(k->y, it->data.mapping.pairs.start->key);
		val = ydoc_node(k->y, it->data.mapping.pairs.start->value);
		ks = ynode_str(key);
		for (kind = 0; ks != NULL && kinds[kind] != NULL; kind++)
			if (strcmp(ks, kinds[kind]) == 0)
				break;
		if (ks == NULL || kinds[kind] == NULL) {
			cfg_show(key, show, sizeof show);
			return cfg_err(k, key,
			    "%s: unknown rule %s (expected anti_affinity, affinity, pin, exclude or ha_priority)",
			    sub, show);
		}
		r->kind = (enum rule_kind)kind;
		cfg_path(sub2, sub, ks);
		if (r->kind == RULE_PIN) {
			if (cfg_pin(k, val, r, sub2) != 0)
				return -1;
		} else if (r->kind == RULE_HA_PRIORITY) {
			if (cfg_ha_priority(k, val, r, sub2) != 0)
				return -1;
		} else if (cfg_name_list(k, val, sub2,
		    r->kind == RULE_EXCLUDE ? 1 : 2, "VM names", &r->vms,
		    &r->vm_pos, &r->nvms) != 0)
			return -1;
	}
	return 0;
}

static int
cfg_maintenance(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	(void)obj;
	return cfg_name_list(k, n, path, 0, "host names", &k->c->maintenance,
	    &k->c->maintenance_pos, &k->c->nmaintenance);
}

/* ---- services -------------------------------------------------------- */

#define HCO(member) offsetof(struct health_conf, member)

static const struct field health_fields[] = {
	/* unset: udp on a UDP service (cfg_health_protocol) */
	{ .key = "type", .type = FT_ENUM, .off = HCO(type),
	  .names = health_names, .default_num = HEALTH_TCP },
	{ .key = "interval_ms", .type = FT_LONG, .off = HCO(interval_ms),
	  .min = 10, .max = 3600000, .default_num = 200 },
	{ .key = "timeout_ms", .type = FT_LONG, .off = HCO(timeout_ms),
	  .min = 10, .max = 60000, .default_num = 150 },
	{ .key = "fall", .type = FT_LONG, .off = HCO(fall), .min = 1,
	  .max = 100, .default_num = 2 },
	{ .key = "rise", .type = FT_LONG, .off = HCO(rise), .min = 1,
	  .max = 100, .default_num = 2 },
	{ .key = "path", .type = FT_STR, .off = HCO(path),
	  .default_str = "/" },
	{ .key = "send", .type = FT_STR, .off = HCO(send) },
	{ .key = "expect", .type = FT_STR, .off = HCO(expect) },
	{ .key = "name", .type = FT_STR, .off = HCO(name) },
	{ .key = NULL }
};

static int
cfg_health(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct service_conf *s = obj;

	if (cfg_mapping(k, n, health_fields, &s->health, path) != 0)
		return -1;
	if (s->health.path[0] != '/')
		return cfg_at(k, cfg_pos_or(k, n, "path"),
		    "%s.path: '%s' must start with '/'", path, s->health.path);
	return 0;
}

/* A name a DNS query can carry: labels of 1-63 letters, digits, '-' or
 * '_', 253 characters in all, a final dot allowed. */
static bool
cfg_dns_name_ok(const char *s)
{
	size_t len = strlen(s), label = 0, i;

	if (len == 0 || len > 254 || (len == 254 && s[253] != '.'))
		return false;
	if (strcmp(s, ".") == 0)
		return true;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return true;
}

/*
 * The check must speak the service's protocol: tcp and http on a TCP
 * service, udp and dns on a UDP one, whose default is udp (a connect to
 * a UDP backend would fail, and its service lose its rule). dns needs a
 * name; send, expect and name belong to their types.
 */
static int
cfg_health_protocol(struct cfg *k, yaml_node_t *svc, struct service_conf *s,
    const char *path)
{
	yaml_node_t *hn = cfg_lookup(k, svc, "health");
	yaml_node_t *tn = hn != NULL ? cfg_lookup(k, hn, "type") : NULL;
	struct health_conf *h = &s->health;
	bool udp_type = h->type == HEALTH_UDP || h->type == HEALTH_DNS;

	if (tn == NULL) {
		h->type = s->protocol == PROTO_UDP ? HEALTH_UDP : HEALTH_TCP;
		udp_type = s->protocol == PROTO_UDP;
	} else if (udp_type != (s->protocol == PROTO_UDP))
		return cfg_err(k, tn, "%s.health.type: %s checks a %s service; "
		    "this one is %s", path, health_names[h->type],
		    udp_type ? "UDP" : "TCP", proto_names[s->protocol]);
	if ((h->send != NULL || h->expect != NULL) && h->type != HEALTH_UDP)
		return cfg_at(k, cfg_pos_or(k, hn, h->send != NULL ? "send" :
		    "expect"), "%s.health: send and expect belong to type udp",
		    path);
	if (h->name != NULL && h->type != HEALTH_DNS)
		return cfg_at(k, cfg_pos_or(k, hn, "name"),
		    "%s.health.name belongs to type dns", path);
	if (h->type == HEALTH_DNS && h->name == NULL)
		return cfg_at(k, cfg_pos_or(k, hn, "type"),
		    "%s.health: type dns needs name (the name to ask for)", path);
	if (h->type == HEALTH_DNS && !cfg_dns_name_ok(h->name))
		return cfg_at(k, cfg_pos_or(k, hn, "name"),
		    "%s.health.name: '%s' is not a DNS name", path, h->name);
	return 0;
}

#define BO(member) offsetof(struct backend_conf, member)

static const struct field backend_fields[] = {
	{ .key = "address", .type = FT_ADDR, .off = BO(address),
	  .flags = F_REQUIRED },
	/* 0: the service's port (cfg_services) */
	{ .key = "port", .type = FT_LONG, .off = BO(port), .min = 1,
	  .max = 65535 },
	{ .key = "weight", .type = FT_LONG, .off = BO(weight), .min = 0,
	  .max = 65535, .default_num = 1 },
	{ .key = "vm", .type = FT_STR, .off = BO(vm), .flags = F_POS,
	  .pos_off = BO(vm_pos) },
	{ .key = NULL }
};

static int
cfg_backends(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct service_conf *s = obj;
	char sub[PATH_LEN];
	size_t i, cnt;

	if (cfg_list(k, n, path, 1, "backends", &cnt) != 0)
		return -1;
	s->backends = calloc(cnt, sizeof *s->backends);
	if (s->backends == NULL)
		return cfg_err(k, n, "out of memory");
	for (i = 0; i < cnt; i++) {
		struct backend_conf *b = &s->backends[i];
		yaml_node_t *it = cfg_item(k, n, i);

		s->nbackends = i + 1;
		b->pos = cfg_pos(it);
		if (cfg_defaults(backend_fields, b) != 0)
			return cfg_err(k, it, "out of memory");
		cfg_path_index(sub, path, i);
		if (cfg_mapping(k, it, backend_fields, b, sub) != 0)
			return -1;
	}
	return 0;
}

/* Backends after their ports default to the service's: no two alike. */
static int
cfg_backend_dups(struct cfg *k, const struct service_conf *s, size_t si)
{
	size_t i, j;

	for (i = 0; i < s->nbackends; i++)
		for (j = 0; j < i; j++)
			if (cfg_addr_same(s->backends[j].address,
			    s->backends[i].address) &&
			    s->backends[j].port == s->backends[i].port)
				return cfg_at(k, s->backends[i].pos,
				    "services[%zu].backends[%zu]: duplicate backend %s:%ld (first at %d:%d)",
				    si, i, s->backends[i].address,
				    s->backends[i].port,
				    s->backends[j].pos.line,
				    s->backends[j].pos.col);
	return 0;
}

#define SO(member) offsetof(struct service_conf, member)

static const struct field service_fields[] = {
	/* unset: VIP:PORT, and /PROTOCOL when another has that (cfg_services) */
	{ .key = "name", .type = FT_STR, .off = SO(name) },
	{ .key = "vip", .type = FT_ADDR, .off = SO(vip), .flags = F_REQUIRED },
	{ .key = "port", .type = FT_LONG, .off = SO(port), .min = 1,
	  .max = 65535, .flags = F_REQUIRED },
	{ .key = "protocol", .type = FT_ENUM, .off = SO(protocol),
	  .names = proto_names, .default_num = PROTO_TCP },
	{ .key = "algorithm", .type = FT_ENUM, .off = SO(algorithm),
	  .names = algo_names, .default_num = ALGO_ROUND_ROBIN },
	{ .key = "persistence_s", .type = FT_LONG, .off = SO(persistence_s),
	  .min = 0, .max = 86400 },
	{ .key = "slow_start_s", .type = FT_LONG, .off = SO(slow_start_s),
	  .min = 0, .max = 3600 },
	{ .key = "snat", .type = FT_BOOL, .off = SO(snat) },
	{ .key = "drain_on_migrate", .type = FT_BOOL,
	  .off = SO(drain_on_migrate), .default_num = true },
	/* defaults in health_fields */
	{ .key = "health", .type = FT_FUNC, .off = SO(health),
	  .fn = cfg_health },
	{ .key = "backends", .type = FT_FUNC, .off = SO(backends),
	  .fn = cfg_backends, .flags = F_REQUIRED },
	{ .key = NULL }
};

static int
cfg_services(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	struct config *c = k->c;
	char sub[PATH_LEN], buf[64];
	size_t i, j, b, cnt;

	(void)obj;
	if (cfg_list(k, n, path, 0, "services", &cnt) != 0)
		return -1;
	c->services = calloc(cnt + 1, sizeof *c->services);
	if (c->services == NULL)
		return cfg_err(k, n, "out of memory");
	for (i = 0; i < cnt; i++) {
		struct service_conf *s = &c->services[i];
		yaml_node_t *it = cfg_item(k, n, i);

		c->nservices = i + 1;
		s->pos = cfg_pos(it);
		if (cfg_defaults(service_fields, s) != 0 ||
		    cfg_defaults(health_fields, &s->health) != 0)
			return cfg_err(k, it, "out of memory");
		cfg_path_index(sub, path, i);
		if (cfg_mapping(k, it, service_fields, s, sub) != 0)
			return -1;
		for (b = 0; b < s->nbackends; b++)
			if (s->backends[b].port == 0)
				s->backends[b].port = s->port;
		if (cfg_health_protocol(k, it, s, sub) != 0)
			return -1;
		s->pos = cfg_pos_or(k, it, "vip");
		if (cfg_addr_loopback(s->vip))
			return cfg_at(k, s->pos,
			    "%s.vip: '%s' is a loopback address (127.0.0.0/8): no client elsewhere can reach it",
			    sub, s->vip);
		for (b = 0; b < s->nbackends; b++)
			if (cfg_addr_same(s->backends[b].address, s->vip))
				return cfg_at(k, cfg_pos_or(k, cfg_item(k,
				    cfg_lookup(k, it, "backends"), b), "address"),
				    "%s.backends[%zu].address: '%s' is the service's VIP: a backend must have an address of its own",
				    sub, b, s->backends[b].address);
		if (cfg_backend_dups(k, s, i) != 0)
			return -1;
		for (j = 0; j < i; j++) {
			struct service_conf *o = &c->services[j];

			if (cfg_addr_same(o->vip, s->vip) && o->port == s->port &&
			    o->protocol == s->protocol)
				return cfg_at(k, s->pos,
				    "%s: %s:%ld/%s is already served by '%s' (at %d:%d)",
				    sub, s->vip, s->port, proto_names[s->protocol],
				    o->name, o->pos.line, o->pos.col);
		}
		if (s->name == NULL) {
			/* vip:port, and its protocol when a sibling has that */
			snprintf(buf, sizeof buf, "%s:%ld", s->vip, s->port);
			for (j = 0; j < i; j++)
				if (strcmp(c->services[j].name, buf) == 0)
					snprintf(buf, sizeof buf, "%s:%ld/%s",
					    s->vip, s->port,
					    proto_names[s->protocol]);
			s->name = strdup(buf);
			if (s->name == NULL)
				return cfg_err(k, it, "out of memory");
		} else
			s->pos = cfg_pos_or(k, it, "name");
		for (j = 0; j < i; j++) {
			struct service_conf *o = &c->services[j];

			if (strcmp(o->name, s->name) == 0)
				return cfg_at(k, s->pos,
				    "%s: duplicate service name '%s' (first at %d:%d)",
				    sub, s->name, o->pos.line, o->pos.col);
		}
	}
	return 0;
}

/* ---- migration (scenario) -------------------------------------------- */

#define MO(member) offsetof(struct migration_conf, member)

static const struct field migration_fields[] = {
	{ .key = "bandwidth_mbps", .type = FT_NUM, .off = MO(bandwidth_mbps),
	  .min = 1, .max = 1e6, .default_num = 1000 },
	{ .key = "fail_rate", .type = FT_NUM, .off = MO(fail_rate), .min = 0,
	  .max = 1 },
	{ .key = "seed", .type = FT_LONG, .off = MO(seed), .min = 0,
	  .max = 2147483647.0, .default_num = 1 },
	{ .key = NULL }
};

static int
cfg_migration(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	(void)obj;
	return cfg_mapping(k, n, migration_fields, &k->c->migration, path);
}

/* ---- live_migration (libvirt's tuning) ------------------------------- */

#define LMO(member) offsetof(struct live_migration_conf, member)

/* 0 for bandwidth_mibps, postcopy_after_s, parallel_connections: off */
static const struct field live_migration_fields[] = {
	{ .key = "peer_to_peer", .type = FT_BOOL, .off = LMO(peer_to_peer),
	  .default_num = true },
	{ .key = "tls", .type = FT_BOOL, .off = LMO(tls) },
	{ .key = "bandwidth_mibps", .type = FT_LONG, .off = LMO(bandwidth_mibps),
	  .min = 0, .max = 1e6 },
	{ .key = "max_downtime_ms", .type = FT_LONG,
	  .off = LMO(max_downtime_ms), .min = 0, .max = 600000,
	  .default_num = 300 },
	{ .key = "auto_converge", .type = FT_BOOL, .off = LMO(auto_converge),
	  .default_num = true },
	{ .key = "postcopy_after_s", .type = FT_NUM,
	  .off = LMO(postcopy_after_s), .min = 0, .max = 86400 },
	{ .key = "parallel_connections", .type = FT_LONG,
	  .off = LMO(parallel_connections), .min = 0, .max = 255 },
	{ .key = NULL }
};

static int
cfg_live_migration(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	(void)obj;
	return cfg_mapping(k, n, live_migration_fields, &k->c->live_migration,
	    path);
}

void
live_migration_defaults(struct live_migration_conf *lm)
{
	/* no strings: nothing to allocate, nothing can fail */
	(void)cfg_defaults(live_migration_fields, lm);
}

/* ---- ha (the address that makes this director active) --------------- */

static int
cfg_ha(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	static const struct field f[] = {
		{ .key = "address", .type = FT_ADDR,
		  .off = offsetof(struct ha_conf, address),
		  .flags = F_REQUIRED | F_POS,
		  .pos_off = offsetof(struct ha_conf, pos) },
		{ .key = NULL }
	};

	(void)obj;
	if (cfg_mapping(k, n, f, &k->c->ha, path) != 0)
		return -1;
	if (k->c->ha.address != NULL && cfg_addr_loopback(k->c->ha.address))
		return cfg_at(k, k->c->ha.pos, "%s.address: %s is a loopback "
		    "address: every machine holds it", path, k->c->ha.address);
	return 0;
}

/* ---- ha_restart (a dead host's VMs, issue 18) ----------------------- */

static const char *const ha_restart_names[] = { "manual", "auto", "off",
	NULL };

#define HRO(member) offsetof(struct ha_restart_conf, member)

static const struct field ha_restart_fields[] = {
	{ .key = "mode", .type = FT_ENUM, .off = HRO(mode),
	  .names = ha_restart_names, .default_num = HA_RESTART_MANUAL },
	{ .key = "after_s", .type = FT_NUM, .off = HRO(after_s), .min = 0,
	  .max = 86400, .default_num = 30 },
	{ .key = NULL }
};

static int
cfg_ha_restart(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	(void)obj;
	k->c->ha_restart.pos = cfg_pos(n);
	return cfg_mapping(k, n, ha_restart_fields, &k->c->ha_restart, path);
}

const char *
ha_restart_mode_name(enum ha_restart_mode m)
{
	return ha_restart_names[m];
}

long
config_ha_priority(const struct config *c, const char *vm)
{
	long p = 0;
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].kind == RULE_HA_PRIORITY &&
		    c->rules[i].nvms == 1 && strcmp(c->rules[i].vms[0], vm) == 0)
			p = c->rules[i].priority;	/* the last one says */
	return p;
}

/* control_socket: a path a Unix socket can have (sun_path: 108 bytes). */
static int
cfg_control_socket(struct cfg *k, yaml_node_t *n, void *obj, const char *path)
{
	(void)obj;
	if (cfg_string(k, n, path, &k->c->control_socket) != 0)
		return -1;
	if (strlen(k->c->control_socket) > CONFIG_SOCKET_MAX)
		return cfg_err(k, n, "%s: longer than %d bytes (a Unix socket's path)",
		    path, CONFIG_SOCKET_MAX);
	return 0;
}

/* ---- top level and cross-references ---------------------------------- */

#define CO(member) offsetof(struct config, member)

/* A mapping's own defaults are in its table: policy_fields, ... */
static const struct field cluster_fields[] = {
	{ .key = "hosts", .type = FT_FUNC, .fn = cfg_hosts,
	  .flags = F_REQUIRED },
	{ .key = "policy", .type = FT_FUNC, .fn = cfg_policy },
	{ .key = "journal", .type = FT_STR, .off = CO(journal),
	  .default_str = "/var/lib/vmbal/journal.jsonl" },
	{ .key = "history_dir", .type = FT_STR, .off = CO(history_dir),
	  .default_str = "/var/lib/vmbal/history" },
	/* unset: /run/vmbal/NAME.sock (config_default_named) */
	{ .key = "control_socket", .type = FT_FUNC, .fn = cfg_control_socket },
	{ .key = "rules", .type = FT_FUNC, .fn = cfg_rules },
	{ .key = "maintenance", .type = FT_FUNC, .fn = cfg_maintenance },
	{ .key = "services", .type = FT_FUNC, .fn = cfg_services },
	{ .key = "allow_ext", .type = FT_BOOL, .off = CO(allow_ext) },
	{ .key = "live_migration", .type = FT_FUNC, .fn = cfg_live_migration },
	{ .key = "ha", .type = FT_FUNC, .fn = cfg_ha },
	/* defaults in ha_restart_fields */
	{ .key = "ha_restart", .type = FT_FUNC, .fn = cfg_ha_restart },
	/* unset: /var/lib/vmbal/domains/NAME (config_default_named) */
	{ .key = "domain_dir", .type = FT_STR, .off = CO(domain_dir) },
	{ .key = NULL }
};

static const struct field scenario_fields[] = {
	{ .key = "hosts", .type = FT_FUNC, .fn = cfg_hosts,
	  .flags = F_REQUIRED },
	{ .key = "vms", .type = FT_FUNC, .fn = cfg_vms },
	{ .key = "migration", .type = FT_FUNC, .fn = cfg_migration },
	{ .key = "policy", .type = FT_FUNC, .fn = cfg_policy },
	/* "": no journal */
	{ .key = "journal", .type = FT_STR, .off = CO(journal),
	  .default_str = "" },
	/* "": none for a headless run; the console's is private to it
	 * (cli/history_dir.c) */
	{ .key = "history_dir", .type = FT_STR, .off = CO(history_dir),
	  .default_str = "" },
	/* "": under the lease directory (cli/ctl_server.c: ctl_server_path) */
	{ .key = "control_socket", .type = FT_FUNC, .fn = cfg_control_socket },
	{ .key = "rules", .type = FT_FUNC, .fn = cfg_rules },
	{ .key = "maintenance", .type = FT_FUNC, .fn = cfg_maintenance },
	{ .key = "services", .type = FT_FUNC, .fn = cfg_services },
	/* accepted, ignored */
	{ .key = "live_migration", .type = FT_FUNC, .fn = cfg_live_migration },
	{ .key = "ha_restart", .type = FT_FUNC, .fn = cfg_ha_restart },
	/* "": the simulator saves no definitions */
	{ .key = "domain_dir", .type = FT_STR, .off = CO(domain_dir),
	  .default_str = "" },
	{ .key = NULL }
};

int
config_host_index(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
config_vm_index(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nvms; i++)
		if (strcmp(c->vms[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
cfg_check_vm_load(struct cfg *k, const struct vm_conf *v, size_t i)
{
	double cap = (double)v->vcpus * 100.0;
	const struct load_conf *l = &v->load;
	double worst = l->kind == LOAD_CONSTANT ? l->value :
	    fmax(l->peak, l->valley);
	const char *which = l->kind == LOAD_CONSTANT ? "" :
	    l->peak >= l->valley ? ".peak" : ".valley";

	if (worst > cap)
		return cfg_at(k, v->load_pos,
		    "vms[%zu].load%s: %.15g%% is more than %ld vCPU%s can use (%.15g%%)",
		    i, which, worst, v->vcpus, v->vcpus == 1 ? "" : "s", cap);
	return 0;
}

static const char *const rule_keys[] = { "anti_affinity", "affinity", "pin",
	"exclude", "ha_priority" };

static int
cfg_check_refs(struct cfg *k)
{
	struct config *c = k->c;
	bool scen = c->kind == CONFIG_SCENARIO;
	size_t i, j;

	for (i = 0; i < c->nmaintenance; i++)
		if (config_host_index(c, c->maintenance[i]) < 0)
			return cfg_at(k, c->maintenance_pos[i],
			    "maintenance[%zu]: unknown host '%s'", i,
			    c->maintenance[i]);
	for (i = 0; i < c->nrules; i++) {
		struct rule_conf *r = &c->rules[i];

		if (r->kind == RULE_PIN && config_host_index(c, r->host) < 0)
			return cfg_at(k, r->host_pos,
			    "rules[%zu].pin.host: unknown host '%s'", i,
			    r->host);
		for (j = 0; scen && j < r->nvms; j++) {
			if (config_vm_index(c, r->vms[j]) >= 0)
				continue;
			if (r->kind == RULE_PIN || r->kind == RULE_HA_PRIORITY)
				return cfg_at(k, r->vm_pos[j],
				    "rules[%zu].%s.vm: unknown VM '%s'", i,
				    rule_keys[r->kind], r->vms[j]);
			return cfg_at(k, r->vm_pos[j],
			    "rules[%zu].%s[%zu]: unknown VM '%s'", i,
			    rule_keys[r->kind], j, r->vms[j]);
		}
	}
	for (i = 0; scen && i < c->nservices; i++)
		for (j = 0; j < c->services[i].nbackends; j++) {
			struct backend_conf *b = &c->services[i].backends[j];

			if (b->vm != NULL && config_vm_index(c, b->vm) < 0)
				return cfg_at(k, b->vm_pos,
				    "services[%zu].backends[%zu].vm: unknown VM '%s'",
				    i, j, b->vm);
		}
	return 0;
}

/* Scenario VMs: a known host, a load their vCPUs can give, memory that fits. */
static int
cfg_check_placement(struct cfg *k)
{
	struct config *c = k->c;
	long *used;
	size_t i;
	int h, rc = 0;

	used = calloc(c->nhosts + 1, sizeof *used);
	if (used == NULL)
		return cfg_at(k, (struct config_pos){ 1, 1 }, "out of memory");
	for (i = 0; i < c->nvms && rc == 0; i++) {
		struct vm_conf *v = &c->vms[i];

		h = config_host_index(c, v->host);
		if (h < 0) {
			rc = cfg_at(k, v->host_pos,
			    "vms[%zu].host: unknown host '%s'", i, v->host);
			break;
		}
		rc = cfg_check_vm_load(k, v, i);
		used[h] += v->memory_mib;
		if (rc == 0 && used[h] > c->hosts[h].memory_mib)
			rc = cfg_at(k, v->host_pos,
			    "vms[%zu].host: VM '%s' (%ld MiB) does not fit in the memory of host '%s': its VMs need %ld MiB, it has %ld MiB",
			    i, v->name, v->memory_mib, v->host, used[h],
			    c->hosts[h].memory_mib);
	}
	free(used);
	return rc;
}

/* "<before><config name><after>": the name is file's base name without
 * .yaml or .yml ("/run/vmbal/" and ".sock": the control socket's
 * default). A new string, or NULL on ENOMEM. */
static char *
config_default_named(const char *file, const char *before, const char *after)
{
	const char *base = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 :
	    file;
	size_t n = strlen(base);
	char *out;

	if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
		n -= 4;
	out = malloc(strlen(before) + n + strlen(after) + 1);
	if (out != NULL)
		sprintf(out, "%s%.*s%s", before, (int)n, base, after);
	return out;
}

struct config *
config_new_from_buffer(const char *file, const char *buf, size_t len,
    enum config_kind kind, struct diag *d)
{
	const struct field *top;
	struct ydoc y;
	struct cfg k;
	struct config *c;
	int rc;

	diag_clear(d);
	if (len > CONFIG_MAX_BYTES) {
		diag_set(d, file, 1, 1,
		    "file too large: %zu bytes (the limit is %d)", len,
		    CONFIG_MAX_BYTES);
		return NULL;
	}
	if (ydoc_load(&y, file, buf, len, d) != 0)
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		ydoc_fini(&y);
		diag_set(d, file, 1, 1, "out of memory");
		return NULL;
	}
	c->kind = kind;
	c->file = strdup(file);
	top = kind == CONFIG_SCENARIO ? scenario_fields : cluster_fields;
	/* a scenario's default is under the lease directory, which only the
	 * front end knows (cli/ctl_server.c: ctl_server_path) */
	c->control_socket = kind == CONFIG_SCENARIO ? strdup("") :
	    config_default_named(file, "/run/vmbal/", ".sock");
	/* a cluster's own: two configurations on one machine may both name
	 * a host h1, and each prunes what does not run on its own h1 */
	c->domain_dir = kind == CONFIG_SCENARIO ? NULL :
	    config_default_named(file, "/var/lib/vmbal/domains/", "");
	policy_defaults(&c->policy);
	live_migration_defaults(&c->live_migration);
	(void)cfg_defaults(ha_restart_fields, &c->ha_restart);
	k.y = &y;
	k.d = d;
	k.file = file;
	k.c = c;
	if (c->file == NULL || c->control_socket == NULL ||
	    (kind != CONFIG_SCENARIO && c->domain_dir == NULL) ||
	    cfg_defaults(top, c) != 0 ||
	    cfg_defaults(migration_fields, &c->migration) != 0)
		rc = cfg_at(&k, (struct config_pos){ 1, 1 }, "out of memory");
	else
		rc = cfg_mapping(&k, ydoc_root(&y), top, c, "");
	if (rc == 0)
		rc = cfg_check_refs(&k);
	if (rc == 0 && kind == CONFIG_SCENARIO)
		rc = cfg_check_placement(&k);
	ydoc_fini(&y);
	if (rc != 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *
config_new_from_file(const char *file, enum config_kind kind, struct diag *d)
{
	struct config *c;
	struct stat st;
	char *buf, why[256];
	size_t got = 0;
	int fd;

	diag_clear(d);
	if (safefile_open(file, &fd, &st, why, sizeof why) != SAFEFILE_OK) {
		diag_set(d, file, 0, 0, "%s", why);
		return NULL;
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		close(fd);
		diag_set(d, file, 1, 1,
		    "file too large: %lld bytes (the limit is %d)",
		    (long long)st.st_size, CONFIG_MAX_BYTES);
		return NULL;
	}
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (buf == NULL) {
		close(fd);
		diag_set(d, file, 0, 0, "out of memory");
		return NULL;
	}
	/* Read up to one byte past the limit: a file may grow after fstat. */
	if (safefile_read(fd, buf, CONFIG_MAX_BYTES + 1, &got) != 0) {
		diag_set(d, file, 0, 0, "cannot read: %s", strerror(errno));
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	c = config_new_from_buffer(file, buf, got, kind, d);
	free(buf);
	if (c != NULL && config_check_ext(c, st.st_uid == 0, d) != 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

static void
config_free_names(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void
config_free(struct config *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->nhosts; i++) {
		free(c->hosts[i].name);
		free(c->hosts[i].uri);
		free(c->hosts[i].migration_uri);
		free(c->hosts[i].fence.agent);
		config_free_names(c->hosts[i].fence.keys,
		    c->hosts[i].fence.nargs);
		config_free_names(c->hosts[i].fence.values,
		    c->hosts[i].fence.nargs);
	}
	free(c->hosts);
	for (i = 0; i < c->nvms; i++) {
		free(c->vms[i].name);
		free(c->vms[i].host);
	}
	free(c->vms);
	for (i = 0; i < c->nrules; i++) {
		config_free_names(c->rules[i].vms, c->rules[i].nvms);
		free(c->rules[i].vm_pos);
		free(c->rules[i].host);
	}
	free(c->rules);
	config_free_names(c->maintenance, c->nmaintenance);
	free(c->maintenance_pos);
	for (i = 0; i < c->nservices; i++) {
		struct service_conf *s = &c->services[i];

		free(s->name);
		free(s->vip);
		free(s->health.path);
		free(s->health.send);
		free(s->health.expect);
		free(s->health.name);
		for (j = 0; j < s->nbackends; j++) {
			free(s->backends[j].address);
			free(s->backends[j].vm);
		}
		free(s->backends);
	}
	free(c->services);
	free(c->journal);
	free(c->control_socket);
	free(c->history_dir);
	free(c->ha.address);
	free(c->domain_dir);
	free(c->file);
	free(c);
}

const char *
policy_mode_name(enum policy_mode m)
{
	return mode_names[m];
}

const char *
svc_algorithm_name(enum svc_algorithm a)
{
	return algo_names[a];
}
