/*
 * event.h - what the engine tells its front end.
 *
 * One event per line of the headless output's contract; the console shows
 * the same events. Pointers inside an event are valid only during the
 * sink's call.
 */
#ifndef VMBAL_EVENT_H
#define VMBAL_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "action.h"
#include "model.h"
#include "dnat.h"
#include "plan.h"

struct backend_view;

enum event_type {
	EV_SAMPLE, EV_IMBALANCE, EV_PLAN, EV_MIGRATION, EV_HEALTH, EV_DNAT,
	EV_ERROR, EV_END, EV_HA, EV_COMMAND, EV_RELOAD, EV_FENCE, EV_RESTART,
	EV_COUNT		/* how many there are (jsonout.c's names) */
};

struct event {
	enum event_type type;
	double ts;
	union {
		struct {
			const struct model *model;
			bool imbalanced;
			bool standby;	/* ha: the address is elsewhere */
			/* per service: its weights now, and its backends'
			 * views (health, smoothed latency, connections);
			 * nservices 0: none (or out of memory) */
			const struct dnat_service *services;
			size_t nservices;
			struct backend_view *const *views;
			bool checked;	/* health checks run: unknown is
					 * not up */
		} sample;
		struct {
			bool from, to;	/* true: imbalanced */
			double spread;
		} imbalance;
		struct {
			const struct plan *plan;
			const struct plan_input *in;
			enum policy_mode mode;
			bool dry_run;
			/* why it replaces the offer before it, or NULL */
			const char *replaces;
		} plan;
		struct {
			const char *vm, *from, *to;
			enum mig_status status;
			double duration_s;	/* when finished */
			const char *error;	/* when failed, else NULL */
			struct mig_stats stats;	/* when done: what the
						 * hypervisor measured */
		} migration;
		struct {
			const char *service, *backend;
			bool up;
			double latency_ms;	/* < 0: none */
			const char *error;	/* why, when down */
		} health;
		struct {
			const struct dnat_service *svc;
			bool applied;		/* false: failed */
			bool dry_run;		/* said, not applied */
			const char *error;
			/* an unchanged state re-applied found the rules
			 * changed outside vmbal and restored them */
			bool repaired;
			const char *message;	/* what was done, or NULL */
			/* connection tracking entries deleted, per
			 * backend of svc (none: NULL) */
			const struct dnat_forget *forgot;
			size_t nforgot;
		} dnat;
		struct {
			const char *message;
			const char *host;	/* the host it is about, or
						 * NULL */
		} error;
		struct {
			long migrations, failed;
			double spread;
		} end;
		struct {
			bool active;	/* the address arrived (true) or left */
			const char *address;
		} ha;
		struct {
			const char *who;	/* "operator", "ctl:USER",
						 * "journal" (restored) */
			const char *name;	/* command.h's name */
			const char *args;	/* as typed, "" none */
			bool done;		/* false: refused or failed */
			const char *message;	/* what was done, or why not */
		} command;
		struct {
			const char *who;	/* "signal", "operator",
						 * "ctl:USER" */
			bool applied;		/* false: refused, old kept */
			const char *const *changes;	/* what changed */
			size_t nchanges;
			const char *error;	/* why refused
						 * (FILE:LINE:COL: ...), or
						 * NULL */
		} reload;
		struct {		/* a dead host's fencing (issue 18) */
			const char *host;
			bool off;	/* true: confirmed off (by its agent,
					 * or a person: who) */
			const char *who;	/* "agent", "operator",
						 * "ctl:USER" */
			const char *error;	/* why not off, or NULL */
		} fence;
		struct {		/* a dead host's VM started elsewhere */
			const char *vm, *from, *to;	/* to: NULL when it
					 * fits nowhere */
			const char *status;	/* started|done|failed|refused */
			double duration_s;	/* when finished */
			const char *error;	/* why not, or NULL */
		} restart;
	} u;
};

struct event_sink {
	void (*emit)(void *arg, const struct event *ev);
	void *arg;
};

#endif
