/*
 * lv_migrate_params.h - the live_migration configuration as libvirt's
 * migration flags and parameters, and the finished job's statistics as
 * vmbal's measured figures. Pure: no connection, no hypervisor, so it is
 * unit-tested on its own (tests/unit/test_lv_migrate_params.c).
 */
#ifndef VMBAL_LV_MIGRATE_PARAMS_H
#define VMBAL_LV_MIGRATE_PARAMS_H

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "../engine/action.h"
#include "../engine/config.h"
#include "../engine/diag.h"

/* How one migration is made. */
struct lv_mig_call {
	unsigned int flags;		/* VIR_MIGRATE_* */
	virTypedParameterPtr params;	/* VIR_MIGRATE_PARAM_*; owned */
	int nparams, maxparams;
	bool p2p;			/* virDomainMigrateToURI3 */
	char *dconnuri;		/* p2p: the destination's URI as the
				 * source libvirtd opens it; owned */
	unsigned long long max_downtime_ms;	/* to set once the job
						 * runs; 0: leave it */
	double postcopy_after_s;	/* switch to post-copy then; 0: never */
};

/*
 * Fills call for a migration under lm and policy p (persist, undefine)
 * to the host whose libvirt URI is dst_uri, the data sent to data_uri
 * (the destination's migration_uri; NULL: libvirt's choice). Peer to
 * peer, the source libvirtd opens the destination itself: dconnuri is
 * dst_uri rewritten by lv_connect_uri (no_tty=1 for ssh), so that it
 * never prompts either. 0, or -1 with d (out of memory) and nothing held.
 */
int lv_mig_call_make(struct lv_mig_call *call,
    const struct live_migration_conf *lm, const struct policy *p,
    const char *dst_uri, const char *data_uri, struct diag *d);
void lv_mig_call_clear(struct lv_mig_call *call);

/*
 * The figures of a finished job from its statistics (virDomainGetJobStats
 * with VIR_DOMAIN_JOB_STATS_COMPLETED): downtime (downtime, else
 * downtime_net), data transferred (data_processed, else memory_processed
 * plus disk_processed) and the mean rate (memory_bps, else the data over
 * time_elapsed). What the statistics lack stays < 0. Returns how many of
 * the three were found.
 */
int lv_mig_stats_read(const virTypedParameter *params, int n,
    struct mig_stats *out);

#endif
