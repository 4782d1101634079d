#!/usr/bin/env python3
# udp_lab.t - UDP services through vmbal's VIP, for real (issue 15): in the
# namespaces of viplab.py each backend runs a UDP echo server (port 7,
# answering its name) and Debian's dnsmasq (port 53, answering who.lab
# with an address of its own), and its HTTP server (8080). vmbal in the
# balancer checks them (udp send/expect, dns) and programs the rules:
# every backend up, traffic spread round-robin; a backend killed is out
# within interval x fall; a UDP flow that the kernel had mapped to it
# (one client socket sending all along) reaches another backend within
# interval x fall + 1 s, because vmbal deletes the dead backend's UDP
# conntrack entries (a dnat event says how many); the finished TCP
# entries (TIME_WAIT) of a backend out of rotation are deleted too, so a
# client reusing its port is not sent back to it. Prints TAP; skips
# without root or dnsmasq.
import json, os, re, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
if shutil.which("dnsmasq") is None and os.geteuid() == 0:
    out("1..0 # SKIP missing: dnsmasq (apt-get install dnsmasq-base)")
    sys.exit(0)
start([VMBAL])

EPORT, DPORT = 7, 53
INTERVAL_MS, FALL = 200, 2
LIMIT = INTERVAL_MS * FALL / 1000.0       # interval x fall, in seconds
ANSWER = ["198.18.%d.99" % (20 + k) for k in range(1, 4)]   # who.lab per backend

ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", %d))
name = sys.argv[1].encode()
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(name, peer)
""" % EPORT

# n requests from new sockets (a new flow each), or with "flow" one
# socket on a fixed port sending every 50 ms for n seconds, printing
# "T NAME" per datagram sent (NAME "-" without an answer)
UCLIENT = r"""
import json, socket, struct, sys, time
kind, vip, port, n, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
base = int(sys.argv[6]) if len(sys.argv) > 6 else 0
def query():
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for l in b"who.lab".split(b"."):
        q += bytes([len(l)]) + l
    return q + b"\0" + struct.pack(">HH", 1, 1)
def answer(d):
    # the last four bytes of a one-answer A response: the address
    if len(d) < 16 or struct.unpack(">H", d[6:8])[0] < 1:
        return "empty"
    return socket.inet_ntoa(d[-4:])
def ask(s):
    s.send(query() if port == 53 else b"ping")
    d = s.recv(2048)
    return answer(d) if port == 53 else d.decode()
if kind == "flow":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 41007))
    s.connect((vip, port))
    s.settimeout(0.05)
    end = time.time() + n
    while time.time() < end:
        t = time.time()
        try:
            r = ask(s)
        except OSError:
            r = "-"
        print("%.3f %s" % (t, r), flush=True)
        time.sleep(max(0, 0.05 - (time.time() - t)))
    sys.exit(0)
