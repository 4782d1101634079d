/*
 * safe.c - text from outside (VM and host names from libvirt, messages
 * that quote them) made safe to draw: a control character (C0, DEL), a
 * C1 control (U+0080-U+009F), a bidi override or isolate (U+202A-U+202E,
 * U+2066-U+2069) or a byte that is not UTF-8 is drawn as an escape
 * ("\x1b", "\u202e") instead of reaching the terminal, where it would
 * move the cursor, start an escape sequence or reorder what follows.
 * Everything else is drawn as it is, one column per character, as
 * tui_put always counted. No curses here: the unit tests call it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* The code point of the UTF-8 sequence at p and its length; 0 when p
 * does not start a well-formed one (shortest form, no surrogate). */
static size_t
tui_utf8(const unsigned char *p, unsigned long *cp)
{
	static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	len = p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ?
	    3 : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
	if (len == 0)
		return 0;
	*cp = p[0] & (0x7F >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;	/* also stops at the NUL */
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	if (*cp < min[len] || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return len;
}

static bool
tui_unsafe(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t
tui_safe_char(const char *s, char out[TUI_SAFE_MAX], int *cols)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t len;

	out[0] = '\0';
	*cols = 0;
	if (p[0] == '\0')
		return 0;
	len = tui_utf8(p, &cp);
	if (len == 0) {
		snprintf(out, TUI_SAFE_MAX, "\\x%02x", p[0]);
		len = 1;
	} else if (tui_unsafe(cp))
		snprintf(out, TUI_SAFE_MAX, cp < 0x80 ? "\\x%02lx" : "\\u%04lx",
		    cp);
	else {
		memcpy(out, s, len);
		out[len] = '\0';
		*cols = 1;
		return len;
	}
	*cols = (int)strlen(out);
	return len;
}

size_t
tui_safe_fit(const char *s, int w)
{
	char out[TUI_SAFE_MAX];
	size_t used = 0, n;
	int cols = 0, c;

	while ((n = tui_safe_char(s + used, out, &c)) > 0 && cols + c <= w) {
		cols += c;
		used += n;
	}
	return used;
}

char *
tui_safe_new(const char *s)
{
	char out[TUI_SAFE_MAX], *r;
	size_t len = 0, n, i;
	int c;

	for (i = 0; (n = tui_safe_char(s + i, out, &c)) > 0; i += n)
		len += strlen(out);
	r = malloc(len + 1);
	if (r == NULL)
		return NULL;
	r[0] = '\0';
	for (i = 0, len = 0; (n = tui_safe_char(s + i, out, &c)) > 0; i += n) {
		memcpy(r + len, out, strlen(out) + 1);
		len += strlen(out);
	}
	return r;
}

const char *
tui_safe_col(char *out, size_t len, const char *s, int w, bool right)
{
	char ch[TUI_SAFE_MAX];
	size_t used = 0, n, k;
	int cols = 0, c, pad;

	if (len == 0)
		return "";
	out[0] = '\0';
	/* the text first, then its padding moved in front if right */
	while ((n = tui_safe_char(s, ch, &c)) > 0 && cols + c <= w &&
	    used + strlen(ch) < len) {
		memcpy(out + used, ch, strlen(ch) + 1);
		used += strlen(ch);
		cols += c;
		s += n;
	}
	pad = w - cols;
	if (pad <= 0 || used + (size_t)pad >= len)
		return out;
	if (right) {
		memmove(out + pad, out, used + 1);
		for (k = 0; k < (size_t)pad; k++)
			out[k] = ' ';
	} else {
		for (k = 0; k < (size_t)pad; k++)
			out[used + k] = ' ';
		out[used + (size_t)pad] = '\0';
	}
	return out;
}
