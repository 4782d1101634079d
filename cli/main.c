/*
 * main.c - vmbal's entry point: options, configuration, then the chosen
 * front end on the chosen cluster (simulated or libvirt).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../actions/dnat_iptc.h"
#include "../actions/journal_file.h"
#include "../actions/lv_migrate.h"
#include "../actions/sim_dnat.h"
#include "../actions/sim_action.h"
#include "../engine/config.h"
#include "../probes/ha_addr.h"
#include "../probes/health.h"
#include "../probes/lv_probe.h"
#include "../probes/real_clock.h"
#include "../probes/sim.h"
#include "../probes/sim_clock.h"
#include "../probes/sim_probe.h"
#include "chart.h"
#include "cluster_tag.h"
#include "ctl_client.h"
#include "demo.h"
#include "flush_rules.h"
#include "headless.h"
#include "history_dir.h"
#include "options.h"
#include "reload.h"
#include "run.h"
#include "../tui/console.h"
#include "../tui/theme.h"

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
	/* never the working directory: a file left there would choose the
	 * hosts (and the commands libvirt runs), the journal and the VIPs */
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
		    "no configuration: give -c FILE, set VMBAL_CONFIG, or create /etc/vmbal/vmbal.yaml (or try --demo)");
		return NULL;
	}
	return config_new_from_file(path, CONFIG_CLUSTER, d);
}

/* Does this run act (migrate, program DNAT)? Only then it needs the
 * lease and the journal. */
static bool
main_acts(const struct options *o, const struct policy *policy)
{
	return policy->mode != MODE_OBSERVE && !o->plan && !o->dry_run;
}

/*
 * One controller per cluster: a run that would act takes the lease; when
 * another vmbal holds it, this one observes and says who has control.
 * -1 (message printed) when the lease cannot be made at all.
 */
static int
main_lease(const struct options *o, struct run *r)
{
	char msg[1024];

	if (!main_acts(o, &r->policy))
		return 0;
	r->lease = lease_new(o->demo ? NULL : o->scenario != NULL ?
	    o->scenario : r->cfg->file, msg, sizeof msg);
	if (r->lease == NULL) {
		fprintf(stderr, "vmbal: %s\n", msg);
		return -1;
	}
	if (!lease_held(r->lease)) {
		snprintf(r->holder, sizeof r->holder, "%s",
		    lease_holder(r->lease));
		r->policy.mode = MODE_OBSERVE;
	}
	return 0;
}

/*
 * The journal, when this run may act and the configuration names one.
 * -1 (message printed) when it cannot be opened: vmbal does not act
 * without its journal.
 */
static int
main_journal(const struct options *o, struct run *r, struct journal *j)
{
	struct diag d;
	char msg[1024];

	r->journal = NULL;
	if (!main_acts(o, &r->policy) || r->cfg->journal == NULL ||
	    r->cfg->journal[0] == '\0')
		return 0;
	if (journal_file_init(j, r->cfg->journal, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		return -1;
	}
	/* restart safety: a real cluster's journal is read back (moves left
	 * open, recent moves cooling down); a simulated cluster starts its
	 * VMs afresh every run, so only the operator's standing state
	 * (maintenance, drains, pause, mode) is taken from it */
	if (journal_file_load_past(j, r->policy.vm_cooldown_s, &d) != 0) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		j->ops->free(j->impl);
		return -1;
	}
	if (r->cfg->kind != CONFIG_CLUSTER)
		journal_past_drop_moves(j->ops->past(j->impl));
	if (r->cfg->kind == CONFIG_CLUSTER && j->ops->past(j->impl) != NULL &&
	    j->ops->past(j->impl)->bad_lines > 0)
		fprintf(stderr,
		    "vmbal: %s: %zu line%s skipped: not journal records (torn by a crash?)\n",
		    r->cfg->journal, j->ops->past(j->impl)->bad_lines,
		    j->ops->past(j->impl)->bad_lines == 1 ? "" : "s");
	r->journal = j;
	return 0;
}

/* The front end, with the history written from its event sink. */
static int
main_front_end(struct run *r)
{
	int rc;

	history_dir_path(r->cfg, r->o->demo, r->history_path,
	    sizeof r->history_path);
	r->history = history_dir_open(r);
	rc = r->o->headless ? headless_run(r) : tui_run(r);
	history_dir_close(r->history);
	r->history = NULL;
	return rc;
}

