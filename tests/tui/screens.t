#!/usr/bin/env python3
# screens.t - the console's screens, driven through a private tmux
# server: the demo's hosts, VMs and a suggestion; help; filter; sort;
# themes; resize to 80x24 and 200x60; the too-small message; ASCII and
# NO_COLOR; the terminals users have; quit. Every check waits for
# content on the screen. Prints TAP.
import os, re, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require

require()
tap = Tap()
BLOCKS = re.compile("[\u2581-\u2589\u2500\u00b7\u2192]")

c = Console(["--demo", "--speed", "20"], 100, 32)
try:
    def demo_shows():
        s = c.wait(lambda s: "Suggestions:" in s and "offered" in s, 30,
                   "a suggestion")
        ok = all(x in s for x in ("atlas", "boreas", "castor", "batch1",
                                  "web1", "MANUAL", "IMBALANCED"))
        return ok, s
    tap.attempt("the demo shows its hosts, VMs and a suggestion", demo_shows)
    s = c.screen()
    tap.check(BLOCKS.search(s) is not None,
              "UTF-8 locale: block bars and sparklines", s)
    tap.check(re.search(r"spread [\d.]+%/20%", s) is not None,
              "the header shows the spread against the threshold", s)
    tap.check(re.search(r"\d\d:\d\d:\d\d +1s", s) is not None,
              "the header shows the clock and the refresh interval", s)
    # the VMs pane: demand (use plus CPU wait) beside use, never below it
    vrows = [m for m in (re.match(r"^ .? (\w+) +(?:atlas|boreas|castor) +([\d.]+) \S* +([\d.]+) +\d+ ", l)
                         for l in s.splitlines()) if m]
    tap.check(re.search(r"CPU% +DEM% +MEM MiB", s) is not None and len(vrows) >= 6 and
              all(float(m.group(3)) >= float(m.group(2)) - 0.1 for m in vrows),
              "the VMs pane shows DEM% beside CPU%, at least the use", s)

    def help_screen():
        c.keys("F1")
        s = c.wait_text("Tab / Shift-Tab")
        ok = "Help" in s and "confirm the selected suggestion" in s
        c.keys("Escape")
        s2 = c.wait(lambda s: "Tab / Shift-Tab" not in s, 5, "help closed")
        c.keys("?")
        c.wait_text("Tab / Shift-Tab")
        c.keys("q")		# q closes help; it does not quit
        c.wait(lambda s: "Tab / Shift-Tab" not in s, 5, "help closed")
        return ok and c.exited() is None, s
    tap.attempt("F1 and ? show the help; Esc and q close it", help_screen)

    def filter_vms():
        c.keys("/")
        c.wait_text("Filter VMs:")
        c.keys("w", "e", "b")
        s = c.wait_text("filter 'web'")
        c.keys("Enter")
        s = c.wait(lambda s: "Filter VMs:" not in s, 5, "filter kept")
        rows = [l for l in s.splitlines() if re.match(r"^ .? (\w+) +(atlas|boreas|castor) ", l)]
        names = sorted(re.match(r"^ .? (\w+)", l).group(1) for l in rows)
        ok = names == ["web1", "web2", "web3"] and "VMs 3/14" in s
        c.keys("/")
        c.wait_text("Filter VMs:")
        c.keys("Escape")
        s2 = c.wait_text("VMs 14/14")
        return ok, "rows %r\n%s" % (names, s)
    tap.attempt("/ filters the VMs by name; Esc clears the filter", filter_vms)

    def sort_vms():
        c.keys(">", ">")
        s = c.wait_text("sort cpu")
        c.resize(100, 40)
        s = c.wait(lambda s: len([l for l in s.splitlines() if re.match(r"^ .? \w+ +(atlas|boreas|castor) +[\d.]+ ", l)]) >= 6, 10, "rows")
        cpus = [float(m.group(2)) for m in (re.match(r"^ .? (\w+) +\w+ +([\d.]+) ", l) for l in s.splitlines()) if m]
        ok = len(cpus) >= 6 and cpus == sorted(cpus, reverse=True)
        c.keys("I")
        s2 = c.wait_text("(inverted)")
        cpus2 = [float(m.group(2)) for m in (re.match(r"^ .? (\w+) +(?:atlas|boreas|castor) +([\d.]+) ", l) for l in s2.splitlines()) if m]
        ok2 = len(cpus2) >= 6 and cpus2 == sorted(cpus2)
        c.keys("I", "<", "<")
        c.wait_text("sort name")
        c.resize(100, 32)
        return ok and ok2, "desc %r asc %r\n%s" % (cpus, cpus2, s2)
    tap.attempt("> sorts the VMs by CPU (busiest first); I inverts", sort_vms)

    def themes():
        seen = []
        for _ in range(3):
            c.keys("t")
            s = c.wait(lambda s: re.search(r"theme: (\w+)", s) and re.search(r"theme: (\w+)", s).group(1) not in seen[-1:], 5, "theme message")
            seen.append(re.search(r"theme: (\w+)", s).group(1))
        return sorted(seen) == ["dark", "light", "mono"], "themes %r" % seen
    tap.attempt("t cycles the themes dark, light and mono", themes)

    def resize_small():
        c.resize(80, 24)
        s = c.wait(lambda s: len(s.splitlines()) == 24 and "Events" in s and s.startswith(" vmbal"), 10, "80x24")
        ok = all(x in s for x in ("Hosts", "VMs", "Suggestions", "Migrations",
                                  "Services", "Events", "F1 Help"))
        ok = ok and all(len(l) <= 80 for l in s.splitlines())
        return ok, s
    tap.attempt("resized to 80x24: every pane is there", resize_small)

    def resize_big():
        c.resize(200, 60)
        s = c.wait(lambda s: len(s.splitlines()) == 60 and s.startswith(" vmbal") and any("Hosts" in l and "Suggestions" in l for l in s.splitlines()), 10, "200x60 two columns")
        ok = "batch1" in s and "mon1" in s and "lic1" in s	# every VM shows
        return ok, s
    tap.attempt("resized to 200x60: two columns, every VM in view", resize_big)

    def too_small():
        c.resize(70, 20)
        s = c.wait_text("Terminal too small: 70x20")
        ok = "at least 80x24" in s
        c.resize(100, 32)
        s2 = c.wait(lambda s: "too small" not in s and "Hosts" in s, 10, "back")
        return ok, s
    tap.attempt("below 80x24: a clear too-small message, then back", too_small)

    def refresh_keys():
        c.keys("+")
        s = c.wait(lambda s: re.search(r"\d\d:\d\d:\d\d +0\.5s", s.splitlines()[0]), 5, "0.5s")
        c.keys("+")	# the shortest stays
        c.wait_text("refresh every 0.5s")
        for want in ("1s", "2s", "5s", "10s", "10s"):
            c.keys("-")
            c.wait(lambda s: re.search(r"\d\d:\d\d:\d\d +%s" % re.escape(want), s.splitlines()[0]), 5, want)
        c.keys("+", "+", "+")
        s = c.wait(lambda s: re.search(r"\d\d:\d\d:\d\d +1s", s.splitlines()[0]), 5, "back to 1s")
        return True, s
    tap.attempt("+ and - step the refresh interval through 0.5, 1, 2, 5 and 10 s", refresh_keys)

    def tab_focus():
        order = ["Hosts", "VMs", "Suggestions", "Migrations", "Services", "Events"]
        focus = lambda s: re.search(r"─ ▶ (\w+)", s).group(1)
        start = focus(c.screen())
        seen = [start]
        for _ in range(6):
            c.keys("Tab")
            c.wait(lambda s: focus(s) == order[(order.index(seen[-1]) + 1) % 6], 5, "next pane")
            seen.append(focus(c.screen()))
        c.keys("BTab")
        s = c.wait(lambda s: focus(s) == order[(order.index(start) - 1) % 6], 5, "previous pane")
        ok = seen[0] == seen[-1] and sorted(seen[:6]) == sorted(order)
        while focus(c.screen()) != "VMs":
            c.keys("Tab")
            time.sleep(0.05)
        c.keys("e")
        c.wait_text("select a host in the Hosts pane first")
        c.keys("BTab")
        c.keys("m")
        s = c.wait_text("select a VM in the VMs pane first")
        return ok, "%r\n%s" % (seen, s)
    tap.attempt("Tab and Shift-Tab move between panes; pane keys say where they work", tab_focus)

    def unknown_key():
        c.keys("Z")
        s = c.wait_text("does nothing here")
        return "F1 or ? for help" in s, s
    tap.attempt("an unbound key says so and changes nothing", unknown_key)

    def quit_key():
        c.keys("q")
        c.wait(lambda s: c.exited() is not None, 10, "exit")
        return c.exited() == "vmbal exited 0", c.exited()
    tap.attempt("q quits with status 0 when nothing migrates", quit_key)
