#!/usr/bin/env python3
# offers.t - offers that stand (issue 12): over 10 simulated minutes of the
# demo in manual mode (headless: plan events, no action), the offer on the
# table changes at most 4 times (main, before: 22 changes in 23 plan
# events); every replacement says why in "replaces", the first offer
# replaces nothing; a plan event repeats no offer it follows; and a
# --dry-run auto run keeps the same standing offers. Prints TAP.
import json, os, subprocess

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
results = []


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))


def plans(*args):
    p = subprocess.run([VMBAL, "--headless", "--demo", "--fast", *args],
                       capture_output=True, text=True, timeout=120)
    evs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, [e for e in evs if e.get("event") == "plan"], evs


def offer(e):
    return tuple((m["vm"], m["from"], m["to"]) for m in e["moves"])


rc, ps, evs = plans("--duration", "600")
check(rc == 0 and ps, "the demo, 600 s, manual: plan events", "rc %d" % rc)
changes = sum(1 for a, b in zip(ps, ps[1:]) if offer(a) != offer(b))
summary = ["%g: %d moves, %s" % (e["ts"], len(e["moves"]),
           e.get("replaces", "first")) for e in ps]
check(changes <= 4, "the offer changes at most 4 times in 10 minutes "
      "(%d)" % changes, "\n".join(summary))
print("# %d offer changes in 600 s: %s" % (changes, "; ".join(summary)))
check(not any(m.get("event") == "migration" for m in evs),
      "manual headless: nothing migrates")
check(ps and "replaces" not in ps[0], "the first offer replaces nothing",
      json.dumps(ps[0])[:300] if ps else "")
bad = [e for e in ps[1:] if not (isinstance(e.get("replaces"), str) and
       e["replaces"].startswith("replaced: "))]
check(not bad, "every later offer says why it replaced the one before",
      "\n".join(json.dumps(e)[:300] for e in bad))
same = [b["ts"] for a, b in zip(ps, ps[1:]) if offer(a) == offer(b)]
check(not same, "no plan event repeats the offer before it", repr(same))

rc, dps, _ = plans("--duration", "600", "--mode", "auto", "--dry-run")
check(rc == 0 and [offer(e) for e in dps] == [offer(e) for e in ps],
      "--dry-run in auto mode: the same standing offers",
      "%d vs %d plans" % (len(dps), len(ps)))

print("1..%d" % len(results))
for i, (ok, name, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and diag:
        for l in str(diag).splitlines()[:20]:
            print("#   " + l)
