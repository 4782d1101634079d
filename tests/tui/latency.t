#!/usr/bin/env python3
# latency.t - while a (simulated) migration runs, a keystroke's effect is
# on the screen within 50 ms: each sample timestamps tmux send-keys and
# polls capture-pane until the VMs pane's title shows the new sort
# column. The figures (median, 95th percentile, worst) are printed.
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require, slow_demo, start_migration, keystroke_latencies

require()
tap = Tap()
SLOW = slow_demo(20)

c = Console(["--scenario", SLOW, "--speed", "10"], 100, 32)
samples = []
try:
    def running():
        s = start_migration(c)
        return "Migrations (1)" in s, s
    if tap.attempt("a simulated migration is running", running):
        samples = keystroke_latencies(c, 40)
        s = c.screen()
        tap.check("Migrations (1)" in s, "the migration still runs after 40 keystrokes", s)
finally:
    c.close()

if samples:
    xs = sorted(samples)
    med, p95, worst = xs[len(xs) // 2], xs[int(len(xs) * 0.95) - 1], xs[-1]
    print("# keystroke to screen, %d samples while migrating: median %.1f ms, p95 %.1f ms, worst %.1f ms"
          % (len(xs), med, p95, worst))
    tap.check(p95 < 50, "95%% of keystrokes on screen within 50 ms (p95 %.1f ms, median %.1f ms)" % (p95, med),
              "samples %r" % [round(x, 1) for x in samples])
    tap.check(worst < 200, "no keystroke took over 200 ms (worst %.1f ms)" % worst,
              "samples %r" % [round(x, 1) for x in samples])
else:
    tap.check(False, "keystroke latency measured", "no samples")
sys.exit(tap.done())
