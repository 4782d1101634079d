#!/bin/sh
# fuzz_config.t - runs the libFuzzer target of the config loader for
# FUZZ_SECONDS (default 40) from a seed corpus of valid and invalid files
# and of inputs at the loader's caps (alias, anchor, node and depth caps);
# any crash, leak or sanitizer report fails. Prints TAP.
cd "$(dirname "$0")/../.." || exit 1
. tests/fuzz/fuzzlib.sh
fuzz_setup build/fuzz/fuzz_config "${FUZZ_SECONDS:-40}"
# seeds: every corpus file and the demo, each prefixed with the kind byte
i=0
for f in tests/corpus/config/*.yaml tests/corpus/valid/*config*.yaml; do
	[ -f "$f" ] || continue
	i=$((i + 1)); { printf '\0'; cat "$f"; } > "$work/corpus/c$i"
done
for f in tests/corpus/scenario/*.yaml tests/corpus/valid/*scenario*.yaml scenarios/*.yaml; do
	[ -f "$f" ] || continue
	i=$((i + 1)); { printf '\1'; cat "$f"; } > "$work/corpus/s$i"
done
# seeds at the loader's caps, which the fuzz build lowers (Makefile
# FUZZ_CAPS): many anchors, many aliases, an alias bomb, deep nesting
{
	printf '\0hosts: [{name: h1}]\nmaintenance: [&a0 h1'
	j=1; while [ $j -le 60 ]; do printf ', &a%d h1' $j; j=$((j + 1)); done
	printf ']\n'
} > "$work/corpus/cap-anchors"
{
	printf '\0hosts: [{name: &h h1}]\nmaintenance: [*h'
	j=1; while [ $j -le 210 ]; do printf ', *h'; j=$((j + 1)); done
	printf ']\n'
} > "$work/corpus/cap-aliases"
printf '\0hosts: [{name: h1}]\nrules:\n  - exclude: &a [a, b, c, d, e, f, g, h]\n  - exclude: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n  - exclude: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n  - exclude: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n  - exclude: &e [*d, *d, *d, *d, *d, *d, *d, *d]\n' \
	> "$work/corpus/cap-bomb"
{ printf '\1hosts: [{name: s1}]\nvms: '; head -c 80 /dev/zero | tr '\0' '['; } > "$work/corpus/cap-depth"
fuzz_run "config loader" 4096 tests/fuzz/config.dict
