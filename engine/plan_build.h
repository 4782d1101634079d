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
 * The move record in the VM's metadata counts as well, whoever made it:
 * its cooldown runs from the record's time, and a move started by another
 * process that has not landed (the VM is not on its destination yet) is
 * in flight until migration_timeout_s plus PLAN_META_MARGIN_S have
 * passed; after that it is stale and only its cooldown counts. Such a VM
 * says why in held. Caller frees with plan_input_free.
 */
#define PLAN_META_MARGIN_S 30.0	/* past a started move's timeout */

struct plan_input *plan_build(const struct model *m, const struct config *cfg,
    const struct policy *policy, double now, bool imbalanced);

#endif
