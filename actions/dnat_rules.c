/*
 * dnat_rules.c - the description of a configuration's DNAT rules (see
 * dnat_rules.h): chain names from the tag, and per service the entries of
 * VMBAL-T-SERVICES, VMBAL-T-SVC-<n>, VMBAL-T-SH-<n>-<j> (hashed picks),
 * VMBAL-T-SEP-<n>-<k> and VMBAL-T-POSTROUTING, built as struct ipt_entry
 * (matches and a target, each XT_ALIGNed) the way iptables would write
 * them. A hashed pick's bucket table comes from engine/buckets.c.
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
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_cluster.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "dnat_rules.h"
#include "../engine/buckets.h"
#include "../engine/vec.h"

#define PREFIX DNAT_PREFIX
#define NAME_MAX_LEN DNAT_NAME_MAX
#define HASH_NODES 32		/* xt_cluster: XT_CLUSTER_NODES_MAX */

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

static void m_cluster(struct ebuf *eb, uint32_t mask, uint32_t seed)
{
	struct xt_cluster_match_info c;

	memset(&c, 0, sizeof c);
	c.total_nodes = HASH_NODES;
	c.node_mask = mask;
	c.hash_seed = seed;
	eb_match(eb, "cluster", 0, &c, sizeof c);
}

static uint16_t proto_num(enum svc_protocol p)
{
	return p == PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
}

static int parse_ip(const char *s, struct in_addr *a)
{
	return s && inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
}

static bool eligible(const struct dnat_backend *b)
{
	return b->up && b->weight > 0;
}

/* --- dispatch: the rules of VMBAL-T-SERVICES ------------------------ */

/*
 * A connection's first packet walks VMBAL-T-SERVICES until a rule
 * matches, so one rule per service would cost the last of n services n
 * rule checks. Up to DNAT_FLAT_MAX services keep that flat layout, in
 * the order given. Past it the services, sorted by (protocol, VIP,
 * port), are cut into groups of ceil(sqrt(n)) (and where the protocol
 * changes), each a chain VMBAL-T-GRP-<g> holding its services' rules;
 * VMBAL-T-SERVICES holds one rule per group matching a superset of its
 * services: -p P, and -d VIP/32 --dport LO:HI when the group has one
 * VIP, -m iprange --dst-range LO-HI when it has several. A packet then
 * checks at most about 3 sqrt(n) rules. A VIP whose services fall into
 * several groups may enter more than one of them: a group chain that
 * matches nothing returns, and the walk goes on to the next group, so
 * every service is still reached, and only by its own packets.
 */
struct dispatch_entry {
	uint32_t vip;		/* host order, to sort by */
	uint16_t port;
	uint8_t proto;
	size_t chain;		/* the service's VMBAL-T-SVC-<n> */
	size_t seq;		/* order given: keeps the sort stable */
};

struct dispatch {
	struct dispatch_entry *e;
	size_t n, cap;
};

static int dispatch_add(struct dispatch *dp, struct in_addr vip,
    enum svc_protocol p, long port, size_t chain)
{
	if (vec_reserve(&dp->e, &dp->cap, dp->n + 1, sizeof *dp->e) != 0)
		return -1;
	dp->e[dp->n] = (struct dispatch_entry){ ntohl(vip.s_addr),
		(uint16_t)port, (uint8_t)proto_num(p), chain, dp->n };
	dp->n++;
	return 0;
}

static int dispatch_cmp(const void *a, const void *b)
{
	const struct dispatch_entry *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->vip != y->vip)
		return x->vip < y->vip ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void m_dports(struct ebuf *eb, uint8_t proto, uint16_t lo,
    uint16_t hi)
{
	if (proto == IPPROTO_UDP) {
		struct xt_udp u = { .spts = { 0, 0xFFFF }, .dpts = { lo, hi } };
		eb_match(eb, "udp", 0, &u, sizeof u);
	} else {
		struct xt_tcp t = { .spts = { 0, 0xFFFF }, .dpts = { lo, hi } };
		eb_match(eb, "tcp", 0, &t, sizeof t);
	}
}

