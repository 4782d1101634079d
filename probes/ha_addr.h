/*
 * ha_addr.h - is the ha: address on one of this machine's interfaces?
 * Watched over rtnetlink (libmnl), so an address that arrives or leaves
 * is seen at once, whoever moved it (keepalived, Pacemaker, a person).
 */
#ifndef VMBAL_PROBES_HA_ADDR_H
#define VMBAL_PROBES_HA_ADDR_H

#include "../engine/diag.h"
#include "../engine/role.h"

/* Reads the addresses once (so the first answer is already right), then
 * starts the watcher thread; 0, or -1 with d. address is IPv4 or IPv6. */
int ha_addr_init(struct role *r, const char *address, struct diag *d);

#endif
