#!/usr/bin/env python3
# recover.t - a dead host in the console (issue 18), on the simulator,
# through a private tmux server: h1 loses power and its fence agent
# cannot fence it; the Events pane says the fence FAILED and why, and so
# does the Suggestions pane (which says vmbal waits for a person, as
# ha_restart.t checks in full); nothing is restarted;
# F on h1 in the Hosts pane asks the person (with the warning about a
# host only cut off), n changes nothing, y fences it: the Events pane
# names the operator and its VMs run again on the others; Enter on h1
# shows its availability (one failure, down now) and each restarted
# VM's outage and where it runs now. Prints TAP.
import os, re, shutil, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require

require()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="vmbal-tui-recover-")
SCEN = os.path.join(tmp, "dead.yaml")
with open(SCEN, "w") as f:
    f.write("""hosts:
  - {name: h1, cpus: 4, memory_mib: 16384, fail_at_s: 30, fence_fails: true,
     fence: {agent: fence_ipmilan, args: {ip: 198.18.0.1}}}
  - {name: h2, cpus: 4, memory_mib: 16384}
  - {name: h3, cpus: 4, memory_mib: 16384}
vms:
  - {name: db1, host: h1, vcpus: 2, memory_mib: 2048, load: 60}
  - {name: web1, host: h1, vcpus: 1, memory_mib: 1024, load: 30}
  - {name: app, host: h2, vcpus: 1, memory_mib: 1024, load: 30}
rules:
  - anti_affinity: [db1, web1]
ha_restart: {mode: auto, after_s: 10}
journal: %s
policy: {mode: manual, threshold_pct: 50, probe_interval_s: 2, analyse_interval_s: 4}
""" % os.path.join(tmp, "journal.jsonl"))
os.chmod(SCEN, 0o600)


def restarted(s):
    return re.findall(r"restart (db1|web1) h1 -> (h2|h3) done", s)


c = Console(["--scenario", SCEN, "--speed", "4"], 150, 70)
try:
    def failed():
        s = c.wait(lambda s: "fence h1 FAILED: the fence agent failed" in s and
                   "no suggestion: h1 down: fencing failed (the fence agent failed" in s,
                   60, "fence failed")
        return not restarted(s) and "restart db1" not in s, s
    tap.attempt("fencing fails: the Events and Suggestions panes say it FAILED and why; "
                "nothing restarted", failed)

    def ask():
        c.keys("BTab")	# Suggestions -> VMs
        c.keys("BTab")	# VMs -> Hosts
        c.keys("Home")	# h1
        c.keys("F")
        s = c.wait_text("Is this host off")
        ok = "h1: is its power off and are its VMs stopped?" in s and "only cut off" in s
        c.keys("n")
        s2 = c.wait_text("cancelled: nothing done")
        return ok and not restarted(s2), s + "\n" + s2
    tap.attempt("F on h1: the person is asked, warned about a host only cut off; n does nothing", ask)

    def confirm():
        c.keys("F")
        c.wait_text("Is this host off")
        c.keys("y")
        s = c.wait(lambda s: "fence h1: off (operator)" in s and len(restarted(s)) == 2, 40,
                   "both restarted")
        where = dict(restarted(s))
        return where["db1"] != where["web1"], s
    tap.attempt("y: fenced by the operator; db1 and web1 run again, apart (anti-affinity)", confirm)

    def detail():
        c.keys("Home")
        c.keys("Enter")
        s = c.wait(lambda s: "Host h1" in s and "Availability:" in s, 10, "h1's detail")
        ok = re.search(r"Availability: [\d.]+% over \S+; 1 failure, MTBF \S+, MTTR - \(not back yet\); down now", s) \
            and re.search(r"db1: 1 outage, the last \S+, runs on h[23]", s) \
            and re.search(r"web1: 1 outage, the last \S+, runs on h[23]", s)
        c.keys("Escape")
        return bool(ok), s
    tap.attempt("Enter on h1: its availability (one failure, down now) and its VMs' outages", detail)
finally:
    c.close()

shutil.rmtree(tmp, True)
sys.exit(tap.done())
