#!/bin/sh
# fuzz_meta.t - runs the libFuzzer target of the move record's parser
# (tests/fuzz/fuzz_meta.c) for FUZZ_SECONDS (default 20) from seeds of
# good and bad records; any crash, leak or sanitizer report fails. Prints
# TAP.
cd "$(dirname "$0")/../.." || exit 1
. tests/fuzz/fuzzlib.sh
fuzz_setup build/fuzz/fuzz_meta "${FUZZ_SECONDS:-20}"
ns=https://vmbal.org/xmlns/move/1
printf '<move vm="a" from="h1" to="h2" state="started" at="1764612345.125" by="d1:42"/>' > "$work/corpus/good"
printf '<vmbal:move xmlns:vmbal="%s" vm="a" from="h&amp;1" to="h2" state="done" at="5" by="x:1"/>' "$ns" > "$work/corpus/prefixed"
printf '<move xmlns="%s" vm="a" from="h1" to="h2" state="failed" at="7.5" by="x:1"><junk/></move>' "$ns" > "$work/corpus/default-ns"
printf '<move vm="a" state="sideways" at="soon" by=""/>' > "$work/corpus/bad"
printf '<!DOCTYPE m [<!ENTITY e "eeeeeeee"><!ENTITY f "&e;&e;&e;&e;">]><move vm="a" from="&f;" to="h2" state="done" at="5" by="x:1"/>' > "$work/corpus/entities"
cat > "$work/dict" <<'DICT'
"<move"
"/>"
"vm=\"a\""
"from=\""
"to=\""
"state=\"started\""
"state=\"done\""
"state=\"failed\""
"at=\""
"by=\""
"xmlns=\""
"xmlns:vmbal=\""
"https://vmbal.org/xmlns/move/1"
"&amp;"
"<!ENTITY"
DICT
fuzz_run "move record parser" 2048 "$work/dict"
