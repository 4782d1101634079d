/*
 * journal_file.h - the action journal as a file of JSON lines, appended
 * to and flushed to disk record by record; and read back when vmbal
 * starts, for restart safety.
 */
#ifndef VMBAL_JOURNAL_FILE_H
#define VMBAL_JOURNAL_FILE_H

#include <stddef.h>

#include "../engine/diag.h"
#include "../engine/journal.h"

/* The longest line a record may be (newline not counted): longer ones
 * are not written, and are counted bad when read. */
#define JOURNAL_LINE_MAX 65536

/*
 * Opens (creating it and its directory) path for appending: never
 * through a symbolic link, never a FIFO or device; it must be a regular
 * file owned by this user or root, writable by no one else. 0, or -1
 * and d.
 */
int journal_file_init(struct journal *j, const char *path, struct diag *d);

/*
 * Reads back what the journal opened by journal_file_init holds (its
 * past, see engine/journal.h), which the journal then hands to the
 * controller: per VM its last move, when still open or ended less than
 * horizon_s (the policy's vm_cooldown_s) ago. 0, or -1 and d.
 */
int journal_file_load_past(struct journal *j, double horizon_s,
    struct diag *d);

/*
 * The reader itself, for tests: journal text (JSON lines) into each VM's
 * last "migrate" record, kept when it is an open intent or an outcome
 * recorded less than horizon_s before now_wall (seconds since the epoch).
 * Lines that are no journal record (torn by a crash, garbage, longer
 * than JOURNAL_LINE_MAX) are skipped and counted in bad_lines. NULL only
 * on ENOMEM.
 */
struct journal_past *journal_replay_parse(const char *text, size_t len,
    double now_wall, double horizon_s);
/* The same from a file, read as a stream (memory goes with what is kept,
 * not with the file's size); a missing file is an empty past. NULL and d
 * when it cannot be read, or is no regular file. */
struct journal_past *journal_replay_read(const char *path, double now_wall,
    double horizon_s, struct diag *d);
void journal_past_free(struct journal_past *p);
/* Forgets p's moves, keeps its standing state (a simulated cluster's VMs
 * start afresh every run; its operator's state does not). */
void journal_past_drop_moves(struct journal_past *p);

#endif
