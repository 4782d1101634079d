#!/usr/bin/env python3
# livemig_lab.t - managed peer-to-peer migration, tuned and measured, on
# two lab libvirtd hosts (tests/lab/lab.sh). A guest with 96 MiB of random
# memory (loaded by QEMU's generic loader: a guest whose memory is all zero
# migrates in no time whatever the cap) is evacuated by vmbal (auto,
# maintenance) with live_migration.bandwidth_mibps: 8:
#   1. done, with downtime_ms, transferred_mib and rate_mibps, the rate
#      within 10% of the cap, the journal keeping the figures;
#   2. vmbal stopped (SIGTERM) mid-migration: it exits at once and does not
#      abort the job: the guest arrives;
#   3. vmbal SIGKILLed mid-migration and started again at once: the job goes
#      on, the new vmbal follows it and journals it done by "recovery",
#      nothing moves twice; moves settled by recovery carry the job's
#      figures too (read on the destination).
# Prints TAP. Needs root; skips with the reason otherwise.
import json, os, signal, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR") or "/tmp/vmbal-lab-livemig"
CAP = 8             # MiB/s
FILL_MIB = 96       # about 12 s at the cap
start(DIR)

JOURNAL = tempfile.mktemp(prefix="vmbal-lab-journal-", suffix=".jsonl")
CFG = tempfile.mktemp(prefix="vmbal-lab-livemig-", suffix=".yaml")
FILL = os.path.join(DIR, "fill-%d.bin" % FILL_MIB)
runs = []


def figures(m):
    """A done move's figures as libvirt measured the job: a pause, and the
    guest's random memory sent (all of it: zero pages cost nothing)."""
    return (isinstance(m.get("downtime_ms"), (int, float)) and m["downtime_ms"] >= 0 and
            isinstance(m.get("rate_mibps"), (int, float)) and
            isinstance(m.get("transferred_mib"), (int, float)) and
            m["transferred_mib"] >= 0.9 * FILL_MIB)


def write_cfg(maint):
    with open(CFG, "w") as f:
        f.write("""journal: %s
hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s"}
maintenance: [%s]
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1, window: 2,
         hold_s: 0, vm_cooldown_s: 0, migration_timeout_s: 120}
live_migration: {peer_to_peer: true, bandwidth_mibps: %d}
""" % (JOURNAL, U1, A1, U2, A2, maint, CAP))


def cleanup(*_):
    for r in runs:
        if r.p.poll() is None:
            r.p.kill()
            r.p.wait()
    lab("down", DIR)
    for f in (CFG, JOURNAL, FILL):
        if os.path.exists(f):
            os.unlink(f)


