/*
 * history_dir.h - where a run's history goes, and the writer started and
 * stopped around a front end (actions/history_rrd.h writes it).
 */
#ifndef VMBAL_HISTORY_DIR_H
#define VMBAL_HISTORY_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/config.h"

struct run;
struct history;

/*
 * cfg's history_dir, or for a simulation that names none a private
 * directory: <lease directory>/history-<scenario name> ("demo" for
 * --demo).
 */
void history_dir_path(const struct config *cfg, bool demo, char *out,
    size_t outlen);
/*
 * The writer for r, in r->history_path (history_dir_path's), or NULL: not under --plan, not while another vmbal
 * holds the cluster (it writes the files), not for a headless simulation
 * whose file names no history_dir (the console's has its private one),
 * nor when the directory cannot be made (said once on stderr, the run
 * goes on without history).
 */
struct history *history_dir_open(const struct run *r);
/* Stops the writer; says on stderr what it dropped or failed. */
void history_dir_close(struct history *h);

#endif
