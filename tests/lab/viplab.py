"""viplab.py - a VIP in front of three backends, in network namespaces:
a client (five source addresses), a balancer holding the VIP
(ip_forward=1, legacy iptables) and three HTTP backends whose answer is
their own name. Shared by dnat_lab.t (the DNAT programmer alone) and vip_lab.t
(vmbal itself). setup() and teardown() build and remove it all."""
import json, os, shutil, signal, subprocess, sys, tempfile, time

from labtest import out, check, results, ROOT, run, nsx, must, lab_lock, stop_lab  # noqa: F401

TOOL = os.path.join(ROOT, "build", "lab", "dnat_tool")
# A test that must not share names or nets with the others sets, before
# importing this: VIPLAB_NS, the namespaces' prefix (vmbal-dnat), and
# VIPLAB_NET, the third octet of the client net 198.18.N.0/24 (20); the
# backends' nets are 198.18.N+k.0/24.
NSP = os.environ.get("VIPLAB_NS", "vmbal-dnat")
NET = int(os.environ.get("VIPLAB_NET", "20"))
CLI, LB = NSP + "-cli", NSP + "-lb"
BS = ["%s-b%d" % (NSP, k) for k in (1, 2, 3)]
NSS = [CLI, LB] + BS
VIP, PORT, BPORT = "198.18.%d.100" % NET, 80, 8080
VIP2 = "198.18.%d.101" % NET      # a second configuration's VIP (add it to LB)
BADDR = ["198.18.%d.2" % (NET + k) for k in (1, 2, 3)]
SRCS = ["198.18.%d.%d" % (NET, i) for i in range(2, 7)]   # client addresses
TAG = "lab1"        # the configuration dnat_tool programs (VMBAL-lab1-...)


def chain(name, tag=TAG):
    """A chain's full name: chain("SERVICES") is VMBAL-lab1-SERVICES."""
    return "VMBAL-%s-%s" % (tag, name)

def start(need):
    """Skip unless root and the tools (and the files in need) are there;
    then take the lab lock and install the signal handlers."""
    if os.geteuid() != 0:
        out("1..0 # SKIP needs root")
        sys.exit(0)
    missing = [t for t in ("ip", "iptables-legacy", "iptables-legacy-save")
               if shutil.which(t) is None]
    missing += [os.path.relpath(f, ROOT) for f in need if not os.path.exists(f)]
    if missing:
        out("1..0 # SKIP missing: " + " ".join(missing))
        sys.exit(0)
    lab_lock()     # one lab test at a time
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

procs, tmpfiles = [], []

SERVER = r"""
import socket, sys, threading, time
name = sys.argv[1].encode()
# optional log: one line per connection, "ACCEPT_WALL CLIENT_T0 PEER", where
# CLIENT_T0 is the t= of the request path (the client's wall clock when it
# began to connect), "-" when none; a log "-" is none
log = open(sys.argv[2], "a", buffering=1) if len(sys.argv) > 2 and sys.argv[2] != "-" else None
# optional delay file: while it holds a number, every answer waits that many
# seconds (the backend slowed from its own side: no netem here)
delayf = sys.argv[3] if len(sys.argv) > 3 else None

def delay():
    try:
        with open(delayf) as f:
            return float(f.read().strip() or 0)
    except (OSError, ValueError, TypeError):
        return 0.0
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
            d = delay() if delayf else 0
            if d > 0:
                time.sleep(d)
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


def teardown():
    stop_lab(procs, NSS)
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
    BS = ["%s-b%d" % (NSP, k) for k in range(1, n + 1)]
    BADDR = ["198.18.%d.2" % (NET + k) for k in range(1, n + 1)]
    NSS = [CLI, LB] + BS


def setup(logdir=None, delaydir=None):
    """Builds it all; with logdir, backend k logs its connections to
    logdir/bK.log (see SERVER); with delaydir, it delays every answer by
    the seconds written in delaydir/bK.delay (slow(k, secs))."""
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
                                            if logdir else ["-"] if delaydir else [])
                             + ([os.path.join(delaydir, "b%d.delay" % k)] if delaydir else []),
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


def vmbal_headless(cfg_path):
    """vmbal --headless -c cfg_path in the balancer, its events collected
    into events as they come (reader); the Popen, which teardown stops."""
    p = subprocess.Popen(["ip", "netns", "exec", LB, os.path.join(ROOT, "vmbal"),
                          "--headless", "-c", cfg_path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(p)
    __import__("threading").Thread(target=reader, args=(p,), daemon=True).start()
    return p


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


def sample_services_errors(e):
    """What a sample's services list (issue 15) has that the contract
    does not allow: per service name and backends, per backend "addr:port",
    state up|down|unknown, a whole weight >= 0, latency_ms and connections
    numbers >= 0 or null."""
    errs = []

    def num(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool)
    svcs = e.get("services")
    if not isinstance(svcs, list):
        return ["sample without services: %s" % json.dumps(e)[:200]]
    for s in svcs:
        if not isinstance(s.get("name"), str) or not isinstance(s.get("backends"), list):
            errs.append("sample service: %s" % json.dumps(s)[:200])
            continue
        for b in s["backends"]:
            ok = (isinstance(b.get("backend"), str) and ":" in b["backend"] and
                  b.get("state") in ("up", "down", "unknown") and
                  isinstance(b.get("weight"), int) and not isinstance(b.get("weight"), bool)
                  and b["weight"] >= 0 and
                  all(f in b and (b[f] is None or (num(b[f]) and b[f] >= 0))
                      for f in ("latency_ms", "connections")))
            if not ok:
                errs.append("sample backend: %s" % json.dumps(b)[:200])
    return errs
