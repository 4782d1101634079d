#!/bin/sh
# probe.sh - CPU per collection of the libvirt collector: 1,000 domains
# on libvirt's test driver (in-process, so the driver's own work counts
# too: a pessimistic figure), beside a run with no domains. Lab hosts,
# when a lab is up (tests/lab/lab.sh up), are measured too: pass their
# URIs in LAB_URIS.
cd "$(dirname "$0")/../.." || exit 1
make -s build/bench/bench_probe || exit 1
echo "== probe: libvirt collector CPU per tick (target < 10 ms per 1,000 VMs)"
# shellcheck disable=SC2086
./build/bench/bench_probe 1000 $LAB_URIS
