#!/usr/bin/env python3
# shutdown_lab.t - SIGTERM while a host's packets are dropped: vmbal exits
# within a bound (SHUTDOWN_BOUND_S, against about 133 s before: the
# collector threads were joined while they waited in connect for the SYN
# timeout), in headless mode, in the console under tmux, and under the
# ASan+UBSan build, and the lease is free for a second vmbal right after.
# The cluster is a real lab host (tests/lab/lab.sh up 2) plus a blackhole:
# network namespace vbrt-bh behind a veth, 198.18.131.2, whose INPUT chain
# drops everything, so a connect to it waits in SYN-SENT. Then a migration
# stuck on the network: auto mode moves a guest (slowed to 1 MiB/s) from
# lab host 1 to lab host 2, whose namespace then drops every packet, and
# SIGTERM comes while the job waits on it (a job vmbal drives, not a
# peer-to-peer one, which goes on by design: livemig_lab.t). Prints TAP.
# Needs root and the lab's packages; skips with the reason otherwise.
import os, shutil, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tui"))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR", "/tmp/vmbal-lab-shutdown")
NET = os.environ.get("VMBAL_LAB_NET", "198.18.10")
U1 = "qemu+tcp://%s.11/system" % NET
U2 = "qemu+tcp://%s.12/system" % NET
H2_NS = "%s-h2" % os.environ.get("VMBAL_LAB_PREFIX", "vmbal-lab")
BH_NS, BH_OUT, BH_IN = "vbrt-bh", "vbrt-bh0", "vbrt-bh1"
BH_ME, BH_ADDR = "198.18.131.1", "198.18.131.2"
SHUTDOWN_BOUND_S = 5.0
start(DIR)
if shutil.which("iptables-legacy") is None:
    out("1..0 # SKIP missing: iptables-legacy")
    sys.exit(0)
from tmuxconsole import Console, Timeout  # noqa: E402

work = tempfile.mkdtemp(prefix="vmbal-shutdown-")
LEASE = os.path.join(work, "lease")
cfg = os.path.join(work, "cluster.yaml")
with open(cfg, "w") as f:
    f.write("""journal: %s/journal.jsonl
hosts:
  - {name: h1, uri: "%s"}
  - {name: bh, uri: "qemu+tcp://%s/system"}
policy: {mode: manual, probe_interval_s: 1, analyse_interval_s: 2}
""" % (work, U1, BH_ADDR))
cfg2 = os.path.join(work, "pair.yaml")
with open(cfg2, "w") as f:
    f.write("""journal: %s/journal2.jsonl
hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s.11"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s.12"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 2, window: 3,
         threshold_pct: 10, hold_s: 2, min_gain_pct: 1, vm_cooldown_s: 600}
live_migration: {peer_to_peer: false}   # vmbal drives the job: cancelled at exit
""" % (work, U1, NET, U2, NET))
runs, consoles, loose = [], [], []


def blackhole_down():
    sh(["ip", "netns", "del", BH_NS])
    sh(["ip", "link", "del", BH_OUT])


def blackhole_up():
    blackhole_down()
    steps = (["ip", "netns", "add", BH_NS],
             ["ip", "link", "add", BH_OUT, "type", "veth", "peer", "name", BH_IN],
             ["ip", "link", "set", BH_IN, "netns", BH_NS],
             ["ip", "addr", "add", BH_ME + "/30", "dev", BH_OUT],
             ["ip", "link", "set", BH_OUT, "up"],
             ["ip", "netns", "exec", BH_NS, "ip", "addr", "add", BH_ADDR + "/30", "dev", BH_IN],
             ["ip", "netns", "exec", BH_NS, "ip", "link", "set", BH_IN, "up"],
             ["ip", "netns", "exec", BH_NS, "ip", "link", "set", "lo", "up"],
             ["ip", "netns", "exec", BH_NS, "iptables-legacy", "-A", "INPUT", "-j", "DROP"])
    for s in steps:
        rc, o, e = sh(s)
        if rc != 0:
            return "%s: %s" % (" ".join(s), e.strip())
    return ""


