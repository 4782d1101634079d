/*
 * availability.c - incidents of hosts and VMs, and the figures derived
 * from them (see availability.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "availability.h"

struct avail_ent {
	char *name;
	double first;		/* first seen */
	double open_at;		/* the open incident's start; < 0 none */
	long n;			/* incidents, the open one too */
	long nclosed;
	double closed_s;	/* their total length */
	double last_s;		/* the latest closed one's; < 0 */
	char *where;		/* the latest incident's, or NULL */
};

struct avail_list {
	struct avail_ent *v;
	size_t n, cap;
};

struct avail {
	struct avail_list kinds[2];
};

struct avail *
avail_new(void)
{
	return calloc(1, sizeof(struct avail));
}

void
avail_free(struct avail *a)
{
	size_t k, i;

	if (a == NULL)
		return;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < a->kinds[k].n; i++) {
			free(a->kinds[k].v[i].name);
			free(a->kinds[k].v[i].where);
		}
		free(a->kinds[k].v);
	}
	free(a);
}

/* Where name is, or would go, in l (kept sorted by name): each probe
 * looks every VM up, so a lookup is a binary search, not a scan. */
static size_t
avail_pos(const struct avail_list *l, const char *name, bool *found)
{
	size_t lo = 0, hi = l->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct avail_ent *
avail_find(const struct avail *a, enum avail_kind k, const char *name)
{
	const struct avail_list *l = &a->kinds[k];
	bool found;
	size_t i = avail_pos(l, name, &found);

	return found ? &l->v[i] : NULL;
}

/* name's entry, made (first seen at t) when new; NULL on ENOMEM. */
static struct avail_ent *
avail_get(struct avail *a, enum avail_kind k, const char *name, double t)
{
	struct avail_list *l = &a->kinds[k];
	struct avail_ent *e;
	bool found;
	size_t i = avail_pos(l, name, &found);
	char *dup;

	if (found)
		return &l->v[i];
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct avail_ent *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	if ((dup = strdup(name)) == NULL)
		return NULL;
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof *l->v);
	e = &l->v[i];
	memset(e, 0, sizeof *e);
	e->name = dup;
	e->first = t;
	e->open_at = -1;
	e->last_s = -1;
	l->n++;
	return e;
}

int
avail_seen(struct avail *a, enum avail_kind k, const char *name, double t)
{
	struct avail_ent *e = avail_get(a, k, name, t);

	if (e == NULL)
		return -1;
	if (t < e->first)
		e->first = t;
	return 0;
}

int
avail_down(struct avail *a, enum avail_kind k, const char *name,
    const char *where, double t)
{
	struct avail_ent *e = avail_get(a, k, name, t);
	char *w = NULL;

	if (e == NULL || (where != NULL && (w = strdup(where)) == NULL))
		return -1;
	if (t < e->first)
		e->first = t;
	if (e->open_at >= 0) {
		free(w);
		return 0;
	}
	e->open_at = t;
	e->n++;
	free(e->where);
	e->where = w;
	return 0;
}

void
avail_up(struct avail *a, enum avail_kind k, const char *name, double t)
{
	struct avail_ent *e = avail_find(a, k, name);
	double len;

	if (e == NULL || e->open_at < 0)
		return;
	len = t > e->open_at ? t - e->open_at : 0;
	e->closed_s += len;
	e->last_s = len;
	e->nclosed++;
	e->open_at = -1;
}

bool
avail_is_down(const struct avail *a, enum avail_kind k, const char *name)
{
	const struct avail_ent *e = avail_find(a, k, name);

	return e != NULL && e->open_at >= 0;
}

bool
avail_figures(const struct avail *a, enum avail_kind k, const char *name,
    double now, struct avail_figures *out)
{
	const struct avail_ent *e = avail_find(a, k, name);
	double up;

	memset(out, 0, sizeof *out);
	if (e == NULL)
		return false;
	out->incidents = e->n;
	out->down_now = e->open_at >= 0;
	out->observed_s = now > e->first ? now - e->first : 0;
	out->down_s = e->closed_s + (out->down_now && now > e->open_at ?
	    now - e->open_at : 0);
	if (out->down_s > out->observed_s)
		out->down_s = out->observed_s;
	out->mttr_s = e->nclosed > 0 ? e->closed_s / (double)e->nclosed : -1;
	out->last_s = e->last_s;
	up = out->observed_s - out->down_s;
	out->mtbf_s = e->n > 0 ? up / (double)e->n : -1;
	out->availability = out->observed_s > 0 ? up / out->observed_s : 1;
	out->where = e->where;
	return true;
}

const char *
avail_name(const struct avail *a, enum avail_kind k, size_t i)
{
	return i < a->kinds[k].n ? a->kinds[k].v[i].name : NULL;
}
