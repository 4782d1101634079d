/*
 * dnat_tool.c - drives the libiptc DNAT programmer without the rest of
 * vmbal, for the lab tests.
 *
 *   dnat_tool -t TAG apply FILE|-   prints "applied" or "unchanged"
 *   dnat_tool -t TAG flush          prints "flushed"
 *   dnat_tool tag CONFIG            prints the tag vmbal gives CONFIG
 *
 * TAG names the configuration whose chains (VMBAL-TAG-...) are written.
 *
 * FILE, one item a line ('#' starts a comment):
 *   service NAME VIP PORT tcp|udp ALGO PERSIST_S SNAT(0|1)
 *   backend ADDRESS PORT WEIGHT up|down        (belongs to the last service)
 * ALGO: round-robin weighted least-connections lowest-latency source-hash.
 * Values are passed through unchecked, so bad ones reach the programmer.
 * Errors: "error: ..." on stderr, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../actions/dnat_iptc.h"
#include "../../cli/cluster_tag.h"

#define MAXS 4096	/* vip_scale.sh programs 1,000 services */
#define MAXB 64

static struct dnat_service svcs[MAXS];
static struct dnat_backend backs[MAXS][MAXB];
static size_t nsvcs;

static int algo(const char *s, enum svc_algorithm *a)
{
	static const struct { const char *n; enum svc_algorithm a; } T[] = {
		{ "round-robin", ALGO_ROUND_ROBIN }, { "weighted", ALGO_WEIGHTED },
		{ "least-connections", ALGO_LEAST_CONNECTIONS },
		{ "lowest-latency", ALGO_LOWEST_LATENCY },
		{ "source-hash", ALGO_SOURCE_HASH },
	};
	for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
		if (strcmp(s, T[i].n) == 0) {
			*a = T[i].a;
			return 0;
		}
	return -1;
}

static int load(FILE *f)
{
	char line[512];
	int ln = 0;

	while (fgets(line, sizeof line, f)) {
		char a[7][128];
		int n;
		ln++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		n = sscanf(line, "%127s %127s %127s %127s %127s %127s %127s",
		    a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
		if (n <= 0)
			continue;
		if (strcmp(a[0], "service") == 0 && n == 7) {
			char s8[128] = "0";
			sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %127s", s8);
			if (nsvcs == MAXS)
				goto bad;
			struct dnat_service *s = &svcs[nsvcs];
			s->name = strdup(a[1]);
			s->vip = strdup(a[2]);
			s->port = strtol(a[3], NULL, 10);
			s->protocol = strcmp(a[4], "udp") == 0 ? PROTO_UDP : PROTO_TCP;
			if (algo(a[5], &s->algorithm))
				goto bad;
			s->persistence_s = strtol(a[6], NULL, 10);
			s->snat = strcmp(s8, "1") == 0;
			s->backends = backs[nsvcs];
			nsvcs++;
		} else if (strcmp(a[0], "backend") == 0 && n == 5 && nsvcs) {
			struct dnat_service *s = &svcs[nsvcs - 1];
			if (s->nbackends == MAXB)
				goto bad;
			struct dnat_backend *b = &s->backends[s->nbackends++];
			b->address = strdup(a[1]);
			b->port = strtol(a[2], NULL, 10);
			b->weight = strtol(a[3], NULL, 10);
			b->up = strcmp(a[4], "up") == 0;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	fprintf(stderr, "error: line %d: cannot read\n", ln);
	return -1;
}

int main(int argc, char **argv)
{
	struct dnat dn;
	struct diag d;
	bool changed = false;
	const char *tag;
	int rc;

	diag_clear(&d);
	if (argc == 3 && strcmp(argv[1], "tag") == 0) {
		char tag[CLUSTER_TAG_LEN + 1];

		cluster_tag(argv[2], tag, sizeof tag);
		puts(tag);
		return 0;
	}
	if (argc < 4 || strcmp(argv[1], "-t") != 0)
		goto usage;
	tag = argv[2];
	argv += 2;
	argc -= 2;
	if (argc == 3 && strcmp(argv[1], "apply") == 0) {
		FILE *f = strcmp(argv[2], "-") == 0 ? stdin : fopen(argv[2], "r");
		if (!f) {
			perror(argv[2]);
			return 1;
		}
		rc = load(f);
		if (f != stdin)
			fclose(f);
		if (rc)
			return 1;
	} else if (!(argc == 2 && strcmp(argv[1], "flush") == 0)) {
		goto usage;
	}
	if (dnat_iptc_init(&dn, tag, &d) != 0)
		goto fail;
	if (argc == 2)
		rc = dn.ops->flush(dn.impl, &d);
	else
		rc = dn.ops->apply(dn.impl, svcs, nsvcs, &changed, &d);
	dn.ops->free(dn.impl);
	if (rc != 0)
		goto fail;
	puts(argc == 2 ? "flushed" : changed ? "applied" : "unchanged");
	return 0;
usage:
	fprintf(stderr, "usage: dnat_tool -t TAG apply FILE|- | dnat_tool -t TAG flush | dnat_tool tag CONFIG\n");
	return 2;
fail:
	{
		char buf[1024];
		diag_format(&d, buf, sizeof buf);
		fprintf(stderr, "error: %s\n", buf);
	}
	return 1;
}
