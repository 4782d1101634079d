/*
 * health.c - backend health checks (see probes/health.h).
 *
 * One thread, one epoll set. Each backend has its next check time; when
 * it comes, a non-blocking socket connects to the backend. TCP: the check
 * passes when the connection is made (latency = time to connect). HTTP:
 * it then sends "GET path HTTP/1.0" and passes on a 2xx or 3xx status
 * line (latency = time to the status line). UDP: a connected datagram
 * socket sends the configured payload (an empty datagram by default); a
 * reply passes (one that starts with expect, when set), an ICMP port
 * unreachable fails at once (the kernel reports it on the connected
 * socket), and silence until timeout_ms passes unless expect is set (as
 * keepalived's UDP_CHECK without require_reply: a syslog or NetFlow
 * collector never answers). DNS: a query for name, type A, built by
 * libresolv's res_mkquery; a response with its id passes when its rcode
 * is NOERROR or NXDOMAIN (the server answered), not SERVFAIL or REFUSED.
 * Any other check that has not passed within timeout_ms fails. fall failures in a row mark an up (or new)
 * backend down; rise passes in a row mark a down (or new) backend up; a
 * new backend becomes up on its first pass. Each change is queued for the
 * controller, which says it as a health event; every passing check's
 * latency is kept for it apart (the last HC_LATS of each backend), which
 * the controller reads at each run and smooths (engine/latency.h).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conntrack.h"
#include "health.h"
#include "../lib/monotime.h"
#include "../engine/vec.h"

enum hb_state { HB_NEW, HB_UP, HB_DOWN };

#define HC_LATS 32		/* passing checks kept per backend till read */

struct hb {			/* one backend of one service */
	size_t svc, be;		/* its indices in the configuration */
	const char *svc_name;	/* its service's (the configuration's), to
				 * know it again after a reload */
	const char *host;	/* its address (the configuration's), for
				 * the HTTP Host header */
	struct sockaddr_in addr;
	const struct health_conf *conf;
	enum hb_state state;
	int streak;		/* passes (>0) or failures (<0) in a row */
	double next;		/* when the next check starts */
	int fd;			/* the check in progress, or -1 */
	double started;
	bool sent;		/* HTTP: request sent */
	char buf[64];
	size_t got;
	unsigned qid;		/* DNS: the query's id */
	double latency_ms;
	long conns;		/* open connections; -1 until counted */
	double lats[HC_LATS];	/* latencies of the passes not read yet,
				 * oldest first (under the mutex) */
	size_t nlats;
};

struct health {
	struct hb *b;
	size_t n;
	int ep;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t mu;
	struct health_change *queue;
	size_t nqueue, capqueue;
	size_t *first;		/* per service: index of its first backend */
	struct ct_target *ct;	/* backends counted in conntrack */
	size_t nct;
	double next_count;
	bool dead;		/* a reload could not start the thread again */
};

/* Once a second: open connections per backend, from one conntrack dump
 * (weights for least-connections; the console shows them for all). */
static void
hc_count(struct health *h, double now)
{
	struct diag d;
	size_t i;

	if (h->nct == 0 || now < h->next_count)
		return;
	h->next_count = now + 1.0;
	if (conntrack_count(h->ct, h->nct, &d) != 0)
		return;
	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->n; i++)
		h->b[i].conns = h->ct[i].count;
	pthread_mutex_unlock(&h->mu);
}

static void
hc_queue(struct health *h, const struct hb *b, const char *error)
{
	struct health_change *c;

	pthread_mutex_lock(&h->mu);
	if (vec_reserve(&h->queue, &h->capqueue, h->nqueue + 1,
	    sizeof *h->queue) != 0) {
		pthread_mutex_unlock(&h->mu);
		return;
	}
	c = &h->queue[h->nqueue++];
	memset(c, 0, sizeof *c);
	c->service = b->svc;
	c->backend = b->be;
	c->up = b->state == HB_UP;
	c->latency_ms = b->state == HB_UP ? b->latency_ms : -1;
	snprintf(c->error, sizeof c->error, "%s", error != NULL ? error : "");
	pthread_mutex_unlock(&h->mu);
}

