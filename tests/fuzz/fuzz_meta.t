#!/bin/sh
# fuzz_meta.t - runs the libFuzzer target of the move record's parser
# (tests/fuzz/fuzz_meta.c) for FUZZ_SECONDS (default 20) from seeds of
# good and bad records; any crash, leak or sanitizer report fails. Prints
# TAP.
cd "$(dirname "$0")/../.." || exit 1
bin=build/fuzz/fuzz_meta
secs=${FUZZ_SECONDS:-20}
echo "1..1"
if [ ! -x "$bin" ]; then
	echo "ok 1 # skip $bin not built (make $bin)"
	exit 0
fi
work=$(mktemp -d /tmp/vmbal-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus" "$work/art"
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
if "$bin" -dict="$work/dict" -max_total_time="$secs" -max_len=2048 -timeout=10 -rss_limit_mb=512 \
	-artifact_prefix="$work/art/" "$work/corpus" > "$work/log" 2>&1; then
	runs=$(grep -o 'Done [0-9]* runs' "$work/log" | tail -1)
	echo "ok 1 - move record parser fuzzed for ${secs}s from 5 seeds: $runs, no finding"
else
	echo "not ok 1 - the fuzzer found a problem"
	tail -40 "$work/log" | sed 's/^/# /'
	for a in "$work"/art/*; do
		[ -f "$a" ] && echo "# input: $(od -An -c "$a" | head -5 | tr -s ' ')"
	done
fi
