/*
 * test_theme.c - console themes: the shipped files and their built-in
 * copies, every parse error with its position, inheritance from normal,
 * the search for a theme by name, the list of themes, and theme_apply on
 * a terminal that writes to /dev/null.
 */
#include "tap.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tui/theme.h"
#include "../../tui/theme_builtin.h"

static const char *const shipped[] = { "dark", "light", "mono" };

/* A file's bytes (NUL-terminated too); caller frees. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
spit(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
assert_style(const struct theme_style *s, int fg, int bg, unsigned attrs)
{
	assert_int_equal(s->fg, fg);
	assert_int_equal(s->bg, bg);
	assert_int_equal(s->attrs, attrs);
}

static void
assert_same_theme(const struct theme *a, const struct theme *b)
{
	int r;

	assert_string_equal(a->name, b->name);
	for (r = 0; r < THEME_NROLES; r++)
		assert_style(&a->role[r], b->role[r].fg, b->role[r].bg,
		    b->role[r].attrs);
}

static void
test_shipped_themes(void **state)
{
	char path[64], err[512];
	struct theme t, b, d;
	size_t i, len;
	char *text;
	int r;

	(void)state;
	for (i = 0; i < 3; i++) {
		const struct theme_builtin *bi = theme_builtin_find(shipped[i]);

		snprintf(path, sizeof path, "themes/%s.theme", shipped[i]);
		text = slurp(path, &len);
		err[0] = '\0';
		if (theme_parse(path, text, len, &t, err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_string_equal(t.name, shipped[i]);
		/* the built-in copy is the file, byte for byte */
		assert_non_null(bi);
		assert_int_equal((size_t)(bi->end - bi->start), len);
		assert_memory_equal(bi->start, text, len);
		assert_int_equal(theme_parse("b", bi->start, len, &b, err,
		    sizeof err), 0);
		assert_same_theme(&b, &t);
		/* every role is written out, none left to inheritance */
		for (r = 0; r < THEME_NROLES; r++)
			assert_true(t.role[r].fg >= -1 && t.role[r].fg <= 255);
		free(text);
	}
	/* dark is the default; its auto marker is bold reverse in colour */
	theme_default(&d);
	assert_int_equal(theme_parse("dark.theme", theme_builtins[0].start,
	    (size_t)(theme_builtins[0].end - theme_builtins[0].start), &t, err,
	    sizeof err), 0);
	assert_same_theme(&d, &t);
	assert_string_equal(d.name, "dark");
	assert_int_equal(d.role[THEME_AUTO].attrs,
	    THEME_A_BOLD | THEME_A_REVERSE);
	assert_true(d.role[THEME_AUTO].fg > 0);
	/* mono: attributes only */
	text = slurp("themes/mono.theme", &len);
	assert_int_equal(theme_parse("mono.theme", text, len, &t, err,
	    sizeof err), 0);
	free(text);
	for (r = 0; r < THEME_NROLES; r++) {
		assert_int_equal(t.role[r].fg, -1);
		assert_int_equal(t.role[r].bg, -1);
	}
	assert_true(t.role[THEME_SELECTED].attrs & THEME_A_REVERSE);
	assert_true(t.role[THEME_AUTO].attrs & THEME_A_REVERSE);
	assert_true(t.role[THEME_BAD].attrs != 0);
}

