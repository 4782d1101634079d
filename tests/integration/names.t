#!/usr/bin/env python3
# names.t - names longer than any old buffer (issue 11): of two VMs whose
# names share their first 255 characters, one excluded, the plan, the
# migration and the journal are all for the other one; 300-character VM
# and host names are planned, migrated and sampled whole; a service whose
# name is 150 bytes gets its backend's health and its DNAT rule. Prints
# TAP.
import json, os, socket, subprocess, sys, tempfile, threading, time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
results = []
tmp = tempfile.mkdtemp(prefix="vmbal-names-")


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(*args, timeout=60):
    p = subprocess.run([VMBAL, *args], capture_output=True, text=True,
                       timeout=timeout)
    events = []
    for line in p.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return p, events


def journal(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def short(s):
    return s if len(s) < 40 else "%s...(%d chars)" % (s[:12], len(s))


# 1. p x 255 (excluded) and p x 255 + "zz": only the long one moves
P = "p" * 255
LONG = P + "zz"
jpath = os.path.join(tmp, "j1.jsonl")
sc = write("prefix.yaml", """hosts:
  - {name: h1, cpus: 4, memory_mib: 16384}
  - {name: h2, cpus: 4, memory_mib: 16384}
vms:
  - {name: %s, host: h1, vcpus: 2, memory_mib: 512, load: 150}
  - {name: %s, host: h1, vcpus: 2, memory_mib: 512, load: 150}
  - {name: small, host: h1, vcpus: 1, memory_mib: 512, load: 5}
migration: {bandwidth_mbps: 1000, fail_rate: 0, seed: 1}
journal: %s
policy: {mode: auto, threshold_pct: 20, hold_s: 0, window: 2,
         probe_interval_s: 5, analyse_interval_s: 10}
rules:
  - exclude: [%s]
""" % (P, LONG, jpath, P))
p, evs = run("--headless", "--scenario", sc, "--fast", "--duration", "60")
check(p.returncode == 0, "a scenario with 255- and 257-character names runs",
      p.stderr[-300:])
planned = [m["vm"] for e in evs if e["event"] == "plan" for m in e["moves"]]
migs = [e for e in evs if e["event"] == "migration"]
check(planned and all(v == LONG for v in planned),
      "the plan moves the 257-character VM, never the excluded one",
      repr([short(v) for v in planned]))
check([(m["vm"] == LONG, m["status"]) for m in migs] ==
      [(True, "started"), (True, "done")],
      "its migration starts and is done, under its own name",
      repr([(short(m["vm"]), m["status"]) for m in migs]))
j = journal(jpath)
check([(r.get("vm") == LONG, r.get("phase")) for r in j] ==
      [(True, "intent"), (True, "outcome")],
      "the journal's intent and outcome are for it too",
      repr([(short(r.get("vm", "")), r.get("phase")) for r in j]))
last = [e for e in evs if e["event"] == "sample"][-1:]
where = {v["name"]: v["host"] for v in last[0]["vms"]} if last else {}
check(where.get(P) == "h1" and where.get(LONG) == "h2",
      "the excluded VM stayed on h1, the other is on h2",
      repr({short(k): v for k, v in where.items()}))

# 2. 300-character VM and host names
H1, H2 = "a" * 299 + "1", "a" * 299 + "2"
V1, V2 = "v" * 299 + "1", "v" * 299 + "2"
sc = write("long300.yaml", """hosts:
  - {name: %s, cpus: 4, memory_mib: 16384}
  - {name: %s, cpus: 4, memory_mib: 16384}
vms:
  - {name: %s, host: %s, vcpus: 2, memory_mib: 512, load: 150}
  - {name: %s, host: %s, vcpus: 2, memory_mib: 512, load: 150}
migration: {bandwidth_mbps: 1000, fail_rate: 0, seed: 1}
policy: {mode: auto, threshold_pct: 20, hold_s: 0, window: 2,
         probe_interval_s: 5, analyse_interval_s: 10}
""" % (H1, H2, V1, H1, V2, H1))
p, evs = run("--headless", "--scenario", sc, "--fast", "--duration", "60")
check(p.returncode == 0, "a scenario with 300-character names runs",
      p.stderr[-300:])
plans = [e for e in evs if e["event"] == "plan"]
moves = [(m["vm"], m["from"], m["to"]) for e in plans for m in e["moves"]]
check(len(plans) == 1 and len(moves) == 1 and moves[0][0] in (V1, V2) and
      moves[0][1:] == (H1, H2),
      "one plan, once: a 300-character VM from one 300-character host to the other",
      repr([tuple(map(short, m)) for m in moves]))
migs = [(e["vm"], e["from"], e["to"], e["status"]) for e in evs
        if e["event"] == "migration"]
check(moves and migs == [moves[0] + ("started",), moves[0] + ("done",)],
      "it is migrated: started, then done, names whole",
      repr([tuple(map(short, m)) for m in migs]))
last = [e for e in evs if e["event"] == "sample"][-1:]
hosts = sorted(h["name"] for h in last[0]["hosts"]) if last else []
vms = sorted((v["name"], v["host"]) for v in last[0]["vms"]) if last else []
check(hosts == [H1, H2] and len(vms) == 2 and
      {v for v, _ in vms} == {V1, V2} and {h for _, h in vms} == {H1, H2},
      "the last sample shows every name intact, one VM on each host",
      repr([tuple(map(short, v)) for v in vms]))
check(last and last[0]["spread"] < 20, "and the cluster is balanced")

# 3. a service name of 150 bytes: its backend's health and its rule
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
port = srv.getsockname()[1]
stop = False


def accept():
    while not stop:
        try:
            c, _ = srv.accept()
            c.close()
        except OSError:
            return


threading.Thread(target=accept, daemon=True).start()
SVC = "s" * 149 + "1"
cfg = write("svc.yaml", """hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: manual, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: %s
    vip: 198.18.0.10
    port: 80
    health: {type: tcp, interval_ms: 200, timeout_ms: 200}
    backends:
      - {address: 127.0.0.1, port: %d}
""" % (SVC, port))
p, evs = run("--headless", "-c", cfg, "--dry-run", "--duration", "3",
             timeout=30)
stop = True
srv.close()
check(p.returncode == 0, "a real-cluster run with a 150-byte service name "
      "(test driver, --dry-run) ends cleanly", p.stderr[-300:])
health = [e for e in evs if e["event"] == "health"]
b = "127.0.0.1:%d" % port
check(any(e["service"] == SVC and e["backend"] == b and e["state"] == "up"
          for e in health),
      "its backend's health is said, up, under the whole service name",
      repr([(short(e["service"]), e["backend"], e["state"]) for e in health]))
dnat = [e for e in evs if e["event"] == "dnat"]
served = [e for e in dnat if e["service"] == SVC and
          any(x["backend"] == b and x["state"] == "up" and x["weight"] > 0
              for x in e["backends"])]
check(served, "its DNAT rule sends to the backend (up, weight > 0)",
      repr([(short(e["service"]), e["backends"]) for e in dnat]))

# 4. a reason that names a long non-ASCII name is cut whole characters
E = "x" + "\u00e9" * 100	# 201 bytes: a cut at 128 falls inside a character
sc = write("reason.yaml", """hosts:
  - {name: h1, cpus: 4, memory_mib: 16384}
  - {name: h2, cpus: 4, memory_mib: 16384}
vms:
  - {name: %s, host: h2, vcpus: 1, memory_mib: 512, load: 10}
policy: {mode: auto, window: 2, probe_interval_s: 5, analyse_interval_s: 10}
rules:
  - pin: {vm: %s, host: h1}
""" % (E, E))
p, evs = run("--headless", "--scenario", sc, "--fast", "--dry-run",
             "--duration", "30")
moves = [m for e in evs if e["event"] == "plan" for m in e["moves"]]
check(moves and all(m["vm"] == E and isinstance(m.get("reason"), str) and
                    m["reason"].startswith("pin: ") for m in moves),
      "a plan's reason naming a 201-byte UTF-8 name is still said",
      repr([(short(m["vm"]), m.get("reason", "")[:20]) for m in moves]))

print("1..%d" % len(results))
for i, (ok, name, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and diag:
        print("#   " + str(diag)[:400])
import shutil
shutil.rmtree(tmp, True)
