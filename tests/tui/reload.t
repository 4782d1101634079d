#!/usr/bin/env python3
# reload.t - SIGHUP in the console (issue 16), through a private tmux
# server: with its terminal there it reads the scenario again (a host
# added shows in the Hosts pane, the Events pane says the reload was
# applied; a broken file is refused and the console goes on); with its
# terminal gone (the tmux server killed: the pty hangs up) it stops, as it
# always did. Prints TAP.
import os, shutil, signal, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import Console, Tap, Timeout, require, ROOT

require()
tap = Tap()
tmp = tempfile.mkdtemp(prefix="vmbal-tui-reload-")
scen = os.path.join(tmp, "s.yaml")
with open(os.path.join(ROOT, "scenarios", "demo.yaml")) as f:
    demo = f.read()


def write(text):
    with open(scen + ".new", "w") as f:
        f.write(text)
    os.chmod(scen + ".new", 0o600)
    os.rename(scen + ".new", scen)


write(demo)
c = Console(["--scenario", scen, "--speed", "20"], 120, 40)
pid = None
try:
    def applied():
        global pid
        c.wait_text("atlas", 15)
        pid = c.vmbal_pid()
        write(demo.replace("  - {name: castor,", "  - {name: zephyr, cpus: 8, memory_mib: 32768}\n"
                           "  - {name: castor,"))
        os.kill(pid, signal.SIGHUP)
        s = c.wait(lambda s: "zephyr" in s and "applied" in s, 15, "zephyr and applied")
        return c.exited() is None, s
    tap.attempt("SIGHUP with the terminal there: reloaded (the new host shown, "
                "the reload in Events)", applied)

    def refused():
        write("hosts: [\n")
        os.kill(pid, signal.SIGHUP)
        s = c.wait(lambda s: "refused" in s, 15, "refused")
        time.sleep(1)
        s = c.screen()
        return c.exited() is None and "zephyr" in s, s
    tap.attempt("a broken file: refused, the console goes on with what it had", refused)

    def hangup():
        c.tmux("kill-server")     # the pty goes: SIGHUP with no terminal
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if not os.path.exists("/proc/%d" % pid):
                return True, ""
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        return True, ""
            except OSError:
                return True, ""
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        return False, "vmbal %d still runs 10 s after its terminal hung up" % pid
    tap.attempt("SIGHUP with the terminal gone: vmbal stops", hangup)
finally:
    c.close()
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(tap.done())
