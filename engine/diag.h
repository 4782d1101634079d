/*
 * diag.h - one error with its position, for everything below the UI.
 *
 * Functions that can fail on user input fill a struct diag and return -1;
 * only the front end (cli/, tui/) prints it, as "FILE:LINE:COL: message".
 */
#ifndef VMBAL_DIAG_H
#define VMBAL_DIAG_H

#include <stddef.h>

struct diag {
	char file[256];	/* "" when no file is involved */
	int line;	/* 1-based; 0 when unknown */
	int col;	/* 1-based; 0 when unknown */
	char msg[512];
};

void diag_clear(struct diag *d);
/* Fills d; the file name and the formatted message are escaped (diag.c). */
void diag_set(struct diag *d, const char *file, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Formats "FILE:LINE:COL: message" (or less when parts are unknown). */
void diag_format(const struct diag *d, char *buf, size_t len);

/*
 * Copies s into out (len bytes, NUL included), with control characters,
 * bidirectional formatting characters and invalid UTF-8 escaped (\x1b,
 * \u202e); cut at a character boundary when out is full. Returns the
 * length written.
 */
size_t diag_escape(char *out, size_t len, const char *s);
/*
 * The first character of s that diag_escape would escape, or NULL: *cp is
 * its code point, or minus the byte value of a byte that does not start a
 * valid UTF-8 character.
 */
const char *diag_unsafe(const char *s, long *cp);

#endif
