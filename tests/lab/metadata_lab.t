#!/usr/bin/env python3
# metadata_lab.t - the move records vmbal writes into a domain's libvirt
# metadata (actions/lv_metadata.h), on two lab libvirtd hosts
# (tests/lab/lab.sh):
#   1. vmbal A evacuates h1 (auto, maintenance): while f1 migrates (random
#      memory under a bandwidth cap, so it takes seconds), the source
#      domain's record says started, by A's HOSTNAME:PID; once done, the
#      destination's says done, by A, from h1 to h2, at about the end;
#   2. vmbal B, a second director with a fresh journal and lease
#      directory (no local history), evacuates h2 (auto): f1 would be the
#      natural move but A moved it within vm_cooldown_s: B's plan holds it
#      (cooldown) and B moves it only once the cooldown counted from A's
#      record has passed; g2, whose record was set by hand to started by
#      other:1 a moment ago, is held in flight and not moved; g3, whose
#      record is garbage (our namespace, bad attributes), is moved as if it
#      had none; B does not crash;
#   3. split brain: C and D, both active at once (no shared lease), both
#      evacuate h1: a new guest f4 moves once; over 30 s (under the
#      cooldown) no VM moves twice; an attempt refused says why (another's
#      record read right before migrating or found over its own, or
#      libvirt: a second migration waits for the first's job, then finds
#      the domain gone).
# The action's own refusal (a fresh record of another process's move, read
# right before migrating) and the engine's rules are unit-tested in
# tests/unit/test_meta.c.
# Prints TAP. Needs root; skips with the reason otherwise.
import json, os, socket, sys, tempfile, time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR") or "/tmp/vmbal-lab-metadata"
NS = "https://vmbal.org/xmlns/move/1"
CAP = 4             # MiB/s
FILL_MIB = 24       # about 6 s at the cap
COOLDOWN = 40       # s
WINDOW = 30         # s, split brain watched (under COOLDOWN)
start(DIR)

TMP = tempfile.mkdtemp(prefix="vmbal-lab-meta-")
FILL = os.path.join(DIR, "fill-%d.bin" % FILL_MIB)
runs = []


def write_cfg(name, maint, cooldown):
    path = os.path.join(TMP, name + ".yaml")
    with open(path, "w") as f:
        f.write("""journal: %s
hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s"}
maintenance: [%s]
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1, window: 2,
         hold_s: 0, vm_cooldown_s: %d, migration_timeout_s: 120,
         max_concurrent_migrations: 1}
live_migration: {peer_to_peer: true, bandwidth_mibps: %d}
""" % (os.path.join(TMP, name + "-journal.jsonl"), U1, A1, U2, A2, maint,
       cooldown, CAP))
    return path


def run(name, cfg):
    """vmbal with a lease directory of its own (no shared local state)."""
    env = dict(labtest.ENV)
    env["VMBAL_LEASE_DIR"] = os.path.join(TMP, name + "-lease")
    os.makedirs(env["VMBAL_LEASE_DIR"], mode=0o700, exist_ok=True)
    r = Run(VMBAL, cfg, env=env)
    runs.append(r)
    return r


def cleanup(*_):
    for r in runs:
        if r.p.poll() is None:
            r.p.kill()
            r.p.wait()
    lab("down", DIR)
    if os.path.exists(FILL):
        os.unlink(FILL)
    sh(["rm", "-rf", TMP])


def record(uri, name):
    """The domain's vmbal element as a dict of its attributes; None when
    there is none; {"raw": text} when it does not parse."""
    rc, o, e = sh(["virsh", "-c", uri, "metadata", name, NS], timeout=20)
    if rc != 0 or not o.strip():
        return None
    try:
        el = ET.fromstring(o.strip())
    except ET.ParseError:
        return {"raw": o}
    return dict(el.attrib, tag=el.tag)


def set_record(uri, name, xml):
    return sh(["virsh", "-c", uri, "metadata", name, NS, "--key", "vmbal",
               "--set", xml, "--live"], timeout=20)


