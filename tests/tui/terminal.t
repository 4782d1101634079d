#!/usr/bin/env python3
# terminal.t - terminals the console cannot use, and screens too small for
# it. TERM unset, unknown (nonsense) or without cursor addressing (dumb):
# vmbal's own message, exit 2, nothing started (no lease file, and a
# cluster's host, a loopback listener, is never contacted), no ncurses
# message; run in a pty. Under tmux: the too-small message is whole on
# every size from 79x23 down to 1x1 (the longest form that fits, wrapped
# at spaces), and the console comes back when the terminal is enlarged.
# Prints TAP.
import os, pty, re, select, shutil, socket, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmuxconsole import VMBAL, Console, Tap, Timeout, require

require()
tap = Tap()
work = tempfile.mkdtemp(prefix="vmbal-term-")


def in_pty(args, env, timeout=10):
    """Runs args with a pty as stdin, stdout and stderr; (status, output)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave,
                         env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    out, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    if p.poll() is None:
        p.kill()
    p.wait()
    os.close(master)
    return p.returncode, out.decode(errors="replace")


# a cluster whose one host is a listener here: contacted or not?
lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(8)
lsn.setblocking(False)
cfg = os.path.join(work, "cluster.yaml")
with open(cfg, "w") as f:
    f.write("hosts:\n  - {name: h1, uri: \"qemu+tcp://127.0.0.1:%d/system\"}\n"
            "policy: {mode: manual}\n" % lsn.getsockname()[1])

base = {k: v for k, v in os.environ.items() if k != "TERM"}
base.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
cases = (("TERM unset", None, "terminal '': TERM is not set"),
         ("TERM=nonsense", "nonsense", "terminal 'nonsense': "),
         ("TERM=dumb", "dumb", "terminal 'dumb': "))
for label, term, want in cases:
    for what, args in (("--demo", ["--demo"]), ("a cluster", ["-c", cfg])):
        lease = os.path.join(work, "lease-%s-%s" % (term, what[2:]))
        env = dict(base, VMBAL_LEASE_DIR=lease)
        if term is not None:
            env["TERM"] = term
        rc, out = in_pty([VMBAL] + args, env)
        contacted = False
        try:
            lsn.accept()[0].close()
            contacted = True
        except BlockingIOError:
            pass
        lines = [l for l in out.replace("\r", "").splitlines() if l.strip()]
        ok = (rc == 2 and len(lines) == 1 and lines[0].startswith("vmbal: " + want)
              and lines[0].endswith("(use --headless, or set TERM)")
              and "\x1b" not in out and not os.path.exists(lease) and not contacted)
        tap.check(ok, "%s, %s: vmbal's message, exit 2, no lease, no host contacted" %
                  (label, what),
                  "status %s, lease dir %s, host contacted %s, output %r" %
                  (rc, "made" if os.path.exists(lease) else "absent", contacted, out))
lsn.close()

# the terminal is fine, so --headless never asks about it
env = dict(base, VMBAL_LEASE_DIR=os.path.join(work, "lease-headless"), TERM="dumb")
p = subprocess.run([VMBAL, "--demo", "--headless", "--ticks", "1", "--fast"],
                   env=env, capture_output=True, text=True, timeout=30)
tap.check(p.returncode == 0 and '"event":"end"' in p.stdout.replace(" ", ""),
          "TERM=dumb --headless: runs", p.stderr[-500:])


def forms(w, h):
    """The too-small message's forms, longest first, one string each."""
    return ["Terminal too small: %dx%d vmbal needs at least 80x24. "
            "Enlarge it, or press q to quit." % (w, h),
            "Terminal too small: %dx%d need 80x24 q quits" % (w, h),
            "Too small: %dx%d need 80x24" % (w, h), "need 80x24", "small", "!"]


def fits(text, w, h):
    """Does text wrap at spaces into h lines of w columns?"""
    n, cur = 0, -1
    for word in text.split():
        if len(word) > w:
            return False
        if cur >= 0 and cur + 1 + len(word) <= w:
            cur += 1 + len(word)
        else:
            n, cur = n + 1, len(word)
    return n <= h


c = Console(["--demo"], 100, 32)
try:
    c.wait_text("atlas")
    for w, h in ((79, 23), (40, 12), (20, 10), (19, 10), (12, 6), (10, 3),
                 (9, 2), (5, 1), (2, 1), (1, 2), (1, 1)):
        def small():
            c.resize(w, h)
            want = next(f for f in forms(w, h) if fits(f, w, h))
            s = c.wait(lambda s: " ".join(s.split()) == want, 5, repr(want))
            rows = s.split("\n")
            return all(len(r) <= w for r in rows) and len(rows) <= h + 1, s
        ok = tap.attempt("%dx%d: the too-small message is whole" % (w, h), small)
        if (w, h) == (20, 10) and ok:
            tap.check("Terminal too small: 20x10" in " ".join(c.screen().split())
                      and "80x24" in c.screen(), "20x10: it names the size and 80x24",
                      c.screen())

    def back():
        c.resize(100, 32)
        s = c.wait(lambda s: "too small" not in s and "Hosts" in s, 10, "back")
        c.keys("q")
        c.wait(lambda s: c.exited() is not None, 10, "exit")
        return c.exited() == "vmbal exited 0", s
    tap.attempt("enlarged again: the console is back, and q quits", back)
finally:
    c.close()
shutil.rmtree(work, ignore_errors=True)
sys.exit(tap.done())
