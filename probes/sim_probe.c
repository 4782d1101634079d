/*
 * sim_probe.c - snapshots of the simulated cluster.
 *
 * It reads the simulator the way the libvirt collector reads a host: a
 * cumulative CPU-time counter per VM, turned into a rate over the interval
 * since the last collection, and a cumulative delay counter (time it
 * wanted a CPU and waited) that adds to the rate to give its demand. A VM
 * seen for the first time, or whose counter went backwards, gets a new
 * baseline and no sample.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../engine/config.h"

#include "sim_probe.h"

struct sim_probe {
	struct sim *sim;
	unsigned long long *last_ns;
	unsigned long long *last_delay_ns;
	double *last_ts;
	bool *have_base;
};

static void
sim_probe_free(void *impl)
{
	struct sim_probe *p = impl;

	if (p == NULL)
		return;
	free(p->last_ns);
	free(p->last_delay_ns);
	free(p->last_ts);
	free(p->have_base);
	free(p);
}

static struct snapshot *
sim_probe_collect(void *impl, double now, struct diag *d)
{
	struct sim_probe *p = impl;
	struct sim *s = p->sim;
	struct snapshot *snap = snapshot_new(now);
	size_t i;

	if (snap == NULL)
		goto nomem;
	for (i = 0; i < sim_host_count(s); i++) {
		struct snap_host *h = snapshot_add_host(snap,
		    sim_host_name(s, i));

		if (h == NULL)
			goto nomem;
		h->up = sim_host_up(s, i) && sim_host_reached(s, i);
		h->connecting = !sim_host_reached(s, i);	/* not yet */
		h->cpus = sim_host_cpus(s, i);
		h->mem_total_mib = sim_host_mem_total(s, i);
		h->mem_used_mib = sim_host_mem_used(s, i);
		if (!h->up && !h->connecting)
			snprintf(h->error, sizeof h->error, "no answer");
	}
	for (i = 0; i < sim_vm_count(s); i++) {
		size_t host = sim_vm_host(s, i);
		unsigned long long ns = sim_vm_cpu_time_ns(s, i);
		unsigned long long wait = sim_vm_delay_ns(s, i);
		struct snap_vm *v;
		double dt;

		if (!sim_vm_running(s, i) || !sim_host_reached(s, host)) {
			p->have_base[i] = false;
			continue;
		}
		v = snapshot_add_vm(snap, sim_vm_name(s, i),
		    sim_host_name(s, host));
		if (v == NULL)
			goto nomem;
		v->vcpus = sim_vm_vcpus(s, i);
		v->mem_mib = sim_vm_mem(s, i);
		v->state = sim_vm_migrating(s, i) ? VM_MIGRATING : VM_RUNNING;
		dt = now - p->last_ts[i];
		if (p->have_base[i] && ns >= p->last_ns[i] && dt > 0) {
			v->cpu_pct = (double)(ns - p->last_ns[i]) / 1e9 / dt *
			    100.0;
			v->cpu_valid = true;
			v->demand_pct = v->cpu_pct;
			if (wait >= p->last_delay_ns[i])
				v->demand_pct += (double)(wait -
				    p->last_delay_ns[i]) / 1e9 / dt * 100.0;
			if (v->demand_pct > (double)v->vcpus * 100.0)
				v->demand_pct = (double)v->vcpus * 100.0;
		}
		p->last_ns[i] = ns;
		p->last_delay_ns[i] = wait;
		p->last_ts[i] = now;
		p->have_base[i] = true;
	}
	return snap;
nomem:
	snapshot_free(snap);
	diag_set(d, NULL, 0, 0, "simulator: out of memory");
	return NULL;
}

/* The scenario read again: the simulator takes it (sim_reload), and each
 * VM that remains keeps its counters' baseline. */
static int
sim_probe_reload(void *impl, const struct config *next, struct diag *d)
{
	struct sim_probe *p = impl, np;
	size_t n = (size_t)next->nvms + 1, i;
	long *map;

	np.sim = p->sim;
	np.last_ns = calloc(n, sizeof *np.last_ns);
	np.last_delay_ns = calloc(n, sizeof *np.last_delay_ns);
	np.last_ts = calloc(n, sizeof *np.last_ts);
	np.have_base = calloc(n, sizeof *np.have_base);
	if (np.last_ns == NULL || np.last_delay_ns == NULL ||
	    np.last_ts == NULL || np.have_base == NULL ||
	    sim_reload(p->sim, next, &map) != 0) {
		free(np.last_ns);
		free(np.last_delay_ns);
		free(np.last_ts);
		free(np.have_base);
		diag_set(d, NULL, 0, 0, "simulator: out of memory");
		return -1;
	}
	for (i = 0; i < next->nvms; i++) {
		long o = map[i];

		if (o < 0)
			continue;
		np.last_ns[i] = p->last_ns[o];
		np.last_delay_ns[i] = p->last_delay_ns[o];
		np.last_ts[i] = p->last_ts[o];
		np.have_base[i] = p->have_base[o];
	}
	free(map);
	free(p->last_ns);
	free(p->last_delay_ns);
	free(p->last_ts);
	free(p->have_base);
	*p = np;
	return 0;
}

static const struct probe_ops sim_probe_ops = {
	.name = "simulator",
	.collect = sim_probe_collect,
	.free = sim_probe_free,
	.reload = sim_probe_reload,
};

int
sim_probe_init(struct probe *pr, struct sim *s)
{
	struct sim_probe *p = calloc(1, sizeof *p);
	size_t n = sim_vm_count(s) + 1;

	if (p == NULL)
		return -1;
	p->sim = s;
	p->last_ns = calloc(n, sizeof *p->last_ns);
	p->last_delay_ns = calloc(n, sizeof *p->last_delay_ns);
	p->last_ts = calloc(n, sizeof *p->last_ts);
	p->have_base = calloc(n, sizeof *p->have_base);
	if (p->last_ns == NULL || p->last_delay_ns == NULL ||
	    p->last_ts == NULL || p->have_base == NULL) {
		sim_probe_free(p);
		return -1;
	}
	pr->ops = &sim_probe_ops;
	pr->impl = p;
	return 0;
}
