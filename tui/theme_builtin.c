/*
 * theme_builtin.c - embeds themes/dark.theme, themes/light.theme and
 * themes/mono.theme in the binary with the assembler's .incbin (as
 * cli/demo.c embeds the demo scenario), so the console has its themes
 * even when nothing is installed. The same files are installed under
 * share/vmbal/themes/ for users to copy and change.
 */
#include <string.h>

#include "theme_builtin.h"

#define THEME_INCBIN(sym, path) \
"	.balign 16\n" \
#sym "_start:\n" \
"	.incbin \"" path "\"\n" \
#sym "_end:\n" \
"	.byte 0\n"

__asm__(
"	.section .rodata\n"
THEME_INCBIN(vmbal_theme_dark, "themes/dark.theme")
THEME_INCBIN(vmbal_theme_light, "themes/light.theme")
THEME_INCBIN(vmbal_theme_mono, "themes/mono.theme")
"	.previous\n");

extern const char dark_start[] __asm__("vmbal_theme_dark_start");
extern const char dark_end[] __asm__("vmbal_theme_dark_end");
extern const char light_start[] __asm__("vmbal_theme_light_start");
extern const char light_end[] __asm__("vmbal_theme_light_end");
extern const char mono_start[] __asm__("vmbal_theme_mono_start");
extern const char mono_end[] __asm__("vmbal_theme_mono_end");

const struct theme_builtin theme_builtins[] = {
	{ "dark", dark_start, dark_end },
	{ "light", light_start, light_end },
	{ "mono", mono_start, mono_end },
	{ NULL, NULL, NULL }
};

const struct theme_builtin *
theme_builtin_find(const char *name)
{
	const struct theme_builtin *b;

	for (b = theme_builtins; b->name != NULL; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}
