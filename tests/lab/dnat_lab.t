#!/usr/bin/env python3
# dnat_lab.t - the libiptc DNAT programmer (actions/dnat_iptc.c, driven by
# build/lab/dnat_tool) against real traffic in network namespaces: a
# client, a balancer holding the VIP (ip_forward=1, legacy iptables) and
# three backends that answer their own name. Round-robin, weights,
# persistence, a backend marked down, foreign rules left alone,
# idempotence, a failed apply. Prints TAP; skips without root or tools.
import fcntl, json, os, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labtest import out, check, results, ROOT  # noqa: E402

TOOL = os.path.join(ROOT, "build", "lab", "dnat_tool")
CLI, LB = "vmbal-dnat-cli", "vmbal-dnat-lb"
BS = ["vmbal-dnat-b1", "vmbal-dnat-b2", "vmbal-dnat-b3"]
NSS = [CLI, LB] + BS
VIP, PORT, BPORT = "198.18.20.100", 80, 8080
BADDR = ["198.18.21.2", "198.18.22.2", "198.18.23.2"]
SRCS = ["198.18.20.%d" % i for i in range(2, 7)]   # client addresses

if os.geteuid() != 0:
    out("1..0 # SKIP needs root")
    sys.exit(0)
missing = [t for t in ("ip", "iptables-legacy", "iptables-legacy-save") if shutil.which(t) is None]
if missing or not os.path.exists(TOOL):
    out("1..0 # SKIP missing: " + " ".join(missing or ["build/lab/dnat_tool (make build/lab/dnat_tool)"]))
    sys.exit(0)
_lock = open("/run/lock/vmbal-lab-tests.lock", "a")
fcntl.flock(_lock, fcntl.LOCK_EX)     # one lab test at a time

procs, tmpfiles = [], []

