#!/usr/bin/env python3
"""bench_summary.t - tests/bench/summary, the runner of every benchmark:
on the two fast benches that need no root (headless, plan) it writes
tables of numeric figures with computed verdicts; on a folder of fake
drivers (--dir) a FAIL verdict, a driver that exits non-zero, one that
runs out of time, one that prints nothing and one with a malformed line
each make it exit 1 and show in the report, while passes and skips alone
exit 0. So the summary cannot pass vacuously."""
import os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUMMARY = os.path.join(ROOT, "tests", "bench", "summary")
n = 0
failed = 0


def check(ok, name, diag=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok and diag:
        for line in str(diag).splitlines()[-40:]:
            print("# " + line)


def summary(*args, timeout=240):
    p = subprocess.run([SUMMARY] + list(args), capture_output=True, text=True,
                       cwd=ROOT, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def section(md, name):
    m = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(name), md, re.M | re.S)
    return m.group(1) if m else ""


def rows(sec):
    """The figure rows of a section's table: lists of 5 cells."""
    out = []
    for line in sec.splitlines():
        if line.startswith("| ") and not line.startswith(("| figure", "| ---")):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if len(cells) == 5:
                out.append(cells)
    return out


NUM = re.compile(r"^[+-]?\d+(\.\d+)?\b")
print("1..16")
tmp = tempfile.mkdtemp(prefix="vmbal-bench-summary.")
try:
    # -------------------------------------------------------------- the real benches
    real = os.path.join(tmp, "real.md")
    rc, out = summary("--only", "headless,plan", "--out", real)
    md = open(real).read() if os.path.exists(real) else ""
    check(rc in (0, 1) and md, "summary --only headless,plan ran and wrote the report",
          "status %d\n%s" % (rc, out))
    check(md.startswith("# ") and re.search(r"^\| CPU \| \S", md, re.M)
          and re.search(r"^\| kernel \| Linux ", md, re.M)
          and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", md) and "tests/bench/summary" in md,
          "title, date, machine (CPU, kernel) and how to regenerate", md[:1500])
    ok = True
    diag = ""
    for name, least in (("headless", 3), ("plan", 6)):
        sec = section(md, name)
        r = rows(sec)
        if "| figure | measured | baseline | target | verdict |" not in sec or len(r) < least:
            ok, diag = False, diag + "%s: %d rows\n%s\n" % (name, len(r), sec)
    check(ok, "headless and plan each have a table of their figures", diag)
    r = rows(section(md, "headless")) + rows(section(md, "plan"))
    bad = [x for x in r if not NUM.match(x[1]) or float(NUM.match(x[1]).group(0)) <= 0]
    check(r and not bad, "every measured value is a positive number with a unit", bad or md)
    bad = [x for x in r if x[4] not in ("pass", "**FAIL**", "info")
           or (x[3] != "-") != (x[4] != "info")]
    check(r and not bad, "verdicts are pass/FAIL where there is a target, info where not",
          bad or md)
    targeted = [x for x in r if x[3] != "-"]
    check(len(targeted) >= 6, "the figures with targets are judged (%d)" % len(targeted), md)
    anyfail = any(x[4] == "**FAIL**" for x in r)
    check(rc == (1 if anyfail else 0), "exit status %d matches the verdicts" % rc, out)

    # -------------------------------------------------------------- fake drivers
    fake = os.path.join(tmp, "fake")
    os.mkdir(fake)

    def driver(d, name, body, header="a fake bench"):
        with open(os.path.join(d, name + ".sh"), "w") as f:
            f.write("#!/bin/sh\n# %s.sh - %s.\n%s\n" % (name, header, body))

    R = "printf 'RESULT\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n'"
    driver(fake, "good", R + " good 'fast path' '0.5 ms' 'base: 1 ms (ratio 0.5x)' '< 2 ms' pass",
           "the good one, whose figures pass")
    driver(fake, "bad", "echo human line\n" + R + " bad 'slow path' '9 ms' 'base: 1 ms' '< 2 ms' FAIL")
    driver(fake, "crash", "echo boom-xyz >&2\nexit 3")
    driver(fake, "skip", "printf 'SKIP\\tskip\\tneeds a unicorn\\n'")
    driver(fake, "silent", "true")
    driver(fake, "malformed", R + " malformed 'x' '1 ms' '-' '-' ok")
    rep = os.path.join(tmp, "fake.md")
    rc, out = summary("--dir", fake, "--no-build", "--out", rep)
    fmd = open(rep).read() if os.path.exists(rep) else ""
    check(rc == 1 and fmd, "a FAIL verdict or a failed driver: summary exits 1", "status %d\n%s" % (rc, out))
    check(["slow path", "9 ms", "base: 1 ms", "< 2 ms", "**FAIL**"] in rows(section(fmd, "bad"))
          and re.search(r"^\| \[bad\]\(#bad\) \| \*\*FAIL\*\* ", fmd, re.M),
          "the FAIL verdict shows in its table and in the overview", fmd)
    sec = section(fmd, "crash")
    check("failed**: exit status 3" in sec and "boom-xyz" in sec,
          "a driver exiting 3 shows as failed, with its stderr", sec)
    check("skipped: needs a unicorn" in section(fmd, "skip"), "a skip shows with its reason",
          section(fmd, "skip"))
    check("failed**: printed no RESULT or SKIP line" in section(fmd, "silent")
          and "failed**: malformed RESULT line" in section(fmd, "malformed"),
          "a driver printing nothing, or a bad verdict, has failed",
          section(fmd, "silent") + section(fmd, "malformed"))
    check("The good one, whose figures pass." in section(fmd, "good")
          and ["fast path", "0.5 ms", "base: 1 ms (ratio 0.5x)", "< 2 ms", "pass"]
          in rows(section(fmd, "good")),
          "the description comes from the header comment; a pass row", section(fmd, "good"))

    # passes and skips alone exit 0; --only picks
    rep2 = os.path.join(tmp, "ok.md")
    rc, out = summary("--dir", fake, "--no-build", "--only", "good,skip", "--out", rep2)
    omd = open(rep2).read() if os.path.exists(rep2) else ""
    check(rc == 0 and "## good" in omd and "## skip" in omd and "## bad" not in omd,
          "--only good,skip: passes and a skip exit 0", "status %d\n%s\n%s" % (rc, out, omd))

    # a driver over its time limit is stopped and failed
    slow = os.path.join(tmp, "slow")
    os.mkdir(slow)
    driver(slow, "slow", "sleep 60\n" + R + " slow x '1 ms' - - info")
    t0 = time.monotonic()
    rc, out = summary("--dir", slow, "--no-build", "--timeout", "2", "--out",
                      os.path.join(tmp, "slow.md"), timeout=90)
    took = time.monotonic() - t0
    smd = open(os.path.join(tmp, "slow.md")).read() if os.path.exists(os.path.join(tmp, "slow.md")) else ""
    check(rc == 1 and "failed**: timed out after 2 s" in smd and took < 30,
          "a driver over --timeout is stopped and shows as failed (%.1f s)" % took,
          "status %d\n%s\n%s" % (rc, out, smd))

    rc, out = summary("--dir", fake, "--no-build", "--only", "nosuch", "--out",
                      os.path.join(tmp, "none.md"))
    check(rc == 2 and "nosuch" in out and not os.path.exists(os.path.join(tmp, "none.md")),
          "--only with an unknown bench is refused with status 2", "status %d\n%s" % (rc, out))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
