#!/usr/bin/env python3
# tune_lab.t - the live_migration tuning reaches QEMU on real migrations,
# not only as a mapping (tests/unit/test_lv_migrate_params.c has that). Two
# lab libvirtd hosts with TLS (lab.sh up 2, VMBAL_LAB_TLS=1: each QEMU has
# its x509 directory); a guest with 48 MiB of random memory (loaded by
# QEMU's generic loader, as in livemig_lab.t) is evacuated by vmbal (auto,
# maintenance) peer-to-peer, capped at 8 MiB/s so that the job lasts a few
# seconds, while the test reads the source QEMU's own state through
# `virsh qemu-monitor-command` (query-migrate, query-migrate-parameters,
# query-migrate-capabilities: a query job, allowed during a migration):
#   1. h1 -> h2 with tls: true, max_downtime_ms: 123,
#      parallel_connections: 3: QEMU's downtime-limit is 123 ms,
#      max-bandwidth 8 MiB/s, the multifd capability is on with 3 channels
#      (and, seen from outside, the destination's migration port has 1 + 3
#      connections from the source), tls-creds names libvirt's TLS object,
#      whose directory is h1's default_tls_x509_cert_dir (DIR/h1/pki/qemu);
#      the move is done.
#   2. h2 -> h1 with postcopy_after_s: 2: the postcopy-ram capability is
#      on, the source libvirtd reports the guest suspended for post-copy
#      (its lifecycle event, watched with `virsh event`) about 2 s after
#      vmbal started the job (the monitor's virDomainMigrateStartPostCopy),
#      and the move is done.
#   3. h1 -> h2 again, h1's libvirtd frozen (SIGSTOP, 2.5 s: under the
#      keepalive's 4 s) the moment it reports the guest stopped by the
#      migration (its lifecycle event, just before the call returns), when
#      the job goes on to verify, read its figures, report and close, and
#      its monitor asks h1 for the job's statistics: vmbal keeps its sample
#      every tick meanwhile, and the move is done. (The job usually does
#      its few calls to h1 before the freeze lands, so this does not catch
#      a poll() that waits for the job's close to a frozen host:
#      tests/unit/test_lv_mig_finish.c does, with the close hung by hand.)
# (Two moves, so that each is read alone: the switch to post-copy cuts
# the capped pre-copy short.) Each move's run also emits its headless
# sample every tick while it migrates. Prints TAP.
# Needs root, the lab's packages and certtool (gnutls-bin); skips with the
# reason otherwise. VMBAL_LAB_DIR, VMBAL_LAB_NET and VMBAL_LAB_PREFIX
# choose the lab as for lab.sh, so it may run beside another.
import json, os, shutil, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR") or "/tmp/vmbal-lab-tune"
CAP = 8             # MiB/s
FILL_MIB = 48       # about 6 s at the cap
DOWNTIME = 123      # ms
CHANNELS = 3
POSTCOPY_S = 2
if os.geteuid() == 0 and shutil.which("certtool") is None:
    out("1..0 # SKIP missing: certtool (apt-get install gnutls-bin)")
    sys.exit(0)
start(DIR)
labtest.ENV["VMBAL_LAB_TLS"] = "1"

JOURNAL = tempfile.mktemp(prefix="vmbal-lab-tune-journal-", suffix=".jsonl")
CFG = tempfile.mktemp(prefix="vmbal-lab-tune-", suffix=".yaml")
FILL = os.path.join(DIR, "fill-%d.bin" % FILL_MIB)
runs, watchers, frozen = [], [], []
FREEZE_S = 2.5      # under the keepalive's 4 s: the connections live on


def write_cfg(maint, tuning):
    with open(CFG, "w") as f:
        f.write("""journal: %s
hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s"}
maintenance: [%s]
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1, window: 2,
         hold_s: 0, vm_cooldown_s: 0, migration_timeout_s: 60}
live_migration: {peer_to_peer: true, bandwidth_mibps: %d, %s}
""" % (JOURNAL, U1, A1, U2, A2, maint, CAP, tuning))


