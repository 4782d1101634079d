"""halab.py - the director pair of docs/ha.md in network namespaces, for
ha_lab.t: two directors (vbha-d1, vbha-d2) each running keepalived and
conntrackd with the configuration text extracted from docs/ha.md, a
switch namespace (vbha-sw) holding the three LANs as bridges (client,
backend, sync), a client namespace and three HTTP backends whose default
gateway is the floating backend-side address.

Each director's daemons run in a mount namespace of its own (a holder
process, `sleep`, keeps it) where /run is a fresh tmpfs and /etc/keepalived
and /etc/conntrackd are the director's directories: the documented paths
(/var/run/conntrackd.ctl, /var/lock/conntrack.lock, /etc/conntrackd/...)
stay as written and the two directors do not share them.

A director "dies" by SIGKILL of its processes and its three switch ports
going down (a machine losing power); "the link is cut" by taking d2's sync
port off the sync bridge (both carriers stay up, no frame passes)."""
import os, re, shutil, signal, socket, subprocess, sys, threading, time

from labtest import out, ROOT, run, nsx, must  # noqa: F401

DOC = os.path.join(ROOT, "docs", "ha.md")
PFX = "vbha"
SW, CLI = PFX + "-sw", PFX + "-cli"
DS = [PFX + "-d1", PFX + "-d2"]
BS = [PFX + "-b1", PFX + "-b2", PFX + "-b3"]
NSS = [SW, CLI] + DS + BS
VIP, GW, PORT, BPORT = "198.18.171.100", "198.18.172.1", 80, 8080
CADDR = "198.18.171.10"
DC = ["198.18.171.2", "198.18.171.3"]          # directors, client LAN
DB = ["198.18.172.2", "198.18.172.3"]          # directors, backend LAN
DSY = ["198.18.173.1", "198.18.173.2"]         # directors, sync link
BADDR = ["198.18.172.11", "198.18.172.12", "198.18.172.13"]
IF_C, IF_B, IF_S, IF_M = PFX + "c", PFX + "b", PFX + "s", PFX + "m"
BR = {"c": PFX + "brc", "b": PFX + "brb", "s": PFX + "brs"}
MGMT = ["198.18.170.201", "198.18.170.202"]   # directors, on lab.sh's bridge
PRIO = [150, 100]
TMP = "/tmp/vbha-ha"
TAG = "vbha"


def port(k, lan):
    """Director k's (0, 1) port on the switch for lan c, b or s."""
    return "%s-d%d%s" % (PFX, k + 1, lan)


# --- the documented text ----------------------------------------------

def doc_blocks(path=DOC):
    """{file name: text} of docs/ha.md's fenced blocks whose info string
    names a file (```conf keepalived.conf)."""
    blocks, name, buf = {}, None, None
    for line in open(path):
        m = re.match(r"^```(\S+)\s+(\S+)\s*$", line)
        if buf is None and m:
            name, buf = m.group(2), []
        elif buf is not None and line.startswith("```"):
            blocks[name] = "".join(buf)
            name, buf = None, None
        elif buf is not None:
            buf.append(line)
    return blocks


def values(k):
    """Director k's placeholder values (docs/ha.md's table, d1 / d2)."""
    return {"VIP": VIP, "GATEWAY": GW, "CLIENT_IF": IF_C, "BACKEND_IF": IF_B,
            "SYNC_IF": IF_S, "SYNC_ADDR": DSY[k], "PEER_SYNC_ADDR": DSY[1 - k],
            "PRIORITY": str(PRIO[k]), "NAME": "d%d" % (k + 1)}


def fill(text, vals):
    """text with its @NAME@ placeholders replaced; an unknown one is an
    error (the doc and the test disagree)."""
    def sub(m):
        if m.group(1) not in vals:
            raise RuntimeError("docs/ha.md: unknown placeholder @%s@" % m.group(1))
        return vals[m.group(1)]
    return re.sub(r"@([A-Z_]+)@", sub, text)


# --- processes ----------------------------------------------------------

procs = []          # everything started, killed at teardown (by PID/group)
holders = [None, None]
daemons = [{}, {}]  # director k: {"keepalived": Popen, "conntrackd": Popen}


def spawn(args, log=None, group=False):
    f = open(log, "a") if log else subprocess.DEVNULL
    p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT if log else f,
                         stdin=subprocess.DEVNULL, start_new_session=group)
    procs.append(p)
    return p


def dx(k):
    """The prefix that runs a command in director k's namespaces."""
    return ["nsenter", "-t", str(holders[k].pid), "-m", "-n", "--"]


