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
 *   VMBAL-T-SVC-<n>     [recent --rcheck ... -j VMBAL-T-SEP-<n>-<k>]...
 *                       statistic nth|random -j VMBAL-T-SEP-<n>-<k> ...
 *                       -j VMBAL-T-SEP-<n>-<last>
 *   VMBAL-T-SEP-<n>-<k> [recent --set] ; -p P -j DNAT --to ADDR:PORT
 *   VMBAL-T-POSTROUTING -d ADDR/32 -p P --dport PORT -j MASQUERADE
 *
 * What an apply or a flush reads and writes: the chains named VMBAL-T-...
 * and the jumps to them, plus the untagged chains of a vmbal before tags
 * (VMBAL-SERVICES, VMBAL-POSTROUTING, VMBAL-SVC-<n>, VMBAL-SEP-<n>-<k>)
 * and their jumps, which it removes. Chains of other tags, and any other
 * VMBAL- chain, are left as they are.
 *
 * An apply reads the table, builds the desired contents of its chains,
 * compares them rule by rule with what is there, and only when they
 * differ rewrites those chains and commits once (atomically), under the
 * xtables lock, retrying a few times on EAGAIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <libiptc/libiptc.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "dnat_iptc.h"

#define PREFIX "VMBAL-"
#define TAG_MAX 8		/* [0-9a-z], so never a legacy name */
#define LOCK_PATH "/run/xtables.lock"
#define LOCK_WAIT_MS 10000
#define COMMIT_TRIES 5
#define SH_DEFAULT_S 300	/* source-hash without persistence_s */
#define CHAIN_MAX 32		/* xt_chainlabel; names are at most 28 */
#define NAME_MAX_LEN 28		/* what iptables accepts */

/* One configuration's names: prefix "VMBAL-T-" and its two fixed chains. */
struct names {
	char prefix[16], services[CHAIN_MAX], post[CHAIN_MAX];
};

struct want_chain {
	char name[CHAIN_MAX];
};

struct want_rule {
	size_t chain;		/* index into chains */
	struct ipt_entry *e;
	bool jump;		/* target is a user chain */
};

struct want {
	struct want_chain *chains;
	size_t nchains, capchains;
	struct want_rule *rules;
	size_t nrules, caprules;
	bool snat;
	size_t *byname;		/* chain indices sorted by name (want_index) */
	size_t *first, *order;	/* rules by chain: order[first[c]..first[c+1]) */
};

static void want_free(struct want *w)
{
	for (size_t i = 0; i < w->nrules; i++)
		free(w->rules[i].e);
	free(w->rules);
	free(w->chains);
	free(w->byname);
	free(w->first);
	free(w->order);
	memset(w, 0, sizeof *w);
}

static int want_chain(struct want *w, const char *name, size_t *idx,
    struct diag *d)
{
	if (strlen(name) > NAME_MAX_LEN) {
		diag_set(d, NULL, 0, 0,
		    "chain %s: longer than iptables' %d characters (too many services or backends)",
		    name, NAME_MAX_LEN);
		return -1;
	}
	if (w->nchains == w->capchains) {
		size_t cap = w->capchains ? w->capchains * 2 : 16;
		void *p = realloc(w->chains, cap * sizeof *w->chains);
		if (!p) {
			diag_set(d, NULL, 0, 0, "out of memory");
			return -1;
		}
		w->chains = p;
		w->capchains = cap;
	}
	snprintf(w->chains[w->nchains].name, CHAIN_MAX, "%s", name);
	*idx = w->nchains++;
	return 0;
}

static int by_name(const void *a, const void *b, void *arg)
{
	const struct want_chain *ch = arg;

	return strcmp(ch[*(const size_t *)a].name, ch[*(const size_t *)b].name);
}

/*
 * Indexes a finished want: chains sorted by name for chain_index (a
 * thousand services make some eleven thousand chains: lookups must not
 * be linear), and rules grouped by chain in their order, by counting.
 */