static void
hc_close(struct health *h, struct hb *b)
{
	if (b->fd >= 0) {
		epoll_ctl(h->ep, EPOLL_CTL_DEL, b->fd, NULL);
		close(b->fd);
		b->fd = -1;
	}
}

/* A check ended: count it and change state when the streak says so. */
static void
hc_result(struct health *h, struct hb *b, bool pass, double now,
    const char *error)
{
	hc_close(h, b);
	if (pass) {
		b->latency_ms = (now - b->started) * 1e3;
		pthread_mutex_lock(&h->mu);
		if (b->nlats == HC_LATS) {	/* unread: drop the oldest */
			memmove(b->lats, b->lats + 1,
			    (HC_LATS - 1) * sizeof *b->lats);
			b->nlats--;
		}
		b->lats[b->nlats++] = b->latency_ms;
		pthread_mutex_unlock(&h->mu);
		b->streak = b->streak > 0 ? b->streak + 1 : 1;
		if (b->state == HB_NEW ||
		    (b->state == HB_DOWN && b->streak >= b->conf->rise)) {
			b->state = HB_UP;
			hc_queue(h, b, NULL);
		}
	} else {
		b->streak = b->streak < 0 ? b->streak - 1 : -1;
		if (b->state != HB_DOWN && -b->streak >= b->conf->fall) {
			b->state = HB_DOWN;
			hc_queue(h, b, error);
		}
	}
	b->next = b->started + (double)b->conf->interval_ms / 1e3;
	if (b->next < now)
		b->next = now;
}

static bool
hc_dgram(const struct hb *b)
{
	return b->conf->type == HEALTH_UDP || b->conf->type == HEALTH_DNS;
}

/* UDP and DNS: the datagram, sent on the connected socket; 0, or -1 with
 * the check failed. */
static int
hc_send_dgram(struct health *h, struct hb *b, double now)
{
	unsigned char q[NS_PACKETSZ];
	const void *msg = "";
	size_t len = 0;
	int n;

	if (b->conf->type == HEALTH_DNS) {
		n = res_mkquery(ns_o_query, b->conf->name, ns_c_in, ns_t_a,
		    NULL, 0, NULL, q, sizeof q);
		if (n < 12) {
			hc_result(h, b, false, now, "cannot build the DNS query");
			return -1;
		}
		b->qid = ((unsigned)q[0] << 8) | q[1];
		msg = q;
		len = (size_t)n;
	} else if (b->conf->send != NULL) {
		msg = b->conf->send;
		len = strlen(b->conf->send);
	}
	if (send(b->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		hc_result(h, b, false, now, errno == ECONNREFUSED ?
		    "port unreachable (ICMP)" : strerror(errno));
		return -1;
	}
	b->sent = true;
	return 0;
}

static void
hc_start(struct health *h, struct hb *b, double now)
{
	struct epoll_event ev;

	b->started = now;
	b->sent = false;
	b->got = 0;
	b->fd = socket(AF_INET, (hc_dgram(b) ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b->fd < 0) {
		hc_result(h, b, false, now, strerror(errno));
		return;
	}
	if (connect(b->fd, (struct sockaddr *)&b->addr, sizeof b->addr) != 0 &&
	    errno != EINPROGRESS) {
		hc_result(h, b, false, now, strerror(errno));
		return;
	}
	if (hc_dgram(b) && hc_send_dgram(h, b, now) != 0)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = hc_dgram(b) ? EPOLLIN : EPOLLOUT | EPOLLIN;
	ev.data.ptr = b;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, b->fd, &ev) != 0)
		hc_result(h, b, false, now, strerror(errno));
}

