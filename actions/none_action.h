/*
 * none_action.h - the action interface for a real cluster until libvirt
 * migration jobs exist: every migration is refused, with the reason, and
 * reported as failed. Nothing is ever changed.
 */
#ifndef VMBAL_NONE_ACTION_H
#define VMBAL_NONE_ACTION_H

#include "../engine/action.h"

void none_action_init(struct action *a);

#endif
