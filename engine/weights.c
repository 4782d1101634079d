/*
 * weights.c - service backend weights (see weights.h).
 *
 * A backend gets no new connections (weight 0) when it is down (or not
 * yet seen up, when checks run), when its configured weight is 0, when the
 * operator drained it, or when its VM migrates and the service drains on
 * migration. Otherwise:
 *   round-robin         1 each: equal turns
 *   weighted, source-hash
 *                       the configured weight
 *   least-connections   the configured weight times 1000 / (10 + open
 *                       connections), refreshed every analysis tick from
 *                       conntrack: the least loaded get most new ones
 *                       (the configured weight alone until counted)
 *   lowest-latency      the configured weight scaled by how much faster
 *                       than the slowest up backend it answers: the
 *                       fastest gets most, never all (at least 1 each)
 * A backend back in service ramps up to that over the service's
 * slow_start_s (slowstart.h). With a hashed pick (buckets.h) the ramp
 * only moves buckets to the backend that ramps, and only the ones it gets
 * at its full weight.
 */
#include <stdlib.h>
#include <string.h>

#include "slowstart.h"
#include "weights.h"

bool
weights_eligible(const struct service_conf *s, const struct backend_conf *b,
    const struct backend_view *v, bool checked)
{
	if (b->weight == 0 || v->drained)
		return false;
	if (v->health == BH_DOWN || (checked && v->health != BH_UP))
		return false;
	return !(s->drain_on_migrate && v->vm_migrating);
}

int
weights_compute(const struct config *cfg, struct backend_view **views,
    bool checked, struct dnat_service *svcs)
{
	size_t i, j;

	for (i = 0; i < cfg->nservices; i++) {
		const struct service_conf *s = &cfg->services[i];
		struct dnat_service *d = &svcs[i];
		double slowest = 0;

		memset(d, 0, sizeof *d);
		d->name = s->name;
		d->vip = s->vip;
		d->port = s->port;
		d->protocol = s->protocol;
		d->algorithm = s->algorithm;
		d->persistence_s = s->persistence_s;
		d->snat = s->snat;
		d->backends = calloc(s->nbackends + 1, sizeof *d->backends);
		if (d->backends == NULL) {
			weights_free(svcs, i);
			return -1;
		}
		d->nbackends = s->nbackends;
		for (j = 0; j < s->nbackends; j++)
			if (views[i][j].latency_ms > slowest)
				slowest = views[i][j].latency_ms;
		for (j = 0; j < s->nbackends; j++) {
			const struct backend_conf *b = &s->backends[j];
			const struct backend_view *v = &views[i][j];
			struct dnat_backend *db = &d->backends[j];
			long w;

			db->address = b->address;
			db->port = b->port;
			db->up = v->health != BH_DOWN &&
			    (!checked || v->health == BH_UP);
			if (!weights_eligible(s, b, v, checked)) {
				db->weight = 0;
				continue;
			}
			switch (s->algorithm) {
			case ALGO_ROUND_ROBIN:
				w = 1;
				break;
			case ALGO_LEAST_CONNECTIONS:
				w = b->weight;
				if (v->conns >= 0)
					w = (long)((double)b->weight * 1000.0 /
					    (10.0 + (double)v->conns) + 0.5);
				if (w > 65535)
					w = 65535;
				break;
			case ALGO_LOWEST_LATENCY:
				w = b->weight;
				if (v->latency_ms > 0 && slowest > 0)
					w = (long)((double)b->weight * 10.0 *
					    slowest / v->latency_ms + 0.5);
				if (w > 65535)
					w = 65535;
				break;
			default:
				w = b->weight;
				break;
			}
			db->weight = w < 1 ? 1 : w;
		}
		slowstart_apply(d, views[i]);
	}
	return 0;
}

void
weights_free(struct dnat_service *svcs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(svcs[i].backends);
		svcs[i].backends = NULL;
	}
}
