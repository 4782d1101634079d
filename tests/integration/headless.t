#!/usr/bin/env python3
# headless.t - vmbal --headless on the simulated cluster, checked line by
# line against the contract (docs: ../shared/docs/contract.md, "Headless
# output"), plus the command line's exit statuses. Prints TAP.
import json, os, shutil, signal, subprocess, sys, tempfile, time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
results = []

def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))

def run(*args, **kw):
    return subprocess.run([VMBAL, *args], capture_output=True, text=True,
                          timeout=kw.get("timeout", 60), env=kw.get("env"))

def num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)

def check_sample(ev):
    errs = []
    for k in ("hosts", "vms", "spread", "state"):
        if k not in ev:
            errs.append("missing " + k)
    if ev.get("state") not in ("balanced", "imbalanced"):
        errs.append("bad state %r" % ev.get("state"))
    for h in ev.get("hosts", []):
        for k in ("name", "state", "cpu_pct", "load_pct", "mem_used_mib",
                  "mem_total_mib", "vms", "demand_pct"):
            if k not in h:
                errs.append("host missing " + k)
        if h.get("state") not in ("up", "down", "maintenance"):
            errs.append("host state %r" % h.get("state"))
        if not (num(h.get("cpu_pct")) and 0 <= h["cpu_pct"] <= 100):
            errs.append("host cpu_pct %r" % h.get("cpu_pct"))
        if num(h.get("load_pct")) and num(h.get("cpus")):
            if abs(h["load_pct"] - h["cpu_pct"] * h["cpus"]) > 0.1 * h["cpus"]:
                errs.append("load_pct != cpu_pct x cpus on " + h["name"])
        # demand: use plus CPU wait, so never below use; may pass 100
        if not (num(h.get("demand_pct")) and h["demand_pct"] >= h.get("cpu_pct", 0) - 0.02):
            errs.append("host demand_pct %r below cpu_pct %r" % (h.get("demand_pct"),
                                                                h.get("cpu_pct")))
        if h.get("mem_used_mib", 0) > h.get("mem_total_mib", 0):
            errs.append("memory overcommitted on %s" % h.get("name"))
    names = [h["name"] for h in ev.get("hosts", [])]
    for v in ev.get("vms", []):
        for k in ("name", "host", "cpu_pct", "mem_mib", "state", "demand_pct"):
            if k not in v:
                errs.append("vm missing " + k)
        if v.get("host") not in names:
            errs.append("vm on unknown host %r" % v.get("host"))
        if not (num(v.get("cpu_pct")) and 0 <= v["cpu_pct"] <= v.get("vcpus", 1) * 100):
            errs.append("vm cpu_pct %r" % v.get("cpu_pct"))
        if not (num(v.get("demand_pct")) and v.get("cpu_pct", 0) - 0.02 <= v["demand_pct"]
                <= v.get("vcpus", 1) * 100):
            errs.append("vm demand_pct %r (cpu_pct %r)" % (v.get("demand_pct"), v.get("cpu_pct")))
    # issue 15: per service its backends' state, weight, latency, connections
    if not isinstance(ev.get("services"), list):
        errs.append("missing services")
    for sv in ev.get("services", []):
        if not isinstance(sv.get("name"), str) or not isinstance(sv.get("backends"), list):
            errs.append("service %r" % sv)
            continue
        for b in sv["backends"]:
            if not (":" in str(b.get("backend")) and b.get("state") in ("up", "down", "unknown")
                    and isinstance(b.get("weight"), int) and b["weight"] >= 0
                    and all(f in b and (b[f] is None or (num(b[f]) and b[f] >= 0))
                            for f in ("latency_ms", "connections"))):
                errs.append("service backend %r" % b)
    up = [h["cpu_pct"] for h in ev.get("hosts", []) if h.get("state") == "up"]
    if up and abs((max(up) - min(up)) - ev.get("spread", -1)) > 0.02:
        errs.append("spread %r is not max-min %r" % (ev.get("spread"), max(up) - min(up)))
    return errs

# 1. the demo for ten simulated minutes
t0 = time.monotonic()
p = run("--headless", "--demo", "--fast", "--duration", "600", "--mode", "observe")
elapsed = time.monotonic() - t0
lines = p.stdout.splitlines()
check(p.returncode == 0 and p.stderr == "", "demo --fast --duration 600 exits 0, quietly",
      p.stderr[-500:])
events, bad = [], []
for i, line in enumerate(lines):
    try:
        ev = json.loads(line)
        if not isinstance(ev, dict):
            raise ValueError("not an object")
        events.append(ev)
    except ValueError as e:
        bad.append("line %d: %s" % (i + 1, e))