def cleanup(*_):
    thaw(1)
    for w in watchers:
        if w.p.poll() is None:
            w.p.kill()
            w.p.wait()
    for r in runs:
        if r.p.poll() is None:
            r.p.kill()
            r.p.wait()
    lab("down", DIR)
    for f in (CFG, JOURNAL, FILL):
        if os.path.exists(f):
            os.unlink(f)


def ticking(r, t1, t2):
    """The longest gap between r's sample events from t1 to t2 (monotonic),
    its edges included, and how many samples there were."""
    ts = [t for t, _ in r.samples(t1) if t <= t2]
    edges = [t1] + ts + [t2]
    return max(b - a for a, b in zip(edges, edges[1:])), len(ts)


def libvirtd_pid(k):
    """Host k's libvirtd, as lab.sh recorded it (checked to be that one)."""
    hd = os.path.join(DIR, "h%d" % k)
    for f in ("libvirtd.pid", "libvirtd.spawn.pid"):
        try:
            pid = int(open(os.path.join(hd, f)).read().strip())
            cmd = open("/proc/%d/cmdline" % pid, "rb").read().decode(errors="replace")
        except (OSError, ValueError):
            continue
        if os.path.join(hd, "etc", "libvirtd.conf") in cmd:
            return pid
    return None


def freeze(k):
    pid = libvirtd_pid(k)
    if pid is None:
        return None
    frozen.append(pid)
    os.kill(pid, signal.SIGSTOP)
    return time.monotonic()


def thaw(k):
    for pid in frozen:
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass
    del frozen[:]


def qmp(uri, dom, cmd, **args):
    """The return of QMP command cmd (with args) on dom's QEMU, or None."""
    c = {"execute": cmd}
    if args:
        c["arguments"] = args
    rc, o, e = sh(["virsh", "-c", uri, "qemu-monitor-command", dom,
                   json.dumps(c)], timeout=10)
    if rc != 0:
        return None
    try:
        return json.loads(o)["return"]
    except (ValueError, KeyError):
        return None


def lab_prefix():
    with open(os.path.join(DIR, "lab.conf")) as f:
        for l in f:
            if l.startswith("LAB_PREFIX="):
                return l.strip().split("=", 1)[1]
    return "vmbal-lab"


def migration_conns(k, peer):
    """Established connections from peer to host k's migration ports
    (libvirt's 49152-49215), seen in host k's network namespace."""
    rc, o, e = sh(["ip", "netns", "exec", "%s-h%d" % (lab_prefix(), k), "ss",
                   "-Htn", "state", "established",
                   "( sport >= :49152 and sport <= :49215 )"], timeout=10)
    return len([l for l in o.splitlines() if peer + ":" in l.split()[-1]]) if rc == 0 else -1


class Events:
    """`virsh event --loop` on one host for dom's lifecycle events, each
    line kept with the monotonic time it came."""

    def __init__(self, uri, dom):
        self.lines, self.lock = [], threading.Lock()
        self.p = subprocess.Popen(["virsh", "-c", uri, "event", "--domain", dom,
                                   "--event", "lifecycle", "--loop"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL, text=True, env=labtest.ENV)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for l in self.p.stdout:
            with self.lock:
                self.lines.append((time.monotonic(), l.strip()))

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=10)
        with self.lock:
            return list(self.lines)


def watch(r, uri, dom, dst_k, src_addr, secs):
    """Follows dom's outgoing migration on its source while r runs, until r
    reports an outcome: QEMU's statuses with their time, and its parameters
    and capabilities as last seen while the job was active (the monitor
    sets the downtime just after the job starts: they are read again until
    the outcome), the TLS object's directory, and the most connections seen
    to the destination."""
    seen = {"statuses": [], "params": None, "caps": None, "conns": 0, "tls_dir": None}
    end = time.monotonic() + secs
    k = 0
    while time.monotonic() < end:
        if [e for _, e in migrations(r, True) if e["status"] != "started"]:
            break
        q = qmp(uri, dom, "query-migrate")
        st = q.get("status") if q else None
        if st and (not seen["statuses"] or seen["statuses"][-1][1] != st):
            seen["statuses"].append((time.monotonic(), st))
        if st == "active" and k % 3 == 0:
            p = qmp(uri, dom, "query-migrate-parameters")
            c = qmp(uri, dom, "query-migrate-capabilities")
            if p is not None and c is not None:
                seen["params"] = p
                seen["caps"] = {x["capability"]: x["state"] for x in c}
                if p.get("tls-creds") and seen["tls_dir"] is None:
                    seen["tls_dir"] = qmp(uri, dom, "qom-get", path="/objects/" +
                                          p["tls-creds"], property="dir")
            seen["conns"] = max(seen["conns"], migration_conns(dst_k, src_addr))
        if st == "active":
            k += 1
        time.sleep(0.1)
    return seen


