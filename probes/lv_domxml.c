/*
 * lv_domxml.c - saved domain definitions (see lv_domxml.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lv_domxml.h"

uint64_t
lv_domxml_hash(const char *xml)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *xml != '\0'; xml++) {
		h ^= (unsigned char)*xml;
		h *= 1099511628211ULL;
	}
	return h;
}

char *
lv_domxml_fetch(virDomainPtr dom, char *err, size_t errlen)
{
	char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE |
	    VIR_DOMAIN_XML_SECURE);
	virErrorPtr e;

	if (xml != NULL)
		return xml;
	e = virGetLastError();
	snprintf(err, errlen, "%s", e != NULL && e->message != NULL ?
	    e->message : "cannot read the domain's definition");
	virResetLastError();
	return NULL;
}

int
lv_domxml_name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' && name[0] != '.' &&
	    strchr(name, '/') == NULL && strlen(name) < 240;
}

/* Makes path and its missing parents (0700); 0 or -1 with errno. */
static int
lv_domxml_mkdirs(const char *path)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		buf[i] = i == n ? '\0' : '/';
	}
	return 0;
}

static int
lv_domxml_path(char *out, size_t len, const char *dir, const char *host,
    const char *vm, char *err, size_t errlen)
{
	if (!lv_domxml_name_ok(host) || !lv_domxml_name_ok(vm)) {
		snprintf(err, errlen, "cannot name a file after %s/%s", host,
		    vm);
		return -1;
	}
	if ((size_t)snprintf(out, len, "%s/%s/%s.xml", dir, host, vm) >= len) {
		snprintf(err, errlen, "path too long under %s", dir);
		return -1;
	}
	return 0;
}

int
lv_domxml_save(const char *dir, const char *host, const char *vm,
    const char *xml, char *err, size_t errlen)
{
	char path[4096], tmp[4096 + 16], hdir[4096];
	size_t len = strlen(xml), off = 0;
	int fd;

	if (lv_domxml_path(path, sizeof path, dir, host, vm, err, errlen) != 0)
		return -1;
	snprintf(hdir, sizeof hdir, "%s/%s", dir, host);
	if (lv_domxml_mkdirs(hdir) != 0) {
		snprintf(err, errlen, "%s: %s", hdir, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", hdir, vm);
	fd = mkstemp(tmp);	/* 0600 */
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, xml + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

char *
lv_domxml_read(const char *dir, const char *host, const char *vm, char *err,
    size_t errlen)
{
	char path[4096], *buf;
	size_t off = 0;
	struct stat st;
	int fd;

	if (lv_domxml_path(path, sizeof path, dir, host, vm, err, errlen) != 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "no saved definition of %s from %s: "
		    "%s: %s", vm, host, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)LV_DOMXML_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %u "
		    "bytes", path, LV_DOMXML_MAX);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + off, (size_t)st.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	buf[off] = '\0';
	return buf;
}