static int
main_simulated(struct run *r)
{
	const struct options *o = r->o;
	struct journal jstore;
	struct probe probe;
	struct action action;
	struct clock clk;
	struct dnat dnat;
	bool dnat_ok;
	struct sim *sim;
	int rc;

	sim = sim_new(r->cfg);
	if (sim == NULL || sim_probe_init(&probe, sim) != 0) {
		sim_free(sim);
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	if (sim_clock_init(&clk, sim, o->fast, o->speed) != 0) {
		probe.ops->free(probe.impl);
		sim_free(sim);
		fprintf(stderr, "vmbal: out of memory\n");
		return 1;
	}
	sim_action_init(&action, sim);
	dnat_ok = sim_dnat_init(&dnat) == 0;
	r->probe = &probe;
	r->action = &action;
	r->clk = &clk;
	r->dnat = dnat_ok ? &dnat : NULL;
	if (main_lease(o, r) != 0 || main_journal(o, r, &jstore) != 0)
		rc = 1;
	else
		rc = main_front_end(r);
	if (dnat_ok)
		dnat.ops->free(dnat.impl);
	if (r->journal != NULL)
		r->journal->ops->free(r->journal->impl);
	clk.ops->free(clk.impl);
	action.ops->free(action.impl);
	probe.ops->free(probe.impl);
	sim_free(sim);
	return rc;
}

/* A real cluster: the libvirt collector and the wall clock. */
static int
main_cluster(struct run *r)
{
	const struct options *o = r->o;
	const struct config *cfg = r->cfg;
	struct journal jstore;
	struct health_source health;
	struct role role;
	struct dnat dnat;
	bool dnat_ok = false;
	struct probe probe;
	struct action action;
	struct clock clk;
	struct diag d;
	char msg[1024];
	int rc;
	/* a reload may free cfg while the front end runs: decided now */
	bool health_on = cfg->nservices > 0;

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
	r->probe = &probe;
	r->action = &action;
	r->clk = &clk;
	r->health = cfg->nservices > 0 ? &health : NULL;
	rc = main_lease(o, r) != 0 ? 1 : 0;
	/* services are programmed only by a run that may act (or says what
	 * it would do, under --dry-run) */
	if (rc == 0 && cfg->nservices > 0 && r->policy.mode != MODE_OBSERVE &&
	    !o->plan) {
		char tag[CLUSTER_TAG_LEN + 1];	/* its chains: VMBAL-<tag>- */

		cluster_tag(cfg->file, tag, sizeof tag);
		dnat_ok = dnat_iptc_init(&dnat, tag, &d) == 0;
		if (!dnat_ok) {
			diag_format(&d, msg, sizeof msg);
			fprintf(stderr, "vmbal: %s\n", msg);
			rc = 1;
		}
	}
	r->dnat = dnat_ok ? &dnat : NULL;
	/* ha: active only while the address is here (probes/ha_addr.c) */
	if (rc == 0 && cfg->ha.address != NULL) {
		if (ha_addr_init(&role, cfg->ha.address, &d) == 0)
			r->role = &role;
		else {
			diag_format(&d, msg, sizeof msg);
			fprintf(stderr, "vmbal: %s\n", msg);
			rc = 1;
		}
	}
	if (rc == 0 && main_journal(o, r, &jstore) != 0)
		rc = 1;
	if (rc == 0)
		rc = main_front_end(r);
	if (dnat_ok)
		dnat.ops->free(dnat.impl);
	if (r->role != NULL)
		r->role->ops->free(r->role->impl);
	if (r->journal != NULL)
		r->journal->ops->free(r->journal->impl);
	if (health_on)
		health.ops->free(health.impl);
	clk.ops->free(clk.impl);
	action.ops->free(action.impl);
	probe.ops->free(probe.impl);
	return rc;
}

/*
 * Any of fds 0-2 closed at start is opened on /dev/null, before anything
 * else opens a file: otherwise the lease or the journal would become
 * stdout (and receive the JSON lines) or stdin. -1 when that fails.
 */
static int
main_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return -1;
	}
	return 0;
}

/* The console's theme, when the file found is one vmbal does not trust:
 * refused before the screen is taken (a bad theme is only a message). */
static int
main_theme_trusted(const struct options *o)
{
	struct theme th;
	char msg[1024];

	if (o->headless || theme_load(o->theme != NULL ? o->theme : "dark",
	    &th, msg, sizeof msg) != THEME_REFUSED)
		return 0;
	fprintf(stderr, "vmbal: %s\n", msg);
	return -1;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct config *cfg;
	struct reload_state rs;
	struct run r;
	struct diag d;
	char msg[1024];
	int rc;

	if (main_std_fds() != 0)
		return 1;	/* nowhere to say it */
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return ctl_client_main(argc, argv);	/* vmbal ctl ... */
	if (argc > 1 && strcmp(argv[1], "chart") == 0)
		return chart_main(argc, argv);	/* vmbal chart ... */
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
	if (o.flush_rules) {
		rc = flush_rules_run(cfg);
		config_free(cfg);
		return rc;
	}
	memset(&r, 0, sizeof r);
	r.o = &o;
	r.cfg = cfg;
	r.policy = cfg->policy;
	if (o.mode_set)
		r.policy.mode = o.mode;
	r.wanted = r.policy.mode;
	if (!o.headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr,
		    "vmbal: the console needs a terminal on stdin and stdout; use --headless for JSON lines\n");
		config_free(cfg);
		return 2;
	}
	if (main_theme_trusted(&o) != 0) {
		config_free(cfg);
		return 2;
	}
	/* a terminal the console cannot use is refused before anything
	 * starts: no lease taken, no host contacted */
	if (!o.headless && tui_check_terminal(msg, sizeof msg) != 0) {
		fprintf(stderr, "vmbal: %s\n", msg);
		config_free(cfg);
		return 2;
	}
	/* SIGHUP, ctl reload and R read the same file again (cli/reload.c);
	 * the demo has none, and its reloads are refused with that reason */
	reload_state_init(&rs, &r, o.demo ? NULL : o.scenario != NULL ?
	    o.scenario : main_config_path(&o), cfg->kind, cfg);
	r.reload = reload_run;
	r.reload_arg = &rs;
	if (cfg->kind == CONFIG_SCENARIO)
		rc = main_simulated(&r);
	else
		rc = main_cluster(&r);
	lease_free(r.lease);
	reload_state_fini(&rs);	/* the configuration in force */
	return rc;
}
