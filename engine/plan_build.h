/*
 * plan_build.h - the planner's input, taken from the model, the rules and
 * the policy at one instant.
 */
#ifndef VMBAL_PLAN_BUILD_H
#define VMBAL_PLAN_BUILD_H

#include "config.h"
#include "model.h"
#include "plan.h"

/*
 * VM i of the input is VM i of the model; host h is host h. A VM may move
 * when it is running on an up host, not excluded, not in flight, and its
 * cooldown (from its last move, done or failed) has passed at now.
 * Caller frees with plan_input_free.
 */
struct plan_input *plan_build(const struct model *m, const struct config *cfg,
    const struct policy *policy, double now, bool imbalanced);

#endif