/* A datagram came back (or the ICMP error that stands for one). */
static void
hc_ready_dgram(struct health *h, struct hb *b, double now)
{
	unsigned char r[NS_MAXMSG < 4096 ? NS_MAXMSG : 4096];
	const char *exp = b->conf->expect;
	ns_msg msg;
	ssize_t n = recv(b->fd, r, sizeof r, 0);
	char why[64];
	int rc;

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		hc_result(h, b, false, now, errno == ECONNREFUSED ?
		    "port unreachable (ICMP)" : strerror(errno));
		return;
	}
	if (b->conf->type == HEALTH_UDP) {
		if (exp == NULL || ((size_t)n >= strlen(exp) &&
		    memcmp(r, exp, strlen(exp)) == 0))
			hc_result(h, b, true, now, NULL);
		else
			hc_result(h, b, false, now, "unexpected reply");
		return;
	}
	if (ns_initparse(r, (int)n, &msg) != 0 || ns_msg_id(msg) != b->qid ||
	    !ns_msg_getflag(msg, ns_f_qr))
		return;		/* not the answer to this query: wait on */
	rc = ns_msg_getflag(msg, ns_f_rcode);
	if (rc == ns_r_noerror || rc == ns_r_nxdomain) {
		hc_result(h, b, true, now, NULL);
		return;
	}
	snprintf(why, sizeof why, "DNS rcode %d%s", rc, rc == ns_r_servfail ?
	    " (SERVFAIL)" : rc == ns_r_refused ? " (REFUSED)" : "");
	hc_result(h, b, false, now, why);
}

