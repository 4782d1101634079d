# tmuxconsole.py - drives vmbal's console in a private tmux server, the
# way tmux's own regress tests do: send-keys in, capture-pane out, and
# every wait is for content on the screen (never a bare sleep).
import atexit, os, re, shutil, subprocess, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", os.path.join(ROOT, "vmbal")))


class Console:
    def __init__(self, args, width=100, height=32, env=None, term=None,
                 lease_dir=None, shell_after=None, prefix=None):
        self.dir = tempfile.mkdtemp(prefix="vmbal-tui-")
        self.sock = os.path.join(self.dir, "tmux.sock")
        self.lease_dir = lease_dir or os.path.join(self.dir, "lease")
        os.makedirs(self.lease_dir, exist_ok=True)
        e = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
             "VMBAL_LEASE_DIR": self.lease_dir, "NO_COLOR": "",
             "XDG_CONFIG_HOME": os.path.join(self.dir, "config")}
        e.update(env or {})
        envs = " ".join("%s=%s" % (k, shquote(v)) for k, v in e.items())
        if term:
            envs += " TERM=" + term
        cmd = "cd %s && %s env %s %s %s" % (
            shquote(ROOT), " ".join(shquote(a) for a in (prefix or [])), envs,
            shquote(VMBAL), " ".join(shquote(a) for a in args))
        cmd += "; echo \"vmbal exited $?\" > %s" % shquote(self.path("status"))
        if shell_after:
            cmd += "; " + shell_after
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", str(width),
                  "-y", str(height), cmd)
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        self.pid = None
        self.wait(lambda s: self.pane_pid() is not None, 5, "pane")

    def path(self, name):
        return os.path.join(self.dir, name)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.sock] + list(args),
                              capture_output=True, text=True, timeout=20)

    def pane_pid(self):
        p = self.tmux("display-message", "-p", "#{pane_pid}")
        return int(p.stdout) if p.returncode == 0 and p.stdout.strip() else None

    def vmbal_pid(self):
        """The vmbal process under the pane's shell."""
        pp = self.pane_pid()
        if pp is None:
            return None
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    st = f.read()
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            ppid = int(st.rsplit(")", 1)[1].split()[1])
            if cmd and os.path.basename(cmd[0]) == b"vmbal" and ppid in (pp,) + tuple(self.children(pp)):
                return int(pid)
        return None

    def children(self, pid):
        out = []
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                out = [int(x) for x in f.read().split()]
        except OSError:
            pass
        return out

    def screen(self, escapes=False):
        args = ["capture-pane", "-p"]
        if escapes:
            args.append("-e")
        return self.tmux(*args).stdout

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def wait(self, pred, timeout=20, what="", interval=0.02, stable=True):
        """Polls the screen until pred(screen) is true (and, when stable,
        the same screen is captured twice in a row, so a frame caught
        half-written does not count); returns the screen. Raises Timeout
        with the last screen."""
        end = time.monotonic() + timeout
        s = prev = None
        while True:
            s = self.screen()
            try:
                if pred(s) and (not stable or s == prev):
                    return s
            except Exception:
                pass
            prev = s
            if time.monotonic() > end:
                raise Timeout(what, s)
            time.sleep(interval)

    def wait_text(self, text, timeout=20):
        return self.wait(lambda s: text in s, timeout, repr(text))

    def exited(self):
        try:
            with open(self.path("status")) as f:
                # the shell creates the file before it writes the line
                return f.read().strip() or None
        except OSError:
            return None

    def resize(self, w, h):
        self.tmux("resize-window", "-x", str(w), "-y", str(h))

    def close(self):
        self.tmux("kill-server")
        shutil.rmtree(self.dir, ignore_errors=True)


class Timeout(Exception):
    def __init__(self, what, screen):
        Exception.__init__(self, "timed out waiting for %s" % what)
        self.screen = screen


def slow_demo(bandwidth_mbps):
    """The demo scenario with slower, never-failing migrations (long enough
    to watch and to act on), written to a temporary file; its path."""
    with open(os.path.join(ROOT, "scenarios", "demo.yaml")) as f:
        demo = f.read()
    slow = re.sub(r"migration: \{[^}]*\}",
                  "migration: {bandwidth_mbps: %d, fail_rate: 0, seed: 7}" % bandwidth_mbps,
                  demo)
    assert slow != demo, "the demo's migration line changed"
    d = tempfile.mkdtemp(prefix="vmbal-tui-slow-")
    atexit.register(shutil.rmtree, d, True)
    path = os.path.join(d, "slow.yaml")
    with open(path, "w") as f:
        f.write(slow)
    return path


def start_migration(c):
    """On a console of slow_demo(): migrates ci1 from boreas to atlas by
    hand (filter, m, Enter, y); returns the screen once it is in flight."""
    c.wait_text("atlas")
    c.keys("/")
    c.keys("-l", "ci1")
    c.keys("Enter")
    c.wait_text("filter 'ci1'")
    c.keys("m")
    c.wait_text("Migrate ci1 (now on boreas")
    c.keys("Enter")
    c.wait_text("Confirm this migration?")
    c.keys("y")
    return c.wait(lambda s: re.search(r"ci1 +boreas → atlas ", s) and
                  "Migrations (1)" in s, 10, "in flight")


SORTS = ["name", "host", "cpu", "mem", "state"]


def keystroke_latencies(c, n):
    """n keystrokes (>: the next sort column), each timed from send-keys
    until capture-pane shows its effect; milliseconds."""
    cur = SORTS.index(re.search(r"sort (\w+)", c.screen()).group(1))
    out = []
    for _ in range(n):
        cur = (cur + 1) % len(SORTS)
        want = "sort %s" % SORTS[cur]
        t0 = time.perf_counter()
        c.keys(">")
        c.wait(lambda s: want in s, 2, want, interval=0, stable=False)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def shquote(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


class Tap:
    def __init__(self):
        self.results = []

    def check(self, ok, name, diag=""):
        self.results.append((bool(ok), name, diag))
        return ok

    def attempt(self, name, fn):
        """Runs fn (which returns (ok, diag) or raises Timeout)."""
        try:
            ok, diag = fn()
        except Timeout as e:
            ok, diag = False, "%s\n%s" % (e, e.screen)
        return self.check(ok, name, diag)

    def done(self):
        print("1..%d" % len(self.results))
        bad = 0
        for i, (ok, name, diag) in enumerate(self.results, 1):
            print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
            if not ok:
                bad += 1
                for l in str(diag).splitlines()[:40]:
                    print("#   " + l)
        return 1 if bad else 0


def skip_all(why):
    print("1..0 # skip " + why)
    raise SystemExit(0)


def require():
    if shutil.which("tmux") is None:
        skip_all("tmux is not installed")
    if not os.access(VMBAL, os.X_OK):
        skip_all("%s not built (make vmbal)" % VMBAL)
