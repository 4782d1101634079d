/*
 * movecost.c - the estimated copy time of a live migration (see
 * movecost.h).
 */
#include "movecost.h"

double
movecost_copy_s(long mem_mib, double dirty_mibps, double rate_mibps,
    bool auto_converge)
{
	double r = rate_mibps > 0 ? rate_mibps : MOVECOST_DEFAULT_MIBPS;
	double d = dirty_mibps > 0 ? dirty_mibps : 0;

	if (mem_mib <= 0)
		return 0;
	if (auto_converge && d > r / 2)
		d = r / 2;	/* throttled until it converges */
	if (d >= r)
		return MOVECOST_NEVER;
	return (double)mem_mib / (r - d);
}

double
movecost_vm(const struct plan_input *in, int v)
{
	return movecost_copy_s(in->vms[v].mem, in->vms[v].dirty,
	    in->link_mibps, in->auto_converge);
}

bool
movecost_never(double est_s)
{
	return est_s >= MOVECOST_NEVER;
}
