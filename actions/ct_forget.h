/*
 * ct_forget.h - deletes connection tracking entries that would keep
 * sending traffic to a backend that should get none: its UDP flows (which
 * never end by themselves while the client keeps sending) and its TCP
 * entries that are finished but remembered (TIME_WAIT, CLOSE), which the
 * kernel reopens with their old DNAT mapping when a client reuses the
 * port. Established TCP connections are never touched. Through
 * libnetfilter_conntrack; needs CAP_NET_ADMIN in the network namespace.
 */
#ifndef VMBAL_CT_FORGET_H
#define VMBAL_CT_FORGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/diag.h"

struct ct_forget_target {
	uint32_t addr;		/* the backend: network order */
	uint16_t port;		/* network order */
	bool udp;		/* delete its UDP entries */
	bool tcp_closed;	/* delete its TCP entries in TIME_WAIT, CLOSE */
	long udp_deleted;	/* filled in */
	long tcp_deleted;	/* filled in */
};

/*
 * One dump of the IPv4 table; every entry whose reply comes from a
 * target (a DNAT towards it) and is of a kind the target asks for is
 * deleted. An entry gone meanwhile is not an error. 0, or -1 and d (the
 * counts then say what was deleted before the failure).
 */
int ct_forget(struct ct_forget_target *t, size_t n, struct diag *d);

#endif
