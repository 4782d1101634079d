/*
 * bench_probe.c - CPU time the libvirt collector spends per collection,
 * for a host of N domains (libvirt's test driver, from a generated XML
 * file) and for any URIs given. Target: under 10 ms of CPU per 1,000 VMs
 * per tick.
 *
 * It runs the real collector (worker threads, bulk stats, rates) with a
 * short probe interval and divides the process's CPU time by the number
 * of collections, beside a baseline: the same run with no domains.
 * Usage: bench_probe N [URI...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/monotime.h"
#include "../../engine/config.h"
#include "../../probes/lv_probe.h"

#define ROUNDS 40
#define INTERVAL 0.05

static int
write_test_xml(const char *path, int n)
{
	FILE *f = fopen(path, "w");
	int i;

	if (f == NULL)
		return -1;
	fprintf(f, "<node>\n  <cpu><nodes>1</nodes><sockets>2</sockets>"
	    "<cores>8</cores><threads>2</threads><mhz>2000</mhz></cpu>\n"
	    "  <memory>%d</memory>\n", 1024 * 1024 * 1024);
	for (i = 0; i < n; i++)
		fprintf(f, "  <domain type='test'><name>vm%05d</name>"
		    "<memory>1048576</memory><vcpu>2</vcpu>"
		    "<os><type>hvm</type></os></domain>\n", i);
	fprintf(f, "</node>\n");
	return fclose(f);
}

/* CPU seconds per collection of uri, and the VMs one collection saw. */
static double
measure(const char *uri, size_t *nvms)
{
	char yaml[1024];
	struct config *cfg;
	struct probe p;
	struct snapshot *s;
	struct diag d;
	double t0, t1;

	snprintf(yaml, sizeof yaml, "hosts:\n  - {name: h, uri: '%s'}\n"
	    "policy: {probe_interval_s: %g}\n", uri, INTERVAL);
	cfg = config_new_from_buffer("bench", yaml, strlen(yaml),
	    CONFIG_CLUSTER, &d);
	if (cfg == NULL || lv_probe_init(&p, cfg, &d) != 0) {
		fprintf(stderr, "bench_probe: %s\n", d.msg);
		exit(1);
	}
	usleep((useconds_t)(INTERVAL * 3e6));	/* connected, first pass */
	t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	usleep((useconds_t)(INTERVAL * ROUNDS * 1e6));
	s = p.ops->collect(p.impl, 0, &d);	/* the merge is part of it */
	t1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	*nvms = s != NULL ? s->nvms : 0;
	snapshot_free(s);
	p.ops->free(p.impl);
	config_free(cfg);
	return (t1 - t0) / ROUNDS;
}

int
main(int argc, char **argv)
{
	char path[] = "/tmp/vmbal-bench-XXXXXX", empty[64], full[64], uri[128];
	double base, per;
	size_t nv;
	int n = argc > 1 ? atoi(argv[1]) : 1000, i;

	if (mkdtemp(path) == NULL)
		return 1;
	snprintf(empty, sizeof empty, "%s/empty.xml", path);
	snprintf(full, sizeof full, "%s/full.xml", path);
	if (write_test_xml(empty, 0) != 0 || write_test_xml(full, n) != 0)
		return 1;
	snprintf(uri, sizeof uri, "test://%s", empty);
	base = measure(uri, &nv);
	snprintf(uri, sizeof uri, "test://%s", full);
	per = measure(uri, &nv);
	printf("probe: test driver, %zu domains: %.3f ms CPU per collection "
	    "(baseline, no domains: %.3f ms); %.3f ms per 1,000 VMs "
	    "(target < 10)\n", nv, per * 1e3, base * 1e3,
	    nv > 0 ? (per - base) * 1e3 * 1000.0 / (double)nv : 0);
	for (i = 2; i < argc; i++) {
		per = measure(argv[i], &nv);
		printf("probe: %s, %zu domains: %.3f ms CPU per collection\n",
		    argv[i], nv, per * 1e3);
	}
	unlink(empty);
	unlink(full);
	rmdir(path);
	return 0;
}
