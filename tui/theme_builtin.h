/*
 * theme_builtin.h - the themes compiled into the binary (private to
 * theme.c, theme_find.c, theme_apply.c and their tests).
 */
#ifndef VMBAL_THEME_BUILTIN_H
#define VMBAL_THEME_BUILTIN_H

#include <stddef.h>

struct theme_builtin {
	const char *name;	/* "dark": also the file themes/dark.theme */
	const char *start;	/* the file's bytes */
	const char *end;
};

/* dark (the default), light, mono; NULL-terminated. */
extern const struct theme_builtin theme_builtins[];

/* The built-in theme called name, or NULL. */
const struct theme_builtin *theme_builtin_find(const char *name);

#endif
