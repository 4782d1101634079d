#!/usr/bin/env python3
# check_plan.t - `make check` runs every test exactly once (each script of
# tests/*/ and each unit-test binary, plain and ASan, in one of its
# groups: two at a time, the fuzzers, the lab beside the lane, the lane,
# the labs alone), and its recap (tests/check_recap.sh) names a failed
# group with its failing lines at the end, where CI shows it, and fails.
import glob, os, re, subprocess, sys, tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.chdir(ROOT)
n = 0
fails = 0


def check(ok, name, diag=""):
    global n, fails
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok:
        fails += 1
        for l in str(diag).splitlines()[:20]:
            print("#   " + l)


print("1..6")
# what make check would run, without running it (deps' recipe is only printed)
p = subprocess.run(["make", "-s", "-n", "check"], capture_output=True, text=True)
lines = [l for l in p.stdout.splitlines() if re.search(r"\bprove\b", l)]
check(p.returncode == 0 and len(lines) >= 4, "make -n check prints its prove runs",
      p.stderr[-600:] + p.stdout[-600:])
runs = []
for l in lines:
    for w in l.replace(";", " ").split():
        w = w.lstrip("./")
        if w.endswith(".t") or "/tests/test_" in w or "/asan/test_" in w:
            runs.append(w)
scripts = sorted(glob.glob("tests/integration/*.t") + glob.glob("tests/fuzz/*.t")
                 + glob.glob("tests/lab/*.t") + glob.glob("tests/tui/*.t"))
twice = sorted(set(w for w in runs if runs.count(w) > 1))
check(twice == [], "no test runs twice", "\n".join(twice))
missing = [s for s in scripts if s not in runs]
check(missing == [], "every script of tests/ runs (%d)" % len(scripts), "\n".join(missing))
units = sorted(os.path.basename(s)[:-2] for s in glob.glob("tests/unit/test_*.c"))
ran = set(os.path.basename(w) for w in runs if "test_" in os.path.basename(w)
          and not w.endswith(".t"))
plain = [u for u in units if not any(w.endswith("tests/" + u) for w in runs)]
asan = [u for u in units if not any(w.endswith("asan/" + u) for w in runs)]
check(units and not plain and not asan and ran == set(units),
      "every unit test runs plain and under ASan (%d)" % len(units),
      "plain: %s\nasan: %s" % (plain, asan))

# the recap: a failed lane is named with its failing lines; all passed is 0
with tempfile.TemporaryDirectory() as d:
    lane = os.path.join(d, "lane.out")
    with open(lane, "w") as f:
        f.write("[07:08:19] tests/lab/recover_lab.t ..... \n"
                "not ok 9 - cut off: the restart of b1 is refused by the lock\n"
                "#   the lease said nothing\n"
                "Failed 1/16 subtests\n")
    beside = os.path.join(d, "beside.out")
    open(beside, "w").write("All tests successful.\n")
    r = subprocess.run(["sh", "tests/check_recap.sh", "0", beside, "1", lane, "0"],
                       capture_output=True, text=True)
    check(r.returncode != 0 and "second lane of labs failed" in r.stdout
          and "not ok 9 - cut off" in r.stdout and "the lease said nothing" in r.stdout
          and "beside" not in r.stdout.replace("lab beside the lane", ""),
          "the recap names the failed lane and repeats its failing lines", r.stdout)
    r = subprocess.run(["sh", "tests/check_recap.sh", "0", beside, "0", lane, "0"],
                       capture_output=True, text=True)
    r2 = subprocess.run(["sh", "tests/check_recap.sh", "0", beside, "0", lane, "3"],
                        capture_output=True, text=True)
    check(r.returncode == 0 and "every group passed" in r.stdout and r2.returncode != 0
          and "alone" in r2.stdout, "the recap passes when all passed, fails when the lone labs failed",
          r.stdout + r2.stdout)
sys.exit(1 if fails else 0)
