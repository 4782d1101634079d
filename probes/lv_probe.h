/*
 * lv_probe.h - the libvirt collector behind the probe interface.
 *
 * One worker thread per configured host keeps a connection (keepalive,
 * close callback, domain lifecycle events), collects every interval with
 * one bulk call (virConnectGetAllDomainStats) plus the node APIs, turns
 * counters into rates over the real interval, and publishes the result.
 * collect() only merges what the workers last published: it never waits
 * on the network.
 */
#ifndef VMBAL_LV_PROBE_H
#define VMBAL_LV_PROBE_H

#include "../engine/config.h"
#include "../engine/probe.h"

/* Starts the event loop and the workers; 0, or -1 with d. */
int lv_probe_init(struct probe *p, const struct config *cfg, struct diag *d);

#endif
