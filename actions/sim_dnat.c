/*
 * sim_dnat.c - simulated DNAT (see sim_dnat.h): "applies" by remembering
 * a canonical text of the desired rules; the same state twice changes
 * nothing. sim_dnat_drift stands for someone editing the rules by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_dnat.h"

struct sim_dnat {
	char *state;
};

static char *
sim_dnat_text(const struct dnat_service *svcs, size_t n)
{
	size_t len = 1, i, j;
	char *s;

	for (i = 0; i < n; i++) {
		len += strlen(svcs[i].name) + strlen(svcs[i].vip) + 64;
		for (j = 0; j < svcs[i].nbackends; j++)
			len += strlen(svcs[i].backends[j].address) + 48;
	}
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		snprintf(s + strlen(s), len - strlen(s), "%s %s:%ld %d %d %ld %d:",
		    svcs[i].name, svcs[i].vip, svcs[i].port, svcs[i].protocol,
		    svcs[i].algorithm, svcs[i].persistence_s, svcs[i].snat);
		for (j = 0; j < svcs[i].nbackends; j++)
			snprintf(s + strlen(s), len - strlen(s), " %s:%ld=%ld%c",
			    svcs[i].backends[j].address,
			    svcs[i].backends[j].port,
			    svcs[i].backends[j].weight,
			    svcs[i].backends[j].up ? '+' : '-');
		snprintf(s + strlen(s), len - strlen(s), "\n");
	}
	return s;
}

static int
sim_dnat_apply(void *impl, const struct dnat_service *svcs, size_t n,
    bool *changed, struct diag *d)
{
	struct sim_dnat *sd = impl;
	char *text = sim_dnat_text(svcs, n);

	if (text == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	*changed = sd->state == NULL || strcmp(sd->state, text) != 0;
	free(sd->state);
	sd->state = text;
	return 0;
}

static int
sim_dnat_flush(void *impl, struct diag *d)
{
	struct sim_dnat *sd = impl;

	(void)d;
	free(sd->state);
	sd->state = NULL;
	return 0;
}

static void
sim_dnat_free(void *impl)
{
	struct sim_dnat *sd = impl;

	if (sd == NULL)
		return;
	free(sd->state);
	free(sd);
}

void
sim_dnat_drift(struct dnat *d)
{
	struct sim_dnat *sd = d->impl;

	free(sd->state);
	sd->state = NULL;
}

static const struct dnat_ops sim_dnat_ops = {
	.apply = sim_dnat_apply,
	.flush = sim_dnat_flush,
	.free = sim_dnat_free,
};

int
sim_dnat_init(struct dnat *d)
{
	struct sim_dnat *sd = calloc(1, sizeof *sd);

	if (sd == NULL)
		return -1;
	d->ops = &sim_dnat_ops;
	d->impl = sd;
	return 0;
}
