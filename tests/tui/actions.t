#!/usr/bin/env python3
# actions.t - the console's actions, through a private tmux server:
# confirming a suggestion shows the migration's progress and then the new
# placement; auto mode balances the demo with no keystroke; a switches
# modes (confirmed); m migrates a VM to a host picked with its predicted
# spread; e evacuates a host into maintenance; d drains a backend; p
# pauses; x aborts a migration; q asks while migrations run; a second
# vmbal observes and says who holds control; the terminal is restored
# after q, SIGTERM and a crash. Prints TAP.
import atexit, os, re, shutil, signal, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require, slow_demo

require()
tap = Tap()

# the demo with slow, never-failing migrations: long enough to watch
SLOW = slow_demo(100)
tmp = tempfile.mkdtemp(prefix="vmbal-tui-")
atexit.register(shutil.rmtree, tmp, True)


def vm_host(s, vm):
    m = re.search(r"^ .? %s +(\w+) " % re.escape(vm), s, re.M)
    return m.group(1) if m else None


def filter_to(c, text):
    c.keys("/")
    c.wait_text("Filter VMs:")
    c.keys("-l", text)
    c.keys("Enter")
    c.wait_text("filter '%s'" % text)


# 1. confirm a suggestion: dialog, progress, new placement
c = Console(["--demo", "--speed", "20"], 100, 32)
try:
    def confirm_one():
        c.keys("+")	# frames every 0.5 s: the progress is seen moving
        s = c.wait(lambda s: "offered" in s, 30, "a suggestion")
        c.keys("y")
        s = c.wait_text("Confirm this migration?")
        m = re.search(r"Migrate (\w+) from (\w+) to (\w+) \(live\)", s)
        if not m or "[N] No" not in s:
            return False, s
        vm, src, dst = m.groups()
        c.keys("y")
        seen = set()
        def progress(s):
            m = re.search(r"%s +%s → %s +\S+ +(\d+)%% " % (vm, src, dst), s)
            if m:
                seen.add(int(m.group(1)))
            return any(0 < p < 100 for p in seen) or "%s -> %s done" % (src, dst) in s
        s = c.wait(progress, 30, "progress", stable=False)
        p1 = sorted(seen)
        if not any(0 < p < 100 for p in seen):
            return False, "progress seen: %r\n%s" % (p1, s)
        s2 = c.wait(lambda s: "migration %s %s -> %s done" % (vm, src, dst) in s, 30, "done event")
        filter_to(c, vm)
        s3 = c.wait(lambda s: vm_host(s, vm) == dst, 10, "new placement")
        c.keys("/")
        c.keys("Escape")
        return True, "%s %s->%s, progress seen at %r%%" % (vm, src, dst, p1)
    tap.attempt("y on a suggestion: a dialog naming the VM and both hosts, progress, then the new placement", confirm_one)
    print("# " + tap.results[-1][2] if tap.results[-1][0] else "", file=sys.stderr)

    def default_no():
        s = c.wait(lambda s: "offered" in s, 60, "a suggestion")
        c.keys("Y")
        s = c.wait_text("Carry out")
        c.keys("Enter")	# Enter is No
        s = c.wait_text("cancelled: nothing done")
        return "Migrations (0)" in s, s
    tap.attempt("Y asks for the whole plan; Enter means No", default_no)

    def dismiss():
        c.wait(lambda s: "offered" in s, 60, "a suggestion")
        c.keys("n")
        s = c.wait_text("suggestion dismissed")
        return True, s
    tap.attempt("n dismisses the suggestion", dismiss)

    def mode_toggle():
        c.keys("a")
        s = c.wait_text("Switch to AUTO mode?")
        c.keys("y")
        s = c.wait(lambda s: " AUTO " in s.splitlines()[0], 5, "AUTO in the header")
        c.keys("a")
        c.wait_text("Switch back to manual mode?")
        c.keys("y")
        s2 = c.wait(lambda s: " MANUAL " in s.splitlines()[0], 5, "MANUAL")
        return True, s
    tap.attempt("a switches to AUTO and back, each confirmed", mode_toggle)

    def pause():
        c.keys("p")
        s = c.wait(lambda s: "PAUSED" in s.splitlines()[0], 5, "PAUSED")
        c.keys("p")
        c.wait(lambda s: "PAUSED" not in s.splitlines()[0], 5, "resumed")
        return True, s
    tap.attempt("p pauses and resumes the engine", pause)
