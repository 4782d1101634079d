#!/usr/bin/env python3
# lc_lab.t - least-connections through vmbal: with 60 connections held
# open to one backend (straight through the balancer, so the balancer's
# conntrack sees them), vmbal's next weights give that backend far fewer
# new connections through the VIP than the others. Prints TAP; skips
# without root.
import json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
start([VMBAL])
HOLD = r"""
import socket, sys, time
socks = []
for i in range(int(sys.argv[3])):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    s.recv(256)              # the answer; then keep the socket open
    socks.append(s)
print("held", len(socks), flush=True)
time.sleep(float(sys.argv[4]))
"""


B = ["%s:%d" % (a, BPORT) for a in BADDR]
cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: web
    vip: %s
    port: %d
    algorithm: least-connections
    backends:
%s
""" % (VIP, PORT, "\n".join("      - {address: %s, port: %d}" % (a, BPORT) for a in BADDR)))
cfg.close()

def body():
    setup()
    tmpfiles.append(cfg.name)
    journal = tempfile.mktemp(prefix="vmbal-lc-journal-")
    tmpfiles.append(journal)
    with open(cfg.name, "a") as f:
        f.write("journal: %s\n" % journal)
    vm = vmbal_headless(cfg.name)
    t, e = wait_event(lambda e: e["event"] == "dnat" and len(set(weights(e).values())) == 1
                      and min(weights(e).values()) > 0, 10)
    check(e is not None, "least-connections: equal weights while no connection is open",
          json.dumps(e))
    hold = subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c", HOLD,
                             BADDR[0], str(BPORT), "60", "20"], stdout=subprocess.PIPE,
                            text=True)
    procs.append(hold)
    line = hold.stdout.readline().strip()
    held = time.monotonic()
    t, e = wait_event(lambda e: e["event"] == "dnat" and
                      weights(e)[B[0]] * 3 < min(weights(e)[B[1]], weights(e)[B[2]]), 10, held)
    check(line == "held 60" and e is not None,
          "60 connections held to b1: its weight drops within a tick or two (%.1f s): %s"
          % ((t - held) if t else -1, json.dumps(weights(e)) if e else "none"))
    res = total(traffic(300))
    check(res.get("b1", 0) * 3 < min(res.get("b2", 0), res.get("b3", 0)) and "fail" not in res,
          "new connections through the VIP go mostly to the others: " + json.dumps(res))
    hold.kill()
    hold.wait()
    vm.terminate()
    vm.wait(timeout=20)
    check(vm.returncode == 0, "vmbal ends cleanly", vm.stderr.read()[-400:])


labtest.tap(4, body, teardown)