def wait_where(name, want, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if where(name) == want:
            return True
        time.sleep(0.5)
    return False


def journal():
    with open(JOURNAL) as f:
        return [json.loads(l) for l in f if l.strip()]


def filled_guest(name):
    """A 256 MiB guest on h1 whose memory holds FILL_MIB of random bytes
    (labtest.filled_guest)."""
    return labtest.filled_guest(DIR, 1, name, 256, FILL)


def body():
    t0 = time.monotonic()
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0, "lab: two libvirtd hosts up", e[-800:])
    if rc != 0:
        raise SystemExit
    with open("/dev/urandom", "rb") as src, open(FILL, "wb") as dst:
        for _ in range(FILL_MIB):
            dst.write(src.read(1 << 20))
    err = filled_guest("f1")
    check(err is None, "a 256 MiB guest with %d MiB of random memory on h1" % FILL_MIB, err)
    if err is not None:
        raise SystemExit

    # 1. evacuated from h1 under the cap: done, measured
    write_cfg("h1")
    r = Run(VMBAL, CFG)
    runs.append(r)
    st = wait_migration(r, "started", 30)
    dn = wait_migration(r, "done", 60)
    check(st is not None and dn is not None and dn["vm"] == "f1" and where("f1") == ["h2"],
          "maintenance h1: f1 moved to h2 peer-to-peer in %.1f s"
          % (dn["duration_s"] if dn else -1), json.dumps(migrations(r)) + r.err[-400:])
    dn = dn or {}
    rate, dt, mib = dn.get("rate_mibps"), dn.get("downtime_ms"), dn.get("transferred_mib")
    check(isinstance(dt, (int, float)) and isinstance(mib, (int, float)) and mib >= FILL_MIB,
          "done with downtime_ms %s and transferred_mib %s" % (dt, mib), json.dumps(dn))
    check(isinstance(rate, (int, float)) and abs(rate - CAP) <= 0.1 * CAP,
          "bandwidth_mibps %d: measured rate %s MiB/s, within 10%%" % (CAP, rate), json.dumps(dn))
    jo = [j for j in journal() if j["phase"] == "outcome"]
    check(jo and jo[-1].get("status") == "done" and jo[-1].get("downtime_ms") == dt and
          isinstance(jo[-1].get("rate_mibps"), (int, float)),
          "the journal's outcome keeps the figures", json.dumps(jo[-1:]))
    r.stop()

    # 2. vmbal stopped mid-migration: the peer-to-peer job is not aborted
    write_cfg("h2")
    r = Run(VMBAL, CFG)
    runs.append(r)
    st = wait_migration(r, "started", 30)
    time.sleep(2)
    t = time.monotonic()
    rc = r.stop()
    took = time.monotonic() - t
    check(st is not None and rc == 0 and took < 3 and
          not [m for m in migrations(r) if m["status"] != "started"],
          "vmbal stopped (SIGTERM) %.1f s into the migration: exits in %.1f s, reports no outcome"
          % (2.0, took), json.dumps(migrations(r)) + r.err[-400:])
    check(wait_where("f1", ["h1"], 40), "the job goes on without vmbal: f1 arrives on h1",
          repr(where("f1")))
    jl = journal()
    check(jl and jl[-1]["phase"] == "intent" and jl[-1]["vm"] == "f1",
          "the journal holds that intent, open", json.dumps(jl[-2:]))
    # the open intent settled (by recovery) at the next start, below

    # 3. SIGKILL mid-migration, a new vmbal at once
    write_cfg("h1")
    r = Run(VMBAL, CFG)
    runs.append(r)
    rec = wait_migration(r, "done", 15)                 # the open intent of step 2
    check(rec is not None and rec["vm"] == "f1" and rec["to"] == "h1" and figures(rec),
          "a new vmbal settles step 2's move as done, with the job's figures (downtime "
          "%s ms, %s MiB)" % (rec and rec.get("downtime_ms"), rec and rec.get("transferred_mib")),
          json.dumps(migrations(r)))
    st = next((m for m in [wait_migration(r, "started", 30)] if m), None)
    time.sleep(2)
    os.kill(r.p.pid, signal.SIGKILL)
    r.p.wait(timeout=10)
    check(st is not None and st["vm"] == "f1" and r.p.returncode == -signal.SIGKILL,
          "vmbal SIGKILLed 2 s into migrating f1 to h2", json.dumps(migrations(r)))
    b = Run(VMBAL, CFG)
    runs.append(b)
    fin = wait_migration(b, "done", 40) or wait_migration(b, "failed", 1)
    on = where("f1")
    rj = [j for j in journal() if j.get("who") == "recovery" and j["phase"] == "outcome"]
    check(fin is not None and fin["status"] == "done" and fin["to"] == "h2" and on == ["h2"] and
          figures(fin),
          "the job goes on: f1 arrives on h2, the restarted vmbal reports it done "
          "(%.1f s after the intent; downtime %s ms, %s MiB at %s MiB/s)"
          % (fin["duration_s"] if fin else -1, fin and fin.get("downtime_ms"),
             fin and fin.get("transferred_mib"), fin and fin.get("rate_mibps")),
          json.dumps(migrations(b)) + repr(on) + b.err[-400:])
    check(len(rj) == 2 and rj[-1]["vm"] == "f1" and rj[-1]["status"] == "done" and
          rj[-1]["to"] == "h2" and all(figures(j) for j in rj),
          "journalled done by recovery, both with their figures", json.dumps(rj))
    time.sleep(3)
    check(not [m for m in migrations(b) if m["status"] == "started"] and on == ["h2"],
          "nothing moves twice", json.dumps(migrations(b)))
    b.stop()
    out("# whole test %.0f s" % (time.monotonic() - t0))


labtest.tap(14, body, cleanup)
