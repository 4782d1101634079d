/*
 * model.h - the cluster as the engine knows it: hosts, VMs and their
 * moving averages.
 *
 * The model is fed snapshots (model_apply) and derives every measure of
 * the contract from them (model_measure): a VM's cpu_pct is the moving
 * average of its samples; a host's cpu_pct is the sum of the averages of
 * the VMs now on it over its capacity, so a finished migration shows at
 * once on both hosts. Pure: no I/O, no clock.
 */
#ifndef VMBAL_MODEL_H
#define VMBAL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "snapshot.h"
#include "window.h"

enum host_state { HOST_UP, HOST_DOWN, HOST_MAINTENANCE, HOST_CONNECTING };

struct model_host {
	char *name;
	enum host_state state;	/* maintenance overrides up */
	bool up;		/* as the probe last saw it */
	bool maintenance;	/* listed under maintenance */
	long cpus;		/* capacity in CPUs (config override wins) */
	long cpus_override;	/* from the config; 0 when unset */
	long mem_total_mib;
	long mem_used_mib;
	char error[256];	/* why it is down, as the probe said, or "" */
	char warning[512];	/* the probe's warning (snap_host), or "" */
	bool warning_new;	/* it changed with the latest snapshot */
	/* derived by model_measure */
	double load_pct;	/* sum of VM averages, one-CPU units */
	double cpu_pct;		/* load_pct / cpus */
	double demand_pct;	/* its VMs' demand / cpus: may pass 100 */
	int nvms;
};

struct model_vm {
	char *name;
	int host;		/* index into hosts */
	long vcpus;
	long mem_mib;
	enum vm_state state;
	struct window cpu;
	struct window demand;	/* use plus CPU wait, same window as cpu */
	double moved_at;	/* when it last moved; < 0 never */
	bool in_flight;		/* a migration of it runs */
	double dirty_mibps;	/* MiB/s it dirties, as the probe last
				 * measured it; < 0 unknown */
	/* its latest move as the VM's own metadata says, whichever vmbal
	 * made it (see plan_build.h): */
	enum meta_state meta_move;	/* META_NONE: no record */
	double meta_at;		/* when, in the snapshots' time (may be < 0) */
	bool meta_ours;		/* made by this very process */
	bool meta_landed;	/* the VM is on the record's destination */
	int meta_to;		/* the record's destination host; -1 none */
	struct mig_stats arrival;	/* the migration that brought it to
				 * host, as the probe last said (snap_vm) */
};

#define MODEL_RATES 8		/* done migrations the link rate is taken from */

struct model {
	struct model_host *hosts;
	size_t nhosts;
	struct model_vm *vms;	/* sorted by name */
	size_t nvms, capvms;
	size_t window;
	double spread;		/* derived by model_measure */
	double rates[MODEL_RATES];	/* MiB/s of the latest done migrations */
	size_t nrates, rate_next;	/* how many; where the next goes */
};

/* A model of the hosts in c; VMs arrive with snapshots. Caller frees. */
struct model *model_new(const struct config *c);
void model_free(struct model *m);
/* Folds a snapshot in: host states, VM placement, one sample per VM. */
int model_apply(struct model *m, const struct snapshot *s);
/* The same without the samples: placement and states only, for a
 * snapshot taken between ticks (a domain started, stopped, arrived). */
int model_apply_placement(struct model *m, const struct snapshot *s);
/* Recomputes host measures and the spread. */
void model_measure(struct model *m);
/* A done migration's mean rate (MiB/s; ignored when not > 0). */
void model_note_rate(struct model *m, double mibps);
/* The mean rate of the latest MODEL_RATES done migrations; -1 none. */
double model_link_rate(const struct model *m);
/*
 * A reloaded configuration (engine/controller_reload.c): the hosts that
 * remain keep their state and measures, new ones are connecting, removed
 * ones go with the VMs last seen on them; every VM window takes the new
 * policy's window. 0, or -1 on ENOMEM with m as it was (windows may
 * already have the new size).
 */
int model_reload(struct model *m, const struct config *next);
int model_host_index(const struct model *m, const char *name);
int model_vm_index(const struct model *m, const char *name);
const char *host_state_name(enum host_state st);

#endif
