/*
 * journal_file.h - the action journal as a file of JSON lines, appended
 * to and flushed to disk record by record.
 */
#ifndef VMBAL_JOURNAL_FILE_H
#define VMBAL_JOURNAL_FILE_H

#include "../engine/diag.h"
#include "../engine/journal.h"

/* Opens (creating it and its directory) path for appending. 0, or -1 and d. */
int journal_file_init(struct journal *j, const char *path, struct diag *d);

#endif
