/*
 * pane_plan.c - the Suggestions pane: the plan in hand, move by move,
 * with its reason, the predicted spread after it, and where it stands
 * (offered, confirmed, running, done, failed), and its estimated copy
 * time ("~12 s"; "no conv" when the guest dirties memory faster than the
 * link sends it, see engine/movecost.h). Below them, when the offer
 * replaced an earlier one, why ("replaced: web1 is no longer on h1").
 */
#include <curses.h>
#include <stdio.h>

#include "tui.h"
#include "../engine/movecost.h"

/* The estimated copy time of a move, as the pane shows it. */
static void
plan_est(char *buf, size_t len, double est_s)
{
	if (est_s < 0)
		snprintf(buf, len, "%s", "");
	else if (movecost_never(est_s))
		snprintf(buf, len, "%s", "no conv");
	else if (est_s < 1)
		snprintf(buf, len, "%s", "~1 s");
	else if (est_s < 100 * 60)
		snprintf(buf, len, "~%.0f s", est_s);
	else
		snprintf(buf, len, "~%.0f min", est_s / 60);
}

void
tui_plan_title(struct tui *t, char *buf, size_t len)
{
	double target = 0;
	long min = controller_plan_min_moves(t->ctl, &target);
	char bound[80] = "";

	if (min >= 0 && (size_t)min == t->nmoves)
		snprintf(bound, sizeof bound, "; none fewer reaches %.0f%%",
		    target);
	else if (min >= 0)
		snprintf(bound, sizeof bound, "; at least %ld reach %.0f%%",
		    min, target);
	snprintf(buf, len, " %s: %zu move%s%s, spread %.1f%% %s %.1f%% ",
	    tui_pane_plan.title, t->nmoves, t->nmoves == 1 ? "" : "s", bound,
	    t->spread_before, t->utf8 ? "\u2192" : "->",
	    t->moves[t->nmoves - 1].spread_after);
}

/* Why the offer shown replaced the one before, or NULL. */
static const char *
plan_note(struct tui *t)
{
	return t->nmoves > 0 ? controller_offer_note(t->ctl) : NULL;
}

static size_t
plan_rows(struct tui *t)
{
	return t->nmoves > 0 ? t->nmoves + (plan_note(t) != NULL) : 1;
}

static const char *
plan_state(enum move_state s)
{
	static const char *const names[] = { "offered", "confirmed",
		"running", "done", "failed", "cancelled" };

	return names[s];
}

static int
plan_role(enum move_state s)
{
	return s == MOVE_RUNNING || s == MOVE_CONFIRMED ? THEME_WARN :
	    s == MOVE_DONE ? THEME_GOOD : s == MOVE_FAILED ? THEME_BAD :
	    s == MOVE_CANCELLED ? THEME_DIM : THEME_NORMAL;
}

static void
plan_draw(struct tui *t, struct tui_rect r)
{
	enum policy_mode mode = controller_mode(t->ctl);
	const char *note = plan_note(t);
	char buf[600], vm[TUI_COL_MAX(12)], est[24];
	int row;

	if (t->nmoves == 0) {
		attrset((attr_t)t->attr[THEME_DIM]);
		if (mode == MODE_OBSERVE)
			tui_put(r.y, r.x, r.w,
			    "observe mode: vmbal watches and never plans here");
		else if (controller_standby(t->ctl) != NULL)
			tui_put(r.y, r.x, r.w,
			    "standby: the director holding the address plans");
		else if (controller_paused(t->ctl))
			tui_put(r.y, r.x, r.w, "paused: press p to resume planning");
		else
			tui_put(r.y, r.x, r.w, controller_imbalanced(t->ctl,
			    NULL) ? "imbalanced: planning at the next tick" :
			    "no suggestion: the cluster is within its threshold");
		attrset((attr_t)t->attr[THEME_NORMAL]);
		return;
	}
	if (note != NULL && r.h >= 2) {
		/* the last row says why this offer replaced the one before */
		r.h--;
		attrset((attr_t)t->attr[THEME_DIM]);
		tui_put(r.y + r.h, r.x, r.w, note);
	}
	tui_scroll(t, PANE_PLAN, t->nmoves, r.h);
	for (row = 0; row < r.h; row++) {
		size_t i = t->top[PANE_PLAN] + (size_t)row;
		const struct move_view *mv;

		if (i >= t->nmoves)
			break;
		mv = &t->moves[i];
		tui_row_attr(t, PANE_PLAN, i, plan_role(mv->state));
		plan_est(est, sizeof est, mv->est_s);
		snprintf(buf, sizeof buf, "%zu. %s %s %s %s  spread %s %.1f%%  %-7s %-9s %s",
		    i + 1, tui_safe_col(vm, sizeof vm, mv->vm, 12, false),
		    mv->from, t->utf8 ? "\u2192" : "->", mv->to,
		    t->utf8 ? "\u2192" : "->", mv->spread_after, est,
		    plan_state(mv->state), mv->reason);
		tui_put(r.y + row, r.x, r.w, buf);
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

const struct tui_pane tui_pane_plan = {
	.title = "Suggestions",
	.rows = plan_rows,
	.draw = plan_draw,
};
