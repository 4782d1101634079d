/*
 * dnat_iptc.h - the libiptc DNAT programmer (legacy iptables, nat table).
 * See docs/dnat.md for the chain layout and how each algorithm maps to
 * rules. All libiptc code lives in dnat_iptc.c.
 */
#ifndef VMBAL_DNAT_IPTC_H
#define VMBAL_DNAT_IPTC_H

#include "../engine/diag.h"
#include "../engine/dnat.h"

/*
 * Fills d with the libiptc programmer of the configuration whose tag is
 * tag (1 to 8 of [0-9a-z]; vmbal passes cluster_tag(), cli/cluster_tag.h):
 * its chains are named VMBAL-<tag>-..., and its apply and flush touch
 * only those and the untagged chains of an older vmbal (which they
 * remove). Free with d->ops->free. 0, or -1 with err.
 */
int dnat_iptc_init(struct dnat *d, const char *tag, struct diag *err);

#endif