static const struct {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *err;
} bad[] = {
	{ "hdr: red\n", 0, "t.theme:1:1: unknown role 'hdr'" },
	{ "# roles\n\n  Bar-Low: red\n", 0,
	  "t.theme:3:3: unknown role 'Bar-Low'" },
	{ "normal: purple\n", 0, "t.theme:1:9: unknown colour 'purple' "
	  "(a name, bright-NAME, default or 0..255)" },
	{ "normal: 256\n", 0, "t.theme:1:9: unknown colour '256' "
	  "(a name, bright-NAME, default or 0..255)" },
	{ "normal: 12a\n", 0, "t.theme:1:9: unknown colour '12a' "
	  "(a name, bright-NAME, default or 0..255)" },
	{ "normal: bright-\n", 0, "t.theme:1:9: unknown colour 'bright-' "
	  "(a name, bright-NAME, default or 0..255)" },
	{ "normal: red on dark-blue\n", 0, "t.theme:1:16: unknown colour "
	  "'dark-blue' (a name, bright-NAME, default or 0..255)" },
	{ "normal: red on blue blink\n", 0, "t.theme:1:21: unknown attribute "
	  "'blink' (bold, reverse, underline, dim, standout)" },
	{ "normal: red blue\n", 0, "t.theme:1:13: unexpected colour 'blue' "
	  "(a background is written 'on blue')" },
	{ "normal: bold\n", 0, "t.theme:1:9: expected a colour before "
	  "'bold' ('default' is the terminal's own)" },
	{ "normal:\n", 0, "t.theme:1:8: expected a colour after 'normal:'" },
	{ "normal: red on\n", 0, "t.theme:1:15: expected a colour after 'on'" },
	{ "normal: red on blue on black\n", 0,
	  "t.theme:1:21: background given twice" },
	{ "normal: red\n\n# again\nnormal: blue\n", 0,
	  "t.theme:4:1: duplicate role 'normal' (first given on line 1)" },
	{ "normal: red\nNORMAL: blue\n", 0,
	  "t.theme:2:1: duplicate role 'normal' (first given on line 1)" },
	{ "header red\n", 0, "t.theme:1:7: expected ':' after 'header'" },
	{ "header\n", 0, "t.theme:1:7: expected ':' after 'header'" },
	{ "blah blah\n", 0, "t.theme:1:1: a theme is a mapping, one "
	  "'ROLE: FG [on BG] [ATTR...]' a line, not a scalar" },
	{ "- normal\n", 0, "t.theme:1:1: a theme is a mapping, one "
	  "'ROLE: FG [on BG] [ATTR...]' a line, not a list" },
	/* the format before themes were YAML: said where and how */
	{ "# mine\nname = mine\nnormal = red\n", 0, "t.theme:2:6: '=' where "
	  "a theme has ':' (themes are YAML: write 'ROLE: FG [on BG] "
	  "[ATTR...]')" },
	{ "header= red\n", 0, "t.theme:1:7: '=' where a theme has ':' "
	  "(themes are YAML: write 'ROLE: FG [on BG] [ATTR...]')" },
	{ "[a]: red\n", 0, "t.theme:1:1: expected a role name, not a list" },
	{ "normal: [red, bold]\n", 0, "t.theme:1:9: expected FG [on BG] "
	  "[ATTR...] for 'normal', not a list" },
	{ "title:\n  fg: red\n", 0, "t.theme:2:3: expected FG [on BG] "
	  "[ATTR...] for 'title', not a mapping" },
	/* quoted: the column still that of the word, unless escapes */
	{ "normal: 'red on mauve'\n", 0, "t.theme:1:17: unknown colour "
	  "'mauve' (a name, bright-NAME, default or 0..255)" },
	{ "normal: \"red on\\tmauve\"\n", 0, "t.theme:1:9: unknown colour "
	  "'mauve' (a name, bright-NAME, default or 0..255)" },
	{ "normal: \"red\\0\"\n", 0,
	  "t.theme:1:9: a NUL character in the value of 'normal'" },
	/* on two lines: the value's own position */
	{ "normal: red\n  on mauve\n", 0, "t.theme:1:9: unknown colour "
	  "'mauve' (a name, bright-NAME, default or 0..255)" },
	{ "name: a b\n", 0, "t.theme:1:7: bad theme name 'a b' "
	  "(1-63 letters, digits, '.', '-', '_')" },
	{ "name: a/b\n", 0, "t.theme:1:7: bad theme name 'a/b' "
	  "(1-63 letters, digits, '.', '-', '_')" },
	{ "name:\n", 0, "t.theme:1:6: expected a theme name after 'name:'" },
	{ "name: [a]\n", 0, "t.theme:1:7: expected a theme name, not a list" },
	{ "name: a\nname: b\n", 0,
	  "t.theme:2:1: duplicate name (first given on line 1)" },
	/* the YAML layer's own errors, positioned */
	{ "normal: red\n\theader: blue\n", 0, "t.theme:2:1: YAML syntax "
	  "error: a tab character: indent with spaces, not tabs" },
	{ "name: x\n---\nnormal: red\n", 0, "t.theme:2:1: a second YAML "
	  "document starts here: only one is allowed" },
	{ "header: *nope\n", 0, "t.theme:1:9: YAML syntax error: found "
	  "undefined alias" },
	/* bytes no theme holds */
	{ "normal: red\0\n", 13, "t.theme:1:12: NUL byte" },
	{ "normal: red\x01\n", 0, "t.theme:1:12: control character 0x01" },
	{ "normal: red\rdim: red\n", 0,
	  "t.theme:1:12: control character 0x0d" },
	{ "dim: red\n\x7f\n", 0, "t.theme:2:1: control character 0x7f" },
	{ "normal: red\xe2\x80\xa8\n", 0, "t.theme:1:12: a line break other "
	  "than LF or CRLF (U+0085, U+2028, U+2029)" },
	{ "# \xc2\x85\n", 0, "t.theme:1:3: a line break other than LF or CRLF "
	  "(U+0085, U+2028, U+2029)" },
	/* columns count characters: the e-acute is one */
	{ "# caf\xc3\xa9\x1b\n", 0, "t.theme:1:7: control character 0x1b" },
};

