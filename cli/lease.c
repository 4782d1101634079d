/*
 * lease.c - one controller per cluster (see lease.h).
 *
 * The file is named <config basename>-<FNV-1a of its real path>.lock, so
 * two configurations of one name in different places are different
 * clusters, and the same file reached by two paths is one.
 *
 * Another user must not be able to hold our lease, write what we print
 * as its holder, or have us truncate a file of ours through a link: the
 * directory is made 0700 and must be ours (not a link, not writable by
 * group or others), the file is opened in it without following a link,
 * must be a regular file of ours, and its text is printed escaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster_tag.h"
#include "lease.h"

struct lease {
	int fd;
	bool held;
	char path[PATH_MAX + 128];
	char holder[512];
};

void
lease_dir(char *out, size_t outlen)
{
	const char *env = getenv("VMBAL_LEASE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (env != NULL && env[0] != '\0')
		snprintf(out, outlen, "%s", env);
	else if (geteuid() == 0)
		snprintf(out, outlen, "/run/vmbal");
	else if (xdg != NULL && xdg[0] != '\0')
		snprintf(out, outlen, "%s/vmbal", xdg);
	else
		snprintf(out, outlen, "/tmp/vmbal-%lu", (unsigned long)geteuid());
}

void
lease_run_path(const char *file, bool demo, const char *prefix,
    const char *suffix, char *out, size_t outlen)
{
	const char *base = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 :
	    file;
	size_t n = strlen(base);
	char dir[512];

	lease_dir(dir, sizeof dir);
	if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
		n -= 4;
	if (demo) {
		base = "demo";
		n = 4;
	}
	snprintf(out, outlen, "%s/%s%.*s%s", dir, prefix, (int)n, base, suffix);
}

/* Writes who we are into the file we hold. */
static void
lease_stamp(struct lease *l)
{
	char host[256] = "?", line[600], when[64];
	struct passwd *pw = getpwuid(geteuid());
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gethostname(host, sizeof host - 1);
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	n = snprintf(line, sizeof line, "pid %ld %s@%s since %s\n",
	    (long)getpid(), pw != NULL ? pw->pw_name : "?", host, when);
	if (ftruncate(l->fd, 0) == 0 && n > 0)
		(void)!pwrite(l->fd, line, (size_t)n, 0);
}

bool
lease_retry(struct lease *l)
{
	if (l->held)
		return true;
	if (flock(l->fd, LOCK_EX | LOCK_NB) != 0)
		return false;
	l->held = true;
	lease_stamp(l);
	return true;
}

/*
 * The control socket lives in the lease directory by default: when the
 * group vmbal exists, the directory is its (mode 0750, never writable
 * by it) so that its members reach the socket, whose own mode (0660)
 * and the server's SO_PEERCRED check say who is served.
 */
static void
lease_dir_group(int dfd, const struct stat *st)
{
	struct group gr, *grp = NULL;
	char buf[8192];

	if (getgrnam_r("vmbal", &gr, buf, sizeof buf, &grp) != 0 || grp == NULL)
		return;
	if (st->st_gid != grp->gr_gid &&
	    fchown(dfd, (uid_t)-1, grp->gr_gid) != 0)
		return;		/* not ours to give (a user outside it) */
	if ((st->st_mode & (S_IRGRP | S_IXGRP)) != (S_IRGRP | S_IXGRP))
		(void)fchmod(dfd, (st->st_mode & 0700) | S_IRGRP | S_IXGRP);
}

/*
 * Opens the lease directory, making it 0700 when it is not there, and
 * checks it is a directory of ours that no one else can write into.
 * Its descriptor, or -1 with a message.
 */
