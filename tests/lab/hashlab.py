"""hashlab.py - a UDP service behind two directors, in network namespaces,
for the source-hash lab (hash_lab.t): a client holding a /18 of source
addresses (a local route on lo: any of them can be bound), two directors
(ip_forward=1, legacy iptables, programmed by build/lab/dnat_tool with
snat), and one backend namespace holding NB backend addresses that each
answer a datagram with their own address. The client reaches the VIP
through one director or the other (use_director). Names and addresses
are parameters (environment):

  VMBAL_HASH_NS       namespace prefix            (vbsh)
  VMBAL_HASH_LINKS    a /24 for the links and VIP (198.18.188)
  VMBAL_HASH_BACKS    a /24 for backend addresses (198.18.189)
  VMBAL_HASH_CLIENTS  the client addresses, a /18 (198.18.192.0/18)
  VMBAL_HASH_TAG      the configuration's tag     (vbsh)
"""
import ipaddress, json, os, shutil, subprocess, sys

from labtest import ROOT, out, run, nsx, must, lab_lock, stop_lab  # noqa: F401

TOOL = os.path.join(ROOT, "build", "lab", "dnat_tool")
P = os.environ.get("VMBAL_HASH_NS", "vbsh")
LINKS = os.environ.get("VMBAL_HASH_LINKS", "198.18.188")
BACKS = os.environ.get("VMBAL_HASH_BACKS", "198.18.189")
CLIENTS = ipaddress.ip_network(os.environ.get("VMBAL_HASH_CLIENTS",
                                              "198.18.192.0/18"))
TAG = os.environ.get("VMBAL_HASH_TAG", "vbsh")
CLI, BE = P + "-cli", P + "-be"
LBS = [P + "-lb1", P + "-lb2"]
NSS = [CLI, BE] + LBS
VIP, PORT, BPORT = LINKS + ".100", 53, 7000
NB = 14
BADDR = ["%s.%d" % (BACKS, 10 + k) for k in range(NB)]
procs = []

SERVER = r"""
import selectors, socket, sys
sel = selectors.DefaultSelector()
for a in sys.argv[2:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a, int(sys.argv[1])))
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, a.encode())
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        try:
            while True:
                _d, peer = key.fileobj.recvfrom(512)
                key.fileobj.sendto(key.data, peer)
        except BlockingIOError:
            pass
"""

# The fast client: mode "each" sends one datagram from every source
# address (WINDOW sockets in flight, the missing ones asked again) and
# prints {source: backend}; mode "seq" sends one at a time, in the order
# given (one new flow each, answered before the next), and prints the
# list of answers.
CLIENT = r"""
import json, resource, selectors, socket, sys, time
job = json.load(sys.stdin)
vip, port = job["vip"], job["port"]
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))

def ask(src, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    try:
        s.sendto(b"?", (vip, port))
        d, peer = s.recvfrom(512)
        return d.decode() if peer[0] == vip else "bad"
    except OSError:
        return "fail"
    finally:
        s.close()

def each(srcs, window=1000, tries=4):
    res = {}
    todo = list(srcs)
    for _ in range(tries):
        left = []
        for i in range(0, len(todo), window):
            sel = selectors.DefaultSelector()
            for src in todo[i:i + window]:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((src, 0))
                s.setblocking(False)
                s.sendto(b"?", (vip, port))
                sel.register(s, selectors.EVENT_READ, src)
            end = time.time() + 2
            n = len(sel.get_map())
            while n and time.time() < end:
                for key, _ in sel.select(0.2):
                    try:
                        d, peer = key.fileobj.recvfrom(512)
                    except OSError:
                        continue
                    res[key.data] = d.decode() if peer[0] == vip else "bad"
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    n -= 1
            for key in list(sel.get_map().values()):
                left.append(key.data)
                key.fileobj.close()
        todo = left
        if not todo:
            break
    for src in todo:
        res[src] = "fail"
    return res

if job["mode"] == "each":
    print(json.dumps(each(job["srcs"])))
else:
    print(json.dumps([ask(s, 1) for s in job["srcs"]]))
"""


