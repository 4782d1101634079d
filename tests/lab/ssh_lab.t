#!/usr/bin/env python3
# ssh_lab.t - vmbal over libvirt's ssh transport (tests/lab/lab.sh with
# VMBAL_LAB_SSH=1: an sshd per host, key auth only). Four hosts: h1 and h2
# answer the lab's key; h3's host key is left out of the lab's known_hosts;
# h4's sshd does not accept the key and asks for passwords. Checked: the
# probe's readings over qemu+ssh://; auto mode moving a guest h1 -> h2 over
# ssh; h3 and h4 shown down with libvirt's message and a hint within 2 s of
# the start, in headless mode and in the console under tmux (no prompt on
# the screen, keys still work), h1 and h2 up meanwhile. Prints TAP with the
# figures. Needs root, sshd and the lab's packages; skips with the reason
# otherwise. VMBAL_LAB_DIR, VMBAL_LAB_NET and VMBAL_LAB_PREFIX choose the
# lab as for lab.sh, so it may run beside another.
import json, os, shutil, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tui"))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR", "/tmp/vmbal-lab-ssh")
NET = os.environ.get("VMBAL_LAB_NET", "198.18.10")
TCP = {k: "qemu+tcp://%s.%d/system" % (NET, 10 + k) for k in (1, 2, 3, 4)}
WITHIN = 2.0        # seconds from the start to the reason on show
missing = [t for t in ("ssh", "ssh-keygen") if shutil.which(t) is None]
if not os.access("/usr/sbin/sshd", os.X_OK):
    missing.append("/usr/sbin/sshd (openssh-server)")
if os.geteuid() == 0 and missing:
    out("1..0 # SKIP missing: " + " ".join(missing))
    sys.exit(0)
start(DIR)
labtest.ENV["VMBAL_LAB_SSH"] = "1"
from tmuxconsole import Console, Timeout  # noqa: E402

files, runs, cons = [], [], []


def config(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)   # 0600, root's
    f.write(text)
    f.close()
    files.append(f.name)
    return f.name


def cleanup(*_):
    for c in cons:
        c.close()
    for r in runs:
        r.stop()
    lab("down", DIR)
    for f in files:
        if os.path.exists(f):
            os.unlink(f)


def where(name):
    on = []
    for k in (1, 2):
        rc, o, e = sh(["virsh", "-q", "-c", TCP[k], "domstate", name], timeout=20)
        if rc == 0 and o.strip().startswith("running"):
            on.append("h%d" % k)
    return on


def reasons_ok(e):
    """h3 down for its host key, h4 for its password, each with a hint."""
    h3, h4 = host(e, "h3"), host(e, "h4")
    return (h3["state"] == "down" and "Host key verification failed" in h3.get("error", "") and
            "ssh-keyscan" in h3.get("error", "") and
            h4["state"] == "down" and "Permission denied" in h4.get("error", "") and
            "ssh-copy-id root@%s.14" % NET in h4.get("error", ""))


T0 = time.monotonic()