res = {}
for i in range(int(n)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # a port of its own: a random one could be one whose flow the kernel
    # still tracks (30 s), and that flow's backend would answer again
    s.bind((src, base + i))
    s.connect((vip, port))
    s.settimeout(1)
    try:
        r = ask(s)
    except OSError:
        r = "fail"
    s.close()
    res[r] = res.get(r, 0) + 1
print(json.dumps(res))
"""

# one HTTP request from a fixed source port: "NAME" or "fail"
TCLIENT = r"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.settimeout(2)
try:
    s.bind((sys.argv[3], int(sys.argv[4])))
    s.connect((sys.argv[1], int(sys.argv[2])))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    d = b""
    while True:
        x = s.recv(256)
        if not x:
            break
        d += x
    print(d.partition(b"\r\n\r\n")[2].decode().strip() or "empty")
except OSError as e:
    print("fail")
"""

journal = tempfile.mktemp(prefix="vmbal-udp-journal-")
cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
HEALTH = "interval_ms: %d, timeout_ms: 150, fall: %d, rise: 2" % (INTERVAL_MS, FALL)
cfg.write("""journal: %s
hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: echo
    vip: %s
    port: %d
    protocol: udp
    health: {type: udp, send: ping, expect: b, %s}
    backends:
%s
  - name: dns
    vip: %s
    port: %d
    protocol: udp
    health: {type: dns, name: who.lab, %s}
    backends:
%s
  - name: web
    vip: %s
    port: %d
    health: {type: http, path: /, %s}
    backends:
%s
""" % (journal, VIP, EPORT, HEALTH, "\n".join("      - {address: %s, port: %d}" % (a, EPORT) for a in BADDR),
       VIP, DPORT, HEALTH, "\n".join("      - {address: %s, port: %d}" % (a, DPORT) for a in BADDR),
       VIP, PORT, HEALTH, "\n".join("      - {address: %s, port: %d}" % (a, BPORT) for a in BADDR)))
cfg.close()


_ports = [20000]


def udp(n, port, kind="many"):
    """n requests, each a new flow from a client port not used before."""
    base = _ports[0]
    _ports[0] += n
    rc, o, e = nsx(CLI, sys.executable, "-c", UCLIENT, kind, VIP, str(port), str(n),
                   SRCS[0], str(base), timeout=120)
    try:
        return json.loads(o)
    except ValueError:
        return {"error": e[-300:]}


def http_from(port):
    rc, o, e = nsx(CLI, sys.executable, "-c", TCLIENT, VIP, str(PORT), SRCS[0], str(port))
    return o.strip() or "fail"


def conntrack(*args):
    rc, o, e = nsx(LB, "conntrack", "-L", *args)
    return [l for l in o.splitlines() if l.strip()]


def start_servers():
    """Per backend: the echo server and dnsmasq; the Popen objects."""
    echo, dns = [], []
    for k, (ns, addr) in enumerate(zip(BS, BADDR), 1):
        p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", ECHO, "b%d" % k],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(p)
        echo.append(p)
        pid = tempfile.mktemp(prefix="vmbal-udp-dnsmasq-")
        tmpfiles.append(pid)
        p = subprocess.Popen(["ip", "netns", "exec", ns, "dnsmasq", "-k", "--conf-file=/dev/null",
                              "--port=%d" % DPORT, "--listen-address=" + addr, "--bind-interfaces",
                              "--no-resolv", "--no-hosts", "--user=root", "--group=root",
                              "--pid-file=" + pid, "--address=/who.lab/" + ANSWER[k - 1]],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(p)
        dns.append(p)
    return echo, dns


def kill(p):
    p.kill()
    p.wait(timeout=5)
    return time.monotonic()


def body():
    setup()
    tmpfiles.extend([cfg.name, journal])
    echo, dns = start_servers()
    vm = vmbal_headless(cfg.name)

    def programmed(svc, n=3):
        return lambda e: (e["event"] == "dnat" and e["service"] == svc and
                          e["status"] == "applied" and
                          sorted(w for w in weights(e).values() if w > 0) == [1] * n)
    te, ee = wait_event(programmed("echo"), 15)
    td, ed = wait_event(programmed("dns"), 15)
    rules = save()
    check(ee is not None and ed is not None and
          all("-d %s/32 -p udp" % VIP in rules and "--to-destination %s:%d" % (a, p) in rules
              for a in BADDR for p in (EPORT, DPORT)),
          "the UDP echo and DNS services: every backend up (udp and dns checks), "
          "their rules in the table", rules[-1500:] + (vm.stderr.read()[-300:] if ee is None
                                                       and vm.poll() is not None else ""))
    res = udp(300, EPORT)
    check(res == {"b1": 100, "b2": 100, "b3": 100},
          "echo, round-robin, 300 new flows: %s" % json.dumps(res, sort_keys=True))
    res = udp(150, DPORT)
    want = {a: 50 for a in ANSWER}
    check(res == want, "dns (dnsmasq), round-robin, 150 queries: %s"
          % json.dumps(res, sort_keys=True))

    # one long UDP flow; its backend dies under it
    fl = subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c", UCLIENT, "flow",
                           VIP, str(EPORT), "6", SRCS[0]],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(fl)
    first = fl.stdout.readline().split()
    time.sleep(1.0)
    on = first[1] if len(first) == 2 else "?"
    k = int(on[1]) - 1 if re.match(r"^b[123]$", on) else 0
    dead = "%s:%d" % (BADDR[k], EPORT)
    wall_kill = time.time()
    killed = kill(echo[k])
    tdown, edown = wait_event(lambda e: e["event"] == "health" and e["backend"] == dead
                              and e["state"] == "down", 5, killed)
    tout, eout = wait_event(lambda e: e["event"] == "dnat" and e["service"] == "echo" and
                            weights(e).get(dead) == 0 and "flushed" not in e, 5, killed)
    tfl, efl = wait_event(lambda e: e["event"] == "dnat" and e["service"] == "echo" and
                          any(f["backend"] == dead and f["udp"] >= 1
                              for f in e.get("flushed", [])), 5, killed)
    o, _e = fl.communicate(timeout=20)
    lines = [l.split() for l in ([" ".join(first)] + o.splitlines()) if len(l.split()) == 2]
    moved = next((float(t) for t, r in lines if float(t) > wall_kill and r not in ("-", on)),
                 None)
    before = [r for t, r in lines if float(t) < wall_kill]
    check(tdown is not None and tdown - killed <= LIMIT + 0.3 and tout is not None,
          "the killed echo backend %s is down %.0f ms after the kill, out of the rules "
          "%.0f ms after (interval x fall = %.0f ms)"
          % (on, (tdown - killed) * 1e3 if tdown else -1, (tout - killed) * 1e3 if tout else -1,
             LIMIT * 1e3), json.dumps(edown))
    check(before and set(before) == {on} and moved is not None and moved - wall_kill <= LIMIT + 1.0,
          "the long UDP flow (one client port, 20 datagrams/s) on %s reaches another backend "
          "%.0f ms after its backend died (limit interval x fall + 1 s)"
          % (on, (moved - wall_kill) * 1e3 if moved else -1),
          " ".join(r for t, r in lines[-60:]))
    check(efl is not None and "UDP flow" in efl.get("message", ""),
          "a dnat event says its conntrack entries were deleted: %s"
          % json.dumps(efl.get("flushed") if efl else None), json.dumps(efl))
    res = udp(200, EPORT)
    live = ["b%d" % (i + 1) for i in range(3) if i != k]
    check(res == {live[0]: 100, live[1]: 100},
          "new flows spread over the two left: %s" % json.dumps(res, sort_keys=True))

    # dnsmasq killed on another backend
    j = (k + 1) % 3
    dead_dns = "%s:%d" % (BADDR[j], DPORT)
    killed = kill(dns[j])
    tdown, edown = wait_event(lambda e: e["event"] == "health" and e["backend"] == dead_dns
                              and e["state"] == "down", 5, killed)
    wait_event(lambda e: e["event"] == "dnat" and e["service"] == "dns" and
               weights(e).get(dead_dns) == 0, 5, killed)
    res = udp(100, DPORT)
    live = [ANSWER[i] for i in range(3) if i != j]
    check(tdown is not None and tdown - killed <= LIMIT + 0.3 and
          res == {live[0]: 50, live[1]: 50},
          "dnsmasq killed on b%d: down %.0f ms after, queries go to the other two: %s"
          % (j + 1, (tdown - killed) * 1e3 if tdown else -1, json.dumps(res, sort_keys=True)))

    # TIME_WAIT: a finished connection of a backend taken out
    first = http_from(41080)
    m = re.match(r"^b([123])$", first)
    tw = conntrack("-p", "tcp", "--sport", "41080", "--state", "TIME_WAIT")
    check(m is not None and len(tw) == 1,
          "an HTTP request from port 41080 served by %s leaves a TIME_WAIT entry "
          "(the server closed first)" % first, "\n".join(tw))
    x = int(m.group(1)) - 1 if m else 0
    xaddr = "%s:%d" % (BADDR[x], BPORT)
    killed = kill(procs[x])          # its HTTP server (viplab's, started first)
    tdown, _ = wait_event(lambda e: e["event"] == "health" and e["backend"] == xaddr
                          and e["state"] == "down", 5, killed)
    gone = None
    end = time.monotonic() + 5
    while time.monotonic() < end:
        if not conntrack("-p", "tcp", "--sport", "41080", "--state", "TIME_WAIT"):
            gone = time.monotonic()
            break
        time.sleep(0.05)
    again = http_from(41080)
    check(tdown is not None and gone is not None and again not in ("fail", first, "empty"),
          "its backend down: the entry is deleted %.0f ms after the kill, and the same "
          "client port is served by %s" % ((gone - killed) * 1e3 if gone else -1, again))

    vm.terminate()
    vm.wait(timeout=20)
    with events_lock:
        last = events[-1][1] if events else {}
    check(vm.returncode == 0 and last.get("event") == "end", "vmbal ends cleanly",
          vm.stderr.read()[-500:] if vm.stderr else "")


labtest.tap(11, body, teardown)
