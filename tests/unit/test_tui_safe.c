/*
 * test_tui_safe.c - names drawn by the console (tui/safe.c): control
 * characters, C1 controls, bidi overrides and bytes that are not UTF-8
 * come out escaped; everything else as it is; columns cut and padded by
 * what is drawn.
 */
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "../../tui/tui.h"

static void
safe_is(const char *in, const char *want)
{
	char *got = tui_safe_new(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_plain_text_unchanged(void **state)
{
	(void)state;
	safe_is("web1", "web1");
	safe_is("", "");
	safe_is("caf\xc3\xa9-\xe6\x97\xa5-\xf0\x9f\x98\x80", "caf\xc3\xa9-\xe6\x97\xa5-\xf0\x9f\x98\x80");
	safe_is("a\\x1b", "a\\x1b");	/* an escape drawn twice stays one */
	safe_is("\xe2\x80\xa9\xe2\x81\xa5", "\xe2\x80\xa9\xe2\x81\xa5");	/* U+2029, U+2065 */
}

static void
test_controls_escaped(void **state)
{
	(void)state;
	safe_is("\x1b[2Jx", "\\x1b[2Jx");
	safe_is("a\tb\nc\rd\x7f", "a\\x09b\\x0ac\\x0dd\\x7f");
	/* C1 controls: U+0085 (NEL), U+009B (CSI) */
	safe_is("x\xc2\x85y\xc2\x9b", "x\\u0085y\\u009b");
	safe_is("\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0");
	/* bidi overrides and isolates */
	safe_is("evil\xe2\x80\xaegnp.exe", "evil\\u202egnp.exe");
	safe_is("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "\\u202a\\u202b\\u202c\\u202d");
	safe_is("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	    "\\u2066\\u2067\\u2068\\u2069");
}

static void
test_bad_utf8_escaped(void **state)
{
	(void)state;
	safe_is("\xff", "\\xff");
	safe_is("a\x80" "b", "a\\x80b");		/* a lone continuation */
	safe_is("\xe2\x80", "\\xe2\\x80");		/* cut short */
	safe_is("\xc0\xaf", "\\xc0\\xaf");		/* overlong */
	safe_is("\xe0\x80\xaf", "\\xe0\\x80\\xaf");	/* overlong */
	safe_is("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* a surrogate */
	safe_is("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
	/* an overlong C1 is no way around it */
	safe_is("\xe0\x82\x9b", "\\xe0\\x82\\x9b");
}

static void
test_fit_and_columns(void **state)
{
	char col[TUI_COL_MAX(6)];

	(void)state;
	assert_int_equal(tui_safe_fit("abcdef", 3), 3);
	assert_int_equal(tui_safe_fit("ab\x1b", 5), 2);	/* \x1b is 4 wide */
	assert_int_equal(tui_safe_fit("ab\x1b", 6), 3);
	assert_int_equal(tui_safe_fit("\xc3\xa9\xc3\xa9", 1), 2);
	assert_string_equal(tui_safe_col(col, sizeof col, "ab", 4, false), "ab  ");
	assert_string_equal(tui_safe_col(col, sizeof col, "ab", 4, true), "  ab");
	assert_string_equal(tui_safe_col(col, sizeof col, "abcdefgh", 6, false),
	    "abcdef");
	assert_string_equal(tui_safe_col(col, sizeof col, "a\x1b" "b", 4, false),
	    "a   ");
	assert_string_equal(tui_safe_col(col, sizeof col, "\xe2\x80\xae" "ab", 6,
	    false), "\\u202e");
	assert_string_equal(tui_safe_col(col, sizeof col, "\xc3\xa9", 3, true),
	    "  \xc3\xa9");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_bad_utf8_escaped),
		cmocka_unit_test(test_fit_and_columns),
	};

	return TAP_RUN(tests);
}
