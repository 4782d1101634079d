#!/usr/bin/env python3
# trust.t - what vmbal reads and writes cannot be chosen by another user
# (issue 11, "Running what a planted file says"): no ./vmbal.yaml default;
# configuration, scenario and theme files another user could have written
# are refused (exit 2), a FIFO at once; host URIs that run a command need
# allow_ext: true in a root-owned file; the lease directory and file are
# ours and never followed through a link, the holder text is escaped;
# closed fds 0-2 at start do not turn the lease or journal into stdout;
# numeric options have bounds. Checks that need root skip without it.
# Prints TAP.
import fcntl, json, os, pty, pwd, shutil, subprocess, sys, tempfile, time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
ROOT = os.geteuid() == 0
OTHER = 12345          # a uid that owns nothing here
results = []
tmp = tempfile.mkdtemp(prefix="vmbal-trust-")
os.chmod(tmp, 0o755)   # the other uid must reach the files it is given


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))


def skip(name, why):
    results.append((True, "%s # skip %s" % (name, why), ""))


def env_of(**kw):
    env = dict(os.environ)
    env.pop("VMBAL_CONFIG", None)
    env["VMBAL_LEASE_DIR"] = os.path.join(tmp, "lease")
    for k, v in kw.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


os.makedirs(os.path.join(tmp, "lease"), mode=0o700)


