/*
 * dnat_iptc.c - the DNAT programmer over libiptc (legacy iptables, nat
 * table). The only file in vmbal that speaks libiptc.
 *
 * Every chain belongs to one configuration: its names carry the
 * configuration's tag T (cli/cluster_tag.h, six hex digits), so two
 * vmbal on one director never touch each other's rules.
 *
 * Layout (docs/dnat.md):
 *   PREROUTING, OUTPUT  -j VMBAL-T-SERVICES         (one jump each)
 *   POSTROUTING         -j VMBAL-T-POSTROUTING      (only when some snat)
 *   VMBAL-T-SERVICES    -d VIP/32 -p P --dport N -j VMBAL-T-SVC-<n>
 *   VMBAL-T-SVC-<n>     statistic nth|random -j VMBAL-T-SEP-<n>-<k> ...
 *                       -j VMBAL-T-SEP-<n>-<last>
 *                   or  cluster (hashed) -j VMBAL-T-SH-<n>-<j>|SEP-<n>-<k>
 *   VMBAL-T-SH-<n>-<j>  cluster -j VMBAL-T-SEP-<n>-<k> ... (level 2)
 *   VMBAL-T-SEP-<n>-<k> -p P -j DNAT --to ADDR:PORT
 *   VMBAL-T-POSTROUTING -d ADDR/32 -p P --dport PORT -j MASQUERADE
 *
 * What an apply or a flush reads and writes: the chains named VMBAL-T-...
 * and the jumps to them, plus the untagged chains of a vmbal before tags
 * (VMBAL-SERVICES, VMBAL-POSTROUTING, VMBAL-SVC-<n>, VMBAL-SEP-<n>-<k>)
 * and their jumps, which it removes. Chains of other tags, and any other
 * VMBAL- chain, are left as they are.
 *
 * Describe, then apply: dnat_rules.c builds the desired contents of the
 * configuration's chains (no libiptc there); this file reads the table,
 * compares them rule by rule with what is there, and only when they
 * differ rewrites those chains and commits once (atomically), under the
 * xtables lock, retrying a few times on EAGAIN.
 *
 * forget deletes the conntrack entries of backends out of rotation
 * (actions/ct_forget.c): the rules steer only a flow's first packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <libiptc/libiptc.h>

#include "ct_forget.h"
#include "dnat_iptc.h"
#include "dnat_rules.h"

#define LOCK_PATH "/run/xtables.lock"
#define LOCK_WAIT_MS 10000
#define COMMIT_TRIES 5

/* --- reading what is there ------------------------------------------- */

/* Names of the chains of this configuration (and legacy ones) now in
 * the table (copies). */
static int own_chains(struct xtc_handle *h, const struct dnat_names *nm,
    char (**out)[DNAT_CHAIN_MAX], size_t *n)
{
	char (*v)[DNAT_CHAIN_MAX] = NULL;
	size_t cnt = 0, cap = 0;

	for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
		if (!dnat_rules_owned(nm, c))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			void *p = realloc(v, cap * sizeof *v);
			if (!p) {
				free(v);
				return -1;
			}
			v = p;
		}
		snprintf(v[cnt++], DNAT_CHAIN_MAX, "%s", c);
	}
	*out = v;
	*n = cnt;
	return 0;
}

static const char *const BUILTIN[] = { "PREROUTING", "OUTPUT", "POSTROUTING" };

/* The one jump each built-in chain should hold, or NULL. */
static const char *builtin_jump(const struct dnat_names *nm,
    const struct dnat_want *w, size_t b)
{
	if (b < 2)
		return w ? nm->services : NULL;
	return w && w->snat ? nm->post : NULL;
}

/* Jumps to other configurations' chains are not looked at. */
static bool jumps_ok(struct xtc_handle *h, const struct dnat_names *nm,
    const struct dnat_want *w)
{
	for (size_t b = 0; b < 3; b++) {
		const char *want = builtin_jump(nm, w, b);
		int seen = 0;
		for (const struct ipt_entry *e = iptc_first_rule(BUILTIN[b], h);
		    e; e = iptc_next_rule(e, h)) {
			const char *t = iptc_get_target(e, h);
			if (!dnat_rules_owned(nm, t))
				continue;
			if (!want || strcmp(t, want) != 0 || ++seen > 1)
				return false;
		}
		if (want && seen != 1)
			return false;
	}
	return true;
}

