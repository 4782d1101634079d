/*
 * diag.c - filling and formatting positioned error messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

void
diag_clear(struct diag *d)
{
	memset(d, 0, sizeof *d);
}

void
diag_set(struct diag *d, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return;
	snprintf(d->file, sizeof d->file, "%s", file != NULL ? file : "");
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
}

void
diag_format(const struct diag *d, char *buf, size_t len)
{
	if (d->file[0] != '\0' && d->line > 0)
		snprintf(buf, len, "%s:%d:%d: %s", d->file, d->line, d->col,
		    d->msg);
	else if (d->file[0] != '\0')
		snprintf(buf, len, "%s: %s", d->file, d->msg);
	else
		snprintf(buf, len, "%s", d->msg);
}
