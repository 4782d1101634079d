/*
 * dnat_rules.h - which rules a configuration's services need, described
 * in memory (per chain, the struct ipt_entry blobs iptables would hold),
 * and which chains are the configuration's: the description half of the
 * libiptc programmer. Nothing here calls libiptc or the kernel, so it is
 * tested without root (tests/unit/test_dnat.c); dnat_iptc.c compares the
 * description with the table and applies it. Layout: docs/dnat.md.
 */
#ifndef VMBAL_DNAT_RULES_H
#define VMBAL_DNAT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#include "../engine/diag.h"
#include "../engine/dnat.h"

#define DNAT_PREFIX "VMBAL-"
#define DNAT_TAG_MAX 8		/* [0-9a-z], so never a legacy name */
#define DNAT_CHAIN_MAX 32	/* xt_chainlabel */
#define DNAT_NAME_MAX 28	/* what iptables accepts */
/* Up to this many services VMBAL-T-SERVICES holds one rule each; past
 * it, one per group VMBAL-T-GRP-<g> of ceil(sqrt(n)) (dnat_rules.c). */
#define DNAT_FLAT_MAX 16

/* One configuration's names: prefix "VMBAL-T-" and its two fixed chains. */
struct dnat_names {
	char prefix[16], services[DNAT_CHAIN_MAX], post[DNAT_CHAIN_MAX];
};

struct dnat_want_chain {
	char name[DNAT_CHAIN_MAX];
};

struct dnat_want_rule {
	size_t chain;		/* index into chains */
	struct ipt_entry *e;
	bool jump;		/* target is a user chain */
};

struct dnat_want {
	struct dnat_want_chain *chains;
	size_t nchains, capchains;
	struct dnat_want_rule *rules;
	size_t nrules, caprules;
	bool snat;
	size_t *byname;		/* chain indices sorted by name (want_index) */
	size_t *first, *order;	/* rules by chain: order[first[c]..first[c+1]) */
};

/* The names of the configuration tagged tag (1 to DNAT_TAG_MAX of
 * [0-9a-z]). 0, or -1 with d. */
int dnat_names_init(struct dnat_names *nm, const char *tag, struct diag *d);

/*
 * Is chain c one an apply of nm rewrites: nm's own (VMBAL-T-...), or an
 * untagged one of a vmbal before tags (VMBAL-SERVICES, VMBAL-POSTROUTING,
 * VMBAL-SVC-<n>, VMBAL-SEP-<n>-<k>)? Other tags' chains are not.
 */
bool dnat_rules_owned(const struct dnat_names *nm, const char *c);

/* The desired contents of every chain of nm for these services, indexed.
 * 0, or -1 with d (a bad address, port, weight, or a name too long). */
int dnat_rules_build(struct dnat_want *w, const struct dnat_names *nm,
    const struct dnat_service *svcs, size_t n, struct diag *d);
void dnat_want_free(struct dnat_want *w);
/* The index of the chain called name in w, or (size_t)-1. */
size_t dnat_want_chain_index(const struct dnat_want *w, const char *name);

/* Is the rule have (whose target is htarget) the one r describes?
 * Counters are not compared. */
bool dnat_rules_equal(const struct ipt_entry *have, const char *htarget,
    const struct dnat_want_rule *r);

/* A rule with no match that jumps to chain to; caller frees. NULL: out
 * of memory. */
struct ipt_entry *dnat_rules_jump(const char *to);

#endif