def filled_guest(k, name):
    """A 96 MiB guest on host k whose memory holds FILL_MIB of random
    bytes (labtest.filled_guest)."""
    return labtest.filled_guest(DIR, k, name, 96, FILL)


def plans(r):
    with r.lock:
        return [e for t, e in r.events if e["event"] == "plan"]


def body():
    t0 = time.monotonic()
    me = socket.gethostname()
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0, "lab: two libvirtd hosts up", e[-800:])
    if rc != 0:
        raise SystemExit
    with open("/dev/urandom", "rb") as src, open(FILL, "wb") as dst:
        for _ in range(FILL_MIB):
            dst.write(src.read(1 << 20))
    err = filled_guest(1, "f1")
    check(err is None, "a guest with %d MiB of random memory on h1" % FILL_MIB, err)
    if err is not None:
        raise SystemExit

    # 1. A evacuates h1: the intent on the source while it runs, the
    #    outcome on the destination
    a = run("a", write_cfg("a", "h1", COOLDOWN))
    st = wait_migration(a, "started", 30)
    seen, t_end = None, time.monotonic() + 20
    while st is not None and seen is None and time.monotonic() < t_end:
        rec = record(U1, "f1")
        if rec and rec.get("state") == "started":
            seen = rec
        elif where("f1") == ["h2"]:
            break
        time.sleep(0.2)
    check(seen is not None and seen.get("by") == "%s:%d" % (me, a.p.pid) and
          seen.get("vm") == "f1" and seen.get("from") == "h1" and seen.get("to") == "h2",
          "while f1 migrates, its record on h1 says started, by %s:%d" % (me, a.p.pid),
          json.dumps(seen) + json.dumps(migrations(a)) + a.err[-400:])
    dn = wait_migration(a, "done", 60)
    rec = record(U2, "f1") or {}
    at = float(rec.get("at", "0") or 0)
    check(dn is not None and where("f1") == ["h2"] and rec.get("state") == "done" and
          rec.get("by") == "%s:%d" % (me, a.p.pid) and rec.get("from") == "h1" and
          rec.get("to") == "h2" and abs(at - time.time()) < 30,
          "done: f1's record on h2 says done, by A, h1 to h2, at %.1f s ago"
          % (time.time() - at), json.dumps(rec) + json.dumps(migrations(a)))
    check(dn is not None and not dn.get("error"),
          "no warning from the record's writes", json.dumps(dn))
    a.stop()
    done_wall = at

    # the other two guests on h2: g2 with a fresh started record of
    # another process, g3 with garbage in our namespace
    for name in ("g2", "g3"):
        rc, o, e = lab("guest", "2", name, "10", "32")
        check(rc == 0, "guest %s on h2" % name, e[-400:])
    rc2, o, e2 = set_record(U2, "g2", '<move vm="g2" from="h2" to="h1" state="started" '
                            'at="%.3f" by="other:1"/>' % time.time())
    rc3, o, e3 = set_record(U2, "g3", '<move vm="g3" state="sideways" at="soon" '
                            'by=""><junk/></move>')
    check(rc2 == 0 and rc3 == 0 and (record(U2, "g2") or {}).get("by") == "other:1",
          "records set by hand: g2 started by other:1 now, g3 garbage",
          e2 + e3 + json.dumps(record(U2, "g3")))

    # 2. B, with no local history, evacuates h2
    b = run("b", write_cfg("b", "h2", COOLDOWN))
    g3 = None
    t_end = time.monotonic() + 40
    while time.monotonic() < t_end and g3 is None:
        g3 = next((m for m in migrations(b) if m["vm"] == "g3" and m["status"] == "done"), None)
        time.sleep(0.2)
    check(g3 is not None and where("g3") == ["h1"] and b.p.poll() is None,
          "B moves g3 (garbage record: none) to h1 and runs on",
          json.dumps(migrations(b)) + b.err[-400:])
    held = {}
    for p in plans(b):
        for h in p.get("held", []):
            held.setdefault(h["vm"], h["why"])
    early = [m for m in migrations(b) if m["vm"] in ("f1", "g2") and m["status"] == "started"]
    t_f1 = next((b.walls[i] for i, (t, e) in enumerate(b.events)
                 if e["event"] == "migration" and e["vm"] == "f1" and
                 e["status"] == "started"), None)
    check(held.get("f1") == "cooldown" and held.get("g2") == "in flight",
          "B's plan holds f1 (cooldown, by A's record) and g2 (in flight, by "
          "other:1's)", json.dumps(held) + json.dumps(plans(b)[-1:]))
    check(not early or (t_f1 is not None and t_f1 >= done_wall + COOLDOWN - 1.5),
          "within vm_cooldown_s of A's move, B does not move f1; g2 not at all",
          json.dumps(early))
    # f1 goes once its cooldown, counted from A's record, has passed
    wait = done_wall + COOLDOWN + 15 - time.time()
    f1 = None
    t_end = time.monotonic() + max(wait, 1)
    while time.monotonic() < t_end and f1 is None:
        f1 = next((m for m in migrations(b) if m["vm"] == "f1" and m["status"] == "done"), None)
        time.sleep(0.2)
    t_f1 = next((b.walls[i] for i, (t, e) in enumerate(b.events)
                 if e["event"] == "migration" and e["vm"] == "f1" and
                 e["status"] == "started"), None)
    check(f1 is not None and t_f1 is not None and t_f1 >= done_wall + COOLDOWN - 1.5,
          "B moves f1 once A's cooldown has passed: %.1f s after A's done (cooldown %d s)"
          % ((t_f1 or 0) - done_wall, COOLDOWN), json.dumps(migrations(b)))
    rec = record(U1, "f1") or {}
    check(rec.get("state") == "done" and rec.get("by") == "%s:%d" % (me, b.p.pid) and
          rec.get("from") == "h2" and rec.get("to") == "h1",
          "f1's record on h1 now names B's move", json.dumps(rec))
    g2m = [m for m in migrations(b) if m["vm"] == "g2"]
    check(not g2m and where("g2") == ["h2"] and b.p.poll() is None,
          "g2 (started by other:1) stays where it is, in flight", json.dumps(g2m))
    b.stop()

    # 3. split brain: C and D, both active (leases of their own), both
    #    evacuating h1 at once, where f4 (new), f1 and g3 (moved by B) are
    err = filled_guest(1, "f4")
    check(err is None, "a new guest f4 with random memory on h1", err)
    c = run("c", write_cfg("c", "h1", COOLDOWN))
    d = run("d", write_cfg("d", "h1", COOLDOWN))
    t_end = time.monotonic() + WINDOW
    while time.monotonic() < t_end and c.p.poll() is None and d.p.poll() is None:
        time.sleep(0.5)
    both = [dict(m, by="C") for m in migrations(c)] + [dict(m, by="D") for m in migrations(d)]
    dones = {}
    for m in both:
        if m["status"] == "done":
            dones[m["vm"]] = dones.get(m["vm"], 0) + 1
    refused = [m for m in both if m["status"] == "failed"]
    check(dones.get("f4") == 1 and where("f4") == ["h2"] and
          c.p.poll() is None and d.p.poll() is None,
          "both directors active: f4 moved once, to h2 (%d attempts refused)" % len(refused),
          json.dumps(both) + c.err[-300:] + d.err[-300:])
    check(all(n == 1 for n in dones.values()),
          "no VM moves twice within vm_cooldown_s over %d s: %s" % (WINDOW, json.dumps(dones)),
          json.dumps(both))
    # why: the other's record (read before migrating, or found over ours
    # when read back), or libvirt's: a job under way, or, after waiting for
    # the other's job, the domain gone from the source
    check(all(any(w in (m.get("error") or "") for w in
                  ("vmbal metadata", "job", "migrat", "Domain not found"))
              for m in refused),
          "a refused attempt says why (the other's record, or libvirt's)",
          json.dumps(refused))
    out("# split brain: %s" % json.dumps([(m["by"], m["vm"], m["status"], m.get("error"))
                                         for m in both if m["status"] != "started"]))
    c.stop()
    d.stop()
    out("# whole test %.0f s" % (time.monotonic() - t0))


labtest.tap(18, body, cleanup)
