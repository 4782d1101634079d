#!/usr/bin/env python3
# vip_lab.t - vmbal itself steering a VIP: run in the balancer namespace of
# viplab.py with a service of three HTTP backends, it health-checks them
# (HTTP GET),
# programs DNAT through libiptc, and when a backend dies it marks it down
# within a second and takes it out of the rules: no new connection
# reaches it and none fail after that. Issue 11: a second vmbal with its
# own configuration (VIP2 -> b3) beside it never touches its rules, and
# rules flushed by hand are restored within seconds with a dnat event
# that says repaired. Prints TAP; skips without root.
import json, os, re, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
start([VMBAL, TOOL])


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
journal2 = tempfile.mktemp(prefix="vmbal-vip-journal2-")
cfg2 = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg2.write("""journal: %s
hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: api
    vip: %s
    port: %d
    health: {type: http, path: /}
    backends:
      - {address: %s, port: %d}
""" % (journal2, VIP2, PORT, BADDR[2], BPORT))
cfg2.close()


def tag_of(path):
    rc, o, e = run([TOOL, "tag", path])
    return o.strip()


def events_since(t0, pred):
    with events_lock:
        return [e for t, e in events if t >= t0 and pred(e)]

def body():
    setup()
    tmpfiles.extend([cfg.name, journal, cfg2.name, journal2])
    must(LB, "ip", "addr", "add", VIP2 + "/32", "dev", "vdnl0")
    vm = vmbal_headless(cfg.name)
    t, e = wait_event(lambda e: e["event"] == "dnat" and e["status"] == "applied"
                      and sorted(weights(e).values()) == [1, 1, 1], 10)
    check(e is not None, "vmbal programs the service once its backends are up",
          json.dumps(e))
    res = total(traffic(300))
    check(res == {"b1": 100, "b2": 100, "b3": 100}, "round-robin through vmbal's rules: "
          + json.dumps(res))
    rules = save()
    tag, tag2 = tag_of(cfg.name), tag_of(cfg2.name)
    m = re.search(r"^-A PREROUTING -j (VMBAL-\S*SERVICES)$", rules, re.M)
    svc_chain = m.group(1) if m else "VMBAL-SERVICES"
    check(svc_chain == "VMBAL-%s-SERVICES" % tag and tagged(rules, tag)
          and "-A OUTPUT -j %s" % svc_chain in rules,
          "the rules live in the configuration's VMBAL-%s- chains, jumped to from "
          "PREROUTING and OUTPUT" % tag, rules)

    # a second vmbal, another configuration, on the same director
    vm2 = subprocess.Popen(["ip", "netns", "exec", LB, VMBAL, "--headless", "-c", cfg2.name],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(vm2)
    threading.Thread(target=lambda: [None for _ in vm2.stdout], daemon=True).start()
    ours = tagged(rules, tag)
    t2, e2 = None, None
    end = time.monotonic() + 10
    while time.monotonic() < end and not e2:
        time.sleep(0.2)
        s2 = save()
        if "-A PREROUTING -j VMBAL-%s-SERVICES" % tag2 in s2 and "-j DNAT" in tagged(s2, tag2):
            e2 = s2
    time.sleep(1.5)      # a few more applies of both
    s2 = save()
    ta, tb = total(traffic(300)), total(traffic(300, vip=VIP2))
    check(e2 is not None and tag2 != tag and tagged(s2, tag) == ours,
          "a second vmbal (chains VMBAL-%s-) programs its service; the first's "
          "rules unchanged" % tag2, s2)
    check(ta == {"b1": 100, "b2": 100, "b3": 100} and tb == {"b3": 300},
          "both VIPs reach their own backends: %s %s"
          % (json.dumps(ta, sort_keys=True), json.dumps(tb, sort_keys=True)))

    # drift: the first's services chain flushed by hand
    theirs = tagged(s2, tag2)
    flushed = time.monotonic()
    must(LB, "iptables-legacy", "-w", "-t", "nat", "-F", svc_chain)
    gone = total(traffic(30))
    tr, er = wait_event(lambda e: e["event"] == "dnat" and e.get("repaired") is True
                        and e["status"] == "applied", 10, flushed)
    time.sleep(0.2)
    s3 = save()
    check(tr is not None and tr - flushed < 6.0
          and er.get("service") == "web" and "outside vmbal" in er.get("message", ""),
          "rules flushed by hand (traffic %s): restored within 6 s (%.1f s), a dnat "
          "event says repaired" % (json.dumps(gone), (tr - flushed) if tr else -1),
          json.dumps(er))
    res = total(traffic(300))
    tb = total(traffic(300, vip=VIP2))
    check(tagged(s3, tag) == ours and tagged(s3, tag2) == theirs
          and res == {"b1": 100, "b2": 100, "b3": 100} and tb == {"b3": 300},
          "after the repair both configurations' rules are as before and traffic "
          "flows: %s %s" % (json.dumps(res, sort_keys=True), json.dumps(tb, sort_keys=True)),
          s3)
    quiet = time.monotonic()
    time.sleep(6)
    check(not events_since(quiet, lambda e: e["event"] == "dnat"),
          "no dnat event while nothing changes (re-applies find the rules in place)",
          json.dumps(events_since(quiet, lambda e: e["event"] == "dnat")))
    vm2.terminate()
    vm2.wait(timeout=20)
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


labtest.tap(13, body, teardown)
