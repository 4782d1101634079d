#!/usr/bin/env python3
"""ha_role_lab.t - the ha: address decides the role, over rtnetlink
(probes/ha_addr.c), in a network namespace of its own.

vmbal (the sanitized build when there is one) runs headless on libvirt's
test driver inside the namespace with ha: {address: A}. Without A on any
interface it says standby (an ha event at once, every sample's role);
`ip addr add` of A makes it active within a second, without waiting for
a probe; another address, or A's neighbour, does not; deleting A, or
taking its interface down, makes it standby again. A second vmbal with
the same config but started while A is already there starts active.
Needs root (skips otherwise)."""
import os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest
from labtest import out, check, Run, ROOT

NS = "vbhr-role"
DEV, PEER = "vbhr-d0", "vbhr-d1"
ADDR = "198.18.176.10"
OTHER = "198.18.176.11"
PLANNED = 17


def ip(*args):
    p = subprocess.run(["ip", "-n", NS, *args], capture_output=True,
                       text=True, timeout=20)
    if p.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), p.stderr.strip()))


def veth():
    """The interface the address goes on (a veth pair: this kernel may
    have no dummy driver)."""
    ip("link", "add", DEV, "type", "veth", "peer", "name", PEER)
    ip("link", "set", DEV, "up")
    ip("link", "set", PEER, "up")


def ha_events(r, after=0.0):
    with r.lock:
        return [(t, e) for t, e in r.events if e["event"] == "ha" and t >= after]


def wait_ha(r, role, secs, after):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for t, e in ha_events(r, after):
            if e["role"] == role:
                return t, e
        time.sleep(0.02)
    return None, None


def last_role(r):
    s = r.samples()
    return s[-1][1].get("role") if s else None


def main():
    if os.geteuid() != 0:
        out("1..0 # SKIP needs root")
        return
    if shutil.which("ip") is None:
        out("1..0 # SKIP missing: ip")
        return
    binary = labtest.ASAN if os.path.exists(labtest.ASAN) else labtest.VMBAL
    tmp = tempfile.mkdtemp(prefix="vbhr-")
    cfg = os.path.join(tmp, "vmbal.yaml")
    with open(cfg, "w") as f:
        f.write("hosts:\n  - {name: t1, uri: \"test:///default\", cpus: 4}\n"
                "policy: {mode: auto, probe_interval_s: 5, analyse_interval_s: 5}\n"
                "journal: %s/journal\n"
                "ha: {address: %s}\n" % (tmp, ADDR))
    os.chmod(cfg, 0o600)
    env = dict(os.environ, VMBAL_LEASE_DIR=os.path.join(tmp, "lease"),
               ASAN_OPTIONS="detect_leaks=1")
    runs = []

    def cleanup():
        for r in runs:
            if r.p.poll() is None:
                r.p.kill()
                r.p.wait()
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)

    def body():
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        subprocess.run(["ip", "netns", "add", NS], check=True)
        veth()
        ip("link", "set", "lo", "up")
        r = Run(binary, cfg, env=env, prefix=["ip", "netns", "exec", NS])
        runs.append(r)
        t, e = wait_ha(r, "standby", 10, 0)
        check(e is not None and e["address"] == ADDR,
              "without the address: an ha event says standby at start",
              "events: %r\nstderr: %s" % (ha_events(r), r.err[-400:]))
        st, s = r.wait(lambda e: True, 10)
        check(s is not None and s.get("role") == "standby",
              "samples say role standby", repr(s))
        # a neighbour address, and the address on another namespace, do
        # not count
        ip("addr", "add", OTHER + "/24", "dev", DEV)
        time.sleep(1.5)
        check(not [e for _, e in ha_events(r) if e["role"] == "active"],
              "another address of the same subnet does not make it active")
        t0 = time.monotonic()
        ip("addr", "add", ADDR + "/32", "dev", DEV)
        t, e = wait_ha(r, "active", 5, t0)
        check(e is not None, "the address added: an ha event says active",
              repr(ha_events(r)))
        lat = (t - t0) if t else None
        out("# address added -> active in %s s" %
            ("%.3f" % lat if lat is not None else "-"))
        check(lat is not None and lat < 1.0,
              "seen within a second (probes are 5 s apart)", lat)
        time.sleep(0.3)
        st, s = r.wait(lambda e: e.get("role") == "active", 8, t)
        check(s is not None, "the next sample says role active")
        n_active = len(ha_events(r))
        time.sleep(1.0)
        check(len(ha_events(r)) == n_active, "no repeated ha event while "
              "nothing changes", repr(ha_events(r)))
        t0 = time.monotonic()
        ip("addr", "del", ADDR + "/32", "dev", DEV)
        t, e = wait_ha(r, "standby", 5, t0)
        lat = (t - t0) if t else None
        out("# address deleted -> standby in %s s" %
            ("%.3f" % lat if lat is not None else "-"))
        check(lat is not None and lat < 1.0,
              "the address deleted: standby within a second", lat)
        # on a secondary address of lo: held too (any local interface)
        t0 = time.monotonic()
        ip("addr", "add", ADDR + "/32", "dev", "lo")
        t, e = wait_ha(r, "active", 5, t0)
        check(e is not None, "the address on lo: active")
        ip("addr", "del", ADDR + "/32", "dev", "lo")
        t, e = wait_ha(r, "standby", 5, t0 + 0.001)
        check(e is not None, "and standby again when it leaves lo")
        # deleting the interface removes its addresses
        t0 = time.monotonic()
        ip("addr", "add", ADDR + "/32", "dev", DEV)
        wait_ha(r, "active", 5, t0)
        t0 = time.monotonic()
        ip("link", "del", DEV)
        t, e = wait_ha(r, "standby", 5, t0)
        check(e is not None, "the interface deleted with the address on it: "
              "standby", repr(ha_events(r)))
        # a second instance started while the address is here starts active
        veth()
        ip("addr", "add", ADDR + "/32", "dev", DEV)
        wait_ha(r, "active", 5, time.monotonic() - 0.5)
        rc = r.stop()
        check(rc == 0, "the first run stops cleanly on SIGTERM (no sanitizer "
              "report)", "rc=%r\n%s" % (rc, r.err[-600:]))
        r2 = Run(binary, cfg, env=env, prefix=["ip", "netns", "exec", NS])
        runs.append(r2)
        t, e = wait_ha(r2, "active", 10, 0)
        check(e is not None, "a run started with the address here starts "
              "active", repr(ha_events(r2)) + r2.err[-300:])
        check(len([x for x in ha_events(r2) if x[1]["role"] == "standby"]) == 0,
              "and never said standby first")
        st, s = r2.wait(lambda e: True, 10)
        check(s is not None and s.get("role") == "active",
              "its samples say role active")
        rc = r2.stop()
        check(rc == 0, "the second run stops cleanly", r2.err[-600:])
        # without ha: the key stays out: role active, no ha event
        with open(cfg, "w") as f:
            f.write("hosts:\n  - {name: t1, uri: \"test:///default\", cpus: 4}\n"
                    "policy: {probe_interval_s: 1, analyse_interval_s: 1}\n"
                    "journal: %s/journal\n" % tmp)
        r3 = Run(binary, cfg, env=env, prefix=["ip", "netns", "exec", NS])
        runs.append(r3)
        st, s = r3.wait(lambda e: True, 10)
        r3.stop()
        check(s is not None and s.get("role") == "active" and not ha_events(r3),
              "without ha: samples say active and there is no ha event",
              repr(s)[:200] + repr(ha_events(r3)))

    labtest.tap(PLANNED, body, cleanup)


main()
