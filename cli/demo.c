/*
 * demo.c - embeds scenarios/demo.yaml in the binary with the assembler's
 * .incbin, so --demo needs no file at run time. The same file is installed
 * under share/vmbal/scenarios/ for users to copy.
 */
#include "demo.h"

__asm__(
"	.section .rodata\n"
"	.balign 16\n"
"vmbal_demo_start:\n"
"	.incbin \"scenarios/demo.yaml\"\n"
"vmbal_demo_end:\n"
"	.byte 0\n"
"	.previous\n");

extern const char vmbal_demo_start[] __asm__("vmbal_demo_start");
extern const char vmbal_demo_end[] __asm__("vmbal_demo_end");

const char *
demo_yaml(void)
{
	return vmbal_demo_start;
}

size_t
demo_yaml_len(void)
{
	return (size_t)(vmbal_demo_end - vmbal_demo_start);
}
