#!/usr/bin/env python3
# dnat_lab.t - the libiptc DNAT programmer (actions/dnat_iptc.c, driven by
# build/lab/dnat_tool) against real traffic in network namespaces: a
# client, a balancer holding the VIP (ip_forward=1, legacy iptables) and
# three backends that answer their own name. Round-robin, weights,
# persistence, a backend marked down, foreign rules left alone,
# idempotence, a failed apply; two configurations (two tags) side by side. Prints TAP; skips without root or tools.
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

    # 10. two configurations on one director (issue 11): lab1 steers VIP
    # to b1/b2, lab2 steers VIP2 to b3; neither's apply or flush touches
    # the other's chains, and both VIPs keep working
    must(LB, "ip", "addr", "add", VIP2 + "/32", "dev", "vdnl0")
    b_state = ("service api %s %d tcp round-robin 0 0\nbackend %s %d 1 up\n"
               % (VIP2, PORT, BADDR[2], BPORT))
    rc, o, e = apply(state("round-robin", up=(True, True, False)))
    a1 = tagged(save())
    rc2, o2, e2 = apply(b_state, tag="lab2")
    s = save()
    ta, tb = total(traffic(300)), total(traffic(300, vip=VIP2))
    check(rc == 0 and rc2 == 0 and o2 == "applied" and a1 and tagged(s) == a1
          and tagged(s, "lab2") and "-A PREROUTING -j VMBAL-lab2-SERVICES" in s
          and "-A PREROUTING -j VMBAL-lab1-SERVICES" in s,
          "second configuration applied beside the first: the first's rules unchanged",
          e + e2 + "\n" + s)
    check(ta == {"b1": 150, "b2": 150} and tb == {"b3": 300},
          "both VIPs reach their own backends: %s %s" % (json.dumps(ta, sort_keys=True),
                                                        json.dumps(tb, sort_keys=True)))
    b1 = tagged(save(), "lab2")
    rc, o, e = apply(state("weighted", (1, 3, 0), up=(True, True, False), snat=1))
    s = save()
    tb = total(traffic(300, vip=VIP2))
    check(rc == 0 and o == "applied" and tagged(s, "lab2") == b1 and tb == {"b3": 300}
          and "-A POSTROUTING -j VMBAL-lab1-POSTROUTING" in s,
          "the first changes (weights, snat): the second's rules unchanged, its VIP "
          "still on b3: %s" % json.dumps(tb, sort_keys=True), e)
    # an older vmbal's untagged chains (docs/dnat.md): the next apply of
    # any configuration removes them, and leaves the other tag alone
    for r in (["-N", "VMBAL-SERVICES"], ["-N", "VMBAL-SVC-0"],
              ["-A", "VMBAL-SVC-0", "-p", "tcp", "-j", "DNAT", "--to-destination",
               "%s:%d" % (BADDR[0], BPORT)],
              ["-A", "VMBAL-SERVICES", "-d", VIP2, "-p", "tcp", "--dport", str(PORT),
               "-j", "VMBAL-SVC-0"],
              ["-I", "PREROUTING", "-j", "VMBAL-SERVICES"],
              ["-I", "OUTPUT", "-j", "VMBAL-SERVICES"]):
        must(LB, "iptables-legacy", "-w", "-t", "nat", *r)
    a2 = tagged(save())
    rc, o, e = apply(state("weighted", (1, 3, 0), up=(True, True, False), snat=1))
    s = save()
    legacy = [l for l in s.splitlines() if "VMBAL-SERVICES" in l or "VMBAL-SVC-0" in l]
    check(rc == 0 and o == "applied" and not legacy and tagged(s) == a2
          and tagged(s, "lab2") == b1,
          "untagged chains of an older vmbal removed by the next apply, both "
          "configurations' rules kept", e + "\n" + "\n".join(legacy))
    rc, o, e = flush()
    s = save()
    tb = total(traffic(300, vip=VIP2))
    check(rc == 0 and "VMBAL-lab1-" not in s and tagged(s, "lab2") == b1
          and tb == {"b3": 300},
          "flush of the first leaves the second's rules and traffic: %s"
          % json.dumps(tb, sort_keys=True), e + "\n" + s)
    rc, o, e = flush("lab2")
    s = save()
    check(rc == 0 and "VMBAL-" not in s and foreign(s) == before,
          "flush of the second: no VMBAL- chain left, foreign rules as before", e + s)


labtest.tap(20, body, teardown)
