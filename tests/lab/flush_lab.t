#!/usr/bin/env python3
# flush_lab.t - `vmbal --flush-rules -c CONFIG` (issue 16) in the
# namespaces of viplab.py: while a vmbal runs the configuration it is
# refused (exit 1, the holder named) and the rules stay; once it has
# stopped (its rules stay in force: the VIP works without it) it removes
# every VMBAL-<tag>- chain and jump in one go, leaves another
# configuration's chains and every foreign rule as they were, and the
# VIP's new connections then get no DNAT; a second flush finds nothing
# and succeeds. A simulated cluster is refused as a usage error (2).
# Prints TAP; skips without root.
import json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
start([VMBAL, TOOL])

journal = tempfile.mktemp(prefix="vmbal-flush-journal-")
cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""journal: %s
hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: web
    vip: %s
    port: %d
    health: {type: http, path: /}
    backends:
%s
""" % (journal, VIP, PORT, "\n".join("      - {address: %s, port: %d}" % (a, BPORT)
                                     for a in BADDR)))
cfg.close()


def flush_rules():
    return nsx(LB, VMBAL, "--flush-rules", "-c", cfg.name)


def body():
    setup()
    tmpfiles.extend([cfg.name, journal])
    tag = run([TOOL, "tag", cfg.name])[1].strip()
    # a foreign rule, and another configuration's chains (dnat_tool's lab1)
    must(LB, "iptables-legacy", "-w", "-t", "nat", "-A", "POSTROUTING", "-s",
         "198.18.20.99/32", "-j", "RETURN")
    rc, o, e = apply(state("round-robin").replace(VIP, VIP2), "lab2")
    vm = vmbal_headless(cfg.name)
    t, e = wait_event(lambda e: e["event"] == "dnat" and e["status"] == "applied"
                      and sorted(weights(e).values()) == [1, 1, 1], 15)
    before = save()
    rc, o, err = flush_rules()
    check(e is not None and rc == 1 and "refused" in err and "pid %d" % vm.pid in err
          and nocount(save()) == nocount(before),
          "while vmbal (pid %d) runs the configuration: refused, exit %d, the holder "
          "named, the rules untouched" % (vm.pid, rc), err + o)
    vm.terminate()
    vm.wait(timeout=20)
    res = total(traffic(30))
    check(res == {"b1": 10, "b2": 10, "b3": 10} and "VMBAL-%s-SERVICES" % tag in save(),
          "vmbal stopped: its rules stay in force, the VIP works: " + json.dumps(res))
    rc, o, err = flush_rules()
    after = save()
    check(rc == 0 and "VMBAL-%s-" % tag not in after and "no VMBAL-%s- chain" % tag in o,
          "then --flush-rules removes every VMBAL-%s- chain and jump (exit %d): %s"
          % (tag, rc, o.strip()), err + after)
    check(foreign(after) == foreign(before) and tagged(after, "lab2") == tagged(before, "lab2"),
          "the foreign rules and another configuration's chains are as they were",
          after)
    res = total(traffic(6))
    check("b1" not in res and "b2" not in res and "b3" not in res,
          "new connections to the VIP get no DNAT any more: " + json.dumps(res))
    rc2, o2, err2 = flush_rules()
    check(rc2 == 0 and nocount(save()) == nocount(after), "a second flush finds nothing and succeeds",
          err2 + o2)
    rc, o, err = run([VMBAL, "--flush-rules", "--demo"])
    check(rc == 2 and "simulation" in err, "--flush-rules with --demo: usage error, exit 2",
          err)


labtest.tap(7, body, teardown)