def body():
    lab("down", DIR)
    rc, o, e = lab("up", "4", DIR)
    check(rc == 0, "lab: four libvirtd hosts up, each with an sshd answering the lab's key",
          e[-800:])
    if rc != 0:
        raise SystemExit
    uri = {k: lab("ssh-uri", str(k))[1].strip() for k in (1, 2, 3, 4)}
    ok = lab("ssh-mode", "3", "unknown")[0] == 0 and lab("ssh-mode", "4", "password")[0] == 0
    rc3, o3, e3 = sh(["virsh", "-c", uri[3] + "&no_tty=1", "version"], timeout=20)
    rc4, o4, e4 = sh(["virsh", "-c", uri[4] + "&no_tty=1", "version"], timeout=20)
    check(ok and rc3 != 0 and "Host key verification failed" in e3 and
          rc4 != 0 and "Permission denied" in e4,
          "h3's host key unknown, h4 wants a password (virsh says so)", e3[-300:] + e4[-300:])
    for name in ("s1", "s2"):
        rc, o, e = lab("guest", "1", name, "60", "256")
        if rc != 0:
            check(False, "guest %s started" % name, e[-500:])
            raise SystemExit

    line = {k: '  - {name: h%d, uri: "%s", migration_uri: "tcp://%s.%d"}\n'
            % (k, uri[k], NET, 10 + k) for k in (1, 2, 3, 4)}
    hosts4 = "".join(line[k] for k in (1, 2, 3, 4))
    observe = config("allow_ext: true\nhosts:\n" + hosts4 +
                     "policy: {mode: observe, probe_interval_s: 1, analyse_interval_s: 1, window: 3}\n")

    # 1. headless, observe: readings over ssh; h3 and h4 down with the reason
    time.sleep(3)
    out("# %.0f s: lab up, guests started" % (time.monotonic() - T0))
    t0 = time.monotonic()
    r = Run(VMBAL, observe, "--ticks", "6")
    runs.append(r)
    t, ev = r.wait(reasons_ok, 10)
    r.p.wait(timeout=60)
    first = r.samples()[0][1] if r.samples() else {}
    check(t is not None and t - t0 <= WITHIN,
          "headless: h3 and h4 down with the reason within %.0f s (%.2f s)"
          % (WITHIN, (t - t0) if t else -1),
          json.dumps(first.get("hosts"))[:1500] + r.err[-300:])
    if ev:
        out("# h3: " + host(ev, "h3")["error"])
        out("# h4: " + host(ev, "h4")["error"])
    last = r.samples()[-1][1] if r.samples() else {}
    check(host(last, "h1")["state"] == "up" and host(last, "h2")["state"] == "up",
          "headless: h1 and h2 up over ssh meanwhile")
    s1, s2 = vm(last, "s1"), vm(last, "s2")
    figs = "s1 %s, s2 %s" % tuple(x and x["cpu_pct"] for x in (s1, s2))
    check(r.p.returncode == 0 and s1 and s2 and s1["host"] == "h1" and
          all(40 <= x["cpu_pct"] <= 80 for x in (s1, s2)) and
          host(last, "h1")["cpus"] > 0 and host(last, "h1")["mem_total_mib"] > 0,
          "probe over qemu+ssh: 60% guests read 60±20%, h1's CPUs and memory: " + figs,
          r.err[-500:])
    states = {h: [host(e, h)["state"] for _, e in r.samples()] for h in ("h3", "h4")}
    # connecting (not reached yet) until the first answer, then down for good
    check(all(st and "".join(x[0] for x in st).lstrip("c").strip("d") == "" and st[-1] == "down"
              for st in states.values()) and reasons_ok(last),
          "still down with the reason after retries (backoff), never up",
          repr(states))
    with r.lock:
        errs = [e for _, e in r.events if e["event"] == "error"]
    check(sorted(e.get("host") for e in errs if e.get("host")) == ["h3", "h4"] and
          all(("Host key verification failed" if e["host"] == "h3" else "Permission denied")
              in e["message"] for e in errs if e.get("host")),
          "one error event per host that went down, with host and libvirt's reason",
          "\n".join(json.dumps(e) for e in errs))

    # 2. the console: the reason on the screen, no prompt, keys work
    c = Console(["-c", observe], 220, 50)
    cons.append(c)
    t0 = time.monotonic()
    try:
        s = c.wait(lambda s: "Host key verification failed" in s and "Permission denied" in s,
                   10, "both reasons")
        dt = time.monotonic() - t0
        check(dt <= WITHIN + 0.5, "console: h3's and h4's reasons on the screen within %.0f s "
              "of the start (%.2f s)" % (WITHIN, dt), s)
    except Timeout as x:
        check(False, "console: h3's and h4's reasons on the screen", "%s\n%s" % (x, x.screen))
        s = x.screen
    bad = [w for w in ("password:", "yes/no", "continue connecting", "Password")
           if w in (s or "")]
    check(not bad, "console: no prompt on the screen", repr(bad) + "\n" + (s or ""))
    try:
        c.keys("?")
        c.wait_text("Tab / Shift-Tab", 5)
        c.keys("q")
        c.wait(lambda s: "Tab / Shift-Tab" not in s, 5, "help closed")
        check(c.exited() is None, "console: keys still work (? opens help, q closes it)")
    except Timeout as x:
        check(False, "console: keys still work", "%s\n%s" % (x, x.screen))
    c.close()
    cons.remove(c)

    # 3. auto mode migrates over ssh: h1 -> h2
    auto = config("allow_ext: true\nhosts:\n" + line[1] + line[2] +
                  "policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 2, window: 3,\n"
                  "         threshold_pct: 10, hold_s: 2, min_gain_pct: 1, vm_cooldown_s: 600}\n")
    r = Run(VMBAL, auto)
    runs.append(r)
    end = time.monotonic() + 60
    mig = []
    while time.monotonic() < end:
        with r.lock:
            mig = [e for _, e in r.events if e["event"] == "migration"]
        if any(m["status"] != "started" for m in mig):
            break
        time.sleep(0.1)
    st = next((m for m in mig if m["status"] == "started"), None)
    dn = next((m for m in mig if m["status"] == "done"), None)
    check(st and dn and st["from"] == "h1" and st["to"] == "h2" and dn["vm"] == st["vm"],
          "auto over qemu+ssh: a guest moved h1 -> h2 (%.1f s)"
          % (dn["duration_s"] if dn else -1), json.dumps(mig) + r.err[-400:])
    moved = st["vm"] if st else "s1"
    check(where(moved) == ["h2"], "%s runs on h2 and no longer on h1" % moved, repr(where(moved)))
    r.stop()


labtest.tap(12, body, cleanup)