static int want_index(struct want *w)
{
	size_t c, r;

	free(w->byname);
	free(w->first);
	free(w->order);
	w->byname = calloc(w->nchains + 1, sizeof *w->byname);
	w->first = calloc(w->nchains + 2, sizeof *w->first);
	w->order = calloc(w->nrules + 1, sizeof *w->order);
	if (!w->byname || !w->first || !w->order)
		return -1;
	for (c = 0; c < w->nchains; c++)
		w->byname[c] = c;
	qsort_r(w->byname, w->nchains, sizeof *w->byname, by_name, w->chains);
	for (r = 0; r < w->nrules; r++)
		w->first[w->rules[r].chain + 1]++;
	for (c = 0; c < w->nchains; c++)
		w->first[c + 1] += w->first[c];
	{
		size_t *fill = calloc(w->nchains + 1, sizeof *fill);

		if (!fill)
			return -1;
		for (r = 0; r < w->nrules; r++) {
			size_t ch = w->rules[r].chain;

			w->order[w->first[ch] + fill[ch]++] = r;
		}
		free(fill);
	}
	return 0;
}

static size_t chain_index(const struct want *w, const char *name)
{
	size_t lo = 0, hi = w->nchains;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w->chains[w->byname[mid]].name, name);

		if (c == 0)
			return w->byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

/* --- entry building -------------------------------------------------- */

struct ebuf {
	_Alignas(8) unsigned char b[1024];
	size_t len;
};

static void eb_start(struct ebuf *eb)
{
	memset(eb, 0, sizeof *eb);
	eb->len = XT_ALIGN(sizeof(struct ipt_entry));
}

static struct ipt_entry *eb_entry(struct ebuf *eb)
{
	return (struct ipt_entry *)(void *)eb->b;
}

static void eb_match(struct ebuf *eb, const char *name, uint8_t rev,
    const void *data, size_t dlen)
{
	struct xt_entry_match *m = (void *)(eb->b + eb->len);
	size_t sz = XT_ALIGN(sizeof *m) + XT_ALIGN(dlen);

	m->u.user.match_size = (uint16_t)sz;
	snprintf(m->u.user.name, sizeof m->u.user.name, "%s", name);
	m->u.user.revision = rev;
	memcpy(m->data, data, dlen);
	eb->len += sz;
}

static int eb_finish(struct want *w, size_t chain, struct ebuf *eb,
    const char *target, const void *data, size_t dlen, bool jump)
{
	struct ipt_entry *e = eb_entry(eb);
	struct xt_entry_target *t = (void *)(eb->b + eb->len);
	size_t sz = XT_ALIGN(sizeof *t) + XT_ALIGN(dlen);

	e->target_offset = (uint16_t)eb->len;
	t->u.user.target_size = (uint16_t)sz;
	snprintf(t->u.user.name, sizeof t->u.user.name, "%s", target);
	memcpy(t->data, data, dlen);
	eb->len += sz;
	e->next_offset = (uint16_t)eb->len;

	if (w->nrules == w->caprules) {
		size_t cap = w->caprules ? w->caprules * 2 : 32;
		void *p = realloc(w->rules, cap * sizeof *w->rules);
		if (!p)
			return -1;
		w->rules = p;
		w->caprules = cap;
	}
	struct ipt_entry *copy = malloc(eb->len);
	if (!copy)
		return -1;
	memcpy(copy, eb->b, eb->len);
	w->rules[w->nrules++] = (struct want_rule){ chain, copy, jump };
	return 0;
}

static int add_jump(struct want *w, size_t chain, struct ebuf *eb,
    const char *to)
{
	int verdict = 0;
	return eb_finish(w, chain, eb, to, &verdict, sizeof verdict, true);
}

static void m_port(struct ebuf *eb, enum svc_protocol p, long port)
{
	if (p == PROTO_UDP) {
		struct xt_udp u = { .spts = { 0, 0xFFFF },
			.dpts = { (uint16_t)port, (uint16_t)port } };
		eb_match(eb, "udp", 0, &u, sizeof u);
	} else {
		struct xt_tcp t = { .spts = { 0, 0xFFFF },
			.dpts = { (uint16_t)port, (uint16_t)port } };
		eb_match(eb, "tcp", 0, &t, sizeof t);
	}
}

