#!/usr/bin/env python3
# latency_lab.t - lowest-latency follows a backend that turns slow (issue
# 15): viplab.py's VIP and three HTTP backends (namespaces vbla-*, nets
# 198.18.180-183.0/24), vmbal --headless programming real DNAT, a client
# stream of new connections through the VIP. After start, backend 3 is
# slowed from its own side (its server waits 250 ms before each answer:
# this kernel has no netem), which its HTTP health checks measure; within
# 5 s its weight drops, it gets measurably fewer of the new connections,
# and the samples (latency_ms, weight) and the console's Services pane
# (under tmux, a second vmbal observing the same backends) show the new
# latency. Prints TAP; skips without root or tmux.
import json, os, re, shutil, subprocess, sys, tempfile, threading, time

os.environ.setdefault("VIPLAB_NS", "vbla")
os.environ.setdefault("VIPLAB_NET", "180")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tui"))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
if shutil.which("tmux") is None:
    out("1..0 # SKIP tmux is not installed")
    sys.exit(0)
start([VMBAL])
from tmuxconsole import Console, Timeout  # noqa: E402

DELAY = 0.25        # the slowed backend's answer, s
B = ["%s:%d" % (a, BPORT) for a in BADDR]
tmp = tempfile.mkdtemp(prefix="vmbal-latency-")
CONF = """journal: %s
hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: %s, probe_interval_s: 1, analyse_interval_s: 1, window: 10}
services:
  - name: web
    vip: %s
    port: %d
    algorithm: lowest-latency
    health: {type: http, path: /, interval_ms: 200, timeout_ms: 1000}
    backends:
%s
"""
BACKS = "\n".join("      - {address: %s, port: %d}" % (a, BPORT) for a in BADDR)
cfg = os.path.join(tmp, "lat.yaml")
with open(cfg, "w") as f:
    f.write(CONF % (os.path.join(tmp, "journal"), "auto", VIP, PORT, BACKS))
cfg2 = os.path.join(tmp, "latview.yaml")       # the console: observe only
with open(cfg2, "w") as f:
    f.write(CONF % (os.path.join(tmp, "journal2"), "observe", VIP, PORT, BACKS))

# New connections through the VIP for secs, from 2 threads, each pausing
# 5 ms between two (the backends are Python: more load and the health
# checks of all measure the servers' queue); per connection its start
# (wall clock) and the backend that answered.
STREAM = r"""
import json, socket, sys, threading, time
vip, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.time() + secs
got, lock = [], threading.Lock()
def one():
    while time.time() < end:
        t = time.time()
        k = "fail"
        try:
            s = socket.create_connection((vip, port), 3)
            s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
            data = b""
            while True:
                d = s.recv(256)
                if not d:
                    break
                data += d
            s.close()
            k = data.partition(b"\r\n\r\n")[2].decode().strip() or "empty"
        except OSError:
            pass
        with lock:
            got.append((t, k))
        time.sleep(0.005)
ts = [threading.Thread(target=one) for _ in range(2)]
[t.start() for t in ts]
[t.join() for t in ts]
print(json.dumps(got))
"""


def shares(conns, t0, t1):
    n = {}
    for t, k in conns:
        if t0 <= t < t1:
            n[k] = n.get(k, 0) + 1
    tot = sum(n.values())
    return n, tot


def svc_backends(e):
    for s in e.get("services", []):
        if s.get("name") == "web":
            return {b["backend"]: b for b in s["backends"]}
    return {}


con = None


def cleanup():
    if con is not None:
        con.close()
    teardown()
    shutil.rmtree(tmp, ignore_errors=True)


def pane_lat(s):
    """backend -> the latency (ms) the Services pane shows."""
    got = {}
    for b in B:
        m = re.search(re.escape(b) + r" .*?latency ([\d.]+) ms", s)
        if m:
            got[b] = float(m.group(1))
    return got


