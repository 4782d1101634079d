/*
 * imbalance.h - the balanced/imbalanced state machine of the contract.
 *
 * Imbalanced once the spread has stayed above the threshold for at least
 * hold seconds; balanced again as soon as it is at or below the threshold.
 */
#ifndef VMBAL_IMBALANCE_H
#define VMBAL_IMBALANCE_H

#include <stdbool.h>

struct imbalance {
	bool imbalanced;
	bool over;		/* spread above threshold at the last update */
	double over_since;	/* when it went above */
	double state_since;	/* when the current state began */
};

void imbalance_init(struct imbalance *s, double now);
/* Returns true when the state changed. */
bool imbalance_update(struct imbalance *s, double now, double spread,
    double threshold_pct, double hold_s);

#endif
