/*
 * controller_slowstart.c - the controller's half of slow start: notes
 * when each backend returns to service (it takes new connections again
 * after it was seen down, drained, or out while its VM migrated), and
 * keeps its ramp (slowstart.h) in its view until the ramp is over. A
 * backend found serving when the run begins does not ramp.
 */
#include "controller_priv.h"
#include "slowstart.h"

bool
controller_slowstart(struct controller *c, double now)
{
	bool checked = c->opts.health != NULL, changed = false;
	size_t i, j;

	for (i = 0; i < c->cfg->nservices; i++) {
		const struct service_conf *s = &c->cfg->services[i];
		bool ramps = s->slow_start_s > 0;

		for (j = 0; j < s->nbackends; j++) {
			struct backend_view *v = &c->views[i][j];
			bool serving = weights_eligible(s, &s->backends[j], v,
			    checked);
			double ramp = v->ramp;

			if (!serving) {
				/* out of rotation (or seen down): its return,
				 * not its first turn-up, ramps */
				if (v->serving || v->health == BH_DOWN)
					v->ramp_armed = true;
				ramp = 0;
			} else if (!v->serving && v->ramp_armed && ramps) {
				v->ramp_since = now;
				v->ramp_armed = false;
				ramp = -1;	/* computed below */
			}
			v->serving = serving;
			if (ramp != 0) {
				ramp = ramps ? slowstart_factor(v->ramp_since,
				    now, s->slow_start_s) : 1.0;
				if (ramp >= 1.0)
					ramp = 0;	/* over: all of it */
			}
			if (ramp != v->ramp)
				changed = true;
			v->ramp = ramp;
		}
	}
	return changed;
}

double
controller_slowstart_due(const struct controller *c)
{
	double due = -1, t;
	size_t i, j;

	for (i = 0; i < c->cfg->nservices; i++)
		for (j = 0; j < c->cfg->services[i].nbackends; j++) {
			const struct backend_view *v = &c->views[i][j];

			if (v->ramp <= 0)
				continue;
			t = slowstart_next(v->ramp_since, c->now,
			    c->cfg->services[i].slow_start_s);
			if (t >= 0 && (due < 0 || t < due))
				due = t;
		}
	return due;
}
