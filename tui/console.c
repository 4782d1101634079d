/*
 * console.c - placeholder while the console is built: runs headless.
 */
#include <stdio.h>

#include "../cli/headless.h"
#include "console.h"

int
tui_run(const struct run *r)
{
	fprintf(stderr,
	    "vmbal: the console is not built yet: running headless (JSON lines on stdout)\n");
	return headless_run(r);
}