static void m_recent(struct ebuf *eb, const char *name, uint8_t check_set,
    uint32_t seconds)
{
	struct xt_recent_mtinfo_v1 r;

	memset(&r, 0, sizeof r);
	r.seconds = seconds;
	r.check_set = check_set;
	r.side = XT_RECENT_SOURCE;
	snprintf(r.name, sizeof r.name, "%s", name);
	memset(&r.mask.ip, 0xFF, sizeof r.mask.ip);
	eb_match(eb, "recent", 1, &r, sizeof r);
}

static uint16_t proto_num(enum svc_protocol p)
{
	return p == PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
}

static void recent_name(char *buf, size_t len, const struct dnat_service *s,
    const struct dnat_backend *b)
{
	snprintf(buf, len, "vmbal-%s-%s-%ld", s->name ? s->name : "svc",
	    b->address, b->port);
	for (char *p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			*p = '_';
}

static int parse_ip(const char *s, struct in_addr *a)
{
	return s && inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
}

/* The desired contents of every chain of this configuration. */
static int build(struct want *w, const struct names *nm,
    const struct dnat_service *svcs, size_t n, struct diag *d)
{
	struct ebuf eb;
	size_t services, post = (size_t)-1;
	char name[96], to[96];

	memset(w, 0, sizeof *w);
	if (want_chain(w, nm->services, &services, d))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct dnat_service *s = &svcs[i];
		struct in_addr vip;
		long persist = s->persistence_s > 0 ? s->persistence_s :
		    s->algorithm == ALGO_SOURCE_HASH ? SH_DEFAULT_S : 0;
		size_t svc = 0, nel = 0;
		double total = 0;

		if (parse_ip(s->vip, &vip)) {
			diag_set(d, NULL, 0, 0, "service %s: bad VIP \"%s\"",
			    s->name, s->vip ? s->vip : "");
			goto fail;
		}
		if (s->port < 1 || s->port > 65535 ||
		    (s->protocol != PROTO_TCP && s->protocol != PROTO_UDP)) {
			diag_set(d, NULL, 0, 0, "service %s: bad port or protocol",
			    s->name);
			goto fail;
		}
		if (persist > 0xFFFFFFFFL)
			persist = 0xFFFFFFFFL;
		for (size_t k = 0; k < s->nbackends; k++) {
			const struct dnat_backend *b = &s->backends[k];
			struct in_addr a;
			if (parse_ip(b->address, &a) || b->port < 1 ||
			    b->port > 65535 || b->weight < 0) {
				diag_set(d, NULL, 0, 0,
				    "service %s: bad backend \"%s\" port %ld weight %ld",
				    s->name, b->address ? b->address : "",
				    b->port, b->weight);
				goto fail;
			}
			if (b->up && b->weight > 0) {
				nel++;
				total += (double)b->weight;
			}
		}

		/* SNAT towards every backend of the service. */
		if (s->snat && s->nbackends) {
			if (post == (size_t)-1 &&
			    want_chain(w, nm->post, &post, d))
				goto fail;
			w->snat = true;
			for (size_t k = 0; k < s->nbackends; k++) {
				const struct dnat_backend *b = &s->backends[k];
				struct nf_nat_ipv4_multi_range_compat mr;
				eb_start(&eb);
				parse_ip(b->address, &eb_entry(&eb)->ip.dst);
				eb_entry(&eb)->ip.dmsk.s_addr = 0xFFFFFFFFu;
				eb_entry(&eb)->ip.proto = proto_num(s->protocol);
				m_port(&eb, s->protocol, b->port);
				memset(&mr, 0, sizeof mr);
				mr.rangesize = 1;
				if (eb_finish(w, post, &eb, "MASQUERADE", &mr,
				    sizeof mr, false))
					goto oom;
			}
		}
		if (nel == 0)
			continue;	/* nothing eligible: no rules */

		snprintf(name, sizeof name, "%sSVC-%zu", nm->prefix, i);
		if (want_chain(w, name, &svc, d))
			goto fail;
		eb_start(&eb);
		eb_entry(&eb)->ip.dst = vip;
		eb_entry(&eb)->ip.dmsk.s_addr = 0xFFFFFFFFu;
		eb_entry(&eb)->ip.proto = proto_num(s->protocol);
		m_port(&eb, s->protocol, s->port);
		if (add_jump(w, services, &eb, name))
			goto oom;

		/* Backend chains, and the affinity checks first. */
		for (size_t k = 0; k < s->nbackends; k++) {
			const struct dnat_backend *b = &s->backends[k];
			struct nf_nat_range2 nr;
			char rn[XT_RECENT_NAME_LEN];
			size_t sep;

			if (!(b->up && b->weight > 0))
				continue;
			snprintf(to, sizeof to, "%sSEP-%zu-%zu", nm->prefix,
			    i, k);
			if (want_chain(w, to, &sep, d))
				goto fail;
			recent_name(rn, sizeof rn, s, b);
			if (persist > 0) {
				eb_start(&eb);
				m_recent(&eb, rn, XT_RECENT_CHECK | XT_RECENT_REAP,
				    (uint32_t)persist);
				if (add_jump(w, svc, &eb, to))
					goto oom;
				/* --set with no target: the rule only records
				 * the source and falls through to the DNAT. */
				eb_start(&eb);
				m_recent(&eb, rn, XT_RECENT_SET, 0);
				if (eb_finish(w, sep, &eb, "", &(int){ 0 },
				    sizeof(int), false))
					goto oom;
			}
			/* DNAT revision 2 (struct nf_nat_range2), the one
			 * iptables 1.8 writes, so iptables-save prints it and
			 * iptables-restore can read it back; revision 0 with
			 * nf_nat_ipv4_multi_range_compat works in the kernel
			 * but iptables-save shows "[unsupported revision]". */
			memset(&nr, 0, sizeof nr);
			nr.flags = NF_NAT_RANGE_MAP_IPS |
			    NF_NAT_RANGE_PROTO_SPECIFIED;
			parse_ip(b->address, &nr.min_addr.in);
			nr.max_addr = nr.min_addr;
			nr.min_proto.all = htons((uint16_t)b->port);
			nr.max_proto.all = nr.min_proto.all;
			eb_start(&eb);
			eb_entry(&eb)->ip.proto = proto_num(s->protocol);
			if (eb_finish(w, sep, &eb, "DNAT", &nr, sizeof nr, false))
				goto oom;
			((struct xt_entry_target *)(void *)((char *)
			    w->rules[w->nrules - 1].e +
			    w->rules[w->nrules - 1].e->target_offset))
			    ->u.user.revision = 2;
		}

		/* The pick among eligible backends. */
		size_t idx = 0;
		double left = total;
		for (size_t k = 0; k < s->nbackends; k++) {
			const struct dnat_backend *b = &s->backends[k];
			if (!(b->up && b->weight > 0))
				continue;
			snprintf(to, sizeof to, "%sSEP-%zu-%zu", nm->prefix,
			    i, k);
			eb_start(&eb);
			if (idx + 1 < nel) {
				struct xt_statistic_info st;
				memset(&st, 0, sizeof st);
				if (s->algorithm == ALGO_ROUND_ROBIN) {
					st.mode = XT_STATISTIC_MODE_NTH;
					st.u.nth.every = (uint32_t)(nel - idx - 1);
					st.u.nth.packet = 0;
					st.u.nth.count = st.u.nth.every;
				} else {
					double p = (double)b->weight / left;
					st.mode = XT_STATISTIC_MODE_RANDOM;
					st.u.random.probability =
					    (uint32_t)lround(2147483648.0 * p);
				}
				eb_match(&eb, "statistic", 0, &st, sizeof st);
			}
			if (add_jump(w, svc, &eb, to))
				goto oom;
			left -= (double)b->weight;
			idx++;
		}
	}
	return 0;
oom:
	diag_set(d, NULL, 0, 0, "out of memory");
fail:
	want_free(w);
	return -1;
}

