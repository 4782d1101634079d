/*
 * safefile.c - opening a file vmbal will act on (see safefile.h).
 *
 * The descriptor is judged, not the name: open, then fstat, so the file
 * checked is the file read (a rename between the two cannot swap it). O_NONBLOCK makes open return at once on a FIFO with no writer;
 * fstat then refuses it as not a regular file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"

enum safefile_status
safefile_open(const char *path, int *fd, struct stat *st, char *err,
    size_t errlen)
{
	uid_t me = geteuid();
	int flags;

	*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open: %s", strerror(e));
		errno = e;
		return e == ENOENT || e == ENOTDIR ? SAFEFILE_MISSING :
		    SAFEFILE_FAILED;
	}
	if (fstat(*fd, st) != 0) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		goto failed;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto unsafe;
	}
	if (st->st_uid != 0 && st->st_uid != me) {
		snprintf(err, errlen,
		    "owned by uid %lu, not by root or the user running vmbal (uid %lu): refused, another user could have written it",
		    (unsigned long)st->st_uid, (unsigned long)me);
		goto unsafe;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen,
		    "writable by %s (mode %04o): refused, another user could have written it (chmod go-w)",
		    (st->st_mode & S_IWGRP) == 0 ? "others" :
		    (st->st_mode & S_IWOTH) == 0 ? "its group" :
		    "its group and others",
		    (unsigned)(st->st_mode & 07777));
		goto unsafe;
	}
	/* a regular file never blocks; reads are plain from here on */
	flags = fcntl(*fd, F_GETFL);
	if (flags < 0 || fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		goto failed;
	}
	return SAFEFILE_OK;
failed:
	close(*fd);
	*fd = -1;
	return SAFEFILE_FAILED;
unsafe:
	close(*fd);
	*fd = -1;
	return SAFEFILE_UNSAFE;
}

int
safefile_read(int fd, char *buf, size_t cap, size_t *got)
{
	ssize_t n;

	*got = 0;
	while (*got < cap) {
		n = read(fd, buf + *got, cap - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}