check(lines and not bad, "every line is one JSON object", "; ".join(bad[:3]))
check(all(num(e.get("ts")) and isinstance(e.get("event"), str) for e in events),
      "every event has a numeric ts and an event name")
ts = [e["ts"] for e in events]
check(ts == sorted(ts), "ts never goes backwards")
samples = [e for e in events if e["event"] == "sample"]
check(len(samples) == 60, "one sample per analysis tick (60 in 600 s at 10 s)",
      "got %d" % len(samples))
check([s["ts"] for s in samples] == list(range(10, 601, 10)), "samples at 10, 20, ... 600")
errs = [m for s in samples for m in check_sample(s)]
check(not errs, "every sample has the contract's fields and sane values", "; ".join(errs[:5]))
check(events and events[-1]["event"] == "end", "the last line is end")
end = events[-1] if events else {}
check(all(k in end for k in ("migrations", "failed", "spread")) and end.get("ts") == 600,
      "end has migrations, failed, spread at ts 600", json.dumps(end))
check(all(len(s["hosts"]) == 3 and len(s["vms"]) == 14 for s in samples),
      "the demo has 3 hosts and 14 VMs in every sample")
imb = [e for e in events if e["event"] == "imbalance"]
check(imb and imb[0]["from"] == "balanced" and imb[0]["to"] == "imbalanced"
      and imb[0]["ts"] >= 60 and num(imb[0]["spread"]),
      "the demo starts out of balance: an imbalance event after the hold time",
      json.dumps(imb[:1]))
check(all(e["event"] not in ("migration", "plan") for e in events),
      "observing never plans nor migrates")
print("# demo 600 s simulated in %.3f s wall" % elapsed)

# 1b. the modes: manual plans and waits, auto acts, dry-run only says
def events_of(*args):
    p = run(*args)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()]

def check_plan(ev):
    errs = []
    for k in ("moves", "spread_before", "spread_after"):
        if k not in ev:
            errs.append("plan missing " + k)
    for m in ev.get("moves", []):
        for k in ("vm", "from", "to", "reason"):
            if not isinstance(m.get(k), str) or not m.get(k):
                errs.append("move missing " + k)
        if m.get("from") == m.get("to"):
            errs.append("move to its own host")
    vms = [m["vm"] for m in ev.get("moves", [])]
    if len(vms) != len(set(vms)):
        errs.append("a VM moves twice in one plan")
    return errs

rc, ev = events_of("--headless", "--demo", "--fast", "--duration", "600", "--mode", "manual")
plans = [e for e in ev if e["event"] == "plan"]
check(rc == 0 and plans and not any(e["event"] == "migration" for e in ev),
      "manual: plans are offered, nothing is migrated without confirmation")
rc, ev = events_of("--headless", "--demo", "--fast", "--duration", "300", "--mode", "observe")
check(rc == 0 and not any(e["event"] in ("dnat", "plan", "migration") for e in ev),
      "observe: never plans, migrates or programs rules")
check(not [m for p in plans for m in check_plan(p)], "manual: every plan has the contract's fields",
      "; ".join(m for p in plans for m in check_plan(p)))
check(all(p["spread_after"] <= p["spread_before"] for p in plans),
      "manual: no plan raises the predicted spread")
rc, ev = events_of("--headless", "--demo", "--fast", "--duration", "1800", "--mode", "auto")
mig = [e for e in ev if e["event"] == "migration"]
started = [e for e in mig if e["status"] == "started"]
finished = [e for e in mig if e["status"] != "started"]
check(rc == 0 and started and len(started) == len(finished),
      "auto: migrations start and every one finishes (%d)" % len(started))
check(all(e.get("duration_s", -1) >= 0 for e in finished) and
      all("error" in e for e in finished if e["status"] == "failed"),
      "auto: finished migrations carry duration_s, failed ones an error")
end = ev[-1]
check(end["event"] == "end" and end["migrations"] + end["failed"] == len(finished)
      and end["failed"] == len([e for e in finished if e["status"] == "failed"]),
      "auto: end counts the migrations", json.dumps(end))
dn = [e for e in ev if e["event"] == "dnat"]
check(dn and dn[0]["ts"] == 0 and dn[0]["status"] == "applied" and dn[0]["service"] == "web"
      and [b["weight"] for b in dn[0]["backends"]] == [1, 1, 1],
      "auto: the service's rules are applied at the start", json.dumps(dn[:1]))