/* -d VIP/32 -p P --dport PORT -j VMBAL-T-SVC-<n>, in chain. */
static int dispatch_rule(struct dnat_want *w, size_t chain,
    const struct dispatch_entry *x)
{
	struct ebuf eb;

	eb_start(&eb);
	eb_entry(&eb)->ip.dst.s_addr = htonl(x->vip);
	eb_entry(&eb)->ip.dmsk.s_addr = 0xFFFFFFFFu;
	eb_entry(&eb)->ip.proto = x->proto;
	m_dports(&eb, x->proto, x->port, x->port);
	return add_jump(w, chain, &eb, w->chains[x->chain].name);
}

/* The rule of VMBAL-T-SERVICES that sends e[0..n) (sorted, one
 * protocol) to group. */
static int dispatch_group(struct dnat_want *w, size_t services,
    const char *group, const struct dispatch_entry *e, size_t n)
{
	struct ebuf eb;

	eb_start(&eb);
	eb_entry(&eb)->ip.proto = e[0].proto;
	if (e[0].vip == e[n - 1].vip) {
		eb_entry(&eb)->ip.dst.s_addr = htonl(e[0].vip);
		eb_entry(&eb)->ip.dmsk.s_addr = 0xFFFFFFFFu;
		m_dports(&eb, e[0].proto, e[0].port, e[n - 1].port);
	} else {
		struct xt_iprange_mtinfo r;

		memset(&r, 0, sizeof r);
		r.dst_min.ip = htonl(e[0].vip);
		r.dst_max.ip = htonl(e[n - 1].vip);
		r.flags = IPRANGE_DST;
		eb_match(&eb, "iprange", 1, &r, sizeof r);
	}
	return add_jump(w, services, &eb, group);
}

/* Writes the rules of VMBAL-T-SERVICES (and the group chains) for the
 * services in dp, flat or in groups (above). */
static int dispatch_build(struct dnat_want *w, const struct dnat_names *nm,
    size_t services, struct dispatch *dp, struct diag *d)
{
	size_t g = 1, grp;
	char name[96];

	if (dp->n <= DNAT_FLAT_MAX) {
		for (size_t i = 0; i < dp->n; i++)
			if (dispatch_rule(w, services, &dp->e[i]))
				goto oom;
		return 0;
	}
	qsort(dp->e, dp->n, sizeof *dp->e, dispatch_cmp);
	while (g * g < dp->n)
		g++;
	for (size_t i = 0, j = 0, m; i < dp->n; i += m, j++) {
		for (m = 1; m < g && i + m < dp->n &&
		    dp->e[i + m].proto == dp->e[i].proto; m++)
			;

		snprintf(name, sizeof name, "%sGRP-%zu", nm->prefix, j);
		if (want_chain(w, name, &grp, d))
			return -1;
		if (dispatch_group(w, services, name, &dp->e[i], m))
			goto oom;
		for (size_t k = 0; k < m; k++)
			if (dispatch_rule(w, grp, &dp->e[i + k]))
				goto oom;
	}
	return 0;
oom:
	diag_set(d, NULL, 0, 0, "out of memory");
	return -1;
}

/* One service being described: where its rules go. */
struct svc_build {
	struct dnat_want *w;
	const struct dnat_names *nm;
	const struct dnat_service *s;
	size_t i;		/* the service's index: chain names */
	size_t svc;		/* its VMBAL-T-SVC-<i> chain */
	size_t nel;		/* eligible backends */
	struct diag *d;
};

/* eb_finish, with "out of memory" said. */
static int put(struct svc_build *sb, size_t chain, struct ebuf *eb,
    const char *target, const void *data, size_t dlen, bool jump)
{
	if (eb_finish(sb->w, chain, eb, target, data, dlen, jump) == 0)
		return 0;
	diag_set(sb->d, NULL, 0, 0, "out of memory");
	return -1;
}

static int put_jump(struct svc_build *sb, size_t chain, struct ebuf *eb,
    const char *to)
{
	int verdict = 0;

	return put(sb, chain, eb, to, &verdict, sizeof verdict, true);
}

static void sep_name(char *buf, size_t len, const struct svc_build *sb,
    size_t k)
{
	snprintf(buf, len, "%sSEP-%zu-%zu", sb->nm->prefix, sb->i, k);
}

/* Is the service well formed? Counts its eligible backends. */
static int check_service(const struct dnat_service *s, size_t *nel,
    struct diag *d)
{
	struct in_addr a;

