#!/bin/sh
# dnat.sh - apply time of the libiptc DNAT programmer at 1,000 services x
# 10 backends, an update of one service, and iptables-legacy-restore of
# the same ruleset as the baseline (in a private network namespace).
# No target yet: the figures are for information. Needs root.
cd "$(dirname "$0")/../.." || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "dnat: skipped (needs root for a network namespace and netfilter)"
	printf 'SKIP\tdnat\tneeds root (a private network namespace and netfilter)\n'
	exit 0
fi
make -s build/bench/bench_dnat || exit 1
echo "== dnat: libiptc programmer vs iptables-legacy-restore"
out=$(./build/bench/bench_dnat) || {
	printf '%s\n' "$out"; echo "dnat: bench_dnat failed" >&2; exit 1; }
printf '%s\n' "$out"
printf '%s\n' "$out" | python3 -c '
import re, sys
sys.path.insert(0, "tests/bench")
from benchlib import result, ratio
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + re.escape(label) + r":\s+([\d.]+) ms", text, re.M)
    if not m:
        sys.exit("dnat: no %r line in bench_dnat output" % label)
    return float(m.group(1))
size = re.search(r"^dnat: (\d+) services x (\d+) backends", text, re.M)
if not size:
    sys.exit("dnat: no size line in bench_dnat output")
restore = ms("iptables-legacy-restore, same")
for label, figure in (("vmbal apply, empty table", "apply, empty table"),
                      ("vmbal apply, same state again", "apply, same state again (nothing written)"),
                      ("vmbal apply, one service changed", "apply, one service changed")):
    x = ms(label)
    result("dnat", "%s, %s services x %s backends" % (figure, size.group(1), size.group(2)),
           "%.1f ms" % x,
           "iptables-legacy-restore: %.1f ms (ratio %s)" % (restore, ratio(x, restore)))
'