web = {"web1": "198.18.1.11:8080", "web2": "198.18.1.12:8080", "web3": "198.18.1.13:8080"}
drained = True
for m in started:
    if m["vm"] not in web:
        continue
    i = ev.index(m)
    before = [e for e in ev[:i] if e["event"] == "dnat"]
    after = [e for e in ev[i:] if e["event"] == "dnat"]
    w = lambda e: {b["backend"]: b["weight"] for b in e["backends"]}[web[m["vm"]]]
    drained &= bool(before) and w(before[-1]) == 0 and bool(after) and w(after[0]) > 0
check(drained and any(m["vm"] in web for m in started),
      "auto: a backend's VM is drained (weight 0) before it migrates and restored after")
late = [e for e in started if e["ts"] > 1200]
check(not late, "auto: the demo settles (no migration in the last 10 minutes)",
      json.dumps(late[:2]))
check(ev[-2]["event"] == "sample" and ev[-2]["state"] == "balanced",
      "auto: the demo ends balanced", json.dumps(ev[-2].get("spread")))
rc, ev = events_of("--headless", "--demo", "--fast", "--duration", "600", "--mode", "auto", "--dry-run")
check(rc == 0 and any(e["event"] == "plan" and e.get("dry_run") is True for e in ev)
      and not any(e["event"] == "migration" for e in ev),
      "--dry-run: plans said, never carried out")
rc, ev = events_of("--headless", "--demo", "--fast", "--plan")
check(rc == 0 and len(ev) == 1 and ev[0]["event"] == "plan" and ev[0]["moves"]
      and ev[0]["ts"] == 120 and not check_plan(ev[0]),
      "--plan: one plan event after the 24-sample window fills, then exit",
      json.dumps(ev)[:300])
rc, ev = events_of("--headless", "--scenario", "tests/scenarios/2008-ten.yaml", "--fast", "--plan")
check(rc == 0 and len(ev) == 1 and len(ev[0]["moves"]) == 6,
      "--plan on the 2008 scenario: the six moves to 4/3/3", json.dumps(ev)[:300])
rc, ev = events_of("--headless", "--scenario", "tests/scenarios/2008-ten.yaml", "--fast",
                   "--mode", "observe", "--ticks", "6")
last = [e for e in ev if e["event"] == "sample"][-1:] or [{"vms": [], "hosts": []}]
sgi3 = [h for h in last[0]["hosts"] if h["name"] == "sgi3"]
check(rc == 0 and last[0]["vms"] and sgi3 and
      all(v["cpu_pct"] == 80 and v.get("demand_pct") == 100 for v in last[0]["vms"]) and
      sgi3[0]["cpu_pct"] == 100 and sgi3[0].get("demand_pct") == 125,
      "2008 scenario: ten VMs that want 100% on 8 CPUs show cpu_pct 80, demand_pct 100 "
      "(host 100 and 125)", json.dumps(last[0])[:400])

# 1c. the journal: every migration's intent before it, its outcome after
jdir = tempfile.mkdtemp(prefix="vmbal-journal-")
jpath = os.path.join(jdir, "journal.jsonl")
scen = os.path.join(jdir, "demo.yaml")
with open("scenarios/demo.yaml") as f, open(scen, "w") as g:
    g.write(f.read() + "journal: %s\n" % jpath)
rc, ev = events_of("--headless", "--scenario", scen, "--fast", "--duration", "1800",
                   "--mode", "auto")
with open(jpath) as f:
    jl = [json.loads(l) for l in f]
mig = [e for e in ev if e["event"] == "migration"]
intents = [j for j in jl if j["phase"] == "intent"]
outcomes = [j for j in jl if j["phase"] == "outcome"]
check(rc == 0 and len(intents) == len([e for e in mig if e["status"] == "started"])
      and len(outcomes) == len([e for e in mig if e["status"] != "started"]) and intents,
      "journal: one intent per started migration, one outcome per finished one",
      "%d intents, %d outcomes, %d events" % (len(intents), len(outcomes), len(mig)))
order_ok = True
for j in outcomes:
    before = [i for i in jl[:jl.index(j)] if i["phase"] == "intent" and i["vm"] == j["vm"]]
    order_ok &= bool(before)
check(order_ok and all(j["who"] == "auto" and j["action"] == "migrate" and j["time"].endswith("Z")
                       for j in jl), "journal: intents come first; who, what and when are recorded")
check([(j["vm"], j["status"]) for j in outcomes] ==
      [(e["vm"], e["status"]) for e in mig if e["status"] != "started"],
      "journal: outcomes agree with the migration events")
rc, ev = events_of("--headless", "--scenario", scen, "--fast", "--duration", "600",
                   "--mode", "auto", "--dry-run")
