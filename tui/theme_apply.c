/*
 * theme_apply.c - a theme into ncurses: one colour pair per role (pair
 * number = role + 1) and the attr_t each role is drawn with.
 *
 * A theme may name any of 256 colours; a terminal with fewer gets the
 * nearest it has: bright colours 8..15 fold onto 0..7 (bold for text),
 * the 6x6x6 cube onto the primaries its strong components make, the grey
 * ramp onto black, grey or white. Without colour (NO_COLOR, a monochrome
 * terminal, too few pairs) a role whose colour carries meaning takes the
 * mono theme's attributes, so the selected row, the focused pane, auto
 * mode and trouble still stand out.
 */
#include <curses.h>
#include <string.h>

#include "theme.h"
#include "theme_builtin.h"

static unsigned long
theme_attrs(unsigned a)
{
	attr_t r = A_NORMAL;

	if (a & THEME_A_BOLD)
		r |= A_BOLD;
	if (a & THEME_A_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_A_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_A_DIM)
		r |= A_DIM;
	if (a & THEME_A_STANDOUT)
		r |= A_STANDOUT;
	return (unsigned long)r;
}

/* Roles told apart by colour alone in a coloured theme. */
static bool
role_needs_colour(int r)
{
	switch (r) {
	case THEME_SELECTED: case THEME_FOCUS: case THEME_AUTO:
	case THEME_BAR_LOW: case THEME_BAR_MID: case THEME_BAR_HIGH:
	case THEME_BAD: case THEME_WARN:
		return true;
	default:
		return false;
	}
}

/* Colour c (-1..255) on a terminal of ncolors colours; *bright is set
 * when a bright colour lost its brightness (text then goes bold). */
static short
colour_fit(short c, int ncolors, bool *bright)
{
	int i, r, g, b, m, level;

	*bright = false;
	if (c < ncolors)
		return c;
	if (c < 16) {
		*bright = true;
		return (short)(c - 8);
	}
	if (c < 232) {
		i = c - 16;
		r = i / 36;
		g = i / 6 % 6;
		b = i % 6;
		m = r > g ? r : g;
		m = m > b ? m : b;
		if (m == 0)
			return COLOR_BLACK;
		c = (short)((2 * r >= m ? COLOR_RED : 0) |
		    (2 * g >= m ? COLOR_GREEN : 0) |
		    (2 * b >= m ? COLOR_BLUE : 0));
		if (m >= 4 && ncolors >= 16)
			return (short)(c + 8);
		return c;
	}
	level = 8 + 10 * (c - 232);
	if (level < 64)
		return COLOR_BLACK;
	if (level < 128)
		return ncolors >= 16 ? 8 : COLOR_BLACK;
	if (level < 192 || ncolors < 16)
		return COLOR_WHITE;
	return 15;
}

void
theme_apply(const struct theme *t, bool color, unsigned long attr[THEME_NROLES])
{
	const struct theme_builtin *mb = theme_builtin_find("mono");
	bool use_color = color && has_colors(), default_ok = false, bright;
	struct theme mono;
	short fg, bg;
	int r;

	if (mb == NULL || theme_parse("mono.theme (built in)", mb->start,
	    (size_t)(mb->end - mb->start), &mono, NULL, 0) != 0)
		memset(&mono, 0, sizeof mono);	/* not reached: tested */
	if (use_color) {
		start_color();
		default_ok = use_default_colors() == OK;
	}
	for (r = 0; r < THEME_NROLES; r++) {
		const struct theme_style *s = &t->role[r];

		if (!use_color || r + 1 >= COLOR_PAIRS) {
			attr[r] = theme_attrs(role_needs_colour(r) ?
			    mono.role[r].attrs : s->attrs);
			continue;
		}
		attr[r] = theme_attrs(s->attrs);
		fg = colour_fit(s->fg, COLORS, &bright);
		if (bright)
			attr[r] |= (unsigned long)A_BOLD;
		bg = colour_fit(s->bg, COLORS, &bright);
		if (!default_ok) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		if (fg < 0 && bg < 0)
			continue;	/* pair 0: the terminal's own */
		if (init_pair((short)(r + 1), fg, bg) == OK)
			attr[r] |= (unsigned long)COLOR_PAIR(r + 1);
		else if (role_needs_colour(r))
			attr[r] = theme_attrs(mono.role[r].attrs);
	}
}
