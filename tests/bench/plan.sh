#!/bin/sh
# plan.sh - the planner benchmark (issue: "tests/bench/plan"): plan time
# and peak memory for 64 hosts / 8,000 VMs and 1,000 hosts / 50,000 VMs,
# each next to greedy-2008 on the same snapshot in the same run.
# Targets, on one core: under 50 ms and under 1 s; under 64 MiB at 50,000.
cd "$(dirname "$0")/../.." || exit 1
make -s build/bench/bench_plan || exit 1
echo "== plan: balance planner vs greedy-2008 on the same snapshot"
echo "   targets: 64/8000 < 50 ms; 1000/50000 < 1000 ms and < 64 MiB"
out=$(./build/bench/bench_plan 64 8000 1 && ./build/bench/bench_plan 1000 50000 1) || {
	printf '%s\n' "$out"; echo "plan: bench_plan failed" >&2; exit 1; }
printf '%s\n' "$out"
printf '%s\n' "$out" | python3 -c '
import re, sys
sys.path.insert(0, "tests/bench")
from benchlib import result, verdict, ratio
LINE = re.compile(r"^(greedy-2008|vmbal)\s+(\d+) hosts\s+(\d+) VMs:\s+([\d.]+) ms CPU, "
                  r"peak \+\s*([\d.]+) MiB,\s+(\d+) moves, score spread ([\d.]+) -> ([\d.]+), "
                  r"cpu spread ([\d.]+) -> ([\d.]+)$")
runs = {}
for line in sys.stdin:
    m = LINE.match(line.strip())
    if m:
        g = m.groups()
        runs[(g[0], int(g[1]), int(g[2]))] = dict(ms=float(g[3]), mib=float(g[4]), moves=int(g[5]),
                                                  before=float(g[6]), after=float(g[7]))
# size: (time target in ms, memory target in MiB or None)
for (nh, nv), (tms, tmib) in (((64, 8000), (50, None)), ((1000, 50000), (1000, 64))):
    v, g = runs.get(("vmbal", nh, nv)), runs.get(("greedy-2008", nh, nv))
    if v is None or g is None:
        sys.exit("plan: no vmbal and greedy-2008 lines for %d hosts / %d VMs" % (nh, nv))
    size = "%d hosts / %s VMs" % (nh, format(nv, ","))
    result("plan", "plan time, " + size, "%.2f ms CPU" % v["ms"],
           "greedy-2008: %.2f ms (ratio %s)" % (g["ms"], ratio(v["ms"], g["ms"])),
           "< %d ms" % tms, verdict(v["ms"], "<", tms))
    result("plan", "peak memory, " + size, "+%.1f MiB" % v["mib"],
           "greedy-2008: +%.1f MiB" % g["mib"],
           "< %d MiB" % tmib if tmib else "-",
           verdict(v["mib"], "<", tmib) if tmib else "info")
    moves = lambda n: "%d move%s" % (n, "" if n == 1 else "s")
    result("plan", "score spread after the plan, " + size,
           "%.2f -> %.2f (%s)" % (v["before"], v["after"], moves(v["moves"])),
           "greedy-2008: %.2f -> %.2f (%s)" % (g["before"], g["after"], moves(g["moves"])))
'
