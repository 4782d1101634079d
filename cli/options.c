/*
 * options.c - parsing vmbal's command line (getopt_long) and its help.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

enum {
	OPT_HEADLESS = 256, OPT_DEMO, OPT_SCENARIO, OPT_MODE, OPT_FAST,
	OPT_DURATION, OPT_TICKS, OPT_PLAN, OPT_DRY_RUN, OPT_CHECK_CONFIG,
	OPT_ASCII, OPT_VERSION, OPT_HELP, OPT_SPEED, OPT_THEME, OPT_FLUSH_RULES
};

static const struct option long_options[] = {
	{ "headless", no_argument, NULL, OPT_HEADLESS },
	{ "config", required_argument, NULL, 'c' },
	{ "demo", no_argument, NULL, OPT_DEMO },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "fast", no_argument, NULL, OPT_FAST },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "ticks", required_argument, NULL, OPT_TICKS },
	{ "plan", no_argument, NULL, OPT_PLAN },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "flush-rules", no_argument, NULL, OPT_FLUSH_RULES },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "speed", required_argument, NULL, OPT_SPEED },
	{ "theme", required_argument, NULL, OPT_THEME },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

void
options_usage(FILE *out)
{
	fputs(
"Usage: vmbal [OPTIONS]               the interactive console\n"
"       vmbal --headless [OPTIONS]    the same engine; JSON lines on stdout\n"
"       vmbal ctl [-c CONFIG | -S SOCKET] COMMAND [ARGS]\n"
"                                     talk to a running vmbal (vmbal ctl help)\n"
"\n"
"Keeps a libvirt cluster in balance: live per-host and per-VM load,\n"
"imbalance detection, migration plans and service DNAT weights.\n"
"\n"
"  -c, --config FILE    configuration (default: $VMBAL_CONFIG, then\n"
"                       /etc/vmbal/vmbal.yaml; never the working directory)\n"
"      --demo           run on the built-in simulated cluster\n"
"      --scenario FILE  run on a simulated cluster described by FILE\n"
"      --mode MODE      manual, auto or observe (overrides policy.mode)\n"
"      --fast           with --demo/--scenario: simulated time as fast as\n"
"                       the CPU allows\n"
"      --duration SECS  headless: stop after this much (simulated) time\n"
"                       (0.001 to 1e9)\n"
"      --ticks N        headless: stop after N analysis ticks (1 to 1e9)\n"
"      --plan           headless: print one plan event and exit; never acts\n"
"      --dry-run        never migrate nor touch netfilter; say what would be done\n"
"      --check-config   validate the configuration (or scenario) and exit\n"
"      --flush-rules    remove this configuration's DNAT rules (every VMBAL-\n"
"                       chain and jump of it) and exit; refused while\n"
"                       another vmbal holds its lease\n"
"      --speed FACTOR   with --demo/--scenario: simulated time runs FACTOR\n"
"                       times faster than the wall clock (0.01 to 1000,\n"
"                       default 1)\n"
"      --ascii          console: ASCII bars and sparklines only\n"
"      --theme NAME     console: colour theme (dark, light, mono, or your own)\n"
"      --version        print the version and exit\n"
"      --help           print this help and exit\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.\n"
"See vmbal(1) and vmbal.yaml(5).\n", out);
}

/*
 * The bounds of the numeric options: wide enough for any real use, narrow
 * enough that nothing overflows or spins (a --speed of 1e-300 made every
 * wait infinite, which the clock took as no wait at all).
 */
#define SPEED_MIN	0.01
#define SPEED_MAX	1000.0
#define DURATION_MIN	0.001
#define DURATION_MAX	1e9	/* seconds: about 31 years */
#define TICKS_MAX	1e9

static int
options_number(const char *opt, const char *s, double min, double max,
    double *out, char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || isnan(v) || v <= 0 ||
	    (errno != 0 && errno != ERANGE)) {
		snprintf(err, errlen, "%s: expected a positive number, got '%s'",
		    opt, s);
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		snprintf(err, errlen,
		    "%s: '%s' is out of range: must be between %.10g and %.10g",
		    opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
options_parse(struct options *o, int argc, char **argv, char *err,
    size_t errlen)
{
	double v;
	int c;

	memset(o, 0, sizeof *o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_HEADLESS: o->headless = true; break;
		case OPT_DEMO: o->demo = true; break;
		case OPT_SCENARIO: o->scenario = optarg; break;
		case OPT_FAST: o->fast = true; break;
		case OPT_PLAN: o->plan = true; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_CHECK_CONFIG: o->check_config = true; break;
		case OPT_FLUSH_RULES: o->flush_rules = true; break;
		case OPT_ASCII: o->ascii = true; break;
		case OPT_VERSION: o->version = true; break;
		case OPT_HELP: o->help = true; break;
		case OPT_MODE:
			o->mode_set = true;
			if (strcmp(optarg, "manual") == 0)
				o->mode = MODE_MANUAL;
			else if (strcmp(optarg, "auto") == 0)
				o->mode = MODE_AUTO;
			else if (strcmp(optarg, "observe") == 0)
				o->mode = MODE_OBSERVE;
			else {
				snprintf(err, errlen,
				    "--mode: expected manual, auto or observe, got '%s'",
				    optarg);
				return -1;
			}
			break;
		case OPT_DURATION:
			if (options_number("--duration", optarg, DURATION_MIN,
			    DURATION_MAX, &o->duration, err, errlen) != 0)
				return -1;
			break;
		case OPT_THEME: o->theme = optarg; break;
		case OPT_SPEED:
			if (options_number("--speed", optarg, SPEED_MIN,
			    SPEED_MAX, &o->speed, err, errlen) != 0)
				return -1;
			break;
		case OPT_TICKS:
			if (options_number("--ticks", optarg, 1, TICKS_MAX, &v,
			    err, errlen) != 0)
				return -1;
			if (v != floor(v)) {
				snprintf(err, errlen,
				    "--ticks: expected a whole number, got '%s'",
				    optarg);
				return -1;
			}
			o->ticks = (long)v;
			break;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value",
			    argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option '%s'",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->demo && o->scenario != NULL) {
		snprintf(err, errlen, "--demo and --scenario exclude each other");
		return -1;
	}
	if (o->config != NULL && (o->demo || o->scenario != NULL)) {
		snprintf(err, errlen,
		    "--config and --%s exclude each other: a scenario carries its own policy",
		    o->demo ? "demo" : "scenario");
		return -1;
	}
	if (o->flush_rules && (o->demo || o->scenario != NULL)) {
		snprintf(err, errlen,
		    "--flush-rules needs a cluster's configuration: a simulation has no rules in the kernel");
		return -1;
	}
	if (o->flush_rules && (o->check_config || o->plan || o->dry_run)) {
		snprintf(err, errlen, "--flush-rules excludes --%s",
		    o->check_config ? "check-config" : o->plan ? "plan" :
		    "dry-run");
		return -1;
	}
	if (o->speed > 0 && !o->demo && o->scenario == NULL) {
		snprintf(err, errlen,
		    "--speed needs --demo or --scenario: real time cannot be hurried");
		return -1;
	}
	if (o->fast && !o->demo && o->scenario == NULL) {
		snprintf(err, errlen,
		    "--fast needs --demo or --scenario: real time cannot be hurried");
		return -1;
	}
	return 0;
}
