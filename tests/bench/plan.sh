#!/bin/sh
# plan.sh - the planner benchmark (issue: "tests/bench/plan"): plan time
# and peak memory for 64 hosts / 8,000 VMs and 1,000 hosts / 50,000 VMs,
# each next to greedy-2008 on the same snapshot in the same run.
# Targets, on one core: under 50 ms and under 1 s; under 64 MiB at 50,000.
cd "$(dirname "$0")/../.." || exit 1
make -s build/bench/bench_plan || exit 1
echo "== plan: balance planner vs greedy-2008 on the same snapshot"
echo "   targets: 64/8000 < 50 ms; 1000/50000 < 1000 ms and < 64 MiB"
./build/bench/bench_plan 64 8000 1 && ./build/bench/bench_plan 1000 50000 1