/* --- reading what is there ------------------------------------------- */

static bool entry_equal(const struct ipt_entry *have, const char *htarget,
    const struct want_rule *r)
{
	const struct ipt_entry *w = r->e;
	const struct xt_entry_target *wt, *ht;

	if (memcmp(&have->ip, &w->ip, sizeof w->ip) != 0 ||
	    have->target_offset != w->target_offset)
		return false;
	for (size_t off = sizeof(struct ipt_entry); off < w->target_offset;) {
		const struct xt_entry_match *hm = (const void *)((const char *)have + off);
		const struct xt_entry_match *wm = (const void *)((const char *)w + off);
		size_t sz = wm->u.user.match_size;
		if (hm->u.user.match_size != sz ||
		    hm->u.user.revision != wm->u.user.revision ||
		    strncmp(hm->u.user.name, wm->u.user.name,
		    sizeof wm->u.user.name) != 0 ||
		    memcmp(hm->data, wm->data, sz - sizeof *wm) != 0)
			return false;
		off += sz;
	}
	wt = (const void *)((const char *)w + w->target_offset);
	ht = (const void *)((const char *)have + have->target_offset);
	if (r->jump)
		return strcmp(htarget, wt->u.user.name) == 0;
	if (wt->u.user.name[0] == '\0')	/* continue-only rule */
		return htarget[0] == '\0';
	return strcmp(htarget, wt->u.user.name) == 0 &&
	    ht->u.user.target_size == wt->u.user.target_size &&
	    have->next_offset == w->next_offset &&
	    memcmp(ht->data, wt->data, wt->u.user.target_size - sizeof *wt) == 0;
}