with open(jpath) as f:
    check(len(f.readlines()) == len(jl), "--dry-run writes nothing to the journal")
bad = os.path.join(jdir, "no-such-dir", "deeper", "journal.jsonl")
with open("scenarios/demo.yaml") as f, open(scen, "w") as g:
    g.write(f.read() + "journal: %s\n" % bad)
p = run("--headless", "--scenario", scen, "--fast", "--duration", "60", "--mode", "auto")
check(p.returncode == 1 and "cannot open the journal" in p.stderr and p.stdout == "",
      "a journal that cannot be opened: nothing runs, exit 1", p.stderr)
shutil.rmtree(jdir)

# 2. --ticks
p = run("--headless", "--demo", "--fast", "--ticks", "5")
ev = [json.loads(l) for l in p.stdout.splitlines()]
check(p.returncode == 0 and [e["event"] for e in ev].count("sample") == 5
      and ev[-1]["event"] == "end" and ev[-1]["ts"] == 50, "--ticks 5 stops after five samples")

# 3. deterministic: the same run twice gives the same bytes
a = run("--headless", "--demo", "--fast", "--duration", "900", "--mode", "auto").stdout
b = run("--headless", "--demo", "--fast", "--duration", "900", "--mode", "auto").stdout
check(a == b and a, "two runs of the same scenario print the same lines")

# 4. real time: a signal ends the run with an end line
proc = subprocess.Popen([VMBAL, "--headless", "--demo"], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
time.sleep(0.5)
proc.send_signal(signal.SIGTERM)
out, err = proc.communicate(timeout=10)
ol = out.splitlines()
check(proc.returncode == 0 and ol and json.loads(ol[-1])["event"] == "end",
      "SIGTERM in real time ends the run cleanly with end", out[-300:] + err[-300:])

# 5. the command line
p = run("--version")
check(p.returncode == 0 and p.stdout.startswith("vmbal "), "--version")
p = run("--help")
check(p.returncode == 0 and "--headless" in p.stdout and "--check-config" in p.stdout, "--help")
for args, msg in [
        (["--bogus"], "vmbal: unknown option '--bogus'"),
        (["--mode", "fast", "--demo"], "vmbal: --mode: expected manual, auto or observe, got 'fast'"),
        (["--headless", "--fast", "-c", "/dev/null"], "vmbal: --fast needs --demo or --scenario: real time cannot be hurried"),
        (["--duration", "-3", "--demo"], "vmbal: --duration: expected a positive number, got '-3'"),
        (["--ticks", "2.5", "--demo"], "vmbal: --ticks: expected a whole number, got '2.5'"),
        (["--demo", "--scenario", "x.yaml"], "vmbal: --demo and --scenario exclude each other"),
        (["--demo", "stray"], "vmbal: unexpected argument 'stray'"),
        (["-c"], "vmbal: option '-c' needs a value")]:
    p = run(*args)
    first = p.stderr.splitlines()[0] if p.stderr else ""
    check(p.returncode == 2 and first == msg and p.stdout == "",
          "usage error %s: exit 2, %r" % (" ".join(args), msg), repr(p.stderr))
env = dict(os.environ)
env.pop("VMBAL_CONFIG", None)
p = subprocess.run([VMBAL, "--headless"], capture_output=True, text=True, env=env,
                   cwd="/", timeout=30)
if os.path.exists("/etc/vmbal/vmbal.yaml"):
    check(True, "no configuration anywhere: exit 2 # skip /etc/vmbal/vmbal.yaml exists")
else:
    check(p.returncode == 2 and p.stderr.startswith("vmbal: no configuration: give -c FILE"),
          "no configuration anywhere: exit 2 with a hint", p.stderr)
p = run("--check-config", "--demo")
check(p.returncode == 0 and "OK: 3 hosts, 14 VMs, 1 service, 4 rules" in p.stdout,
      "--check-config --demo", p.stdout + p.stderr)
p = run("--check-config", "--scenario", "scenarios/demo.yaml")
check(p.returncode == 0, "the shipped demo scenario file validates")
env["VMBAL_CONFIG"] = "/nonexistent/vmbal.yaml"
p = subprocess.run([VMBAL, "--check-config"], capture_output=True, text=True, env=env, timeout=30)
check(p.returncode == 2 and p.stderr == "vmbal: /nonexistent/vmbal.yaml: cannot open: No such file or directory\n",
      "$VMBAL_CONFIG is used", p.stderr)

print("1..%d" % len(results))
for i, (ok, name, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and diag:
        for l in str(diag).splitlines()[:10]:
            print("#   " + l)
