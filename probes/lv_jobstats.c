/*
 * lv_jobstats.c - the figures of the migration that brought a domain
 * here (see lv_jobstats.h).
 */
#include <libvirt/virterror.h>

#include "../actions/lv_migrate_params.h"
#include "lv_jobstats.h"

void
lv_arrival_init(struct lv_arrival *a)
{
	mig_stats_none(&a->stats);
	a->tries = 0;
	a->migrated = false;
}

/* The completed job's figures of dom, kept for the next reader; true
 * when libvirt had them. */
static bool
lv_arrival_read(virDomainPtr dom, struct mig_stats *out)
{
	virTypedParameterPtr params = NULL;
	int type = VIR_DOMAIN_JOB_NONE, n = 0;
	bool found = false;

	if (virDomainGetJobStats(dom, &type, &params, &n,
	    VIR_DOMAIN_JOB_STATS_COMPLETED |
	    VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED) < 0) {
		virResetLastError();
		return false;
	}
	if (type == VIR_DOMAIN_JOB_COMPLETED)
		found = lv_mig_stats_read(params, n, out) > 0;
	virTypedParamsFree(params, n);
	return found;
}

void
lv_arrival_look(struct lv_arrival *a, virDomainPtr dom, int state,
    int reason)
{
	bool migrated = state == VIR_DOMAIN_RUNNING &&
	    reason == VIR_DOMAIN_RUNNING_MIGRATED;

	if (migrated && !a->migrated) {
		mig_stats_none(&a->stats);
		a->tries = LV_ARRIVAL_TRIES;
	}
	a->migrated = migrated;
	if (!migrated || a->tries <= 0)
		return;
	a->tries--;
	if (lv_arrival_read(dom, &a->stats))
		a->tries = 0;
	else
		mig_stats_none(&a->stats);
}
