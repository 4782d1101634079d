/*
 * availability.h - how available the cluster's hosts and VMs have been
 * (issue 18): per host its failures, MTBF and availability, per VM its
 * incidents and the downtime of each (MTTR), as the HA study measured:
 * availability = MTBF / (MTBF + MTTR).
 *
 * The controller feeds it what its probes saw: a host or a VM seen (the
 * start of the time observed), down (a host that stopped answering, at
 * its last answer; a VM that was running on it, at the same time), up
 * again (the host answering, the VM running anywhere). The journal's
 * restart records give the incidents of earlier runs the same way. Pure:
 * no I/O, no clock; times are the caller's.
 */
#ifndef VMBAL_AVAILABILITY_H
#define VMBAL_AVAILABILITY_H

#include <stdbool.h>
#include <stddef.h>

enum avail_kind { AVAIL_HOST, AVAIL_VM };

struct avail;

struct avail_figures {
	long incidents;		/* failures of a host, outages of a VM */
	bool down_now;		/* an incident is open */
	double observed_s;	/* since first seen */
	double down_s;		/* time in incidents, the open one too */
	double mttr_s;		/* mean length of the closed incidents; < 0
				 * none closed */
	double last_s;		/* the latest closed incident's length; < 0 */
	double mtbf_s;		/* time up / incidents; < 0 no incident */
	double availability;	/* time up / time observed, 0..1; 1 with
				 * nothing observed yet */
	const char *where;	/* the latest incident's where, or NULL
				 * (valid until a's next change) */
};

struct avail *avail_new(void);
void avail_free(struct avail *a);
/* name seen at t: its observed time starts at the first such call (an
 * earlier down counts as seen). 0, or -1 on ENOMEM. */
int avail_seen(struct avail *a, enum avail_kind k, const char *name,
    double t);
/* An incident begins at t, unless one is open already; where (NULL: not
 * said) is where it was: a VM's host. 0, or -1 on ENOMEM. */
int avail_down(struct avail *a, enum avail_kind k, const char *name,
    const char *where, double t);
/* The open incident, if any, ends at t (never before it began). */
void avail_up(struct avail *a, enum avail_kind k, const char *name,
    double t);
bool avail_is_down(const struct avail *a, enum avail_kind k,
    const char *name);
/* The figures of name at now; false when it was never seen. */
bool avail_figures(const struct avail *a, enum avail_kind k,
    const char *name, double now, struct avail_figures *out);
/* Name of the i-th entry of kind k (by name), or NULL past the end: to
 * list them all. */
const char *avail_name(const struct avail *a, enum avail_kind k, size_t i);

#endif
