/*
 * window.c - moving-average windows (see window.h).
 */
#include <stdlib.h>
#include <string.h>

#include "window.h"

int
window_init(struct window *w, size_t size)
{
	memset(w, 0, sizeof *w);
	if (size == 0)
		size = 1;
	w->ring = calloc(size, sizeof *w->ring);
	if (w->ring == NULL)
		return -1;
	w->size = size;
	return 0;
}

void
window_fini(struct window *w)
{
	free(w->ring);
	memset(w, 0, sizeof *w);
}

void
window_reset(struct window *w)
{
	w->count = 0;
	w->next = 0;
	w->sum = 0;
}

void
window_push(struct window *w, double v)
{
	size_t i;

	if (w->count == w->size)
		w->sum -= w->ring[w->next];
	else
		w->count++;
	w->ring[w->next] = v;
	w->sum += v;
	w->next = (w->next + 1) % w->size;
	if (w->next == 0) {
		w->sum = 0;
		for (i = 0; i < w->count; i++)
			w->sum += w->ring[i];
	}
}

double
window_mean(const struct window *w)
{
	if (w->count == 0)
		return 0;
	return w->sum / (double)w->count;
}

size_t
window_count(const struct window *w)
{
	return w->count;
}

double
window_last(const struct window *w)
{
	if (w->count == 0)
		return 0;
	return w->ring[(w->next + w->size - 1) % w->size];
}

int
window_resize(struct window *w, size_t size)
{
	struct window n;
	size_t keep, i;

	if (size == 0)
		size = 1;
	if (size == w->size)
		return 0;
	if (window_init(&n, size) != 0)
		return -1;
	keep = w->count < size ? w->count : size;
	for (i = 0; i < keep; i++)
		window_push(&n, w->ring[(w->next + w->size - keep + i) %
		    w->size]);
	window_fini(w);
	*w = n;
	return 0;
}