static int
lease_open_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int dfd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot make the lease directory: %s",
		    dir, strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "%s: cannot open the lease directory: %s%s",
		    dir, strerror(errno), errno == ENOTDIR || errno == ELOOP ?
		    " (a symbolic link is not followed)" : "");
		return -1;
	}
	if (fstat(dfd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot stat the lease directory: %s",
		    dir, strerror(errno));
		close(dfd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen,
		    "%s: the lease directory is owned by uid %lu, not by the user running vmbal (uid %lu): refused (remove it, or set VMBAL_LEASE_DIR)",
		    dir, (unsigned long)st.st_uid, (unsigned long)geteuid());
		close(dfd);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen,
		    "%s: the lease directory is writable by its group or others (mode %04o): refused (chmod 700 it)",
		    dir, (unsigned)(st.st_mode & 07777));
		close(dfd);
		return -1;
	}
	lease_dir_group(dfd, &st);
	return dfd;
}

/* Opens (or makes) the lock file name in dfd: never through a link,
 * never truncated, and only a regular file of ours. fd or -1. */
static int
lease_open_file(int dfd, const char *name, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	int fd;

	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open the lease: %s", path,
		    errno == ELOOP ? "a symbolic link, not followed" :
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		snprintf(err, errlen,
		    "%s: cannot use the lease: not a regular file owned by the user running vmbal",
		    path);
		close(fd);
		return -1;
	}
	return fd;
}

struct lease *
lease_new(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX - 128], real[PATH_MAX], name[128];
	const char *base, *key;
	struct lease *l;
	int dfd;

	lease_dir(dir, sizeof dir);
	if ((dfd = lease_open_dir(dir, err, errlen)) < 0)
		return NULL;
	if (path == NULL)
		key = base = "demo";
	else {
		key = realpath(path, real) != NULL ? real : path;
		base = strrchr(key, '/') != NULL ? strrchr(key, '/') + 1 : key;
	}
	l = calloc(1, sizeof *l);
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		close(dfd);
		return NULL;
	}
	snprintf(name, sizeof name, "%.64s-%08x.lock", base,
	    (unsigned)cluster_hash(key));
	snprintf(l->path, sizeof l->path, "%s/%s", dir, name);
	l->fd = lease_open_file(dfd, name, l->path, err, errlen);
	close(dfd);
	if (l->fd < 0) {
		free(l);
		return NULL;
	}
	lease_retry(l);
	return l;
}

void
lease_free(struct lease *l)
{
	if (l == NULL)
		return;
	if (l->held)
		(void)!ftruncate(l->fd, 0);
	close(l->fd);	/* drops the lock */
	free(l);
}

bool
lease_held(const struct lease *l)
{
	return l->held;
}

/* Escapes in place what is not printable ASCII (a control character,
 * an escape sequence, any byte of UTF-8) as \xNN, within len bytes. */
static void
lease_escape(char *s, size_t len)
{
	char raw[sizeof ((struct lease *)0)->holder];
	size_t i, o = 0;

	snprintf(raw, sizeof raw, "%s", s);
	for (i = 0; raw[i] != '\0' && o + 5 < len; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			s[o++] = (char)c;
		else
			o += (size_t)snprintf(s + o, len - o, "\\x%02x", c);
	}
	s[o] = '\0';
}

const char *
lease_holder(struct lease *l)
{
	ssize_t n = 0;
	int tries;

	l->holder[0] = '\0';
	if (l->held)
		return l->holder;
	/* the holder may be between truncating and writing: look again */
	for (tries = 0; tries < 5; tries++) {
		n = pread(l->fd, l->holder, sizeof l->holder - 1, 0);
		if (n > 0)
			break;
		usleep(2000);
	}
	l->holder[n > 0 ? n : 0] = '\0';
	l->holder[strcspn(l->holder, "\n")] = '\0';
	/* written by whoever could write the file: print nothing a
	 * terminal would obey */
	lease_escape(l->holder, sizeof l->holder);
	if (l->holder[0] == '\0')
		snprintf(l->holder, sizeof l->holder, "another vmbal");
	return l->holder;
}

const char *
lease_path(const struct lease *l)
{
	return l->path;
}