static bool digits(const char **p)
{
	const char *s = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* A chain of vmbal before tags: VMBAL-SERVICES, VMBAL-POSTROUTING,
 * VMBAL-SVC-<n>, VMBAL-SEP-<n>-<k>. (A tag is lowercase: never one.) */
static bool legacy_chain(const char *c)
{
	const char *p;

	if (strcmp(c, PREFIX "SERVICES") == 0 ||
	    strcmp(c, PREFIX "POSTROUTING") == 0)
		return true;
	if (strncmp(c, PREFIX "SVC-", strlen(PREFIX "SVC-")) == 0) {
		p = c + strlen(PREFIX "SVC-");
		return digits(&p) && *p == '\0';
	}
	if (strncmp(c, PREFIX "SEP-", strlen(PREFIX "SEP-")) == 0) {
		p = c + strlen(PREFIX "SEP-");
		return digits(&p) && *p++ == '-' && digits(&p) && *p == '\0';
	}
	return false;
}

/* Is chain c this configuration's to rewrite (its own, or legacy)? */
static bool owned(const struct names *nm, const char *c)
{
	return c != NULL && (strncmp(c, nm->prefix, strlen(nm->prefix)) == 0 ||
	    legacy_chain(c));
}

/* Names of the chains of this configuration (and legacy ones) now in
 * the table (copies). */
static int own_chains(struct xtc_handle *h, const struct names *nm,
    char (**out)[CHAIN_MAX], size_t *n)
{
	char (*v)[CHAIN_MAX] = NULL;
	size_t cnt = 0, cap = 0;

	for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
		if (!owned(nm, c))
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
		snprintf(v[cnt++], CHAIN_MAX, "%s", c);
	}
	*out = v;
	*n = cnt;
	return 0;
}

static const char *const BUILTIN[] = { "PREROUTING", "OUTPUT", "POSTROUTING" };

/* The one jump each built-in chain should hold, or NULL. */
static const char *builtin_jump(const struct names *nm, const struct want *w,
    size_t b)
{
	if (b < 2)
		return w ? nm->services : NULL;
	return w && w->snat ? nm->post : NULL;
}

/* Jumps to other configurations' chains are not looked at. */
static bool jumps_ok(struct xtc_handle *h, const struct names *nm,
    const struct want *w)
{
	for (size_t b = 0; b < 3; b++) {
		const char *want = builtin_jump(nm, w, b);
		int seen = 0;
		for (const struct ipt_entry *e = iptc_first_rule(BUILTIN[b], h);
		    e; e = iptc_next_rule(e, h)) {
			const char *t = iptc_get_target(e, h);
			if (!owned(nm, t))
				continue;
			if (!want || strcmp(t, want) != 0 || ++seen > 1)
				return false;
		}
		if (want && seen != 1)
			return false;
	}
	return true;
}

