#!/usr/bin/env python3
# state.t - the console tells the truth (issue 17), through a private tmux
# server: the header says "measuring N/24" while the windows fill and
# "over 20% for N s of 60 s" while the hold has not passed (never
# "balanced" then); a host not reached yet is "connecting" (a scenario
# host with connect_after_s); the Suggestions pane says why there is no
# suggestion (holding, measuring, below threshold, paused, observe mode,
# dry run, dismissed, settling, cooling down, no move helps, standby);
# Enter on a host and on a VM opens its detail view, Esc closes it.
# Prints TAP.
import os, re, shutil, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require

require()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="vmbal-tui-state-")


def scenario(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


OFFERED = re.compile(r"\d\. .* offered ")	# a move row of the Suggestions pane


def header(s):
    return s.splitlines()[0] if s else ""


def why(s):
    """The Suggestions pane's words when it has no suggestion, joined."""
    lines = s.splitlines()
    for i, l in enumerate(lines):
        if "no suggestion: " in l:
            out = l[l.index("no suggestion: "):].rstrip()
            for more in lines[i + 1:i + 3]:	# wrapped over the pane's rows
                more = more.strip()
                if not more or more.startswith(("\u2500", "-")) or "Migrations" in more:
                    break
                out += " " + more
            return out
    return ""


# 1. the demo: measuring and over the threshold, holding; then a
#    suggestion; dismissed; the detail views
c = Console(["--demo", "--speed", "4"], 120, 40)
try:
    def holding():
        s = c.wait(lambda s: re.search(r"measuring \d+/24 +over 20% for \d+ s of 60 s", header(s))
                   and re.search(r"no suggestion: holding: over 20% for \d+ s of 60 s; a plan in \d+ s", why(s)),
                   30, "measuring, over and holding")
        return "balanced" not in header(s), s
    tap.attempt("the demo's header: measuring N/24 and over 20% for N s of 60 s, never balanced; the Suggestions pane: holding", holding)

    def over_grows():
        s1 = c.wait(lambda s: re.search(r"over 20% for (\d+) s", header(s)), 10, "over")
        a = int(re.search(r"over 20% for (\d+) s", header(s1)).group(1))
        s2 = c.wait(lambda s: re.search(r"over 20% for (\d+) s", header(s)) and
                    int(re.search(r"over 20% for (\d+) s", header(s)).group(1)) > a, 20, "it grows")
        return True, header(s1) + "\n" + header(s2)
    tap.attempt("the time over the threshold grows with the clock", over_grows)

    def enter_confirms():
        s = c.wait(lambda s: OFFERED.search(s) and "IMBALANCED" in header(s), 60, "a suggestion")
        c.keys("Enter")	# the Suggestions pane has the focus
        s = c.wait_text("Confirm this migration?")
        c.keys("n")
        c.wait_text("cancelled: nothing done")
        return True, s
    tap.attempt("Enter in the Suggestions pane still confirms", enter_confirms)

    def dismissed():
        c.keys("n")
        s = c.wait(lambda s: "no suggestion: dismissed: that plan is not offered again" in why(s), 20, "dismissed")
        return True, s
    tap.attempt("a dismissed suggestion: the pane says why none is there", dismissed)

    def host_detail():
        c.keys("BTab")	# Suggestions -> VMs
        c.keys("BTab")	# VMs -> Hosts
        c.keys("Home")
        c.keys("Enter")
        s = c.wait(lambda s: "Host atlas" in s and "VMs by CPU (" in s, 10, "atlas's detail")
        ok = re.search(r"Reserve: 1024 MiB kept free \(policy.host_reserve_mib\); room for VMs moving in: \d+ MiB", s) \
            and "Now: a target: CPU" in s and "lic1" in s and "Memory: " in s
        c.keys("Escape")
        c.wait(lambda s: "Host atlas" not in s, 5, "closed")
        c.keys("Down")
        c.keys("Down")
        c.keys("Enter")
        s2 = c.wait(lambda s: "Host castor" in s and "VMs by CPU (" in s, 10, "castor's detail")
        cpus = [float(m.group(1)) for m in re.finditer(r"[\u2502|]   (?:web\d|db\d|cache\d|dns\d|ci\d|batch\d|mon\d|mail\d|lic\d) +([\d.]+) +[\d.]+ +\d+ +\d+", s2)]
        ok2 = re.search(r"Now: not a target: CPU \d+% is \d+ points over", s2) and len(cpus) >= 2 \
            and cpus == sorted(cpus, reverse=True)
        c.keys("Escape")
        c.wait(lambda s: "Host castor" not in s, 5, "closed")
        return bool(ok and ok2), s + "\n" + s2 + "\ncpus %r" % cpus
    tap.attempt("Enter on a host: its VMs by CPU, memory and reserve, why it is or is not a target; Esc closes", host_detail)

    def vm_detail():
        c.keys("Tab")	# Hosts -> VMs
        c.keys("/")
        c.wait_text("Filter VMs:")
        c.keys("-l", "web1")
        c.keys("Enter")
        c.wait_text("filter 'web1'")
        c.keys("Enter")
        s = c.wait(lambda s: "VM web1" in s and "Where it may go" in s, 10, "web1's detail")
        ok = all(x in s for x in ("vCPUs, 2048 MiB of memory", "Use: ", "demand ",
                                  "affinity with cache1: they move together",
                                  "Last moves (this run's migration events):", "none this run")) \
            and re.search(r"castor +here now", s) and re.search(r"atlas +predicted spread +[\d.]+%", s)
        c.keys("Escape")
        c.wait(lambda s: "VM web1" not in s, 5, "closed")
        return bool(ok), s
    tap.attempt("Enter on a VM: use, demand, memory, vCPUs, its rules, its moves, where it may go with the predicted spread", vm_detail)
finally:
    c.close()

# 2. a balanced cluster whose third host answers late: connecting,
#    measuring, below threshold, paused
EVEN = scenario("even.yaml", """
hosts:
  - {name: h1, cpus: 4, memory_mib: 16384}
  - {name: h2, cpus: 4, memory_mib: 16384}
  - {name: h3, cpus: 4, memory_mib: 16384, connect_after_s: 60}
vms:
  - {name: a, host: h1, vcpus: 1, memory_mib: 1024, load: 50}
  - {name: b, host: h2, vcpus: 1, memory_mib: 1024, load: 50}
  - {name: c, host: h3, vcpus: 1, memory_mib: 1024, load: 50}
policy: {threshold_pct: 20, hold_s: 60, window: 24, probe_interval_s: 5,
  analyse_interval_s: 10}
""")
c = Console(["--scenario", EVEN, "--speed", "4"], 120, 40)
try:
    def connecting():
        s = c.wait(lambda s: "connecting: not reached yet" in s and "1 connecting" in header(s)
                   and re.search(r"^\W*h3 +conn ", s, re.M), 20, "h3 connecting")
        return "down" not in header(s), s
    tap.attempt("a host not reached yet: connecting in the Hosts pane and the header, not down", connecting)

    def measuring():
        s = c.wait(lambda s: re.search(r"no suggestion: measuring \d+/24: spread [\d.]+% within 20% so far", why(s))
                   and re.search(r"measuring \d+/24 +balanced", header(s)), 30, "measuring")
        return True, s
    tap.attempt("while the windows fill: measuring N/24 in the header and the pane", measuring)

    def reached():
        s = c.wait(lambda s: "connecting" not in s and re.search(r"^\W*h3 +up ", s, re.M), 40, "h3 up")
        return "3 up" in header(s), s
    tap.attempt("the late host, once reached, is up", reached)

    def paused():
        c.keys("p")
        s = c.wait(lambda s: "no suggestion: paused: no planning until resumed (p resumes)" in why(s), 10, "paused")
        c.keys("p")
        c.wait(lambda s: "paused" not in why(s), 10, "resumed")
        return True, s
    tap.attempt("paused: the pane says so", paused)

    def below():
        s = c.wait(lambda s: re.search(r"no suggestion: below threshold: spread [\d.]+% within 20%", why(s))
                   and "measuring" not in header(s) and " balanced " in header(s), 60, "below threshold")
        return True, s
    tap.attempt("windows full, spread within the threshold: below threshold, balanced", below)
finally:
    c.close()

# 3. observe mode
c = Console(["--demo", "--speed", "4", "--mode", "observe"], 120, 40)
try:
    tap.attempt("observe mode: the pane says vmbal never plans here", lambda: (True, c.wait(
        lambda s: "no suggestion: observe mode: vmbal watches and never plans here" in why(s), 20, "observe")))
finally:
    c.close()

# 3b. dry run: the plan is made and said in the events, never offered
c = Console(["--demo", "--speed", "8", "--dry-run"], 120, 40)
try:
    def dry():
        s = c.wait(lambda s: "no suggestion: dry run: the plan is said in the events, never offered" in why(s),
                   60, "dry run")
        return not OFFERED.search(s) and "plan" in s, s
    tap.attempt("dry run: the pane says the plan is said in the events, never offered; no move offered", dry)
finally:
    c.close()

# 4. auto: a moves, the spread stays over; settling, cooling down, then
#    no move helps; the moved VM's detail shows its move and the journal's
JOURNAL = os.path.join(tmp, "journal.jsonl")
UNEVEN = scenario("uneven.yaml", """
hosts:
  - {name: h1, cpus: 4, memory_mib: 16384}
  - {name: h2, cpus: 4, memory_mib: 16384}
vms:
  - {name: a, host: h1, vcpus: 2, memory_mib: 1024, load: 200}
  - {name: b, host: h1, vcpus: 1, memory_mib: 1024, load: 100}
migration: {bandwidth_mbps: 1000, fail_rate: 0, seed: 1}
journal: %s
policy: {mode: auto, threshold_pct: 20, hold_s: 30, window: 2, vm_cooldown_s: 120,
  probe_interval_s: 5, analyse_interval_s: 10}
""" % JOURNAL)
c = Console(["--scenario", UNEVEN, "--speed", "4"], 120, 40)
try:
    def settle_cool_nogain():
        s1 = c.wait(lambda s: re.search(r"no suggestion: settling: the last plan ended; the next in \d+ s", why(s)), 60, "settling")
        s2 = c.wait(lambda s: re.search(r"no suggestion: cooling down: 1 VM moved within 120 s \(the first free in \d+ s\)", why(s)), 60, "cooling down")
        s3 = c.wait(lambda s: "no suggestion: no move helps: none lowers the spread" in why(s), 90, "no move helps")
        return "IMBALANCED" in header(s3), s1 + s2 + s3
    tap.attempt("after a move that leaves the spread over: settling, cooling down, then no move helps", settle_cool_nogain)

    def moved_detail():
        s = c.screen()
        m = re.search(r"^ .? (a|b) +h2 ", s, re.M)
        if not m:
            return False, s
        vm = m.group(1)
        c.keys("BTab")	# Suggestions -> VMs
        c.keys("/")
        c.keys("-l", vm)
        c.keys("Enter")
        c.wait_text("filter '%s'" % vm)
        c.keys("Enter")
        s = c.wait(lambda s: "VM %s" % vm in s and "Where it may go" in s, 10, "the detail")
        ok = re.search(r"migration %s h1 -> h2 done in [\d.]+s" % vm, s) and \
            "Journal " in s and re.search(r"last move h1 -> h2 done, \S+ ago", s)
        c.keys("Escape")
        return bool(ok), s
    tap.attempt("the moved VM's detail: its move in this run's events and the journal's last record", moved_detail)
finally:
    c.close()

# 5. standby: a cluster (libvirt's in-process test driver, no daemon, no
#    network) whose ha address is not on this machine
CLUSTER = scenario("standby.yaml", """
hosts:
  - {name: t1, uri: "test:///default", cpus: 4}
ha: {address: 198.18.250.1}
policy: {probe_interval_s: 5, analyse_interval_s: 5}
""")
c = Console(["-c", CLUSTER], 120, 40)
try:
    tap.attempt("standby: the pane says the director holding the address plans", lambda: (True, c.wait(
        lambda s: "no suggestion: standby: the director holding 198.18.250.1 plans" in why(s)
        and "STANDBY" in header(s), 20, "standby")))
finally:
    c.close()

shutil.rmtree(tmp, True)
sys.exit(tap.done())
