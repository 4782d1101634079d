/*
 * ctl_request.h - one request line of the control socket and its reply:
 * parsed into a struct command and handed to controller_command(), or
 * answered here (status, plan, help, reload, events).
 */
#ifndef VMBAL_CTL_REQUEST_H
#define VMBAL_CTL_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "run.h"

struct controller;

/* How a reply line is written: as the headless stream writes numbers. */
#define CTL_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/*
 * The reply to line (len bytes, no newline) from who ("ctl:NAME"):
 * {"ok":true,"result":{...},"message":"..."} or {"ok":false,"error":...}.
 * *events is set when the client asked for the event stream. Never NULL
 * but on ENOMEM. Caller decrefs.
 */
json_t *ctl_request_answer(const char *line, size_t len, const char *who,
    struct controller *ctl, const struct run *r, double now, bool *events);

/* {"ok":false,"error":msg} (new reference). */
json_t *ctl_request_error(const char *msg);

#endif
