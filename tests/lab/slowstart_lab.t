#!/usr/bin/env python3
# slowstart_lab.t - slow start through vmbal and real DNAT: a round-robin
# service of three backends with slow_start_s: 10; b1's server is stopped
# (vmbal takes it out) and started again; over the 10 s after its return
# its share of new connections, counted in 2-s bins, grows from well
# below its third to near it instead of jumping, and the dnat events
# show its weight ramping. Namespaces vbss-*, nets 198.18.184-187.0/24.
# Prints TAP; skips without root.
import json, os, subprocess, sys, tempfile, time

os.environ["VIPLAB_NS"] = "vbss"
os.environ["VIPLAB_NET"] = "184"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT  # noqa: E402
import viplab  # noqa: E402
from viplab import *  # noqa: E402,F401,F403

VMBAL = os.path.join(ROOT, "vmbal")
start([VMBAL])
RAMP, BIN = 10, 2.0

# Back-to-back new connections until the deadline (CLOCK_MONOTONIC, the
# same clock as the events' times): one "T BACKEND" line each.
CLIENT_T = r"""
import socket, sys, time
vip, port, until = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
o = sys.stdout
while time.monotonic() < until:
    t = time.monotonic()
    try:
        s = socket.create_connection((vip, port), 2)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            d = s.recv(256)
            if not d:
                break
            data += d
        s.close()
        k = data.partition(b"\r\n\r\n")[2].decode().strip() or "empty"
    except OSError:
        k = "fail"
    o.write("%.6f %s\n" % (t, k))
o.flush()
"""

B = ["%s:%d" % (a, BPORT) for a in BADDR]
cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: web
    vip: %s
    port: %d
    slow_start_s: %d
    health: {interval_ms: 100, timeout_ms: 80}
    backends:
%s
""" % (VIP, PORT, RAMP, "\n".join("      - {address: %s, port: %d}" % (a, BPORT)
                                  for a in BADDR)))
cfg.close()


def body():
    setup()
    tmpfiles.append(cfg.name)
    journal = tempfile.mktemp(prefix="vmbal-ss-journal-")
    tmpfiles.append(journal)
    with open(cfg.name, "a") as f:
        f.write("journal: %s\n" % journal)
    vm = vmbal_headless(cfg.name)
    t, e = wait_event(lambda e: e["event"] == "dnat" and
                      sorted(weights(e).values()) == [1, 1, 1], 10)
    check(e is not None, "at the start: all three at full weight at once, no ramp",
          json.dumps(e))
    # b1 down: its server stopped
    b1 = procs[0]
    b1.kill()
    b1.wait()
    down = time.monotonic()
    t, e = wait_event(lambda e: e["event"] == "dnat" and weights(e)[B[0]] == 0, 10, down)
    check(e is not None, "b1's server stopped: out of the rules (%.1f s)"
          % ((t - down) if t else -1))
    # the client runs from before b1's return to past its ramp
    until = time.monotonic() + 4 + RAMP + 2
    cl = subprocess.Popen(["ip", "netns", "exec", CLI, sys.executable, "-c", CLIENT_T,
                           VIP, str(PORT), "%.6f" % until],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(cl)
    time.sleep(0.5)
    back = time.monotonic()
    procs.append(subprocess.Popen(["ip", "netns", "exec", BS[0], sys.executable, "-c",
                                   viplab.SERVER, "b1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    t0, e = wait_event(lambda e: e["event"] == "dnat" and weights(e)[B[0]] > 0, 5, back)
    check(e is not None and weights(e)[B[0]] * 20 < weights(e)[B[1]],
          "b1 back (%.1f s after its server): a small weight first: %s"
          % ((t0 - back) if t0 else -1, json.dumps(weights(e)) if e else "none"))
    o, err = cl.communicate(timeout=RAMP + 20)
    if t0 is None:
        return
    conns = []
    for line in o.splitlines():
        ts, k = line.split()
        conns.append((float(ts) - t0, k))
    # the dnat events of the ramp: b1's part of the others' weight
    with events_lock:
        ramp = [(tt - t0, weights(ev)) for tt, ev in events
                if ev["event"] == "dnat" and tt >= t0 - 1e-6 and tt <= t0 + RAMP + 1]
    parts = [round(w[B[0]] / float(w[B[1]]), 2) for _, w in ramp if w[B[1]] > 0]
    out("# b1's weight over b2's at each dnat event: %s (at %s s)"
        % (parts, [round(x, 1) for x, _ in ramp]))
    check(len(parts) >= 8 and parts == sorted(parts) and parts[-1] == 1.0 and
          all(sorted(w.values()) == [1, 1, 1] for x, w in ramp if x > RAMP - 0.2),
          "dnat events: b1's weight grows step by step, then all back to 1")
    shares, counts = [], []
    nbins = int(RAMP / BIN)
    for i in range(nbins + 1):
        lo, hi = i * BIN, (i + 1) * BIN
        if i == nbins:
            lo, hi = RAMP + 0.3, RAMP + 1.8     # after the ramp
        per = [k for x, k in conns if lo <= x < hi]
        n1 = per.count("b1")
        counts.append((n1, len(per)))
        shares.append(n1 / float(len(per)) if per else -1)
    out("# b1's share of new connections per 2-s bin after its return "
        "(the last: after the ramp): %s" % ["%.3f" % s for s in shares])
    out("# (b1, all) per bin: %s" % counts)
    fails = sum(1 for _, k in conns if k not in ("b1", "b2", "b3"))
    full = 1 / 3.0
    check(all(n >= 60 for _, n in counts) and fails == 0,
          "enough connections in every bin, none failed (%d failed)" % fails)
    check(shares[0] < 0.3 * full and shares[1] < 0.6 * full,
          "its first bins are well below its full third (%.3f, %.3f)" % tuple(shares[:2]))
    check(all(shares[i + 1] >= shares[i] - 0.03 for i in range(nbins - 1)) and
          shares[nbins - 1] > shares[0] + 0.15,
          "its share grows over the ramp instead of jumping")
    check(shares[nbins - 1] > 0.6 * full and abs(shares[nbins] - full) < 0.05,
          "near its third at the ramp's end (%.3f), a third after it (%.3f)"
          % (shares[nbins - 1], shares[nbins]))
    vm.terminate()
    vm.wait(timeout=20)
    check(vm.returncode == 0, "vmbal ends cleanly", vm.stderr.read()[-400:])


labtest.tap(9, body, teardown)
