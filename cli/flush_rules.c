/*
 * flush_rules.c - `vmbal --flush-rules` (see flush_rules.h). The lease is
 * taken for the moment of the flush, so no running vmbal of the same
 * configuration can re-program what is being removed, and a running one
 * is named instead: stop it first (it leaves its rules in force when it
 * exits, on purpose: the VIP keeps working without it).
 */
#include <stdio.h>

#include "cluster_tag.h"
#include "flush_rules.h"
#include "lease.h"
#include "../actions/dnat_iptc.h"

int
flush_rules_run(const struct config *cfg)
{
	char tag[CLUSTER_TAG_LEN + 1], msg[1024];
	struct lease *l;
	struct dnat dn;
	struct diag d;
	int rc = 1;

	l = lease_new(cfg->file, msg, sizeof msg);
	if (l == NULL) {
		fprintf(stderr, "vmbal: %s\n", msg);
		return 1;
	}
	if (!lease_held(l)) {
		fprintf(stderr, "vmbal: --flush-rules refused: %s holds the "
		    "lease of %s (%s); stop it first\n", lease_holder(l),
		    cfg->file, lease_path(l));
		lease_free(l);
		return 1;
	}
	cluster_tag(cfg->file, tag, sizeof tag);
	diag_clear(&d);
	if (dnat_iptc_init(&dn, tag, &d) == 0) {
		rc = dn.ops->flush(dn.impl, &d) == 0 ? 0 : 1;
		dn.ops->free(dn.impl);
	}
	if (rc == 0)
		printf("%s: no VMBAL-%s- chain or jump left in the nat table\n",
		    cfg->file, tag);
	else {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: --flush-rules: %s\n", msg);
	}
	lease_free(l);
	return rc;
}
