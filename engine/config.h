/*
 * config.h - vmbal's configuration and scenario files, loaded and validated.
 *
 * One loader serves both: a configuration names libvirt hosts; a scenario
 * (a simulated cluster) names simulated hosts, their VMs with loads, and
 * the migration model. Policy, rules, maintenance and services are the
 * same in both. Every value is checked (type, range, duplicates, dangling
 * references) and the first problem is returned with its FILE:LINE:COL.
 */
#ifndef VMBAL_CONFIG_H
#define VMBAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define CONFIG_MAX_BYTES (1024 * 1024)	/* larger files are refused */

enum config_kind { CONFIG_CLUSTER, CONFIG_SCENARIO };
enum policy_mode { MODE_MANUAL, MODE_AUTO, MODE_OBSERVE };
enum policy_objective { OBJECTIVE_BALANCE, OBJECTIVE_CONSOLIDATE };
enum policy_planner { PLANNER_DEFAULT, PLANNER_GREEDY_2008 };
enum load_kind { LOAD_CONSTANT, LOAD_SQUARE };
enum rule_kind { RULE_ANTI_AFFINITY, RULE_AFFINITY, RULE_PIN, RULE_EXCLUDE,
	RULE_HA_PRIORITY };
enum svc_protocol { PROTO_TCP, PROTO_UDP };
enum svc_algorithm {
	ALGO_ROUND_ROBIN, ALGO_WEIGHTED, ALGO_LEAST_CONNECTIONS,
	ALGO_LOWEST_LATENCY, ALGO_SOURCE_HASH
};
enum health_type { HEALTH_TCP, HEALTH_HTTP, HEALTH_UDP, HEALTH_DNS };

struct config_pos {
	int line, col;
};

struct policy {
	enum policy_mode mode;
	enum policy_objective objective;
	double threshold_pct;
	double target_pct;	/* spread a plan aims for; < 0: threshold / 2 */
	double hold_s;
	long window;
	double probe_interval_s;
	double analyse_interval_s;
	long max_concurrent_migrations;
	double vm_cooldown_s;
	double migration_timeout_s;
	double consolidate_ceiling_pct;
	double min_gain_pct;
	double weight_cpu;
	double weight_memory;
	enum policy_planner planner;
	bool migrate_persistent;	/* define the VM on the destination */
	bool migrate_undefine_source;	/* and remove it from the source */
	long host_reserve_mib;	/* memory a plan never fills on a host */
};

/* A host's fence agent (issue 18): a program with the standard fence
 * agents' stdin interface (key=value lines, action=off then
 * action=status), found on PATH or by absolute path. */
struct fence_conf {
	char *agent;		/* NULL: none; a person confirms it off */
	char **keys, **values;	/* args: written as key=value lines */
	size_t nargs;
	struct config_pos pos;
};

struct host_conf {
	char *name;
	char *uri;		/* cluster only */
	char *migration_uri;	/* cluster only; NULL when unset */
	long cpus;		/* 0: take it from the node (cluster only) */
	long memory_mib;	/* scenario only */
	long reserve_mib;	/* overrides policy.host_reserve_mib; -1 unset */
	double connect_after_s;	/* scenario only: answers no probe before */
	struct fence_conf fence;
	double fail_at_s;	/* scenario only: loses power then (its VMs
				 * stop with it); <= 0 never */
	double return_at_s;	/* scenario only: answers again then (its
				 * definitions still there); <= 0 never */
	bool fence_fails;	/* scenario only: its agent cannot fence it */
	struct config_pos pos;
};

struct load_conf {
	enum load_kind kind;
	double value;		/* LOAD_CONSTANT */
	double peak, valley, peak_s, valley_s, phase_s;	/* LOAD_SQUARE */
};

struct vm_conf {		/* scenario only */
	char *name;
	char *host;
	long vcpus;
	long memory_mib;
	struct load_conf load;
	struct config_pos pos;
	struct config_pos host_pos;
	struct config_pos load_pos;
};

struct rule_conf {
	enum rule_kind kind;
	char **vms;
	size_t nvms;
	struct config_pos *vm_pos;
	char *host;		/* RULE_PIN */
	long priority;		/* RULE_HA_PRIORITY: higher restarts first */
	struct config_pos host_pos;
	struct config_pos pos;
};

struct health_conf {
	enum health_type type;
	long interval_ms;
	long timeout_ms;
	long fall;
	long rise;
	char *path;		/* HTTP request path */
	char *send;		/* UDP: the datagram sent; NULL: an empty one */
	char *expect;		/* UDP: what the reply must start with; NULL:
				 * any reply, or silence, passes */
	char *name;		/* DNS: the name asked for (type A) */
};

struct backend_conf {
	char *address;
	long port;
	long weight;
	char *vm;		/* NULL when not tied to a VM */
	struct config_pos pos;
	struct config_pos vm_pos;
};

