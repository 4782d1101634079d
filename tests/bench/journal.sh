#!/bin/sh
# journal.sh - reading the action journal back at start (restart safety):
# time and peak memory of the reader on generated journals of 1 MiB and
# 100 MiB (1,000 VMs, a move every 2 s, a few left open; read from the
# page cache), the 1 MiB one as the baseline. The reader keeps what
# restart needs, not the file: target, the 100 MiB peak within 4 MiB of
# the 1 MiB one (issue 11 found 1.3 GB and 7 s for 108 MB). Time grows
# with the file: for information.
cd "$(dirname "$0")/../.." || exit 1
make -s build/bench/bench_journal || exit 1
echo "== journal: reading 1 MiB and 100 MiB journals back (target: peak within 4 MiB)"
out=$(./build/bench/bench_journal 1 100) || {
	printf '%s\n' "$out"; echo "journal: bench_journal failed" >&2; exit 1; }
printf '%s\n' "$out"
printf '%s\n' "$out" | python3 -c '
import re, sys
sys.path.insert(0, "tests/bench")
from benchlib import result, verdict, ratio
LINE = re.compile(r"^journal\s+(\d+) MB:\s+([\d.]+) ms,\s+([\d.]+) ms CPU, peak \+\s*([\d.]+) MiB, "
                  r"(\d+) moves kept, (\d+) bad lines$")
runs = {}
for line in sys.stdin:
    m = LINE.match(line.strip())
    if m:
        g = m.groups()
        runs[int(g[0])] = dict(ms=float(g[1]), cpu=float(g[2]), mib=float(g[3]), moves=int(g[4]),
                               bad=int(g[5]))
small, big = runs.get(1), runs.get(100)
if small is None or big is None:
    sys.exit("journal: no lines for 1 MB and 100 MB")
if big["moves"] < 100 or big["bad"] != 0:
    sys.exit("journal: the 100 MB journal was not read back (%d moves, %d bad lines)" %
             (big["moves"], big["bad"]))
result("journal", "peak memory, reading 100 MiB", "+%.1f MiB" % big["mib"],
       "1 MiB: +%.1f MiB (ratio %s)" % (small["mib"], ratio(big["mib"], small["mib"])),
       "< 1 MiB + 4 MiB", verdict(big["mib"] - small["mib"], "<", 4))
result("journal", "read time, 100 MiB", "%.0f ms (%.0f ms CPU)" % (big["ms"], big["cpu"]),
       "1 MiB: %.1f ms (ratio %s)" % (small["ms"], ratio(big["ms"], small["ms"])))
'