def kill(p, sig=signal.SIGKILL, group=False):
    if p is None or p.poll() is not None:
        return
    try:
        if group:
            os.killpg(p.pid, sig)
        else:
            p.send_signal(sig)
    except ProcessLookupError:
        pass


def teardown():
    for p in procs:
        kill(p, group=True)
        kill(p)
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    del procs[:]
    for ns in NSS:
        if os.path.exists("/run/netns/" + ns):
            # whatever a notify hook left behind, by namespace
            rc, o, e = run(["ip", "netns", "pids", ns])
            for pid in o.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns])
    for k in (0, 1):
        run(["ip", "link", "del", port(k, "m")])   # if its namespace went first
    shutil.rmtree(TMP, ignore_errors=True)


# --- the network ----------------------------------------------------------

SERVER = r"""
import socket, sys, threading
name = sys.argv[1].encode()
body = name + b"\n"
resp = (b"HTTP/1.0 200 OK\r\nContent-Length: %%d\r\nConnection: close\r\n\r\n"
        %% len(body)) + body
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", %d))
s.listen(1024)

def serve(c):
    # GET /hold: a long-lived connection, every byte echoed back until EOF
    try:
        c.settimeout(600)
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 8192:
            d = c.recv(1024)
            if not d:
                break
            req += d
        if req.startswith(b"GET /hold"):
            c.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + name + b"\n")
            while True:
                d = c.recv(64)
                if not d:
                    break
                c.sendall(d)
        elif req.startswith(b"GET "):
            c.sendall(resp)
    except OSError:
        pass
    c.close()

while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
""" % BPORT


def veth(a, ns_a, b, ns_b):
    must(None, "ip", "link", "add", a, "netns", ns_a, "type", "veth",
         "peer", "name", b, "netns", ns_b)


