/*
 * bench_plan.c - plan time and peak memory of the balance planner on big
 * snapshots, next to greedy-2008 on the same snapshot.
 *
 * Each case runs in a child process of its own: the child builds the
 * snapshot, notes its peak resident size, plans, and notes it again, so
 * the planner's own peak is the difference. CPU time is the child's
 * process CPU time around the call (one core). Usage:
 * bench_plan HOSTS VMS [SEED]; prints one line per planner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/monotime.h"
#include "../../engine/plan.h"

static long
peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * Hosts of 8 to 64 CPUs with 1 TiB; VMs of 1 to 4 vCPUs and 1 to 8 GiB,
 * whose loads (at most 90% of their vCPUs) fill half the cluster's CPU on
 * average. 40% of the VMs crowd onto a quarter of the hosts: the cluster
 * is out of balance, as a planner would see it.
 */
static struct plan_input *
bench_input(int nh, int nv, unsigned seed)
{
	struct plan_input *in = plan_input_new((size_t)nh, (size_t)nv);
	unsigned short rng[3] = { 0x4242, (unsigned short)seed,
		(unsigned short)(seed >> 16) };
	char **names = calloc((size_t)(nh + nv), sizeof *names);
	long *used = calloc((size_t)nh, sizeof *used);
	double total = 0, share;
	int h, v;

	for (h = 0; h < nh; h++) {
		names[h] = malloc(16);
		snprintf(names[h], 16, "host%04d", h);
		in->hosts[h].name = names[h];
		in->hosts[h].cap = 100.0 * (8 << (int)(erand48(rng) * 4));
		in->hosts[h].mem_total = 1024L * 1024;
		in->hosts[h].up = true;
		total += in->hosts[h].cap;
	}
	/* half the cluster's CPU in use, on average */
	share = 0.5 * total / nv;
	for (v = 0; v < nv; v++) {
		struct plan_vm *pv = &in->vms[v];
		int vcpus = 1 + (int)(erand48(rng) * 4);

		names[nh + v] = malloc(16);
		snprintf(names[nh + v], 16, "vm%05d", v);
		pv->name = names[nh + v];
		pv->load = erand48(rng) * 2.0 * share;
		if (pv->load > 90.0 * vcpus)
			pv->load = 90.0 * vcpus;
		pv->mem = 1024L * (1 + (int)(erand48(rng) * 8));
		pv->movable = true;
		pv->pin = -1;
		do {
			h = erand48(rng) < 0.4 ? (int)(erand48(rng) * nh / 4) :
			    (int)(erand48(rng) * nh);
		} while (used[h] + pv->mem > in->hosts[h].mem_total);
		pv->host = h;
		used[h] += pv->mem;
	}
	in->imbalanced = true;
	in->policy.weight_cpu = 1;
	in->policy.weight_memory = 0.5;
	free(used);
	/* names leak with the child: it exits right after */
	return in;
}

static void
bench_child(int nh, int nv, unsigned seed, int greedy, int fd)
{
	struct plan_input *in = bench_input(nh, nv, seed);
	long before = peak_kib(), after;
	double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t1;
	struct plan *p = greedy ? planner_greedy_2008(in) : planner_balance(in);
	char line[512];
	int n;

	t1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	after = peak_kib();
	n = snprintf(line, sizeof line,
	    "%-12s %5d hosts %6d VMs: %9.2f ms CPU, peak +%6.1f MiB, %4zu moves, "
	    "score spread %.2f -> %.2f, cpu spread %.2f -> %.2f, "
	    "min_moves %ld, target %.2f\n",
	    greedy ? "greedy-2008" : "vmbal", nh, nv, (t1 - t0) * 1e3,
	    (double)(after - before) / 1024.0, p != NULL ? p->nmoves : 0,
	    p != NULL ? p->score_before : 0, p != NULL ? p->score_after : 0,
	    p != NULL ? p->spread_before : 0, p != NULL ? p->spread_after : 0,
	    p != NULL ? p->min_moves : -1, p != NULL ? p->target : 0);
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
	_exit(p != NULL ? 0 : 1);
}

int
main(int argc, char **argv)
{
	int nh, nv, greedy, fds[2], st;
	unsigned seed;
	char buf[512];
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_plan HOSTS VMS [SEED]\n");
		return 2;
	}
	nh = atoi(argv[1]);
	nv = atoi(argv[2]);
	seed = argc > 3 ? (unsigned)atoi(argv[3]) : 1;
	for (greedy = 1; greedy >= 0; greedy--) {
		if (pipe(fds) != 0)
			return 1;
		if (fork() == 0) {
			close(fds[0]);
			bench_child(nh, nv, seed, greedy, fds[1]);
		}
		close(fds[1]);
		while ((n = read(fds[0], buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			fputs(buf, stdout);
		}
		close(fds[0]);
		wait(&st);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return 1;
	}
	return 0;
}
