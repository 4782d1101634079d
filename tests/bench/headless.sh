#!/bin/sh
# headless.sh - ten simulated minutes of the demo, headless and --fast,
# in observe, manual and auto mode, beside a baseline from the same
# minute: the same binary only loading and checking the demo
# (--check-config). The contract asks for "well under a second": each
# run has the target < 1000 ms.
cd "$(dirname "$0")/../.." || exit 1
make -s vmbal || exit 1
python3 - <<'PY'
import json, subprocess, sys, time
sys.path.insert(0, "tests/bench")
from benchlib import result, verdict, ratio
def t(args, n=20):
    if "--headless" in args:    # a run that timed nothing real must not pass
        out = subprocess.run(["./vmbal"] + args, capture_output=True, text=True,
                             check=True).stdout.splitlines()
        end = json.loads(out[-1]) if out else {}
        if end.get("event") != "end" or end.get("ts", 0) < 600:
            sys.exit("headless: %s did not end at 600 s: %r" % (" ".join(args), out[-1:]))
    best = 1e9
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(["./vmbal"] + args, stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - t0)
    return best
base = t(["--check-config", "--demo"])
run = t(["--headless", "--demo", "--fast", "--duration", "600", "--mode", "observe"])
manual = t(["--headless", "--demo", "--fast", "--duration", "600", "--mode", "manual"])
auto = t(["--headless", "--demo", "--fast", "--duration", "600", "--mode", "auto"])
print("== headless: demo, 600 simulated seconds, best of 20 (target < 1000 ms)")
print("   baseline (--check-config --demo): %7.2f ms" % (base * 1e3))
print("   observe --fast --duration 600:    %7.2f ms (%.1fx baseline)" % (run * 1e3, run / base))
print("   manual  --fast --duration 600:    %7.2f ms (%.1fx baseline; plans every tick)" % (manual * 1e3, manual / base))
print("   auto    --fast --duration 600:    %7.2f ms (%.1fx baseline)" % (auto * 1e3, auto / base))
for mode, x in (("observe", run), ("manual", manual), ("auto", auto)):
    result("headless", "%s mode, 600 simulated s" % mode, "%.2f ms" % (x * 1e3),
           "--check-config --demo: %.2f ms (ratio %s)" % (base * 1e3, ratio(x, base)),
           "< 1000 ms", verdict(x * 1e3, "<", 1000))
PY
