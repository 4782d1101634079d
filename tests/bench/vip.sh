#!/bin/sh
# vip.sh - requests/s through a VIP programmed by vmbal's DNAT (round-robin
# over three HTTP backends in network namespaces) against requests/s
# straight to one backend, with wrk from the client namespace, in the same
# run. Target: through the VIP at least 0.9 of direct. Needs root and wrk
# (skips without them).
cd "$(dirname "$0")/../.." || exit 1
make -s build/lab/dnat_tool || exit 1
exec python3 tests/bench/vip_bench.py
