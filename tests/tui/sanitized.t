#!/usr/bin/env python3
# sanitized.t - the console built with ASan+UBSan (build/asan/vmbal),
# driven through a session that touches every pane and dialog: help,
# filter, sort, themes, resize, confirm, migrate, maintenance, drain,
# pause, auto mode, quit. No sanitizer report, no leak, exit status 0.
import glob, os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tmuxconsole
from tmuxconsole import Console, Tap, require, ROOT

ASAN = os.path.join(ROOT, "build", "asan", "vmbal")
if not os.access(ASAN, os.X_OK):
    print("1..0 # skip %s not built (make build/asan/vmbal)" % ASAN)
    sys.exit(0)
require()
tmuxconsole.VMBAL = ASAN
tap = Tap()
c = Console(["--demo", "--speed", "20"], 100, 32,
            env={"ASAN_OPTIONS": "log_path=%s/asan:detect_leaks=1:abort_on_error=0" % "/tmp/vmbal-tui-asan",
                 "UBSAN_OPTIONS": "print_stacktrace=1:log_path=/tmp/vmbal-tui-asan/ubsan"})
os.makedirs("/tmp/vmbal-tui-asan", exist_ok=True)
for f in glob.glob("/tmp/vmbal-tui-asan/*"):
    os.unlink(f)
try:
    def session():
        c.wait(lambda s: "offered" in s, 60, "a suggestion")
        for k in ("F1", "Escape", "/", "w", "Enter", ">", ">", "I", "t", "t", "t"):
            c.keys(k)
        c.keys("/")
        c.keys("Escape")
        c.resize(80, 24)
        c.wait(lambda s: len(s.splitlines()) == 24 and s.startswith(" vmbal"), 10, "80x24")
        c.resize(200, 60)
        c.wait(lambda s: len(s.splitlines()) == 60 and s.startswith(" vmbal"), 10, "200x60")
        c.resize(60, 20)
        c.wait_text("too small")
        c.resize(100, 32)
        c.wait(lambda s: "Hosts" in s, 10, "back")
        c.keys("y")
        c.wait_text("Confirm this migration?")
        c.keys("y")
        c.keys("BTab", "j", "j", "e")	# the filter left the focus on VMs
        c.wait_text("Evacuation plan for castor")
        c.keys("y")
        c.keys("Tab", "Tab", "Tab", "Tab", "j", "d")
        c.wait_text("Drain this backend?")
        c.keys("y")
        c.keys("p", "p", "a")
        c.wait_text("Switch to AUTO mode?")
        c.keys("y")
        c.wait(lambda s: " AUTO " in s.splitlines()[0], 10, "AUTO")
        c.keys("Tab", "m", "Escape", "n", "x", "Escape", "q")
        s = c.wait(lambda s: c.exited() is not None or "Quit anyway?" in s, 20, "quit")
        if "Quit anyway?" in s:
            c.keys("y")
        c.wait(lambda s: c.exited() is not None, 20, "exit")
        return c.exited() == "vmbal exited 0", "%s\n%s" % (c.exited(), s)
    tap.attempt("an ASan+UBSan console session through every pane and dialog exits 0", session)
finally:
    c.close()
reports = glob.glob("/tmp/vmbal-tui-asan/*")
text = "".join(open(f).read() for f in reports)
tap.check(not reports, "no sanitizer or leak report", text[:3000])
sys.exit(tap.done())
