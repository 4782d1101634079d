#!/usr/bin/env python3
# ha_restart.t - a dead host's VMs run again elsewhere (issue 18,
# docs/recovery.md), on the simulator, without root: power loss with a
# fence agent (restarts placed within memory, reserve and anti-affinity,
# the higher ha_priority first, one that fits nowhere named, journal
# lines); an agent that fails (nothing restarted, the fence event says
# why); no agent (waits; `vmbal ctl fence H --confirmed-off` over the
# control socket, then the restarts); manual mode (offered with the plan,
# `ctl confirm` starts them); the host coming back (each restarted VM
# retired there once, nothing restarted twice, no VM in two places).
# Prints TAP.
import json, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
os.chdir(ROOT)
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
TMP = tempfile.mkdtemp(prefix="vmbal-ha-")
LEASE = os.path.join(TMP, "lease")
os.makedirs(LEASE)
ENV = dict(os.environ, VMBAL_LEASE_DIR=LEASE)
results = []
procs = []


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))
    return ok


HOSTS = """hosts:
  - {name: h1, cpus: 4, memory_mib: 16384, %(h1)s}
  - {name: h2, cpus: 4, memory_mib: 8192}
  - {name: h3, cpus: 4, memory_mib: 8192}
vms:
  - {name: db1, host: h1, vcpus: 2, memory_mib: 4096, load: 100}
  - {name: db2, host: h1, vcpus: 2, memory_mib: 4096, load: 100}
  - {name: web1, host: h1, vcpus: 1, memory_mib: 2048, load: 50}
  - {name: big, host: h1, vcpus: 2, memory_mib: 6000, load: 10}
  - {name: app, host: h2, vcpus: 1, memory_mib: 1024, load: 20}
rules:
  - anti_affinity: [db1, db2]
  - ha_priority: {vm: web1, priority: 10}
ha_restart: {mode: %(mode)s, after_s: 10}
policy: {probe_interval_s: 1, analyse_interval_s: 2, mode: observe}
journal: %(journal)s
control_socket: %(sock)s
"""
FENCE = "fence: {agent: fence_ipmilan, args: {ip: 198.18.0.1, username: admin}}"
MEM = {"h1": 16384, "h2": 8192, "h3": 8192}
VMMEM = {"db1": 4096, "db2": 4096, "web1": 2048, "big": 6000, "app": 1024}
RESERVE = 1024


def scenario(name, h1, mode="auto"):
    path = os.path.join(TMP, name + ".yaml")
    with open(path, "w") as f:
        f.write(HOSTS % {"h1": h1, "mode": mode,
                         "journal": os.path.join(TMP, name + ".jsonl"),
                         "sock": os.path.join(TMP, name + ".sock")})
    return path


def journal(name):
    try:
        with open(os.path.join(TMP, name + ".jsonl")) as f:
            return [json.loads(l) for l in f if l.strip()]
    except OSError:
        return []


def events(text):
    out = []
    for l in text.splitlines():
        try:
            out.append(json.loads(l))
        except ValueError:
            pass
    return out


def headless(path, duration, mode="manual"):
    # policy.mode observe in the file: the balancer never moves anything,
    # so only the restarts place VMs; --mode manual lets vmbal act
    p = subprocess.run([VMBAL, "--headless", "--scenario", path, "--fast",
                        "--duration", str(duration), "--mode", mode],
                       capture_output=True, text=True, timeout=120, env=ENV)
    return p, events(p.stdout)


def of(evs, kind, **kw):
    return [e for e in evs if e.get("event") == kind and
            all(e.get(k) == v for k, v in kw.items())]


def last_sample(evs):
    s = of(evs, "sample")
    return s[-1] if s else {}


def placed_ok(sample):
    """Every host's VMs within its memory less the reserve (the ones that
    were there before the failure aside), db1 and db2 apart."""
    errs = []
    where = {v["name"]: v["host"] for v in sample.get("vms", [])}
    for h in ("h2", "h3"):
        used = sum(VMMEM[v] for v, hh in where.items() if hh == h)
        if used > MEM[h] - RESERVE:
            errs.append("%s holds %d MiB" % (h, used))
    if where.get("db1") is not None and where.get("db1") == where.get("db2"):
        errs.append("db1 and db2 together on %s" % where["db1"])
    return errs


def ctl(sock, *args):
    p = subprocess.run([VMBAL, "ctl", "-S", sock] + list(args),
                       capture_output=True, text=True, timeout=30, env=ENV)
    try:
        p.json = json.loads(p.stdout.splitlines()[0]) if p.stdout else None
    except ValueError:
        p.json = None
    return p


def start(path, out, speed="20"):
    f = open(out, "w")
    p = subprocess.Popen([VMBAL, "--headless", "--scenario", path, "--speed", speed,
                          "--duration", "200", "--mode", "manual"],
                         stdout=f, stderr=subprocess.PIPE, text=True, env=ENV)
    procs.append(p)
    return p


def wait_for(pred, timeout=40):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return None


