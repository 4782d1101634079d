/*
 * history_rrd.h - the measures kept in RRD files (librrd), written off
 * the engine's thread.
 *
 * The front end's event sink hands every event to history_event(): a
 * sample's numbers are copied into a bounded queue (full: the sample is
 * dropped and counted, a real cluster's engine never waits on a disk;
 * see wait_when_full for simulations), migrations and
 * maintenance changes become lines of the marks file the charts read. A
 * thread of its own creates and updates the files:
 *
 *   host-NAME.rrd      cpu, demand (% of the host), mem (MiB used), vms
 *   vm-NAME.rrd        cpu, demand (% of one CPU), mem (MiB)
 *   cluster.rrd        spread (%)
 *   svc-NAME.rrd       conns, latency (ms)
 *   marks.tsv          EPOCH TAB migration TAB VM TAB FROM TAB TO
 *                      EPOCH TAB maintenance TAB HOST TAB on|off
 *
 * NAME escaped by history_file_name() (a backend's: SERVICE/ADDRESS:PORT).
 * Each file has three AVERAGE RRAs (history_rra_defs): the analysis step
 * for a day, 1-minute rows for a week, 10-minute rows for a year; its
 * size is fixed when it is made.
 *
 * Time: a real cluster's files are stamped with the wall clock; a
 * simulation's with HISTORY_SIM_EPOCH + the simulated time (so a --fast
 * run fills a day in seconds), and a simulation starts its files afresh
 * (history_opts.fresh): a simulated cluster's history is that run's.
 */
#ifndef VMBAL_HISTORY_RRD_H
#define VMBAL_HISTORY_RRD_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/event.h"

/* 2026-01-01T00:00:00Z: a simulation's time 0 (a multiple of 600 s) */
#define HISTORY_SIM_EPOCH 1767225600L
#define HISTORY_QUEUE 64	/* samples waiting for the writer, at most */
#define HISTORY_NAME_MAX 128	/* a file name's length, at most (with .rrd) */
#define HISTORY_RRAS 3

enum history_kind { HK_HOST, HK_VM, HK_CLUSTER, HK_SERVICE };

struct history_opts {
	long step_s;		/* the analysis interval, rounded, >= 1 */
	bool simulated;		/* stamps: HISTORY_SIM_EPOCH + ts */
	bool fresh;		/* the files of an earlier run removed first */
	/* a full queue makes history_event() wait for room instead of
	 * dropping: only for a simulation, whose clock is its own (under
	 * --fast it would otherwise outrun the disk and keep a history that
	 * depends on the machine's speed); a real cluster's never waits */
	bool wait_when_full;
};

struct history_stats {
	unsigned long queued, written, dropped, failed;
	char last_error[256];	/* the writer's last librrd error, or "" */
};

struct history;

/*
 * Makes dir (0750, parents too), takes its lock (dir/.lock, flock: one
 * writer a directory) and starts the writer. NULL with err filled when
 * the directory cannot be made, another vmbal holds it, or the thread
 * cannot start.
 */
struct history *history_new(const char *dir, const struct history_opts *o,
    char *err, size_t errlen);
/* The event sink's hook: copies what a sample, a done migration or a
 * maintenance command says; never blocks on the writer. h may be NULL. */
void history_event(struct history *h, const struct event *ev);
/* Writes what is queued, stops the writer, frees h; st (may be NULL)
 * gets the counts. h may be NULL. */
void history_free(struct history *h, struct history_stats *st);

/* ---- pure parts (tests/unit/test_history.c) -------------------------- */

/*
 * The file name of an entity: "host-" / "vm-" / "svc-" + name escaped
 * (bytes outside [A-Za-z0-9._-] as %XX, a leading '.' too) + ".rrd";
 * "cluster.rrd" (name ignored). A name whose escape would pass
 * HISTORY_NAME_MAX keeps its first bytes and a 64-bit FNV-1a of the
 * whole name ("~" + 16 hex digits), so names stay distinct. A service
 * backend's name is "SERVICE/ADDRESS:PORT". Writes at most outlen bytes;
 * 0, or -1 when outlen is below HISTORY_NAME_MAX + 1.
 */
int history_file_name(enum history_kind k, const char *name, char *out,
    size_t outlen);
/* The three RRA definitions for a step ("RRA:AVERAGE:0.5:STEPS:ROWS"). */
void history_rra_defs(long step_s, char out[HISTORY_RRAS][64]);
/* The data sources' names of a kind, NULL-terminated. */
const char *const *history_ds_names(enum history_kind k);
/* The step (s) of the analysis interval: rounded, at least 1. */
long history_step(double analyse_interval_s);

#endif
