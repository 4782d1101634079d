# fuzzlib.sh - what the fuzz tests share (sourced from the repository
# root): fuzz_setup BIN SECS prints the plan, skips when BIN is not built,
# and makes $work (corpus/ for the seeds, art/ for findings, removed on
# exit); fuzz_run WHAT MAX_LEN DICT runs libFuzzer for $secs and prints
# the one TAP line, with the log and the input of a finding.
fuzz_setup() {
	bin=$1
	secs=$2
	echo "1..1"
	if [ ! -x "$bin" ]; then
		echo "ok 1 # skip $bin not built (make $bin)"
		exit 0
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/vmbal-fuzz.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT INT TERM
	mkdir "$work/corpus" "$work/art"
}

fuzz_run() {	# WHAT MAX_LEN DICT
	seeds=$(ls "$work/corpus" | wc -l)
	# -rss_limit_mb: the targets' caps keep any input far below it
	if "$bin" -dict="$3" -max_total_time="$secs" -max_len="$2" -timeout=10 \
		-rss_limit_mb=512 -artifact_prefix="$work/art/" "$work/corpus" \
		> "$work/log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$work/log" | tail -1)
		echo "ok 1 - $1 fuzzed for ${secs}s from $seeds seeds: $runs, no finding"
	else
		echo "not ok 1 - the fuzzer found a problem"
		tail -40 "$work/log" | sed 's/^/# /'
		for a in "$work"/art/*; do
			[ -f "$a" ] && echo "# input: $(od -An -c "$a" | head -5 | tr -s ' ')"
		done
	fi
}
