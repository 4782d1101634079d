/*
 * chart_graph.h - one chart of the history drawn by librrd's graph API
 * (rrd_graph_v): the measures of a host, a VM, the cluster or a
 * service's backends, the migrations and maintenance changes as VRULEs,
 * the threshold and target as HRULEs.
 */
#ifndef VMBAL_CHART_GRAPH_H
#define VMBAL_CHART_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../actions/history_rrd.h"
#include "../engine/config.h"

#define CHART_LABELLED 16	/* marks with a label; the rest lines only */

struct chart_req {
	enum history_kind kind;
	const char *name;	/* the host, VM or service; cluster: NULL */
	const struct service_conf *svc;	/* HK_SERVICE: its backends */
	const char *dir;	/* the history directory */
	long since_s;		/* the span drawn, up to the end */
	int width, height;	/* of the whole image */
	bool svg;		/* else PNG */
	const char *out;
	bool simulated;		/* the end: the file's last update, not now */
	double threshold, target;	/* HRULEs (cluster, host); < 0 none */
	FILE *said;		/* each mark drawn said here, or NULL */
};

/* What was drawn. */
struct chart_done {
	size_t marks;		/* VRULEs drawn */
	long start, end;	/* epoch seconds */
	int width, height;	/* as librrd says */
};

/*
 * Draws q into q->out. 0; 1 with err filled (no history for it, librrd's
 * error).
 */
int chart_graph(const struct chart_req *q, struct chart_done *done,
    char *err, size_t errlen);

#endif