finally:
    c.close()

# 2. auto mode balances the demo with no keystroke
c = Console(["--demo", "--mode", "auto", "--speed", "50"], 100, 32)
try:
    def auto_balances():
        c.wait(lambda s: " AUTO " in s.splitlines()[0] and "IMBALANCED" in s.splitlines()[0], 30, "imbalanced first")
        s = c.wait(lambda s: " AUTO " in s.splitlines()[0] and " balanced " in s.splitlines()[0], 60, "balanced by auto mode")
        moved = vm_host(s, "batch1") != "boreas" or vm_host(s, "web2") != "castor"
        return moved, s
    tap.attempt("auto mode balances the demo with no keystroke", auto_balances)
finally:
    c.close()

# 3. m, x and q while migrating, on slow migrations
c = Console(["--scenario", SLOW, "--speed", "10"], 100, 32)
try:
    def migrate_pick():
        c.wait_text("atlas")
        c.keys("m")	# the focus is on Suggestions, not on a VM
        c.wait_text("select a VM in the VMs pane first")
        filter_to(c, "ci1")	# / puts the focus on the VMs pane
        c.keys("m")
        s = c.wait_text("Migrate ci1 (now on boreas")
        ok = re.search(r"atlas +predicted spread +[\d.]+%", s) and "boreas is on boreas already" not in s
        ok = ok and re.search(r"boreas +ci1 is on boreas already", s)
        c.keys("Enter")	# atlas is the first host that may take it
        s2 = c.wait_text("Confirm this migration?")
        ok = ok and "Migrate ci1 from boreas to atlas" in s2
        c.keys("y")
        s3 = c.wait(lambda s: re.search(r"ci1 +boreas → atlas ", s), 10, "in flight")
        # the VMs pane marks it in flight
        ok = ok and re.search(r"^ » ci1 +boreas .* migrating boreas → atlas", s3, re.M)
        return bool(ok), s + s2 + s3
    tap.attempt("m: a host list with predicted spreads, a confirmation naming both hosts, then the move, marked in flight", migrate_pick)

    def quit_asks():
        c.keys("q")
        s = c.wait_text("Migrations are running. Quit anyway?")
        ok = "ci1  boreas -> atlas  running" in s
        c.keys("n")
        c.wait_text("cancelled: nothing done")
        return ok and c.exited() is None, s
    tap.attempt("q while a migration runs asks first; n stays", quit_asks)

    def abort():
        c.keys("x")
        s = c.wait_text("Abort the migration of ci1 from boreas to atlas?")
        c.keys("y")
        s2 = c.wait(lambda s: "migration ci1 boreas -> atlas aborted" in s, 10, "aborted event")
        c.keys("/")
        c.keys("Escape")
        filter_to(c, "ci1")
        s3 = c.wait(lambda s: vm_host(s, "ci1") == "boreas", 5, "still on boreas")
        return True, s2
    tap.attempt("x aborts the migration (confirmed); the VM stays on its source", abort)
finally:
    c.close()

