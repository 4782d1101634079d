#!/usr/bin/env python3
# demand_lab.t - true demand on a saturated host: one lab host (tests/lab/
# lab.sh up 1) runs more guests burning 100% of a CPU than the machine
# has CPUs (one more, at least three), plus an idle one. Each busy guest
# gets only a share of a CPU, so its cpu_pct reads below 100, and the
# time its vCPU waited for a host CPU (libvirt's vcpu.<n>.delay) makes up
# the rest: its demand_pct reads above its cpu_pct, never above its
# vCPUs x 100; the host's demand_pct is above its cpu_pct; the idle
# guest's demand is about nothing. Prints TAP with the figures.
# Needs root and the lab's packages; skips with the reason otherwise.
# VMBAL_LAB_DIR, VMBAL_LAB_NET and VMBAL_LAB_PREFIX choose the lab as for
# lab.sh, so it may run beside another.
import os, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR", "/tmp/vmbal-lab-demand")
NET = os.environ.get("VMBAL_LAB_NET", "198.18.10")
U1 = "qemu+tcp://%s.11/system" % NET
NBUSY = max(3, (os.cpu_count() or 2) + 1)
MARGIN = 10     # demand above use by at least this, in percent of a CPU
start(DIR)

cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""hosts:
  - {name: h1, uri: "%s"}
policy: {mode: observe, probe_interval_s: 1, analyse_interval_s: 2, window: 4}
""" % U1)
cfg.close()
runs = []


def cleanup(*_):
    for r in runs:
        r.stop()
    lab("down", DIR)
    os.unlink(cfg.name) if os.path.exists(cfg.name) else None


def body():
    lab("down", DIR)
    rc, o, e = lab("up", "1", DIR)
    check(rc == 0, "lab: one libvirtd host up", e[-800:])
    if rc != 0:
        raise SystemExit
    names = ["busy%d" % i for i in range(1, NBUSY + 1)]
    for name, duty in [(n, 100) for n in names] + [("idle", 0)]:
        rc, o, e = lab("guest", "1", name, str(duty))
        if rc != 0:
            check(False, "guest %s started" % name, e[-500:])
            raise SystemExit
    check(True, "%d busy guests and an idle one on %d CPUs" % (NBUSY, os.cpu_count() or 0))

    time.sleep(4)
    r = Run(VMBAL, cfg.name, "--ticks", "6")
    runs.append(r)
    r.p.wait(timeout=90)
    samples = [e for _, e in r.samples()]
    check(r.p.returncode == 0 and len(samples) == 6, "observe --ticks 6: six samples, exit 0",
          r.err[-500:])
    last = samples[-1] if samples else {"vms": [], "hosts": []}
    busy = [vm(last, n) for n in names]
    figs = ", ".join("%s cpu %s demand %s" % (n, b and b.get("cpu_pct"), b and b.get("demand_pct"))
                     for n, b in zip(names, busy))
    out("# " + figs)
    check(all(b and "demand_pct" in b for b in busy), "every VM has demand_pct", figs)
    check(all(b and b["cpu_pct"] < 100 - MARGIN / 2 for b in busy),
          "busy guests get less than a CPU each: " + figs)
    check(all(b and b.get("demand_pct", 0) >= b["cpu_pct"] + MARGIN for b in busy),
          "busy guests' demand_pct above cpu_pct by %d or more: %s" % (MARGIN, figs))
    bad = [(e["ts"], v["name"], v["cpu_pct"], v.get("demand_pct")) for e in samples
           for v in e["vms"] if not (v["cpu_pct"] - 0.01 <= v.get("demand_pct", -1)
                                     <= v.get("vcpus", 1) * 100 + 0.01)]
    check(not bad, "in every sample, cpu_pct <= demand_pct <= vcpus x 100", repr(bad[:5]))
    h = host(last, "h1") or {}
    check(h.get("demand_pct", 0) >= h.get("cpu_pct", 0) + 5,
          "host demand_pct %s above its cpu_pct %s" % (h.get("demand_pct"), h.get("cpu_pct")))
    i = vm(last, "idle")
    check(i and i.get("demand_pct", 100) < 5,
          "idle guest's demand under 5%%: %s" % (i and i.get("demand_pct")))


labtest.tap(9, body, cleanup)