def run(*args, env=None, cwd=None, timeout=30, pre=(), **kw):
    try:
        return subprocess.run([*pre, VMBAL, *args], capture_output=True,
                              text=True, timeout=timeout,
                              env=env if env is not None else env_of(),
                              cwd=cwd, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(e.cmd, "timeout",
                                           e.stdout or "", e.stderr or "")


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def fnv(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h


CLUSTER = 'hosts:\n  - {name: h1, uri: "test:///default"}\n'
DEMO = open("scenarios/demo.yaml").read()

# 1. no configuration from the working directory
d = os.path.join(tmp, "cwd")
os.mkdir(d)
write(os.path.join(d, "vmbal.yaml"), CLUSTER)
p = run("--check-config", cwd=d)
check(p.returncode != "timeout" and not p.stdout.startswith("vmbal.yaml: OK"),
      "./vmbal.yaml in the working directory is not read", p.stdout + p.stderr)
p = run("--help")
check("./vmbal.yaml" not in p.stdout and "/etc/vmbal/vmbal.yaml" in p.stdout,
      "--help names no working-directory default", p.stdout)

# 2. files another user could have written: exit 2, FILE: message
for kind, opt, text in (("configuration", "-c", CLUSTER),
                        ("scenario", "--scenario", DEMO)):
    for mode, who in ((0o664, "group"), (0o646, "others")):
        f = write(os.path.join(tmp, "%s-%o.yaml" % (kind, mode)), text, mode)
        p = run("--check-config", opt, f)
        check(p.returncode == 2 and p.stderr.startswith("vmbal: %s: writable by" % f)
              and p.stdout == "",
              "a %s writable by %s is refused with exit 2" % (kind, who),
              "rc %r: %s%s" % (p.returncode, p.stdout, p.stderr))
f = write(os.path.join(tmp, "safe.yaml"), CLUSTER)
p = run("--check-config", "-c", f)
check(p.returncode == 0, "a configuration 0644 of ours is accepted", p.stderr)


def console(args, env, wait=5):
    """The console on a pty; (exit status or 'running', stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([VMBAL, *args], stdin=slave, stdout=slave,
                            stderr=subprocess.PIPE, env=env, text=True)
    os.close(slave)
    try:
        _, err = proc.communicate(timeout=wait)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        rc = "running"
    os.close(master)
    return rc, err


xdg = os.path.join(tmp, "xdg")
os.makedirs(os.path.join(xdg, "vmbal", "themes"))
th = write(os.path.join(xdg, "vmbal", "themes", "planted.theme"),
           "normal: green\n", 0o666)
rc, err = console(["--demo", "--theme", "planted"],
                  env_of(XDG_CONFIG_HOME=xdg, TERM="xterm"))
check(rc == 2 and err.startswith("vmbal: %s: writable by" % th),
      "a world-writable theme is refused with exit 2 before the console",
      "rc %r: %s" % (rc, err))

# 3. owned by another user
if ROOT:
    for kind, opt, text in (("configuration", "-c", CLUSTER),
                            ("scenario", "--scenario", DEMO)):
        f = write(os.path.join(tmp, "theirs-%s.yaml" % kind), text)
        os.chown(f, pwd.getpwnam("nobody").pw_uid, -1)
        p = run("--check-config", opt, f)
        check(p.returncode == 2 and p.stderr.startswith("vmbal: %s: owned by uid" % f),
              "a %s owned by nobody is refused when root runs vmbal" % kind,
              "rc %r: %s" % (p.returncode, p.stderr))
    os.chown(th, pwd.getpwnam("nobody").pw_uid, -1)
    os.chmod(th, 0o644)
    rc, err = console(["--demo", "--theme", "planted"],
                      env_of(XDG_CONFIG_HOME=xdg, TERM="xterm"))
    check(rc == 2 and err.startswith("vmbal: %s: owned by uid" % th),
          "a theme owned by nobody is refused with exit 2", "rc %r: %s" % (rc, err))
else:
    skip("files owned by another user are refused", "not root")

# 4. a FIFO is refused at once, never waited on
fifo = os.path.join(tmp, "fifo.yaml")
os.mkfifo(fifo, 0o600)
t0 = time.monotonic()
p = run("--check-config", "-c", fifo, timeout=5)
check(p.returncode == 2 and "not a regular file" in p.stderr and time.monotonic() - t0 < 4,
      "a configuration that is a FIFO is refused at once", "rc %r: %s" % (p.returncode, p.stderr))
p = run("--check-config", "--scenario", fifo, timeout=5)
check(p.returncode == 2 and "not a regular file" in p.stderr,
      "a scenario that is a FIFO is refused at once", "rc %r: %s" % (p.returncode, p.stderr))
os.unlink(th)
os.mkfifo(th, 0o600)
rc, err = console(["--demo", "--theme", "planted"],
                  env_of(XDG_CONFIG_HOME=xdg, TERM="xterm"))
check(rc == 2 and "not a regular file" in err,
      "a theme that is a FIFO is refused at once", "rc %r: %s" % (rc, err))

# 5. URIs that make libvirt run a command
EXT = 'hosts:\n  - {name: h1, uri: "qemu+ext:///system?command=%s/ran"}\n' % tmp
SSH = 'hosts:\n  - {name: h1, uri: "qemu+ssh://h1/system?keyfile=k&%%63ommand=%s/ran"}\n' % tmp
for what, text in (("qemu+ext://", EXT), ("qemu+ssh://...?command=", SSH)):
    f = write(os.path.join(tmp, "ext.yaml"), text)
    p = run("--check-config", "-c", f)
    check(p.returncode == 2 and p.stderr.startswith("vmbal: %s:2:" % f) and "hosts[0].uri:" in p.stderr
          and "allow_ext: true" in p.stderr,
          "%s is refused without allow_ext" % what, "rc %r: %s%s" % (p.returncode, p.stdout, p.stderr))
f = write(os.path.join(tmp, "ext.yaml"), "allow_ext: true\n" + EXT)
if ROOT:
    p = run("--check-config", "-c", f)
    check(p.returncode == 0 and "OK: 1 host" in p.stdout,
          "qemu+ext:// with allow_ext: true in a root-owned file passes --check-config",
          "rc %r: %s%s" % (p.returncode, p.stdout, p.stderr))
    os.chown(f, OTHER, -1)
    p = run("--check-config", "-c", f, pre=("setpriv", "--reuid", str(OTHER),
                                             "--regid", str(OTHER), "--clear-groups"))
    check(p.returncode == 2 and "only believed in a configuration owned by root" in p.stderr,
          "allow_ext: true in a file not owned by root is refused",
          "rc %r: %s%s" % (p.returncode, p.stdout, p.stderr))
else:
    skip("allow_ext in a root-owned file", "not root")
check(not os.path.exists(os.path.join(tmp, "ran")), "no command was run")
p = run("--check-config", "--scenario",
        write(os.path.join(tmp, "scen-ext.yaml"), "allow_ext: true\n" + DEMO))
check(p.returncode == 2 and "allow_ext" in p.stderr,
      "allow_ext is a key of configurations only, not scenarios", p.stderr)

# 6. the lease directory and file
if ROOT:
    other = ("setpriv", "--reuid", str(OTHER), "--regid", str(OTHER), "--clear-groups")
    planted = "/tmp/vmbal-%d" % OTHER
    shutil.rmtree(planted, ignore_errors=True)
    os.mkdir(planted)
    os.chmod(planted, 0o1777)
    os.chown(planted, pwd.getpwnam("nobody").pw_uid, -1)
    p = run("--headless", "--demo", "--fast", "--ticks", "1", pre=other,
            env=env_of(VMBAL_LEASE_DIR=None, XDG_RUNTIME_DIR=None))
    check(p.returncode == 1 and ("vmbal: %s: the lease directory is owned by uid" % planted) in p.stderr
          and not os.listdir(planted),
          "a lease directory /tmp/vmbal-UID made by another user is refused",
          "rc %r: %s" % (p.returncode, p.stderr))
    shutil.rmtree(planted)
    p = run("--headless", "--demo", "--fast", "--ticks", "1", pre=other,
            env=env_of(VMBAL_LEASE_DIR=None, XDG_RUNTIME_DIR=None))
    st = os.lstat(planted) if os.path.exists(planted) else None
    # 0750 and group vmbal when that group exists (its members reach the
    # control socket there), else 0700; never writable but by its user
    try:
        import grp
        vgid = grp.getgrnam("vmbal").gr_gid
    except (KeyError, ImportError):
        vgid = None
    check(p.returncode == 0 and st is not None and st.st_uid == OTHER
          and ((st.st_mode & 0o777) == 0o700 if vgid is None or st.st_gid != vgid
               else (st.st_mode & 0o777) == 0o750),
          "the lease directory is made 0700 by its user (0750, group vmbal, when that "
          "group exists)", "rc %r: %s" % (p.returncode, p.stderr))
    shutil.rmtree(planted, ignore_errors=True)
else:
    skip("lease directories of another user", "not root")
lease = os.path.join(tmp, "lease2")
os.mkdir(lease, 0o755)
os.chmod(lease, 0o777)
p = run("--headless", "--demo", "--fast", "--ticks", "1", env=env_of(VMBAL_LEASE_DIR=lease))
check(p.returncode == 1 and "writable by its group or others (mode 0777)" in p.stderr,
      "a world-writable lease directory is refused", "rc %r: %s" % (p.returncode, p.stderr))
os.chmod(lease, 0o700)
victim = write(os.path.join(tmp, "victim"), "precious\n")
lock = os.path.join(lease, "demo-%08x.lock" % fnv("demo"))
if os.path.lexists(lock):
    os.unlink(lock)
os.symlink(victim, lock)
p = run("--headless", "--demo", "--fast", "--ticks", "1", env=env_of(VMBAL_LEASE_DIR=lease))
check(p.returncode == 1 and "symbolic link, not followed" in p.stderr
      and open(victim).read() == "precious\n",
      "a lock file that is a symbolic link is not followed", "rc %r: %s" % (p.returncode, p.stderr))
os.unlink(lock)
with open(lock, "w") as held:
    fcntl.flock(held, fcntl.LOCK_EX)
    held.write("pid 1 \x1b[2J\x1b]0;owned\x07 \u009b31m evil\n")
    held.flush()
    p = run("--headless", "--demo", "--fast", "--ticks", "1", env=env_of(VMBAL_LEASE_DIR=lease))
check(p.returncode == 0 and "holds control" in p.stderr
      and not any(ord(c) < 0x20 and c != "\n" or 0x7f <= ord(c) < 0xa0 for c in p.stderr)
      and "\\x1b[2J" in p.stderr,
      "the holder read from a lock file is printed escaped", repr(p.stderr))

# 7. closed descriptors at start
def closed_run(args, close, env):
    """Runs vmbal with the fds in close closed (the others to /dev/null)."""
    def pre():
        for fd in close:
            os.close(fd)
    null = subprocess.DEVNULL
    return subprocess.run([VMBAL, *args], env=env, timeout=60, preexec_fn=pre,
                          stdin=null, stdout=null, stderr=null).returncode


lease3 = os.path.join(tmp, "lease3")
os.mkdir(lease3, 0o700)
jpath = os.path.join(tmp, "journal.jsonl")
scen = write(os.path.join(tmp, "journalled.yaml"), DEMO + "\njournal: %s\n" % jpath)
for close, name in (((0, 1), "stdin and stdout"), ((0, 1, 2), "stdin, stdout and stderr")):
    if os.path.exists(jpath):
        os.unlink(jpath)
    rc = closed_run(["--headless", "--scenario", scen, "--fast", "--duration", "600",
                     "--mode", "auto"], close, env_of(VMBAL_LEASE_DIR=lease3))
    lines = open(jpath).read().splitlines() if os.path.exists(jpath) else []
    bad = [l for l in lines if '"event"' in l]
    check(rc == 0 and lines and not bad,
          "%s closed at start: no JSON lines in the journal" % name,
          "rc %r, %d lines, e.g. %s" % (rc, len(lines), bad[:1]))
# stdout alone closed: watch the lock file of a run that takes the lease
lock4 = os.path.join(lease3, "demo-%08x.lock" % fnv("demo"))
proc = subprocess.Popen([VMBAL, "--headless", "--demo", "--speed", "100", "--duration", "300"],
                        env=env_of(VMBAL_LEASE_DIR=lease3), preexec_fn=lambda: os.close(1),
                        stderr=subprocess.DEVNULL)
seen = ""
t0 = time.monotonic()
while time.monotonic() - t0 < 2.5 and proc.poll() is None:
    time.sleep(0.1)
    try:
        seen = open(lock4).read()
    except OSError:
        pass
    if '"event"' in seen:
        break
proc.kill()
proc.wait()
check(seen.startswith("pid ") and '"event"' not in seen,
      "stdout closed at start: the lease file does not receive the JSON lines", repr(seen[:200]))

# 8. numeric options have bounds
for args in (["--speed", "1e-300"], ["--speed", "0.001"], ["--speed", "1e300"],
             ["--duration", "1e300", "--fast"], ["--duration", "1e-300", "--fast"],
             ["--ticks", "1e12", "--fast"]):
    p = run("--headless", "--demo", *args, timeout=5)
    check(p.returncode == 2 and "out of range" in p.stderr and p.stdout == "",
          "%s is a usage error (exit 2)" % " ".join(args),
          "rc %r: %s" % (p.returncode, p.stderr[:200]))
p = run("--headless", "--demo", "--speed", "0.01", "--ticks", "1", "--fast", timeout=20)
check(p.returncode == 0, "--speed 0.01 is accepted", p.stderr)

shutil.rmtree(tmp, ignore_errors=True)
print("1..%d" % len(results))
for i, (ok, name, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and diag:
        for l in str(diag).splitlines()[:10]:
            print("#   " + l)
