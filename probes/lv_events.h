/*
 * lv_events.h - libvirt's default event loop, run in a thread of its own.
 *
 * libvirt needs an event loop for keepalive, close callbacks and domain
 * events: without it a dead host is noticed only when a call times out.
 * It must be registered before the first connection is opened.
 */
#ifndef VMBAL_LV_EVENTS_H
#define VMBAL_LV_EVENTS_H

#include "../engine/diag.h"

struct lv_events;

/* Registers the default implementation and starts the loop thread. */
struct lv_events *lv_events_new(struct diag *d);
/* Stops the thread, waiting for it 0.3 s at most (past that it is left
 * to process exit, see thread_grace.h); the implementation stays
 * registered (libvirt has no way to unregister it). */
void lv_events_free(struct lv_events *e);

#endif
