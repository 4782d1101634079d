/*
 * lv_migrate_params.c - live_migration settings to libvirt's migration
 * flags and parameters; the completed job's statistics to measured
 * figures (see lv_migrate_params.h).
 *
 *   peer_to_peer          VIR_MIGRATE_PEER2PEER (virDomainMigrateToURI3,
 *                         dconnuri: the destination's URI through
 *                         lv_connect_uri, as vmbal opens it)
 *   tls                   VIR_MIGRATE_TLS
 *   bandwidth_mibps       VIR_MIGRATE_PARAM_BANDWIDTH (MiB/s), when > 0
 *   max_downtime_ms       virDomainMigrateSetMaxDowntime once the job runs
 *   auto_converge         VIR_MIGRATE_AUTO_CONVERGE
 *   postcopy_after_s      VIR_MIGRATE_POSTCOPY, virDomainMigrateStartPostCopy
 *   parallel_connections  VIR_MIGRATE_PARALLEL and
 *                         VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, when > 1
 */
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "lv_migrate_params.h"
#include "../probes/lv_connect.h"

#define MIB (1024.0 * 1024.0)

int
lv_mig_call_make(struct lv_mig_call *call,
    const struct live_migration_conf *lm, const struct policy *p,
    const char *dst_uri, const char *data_uri, struct diag *d)
{
	int rc = 0;

	memset(call, 0, sizeof *call);
	/* the typed-parameter helpers use libvirt's error state, which
	 * needs libvirt set up (once; thread-safe) */
	if (virInitialize() != 0) {
		diag_set(d, NULL, 0, 0, "cannot initialise libvirt");
		return -1;
	}
	call->flags = VIR_MIGRATE_LIVE;
	if (p->migrate_persistent)
		call->flags |= VIR_MIGRATE_PERSIST_DEST;
	if (p->migrate_undefine_source)
		call->flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
	if (lm->peer_to_peer) {
		call->flags |= VIR_MIGRATE_PEER2PEER;
		call->p2p = true;
		if (dst_uri != NULL &&
		    (call->dconnuri = lv_connect_uri(dst_uri)) == NULL)
			rc = -1;
	}
	if (lm->tls)
		call->flags |= VIR_MIGRATE_TLS;
	if (lm->auto_converge)
		call->flags |= VIR_MIGRATE_AUTO_CONVERGE;
	if (lm->postcopy_after_s > 0) {
		call->flags |= VIR_MIGRATE_POSTCOPY;
		call->postcopy_after_s = lm->postcopy_after_s;
	}
	if (lm->max_downtime_ms > 0)
		call->max_downtime_ms = (unsigned long long)lm->max_downtime_ms;
	if (data_uri != NULL)
		rc |= virTypedParamsAddString(&call->params, &call->nparams,
		    &call->maxparams, VIR_MIGRATE_PARAM_URI, data_uri);
	if (lm->bandwidth_mibps > 0)
		rc |= virTypedParamsAddULLong(&call->params, &call->nparams,
		    &call->maxparams, VIR_MIGRATE_PARAM_BANDWIDTH,
		    (unsigned long long)lm->bandwidth_mibps);
	if (lm->parallel_connections > 1) {
		call->flags |= VIR_MIGRATE_PARALLEL;
		rc |= virTypedParamsAddInt(&call->params, &call->nparams,
		    &call->maxparams, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
		    (int)lm->parallel_connections);
	}
	if (rc != 0) {
		virResetLastError();
		lv_mig_call_clear(call);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

void
lv_mig_call_clear(struct lv_mig_call *call)
{
	virTypedParamsFree(call->params, call->nparams);
	free(call->dconnuri);
	memset(call, 0, sizeof *call);
}

static bool
lv_stat(const virTypedParameter *params, int n, const char *name,
    unsigned long long *v)
{
	/* libvirt's getters take a non-const array; they only read it */
	return virTypedParamsGetULLong((virTypedParameterPtr)params, n, name,
	    v) == 1;
}

int
lv_mig_stats_read(const virTypedParameter *params, int n,
    struct mig_stats *out)
{
	unsigned long long v = 0, w = 0, ms = 0;
	int found = 0;

	mig_stats_none(out);
	if (lv_stat(params, n, VIR_DOMAIN_JOB_DOWNTIME, &v) ||
	    lv_stat(params, n, VIR_DOMAIN_JOB_DOWNTIME_NET, &v)) {
		out->downtime_ms = (double)v;
		found++;
	}
	if (lv_stat(params, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &v)) {
		out->transferred_mib = (double)v / MIB;
		found++;
	} else if (lv_stat(params, n, VIR_DOMAIN_JOB_MEMORY_PROCESSED, &v)) {
		if (lv_stat(params, n, VIR_DOMAIN_JOB_DISK_PROCESSED, &w))
			v += w;
		out->transferred_mib = (double)v / MIB;
		found++;
	}
	if (lv_stat(params, n, VIR_DOMAIN_JOB_MEMORY_BPS, &v) && v > 0) {
		out->rate_mibps = (double)v / MIB;
		found++;
	} else if (out->transferred_mib >= 0 &&
	    lv_stat(params, n, VIR_DOMAIN_JOB_TIME_ELAPSED, &ms) && ms > 0) {
		out->rate_mibps = out->transferred_mib / ((double)ms / 1000.0);
		found++;
	}
	return found;
}