SERVER = r"""
import socket, sys
name = sys.argv[1].encode()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", %d))
s.listen(1024)
while True:
    c, _ = s.accept()
    try:
        c.sendall(name + b"\n")
    except OSError:
        pass
    c.close()
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
        data = b""
        while True:
            d = s.recv(64)
            if not d:
                break
            data += d
        s.close()
        k = data.decode().strip() or "empty"
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


for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, on_signal)


def setup():
    teardown()
    for ns in NSS:
        must(None, "ip", "netns", "add", ns)
        must(ns, "ip", "link", "set", "lo", "up")
    must(None, "ip", "link", "add", "vdnc0", "netns", CLI, "type", "veth",
         "peer", "name", "vdnl0", "netns", LB)
    for ns, a in ((CLI, SRCS[0] + "/24"), (LB, "198.18.20.1/24")):
        must(ns, "ip", "addr", "add", a, "dev", "vdnc0" if ns == CLI else "vdnl0")
    for src in SRCS[1:]:
        must(CLI, "ip", "addr", "add", src + "/24", "dev", "vdnc0")
    must(LB, "ip", "addr", "add", VIP + "/32", "dev", "vdnl0")
    must(CLI, "ip", "link", "set", "vdnc0", "up")
    must(LB, "ip", "link", "set", "vdnl0", "up")
    must(CLI, "ip", "route", "add", "default", "via", "198.18.20.1")
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
                              "b%d" % k], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def apply(st):
    rc, o, e = nsx(LB, TOOL, "apply", "-", inp=st)
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


def client_start(n, srcs=SRCS[:1]):
    return subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c", CLIENT,
                             VIP, str(PORT), str(n), ",".join(srcs)],
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


def traffic(n, srcs=SRCS[:1]):
    """n connections (round-robin over srcs): {src: {backend: count}}."""
    return client_wait(client_start(n, srcs))


def total(res):
    t = {}
    for per in res.values():
        for k, v in per.items():
            t[k] = t.get(k, 0) + v
    return t


out("1..14")
try:
    try:
        setup()
    except RuntimeError as ex:
        check(False, "namespaces, veths and three backends set up", str(ex))
        raise SystemExit
    # foreign rules, there before vmbal and after
    for r in (["-N", "FOREIGN"], ["-A", "FOREIGN", "-p", "udp", "--dport", "5353", "-j", "RETURN"],
              ["-A", "PREROUTING", "-p", "tcp", "--dport", "2222", "-j", "DNAT",
               "--to-destination", "198.18.21.2:22"],
              ["-A", "POSTROUTING", "-s", "10.99.0.0/16", "-j", "MASQUERADE"],
              ["-A", "OUTPUT", "-d", "203.0.113.7/32", "-j", "FOREIGN"]):
        must(LB, "iptables-legacy", "-w", "-t", "nat", *r)
    before = foreign(save())

    # 1. round-robin: 3000 connections, exactly 1000 each
    rc, o, e = apply(state("round-robin"))
    check(rc == 0 and o == "applied", "round-robin applied", o + e)
    t = total(traffic(3000))
    check(t.get("b1") == 1000 and t.get("b2") == 1000 and t.get("b3") == 1000,
          "round-robin: 3000 connections land 1000/1000/1000: %s" % json.dumps(t, sort_keys=True))

    # 2. the same state twice: unchanged, ruleset bytes identical
    s1 = save()
    rc, o, e = apply(state("round-robin"))
    s2 = save()
    check(rc == 0 and o == "unchanged" and s1 == s2,
          "same state again: \"%s\", ruleset identical (%s)" % (o, s1 == s2), e)

    # 3. weights 1:2:3
    rc, o, e = apply(state("weighted", (1, 2, 3)))
    t = total(traffic(3000))
    shares = [t.get(b, 0) / 3000.0 for b in ("b1", "b2", "b3")]
    want = [1 / 6.0, 2 / 6.0, 3 / 6.0]
    check(rc == 0 and o == "applied" and t.get("fail", 0) == 0 and
          all(abs(s - w) <= 0.05 for s, w in zip(shares, want)),
          "weighted 1:2:3 within ±5 points of 16.7/33.3/50%%: %s" % json.dumps(t, sort_keys=True), e)

    # 4. persistence: each client address stays on one backend
    rc, o, e = apply(state("round-robin", persist=60))
    res = traffic(250, SRCS)
    sticky = all(len([k for k in per if k != "fail"]) == 1 and "fail" not in per
                 for per in res.values())
    check(rc == 0 and len(res) == len(SRCS) and sticky,
          "persistence 60 s: each of %d client addresses on one backend: %s"
          % (len(SRCS), json.dumps(res, sort_keys=True)), e)
    rc, o, e = apply(state("weighted", (1, 2, 3), persist=60))
    res = traffic(250, SRCS)
    sticky = all(len([k for k in per if k != "fail"]) == 1 and "fail" not in per
                 for per in res.values())
    check(rc == 0 and sticky, "persistence with weights: still one backend per client: %s"
          % json.dumps(res, sort_keys=True), e)

    # 5. a backend marked down while traffic flows
    rc, o, e = apply(state("round-robin"))
    bg = client_start(12000)
    time.sleep(0.3)
    rc, o, e = apply(state("round-robin", up=(True, True, False)))
    during = total(client_wait(bg))
    after = total(traffic(1000))
    check(rc == 0 and o == "applied" and "b3" not in after and after.get("fail", 0) == 0
          and after.get("b1") == 500 and after.get("b2") == 500,
          "b3 down: no new connection reaches it, none fail: after %s"
          % json.dumps(after, sort_keys=True), e)
    check(during.get("fail", 0) == 0 and sum(during.values()) == 12000
          and 0 < during.get("b3", 0) < 4000,
          "12000 connections across the apply, none failed, b3 cut off midway: %s"
          % json.dumps(during, sort_keys=True))

    # 6. snat adds the POSTROUTING jump; without it, the jump goes
    rc, o, e = apply(state("round-robin", snat=1))
    sn = save()
    t = total(traffic(300))
    rc2, o2, e2 = apply(state("round-robin"))
    ns = save()
    check(rc == 0 and rc2 == 0 and "-A POSTROUTING -j VMBAL-POSTROUTING" in sn
          and "MASQUERADE" in sn and "VMBAL-POSTROUTING" not in ns and t.get("fail", 0) == 0
          and t.get("b1") == 100,
          "snat: one POSTROUTING jump and MASQUERADE, gone without snat; traffic %s"
          % json.dumps(t, sort_keys=True), e + e2)

    # 7. a failed apply leaves the old rules
    s1 = save()
    rc, o, e = apply(state("weighted", (1, 2, 3), addrs=[BADDR[0], "198.18.22.999", BADDR[2]]))
    s2 = save()
    check(rc != 0 and e.startswith("error:") and s1 == s2,
          "invalid backend address: error, old rules stay (%s)" % e)
    rc, o, e = apply(state("weighted", (1, 2, 3), addrs=[BADDR[0], BADDR[1], "300.1.1.1"]))
    t = total(traffic(300))
    check(rc != 0 and nocount(save()) == nocount(s1) and t == {"b1": 100, "b2": 100, "b3": 100},
          "still the old round-robin rules in force after it: %s" % json.dumps(t, sort_keys=True), e)

    # 8. nothing eligible: no rules for the VIP
    rc, o, e = apply(state("round-robin", up=(False, False, False)))
    sv = save()
    check(rc == 0 and "VMBAL-SVC-" not in sv and "VMBAL-SERVICES" in sv,
          "no eligible backend: no service rules", e)

    # 9. foreign rules untouched through it all, and after flush
    after_applies = foreign(save())
    rc, o, e = nsx(LB, TOOL, "flush")
    fl = save()
    check(before == after_applies and before == foreign(fl),
          "rules outside VMBAL- chains identical before and after all applies",
          "before:\n%s\nafter:\n%s" % (before, after_applies))
    check(rc == 0 and "VMBAL-" not in fl, "flush removes every VMBAL- chain and jump", e + fl)
except SystemExit:
    pass
except Exception as ex:  # noqa: BLE001
    check(False, "lab test ran to the end", repr(ex))
finally:
    teardown()
