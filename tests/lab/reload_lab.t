#!/usr/bin/env python3
# reload_lab.t - a VIP's services reloaded under traffic: vmbal (headless,
# in the balancer namespace of viplab.py, real DNAT through libiptc and
# HTTP health checks) steers a weighted service of three backends while a
# client opens a new connection every 20 ms; vmbal is sent SIGHUP six
# times, alternating a configuration with b3 removed, b1's weight 3 and a
# second libvirt host, and the first one. Each reload is applied, each is
# followed by exactly one dnat apply with the new weights, b3 gets no new
# connection once it is out, and not one request of the stream fails.
# Namespaces vbrl-*, nets 198.18.186-189.0/24. Prints TAP; skips without
# root.
import json, os, subprocess, sys, tempfile, time

os.environ["VIPLAB_NS"] = "vbrl"
os.environ["VIPLAB_NET"] = "186"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
import viplab  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
start([VMBAL])
RELOADS, GAP = 6, 2.5

# A new connection every 20 ms until the deadline: "T BACKEND" per
# request (CLOCK_MONOTONIC, as the events' arrival times), "fail" when it
# did not get its answer.
CLIENT_T = r"""
import socket, sys, time
vip, port, until = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
o = sys.stdout
nxt = time.monotonic()
while time.monotonic() < until:
    t = time.monotonic()
    try:
        s = socket.create_connection((vip, port), 2)
        s.settimeout(2)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            d = s.recv(256)
            if not d:
                break
            data += d
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        k = body.decode().strip() if head.startswith(b"HTTP/1.0 200") else "fail"
    except OSError:
        k = "fail"
    o.write("%.6f %s\n" % (t, k or "fail"))
    nxt += 0.02
    time.sleep(max(0.0, nxt - time.monotonic()))
o.flush()
"""

B = ["%s:%d" % (a, BPORT) for a in BADDR]
journal = tempfile.mktemp(prefix="vmbal-rl-journal-")
cfgdir = tempfile.mkdtemp(prefix="vmbal-rl-")
cfg = os.path.join(cfgdir, "reload.yaml")


def conf(second):
    """The first configuration (three backends, weight 1) or the second
    (b3 removed, b1 weight 3, a second host)."""
    bes = [(BADDR[0], 3 if second else 1), (BADDR[1], 1)] + ([] if second else [(BADDR[2], 1)])
    return """journal: %s
hosts:
  - {name: t1, uri: "test:///default"}
%spolicy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: web
    vip: %s
    port: %d
    algorithm: weighted
    health: {type: http, path: /, interval_ms: 200, timeout_ms: 150}
    backends:
%s
""" % (journal, '  - {name: t2, uri: "test:///default"}\n' if second else "", VIP, PORT,
       "\n".join("      - {address: %s, port: %d, weight: %d}" % (a, BPORT, w) for a, w in bes))


def write(text):
    tmp = cfg + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.rename(tmp, cfg)


def body():
    setup()
    tmpfiles.append(journal)
    write(conf(False))
    vm = vmbal_headless(cfg)
    t, e = wait_event(lambda e: e["event"] == "dnat" and
                      sorted(weights(e).values()) == [1, 1, 1], 10)
    check(e is not None, "vmbal programs the VIP: three backends at weight 1", json.dumps(e))
    until = time.monotonic() + 1.5 + RELOADS * GAP + 1.5
    cl = subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c", CLIENT_T,
                           VIP, str(PORT), "%.6f" % until],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cl)
    time.sleep(1.5)
    sent = []       # (time of the SIGHUP, second configuration?)
    for k in range(RELOADS):
        second = k % 2 == 0
        write(conf(second))
        sent.append((time.monotonic(), second))
        vm.send_signal(__import__("signal").SIGHUP)
        time.sleep(GAP)
    o, err = cl.communicate(timeout=60)
    with events_lock:
        evs = list(events)
    reloads = [(t, e) for t, e in evs if e["event"] == "reload"]
    out("# reload events: %s" % [(round(t - sent[0][0], 2), e["status"], e["changes"])
                                 for t, e in reloads])
    check(len(reloads) == RELOADS and all(e["status"] == "applied" for _, e in reloads),
          "every SIGHUP: a reload applied (%d of %d)" % (
              sum(1 for _, e in reloads if e["status"] == "applied"), RELOADS))
    first = reloads[0][1]["changes"] if reloads else []
    check(all(c in first for c in ("host t2 added", "backend %s removed from web" % B[2],
                                   "backend %s of web: weight 1 -> 3" % B[0])),
          "the reload event says what changed", json.dumps(first))
    # after each reload, until the next: one dnat apply, with the new weights
    ok, seen = True, []
    for i, (t0, e) in enumerate(reloads):
        t1 = reloads[i + 1][0] if i + 1 < len(reloads) else t0 + GAP
        d = [weights(x) for t, x in evs if x["event"] == "dnat" and t0 <= t < t1]
        want = {B[0]: 3, B[1]: 1} if sent[i][1] else {B[0]: 1, B[1]: 1, B[2]: 1}
        seen.append(d)
        ok = ok and len(d) == 1 and d[0] == want
    check(ok, "each reload: one dnat apply, with the new weights", json.dumps(seen))
    reqs = []
    for line in o.splitlines():
        ts, k = line.split()
        reqs.append((float(ts), k))
    fails = [ts - sent[0][0] for ts, k in reqs if k == "fail"]
    out("# %d requests over %.1f s, %d failed %s" % (
        len(reqs), reqs[-1][0] - reqs[0][0] if reqs else 0, len(fails),
        [round(x, 2) for x in fails[:10]]))
    check(len(reqs) > RELOADS * GAP * 25 and not fails,
          "not one request of the stream failed across %d reloads" % RELOADS)
    # b3 out: no new connection reaches it from its dnat apply to the next
    leak = 0
    for i, (t0, e) in enumerate(reloads):
        if not sent[i][1]:
            continue
        d = [t for t, x in evs if x["event"] == "dnat" and t >= t0]
        t1 = reloads[i + 1][0] if i + 1 < len(reloads) else until
        if d:
            leak += sum(1 for ts, k in reqs if k == "b3" and d[0] + 0.05 <= ts < t1)
    check(leak == 0, "b3 removed: no new connection reaches it (%d did)" % leak)
    hosts = [x for t, x in evs if x["event"] == "sample" and t > sent[0][0] + 1.5 and
             t < sent[1][0]]
    check(any(any(h["name"] == "t2" and h["state"] == "up" for h in x["hosts"]) for x in hosts),
          "the host added connects (t2 up in the samples)")
    vm.terminate()
    vm.wait(timeout=20)
    err = vm.stderr.read()
    check(vm.returncode == 0, "vmbal ends cleanly", err[-400:])


try:
    labtest.tap(8, body, teardown)
finally:
    for f in (cfg, cfg + ".new"):
        if os.path.exists(f):
            os.unlink(f)
    os.rmdir(cfgdir)
