/*
 * lv_events.c - the libvirt event loop thread (see lv_events.h).
 *
 * virEventRunDefaultImpl() blocks until something happens; a timer that
 * fires every 200 ms makes sure the thread sees the stop flag promptly,
 * and stopping makes it fire at once. A callback the loop dispatches may
 * still be stuck (libvirt's, on a connection that stopped answering): the
 * thread is given a short grace period, then left to process exit (see
 * thread_grace.h), and whichever of the two lets go of the state last
 * frees it.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lv_events.h"
#include "../lib/thread_grace.h"

#define LV_EVENTS_GRACE_S 0.3

struct lv_events {
	pthread_t thread;
	atomic_bool stop;
	atomic_int refs;	/* the owner's and the thread's */
	int timer;
};

static void
lv_events_unref(struct lv_events *e)
{
	if (atomic_fetch_sub(&e->refs, 1) == 1)
		free(e);
}

static void
lv_events_tick(int timer, void *opaque)
{
	(void)timer;
	(void)opaque;
}

/* Errors reach the caller through virGetLastError(); nothing is printed
 * below the front end. */
static void
lv_events_quiet(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void *
lv_events_main(void *arg)
{
	struct lv_events *e = arg;

	while (!atomic_load(&e->stop))
		if (virEventRunDefaultImpl() < 0)
			break;
	lv_events_unref(e);
	return NULL;
}

struct lv_events *
lv_events_new(struct diag *d)
{
	struct lv_events *e = calloc(1, sizeof *e);

	if (e == NULL) {
		diag_set(d, NULL, 0, 0, "out of memory");
		return NULL;
	}
	virSetErrorFunc(NULL, lv_events_quiet);
	if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0) {
		diag_set(d, NULL, 0, 0, "libvirt: cannot start the event loop");
		free(e);
		return NULL;
	}
	atomic_init(&e->stop, false);
	atomic_init(&e->refs, 2);
	e->timer = virEventAddTimeout(200, lv_events_tick, NULL, NULL);
	if (pthread_create(&e->thread, NULL, lv_events_main, e) != 0) {
		diag_set(d, NULL, 0, 0, "cannot start the libvirt event thread");
		if (e->timer >= 0)
			virEventRemoveTimeout(e->timer);
		free(e);
		return NULL;
	}
	return e;
}

void
lv_events_free(struct lv_events *e)
{
	if (e == NULL)
		return;
	atomic_store(&e->stop, true);
	if (e->timer >= 0)
		virEventUpdateTimeout(e->timer, 0);	/* wake the loop now */
	(void)thread_join_by(e->thread, monotime_now() + LV_EVENTS_GRACE_S);
	if (e->timer >= 0)
		virEventRemoveTimeout(e->timer);
	lv_events_unref(e);
}
