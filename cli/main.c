/*
 * main.c - vmbal's entry point: options, configuration, then the chosen
 * front end on the chosen cluster (simulated or libvirt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../actions/dnat_iptc.h"
#include "../actions/journal_file.h"
#include "../actions/lv_migrate.h"
#include "../actions/sim_dnat.h"
#include "../actions/sim_action.h"
#include "../engine/config.h"
#include "../probes/health.h"
#include "../probes/lv_probe.h"
#include "../probes/real_clock.h"
#include "../probes/sim.h"
#include "../probes/sim_clock.h"
#include "../probes/sim_probe.h"
#include "demo.h"
#include "headless.h"
#include "options.h"

#ifndef VMBAL_VERSION
#define VMBAL_VERSION "0.1.0"
#endif

static const char *
main_config_path(const struct options *o)
{
	const char *env = getenv("VMBAL_CONFIG");

	if (o->config != NULL)
		return o->config;
	if (env != NULL && env[0] != '\0')
		return env;
	if (access("vmbal.yaml", F_OK) == 0)
		return "vmbal.yaml";
	if (access("/etc/vmbal/vmbal.yaml", F_OK) == 0)
		return "/etc/vmbal/vmbal.yaml";
	return NULL;
}

static struct config *
main_load(const struct options *o, struct diag *d)
{
	const char *path;

	if (o->demo)
		return config_new_from_buffer(DEMO_NAME, demo_yaml(),
		    demo_yaml_len(), CONFIG_SCENARIO, d);
	if (o->scenario != NULL)
		return config_new_from_file(o->scenario, CONFIG_SCENARIO, d);
	path = main_config_path(o);
	if (path == NULL) {
		diag_set(d, NULL, 0, 0,
		    "no configuration: give -c FILE, set VMBAL_CONFIG, or create ./vmbal.yaml or /etc/vmbal/vmbal.yaml (or try --demo)");
		return NULL;
	}
	return config_new_from_file(path, CONFIG_CLUSTER, d);
}

/*
 * The journal, when this run may act: not when observing, planning once
 * or dry-running, nor for a scenario that names none. NULL in *out when
 * there is none; -1 (message printed) when it cannot be opened: vmbal
 * does not act without its journal.
 */
static int
main_journal(const struct options *o, const struct config *cfg,
    const struct policy *policy, struct journal *j, struct journal **out)
{
	struct diag d;
	char msg[1024];

	*out = NULL;
	if (policy->mode == MODE_OBSERVE || o->plan || o->dry_run ||
	    cfg->journal == NULL || cfg->journal[0] == '\0')
		return 0;
	if (journal_file_init(j, cfg->journal, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		return -1;
	}
	*out = j;
	return 0;
}

static int
main_simulated(const struct options *o, const struct config *cfg,
    const struct policy *policy)
{
	struct journal jstore, *journal = NULL;
	struct probe probe;
	struct action action;
	struct clock clk;
	struct dnat dnat;
	bool dnat_ok;
	struct sim *sim;
	int rc;

	sim = sim_new(cfg);
	if (sim == NULL || sim_probe_init(&probe, sim) != 0) {
		sim_free(sim);
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	if (sim_clock_init(&clk, sim, o->fast) != 0) {
		probe.ops->free(probe.impl);
		sim_free(sim);
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	sim_action_init(&action, sim);
	dnat_ok = sim_dnat_init(&dnat) == 0;
	if (main_journal(o, cfg, policy, &jstore, &journal) != 0)
		rc = 1;
	else
		rc = headless_run(o, cfg, policy, &probe, &action, &clk, NULL,
		    journal, dnat_ok ? &dnat : NULL);
	if (dnat_ok)
		dnat.ops->free(dnat.impl);
	if (journal != NULL)
		journal->ops->free(journal->impl);
	clk.ops->free(clk.impl);
	action.ops->free(action.impl);
	probe.ops->free(probe.impl);
	sim_free(sim);
	return rc;
}

/* A real cluster: the libvirt collector and the wall clock. */
static int
main_cluster(const struct options *o, const struct config *cfg,
    const struct policy *policy)
{
	struct journal jstore, *journal = NULL;
	struct health_source health;
	struct dnat dnat;
	bool dnat_ok;
	struct probe probe;
	struct action action;
	struct clock clk;
	struct diag d;
	char msg[1024];
	int rc;

	diag_clear(&d);
	if (lv_probe_init(&probe, cfg, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		return 1;
	}
	if (real_clock_init(&clk) != 0) {
		probe.ops->free(probe.impl);
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	if (lv_migrate_init(&action, cfg, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		clk.ops->free(clk.impl);
		probe.ops->free(probe.impl);
		return 1;
	}
	if (cfg->nservices > 0 && health_init(&health, cfg, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		action.ops->free(action.impl);
		clk.ops->free(clk.impl);
		probe.ops->free(probe.impl);
		return 1;
	}
	/* services are programmed only by a run that may act */
	dnat_ok = cfg->nservices > 0 && policy->mode != MODE_OBSERVE &&
	    !o->plan && dnat_iptc_init(&dnat, &d) == 0;
	if (cfg->nservices > 0 && policy->mode != MODE_OBSERVE && !o->plan &&
	    !dnat_ok) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		rc = 1;
	} else if (main_journal(o, cfg, policy, &jstore, &journal) != 0)
		rc = 1;
	else
		rc = headless_run(o, cfg, policy, &probe, &action, &clk,
		    cfg->nservices > 0 ? &health : NULL, journal,
		    dnat_ok ? &dnat : NULL);
	if (dnat_ok)
		dnat.ops->free(dnat.impl);
	if (journal != NULL)
		journal->ops->free(journal->impl);
	if (cfg->nservices > 0)
		health.ops->free(health.impl);
	clk.ops->free(clk.impl);
	action.ops->free(action.impl);
	probe.ops->free(probe.impl);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct config *cfg;
	struct policy policy;
	struct diag d;
	char msg[1024];
	int rc;

	if (options_parse(&o, argc, argv, msg, sizeof msg) != 0) {
		fprintf(stderr, "vmbal: %s\nTry 'vmbal --help'.\n", msg);
		return 2;
	}
	if (o.help) {
		options_usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("vmbal %s\n", VMBAL_VERSION);
		return 0;
	}
	cfg = main_load(&o, &d);
	if (cfg == NULL) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		return 2;
	}
	if (o.check_config) {
		printf("%s: OK: %zu host%s, %zu VM%s, %zu service%s, %zu rule%s\n",
		    cfg->file, cfg->nhosts, cfg->nhosts == 1 ? "" : "s",
		    cfg->nvms, cfg->nvms == 1 ? "" : "s", cfg->nservices,
		    cfg->nservices == 1 ? "" : "s", cfg->nrules,
		    cfg->nrules == 1 ? "" : "s");
		config_free(cfg);
		return 0;
	}
	policy = cfg->policy;
	if (o.mode_set)
		policy.mode = o.mode;
	if (!o.headless)
		fprintf(stderr,
		    "vmbal: the console is not built yet: running headless (JSON lines on stdout)\n");
	if (cfg->kind == CONFIG_SCENARIO)
		rc = main_simulated(&o, cfg, &policy);
	else
		rc = main_cluster(&o, cfg, &policy);
	config_free(cfg);
	return rc;
}
