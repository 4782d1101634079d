#!/bin/sh
# vip_scale.sh - cost per new connection at scale (issue 15): 1,000
# services programmed in one apply by vmbal's DNAT programmer, new TCP
# connections/s to the last service against the first and straight to a
# backend, in the same run, from a client namespace; and the time of that
# apply. Target: the last service at least 0.9 of the first, per second of
# the client's CPU (the median of paired runs; the wall-clock rate is shown
# beside it). IPVS for the same services when the kernel has it (skipped,
# with the reason, when not).
# Needs root.
cd "$(dirname "$0")/../.." || exit 1
make -s build/lab/dnat_tool build/bench/bench_connrate || exit 1
exec python3 tests/bench/vip_scale.py