def plug(ns, dev, br_lan, port_name, addrs):
    """ns's dev on the switch's bridge for lan, with addrs."""
    veth(dev, ns, port_name, SW)
    must(SW, "ip", "link", "set", port_name, "master", BR[br_lan], "up")
    for a in addrs:
        must(ns, "ip", "addr", "add", a, "dev", dev)
    must(ns, "ip", "link", "set", dev, "up")


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def setup(blocks, mgmt=None):
    """The namespaces, the LANs, the backends, and each director's files
    (from the doc's blocks) and mount namespace. Daemons not started.
    With mgmt (a bridge of the machine: lab.sh's), each director also gets
    a leg there, MGMT[k]/24, to reach the libvirt hosts. A director's
    /run/vbha is TMP/dK/var (its vmbal's journal and lease directory)."""
    teardown()
    os.makedirs(TMP)
    for ns in NSS:
        must(None, "ip", "netns", "add", ns)
        must(ns, "ip", "link", "set", "lo", "up")
    for br in BR.values():
        must(SW, "ip", "link", "add", br, "type", "bridge", "forward_delay", "0")
        must(SW, "ip", "link", "set", br, "up")
    plug(CLI, IF_C, "c", PFX + "-cl", [CADDR + "/24"])
    for k, d in enumerate(DS):
        plug(d, IF_C, "c", port(k, "c"), [DC[k] + "/24"])
        plug(d, IF_B, "b", port(k, "b"), [DB[k] + "/24"])
        plug(d, IF_S, "s", port(k, "s"), [DSY[k] + "/24"])
        must(d, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    for k, d in enumerate(DS if mgmt else []):
        must(None, "ip", "link", "add", IF_M, "netns", d, "type", "veth",
             "peer", "name", port(k, "m"))
        must(None, "ip", "link", "set", port(k, "m"), "master", mgmt, "up")
        must(d, "ip", "addr", "add", MGMT[k] + "/24", "dev", IF_M)
        must(d, "ip", "link", "set", IF_M, "up")
    for k, (b, a) in enumerate(zip(BS, BADDR), 1):
        plug(b, IF_B, "b", "%s-b%d" % (PFX, k), [a + "/24"])
        must(b, "ip", "route", "add", "default", "via", GW)
        spawn(["ip", "netns", "exec", b, sys.executable, "-c", SERVER, "b%d" % k])
    for k, d in enumerate(DS):
        base = os.path.join(TMP, "d%d" % (k + 1))
        vals = values(k)
        write(os.path.join(base, "keepalived", "keepalived.conf"),
              fill(blocks["keepalived.conf"], vals))
        write(os.path.join(base, "conntrackd", "conntrackd.conf"),
              fill(blocks["conntrackd.conf"], vals))
        write(os.path.join(base, "conntrackd", "notify.sh"),
              fill(blocks["notify.sh"], vals), 0o755)
        os.makedirs(os.path.join(base, "var", "lease"))
        os.makedirs("/etc/keepalived", exist_ok=True)
        os.makedirs("/etc/conntrackd", exist_ok=True)
        boot(k)
    wait_backends()


def boot(k):
    """Director k's mount namespace, as after a boot: a fresh /run (tmpfs),
    the director's /etc/keepalived and /etc/conntrackd, and its /run/vbha
    (TMP/dK/var, which persists like a disk)."""
    old = holders[k]
    base = os.path.join(TMP, "d%d" % (k + 1))
    mounts = ("mount -t tmpfs vbha-run /run && mkdir -p /run/lock /run/vbha && "
              "mount --bind {b}/var /run/vbha && "
              "mount --bind {b}/keepalived /etc/keepalived && "
              "mount --bind {b}/conntrackd /etc/conntrackd && "
              "exec sleep 100000").format(b=base)
    holders[k] = spawn(["ip", "netns", "exec", DS[k], "unshare", "-m",
                        "--propagation", "private", "sh", "-c", mounts])
    kill(old)
    want = open(os.path.join(base, "conntrackd", "notify.sh")).read()
    for _ in range(100):    # ready once its /etc/conntrackd is the director's
        rc, o, e = run(dx(k) + ["cat", "/etc/conntrackd/notify.sh"])
        if rc == 0 and o == want:
            return
        time.sleep(0.05)
    raise RuntimeError("d%d: its mount namespace is not ready" % (k + 1))


def wait_backends():
    for a in BADDR:
        for _ in range(50):
            rc, o, e = nsx(DS[0], sys.executable, "-c",
                           "import socket; socket.create_connection(('%s', %d), 1).close()"
                           % (a, BPORT))
            if rc == 0:
                break
            time.sleep(0.1)


def log(k, what):
    return os.path.join(TMP, "d%d-%s.log" % (k + 1, what))


def var(k, *names):
    """A file of director k's /run/vbha, as the machine sees it."""
    return os.path.join(TMP, "d%d" % (k + 1), "var", *names)


def start_conntrackd(k):
    daemons[k]["conntrackd"] = spawn(dx(k) + ["conntrackd", "-C",
                                              "/etc/conntrackd/conntrackd.conf"],
                                     log(k, "conntrackd"), group=True)
    for _ in range(100):      # its UNIX socket answers
        if ctd(k, "-s")[0] == 0:
            return True
        time.sleep(0.05)
    return False


def start_keepalived(k):
    daemons[k]["keepalived"] = spawn(dx(k) + ["keepalived", "-n", "-l", "-D", "-f",
                                              "/etc/keepalived/keepalived.conf"],
                                     log(k, "keepalived"), group=True)


def ctd(k, *args):
    return run(dx(k) + ["conntrackd", "-C", "/etc/conntrackd/conntrackd.conf", *args])


def addrs(k):
    """The floating addresses director k holds now: a subset of {VIP, GW}."""
    rc, o, e = nsx(DS[k], "ip", "-o", "-4", "addr", "show")
    have = set(re.findall(r"inet (\S+)/", o))
    return {a for a in (VIP, GW) if a in have}


def wait_addrs(k, want, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if addrs(k) == want:
            return time.monotonic()
        time.sleep(0.02)
    return None


def die(k):
    """Director k loses power: its processes SIGKILLed (keepalived's whole
    group), its switch ports down. Returns the monotonic time of the kill."""
    t = time.monotonic()
    for name in ("keepalived", "conntrackd"):
        kill(daemons[k].get(name), group=True)
    for lan in "cbs":
        run(["ip", "netns", "exec", SW, "ip", "link", "set", port(k, lan), "down"])
    return t


def revive(k):
    """Director k boots again: the addresses it held are gone (a reboot
    loses them), its ports come up, conntrackd then keepalived start."""
    for name in ("keepalived", "conntrackd"):
        p = daemons[k].get(name)
        if p is not None:
            p.wait(timeout=5)
    for dev, a in ((IF_C, VIP), (IF_B, GW)):
        nsx(DS[k], "ip", "addr", "del", a + "/32", "dev", dev)
    boot(k)
    for lan in "cbs":
        must(SW, "ip", "link", "set", port(k, lan), "up")
    ok = start_conntrackd(k)
    start_keepalived(k)
    return ok


def cut_sync():
    must(SW, "ip", "link", "set", port(1, "s"), "nomaster")


def heal_sync():
    must(SW, "ip", "link", "set", port(1, "s"), "master", BR["s"])


def nat(k):
    """Director k's VMBAL- rules (nat table), without counters."""
    rc, o, e = nsx(DS[k], "iptables-legacy-save", "-t", "nat")
    return "\n".join(l.split(" [")[0] for l in o.splitlines() if "VMBAL-" in l)


def conns(k, cache):
    """The TCP connections to the VIP in director k's conntrackd cache
    (-i internal, -e external) or in its kernel table (cache "kernel")."""
    if cache == "kernel":
        rc, o, e = nsx(DS[k], "conntrack", "-L", "-p", "tcp", "--orig-dst", VIP)
    else:
        rc, o, e = ctd(k, cache)
    return [l for l in o.splitlines() if "dst=%s " % VIP in l and "dport=%d " % PORT in l]


# --- the client ------------------------------------------------------------

CLIENT = r"""
import json, os, socket, sys, threading, time
vip, port, interval, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
stopfile = sys.argv[5]
reqs, hold = [], {"sent": 0, "echoed": 0, "gaps": [], "error": None, "backend": None}
stop = time.monotonic() + secs

def one(t0):
    ok = False
    try:
        s = socket.create_connection((vip, port), timeout=1.0)
        s.settimeout(1.0)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            d = s.recv(256)
            if not d:
                break
            data += d
        s.close()
        ok = data.startswith(b"HTTP/1.0 200")
    except OSError:
        pass
    reqs.append((time.time(), t0, time.time(), ok))

def held():
    # one connection for the whole run: a byte every 50 ms, each echoed
    try:
        s = socket.create_connection((vip, port), timeout=2)
        s.settimeout(10)
        s.sendall(b"GET /hold HTTP/1.0\r\n\r\n")
        head = b""
        while b"\n" not in head.partition(b"\r\n\r\n")[2]:
            d = s.recv(256)
            if not d:
                raise OSError("closed before the answer")
            head += d
        hold["backend"] = head.partition(b"\r\n\r\n")[2].decode().strip()
        last = time.time()
        while time.monotonic() < stop and not os.path.exists(stopfile):
            s.sendall(b"x")
            hold["sent"] += 1
            d = s.recv(1)
            if not d:
                raise OSError("closed by the far end")
            now = time.time()
            hold["echoed"] += 1
            hold["gaps"].append(now - last)
            last = now
            time.sleep(0.05)
        s.close()
    except OSError as e:
        hold["error"] = "%s at %.3f" % (e, time.time())

th = threading.Thread(target=held)
th.start()
ws = []
t = time.monotonic()
while t < stop and not os.path.exists(stopfile):
    w = threading.Thread(target=one, args=(time.time(),))
    w.start()
    ws.append(w)
    t += interval
    time.sleep(max(0.0, t - time.monotonic()))
for w in ws:
    w.join()
th.join()
hold["maxgap"] = max(hold["gaps"]) if hold["gaps"] else None
del hold["gaps"]
print(json.dumps({"reqs": [(t0, t1, ok) for _, t0, t1, ok in reqs], "hold": hold}))
"""


class Client:
    """A request every interval s plus one long-lived connection, for secs
    at most: wait() ends it."""

    def __init__(self, secs, interval=0.05):
        self.stopfile = os.path.join(TMP, "client.stop")
        self.p = subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c",
                                   CLIENT, VIP, str(PORT), str(interval), str(secs),
                                   self.stopfile],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(self.p)
        self.res = None

    def wait(self, timeout):
        import json
        open(self.stopfile, "w").close()
        try:
            o, e = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            o, e = self.p.communicate()
        try:
            self.res = json.loads(o)
        except ValueError:
            self.res = {"reqs": [], "hold": {"error": "client: " + (e or o)[-300:]}}
        return self.res


def failures(res, after=None, before=None):
    """The failed requests (wall-clock start, end) in [after, before), and
    the span from the first one's start to the last one's end."""
    f = [(t0, t1) for t0, t1, ok in res["reqs"]
         if not ok and (after is None or t0 >= after) and (before is None or t0 < before)]
    return f, (max(t1 for _, t1 in f) - min(t0 for t0, _ in f)) if f else 0.0


def need():
    """What the lab needs that is missing."""
    tools = ["ip", "nsenter", "unshare", "keepalived", "conntrackd", "conntrack",
             "iptables-legacy", "iptables-legacy-save"]
    return [t for t in tools if shutil.which(t) is None]
