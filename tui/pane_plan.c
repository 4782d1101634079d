/*
 * pane_plan.c - the Suggestions pane: the plan in hand, move by move,
 * with its reason, the predicted spread after it, and where it stands
 * (offered, confirmed, running, done, failed), and its estimated copy
 * time ("~12 s"; "no conv" when the guest dirties memory faster than the
 * link sends it, see engine/movecost.h). Below them, when the offer
 * replaced an earlier one, why ("replaced: web1 is no longer on h1").
 * With no suggestion, why not (engine/controller_why.c: below threshold,
 * measuring, holding, cooling down, paused, observe mode, no move helps).
 * Its keys: y or Enter confirms the selected suggestion, Y all of them,
 * n dismisses the offer (from any pane: they need no other selection).
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

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
	double target = t->min_target;
	long min = t->min_moves;
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
	return t->nmoves > 0 ? t->offer_note : NULL;
}

static size_t
plan_rows(struct tui *t)
{
	return t->nmoves > 0 ? t->nmoves + (plan_note(t) != NULL) : 2;
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

/* No suggestion: why, in the engine's words (controller_no_offer),
 * wrapped over the pane's rows. */
static void
plan_why(struct tui *t, struct tui_rect r)
{
	const char *rest;
	char buf[500], line[500];
	int row;

	snprintf(buf, sizeof buf, "no suggestion: %s%s", t->no_offer,
	    t->paused ? " (p resumes)" : "");
	attrset((attr_t)t->attr[THEME_DIM]);
	for (rest = buf, row = 0; *rest != '\0' && row < r.h; row++) {
		size_t n = tui_safe_fit(rest, r.w);

		if (n == 0)
			break;
		if (rest[n] != '\0' && row + 1 < r.h)	/* at a space */
			while (n > 1 && rest[n - 1] != ' ')
				n--;
		memcpy(line, rest, n);
		line[n] = '\0';
		tui_put(r.y + row, r.x, r.w, line);
		rest += n;
	}
	attrset((attr_t)t->attr[THEME_NORMAL]);
}

static void
plan_draw(struct tui *t, struct tui_rect r)
{
	const char *note = plan_note(t);
	char buf[600], vm[TUI_COL_MAX(12)], est[24];
	int row;

	if (t->nmoves == 0) {
		plan_why(t, r);
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

/* y, Enter: the selected suggestion (or the first one offered), as the
 * dialog shows it. */
static void
plan_key_confirm_one(struct tui *t)
{
	const struct move_view *mv;
	struct tui_cmd *c;
	size_t i = t->sel[PANE_PLAN];

	if (tui_readonly(t, "confirm a suggestion"))
		return;
	if (i >= t->nmoves || t->moves[i].state != MOVE_OFFERED) {
		for (i = 0; i < t->nmoves; i++)
			if (t->moves[i].state == MOVE_OFFERED)
				break;
		if (i == t->nmoves) {
			tui_message(t, true, "no suggestion waits for confirmation");
			return;
		}
	}
	mv = &t->moves[i];
	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_CONFIRM);
	if (c != NULL)
		tui_cmd_move(c, mv->vm, mv->from, mv->to);
	tui_dialog_line(t, "Migrate %s from %s to %s (live).", mv->vm, mv->from,
	    mv->to);
	tui_dialog_line(t, "Predicted spread after it: %.1f%% (now %.1f%%).",
	    mv->spread_after, t->spread_before);
	tui_dialog_line(t, "Why: %s", mv->reason);
	/* one move confirmed is one migration: its question */
	tui_cmd_ask(t, c, cmd_table[CMD_MIGRATE].title);
}

/* Y: every offered move, in order. */
static void
plan_key_confirm_all(struct tui *t)
{
	struct tui_cmd *c;
	size_t i, n = 0;

	if (tui_readonly(t, "confirm suggestions"))
		return;
	tui_dialog_clear(t);
	c = tui_cmd_new(CMD_CONFIRM);
	for (i = 0; i < t->nmoves; i++)
		if (t->moves[i].state == MOVE_OFFERED) {
			tui_dialog_line(t, "%zu. %s  from %s to %s  (spread after %.1f%%)",
			    i + 1, t->moves[i].vm, t->moves[i].from,
			    t->moves[i].to, t->moves[i].spread_after);
			if (c != NULL)
				tui_cmd_move(c, t->moves[i].vm, t->moves[i].from,
				    t->moves[i].to);
			n++;
		}
	if (n == 0) {
		tui_cmd_free(c);
		tui_dialog_clear(t);
		tui_message(t, true, "no suggestion waits for confirmation");
		return;
	}
	tui_cmd_ask(t, c, NULL);
}

static void
plan_key_dismiss(struct tui *t)
{
	if (tui_readonly(t, "dismiss a suggestion"))
		return;
	tui_cmd_now(t, tui_cmd_new(CMD_DISMISS));
}

static const struct tui_binding plan_keys[] = {
	{ 'y', plan_key_confirm_one, TUI_CMD(CMD_CONFIRM), NULL, NULL },
	{ '\n', plan_key_confirm_one, TUI_CMD(CMD_CONFIRM), NULL, NULL },
	{ '\r', plan_key_confirm_one, TUI_CMD(CMD_CONFIRM), NULL, NULL },
	{ KEY_ENTER, plan_key_confirm_one, TUI_CMD(CMD_CONFIRM), NULL, NULL },
	{ 'Y', plan_key_confirm_all, TUI_CMD(CMD_CONFIRM), NULL, NULL },
	{ 'n', plan_key_dismiss, TUI_CMD(CMD_DISMISS), NULL, NULL },
};

const struct tui_pane tui_pane_plan = {
	.title = "Suggestions",
	.rows = plan_rows,
	.draw = plan_draw,
	.keys = plan_keys,
	.nkeys = sizeof plan_keys / sizeof plan_keys[0],
};
