/*
 * latency.h - a backend's health-check latency, smoothed.
 *
 * Every passing check's latency goes into a window of the policy's
 * `window` last ones; their mean is the smoothed latency (shown by the
 * console and in `sample`). The latency the weights of lowest-latency
 * follow moves to the smoothed one only when that has moved far enough
 * from it: more than LATENCY_BAND_PCT percent of it plus LATENCY_BAND_MS,
 * so that noise does not change weights (and re-program rules) at every
 * check. Pure.
 */
#ifndef VMBAL_LATENCY_H
#define VMBAL_LATENCY_H

#include <stdbool.h>
#include <stddef.h>

#include "weights.h"
#include "window.h"

#define LATENCY_BAND_PCT 20.0
#define LATENCY_BAND_MS 0.2

/* Adds n passing checks' latencies (ms, oldest first) to w; sets
 * v->smooth_ms to the window's mean and, past the band, v->latency_ms to
 * it. True when v->latency_ms changed. */
bool latency_add(struct window *w, struct backend_view *v, const double *ms,
    size_t n);
/* The backend went down: its checks are forgotten, both latencies
 * unknown (-1) until it passes again. */
void latency_forget(struct window *w, struct backend_view *v);
/* Whether the weighed latency should move from weighed to smoothed. */
bool latency_moved(double weighed, double smoothed);

#endif
