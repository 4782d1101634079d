#!/usr/bin/env python3
# history.t - the console's h (issue 17): on a host or a VM it opens the
# last hour of its history, read from the RRD files the run is writing,
# drawn in braille cells with the run's migrations marked and listed; Esc
# closes it; h is no longer help (F1 and ? are). Prints TAP.
import os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require

require()
tap = Tap()
BRAILLE = re.compile("[\u2801-\u28ff]")

c = Console(["--demo", "--mode", "auto", "--speed", "40"], 110, 36)
try:
    moved = {}

    def a_move():
        s = c.wait(lambda s: re.search(r"migration (\w+) (\w+) -> (\w+) done", s), 60,
                   "a migration done", stable=False)
        m = re.search(r"migration (\w+) (\w+) -> (\w+) done", s)
        moved.update(vm=m.group(1), src=m.group(2), dst=m.group(3))
        return True, "%(vm)s %(src)s -> %(dst)s" % moved
    tap.attempt("auto mode moves a VM (the history has a mark)", a_move)

    def host_chart():
        c.keys("h")     # the Hosts pane has the focus at start: atlas
        s = c.wait(lambda s: "History: host" in s and BRAILLE.search(s), 10,
                   "the host chart")
        name = re.search(r"History: host (\w+)", s).group(1)
        want = "%s -> %s" % (moved.get("src", "?"), moved.get("dst", "?"))
        s = c.wait(lambda s: "ago  %s %s" % (moved.get("vm", "?"), want) in s or
                   name not in (moved.get("src"), moved.get("dst")), 10, "its mark")
        marked = "\u2502" in s
        return ("Esc or q closes" in s and marked and
                (name not in (moved.get("src"), moved.get("dst")) or
                 "%s %s" % (moved["vm"], want) in s)), s
    tap.attempt("h on a host: its last hour in braille cells, the migration marked and listed",
                host_chart)

    def esc_closes():
        c.keys("Escape")
        s = c.wait(lambda s: "History:" not in s and "Hosts" in s, 10, "closed")
        return True, s
    tap.attempt("Esc closes the chart", esc_closes)

    def vm_chart():
        c.keys("Tab")   # the VMs pane
        c.keys("/")
        c.wait_text("Filter VMs:")
        c.keys("-l", moved.get("vm", "web1"))
        c.keys("Enter")
        c.wait_text("filter '%s'" % moved.get("vm", "web1"))
        c.keys("h")
        s = c.wait(lambda s: "History: VM %s" % moved.get("vm", "web1") in s and
                   BRAILLE.search(s), 10, "the VM chart")
        ok = "%s %s -> %s" % (moved.get("vm"), moved.get("src"), moved.get("dst")) in s
        c.keys("q")
        s2 = c.wait(lambda s: "History:" not in s, 10, "closed by q")
        return ok, s
    tap.attempt("h on a VM: its chart with its move; q closes it too", vm_chart)

    def help_keys():
        c.keys("?")
        s = c.wait_text("Help")
        ok = re.search(r"^\W*h +history", s, re.M) is not None
        c.keys("Escape")
        c.wait(lambda s: "Help" not in s.splitlines()[0:3] and "History:" not in s, 10, "help closed")
        return ok, s
    tap.attempt("? opens help, which lists h as history", help_keys)
finally:
    c.close()
sys.exit(tap.done())
