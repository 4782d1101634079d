#!/usr/bin/env python3
# study_lab.t - the live migration study's three cases on the lab's Linux
# guest (tests/lab/lab.sh linux-guest: the Debian kernel, an initramfs
# running tests/lab/linux/memwrite.c), evacuated by vmbal (auto,
# maintenance h1) from h1 to h2 peer-to-peer under
# live_migration.bandwidth_mibps CAP, a slow link:
#   a. an idle guest, b. a CPU-bound one, c. one writing RATE_C MiB/s
#      across a 64 MiB buffer, with auto_converge: each done, with
#      duration_s, downtime_ms, rate_mibps; the downtime checked against
#      a measurement from outside the hypervisor: the guest prints a
#      numbered line every 10 ms on its serial console, stamped with its
#      own monotonic clock, a TCP server on each host (the source's QEMU,
#      then the destination's); this test reads both and timestamps each
#      line as it arrives. The wall-clock gap between the source's last
#      line and the destination's first, less the guest time between
#      them (the guest's clock stands still while it is paused, so what
#      is left is the pause), must agree with downtime_ms within 50 ms or
#      20%.
#   d. a guest writing RATE_D MiB/s, well above the cap, without
#      auto_converge and with max_downtime_ms 10: it never converges;
#      past migration_timeout_s vmbal aborts it, reports it aborted, and
#      the guest keeps running on h1 (its lines still come from h1).
# Known QEMU bug: under TCG (the lab's guests are domain type 'qemu')
# QEMU before 9.0 loses guest writes in a migration of more than one pass
# (the dirty bitmap's fast sync path does not reset TCG's TLB, so a page
# written again after a sync through a TLB entry already marked dirty is
# not marked again; fixed upstream by "physmem: Fix migration dirty
# bitmap coherency with TCG memory access", QEMU 9.0): case c, the only
# case with many passes, arrives with its memory corrupted and the guest
# kernel panics on h2 (reproduced with plain QEMU 7.2 and HMP, no libvirt,
# no vmbal). There c's two migration checks are TODO, with the reason.
# The figures are printed as TAP comments (docs/performance.md keeps a
# run's). Needs root and the Linux guest's kernel and busybox (fetched by
# apt-get download, tests/lab/linux/build.sh); skips with the reason
# otherwise. DIR: $VMBAL_LAB_DIR or /tmp/vmbal-lab-study.
import json, os, socket, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR") or "/tmp/vmbal-lab-study"
CAP = 32            # MiB/s, the link
MEM = 256           # MiB, the guest
BUF = 64            # MiB, memwrite's buffer (filled in every case)
RATE_C = 48         # MiB/s written in case c (converges with auto_converge)
RATE_D = 128        # MiB/s written in case d (never converges)
TIMEOUT_D = 20      # s, migration_timeout_s in case d
PORT = 4555
start(DIR)


def qemu_version():
    rc, o, e = sh(["qemu-system-x86_64", "--version"], timeout=20)
    w = o.split()
    try:
        v = w[w.index("version") + 1]
        return tuple(int(x) for x in v.split(".")[:2])
    except (ValueError, IndexError):
        return None


QV = qemu_version()
TCG_LOSES_WRITES = QV is not None and QV < (9, 0)     # see the header

# the guest's kernel and initramfs: fetched (apt-get download) or skip
rc, o, e = lab("linux-image")
if rc != 0:
    out("1..0 # SKIP no Linux guest: " + " ".join(e.strip().splitlines()[-1:]))
    sys.exit(0)

JOURNAL = tempfile.mktemp(prefix="vmbal-lab-journal-", suffix=".jsonl")
CFG = tempfile.mktemp(prefix="vmbal-lab-study-", suffix=".yaml")
runs, readers = [], []


class Serial:
    """The lines of a guest's serial console on one host, (arrival time,
    seq, guest ms) each, from a TCP client that connects (again) until stopped."""

    def __init__(self, addr):
        self.addr, self.lines, self.lock = addr, [], threading.Lock()
        self.stopped = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stopped:
            try:
                s = socket.create_connection((self.addr, PORT), timeout=1)
            except OSError:
                time.sleep(0.02)
                continue
            s.settimeout(0.5)
            buf = b""
            while not self.stopped:
                try:
                    d = s.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not d:
                    break
                t = time.monotonic()
                buf += d
                *done, buf = buf.split(b"\n")
                for l in done:
                    w = l.split()
                    if (len(w) == 4 and w[0] == b"mw" and w[1].isdigit() and
                            w[2].isdigit()):
                        with self.lock:
                            self.lines.append((t, int(w[1]), int(w[2])))
            s.close()

    def snap(self):
        with self.lock:
            return list(self.lines)

    def stop(self):
        self.stopped = True


