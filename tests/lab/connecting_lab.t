#!/usr/bin/env python3
# connecting_lab.t - a real libvirt host that vmbal has not reached yet is
# "connecting", not "down" (issue 17): two lab hosts, the second started
# late (its namespace's link is down when vmbal starts, so its libvirtd
# neither answers nor refuses: the connection waits). The headless
# samples say connecting with no error and the console's Hosts pane and
# header say so (never down); once its link comes up, the host is reached
# and shows up with its guest, in both. Prints TAP; needs root and tmux.
import os, re, shutil, sys, tempfile, time

# a lab of its own (names, addresses, sockets, directories): it may run
# beside the labs of the default prefix (the Makefile's LANE_T)
os.environ.setdefault("VMBAL_LAB_PREFIX", "vmbal-con")
os.environ.setdefault("VMBAL_LAB_NET", "198.18.45")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tui"))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403

DIR = os.environ.get("VMBAL_LAB_DIR", "/tmp/vmbal-lab-connecting")
start(DIR)
if shutil.which("tmux") is None:
    out("1..0 # SKIP tmux is not installed")
    sys.exit(0)
from tmuxconsole import Console, Timeout  # noqa: E402

tmp = tempfile.mkdtemp(prefix="vmbal-connecting-")
cfg = os.path.join(tmp, "lab.yaml")
with open(cfg, "w") as f:
    f.write("""hosts:
  - {name: h1, uri: "%s"}
  - {name: h2, uri: "%s"}
control_socket: %s
domain_dir: %s
policy: {mode: observe, probe_interval_s: 1, analyse_interval_s: 2, window: 4}
""" % (U1, U2, os.path.join(tmp, "ctl.sock"), os.path.join(tmp, "domains")))
NS2 = os.environ["VMBAL_LAB_PREFIX"] + "-h2"
runs, cons = [], []


def link(state):
    return nsx(NS2, "ip", "link", "set", "eth0", state)


def cleanup(*_):
    for c in cons:
        c.close()
    for r in runs:
        r.stop()
    lab("down", DIR)
    shutil.rmtree(tmp, True)


def body():
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0, "lab: two libvirtd hosts up", e[-800:])
    if rc != 0:
        raise SystemExit
    for k, name in ((1, "g1"), (2, "g2")):
        rc, o, e = lab("guest", str(k), name, "0")
        if rc != 0:
            check(False, "guest %s started" % name, e[-500:])
            raise SystemExit
    rc, o, e = link("down")
    check(rc == 0, "h2's link is down: it neither answers nor refuses", e)

    # headless: the samples say connecting, with no error, while h1 is up
    r = Run(VMBAL, cfg)
    runs.append(r)
    try:
        t, s = r.wait(lambda s: host(s, "h1") and host(s, "h1")["state"] == "up", 30)
        h2 = host(s, "h2")
        check(h2 and h2["state"] == "connecting" and not h2.get("error") and
              vm(s, "g1") and not vm(s, "g2"),
              "headless: h2 connecting (no error, no VMs), h1 up with g1", str(h2))
    except Exception as ex:
        check(False, "headless: h2 connecting while h1 is up", repr(ex) + r.err[-400:])

    # the console, at the same time
    con = Console(["-c", cfg], 120, 40, lease_dir=tmp)
    cons.append(con)
    try:
        s = con.wait(lambda s: re.search(r"^\W*h1 +up ", s, re.M) and
                     re.search(r"^\W*h2 +conn ", s, re.M) and
                     "1 connecting" in s.splitlines()[0], 30, "h2 connecting")
        check("down" not in s.splitlines()[0],
              "console: h2 'conn' in the Hosts pane and '1 connecting' in the header, not down",
              s)
    except Timeout as t:
        check(False, "console: h2 connecting", t.screen)

    # h2 "starts": its link comes up; libvirt's connection gets its answer
    rc, o, e = link("up")
    check(rc == 0, "h2's link is up again", e)
    try:
        s = con.wait(lambda s: re.search(r"^\W*h2 +up ", s, re.M) and
                     "connecting" not in s.splitlines()[0] and "g2" in s, 90, "h2 up")
        check(True, "console: h2 reached, up, with its guest g2")
    except Timeout as t:
        check(False, "console: h2 reached and up", t.screen)
    try:
        after = r.samples()[-1][0] if r.samples() else 0
        t, s = r.wait(lambda s: host(s, "h2") and host(s, "h2")["state"] == "up" and vm(s, "g2"),
                      60, after)
        check(True, "headless: h2 up with g2 once reached")
    except Exception as ex:
        check(False, "headless: h2 up once reached", repr(ex) + r.err[-400:])
    con.keys("q")
    try:
        con.wait(lambda s: con.exited(), 20, "exit")
        check(True, "q quits the console")
    except Timeout as t:
        check(False, "q quits the console", t.screen)


tap(8, body, cleanup)
sys.exit(0 if all(ok for ok, _, _ in results) else 1)