# 4. e: maintenance with its evacuation plan; d: drain a backend
c = Console(["--demo", "--speed", "20"], 100, 32)
try:
    def maintenance():
        c.wait_text("atlas")
        # the focus starts on Suggestions; two Shift-Tabs reach Hosts
        c.keys("BTab", "BTab")
        c.keys("j", "j")	# castor
        c.keys("e")
        s = c.wait_text("Evacuation plan for castor")
        ok = re.search(r"Evacuation plan for castor: (\d+) migrations", s)
        n = int(ok.group(1)) if ok else 0
        n = n if "dns1 stays: it may not move" in s else -1
        c.keys("y")
        s2 = c.wait(lambda s: re.search(r"castor +maint ", s), 5, "castor in maintenance")
        s3 = c.wait(lambda s: re.search(r"castor +maint .* 0 +\S*$", s, re.M) or "migration" in s, 60, "evacuating")
        return n == 4, s + s2
    tap.attempt("e: the evacuation plan (4 VMs of castor; dns1 is excluded and says so), then maintenance", maintenance)

    def drain():
        c.keys("Tab", "Tab", "Tab")	# Hosts -> VMs -> Suggestions -> Migrations
        c.keys("Tab")	# Services
        c.keys("j")	# first backend
        c.keys("d")
        s = c.wait_text("Drain this backend?")
        ok = "198.18.1.11:8080 of service web" in s
        c.keys("y")
        s2 = c.wait(lambda s: re.search(r"198\.18\.1\.11:8080 +web1 +drained +weight 0 ", s), 5, "drained")
        c.keys("d")
        c.wait_text("Restore this backend?")
        c.keys("y")
        s3 = c.wait(lambda s: re.search(r"198\.18\.1\.11:8080 +web1 +(up|draining) ", s), 5, "restored")
        return ok, s
    tap.attempt("d drains a backend (weight 0) and restores it, confirmed", drain)
finally:
    c.close()

# 5. one controller per cluster: the second console observes
lease = tempfile.mkdtemp(prefix="vmbal-lease-")
c1 = Console(["--demo", "--speed", "20"], 100, 32, lease_dir=lease)
c2 = None
try:
    c1.wait_text("MANUAL")
    c2 = Console(["--demo", "--speed", "20"], 100, 32, lease_dir=lease)
    def observer():
        s = c2.wait(lambda s: " OBSERVE " in s.splitlines()[0] and "holds control" in s, 10, "observe")
        pid = c1.vmbal_pid()
        ok = ("pid %d " % pid) in s if pid else False
        c2.keys("a")
        s2 = c2.wait_text("observe mode: cannot switch to auto mode")
        c2.keys("y")
        s3 = c2.wait_text("observe mode: cannot confirm")
        return ok and "Switch to AUTO" not in s2, "holder pid %r\n%s" % (pid, s)
    tap.attempt("a second console on the same cluster observes and names the holder; action keys say why not", observer)

    def lease_freed():
        c1.keys("q")
        c1.wait(lambda s: c1.exited() is not None, 10, "first quits")
        c3 = Console(["--demo", "--speed", "20"], 100, 32, lease_dir=lease)
        try:
            s = c3.wait(lambda s: " MANUAL " in s.splitlines()[0], 10, "control")
        finally:
            c3.close()
        return True, s
    tap.attempt("when the holder quits, the next vmbal takes control", lease_freed)
finally:
    c1.close()
    if c2:
        c2.close()

# 6. the terminal is restored on every exit
for label, how in (("q", "q"), ("SIGTERM", signal.SIGTERM), ("SIGSEGV (a crash)", signal.SIGSEGV)):
    c = Console(["--demo"], 100, 32, shell_after="stty -a > %s/stty; exec sleep 60" % tmp)
    try:
        def restored():
            try:
                os.unlink(os.path.join(tmp, "stty"))
            except OSError:
                pass
            c.wait_text("atlas", 10)
            if how == "q":
                c.keys("q")
            else:
                os.kill(c.vmbal_pid(), how)
            c.wait(lambda s: os.path.exists(os.path.join(tmp, "stty")), 10, "exit")
            time.sleep(0.1)
            with open(os.path.join(tmp, "stty")) as f:
                st = f.read()
            s = c.screen()
            ok = re.search(r"(^|\s)icanon\b", st) and re.search(r"(^|\s)echo\b", st)
            ok = ok and "Hosts" not in s	# the alternate screen is gone
            return bool(ok), st + s
        tap.attempt("after %s the terminal is restored (echo, icanon, main screen)" % label, restored)
    finally:
        c.close()

sys.exit(tap.done())