def filled_guest(name):
    """A 256 MiB guest on h1 whose memory holds FILL_MIB of random bytes
    (labtest.filled_guest)."""
    return labtest.filled_guest(DIR, 1, name, 256, FILL)


def body():
    t0 = time.monotonic()
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0, "lab: two libvirtd hosts up, with TLS", e[-800:])
    if rc != 0:
        raise SystemExit
    with open("/dev/urandom", "rb") as src, open(FILL, "wb") as dst:
        for _ in range(FILL_MIB):
            dst.write(src.read(1 << 20))
    err = filled_guest("f1")
    check(err is None, "a 256 MiB guest with %d MiB of random memory on h1" % FILL_MIB, err)
    if err is not None:
        raise SystemExit

    # 1. TLS, max downtime, parallel connections
    write_cfg("h1", "tls: true, max_downtime_ms: %d, parallel_connections: %d"
              % (DOWNTIME, CHANNELS))
    r = Run(VMBAL, CFG)
    runs.append(r)
    ts, st = wait_migration(r, "started", 30, timed=True)
    seen = watch(r, U1, "f1", 2, A1, 40) if st else {"params": None, "caps": None,
                                                      "conns": 0, "statuses": []}
    td, dn = wait_migration(r, "done", 40, timed=True)
    check(dn is not None and dn["vm"] == "f1" and where("f1") == ["h2"],
          "tls, max_downtime_ms %d, parallel_connections %d: f1 moved to h2 in %.1f s"
          % (DOWNTIME, CHANNELS, dn["duration_s"] if dn else -1),
          json.dumps([e for _, e in migrations(r, True)]) + r.err[-600:])
    p, c = seen["params"] or {}, seen["caps"] or {}
    check(p.get("downtime-limit") == DOWNTIME,
          "max_downtime_ms %d: QEMU's downtime-limit %s ms" % (DOWNTIME, p.get("downtime-limit")),
          json.dumps(p))
    check(p.get("max-bandwidth") == CAP << 20,
          "bandwidth_mibps %d: QEMU's max-bandwidth %s B/s" % (CAP, p.get("max-bandwidth")),
          json.dumps(p))
    check(c.get("multifd") is True and p.get("multifd-channels") == CHANNELS,
          "parallel_connections %d: multifd %s, multifd-channels %s"
          % (CHANNELS, c.get("multifd"), p.get("multifd-channels")), json.dumps(c))
    check(seen["conns"] == CHANNELS + 1,
          "seen from h2: %d connections from h1 to its migration port (1 + %d channels)"
          % (seen["conns"], CHANNELS), repr(seen["conns"]))
    gap, n = ticking(r, ts, td) if ts is not None and td is not None else (-1, 0)
    check(0 <= gap <= 1.6,
          "the main loop never waited on the job: %d samples while it ran, "
          "longest gap %.2f s (probe_interval_s 1)" % (n, gap), repr((ts, td)))
    qdir = os.path.join(os.path.abspath(DIR), "h1", "pki", "qemu")   # qemu.conf's
    check(bool(p.get("tls-creds")) and seen["tls_dir"] == qdir,
          "tls: QEMU migrates with tls-creds %r, its x509 directory %s"
          % (p.get("tls-creds"), seen["tls_dir"]), json.dumps(p) + repr(seen["tls_dir"]))
    r.stop()

    # 2. post-copy after 2 s
    write_cfg("h2", "postcopy_after_s: %d" % POSTCOPY_S)
    ev = Events(U2, "f1")
    watchers.append(ev)
    r = Run(VMBAL, CFG)
    runs.append(r)
    ts, st = wait_migration(r, "started", 30, timed=True)
    seen = watch(r, U2, "f1", 1, A2, 40) if st else {"params": None, "caps": None,
                                                      "conns": 0, "statuses": []}
    td, dn = wait_migration(r, "done", 40, timed=True)
    check(dn is not None and dn["vm"] == "f1" and where("f1") == ["h1"],
          "postcopy_after_s %d: f1 moved back to h1 in %.1f s"
          % (POSTCOPY_S, dn["duration_s"] if dn else -1),
          json.dumps([e for _, e in migrations(r, True)]) + r.err[-600:])
    gap, n = ticking(r, ts, td) if ts is not None and td is not None else (-1, 0)
    check(0 <= gap <= 1.6,
          "the main loop never waited on the job: %d samples while it ran, "
          "longest gap %.2f s" % (n, gap), repr((ts, td)))
    c = seen["caps"] or {}
    check(c.get("postcopy-ram") is True, "post-copy allowed: QEMU's postcopy-ram %s"
          % c.get("postcopy-ram"), json.dumps(c))
    td, dn = wait_migration(r, "done", 1, timed=True)
    time.sleep(0.5)
    lines = ev.stop()
    act = next((t for t, s in seen["statuses"] if s == "active"), None)
    pc = next((t for t, l in lines if "Post-copy" in l or "postcopy" in l.lower()), None)
    after = pc - ts if pc is not None and ts is not None else -1
    check(pc is not None and POSTCOPY_S - 0.5 <= after <= POSTCOPY_S + 2.5,
          "post-copy: h2 reports f1 suspended for post-copy %.1f s after vmbal started "
          "the job (QEMU active at %.1f s, done in %.1f s)"
          % (after, act - ts if act is not None and ts is not None else -1,
             td - ts if td is not None and ts is not None else -1),
          repr([(round(t - (ts or 0), 2), l) for t, l in lines]) +
          repr([(round(t - (ts or 0), 2), s) for t, s in seen["statuses"]]))
    r.stop()

    # 3. the source's libvirtd frozen as the job ends
    write_cfg("h1", "auto_converge: true")
    ev = Events(U1, "f1")
    watchers.append(ev)
    r = Run(VMBAL, CFG)
    runs.append(r)
    ts, st = wait_migration(r, "started", 30, timed=True)
    t_stop = None
    end = time.monotonic() + 40
    while st is not None and time.monotonic() < end and t_stop is None:
        with ev.lock:
            if any("Stopped Migrated" in l for _, l in ev.lines):
                t_stop = freeze(1)
        time.sleep(0.005)
    if t_stop is not None:
        time.sleep(FREEZE_S)
        thaw(1)
        t_cont = time.monotonic()
    td, dn = wait_migration(r, "done", 30, timed=True)
    ev.stop()
    if t_stop is not None:
        time.sleep(max(0, t_cont + 1.2 - time.monotonic()))
    gap, n = ticking(r, t_stop, t_cont + 1) if t_stop is not None else (-1, 0)
    check(0 <= gap <= 1.6,
          "h1's libvirtd frozen %.1f s (SIGSTOP) at its 'Stopped Migrated' event: %d samples "
          "meanwhile, longest gap %.2f s" % (FREEZE_S, n, gap),
          repr([(round(t - t_stop, 2), e["event"], e.get("ts"), e.get("status"))
                for t, e in r.events if t_stop is not None and t >= t_stop - 2]))
    check(dn is not None and dn["vm"] == "f1" and where("f1") == ["h2"],
          "the move is still reported done, %.2f s after the freeze began (%s)"
          % (td - t_stop if td is not None and t_stop is not None else -1,
             "during it"
             if td is not None and t_stop is not None and td < t_cont else "after it"),
          json.dumps([e for _, e in migrations(r, True)]) + r.err[-600:])
    r.stop()
    out("# whole test %.0f s" % (time.monotonic() - t0))


labtest.tap(15, body, cleanup)