static void
test_errors(void **state)
{
	char err[512];
	struct theme t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = bad[i].len != 0 ? bad[i].len : strlen(bad[i].text);

		memset(err, 'x', sizeof err);
		err[sizeof err - 1] = '\0';
		if (theme_parse("t.theme", bad[i].text, len, &t, err,
		    sizeof err) != -1)
			fail_msg("case %zu parsed: %s", i, bad[i].text);
		assert_string_equal(err, bad[i].err);
	}
	/* a short err buffer is cut, never overrun */
	assert_int_equal(theme_parse("t.theme", "hdr: red", 8, &t, err, 8), -1);
	assert_string_equal(err, "t.theme");
	assert_int_equal(theme_parse("t.theme", "hdr: red", 8, &t, NULL, 0),
	    -1);
}

static void
test_limits(void **state)
{
	char line[400], err[512], *big;
	const char *text;
	struct theme t;
	size_t i, n;

	(void)state;
	/* 256 bytes and a newline: fine; 257: too long */
	memset(line, '#', 256);
	line[256] = '\n';
	assert_int_equal(theme_parse("t.theme", line, 257, &t, err, sizeof err),
	    0);
	line[256] = '#';
	line[257] = '\n';
	assert_int_equal(theme_parse("t.theme", line, 258, &t, err,
	    sizeof err), -1);
	assert_string_equal(err, "t.theme:1:257: line longer than 256 bytes");
	/* ... also as the last line, without its newline, in the middle */
	memcpy(line, "dim: red\n", 9);
	memset(line + 9, ' ', 300);
	assert_int_equal(theme_parse("t.theme", line, 309, &t, err,
	    sizeof err), -1);
	assert_string_equal(err, "t.theme:2:257: line longer than 256 bytes");
	/* CRLF line ends and tabs are fine */
	text = "normal:\tred\r\nheader: blue\ton\tblack \t bold\r\n";
	assert_int_equal(theme_parse("t.theme", text, strlen(text), &t, err,
	    sizeof err), 0);
	assert_style(&t.role[THEME_NORMAL], 1, -1, 0);
	assert_style(&t.role[THEME_HEADER], 4, 0, THEME_A_BOLD);
	/* errors after CRLF lines are still on the right line and column */
	text = "normal: red\r\n\r\nheader: blue on mauve\r\n";
	assert_int_equal(theme_parse("t.theme", text, strlen(text), &t, err,
	    sizeof err), -1);
	assert_string_equal(err, "t.theme:3:17: unknown colour 'mauve' "
	    "(a name, bright-NAME, default or 0..255)");
	/* 64 KiB: fine; one byte more: refused before any line is read */
	big = malloc(65537);
	assert_non_null(big);
	for (i = 0; i < 65536; i += n) {
		n = 65536 - i < 100 ? 65536 - i : 100;
		memset(big + i, '#', n - 1);
		big[i + n - 1] = '\n';
	}
	assert_int_equal(theme_parse("t.theme", big, 65536, &t, err,
	    sizeof err), 0);
	big[65536] = '\n';
	assert_int_equal(theme_parse("t.theme", big, 65537, &t, err,
	    sizeof err), -1);
	assert_string_equal(err, "t.theme:1:1: file larger than 64 KiB "
	    "(65536 bytes)");
	free(big);
}

