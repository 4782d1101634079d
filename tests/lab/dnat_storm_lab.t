#!/usr/bin/env python3
# dnat_storm_lab.t - a storm of applies alternating between two rule sets
# (round-robin over three backends, weighted over two), each programmer
# process killed with SIGKILL at a random moment: afterwards the nat table
# holds exactly one of the two, never a mix, and foreign rules are intact.
# iptc_commit replaces the table in one call; this is its proof under fire.
import os, random, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

TOOL = os.path.join(ROOT, "build", "lab", "dnat_tool")
start([TOOL])
KILLS = 40
MAX_KILLS = 160


def ours(text):
    """vmbal's part of the table: VMBAL- chains, their rules and jumps."""
    return "\n".join(l.split(" [")[0] for l in text.splitlines()
                     if "VMBAL-" in l)


def body():
    setup()
    must(LB, "iptables-legacy", "-w", "-t", "nat", "-A", "PREROUTING", "-p", "tcp",
         "--dport", "2222", "-j", "DNAT", "--to-destination", "198.18.21.2:22")
    a = state("round-robin")
    b = state("weighted", weights=(1, 3, 0))
    apply(b)
    rules_b = ours(save())
    apply(a)
    rules_a = ours(save())
    foreign_before = foreign(save())
    check(rules_a != rules_b and rules_a and rules_b, "two distinct rule sets to alternate")
    # kill within the time a whole apply takes here (process start
    # included: on a loaded machine it is well over the 30 ms once assumed)
    t0 = time.monotonic()
    apply(b)
    apply(a)
    whole = (time.monotonic() - t0) / 2
    rnd = random.Random(7)
    seen, mixed = {"a": 0, "b": 0}, []
    i = 0
    # at least KILLS kills, and on until kills have landed both before
    # and after a commit: the window widens while only one side is seen
    # (an apply's time varies with the machine's load), at most MAX_KILLS
    while i < KILLS or (min(seen.values()) == 0 and i < MAX_KILLS):
        if i >= KILLS:
            whole *= 1.1
        st = a if i % 2 else b
        i += 1
        p = subprocess.Popen(["ip", "netns", "exec", LB, TOOL, "-t", TAG, "apply", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, text=True)
        p.stdin.write(st)
        p.stdin.close()
        time.sleep(rnd.uniform(0, 1.2 * whole))
        p.send_signal(signal.SIGKILL)
        p.wait()
        now = ours(save())
        if now == rules_a:
            seen["a"] += 1
        elif now == rules_b:
            seen["b"] += 1
        else:
            mixed.append(now)
    check(not mixed, "%d applies killed at random: the table held one whole rule set "
          "each time (a %d, b %d)" % (i, seen["a"], seen["b"]),
          mixed[0] if mixed else "")
    check(seen["a"] > 0 and seen["b"] > 0, "kills landed both before and after commits")
    check(foreign(save()) == foreign_before, "foreign rules intact after the storm")


labtest.tap(4, body, teardown)