static void
hc_ready(struct health *h, struct hb *b, unsigned events, double now)
{
	int err = 0;
	socklen_t len = sizeof err;
	ssize_t n;

	if (hc_dgram(b)) {
		hc_ready_dgram(h, b, now);
		return;
	}
	if (!b->sent) {
		if (getsockopt(b->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			hc_result(h, b, false, now, strerror(err ? err : errno));
			return;
		}
		if (b->conf->type == HEALTH_TCP) {
			hc_result(h, b, true, now, NULL);
			return;
		}
		{
			char *req;
			int m = asprintf(&req,
			    "GET %s HTTP/1.0\r\nHost: %s:%u\r\nUser-Agent: vmbal\r\n"
			    "Connection: close\r\n\r\n", b->conf->path, b->host,
			    (unsigned)ntohs(b->addr.sin_port));

			if (m < 0)
				req = NULL;
			if (m < 0 || send(b->fd, req, (size_t)m, MSG_NOSIGNAL) != m) {
				free(req);
				hc_result(h, b, false, now, "cannot send request");
				return;
			}
			free(req);
		}
		b->sent = true;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = b };
		epoll_ctl(h->ep, EPOLL_CTL_MOD, b->fd, &ev);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(b->fd, b->buf + b->got, sizeof b->buf - 1 - b->got, 0);
	if (n > 0)
		b->got += (size_t)n;
	b->buf[b->got] = '\0';
	if (b->got >= 12 || n <= 0) {
		/* "HTTP/1.x NNN" */
		int code = 0;

		if (b->got >= 12 && strncmp(b->buf, "HTTP/", 5) == 0)
			code = atoi(b->buf + 9);
		if (code >= 200 && code < 400)
			hc_result(h, b, true, now, NULL);
		else {
			char why[64];

			snprintf(why, sizeof why, code ? "HTTP status %d" :
			    "no HTTP answer", code);
			hc_result(h, b, false, now, why);
		}
	}
}

static void *
hc_main(void *arg)
{
	struct health *h = arg;
	struct epoll_event evs[64];
	double now, wake;
	size_t i;
	int n, k, ms;

	while (!atomic_load(&h->stop)) {
		now = monotime_now();
		wake = now + 0.1;	/* see the stop flag often enough */
		for (i = 0; i < h->n; i++) {
			struct hb *b = &h->b[i];

			if (b->fd >= 0 && now - b->started >=
			    (double)b->conf->timeout_ms / 1e3)
				/* a UDP backend may never answer: without
				 * expect, silence (no ICMP error) passes */
				hc_result(h, b, b->conf->type == HEALTH_UDP &&
				    b->conf->expect == NULL, now, "timed out");
			if (b->fd < 0 && now >= b->next)
				hc_start(h, b, now);
			if (b->fd >= 0) {
				double t = b->started +
				    (double)b->conf->timeout_ms / 1e3;

				wake = t < wake ? t : wake;
			} else
				wake = b->next < wake ? b->next : wake;
		}
		hc_count(h, now);
		ms = (int)((wake - monotime_now()) * 1e3) + 1;
		n = epoll_wait(h->ep, evs, 64, ms < 0 ? 0 : ms);
		now = monotime_now();
		for (k = 0; k < n; k++)
			hc_ready(h, evs[k].data.ptr, evs[k].events, now);
	}
	return NULL;
}

static size_t
hc_poll(void *impl, struct health_change *out, size_t max)
{
	struct health *h = impl;
	size_t n;

	pthread_mutex_lock(&h->mu);
	n = h->nqueue < max ? h->nqueue : max;
	if (n > 0) {
		memcpy(out, h->queue, n * sizeof *out);
		memmove(h->queue, h->queue + n,
		    (h->nqueue - n) * sizeof *h->queue);
		h->nqueue -= n;
	}
	pthread_mutex_unlock(&h->mu);
	return n;
}

static long
hc_connections(void *impl, size_t s, size_t b)
{
	struct health *h = impl;
	long c;

	pthread_mutex_lock(&h->mu);
	c = h->b[h->first[s] + b].conns;
	pthread_mutex_unlock(&h->mu);
	return c;
}

static size_t
hc_latencies(void *impl, size_t s, size_t b, double *out, size_t max)
{
	struct health *h = impl;
	struct hb *hb = &h->b[h->first[s] + b];
	size_t n, skip;

	pthread_mutex_lock(&h->mu);
	n = hb->nlats < max ? hb->nlats : max;
	skip = hb->nlats - n;	/* more than asked: the newest */
	memcpy(out, hb->lats + skip, n * sizeof *out);
	hb->nlats = 0;
	pthread_mutex_unlock(&h->mu);
	return n;
}

static void
hc_free(void *impl)
{
	struct health *h = impl;
	size_t i;

	if (h == NULL)
		return;
	atomic_store(&h->stop, true);
	if (!h->dead)
		pthread_join(h->thread, NULL);
	for (i = 0; i < h->n; i++)
		if (h->b[i].fd >= 0)
			close(h->b[i].fd);
	close(h->ep);
	pthread_mutex_destroy(&h->mu);
	free(h->queue);
	free(h->first);
	free(h->ct);
	free(h->b);
	free(h);
}

/* Backend j of service i of cfg, as a new one. */
static void
hc_fill(struct health *h, struct hb *b, const struct config *cfg, size_t i,
    size_t j, double now)
{
	const struct service_conf *s = &cfg->services[i];
	const struct backend_conf *bc = &s->backends[j];

	memset(b, 0, sizeof *b);
	b->svc = i;
	b->be = j;
	b->svc_name = s->name;
	b->host = bc->address;
	b->addr.sin_family = AF_INET;
	b->addr.sin_port = htons((uint16_t)bc->port);
	inet_pton(AF_INET, bc->address, &b->addr.sin_addr);
	b->conf = &s->health;
	b->fd = -1;
	b->next = now;
	b->conns = -1;
	h->ct[h->nct].addr = b->addr.sin_addr.s_addr;
	h->ct[h->nct++].port = b->addr.sin_port;
}

static size_t
hc_count_backends(const struct config *cfg)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->nservices; i++)
		n += cfg->services[i].nbackends;
	return n;
}

/* The old backend that is new's (same service name and address:port),
 * or NULL. */
static struct hb *
hc_find(struct hb *old, size_t nold, const struct hb *b)
{
	size_t i;

	for (i = 0; i < nold; i++)
		if (strcmp(old[i].svc_name, b->svc_name) == 0 &&
		    old[i].addr.sin_addr.s_addr == b->addr.sin_addr.s_addr &&
		    old[i].addr.sin_port == b->addr.sin_port)
			return &old[i];
	return NULL;
}

/*
 * A reloaded configuration: the thread is stopped (it wakes every 0.1 s
 * at most), the backends rebuilt from next with the state of those that
 * remain, the checks in progress dropped (started again at once), the
 * queue renumbered, and the thread started again.
 */
