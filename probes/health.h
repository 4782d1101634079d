/*
 * health.h - backend health checks: TCP connect, HTTP GET answered
 * 2xx/3xx, a UDP datagram and its reply (or silence), a DNS query
 * answered, for every backend of every service, from one thread.
 */
#ifndef VMBAL_PROBES_HEALTH_H
#define VMBAL_PROBES_HEALTH_H

#include "../engine/config.h"
#include "../engine/health.h"

/* Starts the checker thread; 0, or -1 with d. */
int health_init(struct health_source *h, const struct config *cfg,
    struct diag *d);

#endif
