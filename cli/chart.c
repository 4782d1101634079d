/*
 * chart.c - `vmbal chart` (see chart.h): its command line, the
 * configuration it finds the history directory, threshold and target in,
 * then chart_graph().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/diag.h"
#include "chart.h"
#include "chart_graph.h"
#include "demo.h"
#include "history_dir.h"

static int
chart_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmbal chart: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr,
	    "\nusage: vmbal chart [-c CONFIG | --scenario FILE | --demo] [--host H | --vm V | --cluster | --service S] [--since 1h|1d|1w] [--size WxH] -o FILE.png|FILE.svg\n");
	return 2;
}

/* "1h", "1d", "1w", "30m", "90s", "2d"...: seconds, or -1. */
static long
chart_since(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	static const struct { char c; long s; } units[] = { { 's', 1 },
		{ 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 7 * 86400 }, { 'y', 365 * 86400 } };
	size_t i;

	if (end == s || n <= 0 || n > 5000 || end[0] == '\0' ||
	    end[1] != '\0')
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (units[i].c == end[0])
			return n * units[i].s;
	return -1;
}

static bool
chart_ends(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n > m && strcasecmp(s + n - m, sfx) == 0;
}

/* The configuration, as the rest of vmbal finds it. */
static struct config *
chart_load(const char *cfgpath, const char *scenario, bool demo,
    struct diag *d)
{
	const char *env = getenv("VMBAL_CONFIG");

	if (demo)
		return config_new_from_buffer(DEMO_NAME, demo_yaml(),
		    demo_yaml_len(), CONFIG_SCENARIO, d);
	if (scenario != NULL)
		return config_new_from_file(scenario, CONFIG_SCENARIO, d);
	if (cfgpath == NULL && env != NULL && env[0] != '\0')
		cfgpath = env;
	if (cfgpath == NULL && access("/etc/vmbal/vmbal.yaml", F_OK) == 0)
		cfgpath = "/etc/vmbal/vmbal.yaml";
	if (cfgpath == NULL) {
		diag_set(d, NULL, 0, 0,
		    "no configuration: give -c FILE, --scenario FILE or --demo, or set VMBAL_CONFIG");
		return NULL;
	}
	return config_new_from_file(cfgpath, CONFIG_CLUSTER, d);
}

/* The service named, or NULL. */
static const struct service_conf *
chart_service(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nservices; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}

int
chart_main(int argc, char **argv)
{
	enum { O_SCENARIO = 256, O_DEMO, O_HOST, O_VM, O_CLUSTER, O_SERVICE,
		O_SINCE, O_SIZE };
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "demo", no_argument, NULL, O_DEMO },
		{ "host", required_argument, NULL, O_HOST },
		{ "vm", required_argument, NULL, O_VM },
		{ "cluster", no_argument, NULL, O_CLUSTER },
		{ "service", required_argument, NULL, O_SERVICE },
		{ "since", required_argument, NULL, O_SINCE },
		{ "size", required_argument, NULL, O_SIZE },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfgpath = NULL, *scenario = NULL;
	struct chart_req q;
	struct chart_done done;
	struct config *cfg;
	struct diag d;
	char dir[1024], msg[2048];
	int opt, sources = 0, whats = 0, rc;
	bool demo = false;
	char extra;

	memset(&q, 0, sizeof q);
	q.kind = HK_CLUSTER;
	q.since_s = 3600;
	q.width = 800;
	q.height = 300;
	optind = 2;	/* after "chart" */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:o:h", longs, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfgpath = optarg;
			sources++;
			break;
		case O_SCENARIO:
			scenario = optarg;
			sources++;
			break;
		case O_DEMO:
			demo = true;
			sources++;
			break;
		case O_HOST:
		case O_VM:
		case O_SERVICE:
			q.kind = opt == O_HOST ? HK_HOST : opt == O_VM ? HK_VM :
			    HK_SERVICE;
			q.name = optarg;
			whats++;
			break;
		case O_CLUSTER:
			q.kind = HK_CLUSTER;
			q.name = NULL;
			whats++;
			break;
		case O_SINCE:
			q.since_s = chart_since(optarg);
			if (q.since_s < 0)
				return chart_usage("--since %s: give 1h, 1d, 1w (or N s|m|h|d|w|y)",
				    optarg);
			break;
		case O_SIZE:
			if (sscanf(optarg, "%dx%d%c", &q.width, &q.height,
			    &extra) != 2 || q.width < 200 || q.width > 8000 ||
			    q.height < 100 || q.height > 8000)
				return chart_usage("--size %s: give WxH, 200x100 to 8000x8000",
				    optarg);
			break;
		case 'o':
			q.out = optarg;
			break;
		case 'h':
			printf("usage: vmbal chart [-c CONFIG | --scenario FILE | --demo] [--host H | --vm V | --cluster | --service S] [--since 1h|1d|1w] [--size WxH] -o FILE.png|FILE.svg\n");
			return 0;
		case ':':
			return chart_usage("%s needs a value", argv[optind - 1]);
		default:
			return chart_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return chart_usage("unexpected argument %s", argv[optind]);
	if (sources > 1)
		return chart_usage("%sgive one of -c, --scenario, --demo", "");
	if (whats > 1)
		return chart_usage("%sgive one of --host, --vm, --cluster, --service",
		    "");
	if (q.out == NULL)
		return chart_usage("%sgive -o FILE.png or -o FILE.svg", "");
	if (chart_ends(q.out, ".svg"))
		q.svg = true;
	else if (!chart_ends(q.out, ".png"))
		return chart_usage("-o %s: the name ends in .png or .svg",
		    q.out);
	diag_clear(&d);
	cfg = chart_load(cfgpath, scenario, demo, &d);
	if (cfg == NULL) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal chart: %s\n", msg);
		return 2;
	}
	rc = 1;
	if (q.kind == HK_HOST && config_host_index(cfg, q.name) < 0)
		fprintf(stderr, "vmbal chart: no host %s in %s\n", q.name,
		    cfg->file);
	else if (q.kind == HK_SERVICE &&
	    (q.svc = chart_service(cfg, q.name)) == NULL)
		fprintf(stderr, "vmbal chart: no service %s in %s\n", q.name,
		    cfg->file);
	else {
		history_dir_path(cfg, demo, dir, sizeof dir);
		q.dir = dir;
		q.simulated = cfg->kind == CONFIG_SCENARIO;
		q.threshold = cfg->policy.threshold_pct;
		q.target = policy_target_pct(&cfg->policy);
		q.said = stdout;	/* a line per mark, then the summary */
		if (chart_graph(&q, &done, msg, sizeof msg) != 0)
			fprintf(stderr, "vmbal chart: %s\n", msg);
		else {
			printf("%s: %dx%d, %zu mark%s\n", q.out, done.width,
			    done.height, done.marks, done.marks == 1 ? "" : "s");
			rc = 0;
		}
	}
	config_free(cfg);
	return rc;
}
