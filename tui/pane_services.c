/*
 * pane_services.c - the Services pane: per service its VIP:port and
 * algorithm, then per backend its state, weight (as programmed, or as it
 * would be when observing), open connections and health-check latency
 * (the mean of the last `window` passing checks, refreshed every check).
 * Its key: d drains the selected backend, or restores it.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "../engine/weights.h"
#include "tui.h"

static size_t
services_rows(struct tui *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->cfg->nservices; i++)
		n += 1 + t->cfg->services[i].nbackends;
	return n > 0 ? n : 1;
}

bool
tui_services_backend(const struct tui *t, size_t row, size_t *svc,
    size_t *backend)
{
	size_t i;

	for (i = 0; i < t->cfg->nservices; i++) {
		size_t nb = t->cfg->services[i].nbackends;

		if (row == 0)
			return false;	/* the service's own line */
		if (row <= nb) {
			*svc = i;
			*backend = row - 1;
			return true;
		}
		row -= 1 + nb;
	}
	return false;
}

static void
services_backend(struct tui *t, int y, struct tui_rect r, size_t row,
    size_t i, size_t j, const struct dnat_service *w)
{
	const struct service_conf *s = &t->cfg->services[i];
	const struct backend_conf *b = &s->backends[j];
	const struct backend_view *v = controller_backend(t->ctl, i, j);
	const char *state = "unknown";
	char buf[400], addr[80], lat[32], conns[32];
	long weight = w != NULL && j < w->nbackends ? w->backends[j].weight : 0;
	int role = THEME_NORMAL;

	if (v != NULL && v->drained) {
		state = "drained";
		role = THEME_WARN;
	} else if (v != NULL && v->vm_migrating && s->drain_on_migrate) {
		state = "draining";
		role = THEME_WARN;
	} else if (v != NULL && v->health == BH_DOWN) {
		state = "down";
		role = THEME_BAD;
	} else if (v != NULL && (v->health == BH_UP ||
	    t->run->health == NULL)) {
		state = "up";
		role = THEME_GOOD;
	}
	if (w != NULL && j < w->nbackends && !w->backends[j].up)
		weight = 0;
	snprintf(addr, sizeof addr, "%s:%ld", b->address, b->port);
	if (v != NULL && v->smooth_ms >= 0)
		snprintf(lat, sizeof lat, v->smooth_ms < 10 ? "%.2f ms" :
		    "%.1f ms", v->smooth_ms);
	else
		snprintf(lat, sizeof lat, "-");
	if (v != NULL && v->conns >= 0)
		snprintf(conns, sizeof conns, "%ld", v->conns);
	else
		snprintf(conns, sizeof conns, "-");
	tui_row_attr(t, PANE_SERVICES, row, THEME_NORMAL);
	snprintf(buf, sizeof buf, "  %-21.21s %-10.10s ", addr,
	    b->vm != NULL ? b->vm : "");
	tui_put(y, r.x, r.w, buf);
	tui_row_attr(t, PANE_SERVICES, row, role);
	snprintf(buf, sizeof buf, "%-9s", state);
	tui_put(y, r.x + 35, r.w - 35, buf);
	tui_row_attr(t, PANE_SERVICES, row, THEME_NORMAL);
	snprintf(buf, sizeof buf, " weight %-5ld conns %-6s latency %s",
	    weight, conns, lat);
	tui_put(y, r.x + 44, r.w - 44, buf);
}

static void
services_draw(struct tui *t, struct tui_rect r)
{
	size_t n = t->cfg->nservices, i, j, row = 0;
	struct dnat_service *w;
	char buf[400];
	int y;

	if (n == 0) {
		attrset((attr_t)t->attr[THEME_DIM]);
		tui_put(r.y, r.x, r.w, "no service configured");
		attrset((attr_t)t->attr[THEME_NORMAL]);
		return;
	}
	w = calloc(n, sizeof *w);
	if (w != NULL && controller_weights(t->ctl, w) != 0) {
		free(w);
		w = NULL;
	}
	tui_scroll(t, PANE_SERVICES, services_rows(t), r.h);
	for (i = 0; i < n; i++) {
		const struct service_conf *s = &t->cfg->services[i];

		for (j = 0; j <= s->nbackends; j++, row++) {
			if (row < t->top[PANE_SERVICES])
				continue;
			y = r.y + (int)(row - t->top[PANE_SERVICES]);
			if (y >= r.y + r.h)
				break;
			if (j > 0) {
				services_backend(t, y, r, row, i, j - 1,
				    w != NULL ? &w[i] : NULL);
				continue;
			}
			tui_row_attr(t, PANE_SERVICES, row, THEME_TITLE);
			snprintf(buf, sizeof buf, "%s  %s:%ld/%s  %s%s%s", s->name,
			    s->vip, s->port, s->protocol == PROTO_UDP ? "udp" :
			    "tcp", svc_algorithm_name(s->algorithm),
			    s->persistence_s > 0 ? "  sticky" : "",
			    s->drain_on_migrate ? "  drain-on-migrate" : "");
			tui_put(y, r.x, r.w, buf);
		}
	}
	if (w != NULL)
		weights_free(w, n);
	free(w);
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

static void
services_key_drain(struct tui *t)
{
	const struct backend_view *v;
	const struct service_conf *sc;
	struct tui_cmd *c;
	char addr[300];
	size_t s, b;

	if (tui_readonly(t, "drain a backend"))
		return;
	if (t->focus != PANE_SERVICES ||
	    !tui_services_backend(t, t->sel[PANE_SERVICES], &s, &b)) {
		tui_message(t, true, "select a backend in the Services pane first (Tab to it)");
		return;
	}
	v = controller_backend(t->ctl, s, b);
	sc = &t->cfg->services[s];
	snprintf(addr, sizeof addr, "%s:%ld", sc->backends[b].address,
	    sc->backends[b].port);
	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_DRAIN);
	if (c != NULL) {
		tui_cmd_own(c, &c->service, sc->name);
		tui_cmd_own(c, &c->backend, addr);
		c->cmd.on = !v->drained;
	}
	tui_dialog_line(t, "%s %s of service %s (%s:%ld)",
	    v->drained ? "Restore" : "Drain", addr, sc->name, sc->vip,
	    sc->port);
	tui_dialog_line(t, v->drained ? "It takes new connections again." :
	    "It takes no new connections; open ones finish.");
	tui_cmd_ask(t, c, v->drained ? "Restore this backend?" : NULL);
}

static const struct tui_binding services_keys[] = {
	{ 'd', services_key_drain, TUI_CMD(CMD_DRAIN), NULL, NULL },
};

const struct tui_pane tui_pane_services = {
	.title = "Services",
	.rows = services_rows,
	.draw = services_draw,
	.keys = services_keys,
	.nkeys = sizeof services_keys / sizeof services_keys[0],
};
