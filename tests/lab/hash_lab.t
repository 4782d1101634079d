#!/usr/bin/env python3
# hash_lab.t - the stateless source hash (engine/buckets.c, two levels of
# xt_cluster in actions/dnat_rules.c) against real traffic: a UDP service
# behind two directors programmed by build/lab/dnat_tool (tests/lab/
# hashlab.py: namespaces vbsh-*, links in 198.18.188.0/24, backends
# 198.18.189.10-23, clients 198.18.192.0/18).
#   1. source-hash over 10 backends, 10,000 client addresses: each lands
#      on the same backend twice, after a rebuild (flush, conntrack
#      flushed, apply), and through the second director with the same
#      configuration; one backend down: only its clients move (and none
#      land on it); back up: every client where it was first.
#   2. the 2015 balancer's test: 14 backends, 50 client addresses x 4
#      requests (four rounds of the 50, one request at a time), once per
#      algorithm; per-backend counts printed as TAP comments, and the
#      distribution checked per algorithm.
# Prints TAP; skips without root or tools.
import collections, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results  # noqa: E402,F401
import hashlab as L  # noqa: E402

N1, NCLIENTS = 10, 10000


def fmt(counts, keys):
    return " ".join("b%d=%d" % (k + 1, counts.get(a, 0))
                    for k, a in enumerate(keys))


def round_trip(d, srcs):
    L.forget(d)
    return L.ask_each(srcs)


def part1():
    srcs = L.clients(NCLIENTS)
    st = L.state("source-hash", N1)
    rc, o, e = L.apply(0, st)
    check(rc == 0 and o == "applied", "source-hash over 10 backends applied", e)
    a = round_trip(0, srcs)
    fails = [s for s, b in a.items() if b not in L.BADDR[:N1]]
    per = collections.Counter(a.values())
    out("# source-hash, 10,000 clients over 10 backends: " + fmt(per, L.BADDR[:N1]))
    check(len(a) == NCLIENTS and not fails and len(per) == N1 and
          min(per.values()) > NCLIENTS / N1 / 2,
          "every one of 10,000 clients answered, every backend has some",
          "%d failed, e.g. %s" % (len(fails), fails[:3]))
    b = round_trip(0, srcs)
    same = sum(a[s] == b[s] for s in srcs)
    check(same == NCLIENTS, "asked again: %d of 10,000 on the same backend" % same)

    rc, o, e = L.flush(0)
    L.forget(0)
    rc2, o2, e2 = L.apply(0, st)
    c = round_trip(0, srcs)
    same = sum(a[s] == c[s] for s in srcs)
    check(rc == 0 and rc2 == 0 and o2 == "applied" and same == NCLIENTS,
          "after a rebuild (flush, conntrack flushed, apply): %d of 10,000 "
          "on the same backend" % same, e + e2)

    rc, o, e = L.apply(1, st)
    L.use_director(1)
    c = round_trip(1, srcs)
    L.use_director(0)
    same = sum(a[s] == c[s] for s in srcs)
    check(rc == 0 and same == NCLIENTS,
          "through the second director, same configuration: %d of 10,000 "
          "on the same backend" % same, e)

    gone = L.BADDR[3]
    rc, o, e = L.apply(0, L.state("source-hash", N1,
                                  up=[k != 3 for k in range(N1)]))
    c = round_trip(0, srcs)
    had = [s for s in srcs if a[s] == gone]
    moved = [s for s in srcs if c[s] != a[s]]
    wrong = [s for s in moved if a[s] != gone]
    out("# backend 4 of 10 down: %d clients had it, %d moved (%.1f%%), "
        "%d of the others moved" % (len(had), len(moved),
                                    100.0 * len(moved) / NCLIENTS, len(wrong)))
    check(rc == 0 and not wrong and set(moved) == set(had) and
          all(c[s] in L.BADDR[:N1] and c[s] != gone for s in had),
          "one of 10 backends down: only its %d clients move, to the other "
          "nine" % len(had), "%d others moved, e.g. %s" % (len(wrong), wrong[:3]))
    rc, o, e = L.apply(0, st)
    c = round_trip(0, srcs)
    same = sum(a[s] == c[s] for s in srcs)
    check(rc == 0 and same == NCLIENTS,
          "it comes back: %d of 10,000 where they were first" % same, e)


STUDY = ("round-robin", "weighted", "least-connections", "lowest-latency",
         "source-hash")


def part2():
    srcs = L.clients(50, offset=NCLIENTS + 1)
    order = srcs * 4            # four rounds of the 50 clients
    keys = L.BADDR[:L.NB]
    for algo in STUDY:
        w = [2] * 7 + [1] * 7 if algo == "weighted" else None
        L.flush(0)
        L.forget(0)
        rc, o, e = L.apply(0, L.state(algo, L.NB, weights=w))
        got = L.ask_seq(order) if rc == 0 else []
        total = collections.Counter(got)
        rounds = [collections.Counter(got[i * 50:(i + 1) * 50]) for i in range(4)]
        out("# %s, 50 clients x 4: %s" % (algo, fmt(total, keys)))
        for i, r in enumerate(rounds):
            out("#   round %d: %s" % (i + 1, fmt(r, keys)))
        ok = rc == 0 and len(got) == 200 and all(g in keys for g in got)
        if algo == "round-robin":
            ok = ok and all(3 <= r.get(a, 0) <= 4 for r in rounds for a in keys)
            what = "each backend 3-4 of every round's 50"
        elif algo == "weighted":
            heavy = sum(total.get(a, 0) for a in keys[:7])
            ok = ok and heavy > 200 - heavy
            what = "weights 2:1, the heavy seven got %d of 200" % heavy
        elif algo == "source-hash":
            on = collections.defaultdict(set)
            for s, g in zip(order, got):
                on[s].add(g)
            per = collections.Counter(next(iter(v)) for v in on.values())
            out("#   clients per backend: %s" % fmt(per, keys))
            ok = ok and all(len(v) == 1 for v in on.values())
            what = "each client's 4 requests on one backend"
        else:
            ok = ok and len(total) >= 10 and max(total.values()) <= 40
            what = "weighted by the engine's equal weights: >= 10 backends, none over 40"
        check(ok, "2015 test, %s: 200 answered, %s" % (algo, what),
              e + " " + str(dict(total)))


def body():
    try:
        L.setup()
    except RuntimeError as ex:
        check(False, "namespaces, directors and backends set up", str(ex))
        raise SystemExit
    part1()
    part2()
    for d in (0, 1):
        L.flush(d)


if __name__ == "__main__":
    L.start()
    labtest.tap(7 + len(STUDY), body, L.teardown)
