/*
 * snapshot.c - building and freeing probe snapshots.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

struct snapshot *
snapshot_new(double ts)
{
	struct snapshot *s = calloc(1, sizeof *s);

	if (s != NULL)
		s->ts = ts;
	return s;
}

void
snapshot_free(struct snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nhosts; i++)
		free(s->hosts[i].name);
	for (i = 0; i < s->nvms; i++) {
		free(s->vms[i].name);
		free(s->vms[i].host);
		free(s->vms[i].move_by);
		free(s->vms[i].move_from);
		free(s->vms[i].move_to);
	}
	free(s->hosts);
	free(s->vms);
	free(s);
}

static int
snapshot_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct snap_host *
snapshot_add_host(struct snapshot *s, const char *name)
{
	struct snap_host *h;

	if (snapshot_grow((void **)&s->hosts, &s->caphosts, s->nhosts,
	    sizeof *s->hosts) != 0)
		return NULL;
	h = &s->hosts[s->nhosts];
	memset(h, 0, sizeof *h);
	h->name = strdup(name);
	if (h->name == NULL)
		return NULL;
	s->nhosts++;
	return h;
}

struct snap_vm *
snapshot_add_vm(struct snapshot *s, const char *name, const char *host)
{
	struct snap_vm *v;

	if (snapshot_grow((void **)&s->vms, &s->capvms, s->nvms,
	    sizeof *s->vms) != 0)
		return NULL;
	v = &s->vms[s->nvms];
	memset(v, 0, sizeof *v);
	v->name = strdup(name);
	v->host = strdup(host);
	v->dirty_mibps = -1;
	if (v->name == NULL || v->host == NULL) {
		free(v->name);
		free(v->host);
		return NULL;
	}
	s->nvms++;
	return v;
}

const char *
vm_state_name(enum vm_state st)
{
	static const char *const names[] = { "running", "paused", "shutoff",
		"migrating", "unknown", "other" };

	return names[st];
}

int
snapshot_vm_move(struct snap_vm *sv, enum meta_state st, double age_s,
    const char *by, const char *from, const char *to, bool ours)
{
	char *b = strdup(by), *f = strdup(from), *t = strdup(to);

	if (b == NULL || f == NULL || t == NULL) {
		free(b);
		free(f);
		free(t);
		return -1;
	}
	free(sv->move_by);
	free(sv->move_from);
	free(sv->move_to);
	sv->move = st;
	sv->move_age_s = age_s;
	sv->move_by = b;
	sv->move_from = f;
	sv->move_to = t;
	sv->move_ours = ours;
	return 0;
}
