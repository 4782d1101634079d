#!/usr/bin/env python3
# latency.t - while a (simulated) migration runs, a keystroke's effect is
# on the screen within 50 ms: each sample timestamps tmux send-keys and
# polls capture-pane until the VMs pane's title shows the new sort
# column. The figures (median, 95th percentile, worst) are printed.
import os, re, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require, slow_demo

require()
tap = Tap()
SLOW = slow_demo(20)

SORTS = ["name", "host", "cpu", "mem", "state"]
c = Console(["--scenario", SLOW, "--speed", "10"], 100, 32)
samples = []
try:
    def start_migration():
        c.wait_text("atlas")
        c.keys("/")
        c.keys("-l", "ci1")
        c.keys("Enter")
        c.wait_text("filter 'ci1'")
        c.keys("m")
        c.wait_text("Migrate ci1 (now on boreas")
        c.keys("Enter")
        c.wait_text("Confirm this migration?")
        c.keys("y")
        s = c.wait(lambda s: re.search(r"ci1 +boreas → atlas ", s), 10, "in flight")
        return "Migrations (1)" in s, s
    running = tap.attempt("a simulated migration is running", start_migration)

    def measure():
        cur = 0
        for i in range(40):
            nxt = (cur + 1) % len(SORTS)
            want = "sort %s" % SORTS[nxt]
            t0 = time.perf_counter()
            c.keys(">")
            c.wait(lambda s: want in s, 2, want, interval=0, stable=False)
            samples.append((time.perf_counter() - t0) * 1000)
            cur = nxt
        s = c.screen()
        return "Migrations (1)" in s, s
    if running:
        tap.attempt("the migration still runs after 40 keystrokes", measure)
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