	if (parse_ip(s->vip, &a)) {
		diag_set(d, NULL, 0, 0, "service %s: bad VIP \"%s\"",
		    s->name, s->vip ? s->vip : "");
		return -1;
	}
	if (s->port < 1 || s->port > 65535 ||
	    (s->protocol != PROTO_TCP && s->protocol != PROTO_UDP)) {
		diag_set(d, NULL, 0, 0, "service %s: bad port or protocol",
		    s->name);
		return -1;
	}
	*nel = 0;
	for (size_t k = 0; k < s->nbackends; k++) {
		const struct dnat_backend *b = &s->backends[k];

		if (parse_ip(b->address, &a) || b->port < 1 ||
		    b->port > 65535 || b->weight < 0) {
			diag_set(d, NULL, 0, 0,
			    "service %s: bad backend \"%s\" port %ld weight %ld",
			    s->name, b->address ? b->address : "",
			    b->port, b->weight);
			return -1;
		}
		if (eligible(b))
			(*nel)++;
	}
	return 0;
}

/* MASQUERADE towards every backend of a snat service, in *post (made
 * on first use). */
static int build_snat(struct svc_build *sb, size_t *post)
{
	const struct dnat_service *s = sb->s;
	struct ebuf eb;

	if (*post == (size_t)-1 && want_chain(sb->w, sb->nm->post, post, sb->d))
		return -1;
	sb->w->snat = true;
	for (size_t k = 0; k < s->nbackends; k++) {
		struct nf_nat_ipv4_multi_range_compat mr;

		eb_start(&eb);
		parse_ip(s->backends[k].address, &eb_entry(&eb)->ip.dst);
		eb_entry(&eb)->ip.dmsk.s_addr = 0xFFFFFFFFu;
		eb_entry(&eb)->ip.proto = proto_num(s->protocol);
		m_port(&eb, s->protocol, s->backends[k].port);
		memset(&mr, 0, sizeof mr);
		mr.rangesize = 1;
		if (put(sb, *post, &eb, "MASQUERADE", &mr, sizeof mr, false))
			return -1;
	}
	return 0;
}

/* VMBAL-T-SVC-<i>, and its entry in dp for VMBAL-T-SERVICES
 * (dispatch_build writes the rules there). */