def syn_sent(pid):
    """Has pid a connection to the blackhole waiting in SYN-SENT?"""
    rc, o, e = sh(["ss", "-tnpH", "state", "syn-sent", "dst", BH_ADDR])
    return "pid=%d," % pid in o


def wait_for(pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def lease_free():
    """A second vmbal right after: does it take control (no "observing")?"""
    env = dict(os.environ, VMBAL_LEASE_DIR=LEASE)
    try:
        p = subprocess.run([VMBAL, "--headless", "-c", cfg, "--ticks", "1"], env=env,
                           capture_output=True, text=True, timeout=15)
        return p.returncode == 0 and "observing" not in p.stderr, p.stderr[-400:]
    except subprocess.TimeoutExpired as ex:
        return False, "timed out: %r" % ((ex.stderr or b"")[-400:],)


def stop_within(p, secs):
    """SIGTERM p, wait up to secs; (exited, seconds)."""
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=secs)
        return True, time.monotonic() - t
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - t


def headless(binary, label, env_extra=None):
    env = dict(os.environ, VMBAL_LEASE_DIR=LEASE, **(env_extra or {}))
    r = Run(binary, cfg, env=env)
    runs.append(r)
    t, e = r.wait(lambda e: host(e, "h1")["state"] == "up" and host(e, "bh")["state"] == "connecting", 20)
    stuck = t is not None and wait_for(lambda: syn_sent(r.p.pid), 10)
    check(stuck, "%s: h1 up, bh connecting (never reached), its connect waiting in SYN-SENT" % label, r.err[-500:])
    exited, secs = stop_within(r.p, SHUTDOWN_BOUND_S)
    out("# %s: SIGTERM to exit %.2f s%s" % (label, secs, "" if exited else " (still running)"))
    ok, why = lease_free()
    if not exited:
        r.p.kill()
        r.p.wait()
    time.sleep(0.2)     # the reader threads
    ended = any(ev.get("event") == "end" for _, ev in r.events)
    check(exited and secs < SHUTDOWN_BOUND_S and r.p.returncode == 0 and ended,
          "%s: SIGTERM while stuck connecting: exit 0 within %.0f s (%.2f s), end event"
          % (label, SHUTDOWN_BOUND_S, secs), r.err[-1500:])
    check(ok, "%s: the lease is taken by a second vmbal right after" % label, why)
    return r


def cleanup(*_):
    for r in runs:
        if r.p.poll() is None:
            r.p.kill()
            r.p.wait()
    for c in consoles:
        pid = c.vmbal_pid()
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        c.close()
    blackhole_down()
    lab("down", DIR)
    shutil.rmtree(work, ignore_errors=True)


