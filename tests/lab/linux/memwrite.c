/*
 * memwrite.c - the workload of the lab's Linux guest (tests/lab/linux/),
 * run by its /init as the only program of the guest.
 *
 *   memwrite MODE [BUF_MIB]
 *
 * fills a buffer of BUF_MIB MiB (default 64) with non-zero bytes (so the
 * guest has that much memory to migrate whatever it does), then, by MODE:
 *   idle      sleeps between ticks;
 *   cpu       spins on arithmetic between ticks (a CPU-bound guest that
 *             writes next to no memory);
 *   mem:RATE  writes RATE MiB/s across the buffer, cyclically, every
 *             byte of each page it passes (so RATE MiB/s of pages are
 *             dirtied while the buffer is larger than that): every tick
 *             what the rate owes since the start, whole pages, at most
 *             four ticks' worth (a guest slowed down catches up a little,
 *             not all at once).
 * A tick is 10 ms. Every tick it prints one line on its standard output
 * (the serial console):
 *   mw SEQ T_MS WRITTEN_MIB
 * SEQ counting ticks from 0, T_MS the guest's monotonic clock, WRITTEN_MIB
 * what the mem mode wrote so far. An observer outside the guest that
 * timestamps the lines as they arrive sees the gap while the guest is
 * paused (a migration's downtime). A tick missed (the guest paused or
 * throttled) is not made up: the next one is 10 ms after the late one.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 10000000L
#define MIB (1024UL * 1024UL)

enum mode { M_IDLE, M_CPU, M_MEM };

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000LL,
		.tv_nsec = t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int
usage(void)
{
	fprintf(stderr, "usage: memwrite idle|cpu|mem:RATE_MIBPS [BUF_MIB]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	enum mode mode;
	unsigned long rate = 0, buf_mib = 64, seq;
	unsigned char *buf;
	size_t size, pos = 0, slice = 0;
	uint64_t written = 0;
	int64_t t0;
	volatile uint64_t spin = 1;
	int64_t next;
	char *end;

	if (argc < 2 || argc > 3)
		return usage();
	if (strcmp(argv[1], "idle") == 0)
		mode = M_IDLE;
	else if (strcmp(argv[1], "cpu") == 0)
		mode = M_CPU;
	else if (strncmp(argv[1], "mem:", 4) == 0) {
		mode = M_MEM;
		errno = 0;
		rate = strtoul(argv[1] + 4, &end, 10);
		if (errno != 0 || end == argv[1] + 4 || *end != '\0' || rate == 0 ||
		    rate > 100000)
			return usage();
	} else
		return usage();
	if (argc == 3) {
		errno = 0;
		buf_mib = strtoul(argv[2], &end, 10);
		if (errno != 0 || end == argv[2] || *end != '\0' || buf_mib == 0 ||
		    buf_mib > 65536)
			return usage();
	}
	size = buf_mib * MIB;
	buf = malloc(size);
	if (buf == NULL) {
		fprintf(stderr, "memwrite: cannot allocate %lu MiB\n", buf_mib);
		return 1;
	}
	memset(buf, 0xa5, size);
	if (mode == M_MEM) {
		/* bytes per tick, whole pages */
		slice = (size_t)((uint64_t)rate * MIB / (1000000000ULL / TICK_NS));
		slice = (slice + 4095) & ~(size_t)4095;
		if (slice > size)
			slice = size;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("mw start mode=%s buf_mib=%lu\n", argv[1], buf_mib);
	next = t0 = now_ns();
	for (seq = 0;; seq++) {
		char line[96];
		int n;

		n = snprintf(line, sizeof(line), "mw %lu %lld %llu\n", seq,
		    (long long)(now_ns() / 1000000),
		    (unsigned long long)(written / MIB));
		if (write(STDOUT_FILENO, line, (size_t)n) < 0 && errno != EINTR)
			return 1;
		if (mode == M_MEM) {
			uint64_t owed = (uint64_t)((double)rate * MIB *
			    (double)(now_ns() - t0) / 1e9);
			size_t left = owed > written ? (size_t)(owed - written) : 0;

			left = (left + 4095) & ~(size_t)4095;
			if (left > 4 * slice)
				left = 4 * slice;
			written += left;

			while (left > 0) {
				size_t k = size - pos < left ? size - pos : left;

				memset(buf + pos, (int)(seq & 0x7f) + 1, k);
				pos = (pos + k) % size;
				left -= k;
			}
		}
		next += TICK_NS;
		if (now_ns() > next)	/* late: do not make up missed ticks */
			next = now_ns() + TICK_NS;
		if (mode == M_CPU) {
			while (now_ns() < next)
				for (int i = 0; i < 1000; i++)
					spin = spin * 6364136223846793005ULL + 1;
		} else
			sleep_until(next);
	}
}
