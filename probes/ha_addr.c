/*
 * ha_addr.c - the role source of a director pair (see ha_addr.h).
 *
 * One netlink socket joins the kernel's address groups: any RTM_NEWADDR
 * or RTM_DELADDR wakes the thread, which then reads the whole address
 * list again on a second socket (a dump; a machine has few addresses) and
 * publishes whether the address is there. Reading the list again rather
 * than following each message keeps it right when the kernel drops
 * messages on a full socket: the ENOBUFS error wakes it as a message
 * does, and the next read is the truth. Nothing is read while nothing
 * changes, except after a read that failed, retried every second. An IPv6 address still doing duplicate
 * address detection (tentative) or that failed it is not held.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "ha_addr.h"

struct ha_addr {
	int family;
	unsigned char addr[16];
	size_t alen;
	struct mnl_socket *mon;		/* the address groups */
	int stop[2];			/* a pipe: written to stop */
	pthread_t thread;
	bool started;
	atomic_bool held;
	unsigned int seq;
};

struct ha_match {
	const struct ha_addr *w;
	bool found;
};

static int
ha_addr_attr(const struct nlattr *a, void *data)
{
	const void **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

/* One address of the dump: is it ours, and usable? */
static int
ha_addr_one(const struct nlmsghdr *nlh, void *data)
{
	struct ha_match *m = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	unsigned int flags = ifa->ifa_flags;
	int k;

	if (ifa->ifa_family != m->w->family)
		return MNL_CB_OK;
	memset(tb, 0, sizeof tb);
	mnl_attr_parse(nlh, sizeof *ifa, ha_addr_attr, tb);
	if (tb[IFA_FLAGS] != NULL)
		flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	if (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return MNL_CB_OK;
	/* IFA_LOCAL is the address itself on point-to-point links; IFA_ADDRESS
	 * is it everywhere else (and the peer's there) */
	for (k = 0; k < 2; k++) {
		const struct nlattr *a = tb[k == 0 ? IFA_LOCAL : IFA_ADDRESS];

		if (a != NULL && mnl_attr_get_payload_len(a) == m->w->alen &&
		    memcmp(mnl_attr_get_payload(a), m->w->addr, m->w->alen) == 0)
			m->found = true;
	}
	return MNL_CB_OK;
}

/* Reads the address list: 1 held, 0 not, -1 (errno) when it cannot. */
static int
ha_addr_read(struct ha_addr *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;
	struct ha_match m = { .w = w, .found = false };
	unsigned int port, seq = ++w->seq;
	ssize_t n;
	int rc = MNL_CB_OK, err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	port = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof *rt);
	rt->rtgen_family = (unsigned char)w->family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	while (rc > MNL_CB_STOP) {
		n = mnl_socket_recvfrom(nl, buf, sizeof buf);
		if (n < 0)
			goto fail;
		rc = mnl_cb_run(buf, (size_t)n, seq, port, ha_addr_one, &m);
		if (rc < 0)
			goto fail;
	}
	mnl_socket_close(nl);
	return m.found ? 1 : 0;
fail:
	err = errno;
	mnl_socket_close(nl);
	errno = err;
	return -1;
}

/* Waits for a change (or ENOBUFS: changes were lost) or the stop pipe;
 * with retry, for a second at most. true to go on. */
static bool
ha_addr_wait(struct ha_addr *w, bool retry)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct pollfd p[2] = {
		{ .fd = mnl_socket_get_fd(w->mon), .events = POLLIN },
		{ .fd = w->stop[0], .events = POLLIN },
	};

	if (poll(p, 2, retry ? 1000 : -1) < 0 && errno != EINTR)
		return true;
	if (p[1].revents != 0)
		return false;
	/* what the messages say is not used: the list is read again */
	while (p[0].revents != 0 &&
	    recv(p[0].fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
	return true;
}

static void *
ha_addr_main(void *arg)
{
	struct ha_addr *w = arg;
	int r = 0;

	/* on an error the last answer stands until a read works */
	while (ha_addr_wait(w, r < 0)) {
		r = ha_addr_read(w);
		if (r >= 0)
			atomic_store(&w->held, r == 1);
	}
	return NULL;
}

static bool
ha_addr_held(void *impl)
{
	struct ha_addr *w = impl;

	return atomic_load(&w->held);
}

static void
ha_addr_free(void *impl)
{
	struct ha_addr *w = impl;

	if (w == NULL)
		return;
	if (w->started) {
		(void)!write(w->stop[1], "x", 1);
		pthread_join(w->thread, NULL);
	}
	if (w->mon != NULL)
		mnl_socket_close(w->mon);
	if (w->stop[0] >= 0)
		close(w->stop[0]);
	if (w->stop[1] >= 0)
		close(w->stop[1]);
	free(w);
}

static const struct role_ops ha_addr_ops = {
	.name = "ha-address",
	.held = ha_addr_held,
	.free = ha_addr_free,
};

int
ha_addr_init(struct role *r, const char *address, struct diag *d)
{
	struct ha_addr *w = calloc(1, sizeof *w);
	unsigned int groups;
	int rc;

	if (w == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	w->stop[0] = w->stop[1] = -1;
	if (inet_pton(AF_INET, address, w->addr) == 1) {
		w->family = AF_INET;
		w->alen = 4;
		groups = RTMGRP_IPV4_IFADDR;
	} else if (inet_pton(AF_INET6, address, w->addr) == 1) {
		w->family = AF_INET6;
		w->alen = 16;
		groups = RTMGRP_IPV6_IFADDR;
	} else {
		free(w);
		diag_set(d, NULL, 0, 0, "ha.address: %s is not an IP address",
		    address);
		return -1;
	}
	w->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (w->mon == NULL || mnl_socket_bind(w->mon, groups,
	    MNL_SOCKET_AUTOPID) < 0 || pipe(w->stop) != 0)
		goto fail;
	rc = ha_addr_read(w);
	if (rc < 0)
		goto fail;
	atomic_init(&w->held, rc == 1);
	if (pthread_create(&w->thread, NULL, ha_addr_main, w) != 0)
		goto fail;
	w->started = true;
	r->ops = &ha_addr_ops;
	r->impl = w;
	return 0;
fail:
	rc = errno;
	ha_addr_free(w);
	diag_set(d, NULL, 0, 0, "ha: cannot watch this machine's addresses "
	    "over rtnetlink: %s", strerror(rc));
	return -1;
}