def start():
    """Skip unless root and the tools are there; then take the lab lock
    (one lab test at a time)."""
    if os.geteuid() != 0:
        out("1..0 # SKIP needs root")
        sys.exit(0)
    missing = [t for t in ("ip", "iptables-legacy", "conntrack")
               if shutil.which(t) is None]
    if not os.path.exists(TOOL):
        missing.append(os.path.relpath(TOOL, ROOT))
    if missing:
        out("1..0 # SKIP missing: " + " ".join(missing))
        sys.exit(0)
    lab_lock()     # one lab test at a time


def teardown():
    stop_lab(procs, NSS)


def addr(d, host):
    return "%s.%d" % (LINKS, 4 * d + host)


def setup():
    teardown()
    for ns in NSS:
        must(None, "ip", "netns", "add", ns)
        must(ns, "ip", "link", "set", "lo", "up")
    for d, lb in enumerate(LBS):
        # client side: the client .4d+1, the director .4d+2; backend
        # side: the director .4d+9, the backends .4d+10
        for side, peer_ns, pa, la in (("c", CLI, addr(d, 1), addr(d, 2)),
                                      ("b", BE, addr(d, 10), addr(d, 9))):
            a, b = "%s%s%d" % (P, side, d), "%sl%s%d" % (P, side, d)
            must(None, "ip", "link", "add", a, "netns", peer_ns, "type", "veth",
                 "peer", "name", b, "netns", lb)
            must(peer_ns, "ip", "addr", "add", pa + "/30", "dev", a)
            must(lb, "ip", "addr", "add", la + "/30", "dev", b)
            must(peer_ns, "ip", "link", "set", a, "up")
            must(lb, "ip", "link", "set", b, "up")
        must(lb, "ip", "addr", "add", VIP + "/32", "dev", "lo")
        must(lb, "ip", "route", "add", str(CLIENTS), "via", addr(d, 1))
        must(lb, "ip", "route", "add", BACKS + ".0/24", "via", addr(d, 10))
        must(lb, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    must(CLI, "ip", "route", "add", "local", str(CLIENTS), "dev", "lo")
    for a in BADDR:
        must(BE, "ip", "addr", "add", a + "/32", "dev", "lo")
    use_director(0)
    p = subprocess.Popen(["ip", "netns", "exec", BE, sys.executable, "-c", SERVER,
                          str(BPORT)] + BADDR, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    procs.append(p)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError("backend server did not start")


def use_director(d):
    """The client's VIP route goes through director d."""
    must(CLI, "ip", "route", "replace", VIP + "/32", "via", addr(d, 2))


def state(algo, n, weights=None, up=None):
    lines = ["service web %s %d udp %s 0 1" % (VIP, PORT, algo)]
    for k in range(n):
        lines.append("backend %s %d %d %s" % (
            BADDR[k], BPORT, weights[k] if weights else 1,
            "up" if up is None or up[k] else "down"))
    return "\n".join(lines) + "\n"


def apply(d, st):
    rc, o, e = nsx(LBS[d], TOOL, "-t", TAG, "apply", "-", inp=st)
    return rc, o.strip(), e.strip()


def flush(d):
    rc, o, e = nsx(LBS[d], TOOL, "-t", TAG, "flush")
    return rc, o.strip(), e.strip()


def forget(d):
    """Drops director d's conntrack entries: the next datagrams are new
    flows, picked by the rules again."""
    nsx(LBS[d], "conntrack", "-F")


def clients(n, offset=1):
    return [str(CLIENTS.network_address + offset + i) for i in range(n)]


def ask_each(srcs):
    rc, o, e = nsx(CLI, sys.executable, "-c", CLIENT, timeout=120,
                   inp=json.dumps({"vip": VIP, "port": PORT, "mode": "each",
                                   "srcs": srcs}))
    if rc != 0:
        raise RuntimeError("client: " + e.strip())
    return json.loads(o)


def ask_seq(srcs):
    rc, o, e = nsx(CLI, sys.executable, "-c", CLIENT, timeout=120,
                   inp=json.dumps({"vip": VIP, "port": PORT, "mode": "seq",
                                   "srcs": srcs}))
    if rc != 0:
        raise RuntimeError("client: " + e.strip())
    return json.loads(o)
