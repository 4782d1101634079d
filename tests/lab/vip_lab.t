#!/usr/bin/env python3
# vip_lab.t - vmbal itself steering a VIP: run in the balancer namespace of
# viplab.py with a service of three HTTP backends, it health-checks them
# (HTTP GET),
# programs DNAT through libiptc, and when a backend dies it marks it down
# within a second and takes it out of the rules: no new connection
# reaches it and none fail after that. Prints TAP; skips without root.
import json, os, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
start([VMBAL])


B = ["%s:%d" % (a, BPORT) for a in BADDR]
journal = tempfile.mktemp(prefix="vmbal-vip-journal-")
cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""journal: %s
hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: web
    vip: %s
    port: %d
    algorithm: round-robin
    health: {type: http, path: /}
    backends:
%s
""" % (journal, VIP, PORT, "\n".join("      - {address: %s, port: %d}" % (a, BPORT)
                                     for a in BADDR)))
cfg.close()

def body():
    setup()
    tmpfiles.extend([cfg.name, journal])     # setup() clears the list's files
    vm = subprocess.Popen(["ip", "netns", "exec", LB, VMBAL, "--headless", "-c", cfg.name],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(vm)
    threading.Thread(target=reader, args=(vm,), daemon=True).start()
    t, e = wait_event(lambda e: e["event"] == "dnat" and e["status"] == "applied"
                      and sorted(weights(e).values()) == [1, 1, 1], 10)
    check(e is not None, "vmbal programs the service once its backends are up",
          json.dumps(e))
    res = total(traffic(300))
    check(res == {"b1": 100, "b2": 100, "b3": 100}, "round-robin through vmbal's rules: "
          + json.dumps(res))
    rules = save()
    check(":VMBAL-SERVICES" in rules and "-A PREROUTING -j VMBAL-SERVICES" in rules,
          "the rules live in VMBAL- chains, jumped to from PREROUTING")
    killed = time.monotonic()
    procs[2].kill()                 # backend b3's server
    procs[2].wait()
    td, ed = wait_event(lambda e: e["event"] == "health" and e["backend"] == B[2]
                        and e["state"] == "down", 5, killed)
    tn, en = wait_event(lambda e: e["event"] == "dnat" and weights(e).get(B[2]) == 0, 5, killed)
    check(td is not None and td - killed < 1.0,
          "killed backend: health down within 1 s (%.0f ms)" % ((td - killed) * 1e3 if td else -1))
    check(tn is not None and en["status"] == "applied" and tn - killed < 1.0,
          "and out of the rules within 1 s (%.0f ms)" % ((tn - killed) * 1e3 if tn else -1),
          json.dumps(en))
    res = total(traffic(300))
    check(res == {"b1": 150, "b2": 150}, "no new connection reaches it, none fail: "
          + json.dumps(res))
    vm.terminate()
    vm.wait(timeout=20)
    with events_lock:
        last = events[-1][1] if events else {}
    check(vm.returncode == 0 and last.get("event") == "end", "vmbal ends cleanly",
          vm.stderr.read()[-500:] if vm.stderr else "")
    res = total(traffic(90))
    check(res == {"b1": 45, "b2": 45}, "the rules stay in force after vmbal exits: "
          + json.dumps(res))


labtest.tap(8, body, teardown)
