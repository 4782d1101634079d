/*
 * history_dir.c - the history directory of a run, and its writer started
 * and stopped around the front end (see history_dir.h).
 */
#include <stdio.h>
#include <string.h>

#include "../actions/history_rrd.h"
#include "history_dir.h"
#include "lease.h"
#include "run.h"

void
history_dir_path(const struct config *cfg, bool demo, char *out,
    size_t outlen)
{
	const char *file = cfg->file != NULL ? cfg->file : "vmbal";

	if (cfg->history_dir != NULL && cfg->history_dir[0] != '\0') {
		snprintf(out, outlen, "%s", cfg->history_dir);
		return;
	}
	lease_run_path(file, demo, "history-", "", out, outlen);
}

struct history *
history_dir_open(const struct run *r)
{
	struct history_opts ho;
	struct history *h;
	char err[1200];

	/* an observer (--mode observe, or another vmbal holds the cluster)
	 * keeps no record: the one that acts writes it, and two writers on
	 * the default directory would only fight over its lock */
	if (r->o->plan || r->holder[0] != '\0' ||
	    r->policy.mode == MODE_OBSERVE)
		return NULL;
	/* a headless simulation (a script's, a test's) keeps history only
	 * when its file asks for it: 21 files of a year's archives for
	 * every such run would be made and left for nothing */
	if (r->cfg->kind == CONFIG_SCENARIO && r->o->headless &&
	    (r->cfg->history_dir == NULL || r->cfg->history_dir[0] == '\0'))
		return NULL;
	ho.step_s = history_step(r->policy.analyse_interval_s);
	ho.simulated = r->cfg->kind == CONFIG_SCENARIO;
	ho.fresh = ho.simulated;
	ho.wait_when_full = ho.simulated;
	h = history_new(r->history_path, &ho, err, sizeof err);
	if (h == NULL)
		fprintf(stderr, "vmbal: no history this run: %s\n", err);
	return h;
}

void
history_dir_close(struct history *h)
{
	struct history_stats st;

	if (h == NULL)
		return;
	history_free(h, &st);
	if (st.dropped > 0)
		fprintf(stderr,
		    "vmbal: history: %lu sample%s dropped (the writer fell behind)\n",
		    st.dropped, st.dropped == 1 ? "" : "s");
	if (st.failed > 0)
		fprintf(stderr, "vmbal: history: %lu write%s failed; the last: %s\n",
		    st.failed, st.failed == 1 ? "" : "s", st.last_error);
}
