/*
 * history_marks.c - marks.tsv read back (see history_marks.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_marks.h"

/* One line into m; 0, or -1 when it is not a mark. */
static int
history_marks_parse(char *line, struct history_mark *m)
{
	char *f[5], *save = NULL, *end;
	int n;

	line[strcspn(line, "\n")] = '\0';
	for (n = 0; n < 5; n++) {
		f[n] = strtok_r(n == 0 ? line : NULL, "\t", &save);
		if (f[n] == NULL)
			break;
	}
	if (n < 4)
		return -1;
	m->t = strtol(f[0], &end, 10);
	if (*end != '\0')
		return -1;
	m->migration = strcmp(f[1], "migration") == 0;
	if (m->migration && n == 5) {
		snprintf(m->vm, sizeof m->vm, "%s", f[2]);
		snprintf(m->from, sizeof m->from, "%s", f[3]);
		snprintf(m->to, sizeof m->to, "%s", f[4]);
		return 0;
	}
	if (strcmp(f[1], "maintenance") == 0 && n == 4) {
		m->vm[0] = '\0';
		snprintf(m->from, sizeof m->from, "%s", f[2]);
		snprintf(m->to, sizeof m->to, "%s", f[3]);
		return 0;
	}
	return -1;
}

int
history_marks_read(const char *dir, long start, long end,
    struct history_mark **out, size_t *n)
{
	char path[PATH_MAX], line[2048];
	struct history_mark m, *v = NULL, *grown;
	size_t cap = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof path, "%s/marks.tsv", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		/* a line longer than the buffer: its rest is no mark */
		if (history_marks_parse(line, &m) != 0 || m.t < start ||
		    m.t > end)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			grown = realloc(v, cap * sizeof *v);
			if (grown == NULL) {
				free(v);
				fclose(f);
				*n = 0;
				return -1;
			}
			v = grown;
		}
		v[(*n)++] = m;
	}
	fclose(f);
	*out = v;
	return 0;
}

bool
history_mark_about(const struct history_mark *m, enum history_kind k,
    const char *name)
{
	switch (k) {
	case HK_HOST:
		return strcmp(m->from, name) == 0 ||
		    (m->migration && strcmp(m->to, name) == 0);
	case HK_VM:
		return m->migration && strcmp(m->vm, name) == 0;
	case HK_CLUSTER:
		return true;
	case HK_SERVICE:
		break;
	}
	return false;
}
