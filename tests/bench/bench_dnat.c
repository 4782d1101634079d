/*
 * bench_dnat.c - time to apply 1,000 services x 10 backends through the
 * libiptc programmer, and to update one service at that size, beside
 * iptables-legacy-restore of the identical ruleset in the same run.
 *
 * Runs in a network namespace of its own (unshare), so the machine's
 * tables are never touched. Needs root. Wall-clock times, best of 3.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/monotime.h"
#include "../../actions/dnat_iptc.h"

#define NSVC 1000
#define NBE 10

static char addrs[NSVC * (NBE + 1)][20], names[NSVC][16];

static void
build(struct dnat_service *s)
{
	int i, j;

	for (i = 0; i < NSVC; i++) {
		snprintf(names[i], sizeof names[i], "svc%d", i);
		snprintf(addrs[i * (NBE + 1)], 20, "198.18.%d.%d", 100 + i / 250,
		    i % 250 + 1);
		s[i].name = names[i];
		s[i].vip = addrs[i * (NBE + 1)];
		s[i].port = 80;
		s[i].protocol = PROTO_TCP;
		s[i].algorithm = ALGO_WEIGHTED;
		s[i].backends = calloc(NBE, sizeof *s[i].backends);
		s[i].nbackends = NBE;
		for (j = 0; j < NBE; j++) {
			char *a = addrs[i * (NBE + 1) + j + 1];

			snprintf(a, 20, "198.19.%d.%d", i / 25, (i % 25) * 10 + j + 1);
			s[i].backends[j].address = a;
			s[i].backends[j].port = 8080;
			s[i].backends[j].weight = 1 + j;
			s[i].backends[j].up = true;
		}
	}
}

static double
run_cmd(const char *cmd, const char *in)
{
	double t0 = monotime_now();
	FILE *p = popen(cmd, "w");

	if (p == NULL)
		return -1;
	if (in != NULL)
		fputs(in, p);
	if (pclose(p) != 0)
		return -1;
	return monotime_now() - t0;
}

static char *
slurp(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t cap = 1 << 20, n = 0, k;
	char *buf = malloc(cap);

	while (p != NULL && (k = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += k;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = '\0';
	if (p != NULL)
		pclose(p);
	return buf;
}

int
main(void)
{
	static struct dnat_service svcs[NSVC];
	struct dnat dn;
	struct diag d;
	double best_apply = 1e9, best_update = 1e9, best_same = 1e9,
	    best_restore = 1e9, t;
	bool changed;
	char *saved;
	int round;

	if (geteuid() != 0) {
		printf("dnat: skipped (needs root)\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		perror("unshare");
		return 1;
	}
	build(svcs);
	dnat_iptc_init(&dn, "bench", &d);
	for (round = 0; round < 3; round++) {
		dn.ops->flush(dn.impl, &d);
		t = monotime_now();
		if (dn.ops->apply(dn.impl, svcs, NSVC, &changed, &d) != 0) {
			fprintf(stderr, "apply: %s\n", d.msg);
			return 1;
		}
		t = monotime_now() - t;
		best_apply = t < best_apply ? t : best_apply;
		t = monotime_now();
		dn.ops->apply(dn.impl, svcs, NSVC, &changed, &d);
		t = monotime_now() - t;
		best_same = t < best_same ? t : best_same;
		svcs[round].backends[0].weight += 5;	/* one service changes */
		t = monotime_now();
		dn.ops->apply(dn.impl, svcs, NSVC, &changed, &d);
		t = monotime_now() - t;
		best_update = t < best_update ? t : best_update;
	}
	saved = slurp("iptables-legacy-save -t nat");
	for (round = 0; round < 3; round++) {
		dn.ops->flush(dn.impl, &d);
		t = run_cmd("iptables-legacy-restore -w", saved);
		if (t < 0) {
			fprintf(stderr, "iptables-legacy-restore failed\n");
			return 1;
		}
		best_restore = t < best_restore ? t : best_restore;
	}
	printf("dnat: %d services x %d backends (%zu bytes of iptables-save)\n",
	    NSVC, NBE, strlen(saved));
	printf("   vmbal apply, empty table:        %8.1f ms\n", best_apply * 1e3);
	printf("   vmbal apply, same state again:   %8.1f ms (nothing written)\n",
	    best_same * 1e3);
	printf("   vmbal apply, one service changed: %7.1f ms\n", best_update * 1e3);
	printf("   iptables-legacy-restore, same:   %8.1f ms (baseline; %.2fx vmbal's full apply)\n",
	    best_restore * 1e3, best_restore / best_apply);
	dn.ops->free(dn.impl);
	free(saved);
	return 0;
}