static void
test_values_and_inheritance(void **state)
{
	char err[512];
	struct theme t;
	const char *text =
	    "# roles may come in any order; normal is the base of the rest\n"
	    "TITLE: 208 on 17 underline\n"
	    "normal: white on black bold   # trailing comment\n"
	    "header:   bright-white on BLUE Bold Reverse\n"
	    "dim: default on default dim standout\n"
	    "bar_high: &hot bright-red reverse on 0\n"
	    "bad: *hot\n"
	    "\"status\": 'green on 17'\n";
	int r;

	(void)state;
	assert_int_equal(theme_parse("x/y/mine.theme", text, strlen(text), &t,
	    err, sizeof err), 0);
	assert_string_equal(t.name, "mine");	/* no name line: the file's */
	assert_style(&t.role[THEME_NORMAL], 7, 0, THEME_A_BOLD);
	assert_style(&t.role[THEME_TITLE], 208, 17, THEME_A_UNDERLINE);
	assert_style(&t.role[THEME_HEADER], 15, 4,
	    THEME_A_BOLD | THEME_A_REVERSE);
	assert_style(&t.role[THEME_DIM], -1, -1,
	    THEME_A_DIM | THEME_A_STANDOUT);
	assert_style(&t.role[THEME_BAR_HIGH], 9, 0, THEME_A_REVERSE);
	assert_style(&t.role[THEME_BAD], 9, 0, THEME_A_REVERSE);
	assert_style(&t.role[THEME_STATUS], 2, 17, 0);
	for (r = 0; r < THEME_NROLES; r++)
		if (r != THEME_TITLE && r != THEME_HEADER && r != THEME_DIM &&
		    r != THEME_BAR_HIGH && r != THEME_BAD && r != THEME_STATUS)
			assert_style(&t.role[r], 7, 0, THEME_A_BOLD);
	/* a flow mapping is a mapping too */
	text = "{normal: red, good: green bold}\n";
	assert_int_equal(theme_parse("t", text, strlen(text), &t, err,
	    sizeof err), 0);
	assert_style(&t.role[THEME_GOOD], 2, -1, THEME_A_BOLD);
	assert_style(&t.role[THEME_DIM], 1, -1, 0);
	/* without normal, everything is the terminal's own */
	text = "name: n.1\ngood: green\n";
	assert_int_equal(theme_parse("t", text, strlen(text), &t, err,
	    sizeof err), 0);
	assert_string_equal(t.name, "n.1");
	assert_style(&t.role[THEME_GOOD], 2, -1, 0);
	assert_style(&t.role[THEME_BAD], -1, -1, 0);
	assert_style(&t.role[THEME_NORMAL], -1, -1, 0);
	/* an empty file is a theme of defaults */
	assert_int_equal(theme_parse("empty.theme", "", 0, &t, err,
	    sizeof err), 0);
	assert_string_equal(t.name, "empty");
	assert_style(&t.role[THEME_STATUS], -1, -1, 0);
	assert_int_equal(theme_parse(NULL, NULL, 0, &t, err, sizeof err), 0);
	assert_string_equal(t.name, "");
	/* so is one of comments only, or a document marker alone */
	text = "# nothing yet\n\n   # at all\n";
	assert_int_equal(theme_parse("c.theme", text, strlen(text), &t, err,
	    sizeof err), 0);
	assert_style(&t.role[THEME_NORMAL], -1, -1, 0);
	text = "---\n# nothing\n";
	assert_int_equal(theme_parse("c.theme", text, strlen(text), &t, err,
	    sizeof err), 0);
	assert_string_equal(t.name, "c");
	assert_style(&t.role[THEME_AUTO], -1, -1, 0);
	/* a quoted name */
	text = "name: \"q-1\"\n";
	assert_int_equal(theme_parse("t", text, strlen(text), &t, err,
	    sizeof err), 0);
	assert_string_equal(t.name, "q-1");
}

/* A temporary $XDG_CONFIG_HOME with vmbal/themes/ in it. */
static char xdg[64], dir[128];