def body():
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0 and U1 in o and U2 in o, "lab: two libvirtd hosts up (%s, %s)" % (U1, U2),
          e[-800:])
    if rc != 0:
        raise SystemExit
    why = blackhole_up()
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.connect((BH_ADDR, 16509))
        dropped = False
    except socket.timeout:
        dropped = True
    except OSError as ex:
        dropped, why = False, why + " connect: %r" % ex
    s.close()
    check(not why and dropped, "blackhole %s in %s: a connect gets no answer" % (BH_ADDR, BH_NS), why)
    if why or not dropped:
        raise SystemExit

    # 1. headless
    headless(VMBAL, "headless")

    # 2. the console under tmux
    stty = os.path.join(work, "stty")
    c = Console(["-c", cfg], 100, 32, lease_dir=LEASE,
                shell_after="stty -a > %s; exec sleep 60" % stty)
    consoles.append(c)
    try:
        c.wait(lambda s: "h1" in s and "bh" in s, 20, "hosts")
        pid = c.vmbal_pid()
        stuck = pid is not None and wait_for(lambda: syn_sent(pid), 10)
    except Timeout as ex:
        pid, stuck = None, False
        out("# " + repr(ex.screen))
    check(stuck, "console: running, its connect to bh waiting in SYN-SENT")
    secs, exited = -1.0, False
    if pid is not None:
        t = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        exited = wait_for(lambda: c.exited() is not None, SHUTDOWN_BOUND_S)
        secs = time.monotonic() - t
    out("# console: SIGTERM to exit %.2f s%s" % (secs, "" if exited else " (still running)"))
    ok, why = lease_free()
    if pid is not None and not exited:
        os.kill(pid, signal.SIGKILL)    # it would hold the lease on
    wait_for(lambda: os.path.exists(stty), 2)
    time.sleep(0.1)
    st = open(stty).read() if os.path.exists(stty) else ""
    s = c.screen()
    restored = " icanon" in " " + st and " echo" in " " + st and "Hosts" not in s
    check(exited and c.exited() == "vmbal exited 0" and restored,
          "console: SIGTERM while stuck connecting: exit 0 within %.0f s (%.2f s), terminal "
          "restored (echo, icanon, main screen)" % (SHUTDOWN_BOUND_S, secs),
          "%s\n%s\n%s" % (c.exited(), st, s))
    check(ok, "console: the lease is taken by a second vmbal right after", why)

    # 3. the sanitized build: nothing touched after it was freed, no leak
    if os.path.exists(ASAN):
        r = headless(ASAN, "ASan+UBSan", {"ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1",
                                          "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"})
        check("Sanitizer" not in r.err and "runtime error" not in r.err,
              "ASan+UBSan: no sanitizer report", r.err[-1500:])
    else:
        for n in ("stuck", "exit", "lease", "report"):
            out("ok %d - # SKIP %s not built" % (len(labtest.results) + 1, ASAN))
            labtest.results.append((True, "skip", ""))

    # 4. a migration stuck on the network
    for name in ("m1", "m2"):
        rc, o, e = lab("guest", "1", name, "60", "256")
        if rc != 0:
            check(False, "guest %s started" % name, e[-500:])
            raise SystemExit
        sh(["virsh", "-c", U1, "migrate-setspeed", name, "1"], timeout=20)   # 1 MiB/s
    r = Run(VMBAL, cfg2, env=dict(os.environ, VMBAL_LEASE_DIR=LEASE))
    runs.append(r)
    st = migs = None
    end = time.monotonic() + 60
    while st is None and time.monotonic() < end and r.p.poll() is None:
        with r.lock:
            migs = [e for _, e in r.events if e["event"] == "migration"]
        st = next((e for e in migs if e["status"] == "started"), None)
        time.sleep(0.05)
    if st is not None:
        rc, o, e = sh(["ip", "netns", "exec", H2_NS, "iptables-legacy", "-I", "INPUT",
                       "-j", "DROP"])
        time.sleep(1.0)
    with r.lock:
        migs = [e for _, e in r.events if e["event"] == "migration"]
    check(st is not None and rc == 0 and [m["status"] for m in migs] == ["started"],
          "auto: a migration h1 -> h2 in flight, h2's packets dropped",
          json.dumps(migs) + r.err[-400:])
    exited, secs = stop_within(r.p, SHUTDOWN_BOUND_S)
    out("# migration stuck on the network: SIGTERM to exit %.2f s%s" %
        (secs, "" if exited else " (still running)"))
    if not exited:
        r.p.kill()
        r.p.wait()
    check(exited and secs < SHUTDOWN_BOUND_S and r.p.returncode == 0,
          "SIGTERM with a migration stuck on the network: exit 0 within %.0f s (%.2f s)"
          % (SHUTDOWN_BOUND_S, secs), r.err[-1500:])
    sh(["ip", "netns", "exec", H2_NS, "iptables-legacy", "-D", "INPUT", "-j", "DROP"])
    rc, o, e = sh(["virsh", "-q", "-c", U1, "domstate", st["vm"] if st else "m1"], timeout=30)
    check(rc == 0 and o.strip() == "running",
          "the migration left behind is cancelled: %s runs on h1" % (st["vm"] if st else "m1"),
          o + e)


labtest.tap(15, body, cleanup)
sys.exit(0 if all(ok for ok, _, _ in labtest.results) else 1)
