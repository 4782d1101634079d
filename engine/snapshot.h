/*
 * snapshot.h - what a probe saw at one instant, handed to the engine.
 *
 * A snapshot is built by a probe, owned by whoever holds the pointer, and
 * never changed once handed over. Rates (cpu_pct) are already computed by
 * the probe from counter deltas over the real interval.
 */
#ifndef VMBAL_SNAPSHOT_H
#define VMBAL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "action.h"

enum vm_state {
	VM_RUNNING, VM_PAUSED, VM_SHUTOFF, VM_MIGRATING, VM_UNKNOWN, VM_OTHER
};

/* A move as the VM's own metadata records it (actions/lv_metadata.h),
 * whoever made it. */
enum meta_state { META_NONE, META_STARTED, META_DONE, META_FAILED };

struct snap_host {
	char *name;
	bool up;
	bool connecting;	/* not reached yet: no answer, good or bad */
	long cpus;
	long mem_total_mib;
	long mem_used_mib;
	char error[256];	/* why it is down (the probe's words), or "" */
	char warning[512];	/* a trouble short of an outage (a VM's
				 * definition not saved: issue 18), or "" */
};

struct snap_vm {
	char *name;
	char *host;
	long vcpus;
	long mem_mib;
	double cpu_pct;		/* percent of one CPU over the last interval */
	bool cpu_valid;		/* false on a first or reset counter */
	double demand_pct;	/* cpu_pct plus the time its runnable vCPUs
				 * waited for a host CPU, same unit and
				 * interval, at most vcpus x 100; what it
				 * would use on an idle host (valid with
				 * cpu_pct; below it means unknown: cpu_pct) */
	enum vm_state state;
	double dirty_mibps;	/* MiB/s the guest dirties, as libvirt last
				 * measured it (its dirtyrate stats); < 0
				 * unknown (snapshot_add_vm's default) */
	struct mig_stats arrival;	/* the finished migration that brought
				 * it to host, as the hypervisor measured
				 * it; none (< 0, snapshot_add_vm's
				 * default) when unknown or not migrated */
	double net_rx_bps, net_tx_bps;	/* bytes/s, when rates are valid */
	double disk_rd_bps, disk_wr_bps;
	/* its latest move as its metadata says (META_NONE: no record) */
	enum meta_state move;
	double move_age_s;	/* seconds since the record's time, by the
				 * probe's wall clock */
	char *move_by;		/* "HOSTNAME:PID" (owned; NULL with none) */
	char *move_from, *move_to;	/* host names (owned; NULL with none) */
	bool move_ours;		/* by is this very process */
};

struct snapshot {
	double ts;
	struct snap_host *hosts;
	size_t nhosts, caphosts;
	struct snap_vm *vms;
	size_t nvms, capvms;
};

struct snapshot *snapshot_new(double ts);
void snapshot_free(struct snapshot *s);
/* Append copies; return the new entry or NULL on ENOMEM. */
struct snap_host *snapshot_add_host(struct snapshot *s, const char *name);
struct snap_vm *snapshot_add_vm(struct snapshot *s, const char *name,
    const char *host);
const char *vm_state_name(enum vm_state st);
/* Sets sv's move record (copies of the strings); 0, or -1 on ENOMEM with
 * none set. */
int snapshot_vm_move(struct snap_vm *sv, enum meta_state st, double age_s,
    const char *by, const char *from, const char *to, bool ours);

#endif
