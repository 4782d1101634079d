"""viplab.py - a VIP in front of three backends, in network namespaces:
a client (five source addresses), a balancer holding the VIP
(ip_forward=1, legacy iptables) and three HTTP backends whose answer is
their own name. Shared by dnat_lab.t (the DNAT programmer alone) and vip_lab.t
(vmbal itself). setup() and teardown() build and remove it all."""
import fcntl, json, os, shutil, signal, subprocess, sys, tempfile, time

from labtest import out, check, results, ROOT  # noqa: F401

TOOL = os.path.join(ROOT, "build", "lab", "dnat_tool")
# Another lab may take its own namespaces and nets: VIPLAB_PREFIX names
# them (PREFIX-cli, -lb, -b1...), VIPLAB_NET is the client net's third
# octet (198.18.NET.0/24; backend k on NET+k). Set before importing.
PFX = os.environ.get("VIPLAB_PREFIX", "vmbal-dnat")
NET = int(os.environ.get("VIPLAB_NET", "20"))
CLI, LB = PFX + "-cli", PFX + "-lb"
BS = ["%s-b%d" % (PFX, k) for k in (1, 2, 3)]
NSS = [CLI, LB] + BS
VIP, PORT, BPORT = "198.18.%d.100" % NET, 80, 8080
VIP2 = "198.18.%d.101" % NET    # a second configuration's VIP (add it to LB)
BADDR = ["198.18.%d.2" % (NET + k) for k in (1, 2, 3)]
SRCS = ["198.18.%d.%d" % (NET, i) for i in range(2, 7)]   # client addresses
TAG = "lab1"        # the configuration dnat_tool programs (VMBAL-lab1-...)


def chain(name, tag=TAG):
    """A chain's full name: chain("SERVICES") is VMBAL-lab1-SERVICES."""
    return "VMBAL-%s-%s" % (tag, name)

_lock = None


def start(need):
    """Skip unless root and the tools (and the files in need) are there;
    then take the lab lock and install the signal handlers."""
    global _lock
    if os.geteuid() != 0:
        out("1..0 # SKIP needs root")
        sys.exit(0)
    missing = [t for t in ("ip", "iptables-legacy", "iptables-legacy-save")
               if shutil.which(t) is None]
    missing += [os.path.relpath(f, ROOT) for f in need if not os.path.exists(f)]
    if missing:
        out("1..0 # SKIP missing: " + " ".join(missing))
        sys.exit(0)
    _lock = open("/run/lock/vmbal-lab-tests.lock", "a")
    fcntl.flock(_lock, fcntl.LOCK_EX)     # one lab test at a time
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

procs, tmpfiles = [], []

SERVER = r"""
import socket, sys, threading, time
name = sys.argv[1].encode()
# optional log: one line per connection, "ACCEPT_WALL CLIENT_T0 PEER", where
# CLIENT_T0 is the t= of the request path (the client's wall clock when it
# began to connect), "-" when none
log = open(sys.argv[2], "a", buffering=1) if len(sys.argv) > 2 else None
loglock = threading.Lock()
body = name + b"\n"
resp = (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %%d\r\n"
        b"Connection: close\r\n\r\n" %% len(body)) + body
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", %d))
s.listen(1024)

def serve(c, at, peer):
    try:
        c.settimeout(5)
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 8192:
            d = c.recv(1024)
            if not d:
                break
            req += d
        if log is not None:
            path = req.split(b" ", 2)[1] if req.startswith(b"GET ") else b""
            t0 = path.partition(b"t=")[2].split(b"&")[0].decode() or "-"
            with loglock:
                log.write("%%.6f %%s %%s\n" %% (at, t0, peer[0]))
        if req.startswith(b"GET "):
            c.sendall(resp)
    except OSError:
        pass
    c.close()

while True:
    c, peer = s.accept()
    threading.Thread(target=serve, args=(c, time.time(), peer), daemon=True).start()
""" % BPORT

CLIENT = r"""
import json, socket, sys
vip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
srcs = sys.argv[4].split(",")
res = {}
for i in range(n):
    src = srcs[i % len(srcs)]
    r = res.setdefault(src, {})
    try:
        s = socket.socket()
        s.settimeout(3)
        s.bind((src, 0))
        s.connect((vip, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        data = b""
        while True:
            d = s.recv(64)
            if not d:
                break
            data += d
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        k = (body.decode().strip() if head.startswith(b"HTTP/1.0 200") else "") or "empty"
    except OSError as e:
        k = "fail"
    r[k] = r.get(k, 0) + 1
print(json.dumps(res))
"""


def run(args, timeout=60, inp=None):
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                           input=inp, stdin=None if inp is not None else subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out"


def nsx(ns, *args, **kw):
    return run(["ip", "netns", "exec", ns, *args], **kw)


def must(ns, *args):
    rc, o, e = nsx(ns, *args) if ns else run(list(args))
    if rc != 0:
        raise RuntimeError("%s %s: %s" % (ns, " ".join(args), e.strip()))
    return o


def teardown():
    for p in procs:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    del procs[:]
    for ns in NSS:
        run(["ip", "netns", "del", ns])
    for f in tmpfiles:
        if os.path.exists(f):
            os.unlink(f)


def on_signal(*_):
    teardown()
    sys.exit(1)




def use_backends(n):
    """n backends (default 3): namespaces vmbal-dnat-b1..bn, addresses
    198.18.(20+k).2. Call before setup(); importers read viplab.BS etc."""
    global BS, BADDR, NSS
    BS = ["%s-b%d" % (PFX, k) for k in range(1, n + 1)]
    BADDR = ["198.18.%d.2" % (NET + k) for k in range(1, n + 1)]
    NSS = [CLI, LB] + BS