static bool state_equal(struct xtc_handle *h, const struct dnat_names *nm,
    const struct dnat_want *w)
{
	char (*have)[DNAT_CHAIN_MAX] = NULL;
	size_t nhave = 0;
	bool eq = true;

	if (own_chains(h, nm, &have, &nhave))
		return false;
	if (nhave != w->nchains)
		eq = false;
	for (size_t i = 0; eq && i < nhave; i++)
		if (dnat_want_chain_index(w, have[i]) == (size_t)-1)
			eq = false;
	free(have);
	if (!eq || !jumps_ok(h, nm, w))
		return false;
	for (size_t c = 0; c < w->nchains; c++) {
		const struct ipt_entry *e = iptc_first_rule(w->chains[c].name, h);
		for (size_t k = w->first[c]; k < w->first[c + 1]; k++) {
			size_t r = w->order[k];

			if (!e || !dnat_rules_equal(e, iptc_get_target(e, h), &w->rules[r]))
				return false;
			e = iptc_next_rule(e, h);
		}
		if (e)
			return false;
	}
	return true;
}

/* --- writing ---------------------------------------------------------- */

static int fail_iptc(struct diag *d, const char *what, const char *arg)
{
	diag_set(d, NULL, 0, 0, "iptables nat: %s %s: %s", what, arg,
	    iptc_strerror(errno));
	return -1;
}

/* Leaves at most one jump to `keep` (none when NULL) in each built-in
 * chain and none to any other chain of this configuration or a legacy
 * one; adds it in front if missing. Other jumps are left alone. */
static int fix_jumps(struct xtc_handle *h, const struct dnat_names *nm,
    const struct dnat_want *w, struct diag *d)
{
	for (size_t b = 0; b < 3; b++) {
		const char *keep = builtin_jump(nm, w, b);
		unsigned int del[64], ndel = 0, num = 0;
		bool kept = false;

		for (const struct ipt_entry *e = iptc_first_rule(BUILTIN[b], h);
		    e; e = iptc_next_rule(e, h), num++) {
			const char *t = iptc_get_target(e, h);
			if (!dnat_rules_owned(nm, t))
				continue;
			if (keep && !kept && strcmp(t, keep) == 0) {
				kept = true;
				continue;
			}
			if (ndel < 64)
				del[ndel++] = num;
		}
		while (ndel > 0)
			if (!iptc_delete_num_entry(BUILTIN[b], del[--ndel], h))
				return fail_iptc(d, "delete jump in", BUILTIN[b]);
		if (keep && !kept) {
			struct ipt_entry *jump = dnat_rules_jump(keep);
			if (jump == NULL) {
				diag_set(d, NULL, 0, 0, "out of memory");
				return -1;
			}
			int ok = iptc_insert_entry(BUILTIN[b], jump, 0, h);
			free(jump);
			if (!ok)
				return fail_iptc(d, "insert jump in", BUILTIN[b]);
		}
	}
	return 0;
}

/* Rewrites this configuration's chains of h to w (w NULL: removes them
 * all); legacy chains go too. */
static int program(struct xtc_handle *h, const struct dnat_names *nm,
    const struct dnat_want *w, struct diag *d)
{
	char (*have)[DNAT_CHAIN_MAX] = NULL;
	size_t nhave = 0;
	int rc = -1;

	if (own_chains(h, nm, &have, &nhave)) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	for (size_t c = 0; w && c < w->nchains; c++)
		if (!iptc_is_chain(w->chains[c].name, h) &&
		    !iptc_create_chain(w->chains[c].name, h)) {
			fail_iptc(d, "create chain", w->chains[c].name);
			goto out;
		}
	if (fix_jumps(h, nm, w, d))
		goto out;
	for (size_t i = 0; i < nhave; i++)
		if (!iptc_flush_entries(have[i], h)) {
			fail_iptc(d, "flush chain", have[i]);
			goto out;
		}
	for (size_t i = 0; i < nhave; i++)
		if ((!w || dnat_want_chain_index(w, have[i]) == (size_t)-1) &&
		    !iptc_delete_chain(have[i], h)) {
			fail_iptc(d, "delete chain", have[i]);
			goto out;
		}
	for (size_t r = 0; w && r < w->nrules; r++)
		if (!iptc_append_entry(w->chains[w->rules[r].chain].name,
		    w->rules[r].e, h)) {
			fail_iptc(d, "append to", w->chains[w->rules[r].chain].name);
			goto out;
		}
	rc = 0;
out:
	free(have);
	return rc;
}