def write_cfg(auto_converge, max_downtime, timeout, cooldown):
    with open(CFG, "w") as f:
        f.write("""journal: %s
hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s"}
maintenance: [h1]
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1, window: 2,
         hold_s: 0, vm_cooldown_s: %d, migration_timeout_s: %d}
live_migration: {peer_to_peer: true, bandwidth_mibps: %d,
                 auto_converge: %s, max_downtime_ms: %d}
""" % (JOURNAL, U1, A1, U2, A2, cooldown, timeout, CAP,
            "true" if auto_converge else "false", max_downtime))


def cleanup(*_):
    for r in runs:
        if r.p.poll() is None:
            r.p.kill()
            r.p.wait()
    for s in readers:
        s.stop()
    lab("down", DIR)
    for f in (CFG, JOURNAL):
        if os.path.exists(f):
            os.unlink(f)


def migrations(r):
    with r.lock:
        return [e for _, e in r.events if e["event"] == "migration"]


def wait_migration(r, statuses, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        m = [e for e in migrations(r) if e["status"] in statuses]
        if m:
            return m[0]
        if r.p.poll() is not None:
            return None
        time.sleep(0.1)
    return None


def boot(name, mode):
    """The Linux guest on h1, memwrite MODE, a reader on each host; None
    and the reason unless its lines come from h1 within 90 s."""
    rc, o, e = lab("linux-guest", "1", name, "%s,%d" % (mode, BUF), str(MEM), str(PORT))
    if rc != 0:
        return None, e[-400:]
    src, dst = Serial(A1), Serial(A2)
    readers.extend((src, dst))
    end = time.monotonic() + 90
    while time.monotonic() < end and len(src.snap()) < 50:
        time.sleep(0.2)
    if len(src.snap()) < 50:
        return None, "no memwrite lines from %s:%d in 90 s" % (A1, PORT)
    return (src, dst), None


def outside_downtime(src, dst):
    """(downtime ms measured outside, wall gap ms, guest gap ms, lost
    lines) or None: the wall-clock gap between the arrivals of the
    source's last line and the destination's first, less the guest time
    between the two (their stamps): the guest's clock stands still while
    it is paused, and what the guest lived through (the rest of a tick,
    a slow first moment on the destination under TCG) is not downtime."""
    a, b = src.snap(), dst.snap()
    if not a or not b:
        return None
    last, first = max(a, key=lambda x: x[1]), min(b, key=lambda x: x[1])
    gap = (first[0] - last[0]) * 1000.0
    guest = float(first[2] - last[2])
    return max(0.0, gap - guest), gap, guest, first[1] - last[1] - 1


def check_todo(ok, name, diag, todo):
    """check(), or with todo a TAP TODO check (known to fail, reported)."""
    if not todo:
        return check(ok, name, diag)
    labtest.results.append((True, name, diag))
    out("%s %d - %s # TODO %s" % ("ok" if ok else "not ok", len(labtest.results), name, todo))
    if not ok and diag:
        for l in str(diag).splitlines()[:12]:
            out("#   " + l)


def migrate_case(label, name, mode, auto_converge, secs, todo=None):
    """Cases a-c: boot, evacuate h1, check done, figures and the outside
    downtime. Returns the figures for the summary."""
    g, err = boot(name, mode)
    check(g is not None, "%s: Linux guest %s (memwrite %s, %d MiB) prints on h1" %
          (label, name, mode, MEM), err)
    if g is None:
        check(False, "%s: not migrated" % label)
        check(False, "%s: no downtime" % label)
        return None
    src, dst = g
    write_cfg(auto_converge, 300, 120, 0)
    r = Run(VMBAL, CFG)
    runs.append(r)
    dn = wait_migration(r, ("done", "failed", "aborted"), secs)
    time.sleep(1.0)                         # the destination's lines
    r.stop()
    on = where(name)
    ok = dn is not None and dn["status"] == "done" and dn["vm"] == name and on == ["h2"]
    dn = dn or {}
    dur, dt, rate, mib = (dn.get(k) for k in ("duration_s", "downtime_ms", "rate_mibps",
                                               "transferred_mib"))
    nums = all(isinstance(v, (int, float)) for v in (dur, dt, rate, mib))
    check_todo(ok and nums, "%s: %s moved to h2: done in %s s, downtime_ms %s, rate %s MiB/s, "
          "%s MiB" % (label, name, dur, dt, rate, mib if mib is None else round(mib, 1)),
          json.dumps(migrations(r)) + repr(on) + r.err[-400:], todo)
    m = outside_downtime(src, dst)
    good = (m is not None and nums and
            abs(m[0] - dt) <= max(50.0, 0.2 * dt))
    check_todo(good, "%s: downtime from outside (serial lines on h1 then h2) %s ms, "
          "vmbal's %s ms: within 50 ms or 20%%" %
          (label, "%.0f" % m[0] if m else None, dt),
          "wall gap %s ms, guest gap %s ms, lines lost %s" % (m[1:] if m else (None,) * 3),
          todo)
    src.stop()
    dst.stop()
    sh(["virsh", "-c", U2, "destroy", name], timeout=30)    # its CPU back
    return {"case": label, "mode": mode, "status": dn.get("status"), "error": dn.get("error"),
            "duration_s": dur, "downtime_ms": dt,
            "outside_ms": round(m[0], 1) if m else None, "gap_ms": round(m[1], 1) if m else None,
            "guest_gap_ms": m[2] if m else None,
            "rate_mibps": rate, "transferred_mib": mib}


def body():
    t0 = time.monotonic()
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0, "lab: two libvirtd hosts up", e[-800:])
    if rc != 0:
        raise SystemExit
    figs = []
    todo_c = ("QEMU %d.%d under TCG loses writes in a multi-pass migration (fixed in 9.0)"
              % QV if TCG_LOSES_WRITES else None)
    for label, name, mode, ac, secs, todo in (
            ("a idle", "st-idle", "idle", True, 90, None),
            ("b cpu", "st-cpu", "cpu", True, 90, None),
            ("c mem", "st-mem", "mem:%d" % RATE_C, True, 110, todo_c)):
        t = time.monotonic()
        f = migrate_case(label, name, mode, ac, secs, todo)
        if f:
            f["case_s"] = round(time.monotonic() - t, 1)
            figs.append(f)

    # d. never converging: aborted past migration_timeout_s, still on h1
    name = "st-nocv"
    g, err = boot(name, "mem:%d" % RATE_D)
    check(g is not None, "d: Linux guest %s (memwrite mem:%d) prints on h1" % (name, RATE_D), err)
    if g is None:
        raise SystemExit
    src, dst = g
    write_cfg(False, 10, TIMEOUT_D, 600)
    r = Run(VMBAL, CFG)
    runs.append(r)
    st = wait_migration(r, ("started",), 30)
    fin = wait_migration(r, ("done", "failed", "aborted"), TIMEOUT_D + 40)
    r.stop()
    check(st is not None and fin is not None and fin["status"] == "aborted" and
          fin["vm"] == name and fin.get("duration_s", 0) >= TIMEOUT_D,
          "d: auto_converge false, max_downtime_ms 10, %d MiB/s written over a %d MiB/s "
          "link: aborted after %s s (migration_timeout_s %d)" %
          (RATE_D, CAP, fin.get("duration_s") if fin else None, TIMEOUT_D),
          json.dumps(migrations(r)) + r.err[-400:])
    n0 = len(src.snap())
    time.sleep(2)
    a = src.snap()
    check(where(name) == ["h1"] and len(a) - n0 >= 50 and not dst.snap(),
          "d: %s keeps running on h1: %d lines from h1 in the 2 s after, none ever from h2" %
          (name, len(a) - n0, ), repr(where(name)) + " h2 lines %d" % len(dst.snap()))

    out("# study figures (cap %d MiB/s, guest %d MiB, buffer %d MiB filled):" % (CAP, MEM, BUF))
    for f in figs:
        out("#   " + json.dumps(f))
    if fin:
        out("#   " + json.dumps({"case": "d nocv", "mode": "mem:%d" % RATE_D,
                                 "status": fin["status"], "duration_s": fin.get("duration_s"),
                                 "error": fin.get("error")}))
    out("# whole test %.0f s" % (time.monotonic() - t0))


labtest.tap(13, body, cleanup)
