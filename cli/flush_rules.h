/*
 * flush_rules.h - `vmbal --flush-rules -c CONFIG`: the configuration's
 * DNAT rules taken out of the kernel, by the one who may.
 */
#ifndef VMBAL_FLUSH_RULES_H
#define VMBAL_FLUSH_RULES_H

#include "../engine/config.h"

/* Removes every VMBAL-<tag>- chain of cfg and the jumps to them (and the
 * untagged chains of a vmbal before tags) in one commit, unless another
 * vmbal holds cfg's lease. Says what it did on stdout, why not on
 * stderr. The exit status: 0 done, 1 refused or failed. */
int flush_rules_run(const struct config *cfg);

#endif
