/*
 * dnat_iptc.h - the libiptc DNAT programmer (legacy iptables, nat table).
 * See docs/dnat.md for the chain layout and how each algorithm maps to
 * rules. All libiptc code lives in dnat_iptc.c.
 */
#ifndef VMBAL_DNAT_IPTC_H
#define VMBAL_DNAT_IPTC_H

#include "../engine/diag.h"
#include "../engine/dnat.h"

/* Fills d with the libiptc programmer. 0, or -1 with err. */
int dnat_iptc_init(struct dnat *d, struct diag *err);

#endif
