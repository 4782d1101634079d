#!/bin/sh
# probe.sh - CPU per collection of the libvirt collector: 1,000 domains
# on libvirt's test driver (in-process, so the driver's own work counts
# too: a pessimistic figure), beside a run with no domains. Target:
# under 10 ms of CPU per 1,000 VMs per tick. Lab hosts, when a lab is up
# (tests/lab/lab.sh up), are measured too: pass their URIs in LAB_URIS.
cd "$(dirname "$0")/../.." || exit 1
make -s build/bench/bench_probe || exit 1
echo "== probe: libvirt collector CPU per tick (target < 10 ms per 1,000 VMs)"
# shellcheck disable=SC2086
out=$(./build/bench/bench_probe 1000 $LAB_URIS) || {
	printf '%s\n' "$out"; echo "probe: bench_probe failed" >&2; exit 1; }
printf '%s\n' "$out"
printf '%s\n' "$out" | python3 -c '
import re, sys
sys.path.insert(0, "tests/bench")
from benchlib import result, verdict, ratio
TEST = re.compile(r"^probe: test driver, (\d+) domains: ([\d.]+) ms CPU per collection "
                  r"\(baseline, no domains: ([\d.]+) ms\); ([\d.]+) ms per 1,000 VMs")
URI = re.compile(r"^probe: (\S+), (\d+) domains: ([\d.]+) ms CPU per collection$")
seen = False
for line in sys.stdin:
    line = line.strip()
    m = TEST.match(line)
    if m:
        n, per, base, per1k = int(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4))
        seen = True
        # a collection that saw none of the 1,000 domains measured nothing
        result("probe", "CPU per collection per 1,000 VMs, test driver",
               "%.3f ms (%d domains seen)" % (per1k, n),
               "no domains: %.3f ms per collection (%d domains: %.3f ms, ratio %s)"
               % (base, n, per, ratio(per, base)),
               "< 10 ms", verdict(per1k, "<", 10) if n == 1000 else "FAIL")
        continue
    m = URI.match(line)
    if m:
        result("probe", "CPU per collection, " + m.group(1),
               "%s ms (%s domains)" % (m.group(3), m.group(2)))
if not seen:
    sys.exit("probe: no test-driver line in bench_probe output")
'
