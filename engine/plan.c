/*
 * plan.c - plan inputs and plans: allocation and the list of moves.
 * Plain data: this file calls no planner (engine/planner.c dispatches).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "movecost.h"
#include "plan.h"
#include "vec.h"

struct plan_input *
plan_input_new(size_t nhosts, size_t nvms)
{
	struct plan_input *in = calloc(1, sizeof *in);
	size_t i;

	if (in == NULL)
		return NULL;
	in->hosts = calloc(nhosts + 1, sizeof *in->hosts);
	in->vms = calloc(nvms + 1, sizeof *in->vms);
	if (in->hosts == NULL || in->vms == NULL) {
		plan_input_free(in);
		return NULL;
	}
	in->nhosts = nhosts;
	in->nvms = nvms;
	for (i = 0; i < nvms; i++)
		in->vms[i].dirty = -1;	/* unknown */
	in->link_mibps = MOVECOST_DEFAULT_MIBPS;
	in->link_src = LINK_DEFAULT;
	policy_defaults(&in->policy);
	return in;
}

static void
plan_groups_free(struct plan_group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(g[i].vms);
	free(g);
}

void
plan_input_free(struct plan_input *in)
{
	if (in == NULL)
		return;
	free(in->hosts);
	free(in->vms);
	plan_groups_free(in->anti, in->nanti);
	plan_groups_free(in->affinity, in->naffinity);
	free(in);
}

int
plan_input_add_group(struct plan_input *in, bool anti, const int *vms,
    size_t n)
{
	struct plan_group **arr = anti ? &in->anti : &in->affinity;
	size_t *cnt = anti ? &in->nanti : &in->naffinity;
	struct plan_group *g;

	g = realloc(*arr, (*cnt + 1) * sizeof **arr);
	if (g == NULL)
		return -1;
	*arr = g;
	g[*cnt].vms = malloc((n + 1) * sizeof *g[*cnt].vms);
	if (g[*cnt].vms == NULL)
		return -1;
	memcpy(g[*cnt].vms, vms, n * sizeof *vms);
	g[*cnt].n = n;
	(*cnt)++;
	return 0;
}

struct plan *
plan_new(void)
{
	struct plan *p = calloc(1, sizeof *p);

	if (p != NULL)
		p->min_moves = -1;
	return p;
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	free(p->moves);
	free(p->empty_hosts);
	free(p);
}

/* A reason that names long names is cut to its buffer: never inside a
 * UTF-8 character, so it stays text (JSON, the console). */
static void
plan_utf8_trim(char *s)
{
	size_t n = strlen(s), lead = n, need;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	lead--;		/* the last character's first byte */
	need = ((unsigned char)s[lead] & 0xE0) == 0xC0 ? 2 :
	    ((unsigned char)s[lead] & 0xF0) == 0xE0 ? 3 :
	    ((unsigned char)s[lead] & 0xF8) == 0xF0 ? 4 : 1;
	if (n - lead < need)
		s[lead] = '\0';
}

int
plan_add(struct plan *p, int vm, int from, int to, const char *reason)
{
	struct plan_move *m;

	if (vec_reserve(&p->moves, &p->cap, p->nmoves + 1,
	    sizeof *p->moves) != 0)
		return -1;
	m = &p->moves[p->nmoves++];
	memset(m, 0, sizeof *m);
	m->vm = vm;
	m->from = from;
	m->to = to;
	snprintf(m->reason, sizeof m->reason, "%s", reason);
	plan_utf8_trim(m->reason);
	return 0;
}
