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
};

struct dnat {
	const struct dnat_ops *ops;
	void *impl;
};

#endif
