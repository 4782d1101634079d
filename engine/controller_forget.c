/*
 * controller_forget.c - the connection tracking half of taking a backend
 * out of rotation. The rules decide only where a connection's first packet
 * goes; the kernel keeps sending the rest of a flow where it sent the
 * first. So, at most every FORGET_EVERY_S while a backend gets no new
 * connections, the DNAT programmer is asked to delete:
 *   - its finished TCP entries (TIME_WAIT, CLOSE), which the kernel would
 *     reopen with the old mapping when a client reuses its port: a new
 *     connection at a drained or migrating backend;
 *   - its UDP flows when it is down, or when it is out of rotation for
 *     another reason (drained, migrating, weight 0): at once in a UDP
 *     service, once it has no TCP connection left in a TCP one. A UDP
 *     flow has no end of its own: a client that keeps sending would
 *     keep reaching it.
 * A change of the rules (or an operator's drain) makes the next run
 * forget at once, without waiting for the second to pass.
 * Established TCP connections are left to finish; a backend not checked
 * yet is left alone. Each deletion is said
 * in a dnat event with what went (`flushed`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_priv.h"
#include "weights.h"

#define FORGET_EVERY_S 1.0

/* Fills f with the backends of service i to forget; how many. */
static size_t
controller_forget_targets(const struct controller *c, size_t i,
    const struct dnat_service *d, struct dnat_forget *f)
{
	bool checked = c->opts.health != NULL,
	    udp_svc = c->cfg->services[i].protocol == PROTO_UDP;
	size_t j, n = 0;

	for (j = 0; j < d->nbackends; j++) {
		const struct backend_view *v = &c->views[i][j];
		bool down = v->health == BH_DOWN,
		    alive = v->health == BH_UP ||
		    (!checked && v->health == BH_UNKNOWN);

		/* in rotation, or not checked yet (not known to be out) */
		if ((d->backends[j].weight > 0 && !down) || (!down && !alive))
			continue;
		memset(&f[n], 0, sizeof f[n]);
		f[n].address = d->backends[j].address;
		f[n].port = d->backends[j].port;
		f[n].tcp_closed = true;
		/* out of rotation but alive: its UDP flows go at once in a
		 * UDP service, else once its TCP connections are done */
		f[n].udp = down || udp_svc || v->conns == 0;
		n++;
	}
	return n;
}

static void
controller_forget_said(struct controller *c, double now,
    const struct dnat_service *d, const struct dnat_forget *f, size_t n)
{
	long udp = 0, tcp = 0;
	char msg[160];
	struct event ev;
	size_t j;

	for (j = 0; j < n; j++) {
		udp += f[j].udp_deleted;
		tcp += f[j].tcp_deleted;
	}
	if (udp == 0 && tcp == 0)
		return;
	snprintf(msg, sizeof msg, "forgot %ld UDP flow%s and %ld finished TCP "
	    "connection%s of backends out of rotation", udp, udp == 1 ? "" :
	    "s", tcp, tcp == 1 ? "" : "s");
	memset(&ev, 0, sizeof ev);
	ev.type = EV_DNAT;
	ev.ts = now;
	ev.u.dnat.svc = d;
	ev.u.dnat.applied = true;
	ev.u.dnat.message = msg;
	ev.u.dnat.forgot = f;
	ev.u.dnat.nforgot = n;
	controller_emit(c, &ev);
}

void
controller_forget(struct controller *c, double now)
{
	size_t n = c->cfg->nservices, i, k, most = 0;
	struct dnat_service *svcs;
	struct dnat_forget *f;
	struct diag d;

	if (c->opts.dnat == NULL || c->opts.dnat->ops->forget == NULL ||
	    n == 0 || c->opts.dry_run || c->policy.mode == MODE_OBSERVE ||
	    now + 1e-9 < c->forget_next || controller_dnat_wait(c, now))
		return;		/* (starting: the rules in force stay a moment,
				 * and so does what the kernel tracks) */
	c->forget_next = now + FORGET_EVERY_S;
	for (i = 0; i < n; i++)
		if (c->cfg->services[i].nbackends > most)
			most = c->cfg->services[i].nbackends;
	svcs = calloc(n + 1, sizeof *svcs);
	f = calloc(most + 1, sizeof *f);
	if (svcs == NULL || f == NULL || controller_weights(c, svcs) != 0) {
		free(svcs);
		free(f);
		return;		/* out of memory: the next run tries again */
	}
	for (i = 0; i < n; i++) {
		if ((k = controller_forget_targets(c, i, &svcs[i], f)) == 0)
			continue;
		diag_clear(&d);
		if (c->opts.dnat->ops->forget(c->opts.dnat->impl, f, k,
		    &d) != 0) {
			if (!c->forget_failed)
				controller_error(c, now, d.msg);
			c->forget_failed = true;
		} else
			c->forget_failed = false;
		controller_forget_said(c, now, &svcs[i], f, k);
	}
	weights_free(svcs, n);
	free(svcs);
	free(f);
}
