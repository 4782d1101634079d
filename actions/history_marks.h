/*
 * history_marks.h - the marks file beside the RRDs read back (migrations
 * and maintenance changes, for the charts' time axis).
 */
#ifndef VMBAL_HISTORY_MARKS_H
#define VMBAL_HISTORY_MARKS_H

#include <stdbool.h>
#include <stddef.h>

#include "history_rrd.h"

#define HISTORY_MARK_NAME 512

struct history_mark {
	long t;			/* epoch seconds */
	bool migration;		/* else a maintenance change */
	char vm[HISTORY_MARK_NAME];	/* migration: the VM */
	char from[HISTORY_MARK_NAME];	/* migration: from; maintenance: host */
	char to[HISTORY_MARK_NAME];	/* migration: to; maintenance: on|off */
};

/*
 * The marks of dir/marks.tsv with start <= t <= end, in the file's order
 * (caller frees *out). No file: none. Lines that are not marks are
 * skipped. 0, or -1 on ENOMEM.
 */
int history_marks_read(const char *dir, long start, long end,
    struct history_mark **out, size_t *n);
/* Is m about this host, VM (or, HK_CLUSTER, the cluster: every mark)? */
bool history_mark_about(const struct history_mark *m, enum history_kind k,
    const char *name);

#endif
