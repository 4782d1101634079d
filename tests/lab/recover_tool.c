/*
 * recover_tool.c - drives the recovery parts without the engine, for the
 * lab tests (tests/lab/recover_parts_lab.t).
 *
 *   recover_tool CONFIG DOMAIN_DIR probe SECONDS
 *       runs the libvirt probe that long with domain_dir DOMAIN_DIR,
 *       printing "HOST VM STATE" for each VM of the last collection
 *   recover_tool CONFIG DOMAIN_DIR fence HOST AGENT [KEY=VALUE ...]
 *   recover_tool CONFIG DOMAIN_DIR restart VM FROM TO
 *   recover_tool CONFIG DOMAIN_DIR retire VM HOST
 *       one step through the libvirt action's ops (lv_migrate_init:
 *       fence, restart, retire, poll_recover), printing
 *       "KIND STATUS SECONDS[: ERROR]"; exit 0 done, 1 failed, 3 refused
 *
 * CONFIG is a vmbal cluster configuration (its hosts); DOMAIN_DIR and the
 * fence agent are set here, whatever the file says. Errors on stderr,
 * exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../actions/lv_migrate.h"
#include "../../engine/snapshot.h"
#include "../../probes/lv_probe.h"
#include "../../probes/lv_events.h"
#include "../../lib/monotime.h"

static void
pause_s(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (double)(long)s) * 1e9) };

	nanosleep(&t, NULL);
}

static int
probe(struct config *cfg, double secs)
{
	struct probe p;
	struct diag d = { 0 };
	struct snapshot *s = NULL;
	double end = monotime_now() + secs;
	size_t i;

	if (lv_probe_init(&p, cfg, &d) != 0) {
		fprintf(stderr, "error: %s\n", d.msg);
		return 2;
	}
	while (monotime_now() < end) {
		pause_s(0.5);
		snapshot_free(s);
		s = p.ops->collect(p.impl, monotime_now(), &d);
	}
	for (i = 0; s != NULL && i < s->nvms; i++)
		printf("%s %s %s\n", s->vms[i].host, s->vms[i].name,
		    vm_state_name(s->vms[i].state));
	snapshot_free(s);
	p.ops->free(p.impl);
	return 0;
}

static int
step(struct config *cfg, int argc, char **argv)
{
	struct action a;
	struct diag d = { 0 };
	struct recover_result r;
	struct lv_events *ev = lv_events_new(&d);
	int rc;
	double end;

	if (ev == NULL || lv_migrate_init(&a, cfg, &d) != 0) {
		fprintf(stderr, "error: %s\n", d.msg);
		return 2;
	}
	if (strcmp(argv[0], "fence") == 0 && argc >= 3)
		rc = a.ops->fence(a.impl, argv[1], &d);
	else if (strcmp(argv[0], "restart") == 0 && argc == 4)
		rc = a.ops->restart(a.impl, argv[1], argv[2], argv[3], &d);
	else if (strcmp(argv[0], "retire") == 0 && argc == 3)
		rc = a.ops->retire(a.impl, argv[1], argv[2], &d);
	else {
		fprintf(stderr, "error: bad command\n");
		a.ops->free(a.impl);
		lv_events_free(ev);
		return 2;
	}
	if (rc != 0) {
		fprintf(stderr, "error: %s\n", d.msg);
		a.ops->free(a.impl);
		lv_events_free(ev);
		return 2;
	}
	end = monotime_now() + 180;
	while (a.ops->poll_recover(a.impl, &r, 1) == 0) {
		if (monotime_now() > end) {
			fprintf(stderr, "error: no result in 180 s\n");
			a.ops->free(a.impl);
			lv_events_free(ev);
			return 2;
		}
		pause_s(0.05);
	}
	printf("%s %s %.2f%s%s\n", recover_kind_name(r.kind),
	    recover_status_name(r.status), r.duration_s,
	    r.error != NULL ? ": " : "", r.error != NULL ? r.error : "");
	rc = r.status == REC_DONE ? 0 : r.status == REC_REFUSED ? 3 : 1;
	recover_result_clear(&r);
	a.ops->free(a.impl);
	lv_events_free(ev);
	return rc;
}

int
main(int argc, char **argv)
{
	struct diag d = { 0 };
	struct config *cfg;
	char **keys = NULL, **values = NULL;
	int rc, h, i, n = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: recover_tool CONFIG DOMAIN_DIR "
		    "probe|fence|restart|retire ARGS...\n");
		return 2;
	}
	cfg = config_new_from_file(argv[1], CONFIG_CLUSTER, &d);
	if (cfg == NULL) {
		fprintf(stderr, "error: %s:%d:%d: %s\n", d.file, d.line, d.col,
		    d.msg);
		return 2;
	}
	free(cfg->domain_dir);
	cfg->domain_dir = argv[2];
	if (strcmp(argv[3], "probe") == 0) {
		rc = probe(cfg, atof(argv[4]));
		cfg->domain_dir = NULL;
		config_free(cfg);
		return rc;
	}
	if (strcmp(argv[3], "fence") == 0) {
		if (argc < 6 || (h = config_host_index(cfg, argv[4])) < 0) {
			fprintf(stderr, "error: fence HOST AGENT [K=V ...]\n");
			return 2;
		}
		keys = calloc((size_t)argc, sizeof *keys);
		values = calloc((size_t)argc, sizeof *values);
		for (i = 6; i < argc; i++) {
			char *eq = strchr(argv[i], '=');

			if (eq == NULL)
				continue;
			*eq = '\0';
			keys[n] = argv[i];
			values[n++] = eq + 1;
		}
		cfg->hosts[h].fence.agent = argv[5];
		cfg->hosts[h].fence.keys = keys;
		cfg->hosts[h].fence.values = values;
		cfg->hosts[h].fence.nargs = (size_t)n;
	}
	rc = step(cfg, argc - 3, argv + 3);
	cfg->domain_dir = NULL;
	for (h = 0; h < (int)cfg->nhosts; h++)
		if (cfg->hosts[h].fence.keys == keys)
			memset(&cfg->hosts[h].fence, 0, sizeof cfg->hosts[h].fence);
	free(keys);
	free(values);
	config_free(cfg);
	return rc;
}
