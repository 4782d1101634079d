/*
 * theme_find.c - finding a console theme by name and listing the themes
 * on offer: the user's directory, the installed one, the one beside the
 * executable, then the built-in copies (themes/README.md, "Where themes
 * are looked for"). Each file is opened as one vmbal trusts
 * (../engine/safefile.h) and read through theme_parse (theme.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/safefile.h"
#include "theme.h"
#include "theme_builtin.h"

#ifndef VMBAL_SHAREDIR
#define VMBAL_SHAREDIR "/usr/local/share/vmbal"
#endif

#define THEME_NDIRS	3	/* user, installed, beside the executable */

/* The directories searched for NAME.theme, in order; how many. A
 * directory whose path would be too long is left out. */
static size_t
theme_dirs(char dirs[THEME_NDIRS][PATH_MAX])
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char exe[PATH_MAX], *slash;
	ssize_t n;
	size_t nd = 0;
	int w;

	w = -1;
	if (xdg != NULL && xdg[0] == '/')
		w = snprintf(dirs[nd], PATH_MAX, "%s/vmbal/themes", xdg);
	else if (home != NULL && home[0] != '\0')
		w = snprintf(dirs[nd], PATH_MAX, "%s/.config/vmbal/themes",
		    home);
	if (w > 0 && w < PATH_MAX)
		nd++;
	w = snprintf(dirs[nd], PATH_MAX, "%s/themes", VMBAL_SHAREDIR);
	if (w > 0 && w < PATH_MAX)
		nd++;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			w = snprintf(dirs[nd], PATH_MAX, "%s/themes", exe);
			if (w > 0 && w < PATH_MAX &&
			    (nd == 0 || strcmp(dirs[nd], dirs[nd - 1]) != 0))
				nd++;
		}
	}
	return nd;
}

/*
 * Reads path into a new buffer (caller frees), at most one byte more than
 * a theme may have, so that the parser can refuse a file too large.
 * 1 read, 0 no such file, -1 error with a message, THEME_REFUSED when the
 * file is not one vmbal trusts (safefile.h: another user could have
 * written it, or it is not a regular file).
 */
static int
read_theme_file(const char *path, char **buf, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	char why[256];
	int fd;

	*buf = NULL;
	switch (safefile_open(path, &fd, &st, why, sizeof why)) {
	case SAFEFILE_OK:
		break;
	case SAFEFILE_MISSING:
		return 0;
	case SAFEFILE_UNSAFE:
		snprintf(err, errlen, "%s: %s", path, why);
		return THEME_REFUSED;
	default:
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if ((*buf = malloc(THEME_MAX_BYTES + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	if (safefile_read(fd, *buf, THEME_MAX_BYTES + 1, len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(*buf);
		*buf = NULL;
		close(fd);
		return -1;
	}
	close(fd);
	return 1;
}

int
theme_load(const char *name, struct theme *out, char *err, size_t errlen)
{
	char dirs[THEME_NDIRS][PATH_MAX], path[PATH_MAX + 80], label[96];
	const struct theme_builtin *b;
	size_t nd, i, len;
	char *buf;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	else
		errlen = 0;
	theme_default(out);
	if (name == NULL || !theme_name_ok(name, strlen(name))) {
		snprintf(err, errlen, "bad theme name '%.64s' (1-63 letters, "
		    "digits, '.', '-', '_')", name != NULL ? name : "");
		return -1;
	}
	nd = theme_dirs(dirs);
	for (i = 0; i < nd; i++) {
		snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
		rc = read_theme_file(path, &buf, &len, err, errlen);
		if (rc == 0)
			continue;
		if (rc > 0) {
			rc = theme_parse(path, buf, len, out, err, errlen) == 0 ?
			    0 : -1;
			free(buf);
		}
		if (rc != 0)
			theme_default(out);
		else
			snprintf(out->name, sizeof out->name, "%s", name);
		return rc;
	}
	if ((b = theme_builtin_find(name)) != NULL) {
		snprintf(label, sizeof label, "%s.theme (built in)", name);
		if (theme_parse(label, b->start, (size_t)(b->end - b->start),
		    out, err, errlen) == 0)
			return 0;
		theme_default(out);
		return -1;
	}
	if (errlen > 0) {
		len = (size_t)snprintf(err, errlen, "no theme '%s': no %s.theme in",
		    name, name);
		for (i = 0; i < nd && len < errlen; i++)
			len += (size_t)snprintf(err + len, errlen - len, "%s %s",
			    i == 0 ? "" : i + 1 == nd ? " or" : ",", dirs[i]);
		if (len < errlen)
			snprintf(err + len, errlen - len,
			    "; built in: dark, light, mono");
	}
	return -1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Adds the themes of dir not yet in found[0..*n) (growing it). */
static void
list_dir(const char *dir, char (**found)[64], size_t *n, size_t *cap)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	size_t len, i;
	char (*grown)[64];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 6 || strcmp(e->d_name + len - 6, ".theme") != 0 ||
		    !theme_name_ok(e->d_name, len - 6))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		len -= 6;
		for (i = 0; i < *n; i++)
			if (strncmp((*found)[i], e->d_name, len) == 0 &&
			    (*found)[i][len] == '\0')
				break;
		if (i < *n)
			continue;
		if (*n == *cap) {
			*cap = *cap != 0 ? *cap * 2 : 16;
			grown = realloc(*found, *cap * sizeof **found);
			if (grown == NULL)
				break;
			*found = grown;
		}
		memcpy((*found)[*n], e->d_name, len);
		(*found)[(*n)++][len] = '\0';
	}
	closedir(d);
}

size_t
theme_list(char names[][64], size_t max)
{
	char dirs[THEME_NDIRS][PATH_MAX], (*found)[64];
	size_t nd, nfound = 0, cap = 16, n, i;

	/* the built-ins go in first, so the directories do not repeat them */
	if ((found = malloc(cap * sizeof *found)) == NULL)
		return 0;
	for (i = 0; theme_builtins[i].name != NULL && i < cap; i++)
		snprintf(found[nfound++], 64, "%s", theme_builtins[i].name);
	n = nfound;
	nd = theme_dirs(dirs);
	for (i = 0; i < nd; i++)
		list_dir(dirs[i], &found, &nfound, &cap);
	if (nfound > n)
		qsort(found + n, nfound - n, sizeof *found, name_cmp);
	for (i = 0; i < nfound && i < max; i++)
		memcpy(names[i], found[i], 64);
	free(found);
	return i;
}
