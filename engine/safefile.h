/*
 * safefile.h - opening a file vmbal will act on: its configuration, a
 * scenario, a theme.
 *
 * Such a file chooses the hosts vmbal connects to (and how), the journal
 * it writes and the VIPs it programs, so it must be one that only its
 * owner could have written, as sshd's StrictModes asks of authorized_keys:
 * a regular file (a FIFO or a device is refused at once, never waited
 * on), owned by root or by the user running vmbal, and not writable by
 * its group or by others.
 */
#ifndef VMBAL_SAFEFILE_H
#define VMBAL_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>

enum safefile_status {
	SAFEFILE_OK,		/* opened: the descriptor is returned */
	SAFEFILE_MISSING,	/* no such file (ENOENT, ENOTDIR) */
	SAFEFILE_FAILED,	/* cannot be opened or read: errno's message */
	SAFEFILE_UNSAFE		/* not a regular file, or not trusted */
};

/*
 * Opens path for reading without blocking (O_NONBLOCK, so that a FIFO
 * cannot hang vmbal), checks it with fstat and fills st. SAFEFILE_OK with
 * the descriptor in *fd (caller closes); otherwise the reason in err
 * ("cannot open: ...", "not a regular file", "writable by its group and
 * others (mode 0666): ...", "owned by uid 65534, not by root or ...")
 * without the file's name, and *fd is -1.
 */
enum safefile_status safefile_open(const char *path, int *fd, struct stat *st,
    char *err, size_t errlen);

/*
 * Reads fd to its end or until cap bytes are in buf; *got is how many.
 * 0, or -1 with errno set.
 */
int safefile_read(int fd, char *buf, size_t cap, size_t *got);

#endif
