/*
 * conntrack.c - connections per backend (see conntrack.h): one dump of
 * the IPv4 table per call, each entry matched against the targets.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "conntrack.h"

struct ct_ctx {
	struct ct_target *t;
	size_t n;
};

static int
ct_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *arg)
{
	struct ct_ctx *c = arg;
	uint32_t addr;
	uint16_t port;
	uint8_t st;
	size_t i;

	(void)type;
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_TCP)
		return NFCT_CB_CONTINUE;
	st = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
	if (st < TCP_CONNTRACK_SYN_SENT || st > TCP_CONNTRACK_LAST_ACK)
		return NFCT_CB_CONTINUE;
	addr = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
	port = nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC);
	for (i = 0; i < c->n; i++)
		if (c->t[i].addr == addr && c->t[i].port == port)
			c->t[i].count++;
	return NFCT_CB_CONTINUE;
}

int
conntrack_count(struct ct_target *t, size_t n, struct diag *d)
{
	struct ct_ctx ctx = { t, n };
	uint32_t family = AF_INET;
	struct nfct_handle *h;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		t[i].count = 0;
	h = nfct_open(CONNTRACK, 0);
	if (h == NULL) {
		diag_set(d, NULL, 0, 0, "conntrack: %s", strerror(errno));
		return -1;
	}
	nfct_callback_register(h, NFCT_T_ALL, ct_entry, &ctx);
	rc = nfct_query(h, NFCT_Q_DUMP, &family);
	if (rc != 0)
		diag_set(d, NULL, 0, 0, "conntrack dump: %s", strerror(errno));
	nfct_close(h);
	return rc == 0 ? 0 : -1;
}
