/*
 * bench_journal.c - reading the action journal back at start (restart
 * safety): time and peak memory of journal_replay_read on generated
 * journals of the sizes asked for (tests/unit/journal_gen.h: 1,000 VMs,
 * a move every 2 s, the last few left open).
 *
 * Each journal is written to a temporary directory first (so it is read
 * from the page cache: the figure is vmbal's work, not the disk's), then
 * read in a child process of its own, which notes its peak resident size
 * before and after: the reader's own peak is the difference. Usage:
 * bench_journal MB [MB...]; prints one line per size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../actions/journal_file.h"
#include "../../lib/monotime.h"
#include "../unit/journal_gen.h"

#define NOW 1800000000.0

static long
peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
bench_child(const char *path, int mb, int fd)
{
	long before = peak_kib(), after;
	double w0 = clock_s(CLOCK_MONOTONIC), c0 =
	    clock_s(CLOCK_PROCESS_CPUTIME_ID), w1, c1;
	struct diag d;
	struct journal_past *p = journal_replay_read(path, NOW, 300, &d);
	char line[512];
	int n;

	w1 = clock_s(CLOCK_MONOTONIC);
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	after = peak_kib();
	if (p == NULL) {
		n = snprintf(line, sizeof line, "journal %d MB: %s\n", mb, d.msg);
		if (write(fd, line, (size_t)n) != n)
			_exit(1);
		_exit(1);
	}
	n = snprintf(line, sizeof line,
	    "journal %4d MB: %9.1f ms, %9.1f ms CPU, peak +%7.1f MiB, "
	    "%zu moves kept, %zu bad lines\n", mb, (w1 - w0) * 1e3,
	    (c1 - c0) * 1e3, (double)(after - before) / 1024.0, p->nmoves,
	    p->bad_lines);
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

static int
bench_size(const char *dir, int mb)
{
	char path[4096], buf[512];
	int fds[2], st;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof path, "%s/journal-%d.jsonl", dir, mb);
	if ((f = fopen(path, "w")) == NULL ||
	    journal_gen_write(f, (size_t)mb << 20, NOW, 1000) == 0) {
		fprintf(stderr, "bench_journal: cannot write %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (pipe(fds) != 0)
		return -1;
	fflush(stdout);
	if (fork() == 0) {
		close(fds[0]);
		bench_child(path, mb, fds[1]);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof buf - 1)) > 0) {
		buf[n] = '\0';
		fputs(buf, stdout);
	}
	close(fds[0]);
	wait(&st);
	unlink(path);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/vmbal-bench-journal-XXXXXX";
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_journal MB [MB...]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL) {
		perror("bench_journal: mkdtemp");
		return 1;
	}
	for (i = 1; i < argc && rc == 0; i++)
		rc = bench_size(dir, atoi(argv[i]));
	rmdir(dir);
	return rc == 0 ? 0 : 1;
}