static int build_dispatch(struct svc_build *sb, struct dispatch *dp)
{
	char name[96];
	struct in_addr vip;

	snprintf(name, sizeof name, "%sSVC-%zu", sb->nm->prefix, sb->i);
	if (want_chain(sb->w, name, &sb->svc, sb->d))
		return -1;
	parse_ip(sb->s->vip, &vip);
	if (dispatch_add(dp, vip, sb->s->protocol, sb->s->port, sb->svc)) {
		diag_set(sb->d, NULL, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * VMBAL-T-SEP-<i>-<k> of every eligible backend: -p P -j DNAT. DNAT
 * revision 2 (struct nf_nat_range2), the one iptables 1.8 writes, so
 * iptables-save prints it and iptables-restore can read it back;
 * revision 0 with nf_nat_ipv4_multi_range_compat works in the kernel but
 * iptables-save shows "[unsupported revision]".
 */
static int build_seps(struct svc_build *sb)
{
	const struct dnat_service *s = sb->s;
	char to[96];

	for (size_t k = 0; k < s->nbackends; k++) {
		const struct dnat_backend *b = &s->backends[k];
		struct nf_nat_range2 nr;
		struct ebuf eb;
		size_t sep;
		struct ipt_entry *e;

		if (!eligible(b))
			continue;
		sep_name(to, sizeof to, sb, k);
		if (want_chain(sb->w, to, &sep, sb->d))
			return -1;
		memset(&nr, 0, sizeof nr);
		nr.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
		parse_ip(b->address, &nr.min_addr.in);
		nr.max_addr = nr.min_addr;
		nr.min_proto.all = htons((uint16_t)b->port);
		nr.max_proto.all = nr.min_proto.all;
		eb_start(&eb);
		eb_entry(&eb)->ip.proto = proto_num(s->protocol);
		if (put(sb, sep, &eb, "DNAT", &nr, sizeof nr, false))
			return -1;
		e = sb->w->rules[sb->w->nrules - 1].e;
		((struct xt_entry_target *)(void *)((char *)e +
		    e->target_offset))->u.user.revision = 2;
	}
	return 0;
}

/* The pick by statistic: nth (round-robin) or random by weight. */
static int build_pick_stat(struct svc_build *sb)
{
	const struct dnat_service *s = sb->s;
	size_t idx = 0;
	double left = 0;
	char to[96];

	for (size_t k = 0; k < s->nbackends; k++)
		if (eligible(&s->backends[k]))
			left += (double)s->backends[k].weight;
	for (size_t k = 0; k < s->nbackends; k++) {
		const struct dnat_backend *b = &s->backends[k];
		struct ebuf eb;

		if (!eligible(b))
			continue;
		sep_name(to, sizeof to, sb, k);
		eb_start(&eb);
		if (idx + 1 < sb->nel) {
			struct xt_statistic_info st;

			memset(&st, 0, sizeof st);
			if (s->algorithm == ALGO_ROUND_ROBIN) {
				st.mode = XT_STATISTIC_MODE_NTH;
				st.u.nth.every = (uint32_t)(sb->nel - idx - 1);
				st.u.nth.packet = 0;
				st.u.nth.count = st.u.nth.every;
			} else {
				st.mode = XT_STATISTIC_MODE_RANDOM;
				st.u.random.probability = (uint32_t)lround(
				    2147483648.0 * (double)b->weight / left);
			}
			eb_match(&eb, "statistic", 0, &st, sizeof st);
		}
		if (put_jump(sb, sb->svc, &eb, to))
			return -1;
		left -= (double)b->weight;
		idx++;
	}
	return 0;
}

/* One rule of a hashed pick: -m cluster --cluster-local-nodemask mask
 * --cluster-hash-seed seed -j to, or, as the chain's last, -j to alone
 * (the rules before it cover every other node). */
static int hash_rule(struct svc_build *sb, size_t chain, uint32_t mask,
    uint32_t seed, const char *to, bool last)
{
	struct ebuf eb;

	eb_start(&eb);
	if (!last)
		m_cluster(&eb, mask, seed);
	return put_jump(sb, chain, &eb, to);
}

/*
 * Level 2 of group j: VMBAL-T-SH-<i>-<j>, one rule per backend that
 * holds buckets of the group, its nodemask those buckets' level-2
 * numbers.
 */
static int build_group(struct svc_build *sb, const uint32_t *table,
    size_t j, uint32_t seed, const char *name)
{
	const struct dnat_service *s = sb->s;
	uint32_t *mask = calloc(s->nbackends + 1, sizeof *mask);
	size_t chain, k, last = 0;
	char to[96];
	int rc = 0;

	if (mask == NULL) {
		diag_set(sb->d, NULL, 0, 0, "out of memory");
		return -1;
	}
	for (size_t h = 0; h < HASH_NODES; h++)
		mask[table[j * HASH_NODES + h]] |= 1u << h;
	for (k = 0; k < s->nbackends; k++)
		if (mask[k])
			last = k;
	rc = want_chain(sb->w, name, &chain, sb->d);
	for (k = 0; rc == 0 && k < s->nbackends; k++) {
		if (!mask[k])
			continue;
		sep_name(to, sizeof to, sb, k);
		rc = hash_rule(sb, chain, mask[k], seed, to, k == last);
	}
	free(mask);
	return rc;
}

/* The bucket table of the service's backends (buckets.h), keyed by
 * address:port, weighted by the algorithm's weights. */
static int hash_table(const struct svc_build *sb, uint32_t *table)
{
	const struct dnat_service *s = sb->s;
	struct buckets_member *mem = calloc(s->nbackends + 1, sizeof *mem);
	char (*keys)[32] = calloc(s->nbackends + 1, sizeof *keys);

	if (mem == NULL || keys == NULL) {
		free(mem);
		free(keys);
		diag_set(sb->d, NULL, 0, 0, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < s->nbackends; k++) {
		const struct dnat_backend *b = &s->backends[k];
		struct in_addr a;
		char ip[INET_ADDRSTRLEN];

		parse_ip(b->address, &a);
		inet_ntop(AF_INET, &a, ip, sizeof ip);
		snprintf(keys[k], sizeof keys[k], "%s:%ld", ip, b->port);
		mem[k].key = keys[k];
		mem[k].weight = eligible(b) ? (double)b->weight : 0;
	}
	buckets_table(mem, s->nbackends, table, BUCKETS_M);
	free(mem);
	free(keys);
	return 0;
}

/* The level-1 groups whose 32 buckets all go to one backend k, set in
 * direct[k]; returns them all. */
static uint32_t hash_direct(const uint32_t *table, uint32_t *direct)
{
	uint32_t all = 0;

	for (size_t j = 0; j < HASH_NODES; j++) {
		const uint32_t *g = &table[j * HASH_NODES];
		size_t h = 1;

		while (h < HASH_NODES && g[h] == g[0])
			h++;
		if (h == HASH_NODES) {
			direct[g[0]] |= 1u << j;
			all |= 1u << j;
		}
	}
	return all;
}

/*
 * The pick by source hash: bucket = 32 * h1 + h2, where h1 and h2 are
 * xt_cluster's hashes of the connection's original source address with
 * the service's seeds 1 and 2. Level 1 in VMBAL-T-SVC-<i>: a group whose
 * 32 buckets all go to one backend jumps straight to its SEP (all such
 * groups of a backend in one rule); any other group j to its level-2
 * chain VMBAL-T-SH-<i>-<j>.
 */
static int build_pick_hash(struct svc_build *sb)
{
	const struct dnat_service *s = sb->s;
	uint32_t table[BUCKETS_M], seed1, seed2, *direct, uniform;
	size_t j, k, nrules = 0, done = 0;
	char name[96];
	int rc;

	if (hash_table(sb, table))
		return -1;
	direct = calloc(s->nbackends + 1, sizeof *direct);
	if (direct == NULL) {
		diag_set(sb->d, NULL, 0, 0, "out of memory");
		return -1;
	}
	seed1 = buckets_seed(s->name ? s->name : "", 1);
	seed2 = buckets_seed(s->name ? s->name : "", 2);
	uniform = hash_direct(table, direct);
	for (j = 0; j < HASH_NODES; j++)
		nrules += !(uniform & (1u << j));
	for (k = 0; k < s->nbackends; k++)
		nrules += direct[k] != 0;
	rc = 0;
	for (j = 0; rc == 0 && j < HASH_NODES; j++) {
		uint32_t bit = 1u << j;

		if (uniform & bit)
			continue;
		snprintf(name, sizeof name, "%sSH-%zu-%zu", sb->nm->prefix,
		    sb->i, j);
		rc = build_group(sb, table, j, seed2, name);
		if (rc == 0)
			rc = hash_rule(sb, sb->svc, bit, seed1, name,
			    ++done == nrules);
	}
	for (k = 0; rc == 0 && k < s->nbackends; k++) {
		if (!direct[k])
			continue;
		sep_name(name, sizeof name, sb, k);
		rc = hash_rule(sb, sb->svc, direct[k], seed1, name,
		    ++done == nrules);
	}
	free(direct);
	return rc;
}

/* Does the service pick by hash (source-hash, or any persistence)? */
static bool hashed(const struct dnat_service *s)
{
	return s->algorithm == ALGO_SOURCE_HASH || s->persistence_s > 0;
}

/* Every rule of service i: SNAT, dispatch, backends, the pick. */
static int build_service(struct dnat_want *w, const struct dnat_names *nm,
    const struct dnat_service *svcs, size_t i, struct dispatch *dp,
    size_t *post, struct diag *d)
{
	struct svc_build sb = { w, nm, &svcs[i], i, 0, 0, d };

	if (check_service(sb.s, &sb.nel, d))
		return -1;
	if (sb.s->snat && sb.s->nbackends && build_snat(&sb, post))
		return -1;
	if (sb.nel == 0)
		return 0;	/* nothing eligible: no rules */
	if (build_dispatch(&sb, dp) || build_seps(&sb))
		return -1;
	return hashed(sb.s) ? build_pick_hash(&sb) : build_pick_stat(&sb);
}

/* The desired contents of every chain of this configuration. */
static int build(struct dnat_want *w, const struct dnat_names *nm,
    const struct dnat_service *svcs, size_t n, struct diag *d)
{
	struct dispatch dp = { 0 };
	size_t services, post = (size_t)-1;

	memset(w, 0, sizeof *w);
	if (want_chain(w, nm->services, &services, d))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (build_service(w, nm, svcs, i, &dp, &post, d))
			goto fail;
	if (dispatch_build(w, nm, services, &dp, d))
		goto fail;
	free(dp.e);
	return 0;
fail:
	free(dp.e);
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
