"""labtest.py - what the lab's TAP tests share: the skip checks, a lock
so one lab test runs at a time, the lab.sh and shell wrappers, and Run:
vmbal --headless in the background with its events collected as they
come. Import after setting DIR: `labtest.start(DIR)`."""
import fcntl, json, os, shutil, signal, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(HERE, "lab.sh")
VMBAL = os.path.join(ROOT, "vmbal")
ASAN = os.path.join(ROOT, "build", "asan", "vmbal")
# the lab's addresses, as lab.sh takes them (VMBAL_LAB_NET, default 198.18.10)
NET = os.environ.get("VMBAL_LAB_NET", "198.18.10")
A1, A2 = NET + ".11", NET + ".12"
U1 = "qemu+tcp://%s/system" % A1
U2 = "qemu+tcp://%s/system" % A2
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


ENV = dict(os.environ)
_lock = None


def start(lab_dir):
    """Skip unless the lab can run; then take the lab lock and use lab_dir."""
    global _lock
    if os.geteuid() != 0:
        out("1..0 # SKIP needs root")
        sys.exit(0)
    missing = [t for t in ("libvirtd", "virsh", "qemu-system-x86_64", "as", "ld", "ip")
               if shutil.which(t) is None]
    if missing or not os.path.exists(VMBAL):
        out("1..0 # SKIP missing: " + " ".join(missing or ["./vmbal"]))
        sys.exit(0)
    lab_lock()
    ENV["VMBAL_LAB_DIR"] = lab_dir


def lab_lock():
    """Takes the lab lock for the rest of the process: one lab test at a
    time on this machine, whichever lab it builds."""
    global _lock
    if _lock is None:
        # one per lab prefix: the labs of one prefix share its names
        # and addresses; one of its own (VMBAL_LAB_PREFIX, VMBAL_LAB_NET,
        # private sockets and directories) may run beside them
        prefix = os.environ.get("VMBAL_LAB_PREFIX", "vmbal-lab")
        name = "vmbal-lab-tests" if prefix == "vmbal-lab" else "vmbal-lab-tests-" + prefix
        _lock = open("/run/lock/%s.lock" % name, "a")
        fcntl.flock(_lock, fcntl.LOCK_EX)


def run(args, timeout=60, inp=None):
    """Runs args (no shell): (returncode, stdout, stderr), 124 when it
    took longer than timeout seconds; inp, when given, is its stdin."""
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                           input=inp, stdin=None if inp is not None else subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out"


def nsx(ns, *args, **kw):
    """run() inside network namespace ns."""
    return run(["ip", "netns", "exec", ns, *args], **kw)


def stop_lab(procs, nss):
    """Kills what a lab started (procs, emptied) and deletes its network
    namespaces (nss); what is gone already is no error."""
    for p in procs:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    del procs[:]
    for ns in nss:
        run(["ip", "netns", "del", ns])


def must(ns, *args, **kw):
    """nsx() (run() when ns is None) that raises on failure; its stdout."""
    rc, o, e = nsx(ns, *args, **kw) if ns else run(list(args), **kw)
    if rc != 0:
        raise RuntimeError("%s %s: %s" % (ns, " ".join(args), e.strip()))
    return o


def tap(planned, body, cleanup):
    """Runs body() as a TAP test of `planned` checks: a step that raises
    is a failed check, cleanup() runs however it ends (a signal too), and
    the checks not reached fail."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *a: (cleanup(), sys.exit(1)))
    out("1..%d" % planned)
    try:
        body()
    except SystemExit:
        pass
    except Exception as ex:     # report, then clean up
        check(False, "unexpected: %r" % ex)
    finally:
        cleanup()
    while len(results) < planned:
        check(False, "not reached")


def sh(args, timeout=90):
    try:
        p = subprocess.run(args, capture_output=True, text=True, env=ENV,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out"


def lab(*args):
    return sh(["bash", LAB, *args])


def where(name, uris=None):
    """The lab hosts (h1, h2 by default) where domain name is running."""
    on = []
    for k, uri in uris or ((1, U1), (2, U2)):
        rc, o, e = sh(["virsh", "-q", "-c", uri, "domstate", name], timeout=20)
        if rc == 0 and o.strip().startswith("running"):
            on.append("h%d" % k)
    return on


def migrations(r, timed=False):
    """The migration events run r has printed so far (with timed, as
    (monotonic time, event) pairs)."""
    with r.lock:
        return [(t, e) if timed else e for t, e in r.events if e["event"] == "migration"]


def wait_migration(r, status, secs, timed=False):
    """The first migration event of r with that status (with timed, its
    (monotonic time, event), else (None, None)), waited for up to secs
    (less when vmbal exited: its last lines read, it says no more)."""
    end, gone = time.monotonic() + secs, None
    while True:
        m = [x for x in migrations(r, True) if x[1]["status"] == status]
        if m:
            return m[0] if timed else m[0][1]
        now = time.monotonic()
        if now >= end or (gone is not None and now >= gone):
            return (None, None) if timed else None
        if gone is None and r.p.poll() is not None:
            gone = now + 0.5
        time.sleep(0.05)


def filled_guest(lab_dir, k, name, mem_mib, fill):
    """A guest of mem_mib MiB on lab host k (lab.sh's 30% burner) whose
    memory holds the random bytes of file fill from 16 MiB up: what a
    migration must really copy. None, or the error."""
    uri = U1 if k == 1 else U2
    rc, o, e = lab("guest", str(k), name + "-tmpl", "30", "32")     # builds the image
    if rc != 0:
        return e
    sh(["virsh", "-c", uri, "destroy", name + "-tmpl"], timeout=20)
    with open(os.path.join(lab_dir, "guests", name + "-tmpl.xml")) as f:
        xml = f.read()
    xml = xml.replace("<domain type='qemu'>",
                      "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
    xml = xml.replace("<name>%s-tmpl</name>" % name, "<name>%s</name>" % name)
    xml = xml.replace("<memory unit='MiB'>32</memory>",
                      "<memory unit='MiB'>%d</memory>" % mem_mib)
    xml = xml.replace("</domain>", "  <qemu:commandline>\n"
                      "    <qemu:arg value='-device'/>\n"
                      "    <qemu:arg value='loader,file=%s,addr=0x1000000,force-raw=on'/>\n"
                      "  </qemu:commandline>\n</domain>" % fill)
    path = os.path.join(lab_dir, "guests", name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    rc, o, e = sh(["virsh", "-c", uri, "create", path], timeout=30)
    return None if rc == 0 else e


class Run:
    """vmbal --headless in the background, its events collected as they come
    (events: (monotonic time, event); walls: the wall-clock time each came,
    same order). prefix: run it under e.g. ["ip", "netns", "exec", NS]
    (which execs, so p.pid is vmbal's)."""

    def __init__(self, binary, cfg, *extra, env=None, prefix=()):
        self.events, self.walls, self.lock = [], [], threading.Lock()
        self.p = subprocess.Popen([*prefix, binary, "--headless", "-c", cfg, *extra],
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
                self.walls.append(time.time())

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