def body():
    global con
    setup(delaydir=tmp)
    vm = vmbal_headless(cfg)
    t, e = wait_event(lambda e: e["event"] == "dnat" and e["status"] == "applied"
                      and len(weights(e)) == 3 and min(weights(e).values()) > 0, 10)
    check(e is not None, "vmbal programs the lowest-latency service once its backends are up",
          json.dumps(e))
    con = Console(["-c", cfg2], 250, 40, prefix=["ip", "netns", "exec", LB])
    try:
        s = con.wait(lambda s: len(pane_lat(s)) == 3, 15, "three latencies")
        before_pane = pane_lat(s)
        check(max(before_pane.values()) < DELAY * 1e3 / 2,
              "the Services pane shows every backend's latency: %s" % json.dumps(before_pane))
    except Timeout as x:
        check(False, "the Services pane shows every backend's latency", x.screen)
    cl = subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c", STREAM,
                           VIP, str(PORT), "12"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cl)
    time.sleep(4)
    slowed_wall, slowed = time.time(), time.monotonic()
    with open(os.path.join(tmp, "b3.delay"), "w") as f:
        f.write("%g\n" % DELAY)
    # the rules: backend 3's weight falls below the others'
    td, ed = wait_event(lambda e: e["event"] == "dnat" and e["status"] == "applied"
                        and weights(e).get(B[2], 0) * 3 < min(weights(e)[B[0]],
                                                              weights(e)[B[1]]),
                        5, slowed)
    check(td is not None and td - slowed < 5.0,
          "slowed backend: its weight falls within 5 s (%.1f s): %s"
          % ((td - slowed) if td else -1, json.dumps(weights(ed) if ed else None)))
    # the samples: its smoothed latency and weight
    ts, es = wait_event(lambda e: e["event"] == "sample" and
                        (svc_backends(e).get(B[2], {}).get("latency_ms") or 0) >= DELAY * 1e3 * 0.5,
                        5, slowed)
    sb = svc_backends(es) if es else {}
    check(ts is not None and ts - slowed < 5.0 and
          all((sb[b]["latency_ms"] or 99) < DELAY * 1e3 / 2 for b in B[:2]) and
          sb[B[2]]["weight"] < min(sb[b]["weight"] for b in B[:2]),
          "sample shows the new latency within 5 s (%.1f s): %s"
          % ((ts - slowed) if ts else -1,
             json.dumps({b: (v["latency_ms"], v["weight"]) for b, v in sb.items()})))
    # the console
    try:
        s = con.wait(lambda s: pane_lat(s).get(B[2], 0) >= DELAY * 1e3 * 0.5, 5, "new latency")
        check(time.monotonic() - slowed < 6.0,
              "the Services pane shows the new latency: %s (%.1f s after)"
              % (json.dumps(pane_lat(s)), time.monotonic() - slowed))
    except Timeout as x:
        check(False, "the Services pane shows the new latency", x.screen)
    o, err = cl.communicate(timeout=30)
    try:
        conns = [tuple(c) for c in json.loads(o)]
    except ValueError:
        conns = []
    bn, btot = shares(conns, 0, slowed_wall)
    an, atot = shares(conns, slowed_wall + 1.0, slowed_wall + 5.0)
    fails = sum(1 for _, k in conns if k not in ("b1", "b2", "b3"))
    bs = bn.get("b3", 0) / float(btot or 1)
    as_ = an.get("b3", 0) / float(atot or 1)
    out("# new connections before: %s of %d (b3 %.1f %%); 1-5 s after slowing b3: %s of %d (b3 %.1f %%)"
        % (json.dumps(bn, sort_keys=True), btot, 100 * bs, json.dumps(an, sort_keys=True), atot,
           100 * as_))
    check(btot > 50 and bs > 0.15,
          "before: the three backends share the new connections (b3 %.0f %% of %d)" % (100 * bs, btot))
    check(atot > 50 and as_ < bs / 2 and as_ < 0.15,
          "1 to 5 s after slowing: b3 gets measurably fewer (%.1f %% of %d, was %.1f %%)"
          % (100 * as_, atot, 100 * bs))
    check(fails == 0, "no connection failed (%d of %d)" % (fails, len(conns)))
    with events_lock:
        evs = [e for _, e in events]
    errs = [m for e in evs if e["event"] == "sample" for m in sample_services_errors(e)]
    nh = [e for e in evs if e["event"] == "health"]
    check(not errs and all(e["state"] == "up" for e in nh) and len(nh) == 3,
          "every sample has services as the contract says; health events only for the "
          "three changes of state (%d)" % len(nh), "; ".join(errs[:5] + [json.dumps(e) for e in nh]))
    vm.terminate()
    vm.wait(timeout=20)


labtest.tap(9, body, cleanup)
