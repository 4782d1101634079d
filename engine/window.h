/*
 * window.h - a moving average over the last N samples.
 *
 * A ring of doubles with a running sum. The sum is recomputed from the
 * ring each time it wraps, so rounding error never accumulates and the
 * result depends only on the samples in the window.
 */
#ifndef VMBAL_WINDOW_H
#define VMBAL_WINDOW_H

#include <stddef.h>

struct window {
	double *ring;
	size_t size;	/* capacity: the policy's window */
	size_t count;	/* samples held, <= size */
	size_t next;	/* where the next sample goes */
	double sum;
};

int window_init(struct window *w, size_t size);	/* 0, or -1 on ENOMEM */
void window_fini(struct window *w);
void window_push(struct window *w, double v);
void window_reset(struct window *w);
/* A new capacity, keeping the newest samples that fit, in order; 0, or
 * -1 on ENOMEM with w unchanged. */
int window_resize(struct window *w, size_t size);
double window_mean(const struct window *w);	/* 0 when empty */
size_t window_count(const struct window *w);
double window_last(const struct window *w);	/* 0 when empty */

#endif