/* --- the lock and the commit loop ----------------------------------- */

static int xt_lock(struct diag *d)
{
	int fd = open(LOCK_PATH, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		diag_set(d, NULL, 0, 0, "%s: %s", LOCK_PATH, strerror(errno));
		return -1;
	}
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += 20) {
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			diag_set(d, NULL, 0, 0, "%s: %s", LOCK_PATH,
			    errno == EWOULDBLOCK ? "held by another process" :
			    strerror(errno));
			close(fd);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return fd;
}

static int run(const struct dnat_names *nm, const struct dnat_want *w,
    bool *changed, struct diag *d)
{
	int fd = xt_lock(d), rc = -1;

	*changed = false;
	if (fd < 0)
		return -1;
	for (int attempt = 1;; attempt++) {
		struct xtc_handle *h = iptc_init("nat");
		if (!h) {
			diag_set(d, NULL, 0, 0, "iptables nat: %s",
			    iptc_strerror(errno));
			break;
		}
		bool same = w ? state_equal(h, nm, w) : false;
		if (!w) {
			char (*have)[DNAT_CHAIN_MAX] = NULL;
			size_t nhave = 0;
			same = own_chains(h, nm, &have, &nhave) == 0 &&
			    nhave == 0 && jumps_ok(h, nm, NULL);
			free(have);
		}
		if (same) {
			iptc_free(h);
			rc = 0;
			break;
		}
		if (program(h, nm, w, d)) {
			iptc_free(h);
			break;
		}
		if (!iptc_commit(h)) {
			int e = errno;
			iptc_free(h);
			if (e == EAGAIN && attempt < COMMIT_TRIES)
				continue;
			diag_set(d, NULL, 0, 0, "iptables nat: commit: %s",
			    iptc_strerror(e));
			break;
		}
		iptc_free(h);
		*changed = true;
		rc = 0;
		break;
	}
	close(fd);	/* releases the lock */
	return rc;
}

static int iptc_apply(void *impl, const struct dnat_service *svcs, size_t n,
    bool *changed, struct diag *d)
{
	const struct dnat_names *nm = impl;
	struct dnat_want w;
	int rc;

	*changed = false;
	if (dnat_rules_build(&w, nm, svcs, n, d))
		return -1;
	rc = run(nm, &w, changed, d);
	dnat_want_free(&w);
	return rc;
}

static int iptc_flush_all(void *impl, struct diag *d)
{
	bool changed;

	return run(impl, NULL, &changed, d);
}

/* The backends' conntrack entries (actions/ct_forget.c). */
static int iptc_forget(void *impl, struct dnat_forget *f, size_t n,
    struct diag *d)
{
	struct ct_forget_target *t = calloc(n + 1, sizeof *t);
	struct in_addr a;
	size_t i;
	int rc;

	(void)impl;
	if (t == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (inet_pton(AF_INET, f[i].address, &a) != 1) {
			free(t);
			diag_set(d, NULL, 0, 0, "not an IPv4 address: %s",
			    f[i].address);
			return -1;
		}
		t[i].addr = a.s_addr;
		t[i].port = htons((uint16_t)f[i].port);
		t[i].udp = f[i].udp;
		t[i].tcp_closed = f[i].tcp_closed;
	}
	rc = ct_forget(t, n, d);
	for (i = 0; i < n; i++) {
		f[i].udp_deleted = t[i].udp_deleted;
		f[i].tcp_deleted = t[i].tcp_deleted;
	}
	free(t);
	return rc;
}

static void iptc_release(void *impl)
{
	free(impl);
}

static const struct dnat_ops IPTC_OPS = {
	.apply = iptc_apply,
	.forget = iptc_forget,
	.flush = iptc_flush_all,
	.free = iptc_release,
};

int dnat_iptc_init(struct dnat *d, const char *tag, struct diag *err)
{
	struct dnat_names names, *nm;

	if (dnat_names_init(&names, tag, err))
		return -1;
	nm = malloc(sizeof *nm);
	if (nm == NULL) {
		diag_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	*nm = names;
	d->ops = &IPTC_OPS;
	d->impl = nm;
	return 0;
}
