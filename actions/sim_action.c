/*
 * sim_action.c - migrations in the simulated cluster, behind the same
 * action interface as the libvirt migration jobs, and its host recovery
 * (fence, restart, retire: probes/sim.c).
 */
#include <string.h>

#include "sim_action.h"

static int
sim_action_migrate(void *impl, const char *vm, const char *from,
    const char *to, struct diag *d)
{
	struct sim *s = impl;
	int v = sim_vm_index(s, vm);

	if (v >= 0 && strcmp(sim_host_name(s, sim_vm_host(s, (size_t)v)),
	    from) != 0) {
		diag_set(d, NULL, 0, 0, "%s is not on %s", vm, from);
		return -1;
	}
	return sim_migrate(s, vm, to, d);
}

static size_t
sim_action_poll(void *impl, struct action_result *out, size_t max)
{
	return sim_poll(impl, out, max);
}

static int
sim_action_abort(void *impl, const char *vm, struct diag *d)
{
	return sim_migrate_abort(impl, vm, d);
}

static double
sim_action_progress(void *impl, const char *vm)
{
	return sim_migration_progress(impl, vm);
}

static int
sim_action_fence(void *impl, const char *host, struct diag *d)
{
	return sim_fence(impl, host, d);
}

static int
sim_action_restart(void *impl, const char *vm, const char *from,
    const char *to, struct diag *d)
{
	return sim_restart(impl, vm, from, to, d);
}

static int
sim_action_retire(void *impl, const char *vm, const char *host,
    struct diag *d)
{
	return sim_retire(impl, vm, host, d);
}

static size_t
sim_action_poll_recover(void *impl, struct recover_result *out, size_t max)
{
	return sim_poll_recover(impl, out, max);
}

static void
sim_action_free(void *impl)
{
	(void)impl;	/* the sim is borrowed */
}

static const struct action_ops sim_action_ops = {
	.name = "simulator",
	.migrate = sim_action_migrate,
	.poll = sim_action_poll,
	.abort = sim_action_abort,
	.progress = sim_action_progress,
	.free = sim_action_free,
	.fence = sim_action_fence,
	.restart = sim_action_restart,
	.retire = sim_action_retire,
	.poll_recover = sim_action_poll_recover,
};

void
sim_action_init(struct action *a, struct sim *s)
{
	a->ops = &sim_action_ops;
	a->impl = s;
}