finally:
    c.close()

# ASCII: --ascii, and a locale that is not UTF-8
for label, args, env in (("--ascii", ["--demo", "--ascii"], {}),
                         ("LANG=C", ["--demo"], {"LANG": "C", "LC_ALL": "C"})):
    c = Console(args, 100, 32, env=env)
    try:
        def ascii_only():
            s = c.wait(lambda s: "atlas" in s and "|" in s, 10, "bars")
            return BLOCKS.search(s) is None and "---" in s, s
        tap.attempt("%s: ASCII bars and rules only" % label, ascii_only)
    finally:
        c.close()

# colours, and NO_COLOR
for label, env, want in (("colours by default", {}, True),
                         ("NO_COLOR: no colour at all", {"NO_COLOR": "1"}, False)):
    c = Console(["--demo"], 100, 32, env=env, term="xterm-256color")
    try:
        def colours():
            c.wait_text("atlas", 10)
            s = c.screen(escapes=True)
            has = re.search(r"\x1b\[[0-9;]*(3[0-7]|38;5;\d+|4[0-7]|48;5;\d+|9[0-7])[;m]", s) is not None
            return has == want, repr(s[:600])
        tap.attempt(label, colours)
    finally:
        c.close()

# the terminals users have
for term in ("tmux-256color", "screen", "xterm-256color"):
    c = Console(["--demo"], 90, 28, term=term)
    try:
        def works():
            s = c.wait(lambda s: "atlas" in s and "Events" in s, 10, "screen")
            c.keys("Tab")
            c.keys("F1")
            s = c.wait_text("Tab / Shift-Tab", 5)
            c.keys("Escape")
            c.keys("F10")
            c.wait(lambda s: c.exited() is not None, 10, "exit")
            return c.exited() == "vmbal exited 0", s
        tap.attempt("TERM=%s: draws, F1 helps, F10 quits" % term, works)
    finally:
        c.close()

