#!/usr/bin/env python3
# e2e_console_lab.t - the lab run of e2e_lab.t (see e2e.py) driven
# through the console under tmux instead of auto mode: vmbal -c lab.yaml
# in manual mode, its suggestions confirmed by keystroke (Y, then y in the
# dialog that lists every move) until the cluster is balanced, while a
# client's steady stream goes through the VIP. Checked: the console shows
# the lab's hosts, guests and backends (with their connections and
# health-check latency); every migration is the operator's
# in the journal, done by real libvirt (the guests are where the journal
# says), none moved twice, no more than the optimum plus one; the final
# spread on the console's header below the threshold; no request through
# the VIP failed and no connection the client began while a VM migrated
# reached its backend; q quits and gives the terminal back. Prints TAP;
# skips without root or tmux.
import os, re, shutil, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tui"))
import e2e  # noqa: E402
from e2e import out, check, results  # noqa: E402

if shutil.which("tmux") is None:
    out("1..0 # SKIP tmux is not installed")
    sys.exit(0)
from tmuxconsole import Console, Timeout  # noqa: E402

PLANNED = 11
LIMIT = 150         # seconds for the operator to balance the cluster


class Operator:
    """The console under tmux, closed whatever happens."""
    con = None

    @staticmethod
    def close():
        if Operator.con is not None:
            Operator.con.close()


def body(T0):
    con = Operator.con = Console(["-c", e2e.cfg], 200, 60, lease_dir=e2e.ENV["VMBAL_LEASE_DIR"],
                  prefix=["ip", "netns", "exec", e2e.viplab.LB])
    try:
        s = con.wait(lambda s: " MANUAL " in s.splitlines()[0] and
                     all(re.search(r"%s +up " % h, s) for h, _ in e2e.HOSTS) and
                     len(re.findall(r"198\.18\.\S+ +e\d +up +weight [1-9]", s)) == 6,
                     40, "hosts and six backends up")
        check(True, "the console shows the lab's hosts and all six backends up, in manual mode")
    except Timeout as t:
        check(False, "the console shows the lab's hosts and all six backends up", t.screen)
        raise SystemExit
    stream = e2e.Stream(LIMIT + 30)
    try:
        s = con.wait(lambda s: len(re.findall(r"198\.18\.\S+ +e\d +\w+ +weight \d+ +conns \d+ +latency [\d.]+ ms", s)) == 6,
                     20, "connections and latency")
        check(True, "every backend shows its open connections (conntrack) and health-check latency")
    except Timeout as t:
        check(False, "every backend shows its open connections and latency", t.screen)

    # the operator: confirm every suggestion until the cluster is balanced
    rounds, shown = 0, []
    end = time.monotonic() + LIMIT
    balanced = None
    while time.monotonic() < end:
        s = con.screen()
        head = s.splitlines()[0] if s else ""
        sp = re.search(r"spread ([\d.]+)%/", head)
        # "balanced" is said until the spread has been over the threshold
        # for hold_s: the run is done when the spread itself is below it
        if " balanced " in head and rounds > 0 and "Migrations (0)" in s and \
                sp and float(sp.group(1)) < e2e.POLICY["threshold"]:
            balanced = s
            break
        if "offered" in s and "Migrations (0)" in s:
            con.keys("Y")
            try:
                d = con.wait_text("Carry out", 5)
            except Timeout:
                continue
            shown += re.findall(r"\d+\. (e\d)  from (h\d) to (h\d)", d)
            con.keys("y")
            try:
                con.wait(lambda s: "confirmed:" in s or "changed" in s, 5, "confirmed")
            except Timeout:
                pass
            rounds += 1
        time.sleep(0.2)
    check(balanced is not None and rounds > 0,
          "confirmed by keystroke in %d round%s until balanced (%.0f s)"
          % (rounds, "" if rounds == 1 else "s", time.monotonic() - T0),
          con.screen())
    m = re.search(r"spread ([\d.]+)%/(\d+)%", balanced.splitlines()[0]) if balanced else None
    check(m and float(m.group(1)) < e2e.POLICY["threshold"],
          "final spread on the console %s%% below the threshold"
          % (m.group(1) if m else "?"), balanced or "")
    recs = stream.finish()

    con.keys("q")
    try:
        con.wait(lambda s: con.exited() is not None, 15, "exit")
    except Timeout:
        pass
    check(con.exited() == "vmbal exited 0", "q quits with status 0", str(con.exited()))

    # the journal: the operator's moves, each done by libvirt
    jl = e2e.read_journal()
    intents = [j for j in jl if j["phase"] == "intent"]
    outs = [j for j in jl if j["phase"] == "outcome"]
    check(intents and all(j.get("who") == "operator" for j in jl) and
          [(j["vm"], j["from"], j["to"]) for j in intents] ==
          [(j["vm"], j["from"], j["to"]) for j in outs] and
          all(j["status"] == "done" for j in outs),
          "every migration in the journal is the operator's, intent then done (%d)"
          % len(intents), "\n".join(map(str, jl)))
    final = {}
    for j in outs:
        if j["status"] == "done":
            final[j["vm"]] = j["to"]
    placed = {g: e2e.where(g) for g, _ in e2e.GUESTS}
    check(all(placed[g] == [final.get(g, "h1")] for g, _ in e2e.GUESTS),
          "migrations by libvirt: every guest runs where the journal puts it (%s)"
          % ", ".join("%s@%s" % (g, "/".join(placed[g])) for g, _ in e2e.GUESTS))
    vms = [j["vm"] for j in intents]
    check(len(vms) == len(set(vms)), "no VM moved twice (%s)" % " ".join(vms))
    best, fewest, below = e2e.optimum([d for _, d in e2e.GUESTS])
    check(len(vms) <= fewest + 1,
          "%d migrations, optimum %d on the guests' duty cycles: within optimum + 1"
          % (len(vms), fewest))

    fails = [r for r in (recs or []) if r[1] == "fail"]
    windows = [(j["vm"], j["unix"], next((o["unix"] for o in outs if o["vm"] == j["vm"]
                                          and o["unix"] >= j["unix"]), time.time()))
               for j in intents]
    begun, late, margins = e2e.drain_check(windows)
    check(recs and not fails and not begun,
          "no request through the VIP failed (%d sent) and none begun while its VM "
          "migrated reached it" % len(recs or []),
          "failed %r\nbegun (vm, accepted, client's t0) %r\nwindows %r"
          % (fails[:5], begun[:5], windows))
    out("# whole test %.0f s" % (time.monotonic() - T0))


e2e.main("/tmp/vmbal-lab-e2e-console", PLANNED, body, Operator.close)
