/*
 * lv_recover.h - host recovery steps through libvirt and fence agents
 * (issue 18, docs/recovery.md), behind action_ops' fence, restart,
 * retire and poll_recover (actions/lv_migrate.c's table points here).
 *
 * Each step runs in a thread of its own with copies of what it needs
 * (URIs, the fence agent's arguments, the domain directory): a start
 * returns at once, the result comes later through lv_recover_poll, which
 * never waits on the network.
 *  - fence: the host's agent (fence_agent.h), action=off then status;
 *    done only when the status run says off.
 *  - restart: DOMAIN_DIR/FROM/VM.xml (saved by the probe, lv_domxml.h)
 *    defined on TO (virDomainDefineXML) and started (virDomainCreate). A
 *    start refused by a disk lock (the lock manager's "Lockspace
 *    resource ... is locked", VIR_ERR_RESOURCE_BUSY, QEMU's own image
 *    lock) is REC_REFUSED with "not fenced: <libvirt's message>"; any
 *    other failure REC_FAILED. A start that fails leaves no definition
 *    behind that was not there before. A VM that already runs on TO is
 *    done.
 *  - retire: on HOST (back again), vm's definition undefined (with its
 *    managed save, snapshot and checkpoint metadata and NVRAM) unless it
 *    runs there (REC_FAILED "runs there", nothing touched); a VM not
 *    defined there is done.
 */
#ifndef VMBAL_LV_RECOVER_H
#define VMBAL_LV_RECOVER_H

#include <stddef.h>

#include "../engine/action.h"
#include "../engine/config.h"

struct lv_recover;

struct lv_recover *lv_recover_new(void);
/* Steps still running are given 0.8 s, then let go of (they end with
 * the process; a fence agent run is bounded by its timeout). */
void lv_recover_free(struct lv_recover *r);

/* cfg is read during the call only. 0, or -1 with d. */
int lv_recover_fence(struct lv_recover *r, const struct config *cfg,
    const char *host, struct diag *d);
int lv_recover_restart(struct lv_recover *r, const struct config *cfg,
    const char *vm, const char *from, const char *to, struct diag *d);
int lv_recover_retire(struct lv_recover *r, const struct config *cfg,
    const char *vm, const char *host, struct diag *d);
/* Moves up to max finished steps into out (the caller owns them). */
size_t lv_recover_poll(struct lv_recover *r, struct recover_result *out,
    size_t max);

/* Is libvirt's error (code, message) a disk lock's refusal? */
int lv_recover_is_lock_error(int code, const char *msg);

#endif