# a bad theme: a message and the default, never a crash
c = Console(["--demo", "--theme", "nosuch"], 100, 32)
try:
    def bad_theme():
        s = c.wait(lambda s: "atlas" in s and "theme:" in s, 10, "message")
        return "using the default" in s and c.exited() is None, s
    tap.attempt("--theme nosuch: a message and the default theme", bad_theme)
finally:
    c.close()

c = Console(["--demo"], 100, 32, env={"XDG_CONFIG_HOME": "/nonexistent"})
try:
    cfgdir = os.path.join(c.dir, "config", "vmbal", "themes")
    os.makedirs(cfgdir)
    with open(os.path.join(cfgdir, "broken.theme"), "w") as f:
        f.write("normal: chartreuse on black\n")
finally:
    c.close()
c2dir = None
import tempfile
d = tempfile.mkdtemp()
os.makedirs(os.path.join(d, "vmbal", "themes"))
with open(os.path.join(d, "vmbal", "themes", "broken.theme"), "w") as f:
    f.write("normal: chartreuse on black\n")
c = Console(["--demo", "--theme", "broken"], 100, 32, env={"XDG_CONFIG_HOME": d})
try:
    def broken_theme():
        s = c.wait(lambda s: "atlas" in s and "theme:" in s, 10, "message")
        return "broken.theme:1:9: unknown colour" in s, s
    tap.attempt("a broken theme file: its FILE:LINE:COL message, the default", broken_theme)
finally:
    c.close()

sys.exit(tap.done())
