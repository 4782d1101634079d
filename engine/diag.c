/*
 * diag.c - filling and formatting positioned error messages.
 *
 * A message quotes what it was given: names, values, file names, text
 * from a file or from libvirt. All of it is escaped here, once, so that a
 * message can neither act on the terminal it is printed on nor hide or
 * reorder its own text: C0 controls and DEL print as \xNN, C1 controls,
 * bidirectional formatting characters and the line and paragraph
 * separators as \uNNNN, and a byte that does not start a valid UTF-8
 * character as \xNN. Every other character, ASCII or not, is kept. Escaped
 * text is printable ASCII, so escaping it again changes nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

/*
 * The length of the valid UTF-8 character at s (its code point in *cp),
 * or 0 when s does not start one: overlong forms, surrogates and code
 * points past U+10FFFF are not valid.
 */
static size_t
diag_utf8(const unsigned char *s, unsigned long *cp)
{
	unsigned long c, min;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the terminating NUL */
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Characters that reorder the text around them or end a line. */
static int
diag_bidi(unsigned long c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x2028 || c == 0x2029;
}

const char *
diag_unsafe(const char *s, long *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long c;
	size_t n;

	for (; *p != '\0'; p += n) {
		n = diag_utf8(p, &c);
		if (n == 0) {
			*cp = -(long)*p;
			return (const char *)p;
		}
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || diag_bidi(c)) {
			*cp = (long)c;
			return (const char *)p;
		}
	}
	return NULL;
}

size_t
diag_escape(char *out, size_t len, const char *s)
{
	const char *p = s, *bad;
	char esc[24];
	size_t o = 0, n;
	long cp;

	if (len == 0)
		return 0;
	while (*p != '\0') {
		bad = diag_unsafe(p, &cp);
		n = bad != NULL ? (size_t)(bad - p) : strlen(p);
		if (o + n >= len) {
			/* cut at a character boundary */
			n = len - 1 - o;
			while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
				n--;
			memcpy(out + o, p, n);
			o += n;
			break;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
		if (bad == NULL)
			break;
		if (cp < 0)
			snprintf(esc, sizeof esc, "\\x%02x", (unsigned)-cp);
		else if (cp < 0x20 || cp == 0x7f)
			snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
		else
			snprintf(esc, sizeof esc, "\\u%04lx", (unsigned long)cp);
		if (o + strlen(esc) >= len)
			break;
		memcpy(out + o, esc, strlen(esc));
		o += strlen(esc);
		if (cp < 0 || cp < 0x80)
			p++;
		else
			p += cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	}
	out[o] = '\0';
	return o;
}

void
diag_clear(struct diag *d)
{
	memset(d, 0, sizeof *d);
}

void
diag_set(struct diag *d, const char *file, int line, int col,
    const char *fmt, ...)
{
	char raw[2 * sizeof d->msg];
	va_list ap;

	if (d == NULL)
		return;
	diag_escape(d->file, sizeof d->file, file != NULL ? file : "");
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	diag_escape(d->msg, sizeof d->msg, raw);
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
