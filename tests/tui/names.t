#!/usr/bin/env python3
# names.t - the console with long names (issue 11), through a private tmux
# server: a suggestion to move a VM whose name is 70 bytes is confirmed
# with y, y; of two hosts a x 63 and a x 63 + "-b", the migrate dialog's
# host picker names and migrates to the one picked. The scenario's
# journal says what was done. Prints TAP.
import atexit, json, os, re, shutil, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require

require()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="vmbal-tui-names-")
atexit.register(shutil.rmtree, tmp, True)

A = "a" * 63
AB = A + "-b"
LONG = "v" * 70
jpath = os.path.join(tmp, "journal.jsonl")
scenario = os.path.join(tmp, "names.yaml")
with open(scenario, "w") as f:
    f.write("""hosts:
  - {name: %s, cpus: 4, memory_mib: 16384}
  - {name: %s, cpus: 4, memory_mib: 16384}
vms:
  - {name: %s, host: %s, vcpus: 2, memory_mib: 512, load: 150}
  - {name: heavy, host: %s, vcpus: 2, memory_mib: 512, load: 150}
  - {name: s1, host: %s, vcpus: 1, memory_mib: 512, load: 5}
migration: {bandwidth_mbps: 1000, fail_rate: 0, seed: 1}
journal: %s
policy: {mode: manual, threshold_pct: 20, hold_s: 0, window: 2,
         probe_interval_s: 1, analyse_interval_s: 2}
rules:
  - exclude: [heavy]
""" % (A, AB, LONG, A, A, A, jpath))


def intents():
    out = []
    try:
        with open(jpath) as f:
            for line in f:
                r = json.loads(line)
                if r.get("phase") == "intent":
                    out.append((r["vm"], r["from"], r["to"], r["who"]))
    except (OSError, ValueError):
        pass
    return out


def short(t):
    return tuple(s if len(s) < 20 else "%s..(%d)" % (s[:6], len(s)) for s in t)


c = Console(["--scenario", scenario, "--speed", "10"], 100, 32)
try:
    def confirm_long():
        c.wait(lambda s: "Suggestions: 1 move" in s, 30, "a suggestion")
        c.keys("y")
        s = c.wait_text("Confirm this migration?")
        flat = s.replace("\n", "").replace("│", "").replace("|", "")
        if LONG not in flat.replace(" ", ""):
            return False, "the dialog does not show the whole name\n" + s
        c.keys("y")
        c.wait(lambda s: any(i[0] == LONG for i in intents()) or
               "the suggestion changed" in s, 10, "the move or a refusal")
        got = intents()
        return got == [(LONG, A, AB, "operator")], repr([short(i) for i in got])
    tap.attempt("a suggested move of a VM with a 70-byte name is confirmed "
                "and carried out", confirm_long)

    def pick_host():
        c.keys("/")
        c.wait_text("Filter VMs:")
        c.keys("-l", "s1")
        c.keys("Enter")
        c.wait_text("filter 's1'")
        c.keys("m")
        s = c.wait_text("Migrate s1 (now on")
        # the picker's default is the first host that may be chosen: a x 63
        # + "-b" (s1 is on a x 63 already)
        c.keys("Enter")
        s = c.wait_text("Confirm this migration?")
        flat = re.sub(r"[\s│|]", "", s)
        named = "Migrates1from%sto%s(live)." % (A, AB) in flat
        c.keys("y")
        try:
            c.wait(lambda s: any(i[0] == "s1" for i in intents()), 5,
                   "the intent of s1")
        except Timeout:
            pass
        got = [i for i in intents() if i[0] == "s1"]
        return (named and got == [("s1", A, AB, "operator")],
                "dialog names a x 63-b: %s; moves of s1: %r\n%s"
                % (named, [short(i) for i in got], s))
    tap.attempt("of hosts a x 63 and a x 63-b, the picker names and migrates "
                "to the one picked", pick_host)
finally:
    c.keys("q")
    c.close()
tap.done()
