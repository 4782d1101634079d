#!/bin/sh
# tui.sh - the console's costs (issue: "tests/bench/tui"): the render time
# of a frame with 1,000 VMs and 100 hosts (target under 2 ms), beside the
# built-in demo's frame in the same process; and the CPU an idle console
# uses at a 1 s refresh (target under 1% of a core), beside top(1) at the
# same 1 s refresh in the same minute, both in a private tmux server; and
# the time from a keystroke to its effect on the screen while a migration
# runs (target under 50 ms at the 95th percentile), beside the same
# round trip through cat(1) in the same tmux server: what the harness
# itself costs.
cd "$(dirname "$0")/../.." || exit 1
make -s vmbal build/bench/bench_tui || exit 1
python3 - <<'PY'
import os, shutil, subprocess, sys, tempfile, time
sys.path.insert(0, "tests/bench")
sys.path.insert(0, "tests/tui")
from benchlib import result, verdict, ratio, skip

out = subprocess.run(["./build/bench/bench_tui", "100", "1000", "300"],
                     capture_output=True, text=True, check=True).stdout.split("\n")
frames = {}
for line in out:
    f = line.split()
    if len(f) == 4 and f[0] == "frame":
        frames[(int(f[1]), int(f[2]))] = float(f[3])
if (100, 1000) not in frames or (3, 14) not in frames:
    sys.exit("tui: bench_tui printed %r" % out)
big, demo = frames[(100, 1000)], frames[(3, 14)]
print("== tui: one frame (gather + draw + send), 200x60, CPU time")
print("   demo (3 hosts, 14 VMs):      %7.1f us" % demo)
print("   100 hosts, 1,000 VMs:        %7.1f us (%s the demo's)" % (big, ratio(big, demo)))
result("tui", "frame, 100 hosts / 1,000 VMs", "%.2f ms" % (big / 1000),
       "demo frame: %.2f ms (ratio %s)" % (demo / 1000, ratio(big, demo)),
       "< 2 ms", verdict(big / 1000, "<", 2))

if shutil.which("tmux") is None:
    skip("tui", "tmux is not installed: no idle-CPU figure")
    sys.exit(0)
from tmuxconsole import Console, slow_demo, start_migration, keystroke_latencies

def cpu_s(pid):
    """CPU seconds of all pid's threads, to the nanosecond (schedstat:
    the clock ticks of /proc/PID/stat are too coarse for an idle process)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            total += int(f.read().split()[0])
    return total / 1e9

SECS = 20
vm = Console(["--demo"], 120, 40)
top = None
try:
    vm.wait_text("atlas", 10)
    # top at the same refresh, in its own pane of the same server
    vm.tmux("new-window", "-d", "env TERM=tmux-256color top -d 1")
    pv = vm.vmbal_pid()
    time.sleep(1)
    pt = None
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        try:
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "top":
                    with open("/proc/%d/environ" % pid, "rb") as e:
                        if vm.sock.encode() in e.read():
                            pt = pid
        except OSError:
            pass
    if pv is None or pt is None:
        sys.exit("tui: could not find vmbal (%r) or top (%r)" % (pv, pt))
    v0, t0, w0 = cpu_s(pv), cpu_s(pt), time.monotonic()
    time.sleep(SECS)
    v1, t1, w1 = cpu_s(pv), cpu_s(pt), time.monotonic()
finally:
    vm.close()
wall = w1 - w0
vpct = (v1 - v0) / wall * 100
tpct = (t1 - t0) / wall * 100
if vpct <= 0 or tpct <= 0:    # nothing measured: the measurement is broken
    sys.exit("tui: no CPU time measured (vmbal %r, top %r)" % (vpct, tpct))
print("== tui: idle console at a 1 s refresh, %d s of wall time" % SECS)
print("   vmbal --demo:  %6.3f%% of a core" % vpct)
print("   top -d 1:      %6.3f%% of a core (baseline)" % tpct)
result("tui", "idle console CPU, 1 s refresh, demo", "%.3f%% of a core" % vpct,
       "top -d 1: %.3f%% (ratio %s)" % (tpct, ratio(vpct, tpct)),
       "< 1% of a core", verdict(vpct, "<", 1))

# keystroke to screen while a simulated migration runs, against cat(1)
c = Console(["--scenario", slow_demo(20), "--speed", "10"], 100, 32)
lat, base = [], []
try:
    start_migration(c)
    lat = keystroke_latencies(c, 60)
    running = "Migrations (1)" in c.screen()
    c.tmux("new-window", "cat")
    for i in range(60):
        tok = "k%03dx" % i
        t0 = time.perf_counter()
        c.tmux("send-keys", "-t", ":1", "-l", tok)
        end = t0 + 2
        while tok not in c.tmux("capture-pane", "-p", "-t", ":1").stdout:
            if time.perf_counter() > end:
                break
        base.append((time.perf_counter() - t0) * 1000)
        c.tmux("send-keys", "-t", ":1", "Enter")
finally:
    c.close()
if not running or len(lat) < 60:
    sys.exit("tui: the migration ended before the keystrokes were measured")
p95 = sorted(lat)[int(len(lat) * 0.95) - 1]
b95 = sorted(base)[int(len(base) * 0.95) - 1]
print("== tui: keystroke to screen while a migration runs, 60 samples")
print("   vmbal, 95th percentile: %5.1f ms (median %.1f, worst %.1f)" % (p95, sorted(lat)[30], max(lat)))
print("   cat in the same tmux:   %5.1f ms (baseline)" % b95)
result("tui", "keystroke to screen while migrating, 95th percentile", "%.1f ms" % p95,
       "cat(1) echo through the same tmux: %.1f ms (ratio %s)" % (b95, ratio(p95, b95)),
       "< 50 ms", verdict(p95, "<", 50))
PY