def read(out):
    with open(out) as f:
        return events(f.read())


def finish():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(TMP, ignore_errors=True)
    print("1..%d" % len(results))
    bad = 0
    for i, (ok, name, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            bad += 1
            for l in str(diag).splitlines()[:30]:
                print("#   " + l)
    sys.exit(1 if bad else 0)


if not os.access(VMBAL, os.X_OK):
    print("1..0 # skip %s not built" % VMBAL)
    sys.exit(0)

try:
    # ---- 1. power loss, fenced by its agent, auto mode --------------------
    path = scenario("power", "fail_at_s: 20, " + FENCE)
    p, evs = headless(path, 60)
    check(p.returncode == 0, "power loss: the run ends well", p.stderr[-500:])
    down = of(evs, "error", host="h1")
    check(down and "no answer" in down[0]["message"], "the host going down is said",
          down)
    fence = of(evs, "fence", host="h1")
    check(len(fence) == 1 and fence[0]["status"] == "off" and fence[0]["who"] == "agent"
          and fence[0]["ts"] >= 20 + 10, "fenced once by its agent, after after_s", fence)
    started = of(evs, "restart", status="started")
    done = of(evs, "restart", status="done")
    check(sorted(e["vm"] for e in started) == ["big", "db1", "web1"]
          and sorted(e["vm"] for e in done) == ["big", "db1", "web1"],
          "its VMs that fit are started and run again", started + done)
    check(started and started[0]["vm"] == "web1", "the higher ha_priority first",
          [e["vm"] for e in started])
    check(all(e["ts"] <= 20 + 10 + 10 for e in done), "within after_s + 10 s",
          [e["ts"] for e in done])
    nowhere = of(evs, "restart", vm="db2")
    check(len(nowhere) == 1 and nowhere[0]["to"] is None and nowhere[0]["status"] == "failed"
          and nowhere[0]["error"].startswith("fits nowhere:") and "h2" in nowhere[0]["error"]
          and "h3" in nowhere[0]["error"], "the VM that fits nowhere is named, with why",
          nowhere)
    s = last_sample(evs)
    where = {v["name"]: v["host"] for v in s.get("vms", [])}
    check(all(where.get(e["vm"]) == e["to"] for e in done),
          "the restarted VMs run where they were started", (where, done))
    check(placed_ok(s) == [], "placed within memory, reserve and anti-affinity",
          placed_ok(s))
    j = journal("power")
    jr = [x for x in j if x.get("phase") == "restart"]
    jf = [x for x in j if x.get("phase") == "fence"]
    check([x["status"] for x in jf] == ["started", "off"], "the journal has the fence",
          jf)
    check(sorted(x["vm"] for x in jr if x["status"] == "done") == ["big", "db1", "web1"]
          and any(x["vm"] == "db2" and x["status"] == "failed" for x in jr),
          "the journal has each restart's outcome", jr)

    # ---- 2. the agent fails: nothing restarted ---------------------------
    path = scenario("fails", "fail_at_s: 20, fence_fails: true, " + FENCE)
    p, evs = headless(path, 80)
    fence = of(evs, "fence", host="h1")
    check(len(fence) == 1 and fence[0]["status"] == "failed" and fence[0].get("error"),
          "fence fails: one fence event with why, not retried", fence)
    check(of(evs, "restart") == [], "fence fails: nothing restarted",
          of(evs, "restart"))

    # ---- 3. no agent: a person confirms over the control socket ----------
    path = scenario("person", "fail_at_s: 10")
    sock = os.path.join(TMP, "person.sock")
    out = os.path.join(TMP, "person.out")
    pr = start(path, out)
    wait_for(lambda: os.path.exists(sock))
    waiting = wait_for(lambda: [e for e in of(read(out), "error")
                                if "no fence agent" in e.get("message", "")])
    check(waiting and "ctl fence h1 --confirmed-off" in waiting[0]["message"],
          "no agent: it waits and says how a person confirms", waiting)
    check(of(read(out), "restart") == [], "no agent: nothing restarted before",
          of(read(out), "restart"))
    q = ctl(sock, "fence", "h1")
    check(q.returncode == 2, "ctl fence without --confirmed-off is a usage error",
          q.stderr)
    q = ctl(sock, "fence", "h2", "--confirmed-off")
    check(q.returncode == 1 and q.json and not q.json["ok"] and "down" in q.json["error"],
          "ctl fence of a host that is up is refused", q.stdout)
    q = ctl(sock, "fence", "h1", "--confirmed-off")
    check(q.returncode == 0 and q.json and q.json["ok"], "ctl fence h1 --confirmed-off",
          q.stdout + q.stderr)
    dn = wait_for(lambda: len(of(read(out), "restart", status="done")) == 3)
    evs = read(out)
    fence = of(evs, "fence", host="h1")
    check(fence and fence[0]["status"] == "off" and fence[0]["who"].startswith("ctl:"),
          "the fence event names the person", fence)
    check(dn, "after the person's word its VMs run again",
          of(evs, "restart"))
    # availability (engine/availability.c): h1 failed once and is down;
    # each VM restarted had one outage, from h1's last answer to running
    # again; db2, which fits nowhere, is still down
    st = ctl(sock, "status")
    av = ((st.json or {}).get("result") or {}).get("availability") or {}
    ah = {h["name"]: h for h in av.get("hosts", [])}
    avm = {v["name"]: v for v in av.get("vms", [])}
    h1 = ah.get("h1") or {}
    ran = [avm.get(v) or {} for v in ("big", "db1", "web1")]
    check(h1.get("failures") == 1 and h1.get("down") is True and h1.get("mttr_s") is None
          and 0 < h1.get("availability", 1) < 1
          and (ah.get("h2") or {}).get("failures") == 0 and ah["h2"]["availability"] == 1
          and all(r.get("incidents") == 1 and r.get("down") is False
                  and 10 <= (r.get("mttr_s") or 0) < 120 and r.get("last_downtime_s") == r.get("mttr_s")
                  for r in ran)
          and (avm.get("db2") or {}).get("down") is True and avm["db2"].get("mttr_s") is None
          and "app" not in avm,
          "ctl status availability: h1 one failure, down; each restarted VM one outage "
          "(MTTR after after_s); db2 still down; app none", json.dumps(av)[:1500])
    j = journal("person")
    check(any(x.get("phase") == "command" and x.get("action") == "fence"
              and x.get("host") == "h1" for x in j)
          and any(x.get("phase") == "fence" and x.get("status") == "off" for x in j),
          "journaled: the command and the fence", [x for x in j if "fence" in str(x)])
    pr.kill()
    pr.wait()

    # ---- 4. manual mode: offered, confirm starts -------------------------
    path = scenario("manual", "fail_at_s: 10, " + FENCE, mode="manual")
    sock = os.path.join(TMP, "manual.sock")
    out = os.path.join(TMP, "manual.out")
    pr = start(path, out)
    wait_for(lambda: of(read(out), "fence", status="off"))
    time.sleep(0.5)
    plan = ctl(sock, "plan")
    moves = ((plan.json or {}).get("result") or {}).get("moves", [])
    offered = [m for m in moves if m.get("state") == "offered"]
    check(sorted(m["vm"] for m in offered) == ["big", "db1", "web1"]
          and all(m["from"] == "h1" for m in offered),
          "manual: the restarts are offered (ctl plan)", plan.stdout[:800])
    check(of(read(out), "restart", status="started") == [],
          "manual: nothing starts before confirm", of(read(out), "restart"))
    q = ctl(sock, "confirm", "all")
    check(q.returncode == 0, "ctl confirm all", q.stdout + q.stderr)
    dn = wait_for(lambda: len(of(read(out), "restart", status="done")) == 3)
    check(dn, "manual: confirmed restarts run", of(read(out), "restart"))
    pr.kill()
    pr.wait()

    # ---- 5. the host comes back ------------------------------------------
    path = scenario("back", "fail_at_s: 20, return_at_s: 60, " + FENCE)
    p, evs = headless(path, 100)
    started = of(evs, "restart", status="started")
    check(sorted(e["vm"] for e in started) == ["big", "db1", "web1"],
          "back: each VM restarted once, none twice", started)
    j = journal("back")
    ret = [x for x in j if x.get("phase") == "retire"]
    check(sorted(x["vm"] for x in ret if x["status"] == "started") == ["big", "db1", "web1"]
          and sorted(x["vm"] for x in ret if x["status"] == "done") == ["big", "db1", "web1"]
          and all(x["host"] == "h1" for x in ret),
          "back: each restarted VM's old definition retired on h1, once", ret)
    twice = []
    for s in of(evs, "sample"):
        names = [v["name"] for v in s.get("vms", [])]
        if len(names) != len(set(names)):
            twice.append(s["ts"])
    check(twice == [], "back: no VM ever listed on two hosts", twice)
    s = last_sample(evs)
    hosts = {h["name"]: h["state"] for h in s.get("hosts", [])}
    where = {v["name"]: v["host"] for v in s.get("vms", [])}
    check(hosts.get("h1") == "up" and all(where.get(v) != "h1" for v in ("big", "db1", "web1")),
          "back: h1 up, the restarted VMs stay where they run", (hosts, where))

    # ---- 6. bad input ----------------------------------------------------
    bad = os.path.join(TMP, "bad.yaml")
    with open(bad, "w") as f:
        f.write(HOSTS % {"h1": "return_at_s: 5", "mode": "sometimes",
                         "journal": "x", "sock": "y"})
    p = subprocess.run([VMBAL, "--check-config", "--scenario", bad], capture_output=True,
                       text=True, timeout=30, env=ENV)
    check(p.returncode == 2 and re.search(r"bad\.yaml:\d+:\d+: ", p.stderr),
          "a bad scenario: FILE:LINE:COL, exit 2", p.stderr)
finally:
    finish()
