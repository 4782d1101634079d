/*
 * ctl_status.h - what the control socket answers from the controller's
 * views without changing anything: status, plan, help (as JSON).
 */
#ifndef VMBAL_CTL_STATUS_H
#define VMBAL_CTL_STATUS_H

#include <jansson.h>

struct controller;

/* role, mode, paused, spread, threshold, state, hosts, flights, offer. */
json_t *ctl_status_json(const struct controller *ctl, double now);
/* The plan in hand: spread_before, min_moves, note, moves. */
json_t *ctl_status_plan(const struct controller *ctl);
/* The command table: commands [{name, args, help, changes}]. */
json_t *ctl_status_help(void);

#endif
