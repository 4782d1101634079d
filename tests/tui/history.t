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
    RECENT = re.compile(r"^ (\w+) +(\w+) → (\w+) +done ", re.M)

    def a_move():
        # the Migrations pane keeps the latest that ended, newest first
        s = c.wait(lambda s: RECENT.search(s), 60, "a migration done", stable=False)
        m = RECENT.search(s)
        moved.update(vm=m.group(1), src=m.group(2), dst=m.group(3),
                     all=["%s %s -> %s" % g for g in RECENT.findall(s)])
        return True, "%(vm)s %(src)s -> %(dst)s" % moved
    tap.attempt("auto mode moves a VM (the history has a mark)", a_move)

    def focus(title):
        for _ in range(8):
            if "▶ " + title in c.screen():
                return
            c.keys("Tab")
            c.wait(lambda s: "▶ " in s, 5, "a focus")
        raise Timeout("the focus on " + title, c.screen())

    def host_chart():
        focus("Hosts")
        c.keys("Home")
        # the first row: the host that received the move seen, or not
        c.keys("h")
        s = c.wait(lambda s: "History: host" in s and BRAILLE.search(s), 10,
                   "the host chart")
        name = re.search(r"History: host (\w+)", s).group(1)
        mine = [m for m in moved.get("all", []) if (" %s " % name) in m or m.endswith(" " + name)]
        s = c.wait(lambda s: all(("ago  " + m) in s for m in mine[:1]), 10, "its mark")
        return ("Esc or q closes" in s and (not mine or "│" in s)), \
            "host %s, moves about it %r\n%s" % (name, mine, s)
    tap.attempt("h on a host: its last hour in braille cells, its migrations marked and listed",
                host_chart)

    def esc_closes():
        c.keys("Escape")
        s = c.wait(lambda s: "History:" not in s and "Hosts" in s, 10, "closed")
        return True, s
    tap.attempt("Esc closes the chart", esc_closes)

    def vm_chart():
        focus("VMs")
        c.keys("/")
        c.wait_text("Filter VMs:")
        c.keys("-l", moved.get("vm", "web1"))
        c.keys("Enter")
        c.wait_text("filter '%s'" % moved.get("vm", "web1"))
        c.keys("h")
        s = c.wait(lambda s: "History: VM %s" % moved.get("vm", "web1") in s and
                   BRAILLE.search(s), 10, "the VM chart")
        want = "ago  %s %s -> %s" % (moved.get("vm"), moved.get("src"), moved.get("dst"))
        s = c.wait(lambda s: want in s, 10, "its move listed")
        c.keys("q")
        c.wait(lambda s: "History:" not in s, 10, "closed by q")
        return True, s
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
