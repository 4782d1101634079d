/*
 * lease.c - one controller per cluster (see lease.h).
 *
 * The file is named <config basename>-<FNV-1a of its real path>.lock, so
 * two configurations of one name in different places are different
 * clusters, and the same file reached by two paths is one.
 */
#include <errno.h>
#include <fcntl.h>
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

static uint32_t
lease_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
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

struct lease *
lease_new(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX - 128], real[PATH_MAX];
	const char *base, *key;
	struct lease *l;

	lease_dir(dir, sizeof dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot make the lease directory: %s",
		    dir, strerror(errno));
		return NULL;
	}
	if (path == NULL)
		key = base = "demo";
	else {
		key = realpath(path, real) != NULL ? real : path;
		base = strrchr(key, '/') != NULL ? strrchr(key, '/') + 1 : key;
	}
	l = calloc(1, sizeof *l);
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(l->path, sizeof l->path, "%s/%.64s-%08x.lock", dir, base,
	    (unsigned)lease_hash(key));
	l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (l->fd < 0) {
		snprintf(err, errlen, "%s: cannot open the lease: %s", l->path,
		    strerror(errno));
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
	if (l->holder[0] == '\0')
		snprintf(l->holder, sizeof l->holder, "another vmbal");
	return l->holder;
}

const char *
lease_path(const struct lease *l)
{
	return l->path;
}
