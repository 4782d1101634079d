/*
 * lv_migrate.h - live migration jobs through libvirt, behind the action
 * interface.
 *
 * Each migration runs in a worker thread of its own; a second thread
 * follows its progress from the job stats. A move is reported done only
 * once the VM is seen running on the destination and no longer running on
 * the source; anything else is failed (or aborted) with libvirt's words.
 */
#ifndef VMBAL_LV_MIGRATE_H
#define VMBAL_LV_MIGRATE_H

#include "../engine/action.h"
#include "../engine/config.h"

/* cfg is borrowed for the action's lifetime. 0, or -1 with d. */
int lv_migrate_init(struct action *a, const struct config *cfg,
    struct diag *d);

#endif
