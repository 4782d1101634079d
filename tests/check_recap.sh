#!/bin/sh
# check_recap.sh - the last words of `make check`: the labs run in
# groups (one beside a lane of others, then the rest alone), and a
# group that failed early would otherwise be out of sight, hundreds of
# lines above the end. Says which group failed and repeats its failing
# lines (prove's "not ok", "Failed", "Dubious" and the test's own
# diagnostics), then exits non-zero if any group failed.
# usage: check_recap.sh BESIDE_RC BESIDE_OUT LANE_RC LANE_OUT LONE_RC
beside=$1 beside_out=$2 lane=$3 lane_out=$4 lone=$5
rc=0
recap() {	# NAME RC OUT
	[ "$2" -eq 0 ] && return 0
	rc=1
	echo "# make check: $1 failed (exit $2)"
	[ -n "$3" ] && [ -f "$3" ] &&
		grep -E -B3 -A12 '^not ok|Failed|Dubious|Parse errors' "$3" | sed 's/^/#   /'
	return 0
}
recap "the lab beside the lane" "$beside" "$beside_out"
recap "the second lane of labs" "$lane" "$lane_out"
recap "the labs run alone (see above)" "$lone" ""
[ "$rc" -eq 0 ] && echo "# make check: every group passed"
exit "$rc"
