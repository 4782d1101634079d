/*
 * imbalance.c - the balanced/imbalanced state machine (see imbalance.h).
 */
#include "imbalance.h"

void
imbalance_init(struct imbalance *s, double now)
{
	s->imbalanced = false;
	s->over = false;
	s->over_since = now;
	s->state_since = now;
}

bool
imbalance_update(struct imbalance *s, double now, double spread,
    double threshold_pct, double hold_s)
{
	bool was = s->imbalanced;

	if (spread > threshold_pct) {
		if (!s->over) {
			s->over = true;
			s->over_since = now;
		}
		if (now - s->over_since >= hold_s)
			s->imbalanced = true;
	} else {
		s->over = false;
		s->imbalanced = false;
	}
	if (was != s->imbalanced)
		s->state_since = now;
	return was != s->imbalanced;
}
