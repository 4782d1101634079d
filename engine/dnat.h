/*
 * dnat.h - the interface of DNAT programmers: the desired state of every
 * service's rules, applied as a whole. The libiptc programmer
 * (actions/dnat_iptc.c) sits behind it; an nftables one could too.
 */
#ifndef VMBAL_DNAT_H
#define VMBAL_DNAT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "diag.h"

struct dnat_backend {
	const char *address;	/* IPv4, dotted */
	long port;
	long weight;		/* 0: no new connections */
	bool up;		/* health: false gets no new connections */
};

struct dnat_service {
	const char *name;
	const char *vip;	/* IPv4, dotted */
	long port;
	enum svc_protocol protocol;
	enum svc_algorithm algorithm;
	long persistence_s;	/* > 0: clients stick to a backend */
	bool snat;		/* masquerade towards the backends */
	struct dnat_backend *backends;
	size_t nbackends;
};

/* A backend whose connection tracking entries are to be forgotten (see
 * dnat_ops.forget). */
struct dnat_forget {
	const char *address;	/* IPv4, dotted */
	long port;
	bool udp;		/* its UDP flows */
	bool tcp_closed;	/* its finished TCP entries (TIME_WAIT, CLOSE) */
	long udp_deleted, tcp_deleted;	/* filled in */
};

struct dnat_ops {
	/*
	 * Makes the kernel's rules for exactly these services, atomically:
	 * after a success the new rules are in force, after a failure the
	 * old ones are. Applying what is already there changes nothing and
	 * returns 0 with *changed false. Rules outside vmbal's chains are
	 * never touched. 0, or -1 with d.
	 */
	int (*apply)(void *impl, const struct dnat_service *svcs, size_t n,
	    bool *changed, struct diag *d);
	/* Removes every rule and chain vmbal owns. */
	int (*flush)(void *impl, struct diag *d);
	void (*free)(void *impl);
	/*
	 * Optional: deletes the kernel's connection tracking entries of
	 * these backends, as each asks, so that no flow the kernel already
	 * mapped keeps reaching a backend out of rotation (established TCP
	 * connections are never touched). Fills the counts. 0, or -1 with d.
	 */
	int (*forget)(void *impl, struct dnat_forget *f, size_t n,
	    struct diag *d);
};

struct dnat {
	const struct dnat_ops *ops;
	void *impl;
};

#endif