struct service_conf {
	char *name;
	char *vip;
	long port;
	enum svc_protocol protocol;
	enum svc_algorithm algorithm;
	long persistence_s;
	long slow_start_s;	/* a returning backend's ramp; 0: none */
	bool snat;
	bool drain_on_migrate;
	struct health_conf health;
	struct backend_conf *backends;
	size_t nbackends;
	struct config_pos pos;
};

struct migration_conf {		/* scenario only */
	double bandwidth_mbps;
	double fail_rate;
	long seed;
};

/*
 * How libvirt migrations are made (top-level live_migration:; a scenario
 * may carry it, the simulator ignores it). actions/lv_migrate_params.c
 * maps it to libvirt's flags and parameters.
 */
struct live_migration_conf {
	bool peer_to_peer;	/* VIR_MIGRATE_PEER2PEER */
	bool tls;		/* VIR_MIGRATE_TLS */
	long bandwidth_mibps;	/* VIR_MIGRATE_PARAM_BANDWIDTH; 0: no cap */
	long max_downtime_ms;	/* virDomainMigrateSetMaxDowntime; 0: QEMU's */
	bool auto_converge;	/* VIR_MIGRATE_AUTO_CONVERGE */
	double postcopy_after_s;	/* VIR_MIGRATE_POSTCOPY, then
				 * virDomainMigrateStartPostCopy; 0: never */
	long parallel_connections;	/* VIR_MIGRATE_PARALLEL; 0: one */
};

/* A director pair (top-level ha:): this vmbal acts only while address is
 * on one of its machine's interfaces (probes/ha_addr.c watches it). */
struct ha_conf {
	char *address;		/* NULL: no ha:, always active */
	struct config_pos pos;
};

/* Restarting a dead host's VMs (top-level ha_restart:, issue 18). */
enum ha_restart_mode { HA_RESTART_MANUAL, HA_RESTART_AUTO, HA_RESTART_OFF };
struct ha_restart_conf {
	enum ha_restart_mode mode;	/* auto acts even when policy.mode is
					 * manual; off never */
	double after_s;		/* down this long (and fenced) first */
	struct config_pos pos;
};

/* the longest control_socket path (a Unix socket's sun_path, less its NUL) */
#define CONFIG_SOCKET_MAX 107

struct config {
	char *file;
	enum config_kind kind;
	struct host_conf *hosts;
	size_t nhosts;
	struct vm_conf *vms;
	size_t nvms;
	struct policy policy;
	char *journal;
	/* the control socket (cli/ctl_server.c); "" in a scenario that
	 * names none: under the lease directory */
	char *control_socket;
	/* the RRD files (actions/history_rrd.h); "" in a scenario that
	 * names none: a private directory (cli/history_dir.c) */
	char *history_dir;
	bool allow_ext;		/* hosts may use the ext transport (config_ext.h) */
	struct rule_conf *rules;
	size_t nrules;
	char **maintenance;
	struct config_pos *maintenance_pos;
	size_t nmaintenance;
	struct service_conf *services;
	size_t nservices;
	struct migration_conf migration;
	struct live_migration_conf live_migration;
	struct ha_conf ha;
	struct ha_restart_conf ha_restart;
	char *domain_dir;	/* where the probe saves each running VM's
				 * definition (default
				 * /var/lib/vmbal/domains/<config name>);
				 * cluster only */
};

/*
 * Parse and validate buf (named file in messages). Returns a new config
 * (caller frees with config_free) or NULL with d filled.
 */
struct config *config_new_from_buffer(const char *file, const char *buf,
    size_t len, enum config_kind kind, struct diag *d);
/*
 * Reads the file (at most CONFIG_MAX_BYTES) then as above. The file must
 * be one vmbal can trust (safefile.h: a regular file owned by root or the
 * user running vmbal, not writable by group or others), and a host URI
 * that runs a command needs allow_ext: true in a root-owned file
 * (config_ext.h); config_new_from_buffer checks neither.
 */
struct config *config_new_from_file(const char *file, enum config_kind kind,
    struct diag *d);
void config_free(struct config *c);

void policy_defaults(struct policy *p);
void live_migration_defaults(struct live_migration_conf *lm);
/* The spread a plan aims for: target_pct, or threshold_pct / 2 unset. */
double policy_target_pct(const struct policy *p);
/* Host h's memory reserve: its reserve_mib, else policy's host_reserve_mib. */
long config_host_reserve(const struct config *c, const struct policy *policy,
    size_t h);
const char *policy_mode_name(enum policy_mode m);
const char *ha_restart_mode_name(enum ha_restart_mode m);	/* manual|auto|off */
/* vm's ha_priority (its rule's, the last one naming it), else 0. */
long config_ha_priority(const struct config *c, const char *vm);
const char *svc_algorithm_name(enum svc_algorithm a);

/* Index of the named host or VM, or -1. */
int config_host_index(const struct config *c, const char *name);
int config_vm_index(const struct config *c, const char *name);

#endif
