/*
 * conntrack.h - open connections per backend, read from the kernel's
 * connection tracking table with libnetfilter_conntrack.
 */
#ifndef VMBAL_CONNTRACK_H
#define VMBAL_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

#include "../engine/diag.h"

struct ct_target {
	uint32_t addr;		/* network order */
	uint16_t port;		/* network order */
	long count;		/* filled in */
};

/*
 * Counts, for each target, the TCP connections tracked with it as the
 * reply's source (a DNAT towards it, or a direct connection through this
 * host) that are not yet closed: from SYN_SENT to LAST_ACK. 0, or -1 and d.
 */
int conntrack_count(struct ct_target *t, size_t n, struct diag *d);

#endif
