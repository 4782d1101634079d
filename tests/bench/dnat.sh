#!/bin/sh
# dnat.sh - apply time of the libiptc DNAT programmer at 1,000 services x
# 10 backends, an update of one service, and iptables-legacy-restore of
# the same ruleset as the baseline (in a private network namespace).
cd "$(dirname "$0")/../.." || exit 1
make -s build/bench/bench_dnat || exit 1
echo "== dnat: libiptc programmer vs iptables-legacy-restore"
./build/bench/bench_dnat
