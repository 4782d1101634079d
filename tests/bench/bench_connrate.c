/*
 * bench_connrate.c - new TCP connections per second, for vip_scale.sh.
 *
 *   bench_connrate serve PORT
 *       accepts connections on PORT and closes each at once (so the
 *       server, not the client, holds TIME_WAIT); runs until killed.
 *   bench_connrate connect ADDR PORT SECONDS [THREADS]
 *       THREADS (default 2) loops of connect, read to EOF, close, for
 *       SECONDS; prints "conns N fails F secs S rate R cpu C percpu P":
 *       R connections per second of wall time, P per second of the
 *       client threads' own CPU time (C seconds in all). The kernel's
 *       work for a connection's first packets, the balancer's nat walk
 *       included, is done in the sending thread's context (veth delivers
 *       in the sender's softirq, and this kernel charges softirq time to
 *       the task it interrupts: no IRQ_TIME_ACCOUNTING), so P measures
 *       what a connection costs on its path and moves far less than R
 *       when other work shares the machine.
 *
 * Every connection is a new one, so its first packet walks the nat
 * table on the way (the rest follow conntrack): the rate measures what
 * the rules cost per new connection. Not linked to vmbal's code.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in to;
static double until;
static atomic_long conns, fails, cpu_ns;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *loop(void *arg)
{
	char buf[64];
	long ok = 0, bad = 0;

	(void)arg;
	while (now() < until) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0) {
			bad++;
			continue;
		}
		if (connect(s, (struct sockaddr *)&to, sizeof to) == 0) {
			while (read(s, buf, sizeof buf) > 0)
				;
			ok++;
		} else {
			bad++;
		}
		close(s);
	}
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	atomic_fetch_add(&cpu_ns, (long)ts.tv_sec * 1000000000L + ts.tv_nsec);
	atomic_fetch_add(&conns, ok);
	atomic_fetch_add(&fails, bad);
	return NULL;
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof one) != 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(s, 4096) != 0) {
		perror("serve");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED)
			usleep(1000);
	}
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	int nth = 2;
	double secs, t0;

	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(atoi(argv[2]));
	if ((argc != 5 && argc != 6) || strcmp(argv[1], "connect") != 0)
		goto usage;
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1)
		goto usage;
	secs = atof(argv[4]);
	if (argc == 6)
		nth = atoi(argv[5]);
	if (nth < 1 || nth > 64 || secs <= 0)
		goto usage;
	t0 = now();
	until = t0 + secs;
	for (int i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, loop, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	double cpu = (double)atomic_load(&cpu_ns) / 1e9;
	printf("conns %ld fails %ld secs %.3f rate %.1f cpu %.3f percpu %.1f\n",
	    atomic_load(&conns), atomic_load(&fails), secs,
	    (double)atomic_load(&conns) / secs, cpu,
	    cpu > 0 ? (double)atomic_load(&conns) / cpu : 0.0);
	return 0;
usage:
	fprintf(stderr, "usage: bench_connrate serve PORT | "
	    "bench_connrate connect ADDR PORT SECONDS [THREADS]\n");
	return 2;
}
