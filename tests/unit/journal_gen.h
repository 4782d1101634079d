/*
 * journal_gen.h - big journals for the journal's tests and benchmark: a
 * file of about the bytes asked for, written as journal_file_record
 * writes (intent, then outcome, per move), over nvms VMs and the wall
 * clock up to now_wall. Most moves ended long ago; those of the last
 * minutes are within any cooldown, and the last few VMs' moves are left
 * open (an intent without an outcome). Reproducible: no randomness but
 * a fixed congruential sequence.
 */
#ifndef VMBAL_JOURNAL_GEN_H
#define VMBAL_JOURNAL_GEN_H

#include <stdio.h>
#include <string.h>

#define JOURNAL_GEN_STEP_S 2.0	/* between two moves */
#define JOURNAL_GEN_OPEN 5	/* moves left open at the end */

static inline int
journal_gen_line(char *buf, size_t len, double wall, int outcome,
    unsigned vm, unsigned from, unsigned to)
{
	return snprintf(buf, len,
	    "{\"time\":\"2027-01-15T08:00:00Z\",\"unix\":%.3f,\"ts\":%.2f,"
	    "\"phase\":\"%s\",\"who\":\"auto\",\"action\":\"migrate\","
	    "\"vm\":\"vm%05u\",\"from\":\"host%03u\",\"to\":\"host%03u\"%s}\n",
	    wall, 1000.0, outcome ? "outcome" : "intent", vm, from, to,
	    outcome ? ",\"status\":\"done\",\"duration_s\":3.25" : "");
}

/* Writes about bytes of journal to f; the number of moves, or 0 when
 * writing failed. */
static inline size_t
journal_gen_write(FILE *f, size_t bytes, double now_wall, unsigned nvms)
{
	char a[512], b[512];
	size_t pair, n, i;
	unsigned x = 12345;

	pair = (size_t)journal_gen_line(a, sizeof a, now_wall, 0, 0, 0, 0) +
	    (size_t)journal_gen_line(b, sizeof b, now_wall, 1, 0, 0, 0);
	n = bytes / pair + 1;
	for (i = 0; i < n; i++) {
		double wall = now_wall - (double)(n - i) * JOURNAL_GEN_STEP_S;
		unsigned vm, from, to;

		x = x * 1103515245u + 12345u;
		vm = i + JOURNAL_GEN_OPEN >= n ? nvms + (unsigned)(n - i) :
		    (x >> 8) % nvms;
		from = (x >> 4) % 64;
		to = (from + 1 + (x >> 12) % 63) % 64;
		journal_gen_line(a, sizeof a, wall, 0, vm, from, to);
		if (fputs(a, f) == EOF)
			return 0;
		if (i + JOURNAL_GEN_OPEN >= n)
			continue;	/* left open */
		journal_gen_line(a, sizeof a, wall + 1.5, 1, vm, from, to);
		if (fputs(a, f) == EOF)
			return 0;
	}
	return fflush(f) == 0 ? n : 0;
}

#endif
