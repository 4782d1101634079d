/*
 * ct_forget.c - deletes the conntrack entries of backends that should get
 * no traffic (see ct_forget.h): one dump collects the matching entries,
 * then each is destroyed on a second handle (a handle cannot be queried
 * from inside its own dump callback).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "ct_forget.h"
#include "../engine/vec.h"

struct ct_doomed {
	struct nf_conntrack *ct;
	size_t target;
	bool udp;
};

struct ct_scan {
	struct ct_forget_target *t;
	size_t n;
	struct ct_doomed *v;
	size_t nv, capv;
	bool nomem;
};

/* Which target's entry this is, and whether it asks for its deletion. */
static bool
ct_forget_wanted(const struct ct_scan *s, const struct nf_conntrack *ct,
    size_t *target, bool *udp)
{
	uint8_t proto = nfct_get_attr_u8(ct, ATTR_L4PROTO);
	uint32_t addr;
	uint16_t port;
	size_t i;

	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return false;
	if (proto == IPPROTO_TCP) {
		uint8_t st = nfct_get_attr_u8(ct, ATTR_TCP_STATE);

		if (st != TCP_CONNTRACK_TIME_WAIT && st != TCP_CONNTRACK_CLOSE)
			return false;
	}
	addr = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
	port = nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC);
	for (i = 0; i < s->n; i++) {
		const struct ct_forget_target *t = &s->t[i];

		if (t->addr != addr || t->port != port)
			continue;
		if (proto == IPPROTO_UDP ? !t->udp : !t->tcp_closed)
			return false;
		*target = i;
		*udp = proto == IPPROTO_UDP;
		return true;
	}
	return false;
}

static int
ct_forget_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
    void *arg)
{
	struct ct_scan *s = arg;
	struct ct_doomed *dm;
	size_t target;
	bool udp;

	(void)type;
	if (!ct_forget_wanted(s, ct, &target, &udp))
		return NFCT_CB_CONTINUE;
	if (vec_reserve(&s->v, &s->capv, s->nv + 1, sizeof *s->v) != 0) {
		s->nomem = true;
		return NFCT_CB_STOP;
	}
	dm = &s->v[s->nv];
	if ((dm->ct = nfct_clone(ct)) == NULL) {
		s->nomem = true;
		return NFCT_CB_STOP;
	}
	dm->target = target;
	dm->udp = udp;
	s->nv++;
	return NFCT_CB_CONTINUE;
}

/* Collects what is to go; 0, or -1 and d. */
static int
ct_forget_scan(struct ct_scan *s, struct diag *d)
{
	uint32_t family = AF_INET;
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	int rc;

	if (h == NULL) {
		diag_set(d, NULL, 0, 0, "conntrack: %s", strerror(errno));
		return -1;
	}
	nfct_callback_register(h, NFCT_T_ALL, ct_forget_entry, s);
	rc = nfct_query(h, NFCT_Q_DUMP, &family);
	if (rc != 0)
		diag_set(d, NULL, 0, 0, "conntrack dump: %s", strerror(errno));
	else if (s->nomem) {
		diag_set(d, NULL, 0, 0, "conntrack: out of memory");
		rc = -1;
	}
	nfct_close(h);
	return rc == 0 ? 0 : -1;
}

/* Destroys what the scan collected; 0, or -1 and d. */
static int
ct_forget_destroy(struct ct_scan *s, struct diag *d)
{
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	size_t i;

	if (h == NULL) {
		diag_set(d, NULL, 0, 0, "conntrack: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < s->nv; i++) {
		struct ct_forget_target *t = &s->t[s->v[i].target];

		if (nfct_query(h, NFCT_Q_DESTROY, s->v[i].ct) != 0) {
			if (errno == ENOENT)
				continue;	/* it ended meanwhile */
			diag_set(d, NULL, 0, 0, "conntrack delete: %s",
			    strerror(errno));
			nfct_close(h);
			return -1;
		}
		if (s->v[i].udp)
			t->udp_deleted++;
		else
			t->tcp_deleted++;
	}
	nfct_close(h);
	return 0;
}

int
ct_forget(struct ct_forget_target *t, size_t n, struct diag *d)
{
	struct ct_scan s = { .t = t, .n = n };
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		t[i].udp_deleted = t[i].tcp_deleted = 0;
	if (n == 0)
		return 0;
	rc = ct_forget_scan(&s, d);
	if (rc == 0)
		rc = ct_forget_destroy(&s, d);
	for (i = 0; i < s.nv; i++)
		nfct_destroy(s.v[i].ct);
	free(s.v);
	return rc;
}
