#!/usr/bin/env python3
# dnat_lab.t - the libiptc DNAT programmer (actions/dnat_iptc.c, driven by
# build/lab/dnat_tool) against real traffic in network namespaces: a
# client, a balancer holding the VIP (ip_forward=1, legacy iptables) and
# three backends that answer their own name. Round-robin, weights,
# persistence, a backend marked down, foreign rules left alone,
# idempotence, a failed apply. Prints TAP; skips without root or tools.
import json, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

TOOL = os.path.join(ROOT, "build", "lab", "dnat_tool")
start([TOOL])


def body():
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
    check(rc == 0 and rc2 == 0 and "-A POSTROUTING -j %s" % chain("POSTROUTING") in sn
          and "MASQUERADE" in sn and chain("POSTROUTING") not in ns and t.get("fail", 0) == 0
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
    check(rc == 0 and chain("SVC-") not in sv and chain("SERVICES") in sv,
          "no eligible backend: no service rules", e)

    # 9. foreign rules untouched through it all, and after flush
    after_applies = foreign(save())
    rc, o, e = flush()
    fl = save()
    check(before == after_applies and before == foreign(fl),
          "rules outside VMBAL- chains identical before and after all applies",
          "before:\n%s\nafter:\n%s" % (before, after_applies))
    check(rc == 0 and "VMBAL-" not in fl, "flush removes every VMBAL- chain and jump", e + fl)


labtest.tap(14, body, teardown)
