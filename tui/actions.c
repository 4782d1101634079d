/*
 * actions.c - what a confirmed dialog does: each verb becomes one call of
 * the controller's commands, and its outcome a message. The journal and
 * the events record the action itself (who: operator).
 */
#include <stdio.h>
#include <string.h>

#include "tui.h"

/* The host picked in the migrate dialog becomes its confirmation. */
static void
tui_act_pick(struct tui *t)
{
	const struct model *m = controller_model(t->ctl);
	struct tui_dialog *d = &t->dlg;
	char *to = d->pick_name[d->sel], *vm = d->vm;
	int v = model_vm_index(m, vm);
	double spread = 0;
	struct diag dg;

	/* the picked names, whole, move into the confirmation */
	d->pick_name[d->sel] = NULL;
	d->vm = NULL;
	tui_dialog_clear(t);
	d->vm = vm;
	d->host = to;
	controller_predict(t->ctl, vm, to, &spread, &dg);
	tui_dialog_line(t, "Migrate %s from %s to %s (live).", vm,
	    v >= 0 && m->vms[v].host >= 0 ? m->hosts[m->vms[v].host].name : "?",
	    to);
	tui_dialog_line(t, "Predicted spread: %.1f%% -> %.1f%%.", m->spread,
	    spread);
	tui_confirm(t, VERB_MIGRATE, "Confirm this migration?");
}

/* The moves exactly as the dialog showed them, or nothing. */
static int
tui_act_confirm(struct tui *t, struct diag *dg)
{
	struct tui_dialog *d = &t->dlg;
	struct move_ref refs[TUI_DLG_LINES];
	size_t i;

	for (i = 0; i < d->nmv; i++) {
		refs[i].vm = d->mv_vm[i];
		refs[i].from = d->mv_from[i];
		refs[i].to = d->mv_to[i];
	}
	if (controller_confirm_moves(t->ctl, refs, d->nmv, t->now, dg) != 0)
		return -1;
	if (d->nmv == 1)
		tui_message(t, false, "confirmed: %s migrates from %s to %s",
		    d->mv_vm[0], d->mv_from[0], d->mv_to[0]);
	else
		tui_message(t, false, "confirmed: %zu moves, in order", d->nmv);
	return 0;
}

void
tui_act(struct tui *t)
{
	struct tui_dialog *d = &t->dlg;
	struct diag dg;
	int rc = 0;

	if (d->kind == DLG_PICK) {
		tui_act_pick(t);
		return;
	}
	diag_clear(&dg);
	switch (d->verb) {
	case VERB_CONFIRM_ONE:
	case VERB_CONFIRM_ALL:
		rc = tui_act_confirm(t, &dg);
		break;
	case VERB_ABORT:
		rc = controller_abort(t->ctl, d->vm, &dg);
		if (rc == 0)
			tui_message(t, false, "aborting the migration of %s", d->vm);
		break;
	case VERB_MODE:
		rc = controller_set_mode(t->ctl, d->flag ? MODE_AUTO :
		    MODE_MANUAL, &dg);
		if (rc == 0)
			tui_message(t, false, d->flag ?
			    "AUTO mode: vmbal acts on its plans" :
			    "manual mode: plans wait for you");
		break;
	case VERB_MIGRATE:
		rc = controller_migrate(t->ctl, d->vm, d->host, t->now, &dg);
		if (rc == 0)
			tui_message(t, false, "%s migrates to %s", d->vm, d->host);
		break;
	case VERB_MAINT:
		rc = controller_maintenance(t->ctl, d->host, d->flag, t->now, &dg);
		if (rc == 0)
			tui_message(t, false, d->flag ?
			    "%s in maintenance: evacuating" :
			    "%s out of maintenance", d->host);
		break;
	case VERB_DRAIN:
		rc = controller_drain(t->ctl, d->svc, d->backend, d->flag, t->now,
		    &dg);
		if (rc == 0)
			tui_message(t, false, "backend %s", d->flag ? "drained" :
			    "restored");
		break;
	case VERB_QUIT:
		t->quit = true;
		break;
	case VERB_NONE:
		break;
	}
	if (rc != 0)
		tui_message(t, true, "%s", dg.msg);
	d->kind = DLG_NONE;
	tui_gather(t);
}
