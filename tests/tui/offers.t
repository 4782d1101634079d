#!/usr/bin/env python3
# offers.t - offers that stand (issue 12), in the console: on the demo in
# manual mode the first suggestion stands, and when it is replaced the
# Suggestions pane says why on its last row ("replaced: ..."). Driven through a private tmux server. Prints TAP.
import os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require

require()
tap = Tap()

c = Console(["--demo", "--speed", "50"], 120, 40)
try:
    def first_offer():
        s = c.wait(lambda s: "Suggestions:" in s and "offered" in s, 30,
                   "a suggestion")
        return "replaced:" not in s, s
    tap.attempt("the first suggestion replaces nothing", first_offer)

    def pane(s):
        lines = s.splitlines()
        top = [i for i, l in enumerate(lines) if "Suggestions" in l]
        end = [i for i, l in enumerate(lines) if "Migrations (" in l]
        return lines[top[0] + 1:end[0]] if top and end else []

    def replaced():
        # the demo's first offer stops reaching the target at 170 s
        s = c.wait(lambda s: any(l.strip().startswith("replaced: ")
                                 for l in pane(s)), 30,
                   "a replacement in the Suggestions pane")
        why = [l.strip() for l in pane(s) if l.strip().startswith("replaced: ")]
        ok = len(why) == 1 and re.match(
            r"replaced: (no longer reaches [\d.]+% \([\d.]+%\)|"
            r"a plan with \d+ moves? instead of \d+|.+ is .+)$", why[0])
        return ok and "offered" in "\n".join(pane(s)), s
    tap.attempt("a replaced suggestion says why on the Suggestions pane's "
                "last row", replaced)
finally:
    c.close()

sys.exit(tap.done())
