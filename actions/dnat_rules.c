/*
 * dnat_rules.c - the description of a configuration's DNAT rules (see
 * dnat_rules.h): chain names from the tag, and per service the entries of
 * VMBAL-T-SERVICES, VMBAL-T-SVC-<n>, VMBAL-T-SEP-<n>-<k> and
 * VMBAL-T-POSTROUTING, built as struct ipt_entry (matches and a target,
 * each XT_ALIGNed) the way iptables would write them.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "dnat_rules.h"
#include "../engine/vec.h"

#define PREFIX DNAT_PREFIX
#define NAME_MAX_LEN DNAT_NAME_MAX
#define SH_DEFAULT_S 300	/* source-hash without persistence_s */

void dnat_want_free(struct dnat_want *w)
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

static int want_chain(struct dnat_want *w, const char *name, size_t *idx,
    struct diag *d)
{
	if (strlen(name) > NAME_MAX_LEN) {
		diag_set(d, NULL, 0, 0,
		    "chain %s: longer than iptables' %d characters (too many services or backends)",
		    name, NAME_MAX_LEN);
		return -1;
	}
	if (vec_reserve(&w->chains, &w->capchains, w->nchains + 1,
	    sizeof *w->chains) != 0) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	snprintf(w->chains[w->nchains].name, DNAT_CHAIN_MAX, "%s", name);
	*idx = w->nchains++;
	return 0;
}

static int by_name(const void *a, const void *b, void *arg)
{
	const struct dnat_want_chain *ch = arg;

	return strcmp(ch[*(const size_t *)a].name, ch[*(const size_t *)b].name);
}

/*
 * Indexes a finished want: chains sorted by name for chain_index (a
 * thousand services make some eleven thousand chains: lookups must not
 * be linear), and rules grouped by chain in their order, by counting.
 */
static int want_index(struct dnat_want *w)
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

size_t dnat_want_chain_index(const struct dnat_want *w, const char *name)
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

static int eb_finish(struct dnat_want *w, size_t chain, struct ebuf *eb,
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

	if (vec_reserve(&w->rules, &w->caprules, w->nrules + 1,
	    sizeof *w->rules) != 0)
		return -1;
	struct ipt_entry *copy = malloc(eb->len);
	if (!copy)
		return -1;
	memcpy(copy, eb->b, eb->len);
	w->rules[w->nrules++] = (struct dnat_want_rule){ chain, copy, jump };
	return 0;
}

static int add_jump(struct dnat_want *w, size_t chain, struct ebuf *eb,
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
static int build(struct dnat_want *w, const struct dnat_names *nm,
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
	dnat_want_free(w);
	return -1;
}

/* --- comparing ------------------------------------------------------ */

bool dnat_rules_equal(const struct ipt_entry *have, const char *htarget,
    const struct dnat_want_rule *r)
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
bool dnat_rules_owned(const struct dnat_names *nm, const char *c)
{
	return c != NULL && (strncmp(c, nm->prefix, strlen(nm->prefix)) == 0 ||
	    legacy_chain(c));
}

int dnat_rules_build(struct dnat_want *w, const struct dnat_names *nm,
    const struct dnat_service *svcs, size_t n, struct diag *d)
{
	if (build(w, nm, svcs, n, d))
		return -1;
	if (want_index(w)) {
		dnat_want_free(w);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

struct ipt_entry *dnat_rules_jump(const char *to)
{
	struct ebuf eb;
	struct dnat_want tmp = { 0 };
	struct ipt_entry *e;

	eb_start(&eb);
	if (add_jump(&tmp, 0, &eb, to)) {
		dnat_want_free(&tmp);
		return NULL;
	}
	e = tmp.rules[0].e;
	tmp.rules[0].e = NULL;
	dnat_want_free(&tmp);
	return e;
}

int dnat_names_init(struct dnat_names *nm, const char *tag, struct diag *d)
{
	size_t len = tag != NULL ? strlen(tag) : 0;

	if (len == 0 || len > DNAT_TAG_MAX ||
	    strspn(tag, "0123456789abcdefghijklmnopqrstuvwxyz") != len) {
		diag_set(d, NULL, 0, 0,
		    "DNAT chain tag \"%s\": want 1 to %d of [0-9a-z]",
		    tag != NULL ? tag : "", DNAT_TAG_MAX);
		return -1;
	}
	snprintf(nm->prefix, sizeof nm->prefix, PREFIX "%s-", tag);
	snprintf(nm->services, sizeof nm->services, "%sSERVICES", nm->prefix);
	snprintf(nm->post, sizeof nm->post, "%sPOSTROUTING", nm->prefix);
	return 0;
}
