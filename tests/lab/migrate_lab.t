#!/usr/bin/env python3
# migrate_lab.t - vmbal in auto mode migrating a real guest between two
# lab libvirtd hosts (tests/lab/lab.sh): started and done events, the guest
# verified on its new host; then a migration whose destination libvirtd is
# killed midway: failed, with libvirt's words, and the guest still running
# on its source. Every done migration carries the downtime libvirt
# measured. Prints TAP. Needs root; skips with the reason otherwise.
import json, os, signal, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR", "/tmp/vmbal-lab-migrate")
start(DIR)

JOURNAL = tempfile.mktemp(prefix="vmbal-lab-journal-", suffix=".jsonl")
cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""journal: %s
hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 2, window: 3,
         threshold_pct: 10, hold_s: 2, min_gain_pct: 1, vm_cooldown_s: 600}
""" % (JOURNAL, U1, A1, U2, A2))
cfg.close()
runs = []


def cleanup(*_):
    for r in runs:
        r.stop()
    lab("down", DIR)
    for f in (cfg.name, JOURNAL):
        if os.path.exists(f):
            os.unlink(f)


STATES = {}


def where(name):
    on = []
    for k, uri in ((1, U1), (2, U2)):
        rc, o, e = sh(["virsh", "-q", "-c", uri, "domstate", "--reason", name], timeout=20)
        STATES["h%d" % k] = (o + e).strip()
        if rc == 0 and o.strip().startswith("running"):
            on.append("h%d" % k)
    return on


def body():
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0, "lab: two libvirtd hosts up", e[-800:])
    if rc != 0:
        raise SystemExit
    for name in ("m1", "m2"):
        rc, o, e = lab("guest", "1", name, "60", "256")
        if rc != 0:
            check(False, "guest %s started" % name, e[-500:])
            raise SystemExit
    # 1. auto mode moves one of two busy guests to the empty host
    r = Run(VMBAL, cfg.name)
    runs.append(r)
    st = wait_migration(r, "started", 40)
    dn = wait_migration(r, "done", 60)
    check(st is not None and st["from"] == "h1" and st["to"] == "h2",
          "auto: a migration from the busy host to the empty one starts", json.dumps(st))
    check(dn is not None and dn["vm"] == st["vm"] and dn["duration_s"] > 0,
          "auto: it is done (%.1f s)" % (dn["duration_s"] if dn else -1),
          json.dumps(migrations(r)) + r.err[-400:])
    check(dn is not None and isinstance(dn.get("downtime_ms"), (int, float)),
          "done with the measured downtime: %s ms, %s MiB at %s MiB/s"
          % (dn and dn.get("downtime_ms"), dn and dn.get("transferred_mib"),
             dn and dn.get("rate_mibps")), json.dumps(dn))
    moved = st["vm"] if st else "m1"
    check(where(moved) == ["h2"], "%s runs on h2 and no longer on h1" % moved, repr(where(moved)))
    time.sleep(6)
    check(len([e for e in migrations(r) if e["status"] == "started"]) == 1,
          "one move only: balanced afterwards, nothing moves back")
    with open(JOURNAL) as f:
        jl = [json.loads(l) for l in f]
    check([(j["phase"], j["vm"], j.get("status")) for j in jl] ==
          [("intent", moved, None), ("outcome", moved, "done")],
          "the journal holds the intent, then the outcome", json.dumps(jl))
    r.stop()
    # 2. the destination's libvirtd dies midway
    first = "m2" if moved == "m1" else "m1"
    sh(["virsh", "-c", U2, "destroy", moved], timeout=20)               # h2 empty again
    lab("guest", "1", "m3", "30", "256")
    for name in (first, "m3"):                                          # 1 MiB/s: slow
        sh(["virsh", "-c", U1, "migrate-setspeed", name, "1"], timeout=20)
    r = Run(VMBAL, cfg.name)
    runs.append(r)
    st = wait_migration(r, "started", 40)
    if st:
        time.sleep(0.3)
        lab("kill-libvirtd", "2", "KILL")
    fl = wait_migration(r, "failed", 60)
    check(st is not None and fl is not None and fl["vm"] == st["vm"] and fl.get("error"),
          "destination killed midway: failed, with libvirt's error",
          json.dumps(migrations(r)) + r.err[-400:])
    check(not [e for e in migrations(r) if e["status"] == "done"],
          "never reported done")
    stay = fl["vm"] if fl else first
    check(where(stay) == ["h1"], "%s still runs on its source" % stay, repr(STATES) + json.dumps(migrations(r)))
    r.stop()
    # 3. past migration_timeout_s the job is aborted
    lab("start-libvirtd", "2")
    time.sleep(2)
    with open(cfg.name) as f:
        text = f.read()
    with open(cfg.name, "w") as f:
        f.write(text.replace("vm_cooldown_s: 600}", "vm_cooldown_s: 600,\n"
                             "         migration_timeout_s: 0.3}"))
    r = Run(VMBAL, cfg.name)
    runs.append(r)
    st = wait_migration(r, "started", 40)
    ab = wait_migration(r, "aborted", 30) or wait_migration(r, "done", 1)
    check(st is not None and ab is not None and ab["status"] == "aborted",
          "past migration_timeout_s: aborted", json.dumps(migrations(r)) + r.err[-300:])
    check(st is not None and where(st["vm"]) == ["h1"], "the aborted VM runs on its source",
          repr(STATES))
    r.stop()


labtest.tap(12, body, cleanup)