def setup(logdir=None):
    """Builds it all; with logdir, backend k logs its connections to
    logdir/bK.log (see SERVER)."""
    teardown()
    for ns in NSS:
        must(None, "ip", "netns", "add", ns)
        must(ns, "ip", "link", "set", "lo", "up")
    must(None, "ip", "link", "add", "vdnc0", "netns", CLI, "type", "veth",
         "peer", "name", "vdnl0", "netns", LB)
    for ns, a in ((CLI, SRCS[0] + "/24"), (LB, "198.18.%d.1/24" % NET)):
        must(ns, "ip", "addr", "add", a, "dev", "vdnc0" if ns == CLI else "vdnl0")
    for src in SRCS[1:]:
        must(CLI, "ip", "addr", "add", src + "/24", "dev", "vdnc0")
    must(LB, "ip", "addr", "add", VIP + "/32", "dev", "vdnl0")
    must(CLI, "ip", "link", "set", "vdnc0", "up")
    must(LB, "ip", "link", "set", "vdnl0", "up")
    must(CLI, "ip", "route", "add", "default", "via", "198.18.%d.1" % NET)
    for k, (ns, addr) in enumerate(zip(BS, BADDR), 1):
        net = addr.rsplit(".", 1)[0]
        must(None, "ip", "link", "add", "vdnb%d" % k, "netns", ns, "type", "veth",
             "peer", "name", "vdnl%d" % k, "netns", LB)
        must(ns, "ip", "addr", "add", addr + "/24", "dev", "vdnb%d" % k)
        must(LB, "ip", "addr", "add", net + ".1/24", "dev", "vdnl%d" % k)
        must(ns, "ip", "link", "set", "vdnb%d" % k, "up")
        must(LB, "ip", "link", "set", "vdnl%d" % k, "up")
        must(ns, "ip", "route", "add", "default", "via", net + ".1")
        p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", SERVER,
                              "b%d" % k] + ([os.path.join(logdir, "b%d.log" % k)]
                                            if logdir else []),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(p)
    must(LB, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    # wait for the servers
    for addr in BADDR:
        for _ in range(50):
            rc, o, _e = nsx(LB, sys.executable, "-c",
                            "import socket; socket.create_connection(('%s', %d), 1).close()" % (addr, BPORT))
            if rc == 0:
                break
            time.sleep(0.1)


def state(algo, weights=(1, 1, 1), up=(True, True, True), persist=0, snat=0,
          addrs=BADDR):
    lines = ["service web %s %d tcp %s %d %d" % (VIP, PORT, algo, persist, snat)]
    for a, w, u in zip(addrs, weights, up):
        lines.append("backend %s %d %d %s" % (a, BPORT, w, "up" if u else "down"))
    return "\n".join(lines) + "\n"


def apply(st, tag=TAG):
    rc, o, e = nsx(LB, TOOL, "-t", tag, "apply", "-", inp=st)
    return rc, o.strip(), e.strip()


def flush(tag=TAG):
    rc, o, e = nsx(LB, TOOL, "-t", tag, "flush")
    return rc, o.strip(), e.strip()


def save():
    rc, o, e = nsx(LB, "iptables-legacy-save", "-t", "nat")
    return "\n".join(l for l in o.splitlines() if not l.startswith("#"))


def nocount(text):
    """The ruleset without the chains' packet counters."""
    return "\n".join(l.split(" [")[0] if l.startswith(":") else l
                     for l in text.splitlines())


def foreign(text):
    keep = []
    for l in text.splitlines():
        if "VMBAL-" in l:
            continue
        if l.startswith(":"):
            l = l.split(" [")[0]    # packet counters change with traffic
        keep.append(l)
    return "\n".join(keep)


def client_start(n, srcs=SRCS[:1], vip=VIP):
    return subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c", CLIENT,
                             vip, str(PORT), str(n), ",".join(srcs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def client_wait(p, timeout=300):
    try:
        o, e = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        o, e = p.communicate()
    try:
        return json.loads(o)
    except ValueError:
        out("# client: " + (e or o)[-300:].replace("\n", "\n# "))
        return {"error": {"fail": -1}}


def traffic(n, srcs=SRCS[:1], vip=VIP):
    """n connections (round-robin over srcs): {src: {backend: count}}."""
    return client_wait(client_start(n, srcs, vip))


def tagged(text, tag=TAG):
    """One configuration's part of the table: its chains, rules and jumps,
    without counters."""
    return "\n".join(l.split(" [")[0] for l in text.splitlines()
                     if "VMBAL-%s-" % tag in l)


def total(res):
    t = {}
    for per in res.values():
        for k, v in per.items():
            t[k] = t.get(k, 0) + v
    return t


# --- vmbal in the balancer: its events, as they come -------------------

events, events_lock = [], __import__("threading").Lock()


def reader(p):
    """Collects vmbal's JSON lines from p's stdout into events."""
    for line in p.stdout:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        with events_lock:
            events.append((time.monotonic(), ev))


def wait_event(pred, secs, after=0.0):
    """The first (time, event) at or after `after` that pred accepts."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        with events_lock:
            for t, e in events:
                if t >= after and pred(e):
                    return t, e
        time.sleep(0.02)
    return None, None


def weights(e):
    return {b["backend"]: b["weight"] for b in e["backends"]}
