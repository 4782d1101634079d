/*
 * lv_jobstats.h - the figures of the migration that brought a domain to
 * a host, read by the libvirt probe from the destination.
 *
 * libvirt (9.0) keeps a finished migration's statistics on the
 * destination domain (sent over in the source's Finish cookie), also
 * when the client that started a peer-to-peer job is gone; but it sets
 * them some milliseconds after the domain resumes, so a collection
 * woken by the resume event may come too early. They are read without
 * being consumed (VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED), so vmbal's own
 * job (lv_migrate.c) still gets them.
 */
#ifndef VMBAL_LV_JOBSTATS_H
#define VMBAL_LV_JOBSTATS_H

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "../engine/action.h"

#define LV_ARRIVAL_TRIES 4	/* collections that look for the figures */

struct lv_arrival {		/* one domain on one connection */
	struct mig_stats stats;	/* as found; none (< 0) until then */
	int tries;		/* reads left */
	bool migrated;		/* running after a migration at the last look */
};

/* A domain new to the connection: nothing known. */
void lv_arrival_init(struct lv_arrival *a);
/*
 * One look at dom in a collection, its state and reason as the stats
 * said: when it is seen running after a migration (reason migrated: it
 * arrived) and was not at the last look, its completed job statistics
 * are read, at this and up to LV_ARRIVAL_TRIES - 1 more collections
 * until they are there. a->stats holds them once found.
 */
void lv_arrival_look(struct lv_arrival *a, virDomainPtr dom, int state,
    int reason);

#endif
