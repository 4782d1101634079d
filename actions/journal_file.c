/*
 * journal_file.c - the action journal in a file (see journal_file.h).
 *
 * One JSON object per line (jansson), with the wall-clock time in UTC
 * beside the run's ts; the file is opened with O_APPEND so concurrent
 * writers never interleave inside a line, and each record is fsync'ed:
 * an intent is on disk before its action starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal_file.h"

struct journal_file {
	int fd;
};

static int
journal_file_record(void *impl, const struct journal_entry *e)
{
	struct journal_file *jf = impl;
	char when[32], *line;
	struct timespec ts;
	struct tm tm;
	json_t *o = json_object();
	size_t len;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "ts", json_real((double)(long long)(e->ts * 100) / 100));
	json_object_set_new(o, "phase", json_string(e->outcome ? "outcome" :
	    "intent"));
	json_object_set_new(o, "who", json_string(e->who));
	json_object_set_new(o, "action", json_string(e->action));
	json_object_set_new(o, "vm", json_string(e->vm));
	json_object_set_new(o, "from", json_string(e->from));
	json_object_set_new(o, "to", json_string(e->to));
	if (e->outcome) {
		json_object_set_new(o, "status",
		    json_string(mig_status_name(e->status)));
		json_object_set_new(o, "duration_s",
		    json_real((double)(long long)(e->duration_s * 100) / 100));
		if (e->error != NULL)
			json_object_set_new(o, "error", json_string(e->error));
	}
	line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (line == NULL)
		return -1;
	len = strlen(line);
	line[len] = '\n';	/* json_dumps leaves room for the NUL */
	if (write(jf->fd, line, len + 1) != (ssize_t)(len + 1) ||
	    fdatasync(jf->fd) != 0)
		rc = -1;
	free(line);
	return rc;
}

static void
journal_file_free(void *impl)
{
	struct journal_file *jf = impl;

	if (jf == NULL)
		return;
	close(jf->fd);
	free(jf);
}

static const struct journal_ops journal_file_ops = {
	.record = journal_file_record,
	.free = journal_file_free,
};

int
journal_file_init(struct journal *j, const char *path, struct diag *d)
{
	struct journal_file *jf = calloc(1, sizeof *jf);
	char *dir = strdup(path);

	if (jf == NULL || dir == NULL) {
		free(jf);
		free(dir);
		diag_set(d, NULL, 0, 0, "out of memory");
		return -1;
	}
	mkdir(dirname(dir), 0750);	/* one level, like /var/lib/vmbal */
	free(dir);
	jf->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (jf->fd < 0) {
		diag_set(d, path, 0, 0, "cannot open the journal: %s",
		    strerror(errno));
		free(jf);
		return -1;
	}
	j->ops = &journal_file_ops;
	j->impl = jf;
	return 0;
}