static void
rm_theme(const char *name)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (unlink(path) != 0)
		rmdir(path);
}

static int
setup_xdg(void **state)
{
	char path[160];

	(void)state;
	snprintf(xdg, sizeof xdg, "/tmp/vmbal-theme-XXXXXX");
	if (mkdtemp(xdg) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/vmbal", xdg);
	snprintf(dir, sizeof dir, "%s/vmbal/themes", xdg);
	if (mkdir(path, 0700) != 0 || mkdir(dir, 0700) != 0)
		return -1;
	return setenv("XDG_CONFIG_HOME", xdg, 1);
}

static int
teardown_xdg(void **state)
{
	char path[160];

	(void)state;
	rm_theme("mine.theme");
	rm_theme("broken.theme");
	rm_theme("dark.theme");
	rm_theme("huge.theme");
	rm_theme("adir.theme");
	rm_theme("README");
	rmdir(dir);
	snprintf(path, sizeof path, "%s/vmbal", xdg);
	rmdir(path);
	rmdir(xdg);
	unsetenv("XDG_CONFIG_HOME");
	return 0;
}

static void
user_theme(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	spit(path, text, strlen(text));
}

static void
test_load(void **state)
{
	char err[512], want[512], path[256], oldhome[4096], *huge;
	const char *home;
	struct theme t, d;

	(void)state;
	theme_default(&d);
	user_theme("mine.theme",
	    "name: whatever\nnormal: green\nauto: red bold reverse\n");
	user_theme("broken.theme", "normal: green\nheader: blue on mauve\n");
	assert_int_equal(theme_load("mine", &t, err, sizeof err), 0);
	assert_string_equal(t.name, "mine");	/* known by its file's name */
	assert_style(&t.role[THEME_NORMAL], 2, -1, 0);
	assert_style(&t.role[THEME_TITLE], 2, -1, 0);
	assert_style(&t.role[THEME_AUTO], 1, -1,
	    THEME_A_BOLD | THEME_A_REVERSE);
	/* a broken theme: -1, where and why, and the default in out */
	assert_int_equal(theme_load("broken", &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s/broken.theme:2:17: unknown colour "
	    "'mauve' (a name, bright-NAME, default or 0..255)", dir);
	assert_string_equal(err, want);
	assert_same_theme(&t, &d);
	/* the user's copy of a built-in comes first */
	assert_int_equal(theme_load("dark", &t, err, sizeof err), 0);
	assert_style(&t.role[THEME_HEADER], d.role[THEME_HEADER].fg,
	    d.role[THEME_HEADER].bg, d.role[THEME_HEADER].attrs);
	user_theme("dark.theme", "normal: magenta\n");
	assert_int_equal(theme_load("dark", &t, err, sizeof err), 0);
	assert_style(&t.role[THEME_HEADER], 5, -1, 0);
	assert_int_equal(theme_load("light", &t, err, sizeof err), 0);
	assert_string_equal(t.name, "light");
	/* no such theme, a bad name, a file too large, a directory */
	assert_int_equal(theme_load("nope", &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "no theme 'nope': no nope.theme in %s", dir);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "; built in: dark, light, mono"));
	assert_same_theme(&t, &d);
	assert_int_equal(theme_load("../mine", &t, err, sizeof err), -1);
	assert_string_equal(err, "bad theme name '../mine' (1-63 letters, "
	    "digits, '.', '-', '_')");
	assert_int_equal(theme_load("", &t, err, sizeof err), -1);
	huge = malloc(70000);
	assert_non_null(huge);
	memset(huge, '\n', 70000);
	snprintf(path, sizeof path, "%s/huge.theme", dir);
	spit(path, huge, 70000);
	free(huge);
	assert_int_equal(theme_load("huge", &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1:1: file larger than 64 KiB "
	    "(65536 bytes)", path);
	assert_string_equal(err, want);
	snprintf(path, sizeof path, "%s/adir.theme", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(theme_load("adir", &t, err, sizeof err), THEME_REFUSED);
	snprintf(want, sizeof want, "%s: not a regular file", path);
	assert_string_equal(err, want);
	/* XDG_CONFIG_HOME unset or relative: ~/.config, here a link to xdg */
	home = getenv("HOME");
	snprintf(oldhome, sizeof oldhome, "%s", home != NULL ? home : "");
	snprintf(path, sizeof path, "%s/.config", xdg);
	assert_int_equal(symlink(xdg, path), 0);
	assert_int_equal(setenv("HOME", xdg, 1), 0);
	assert_int_equal(setenv("XDG_CONFIG_HOME", "relative/dir", 1), 0);
	assert_int_equal(theme_load("mine", &t, err, sizeof err), 0);
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(theme_load("mine", &t, err, sizeof err), 0);
	assert_style(&t.role[THEME_NORMAL], 2, -1, 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(theme_load("mine", &t, err, sizeof err), -1);
	if (home != NULL)
		setenv("HOME", oldhome, 1);
	else
		unsetenv("HOME");
	assert_int_equal(setenv("XDG_CONFIG_HOME", xdg, 1), 0);
}

static void
test_list(void **state)
{
	char names[64][64];
	size_t n, i, mine = 0, dark = 0, broken_at = 0;

	(void)state;
	user_theme("mine.theme", "normal: green\n");
	user_theme("broken.theme", "normal: mauve\n");
	user_theme("dark.theme", "normal: red\n");
	user_theme("README", "not a theme\n");
	n = theme_list(names, 64);
	assert_true(n >= 5);
	assert_string_equal(names[0], "dark");
	assert_string_equal(names[1], "light");
	assert_string_equal(names[2], "mono");
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "mine") == 0)
			mine++;
		if (strcmp(names[i], "dark") == 0)
			dark++;
		if (strcmp(names[i], "broken") == 0)
			broken_at = i;
		assert_true(strcmp(names[i], "light") != 0 || i == 1);
		assert_true(strcmp(names[i], "mono") != 0 || i == 2);
		assert_null(strstr(names[i], ".theme"));
		assert_true(strcmp(names[i], "README") != 0);
		if (i > 3)	/* the others, sorted */
			assert_true(strcmp(names[i - 1], names[i]) < 0);
	}
	assert_int_equal(mine, 1);
	assert_int_equal(dark, 1);
	assert_true(broken_at >= 3);
	/* max is respected */
	assert_int_equal(theme_list(names, 2), 2);
	assert_string_equal(names[1], "light");
	assert_int_equal(theme_list(names, 0), 0);
}

static void
test_apply(void **state)
{
	unsigned long attr[THEME_NROLES];
	struct theme t;
	SCREEN *scr;
	FILE *out, *in;

	(void)state;
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	assert_non_null(out);
	assert_non_null(in);
	scr = newterm("xterm-256color", out, in);
	if (scr == NULL) {
		fclose(out);
		fclose(in);
		skip();
	}
	/* without colour: the mono attributes where colour meant something */
	theme_default(&t);
	theme_apply(&t, false, attr);
	assert_int_equal(attr[THEME_SELECTED], (unsigned long)A_REVERSE);
	assert_int_equal(attr[THEME_AUTO], (unsigned long)(A_BOLD | A_REVERSE));
	assert_int_equal(attr[THEME_BAD], (unsigned long)(A_BOLD | A_REVERSE));
	assert_int_equal(attr[THEME_HEADER], (unsigned long)A_NORMAL);
	assert_int_equal(attr[THEME_NORMAL] & A_COLOR, 0);
	/* with colour: one pair per role, the attributes on top */
	theme_apply(&t, true, attr);
	assert_int_equal(attr[THEME_HEADER] & A_COLOR,
	    (unsigned long)COLOR_PAIR(THEME_HEADER + 1));
	assert_int_equal(attr[THEME_AUTO], (unsigned long)(A_BOLD | A_REVERSE |
	    COLOR_PAIR(THEME_AUTO + 1)));
	assert_int_equal(attr[THEME_NORMAL], (unsigned long)A_NORMAL);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_values_and_inheritance),
		cmocka_unit_test_setup_teardown(test_load, setup_xdg,
		    teardown_xdg),
		cmocka_unit_test_setup_teardown(test_list, setup_xdg,
		    teardown_xdg),
		cmocka_unit_test(test_apply),
	};

	return TAP_RUN(tests);
}
