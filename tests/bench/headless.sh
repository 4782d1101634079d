#!/bin/sh
# headless.sh - ten simulated minutes of the demo, headless and --fast,
# beside a baseline from the same minute: the same binary only loading
# and checking the demo (--check-config). The contract asks for "well
# under a second".
cd "$(dirname "$0")/../.." || exit 1
make -s vmbal || exit 1
python3 - <<'PY'
import subprocess, time
def t(args, n=20):
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
print("== headless: demo, 600 simulated seconds, best of 20")
print("   baseline (--check-config --demo): %7.2f ms" % (base * 1e3))
print("   observe --fast --duration 600:    %7.2f ms (%.1fx baseline; target < 1000 ms)" % (run * 1e3, run / base))
print("   manual  --fast --duration 600:    %7.2f ms (%.1fx baseline; plans every tick)" % (manual * 1e3, manual / base))
print("   auto    --fast --duration 600:    %7.2f ms (%.1fx baseline)" % (auto * 1e3, auto / base))
PY
