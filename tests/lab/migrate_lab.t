#!/usr/bin/env python3
# migrate_lab.t - vmbal in auto mode migrating a real guest between two
# lab libvirtd hosts (tests/lab/lab.sh): started and done events, the guest
# verified on its new host; then a migration whose destination libvirtd is
# killed midway: failed, with libvirt's words, and the guest still running
# on its source. Prints TAP. Needs root; skips with the reason otherwise.
import fcntl, json, os, shutil, signal, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(HERE, "lab.sh")
DIR = "/tmp/vmbal-lab-migrate"
VMBAL = os.path.join(ROOT, "vmbal")
ASAN = os.path.join(ROOT, "build", "asan", "vmbal")
U1 = "qemu+tcp://198.18.10.11/system"
U2 = "qemu+tcp://198.18.10.12/system"
results = []


def out(s):
    sys.stdout.write(s + "\n")
    sys.stdout.flush()


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))
    out("%s %d - %s" % ("ok" if ok else "not ok", len(results), name))
    if not ok and diag:
        for l in str(diag).splitlines()[:12]:
            out("#   " + l)


if os.geteuid() != 0:
    out("1..0 # SKIP needs root")
    sys.exit(0)
missing = [t for t in ("libvirtd", "virsh", "qemu-system-x86_64", "as", "ld", "ip")
           if shutil.which(t) is None]
if missing or not os.path.exists(VMBAL):
    out("1..0 # SKIP missing: " + " ".join(missing or ["./vmbal"]))
    sys.exit(0)
lockf = open("/run/lock/vmbal-lab-tests.lock", "a")
fcntl.flock(lockf, fcntl.LOCK_EX)     # one lab test at a time

ENV = dict(os.environ, VMBAL_LAB_DIR=DIR)


def sh(args, timeout=90):
    try:
        p = subprocess.run(args, capture_output=True, text=True, env=ENV,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out"


def lab(*args):
    return sh(["bash", LAB, *args])


class Run:
    """vmbal --headless in the background, its events collected as they come."""

    def __init__(self, binary, cfg, *extra, env=None):
        self.events, self.lock = [], threading.Lock()
        self.p = subprocess.Popen([binary, "--headless", "-c", cfg, *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
        self.err = ""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.events.append((time.monotonic(), ev))

    def _read_err(self):
        self.err = self.p.stderr.read()

    def samples(self, after=0.0):
        with self.lock:
            return [(t, e) for t, e in self.events if e["event"] == "sample" and t >= after]

    def wait(self, pred, secs, after=0.0):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            for t, e in self.samples(after):
                if pred(e):
                    return t, e
            time.sleep(0.05)
        return None, None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        time.sleep(0.1)
        return self.p.returncode


def host(e, name):
    return next((h for h in e["hosts"] if h["name"] == name), None)


def vm(e, name):
    return next((v for v in e["vms"] if v["name"] == name), None)


cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://198.18.10.11"}
  - {name: h2, uri: "%s", migration_uri: "tcp://198.18.10.12"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 2, window: 3,
         threshold_pct: 10, hold_s: 2, min_gain_pct: 1, vm_cooldown_s: 600}
""" % (U1, U2))
cfg.close()
runs = []


def cleanup(*_):
    for r in runs:
        r.stop()
    lab("down", DIR)
    os.unlink(cfg.name) if os.path.exists(cfg.name) else None


def migrations(r):
    with r.lock:
        return [e for _, e in r.events if e["event"] == "migration"]


def wait_migration(r, status, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        m = [e for e in migrations(r) if e["status"] == status]
        if m:
            return m[0]
        time.sleep(0.1)
    return None


STATES = {}


def where(name):
    on = []
    for k, uri in ((1, U1), (2, U2)):
        rc, o, e = sh(["virsh", "-q", "-c", uri, "domstate", "--reason", name], timeout=20)
        STATES["h%d" % k] = (o + e).strip()
        if rc == 0 and o.strip().startswith("running"):
            on.append("h%d" % k)
    return on


for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, lambda *a: (cleanup(), sys.exit(1)))

out("1..8")
try:
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
    moved = st["vm"] if st else "m1"
    check(where(moved) == ["h2"], "%s runs on h2 and no longer on h1" % moved, repr(where(moved)))
    time.sleep(6)
    check(len([e for e in migrations(r) if e["status"] == "started"]) == 1,
          "one move only: balanced afterwards, nothing moves back")
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
except SystemExit:
    pass
finally:
    cleanup()
while len(results) < 8:
    check(False, "not reached")
