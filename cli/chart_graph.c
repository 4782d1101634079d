/*
 * chart_graph.c - a chart's rrd_graph_v arguments built and drawn (see
 * chart_graph.h). Paths and labels have their ':' escaped as librrd's
 * argument syntax wants.
 */
#include <limits.h>
#include <rrd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../actions/history_marks.h"
#include "chart_graph.h"

struct chart_args {
	char **v;
	size_t n, cap;
	bool nomem;
};

static void
chart_arg(struct chart_args *a, const char *fmt, ...)
{
	va_list ap;
	char *s, **grown;

	if (a->nomem)
		return;
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap == 0 ? 64 : a->cap * 2;
		grown = realloc(a->v, a->cap * sizeof *a->v);
		if (grown == NULL) {
			a->nomem = true;
			return;
		}
		a->v = grown;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		a->nomem = true;
		s = NULL;
	}
	va_end(ap);
	if (s != NULL) {
		a->v[a->n++] = s;
		a->v[a->n] = NULL;
	}
}

static void
chart_args_free(struct chart_args *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* s with ':' escaped ("\:"), into out. */
static const char *
chart_esc(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *s != '\0' && n + 3 < outlen; s++) {
		if (*s == ':' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
	return out;
}

/* The escaped path of an entity's file; -1 when it is not there. */
static int
chart_file(const struct chart_req *q, enum history_kind k, const char *name,
    char *out, size_t outlen, char *raw, size_t rawlen)
{
	char fn[HISTORY_NAME_MAX + 1];

	if (history_file_name(k, name, fn, sizeof fn) != 0)
		return -1;
	snprintf(raw, rawlen, "%s/%s", q->dir, fn);
	chart_esc(raw, out, outlen);
	return access(raw, R_OK) == 0 ? 0 : -1;
}

static const char *const chart_colours[] = { "1f77b4", "ff7f0e", "2ca02c",
	"d62728", "9467bd", "8c564b", "e377c2", "17becf" };

/* The measures' DEFs and lines; the file whose last update ends a
 * simulation's chart in last. -1 with err when there is no history. */
static int
chart_lines(const struct chart_req *q, struct chart_args *a, char *last,
    size_t lastlen, char *err, size_t errlen)
{
	char f[PATH_MAX * 2], lab[512];
	size_t i;

	switch (q->kind) {
	case HK_HOST:
	case HK_VM:
		if (chart_file(q, q->kind, q->name, f, sizeof f, last,
		    lastlen) != 0)
			break;
		chart_arg(a, "DEF:cpu=%s:cpu:AVERAGE", f);
		chart_arg(a, "DEF:demand=%s:demand:AVERAGE", f);
		chart_arg(a, "DEF:mem=%s:mem:AVERAGE", f);
		chart_arg(a, "LINE2:cpu#1f77b4:CPU use %%");
		chart_arg(a, "LINE1:demand#ff7f0e:demand %%");
		chart_arg(a, "GPRINT:mem:LAST:memory %%.0lf MiB");
		if (q->kind == HK_HOST) {
			chart_arg(a, "DEF:vms=%s:vms:AVERAGE", f);
			chart_arg(a, "GPRINT:vms:LAST:VMs %%.0lf\\l");
		} else
			chart_arg(a, "COMMENT:\\l");
		return 0;
	case HK_CLUSTER:
		if (chart_file(q, HK_CLUSTER, NULL, f, sizeof f, last,
		    lastlen) != 0)
			break;
		chart_arg(a, "DEF:spread=%s:spread:AVERAGE", f);
		chart_arg(a, "LINE2:spread#1f77b4:spread (max - min host CPU) %%\\l");
		return 0;
	case HK_SERVICE: {
		size_t drawn = 0;

		for (i = 0; i < q->svc->nbackends; i++) {
			const struct backend_conf *b = &q->svc->backends[i];
			char name[400], raw[PATH_MAX];

			snprintf(name, sizeof name, "%s/%s:%ld", q->svc->name,
			    b->address, b->port);
			if (chart_file(q, HK_SERVICE, name, f, sizeof f, raw,
			    sizeof raw) != 0)
				continue;
			if (drawn == 0)
				snprintf(last, lastlen, "%s", raw);
			snprintf(name, sizeof name, "%s:%ld", b->address,
			    b->port);
			chart_esc(name, lab, sizeof lab);
			chart_arg(a, "DEF:c%zu=%s:conns:AVERAGE", i, f);
			chart_arg(a, "DEF:l%zu=%s:latency:AVERAGE", i, f);
			chart_arg(a, "LINE2:c%zu#%s:%s connections", i,
			    chart_colours[i % 8], lab);
			chart_arg(a, "GPRINT:l%zu:AVERAGE:latency %%.1lf ms\\l",
			    i);
			drawn++;
		}
		if (drawn > 0)
			return 0;
		break;
	}
	}
	snprintf(err, errlen, "no history of %s%s%s in %s",
	    q->kind == HK_HOST ? "host " : q->kind == HK_VM ? "VM " :
	    q->kind == HK_SERVICE ? "service " : "the cluster",
	    q->name != NULL ? q->name : "", "", q->dir);
	return -1;
}

/* Is the mark about what is drawn? A service: its backends' VMs. */
static bool
chart_about(const struct chart_req *q, const struct history_mark *m)
{
	size_t i;

	if (q->kind != HK_SERVICE)
		return history_mark_about(m, q->kind, q->name);
	for (i = 0; i < q->svc->nbackends; i++)
		if (q->svc->backends[i].vm != NULL &&
		    history_mark_about(m, HK_VM, q->svc->backends[i].vm))
			return true;
	return false;
}

/* VRULEs for the marks in the span; how many. */
static size_t
chart_marks(const struct chart_req *q, struct chart_args *a, long start,
    long end)
{
	struct history_mark *ms;
	size_t n, i, drawn = 0, unlabelled = 0;
	char lab[3 * HISTORY_MARK_NAME + 16], esc[2 * sizeof lab];

	if (history_marks_read(q->dir, start, end, &ms, &n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		const struct history_mark *m = &ms[i];

		if (!chart_about(q, m))
			continue;
		if (m->migration)
			snprintf(lab, sizeof lab, "%s %s -> %s", m->vm,
			    m->from, m->to);
		else
			snprintf(lab, sizeof lab, "%s maintenance %s", m->from,
			    m->to);
		if (q->said != NULL)
			fprintf(q->said, "mark %ld %s\n", m->t, lab);
		if (drawn < CHART_LABELLED)
			chart_arg(a, "VRULE:%ld#%s:%s", m->t, m->migration ?
			    "7f7f7f" : "9467bd", chart_esc(lab, esc, sizeof esc));
		else {
			chart_arg(a, "VRULE:%ld#%s", m->t, m->migration ?
			    "7f7f7f" : "9467bd");
			unlabelled++;
		}
		drawn++;
	}
	if (unlabelled > 0)
		chart_arg(a, "COMMENT:and %zu more\\l", unlabelled);
	free(ms);
	return drawn;
}

static const char *
chart_what(const struct chart_req *q)
{
	switch (q->kind) {
	case HK_HOST:
		return "host";
	case HK_VM:
		return "VM";
	case HK_SERVICE:
		return "service";
	case HK_CLUSTER:
		break;
	}
	return "cluster";
}

int
chart_graph(const struct chart_req *q, struct chart_done *done, char *err,
    size_t errlen)
{
	struct chart_args a = { NULL, 0, 0, false };
	char last[PATH_MAX], title[600];
	rrd_info_t *info, *p;
	long end, start;
	int rc = 1;

	memset(done, 0, sizeof *done);
	chart_arg(&a, "graph");
	chart_arg(&a, "%s", q->out);
	chart_arg(&a, "--imgformat=%s", q->svg ? "SVG" : "PNG");
	chart_arg(&a, "--width=%d", q->width);
	chart_arg(&a, "--height=%d", q->height);
	chart_arg(&a, "--full-size-mode");
	chart_arg(&a, "--lower-limit=0");
	if (chart_lines(q, &a, last, sizeof last, err, errlen) != 0)
		goto out;
	end = q->simulated ? (long)rrd_last_r(last) : (long)time(NULL);
	if (end <= 0)
		end = (long)time(NULL);
	start = end - q->since_s;
	chart_arg(&a, "--start=%ld", start);
	chart_arg(&a, "--end=%ld", end);
	if (q->kind == HK_CLUSTER)
		snprintf(title, sizeof title, "cluster - CPU spread");
	else
		snprintf(title, sizeof title, "%s %s - %s", chart_what(q),
		    q->name, q->kind == HK_SERVICE ? "backend connections" :
		    "CPU");
	chart_arg(&a, "--title=%s", title);
	chart_arg(&a, "--vertical-label=%s", q->kind == HK_SERVICE ?
	    "connections" : q->kind == HK_VM ? "% of one CPU" : "%");
	if ((q->kind == HK_HOST || q->kind == HK_CLUSTER) && q->threshold >= 0)
		chart_arg(&a, "HRULE:%g#d62728:threshold %g%%:dashes", q->threshold,
		    q->threshold);
	if ((q->kind == HK_HOST || q->kind == HK_CLUSTER) && q->target >= 0)
		chart_arg(&a, "HRULE:%g#2ca02c:target %g%%\\l:dashes", q->target,
		    q->target);
	done->marks = chart_marks(q, &a, start, end);
	if (a.nomem) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rrd_clear_error();
	info = rrd_graph_v((int)a.n, a.v);
	if (info == NULL) {
		snprintf(err, errlen, "%s: %s", q->out, rrd_get_error());
		goto out;
	}
	for (p = info; p != NULL; p = p->next) {
		long v = p->type == RD_I_CNT ? (long)p->value.u_cnt :
		    p->type == RD_I_INT ? (long)p->value.u_int : -1;

		if (strcmp(p->key, "image_width") == 0)
			done->width = (int)v;
		else if (strcmp(p->key, "image_height") == 0)
			done->height = (int)v;
	}
	rrd_info_free(info);
	done->start = start;
	done->end = end;
	rc = 0;
out:
	chart_args_free(&a);
	return rc;
}
