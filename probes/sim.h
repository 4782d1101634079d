/*
 * sim.h - a simulated cluster that replays a scenario.
 *
 * The world behind --demo and --scenario: hosts with CPUs and memory, VMs
 * with constant or square-wave loads, CPU contention, memory accounting
 * and migrations that take time and fail deterministically. Time moves
 * only when sim_advance() is called, in steps of SIM_STEP_S; the probe
 * (sim_probe.c), the actions (actions/sim_action.c) and the clock
 * (sim_clock.c) are views of one struct sim.
 */
#ifndef VMBAL_SIM_H
#define VMBAL_SIM_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/action.h"
#include "../engine/config.h"
#include "../engine/diag.h"

#define SIM_STEP_S 0.1

struct sim;

struct sim *sim_new(const struct config *scenario);	/* caller frees */
void sim_free(struct sim *s);
/*
 * A reloaded scenario: hosts that remain keep their state, new ones come
 * up, removed ones go with the VMs on them; a VM that remains stays where
 * it is (where it migrated to) and takes the file's load, vCPUs and
 * memory; a VM that is new appears on its host; a VM removed, or whose
 * migration's destination was removed, fails its migration. *map (caller
 * frees): per VM now, its index before, or -1. 0, or -1 on ENOMEM with
 * nothing changed.
 */
int sim_reload(struct sim *s, const struct config *c, long **map);
/* Moves the world forward to time t (never backwards). */
void sim_advance(struct sim *s, double t);
double sim_now(const struct sim *s);

size_t sim_host_count(const struct sim *s);
const char *sim_host_name(const struct sim *s, size_t h);
long sim_host_cpus(const struct sim *s, size_t h);
long sim_host_mem_total(const struct sim *s, size_t h);
/* Memory held on h, counting VMs migrating to it. */
long sim_host_mem_used(const struct sim *s, size_t h);
bool sim_host_up(const struct sim *s, size_t h);
void sim_host_set_up(struct sim *s, size_t h, bool up);
/* Has the host answered a probe yet (a scenario's connect_after_s)? */
bool sim_host_reached(const struct sim *s, size_t h);

size_t sim_vm_count(const struct sim *s);
const char *sim_vm_name(const struct sim *s, size_t v);
size_t sim_vm_host(const struct sim *s, size_t v);
long sim_vm_vcpus(const struct sim *s, size_t v);
long sim_vm_mem(const struct sim *s, size_t v);
bool sim_vm_migrating(const struct sim *s, size_t v);
/* Percent of one CPU the VM wants at time t. */
double sim_vm_want(const struct sim *s, size_t v, double t);
/* Cumulative CPU time used, in nanoseconds, as libvirt's cpu.time. */
unsigned long long sim_vm_cpu_time_ns(const struct sim *s, size_t v);
/* Cumulative time it wanted a CPU and waited, in nanoseconds, as the sum
 * of libvirt's vcpu.<n>.delay. */
unsigned long long sim_vm_delay_ns(const struct sim *s, size_t v);
int sim_vm_index(const struct sim *s, const char *name);

/* Migrations: started now, finished by sim_advance, drained by poll. */
int sim_migrate(struct sim *s, const char *vm, const char *to,
    struct diag *d);
int sim_migrate_abort(struct sim *s, const char *vm, struct diag *d);
size_t sim_poll(struct sim *s, struct action_result *out, size_t max);
/* How far vm's migration is, 0..1, or -1 when it is not migrating. */
double sim_migration_progress(const struct sim *s, const char *vm);

/* Recovery (issue 18), as action.h's fence/restart/retire/poll_recover:
 * a fence ends after 2 s, off when the host has in fact lost power and
 * its scenario does not say fence_fails; a restart after 3 s, the VM
 * running on to with its load, refused ("not fenced") when it still runs
 * on from; a retire at once. 0, or -1 and d. */
int sim_fence(struct sim *s, const char *host, struct diag *d);
int sim_restart(struct sim *s, const char *vm, const char *from,
    const char *to, struct diag *d);
int sim_retire(struct sim *s, const char *vm, const char *host,
    struct diag *d);
size_t sim_poll_recover(struct sim *s, struct recover_result *out,
    size_t max);
/* Does v run now (its host up and it not stopped with a lost host)? */
bool sim_vm_running(const struct sim *s, size_t v);
/* The host holding v's old shut-off definition, or -1. */
long sim_vm_old_def(const struct sim *s, size_t v);

#endif