static int
hc_reload(void *impl, const struct config *next, struct diag *d)
{
	struct health *h = impl;
	size_t n = hc_count_backends(next), nold = h->n, i, j, k, q;
	struct hb *nb, *old = h->b, *o;
	size_t *nfirst, *map;
	struct ct_target *nct, *oldct = h->ct;
	double now = monotime_now();

	nb = calloc(n + 1, sizeof *nb);
	nfirst = calloc(next->nservices + 1, sizeof *nfirst);
	nct = calloc(n + 1, sizeof *nct);
	map = calloc(nold + 1, sizeof *map);
	if (nb == NULL || nfirst == NULL || nct == NULL || map == NULL) {
		free(nb);
		free(nfirst);
		free(nct);
		free(map);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	atomic_store(&h->stop, true);
	pthread_join(h->thread, NULL);
	for (i = 0; i < nold; i++) {
		hc_close(h, &old[i]);
		map[i] = SIZE_MAX;
	}
	h->ct = nct;
	h->nct = 0;
	for (i = 0, k = 0; i < next->nservices; i++)
		for (j = 0, nfirst[i] = k; j < next->services[i].nbackends;
		    j++, k++) {
			hc_fill(h, &nb[k], next, i, j, now);
			if ((o = hc_find(old, nold, &nb[k])) == NULL)
				continue;
			nb[k].state = o->state;
			nb[k].streak = o->streak;
			nb[k].latency_ms = o->latency_ms;
			nb[k].conns = o->conns;
			memcpy(nb[k].lats, o->lats, sizeof o->lats);
			nb[k].nlats = o->nlats;
			map[o - old] = k;
		}
	pthread_mutex_lock(&h->mu);
	for (i = 0, q = 0; i < h->nqueue; i++) {
		struct health_change *c = &h->queue[i];
		size_t at = h->first[c->service] + c->backend;

		if (at >= nold || map[at] == SIZE_MAX)
			continue;	/* a backend that went */
		c->service = nb[map[at]].svc;
		c->backend = nb[map[at]].be;
		h->queue[q++] = *c;
	}
	h->nqueue = q;
	free(h->first);
	h->first = nfirst;
	h->b = nb;
	h->n = n;
	pthread_mutex_unlock(&h->mu);
	free(old);
	free(oldct);
	free(map);
	atomic_store(&h->stop, false);
	if (pthread_create(&h->thread, NULL, hc_main, h) != 0) {
		atomic_store(&h->stop, true);
		h->dead = true;
		diag_set(d, NULL, 0, 0, "cannot start the health checker again");
		return -1;
	}
	return 0;
}

static const struct health_ops hc_ops = {
	.poll = hc_poll,
	.connections = hc_connections,
	.latencies = hc_latencies,
	.free = hc_free,
	.reload = hc_reload,
};

int
health_init(struct health_source *src, const struct config *cfg,
    struct diag *d)
{
	struct health *h = calloc(1, sizeof *h);
	size_t i, j, n = hc_count_backends(cfg);
	double now = monotime_now();

	if (h == NULL || (h->b = calloc(n + 1, sizeof *h->b)) == NULL ||
	    (h->first = calloc(cfg->nservices + 1, sizeof *h->first)) == NULL ||
	    (h->ct = calloc(n + 1, sizeof *h->ct)) == NULL) {
		if (h != NULL) {
			free(h->b);
			free(h->first);
		}
		free(h);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < cfg->nservices; i++)
		for (j = 0, h->first[i] = h->n; j < cfg->services[i].nbackends;
		    j++)
			hc_fill(h, &h->b[h->n++], cfg, i, j, now);
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	atomic_init(&h->stop, false);
	pthread_mutex_init(&h->mu, NULL);
	if (h->ep < 0 || pthread_create(&h->thread, NULL, hc_main, h) != 0) {
		if (h->ep >= 0)
			close(h->ep);
		pthread_mutex_destroy(&h->mu);
		free(h->first);
		free(h->ct);
		free(h->b);
		free(h);
		diag_set(d, NULL, 0, 0, "cannot start the health checker");
		return -1;
	}
	src->ops = &hc_ops;
	src->impl = h;
	return 0;
}
