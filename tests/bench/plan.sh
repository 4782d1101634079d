#!/bin/sh
# plan.sh - the planner benchmark (issue 12: "tests/bench/plan"): moves
# against min_moves (the planner's lower bound on the migrations any plan
# needs to reach target_pct) at 64 hosts / 2,000 and 8,000 VMs, plan time
# and peak memory there and at 1,000 hosts / 50,000 VMs, each next to
# greedy-2008 on the same snapshot in the same run.
# Targets, on one core: moves <= 1.3 x min_moves; under 50 ms at 8,000 VMs
# and under 1 s at 50,000; under 64 MiB at 50,000.
cd "$(dirname "$0")/../.." || exit 1
make -s build/bench/bench_plan || exit 1
echo "== plan: balance planner vs greedy-2008 on the same snapshot"
echo "   targets: moves <= 1.3 x min_moves; 64/8000 < 50 ms; 1000/50000 < 1000 ms and < 64 MiB"
out=$(./build/bench/bench_plan 64 2000 1 && ./build/bench/bench_plan 64 8000 1 &&
	./build/bench/bench_plan 1000 50000 1) || {
	printf '%s\n' "$out"; echo "plan: bench_plan failed" >&2; exit 1; }
printf '%s\n' "$out"
printf '%s\n' "$out" | python3 -c '
import re, sys
sys.path.insert(0, "tests/bench")
from benchlib import result, verdict, ratio
LINE = re.compile(r"^(greedy-2008|vmbal)\s+(\d+) hosts\s+(\d+) VMs:\s+([\d.]+) ms CPU, "
                  r"peak \+\s*([\d.]+) MiB,\s+(\d+) moves, score spread ([\d.]+) -> ([\d.]+), "
                  r"cpu spread ([\d.]+) -> ([\d.]+), min_moves (-?\d+), target ([\d.]+)$")
runs = {}
for line in sys.stdin:
    m = LINE.match(line.strip())
    if m:
        g = m.groups()
        runs[(g[0], int(g[1]), int(g[2]))] = dict(ms=float(g[3]), mib=float(g[4]), moves=int(g[5]),
                                                  before=float(g[8]), after=float(g[9]),
                                                  min_moves=int(g[10]), target=float(g[11]))
# size: (time target in ms or None, memory target in MiB or None, moves ratio target or None)
for (nh, nv), (tms, tmib, tratio) in (((64, 2000), (None, None, 1.3)),
                                      ((64, 8000), (50, None, 1.3)),
                                      ((1000, 50000), (1000, 64, None))):
    v, g = runs.get(("vmbal", nh, nv)), runs.get(("greedy-2008", nh, nv))
    if v is None or g is None:
        sys.exit("plan: no vmbal and greedy-2008 lines for %d hosts / %d VMs" % (nh, nv))
    size = "%d hosts / %s VMs" % (nh, format(nv, ","))
    r = v["moves"] / v["min_moves"] if v["min_moves"] > 0 else None
    result("plan", "moves / min_moves, " + size,
           "%s (%d moves, min_moves %d)" % ("%.2f" % r if r else "n/a", v["moves"], v["min_moves"]),
           "greedy-2008: %d move%s" % (g["moves"], "" if g["moves"] == 1 else "s"),
           "<= %.1f" % tratio if tratio else "-",
           verdict(r, "<=", tratio) if tratio else "info")
    result("plan", "plan time, " + size, "%.2f ms CPU" % v["ms"],
           "greedy-2008: %.2f ms (ratio %s)" % (g["ms"], ratio(v["ms"], g["ms"])),
           "< %d ms" % tms if tms else "-", verdict(v["ms"], "<", tms) if tms else "info")
    result("plan", "peak memory, " + size, "+%.1f MiB" % v["mib"],
           "greedy-2008: +%.1f MiB" % g["mib"],
           "< %d MiB" % tmib if tmib else "-",
           verdict(v["mib"], "<", tmib) if tmib else "info")
    result("plan", "CPU spread after the plan (target %.0f%%), " % v["target"] + size,
           "%.2f -> %.2f" % (v["before"], v["after"]),
           "greedy-2008: %.2f -> %.2f" % (g["before"], g["after"]))
'
