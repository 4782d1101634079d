/*
 * role.h - the interface that says whether this vmbal may act.
 *
 * With ha: in the configuration, a director is active only while its
 * machine holds the address (probes/ha_addr.c watches it over rtnetlink);
 * the controller asks at every run and never migrates while standby.
 * Without ha: there is no role source and the controller is active.
 */
#ifndef VMBAL_ROLE_H
#define VMBAL_ROLE_H

#include <stdbool.h>

struct role_ops {
	const char *name;
	/* true while the address is on one of this machine's interfaces;
	 * never blocks */
	bool (*held)(void *impl);
	void (*free)(void *impl);
};

struct role {
	const struct role_ops *ops;
	void *impl;
};

#endif