static bool state_equal(struct xtc_handle *h, const struct names *nm,
    const struct want *w)
{
	char (*have)[CHAIN_MAX] = NULL;
	size_t nhave = 0;
	bool eq = true;

	if (own_chains(h, nm, &have, &nhave))
		return false;
	if (nhave != w->nchains)
		eq = false;
	for (size_t i = 0; eq && i < nhave; i++)
		if (chain_index(w, have[i]) == (size_t)-1)
			eq = false;
	free(have);
	if (!eq || !jumps_ok(h, nm, w))
		return false;
	for (size_t c = 0; c < w->nchains; c++) {
		const struct ipt_entry *e = iptc_first_rule(w->chains[c].name, h);
		for (size_t k = w->first[c]; k < w->first[c + 1]; k++) {
			size_t r = w->order[k];

			if (!e || !entry_equal(e, iptc_get_target(e, h), &w->rules[r]))
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
static int fix_jumps(struct xtc_handle *h, const struct names *nm,
    const struct want *w, struct diag *d)
{
	for (size_t b = 0; b < 3; b++) {
		const char *keep = builtin_jump(nm, w, b);
		unsigned int del[64], ndel = 0, num = 0;
		bool kept = false;

		for (const struct ipt_entry *e = iptc_first_rule(BUILTIN[b], h);
		    e; e = iptc_next_rule(e, h), num++) {
			const char *t = iptc_get_target(e, h);
			if (!owned(nm, t))
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
			struct ebuf eb;
			struct want tmp = { 0 };
			eb_start(&eb);
			if (add_jump(&tmp, 0, &eb, keep)) {
				want_free(&tmp);
				diag_set(d, NULL, 0, 0, "out of memory");
				return -1;
			}
			int ok = iptc_insert_entry(BUILTIN[b], tmp.rules[0].e, 0, h);
			want_free(&tmp);
			if (!ok)
				return fail_iptc(d, "insert jump in", BUILTIN[b]);
		}
	}
	return 0;
}

/* Rewrites this configuration's chains of h to w (w NULL: removes them
 * all); legacy chains go too. */
static int program(struct xtc_handle *h, const struct names *nm,
    const struct want *w, struct diag *d)
{
	char (*have)[CHAIN_MAX] = NULL;
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
		if ((!w || chain_index(w, have[i]) == (size_t)-1) &&
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

static int run(const struct names *nm, const struct want *w, bool *changed,
    struct diag *d)
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
			char (*have)[CHAIN_MAX] = NULL;
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
	const struct names *nm = impl;
	struct want w;
	int rc;

	*changed = false;
	if (build(&w, nm, svcs, n, d))
		return -1;
	if (want_index(&w)) {
		want_free(&w);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	rc = run(nm, &w, changed, d);
	want_free(&w);
	return rc;
}

static int iptc_flush_all(void *impl, struct diag *d)
{
	bool changed;

	return run(impl, NULL, &changed, d);
}

static void iptc_release(void *impl)
{
	free(impl);
}

static const struct dnat_ops IPTC_OPS = {
	.apply = iptc_apply,
	.flush = iptc_flush_all,
	.free = iptc_release,
};

int dnat_iptc_init(struct dnat *d, const char *tag, struct diag *err)
{
	struct names *nm;
	size_t len = tag != NULL ? strlen(tag) : 0;

	if (len == 0 || len > TAG_MAX ||
	    strspn(tag, "0123456789abcdefghijklmnopqrstuvwxyz") != len) {
		diag_set(err, NULL, 0, 0,
		    "DNAT chain tag \"%s\": want 1 to %d of [0-9a-z]",
		    tag != NULL ? tag : "", TAG_MAX);
		return -1;
	}
	nm = calloc(1, sizeof *nm);
	if (nm == NULL) {
		diag_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	snprintf(nm->prefix, sizeof nm->prefix, PREFIX "%s-", tag);
	snprintf(nm->services, sizeof nm->services, "%sSERVICES", nm->prefix);
	snprintf(nm->post, sizeof nm->post, "%sPOSTROUTING", nm->prefix);
	d->ops = &IPTC_OPS;
	d->impl = nm;
	return 0;
}
