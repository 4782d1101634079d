#!/usr/bin/env python3
# ha_lab.t - issue 14: two vmbal directors as a pair, keepalived and
# conntrackd configured with exactly docs/ha.md's text (tests/lab/halab.py
# extracts its fenced blocks and fills in the placeholders only).
#
# The network: d1 is master (VIP and backends' gateway), d2 backup, both
# with the same VMBAL- DNAT rules; a client sends a request every 50 ms and
# keeps one connection open, echoing a byte every 50 ms. d1 dies (SIGKILL of
# keepalived, conntrackd and vmbal; its ports down): the addresses are on
# d2 within 1 s, requests fail for at most 1 s, the long-lived connection
# survives (d2's conntrackd committed it). d1 comes back: it stays backup,
# the addresses do not flap. The sync link cut: both hold the VIP (split
# brain); healed: one again.
#
# vmbal (with `ha:`, when this vmbal has it): two lab libvirt hosts, guests
# out of balance, vmbal on both directors (same configuration, auto mode,
# their own journals and lease directories). Before the failure only the
# active migrates; d1 dies while a migration runs: d2 becomes active within
# one analysis tick, follows that migration to its end without starting it
# again, and goes on balancing; d1 comes back standby and does not act;
# split brain for 2 minutes: no VM moves twice within vm_cooldown_s.
# Prints the figures as TAP comments. Needs root; skips with the reason.
import json, os, signal, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import out, check, results, ROOT, VMBAL  # noqa: E402
import halab as H  # noqa: E402

LABDIR = "/tmp/vbha-lab"
os.environ.update(VMBAL_LAB_PREFIX="vbha", VMBAL_LAB_NET="198.18.170",
                  VMBAL_LAB_DIR=LABDIR)
TOOL = os.path.join(ROOT, "build", "lab", "dnat_tool")
CAP, FILL_MIB = 8, 64           # MiB/s, MiB: a migration takes about 8 s
ANALYSE = 1                     # analysis tick, s
COOLDOWN = 600                  # vm_cooldown_s: longer than the test
SPLIT_S = 75                    # both active: 3 moves of ~8 s each fit with time to spare
PLANNED = 17

if os.geteuid() != 0:
    out("1..0 # SKIP needs root")
    sys.exit(0)
missing = H.need() + [os.path.relpath(f, ROOT) for f in (VMBAL, TOOL) if not os.path.exists(f)]
if missing:
    out("1..0 # SKIP missing: %s (make deps; make vmbal %s)"
        % (" ".join(missing), os.path.relpath(TOOL, ROOT)))
    sys.exit(0)
labtest.start(LABDIR)   # the lab-tests lock
labtest.ENV.update(os.environ)

CFG = os.path.join("/tmp", "vbha-ha.yaml")     # one file, both directors
runs = [None, None]     # each director's vmbal now
allruns = []            # every vmbal started
figures = {}


def skip(name, why):
    results.append((True, name, ""))
    out("ok %d - %s # SKIP %s" % (len(results), name, why))


def cleanup():
    for r in allruns:
        if r.p.poll() is None:
            r.p.kill()
            r.p.wait()
    H.teardown()
    if LAB:
        labtest.lab("down", LABDIR)
    for f in (CFG, os.path.join(LABDIR, "fill.bin")):
        if os.path.exists(f):
            os.unlink(f)


def has_ha():
    """Does this vmbal know `ha:`? (--check-config on a config with it)"""
    with open(CFG + ".probe", "w") as f:
        f.write("hosts:\n  - {name: t1, uri: \"test:///default\"}\nha: {address: %s}\n" % H.VIP)
    rc, o, e = H.run([VMBAL, "--check-config", "-c", CFG + ".probe"])
    os.unlink(CFG + ".probe")
    return rc == 0, (e or o).strip()


HA, HA_WHY = has_ha()
LAB = HA          # the libvirt hosts are only needed by vmbal's checks


def config(blocks):
    hosts = "\n".join('  - {name: h%d, uri: "qemu+tcp://198.18.170.%d/system", '
                      'migration_uri: "tcp://198.18.170.%d", cpus: 2}' % (k, 10 + k, 10 + k)
                      for k in (1, 2))
    backs = "\n".join("      - {address: %s, port: %d}" % (a, H.BPORT) for a in H.BADDR)
    return """%s
journal: /run/vbha/journal.jsonl
hosts:
%s
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: %d, window: 3,
         hold_s: 0, threshold_pct: 15, vm_cooldown_s: %d, migration_timeout_s: 120}
live_migration: {peer_to_peer: true, bandwidth_mibps: %d}
services:
  - name: web
    vip: %s
    port: %d
    algorithm: round-robin
    health: {type: http, path: /}
    backends:
%s
""" % (H.fill(blocks["vmbal.yaml"], H.values(0)).strip(), hosts, ANALYSE, COOLDOWN, CAP,
       H.VIP, H.PORT, backs)


def start_vmbal(k):
    env = dict(os.environ, VMBAL_LEASE_DIR="/run/vbha/lease")
    runs[k] = labtest.Run(VMBAL, CFG, env=env, prefix=H.dx(k))
    allruns.append(runs[k])
    return runs[k]


def evs(k, kind, after=0.0):
    r = runs[k]
    if r is None:
        return []
    with r.lock:
        return [(t, e) for t, e in r.events if e["event"] == kind and t >= after]


def wait_ev(k, pred, secs, after=0.0):
    """The first (time, event) of director k's vmbal at or after `after`
    that pred accepts, waited for up to secs."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r = runs[k]
        if r is not None:
            with r.lock:
                got = [(t, e) for t, e in r.events if t >= after and pred(e)]
            if got:
                return got[0]
        time.sleep(0.05)
    return None, None


def started(k, after=0.0):
    return [e for t, e in evs(k, "migration", after) if e["status"] == "started"]


def done(k, after=0.0):
    return [e for t, e in evs(k, "migration", after) if e["status"] == "done"]


def journals():
    """Both journals' outcomes: (director, record)."""
    recs = []
    for k in (0, 1):
        try:
            with open(H.var(k, "journal.jsonl")) as f:
                recs += [(k, json.loads(l)) for l in f if l.strip()]
        except OSError:
            pass
    return recs


def template():
    """lab.sh's 30% burner, started once on h1 to build its image and
    destroyed at once: its XML is the template of filled_guest."""
    rc, o, e = labtest.lab("guest", "1", "tmpl", "30", "32")
    labtest.sh(["virsh", "-c", "qemu+tcp://198.18.170.11/system", "destroy", "tmpl"],
               timeout=20)
    return None if rc == 0 else e


def filled_guest(k, name):
    """A 128 MiB guest on host k (the template's burner) whose memory holds
    FILL_MIB of random bytes from 16 MiB up: migrating it takes about
    FILL_MIB / CAP seconds (livemig_lab.t's way)."""
    uri = "qemu+tcp://198.18.170.%d/system" % (10 + k)
    with open(os.path.join(LABDIR, "guests", "tmpl.xml")) as f:
        xml = f.read()
    xml = xml.replace("<domain type='qemu'>",
                      "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
    xml = xml.replace("<name>tmpl</name>", "<name>%s</name>" % name)
    xml = xml.replace("<memory unit='MiB'>32</memory>", "<memory unit='MiB'>128</memory>")
    xml = xml.replace("</domain>", "  <qemu:commandline>\n"
                      "    <qemu:arg value='-device'/>\n"
                      "    <qemu:arg value='loader,file=%s,addr=0x1000000,force-raw=on'/>\n"
                      "  </qemu:commandline>\n</domain>" % os.path.join(LABDIR, "fill.bin"))
    path = os.path.join(LABDIR, "guests", name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    rc, o, e = labtest.sh(["virsh", "-c", uri, "create", path], timeout=30)
    return None if rc == 0 else e


def where(name):
    return labtest.where(name, [(k, "qemu+tcp://198.18.170.%d/system" % (10 + k))
                                for k in (1, 2)])


class Places:
    """Where each guest runs, polled every second from the libvirt hosts
    (the ground truth, whichever director moved it): moves[vm] is the list
    of (monotonic time, from, to) of its changes of host."""

    def __init__(self, names):
        self.names, self.moves, self.at, self.stop = list(names), {}, {}, False
        self.lock = threading.Lock()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def add(self, name):
        with self.lock:
            self.names.append(name)

    def _run(self):
        while not self.stop:
            with self.lock:
                names = list(self.names)
            for n in names:
                w = where(n)
                if len(w) != 1:     # paused on both ends, or gone: not settled
                    continue
                with self.lock:
                    if n in self.at and self.at[n] != w[0]:
                        self.moves.setdefault(n, []).append((time.monotonic(), self.at[n], w[0]))
                    self.at[n] = w[0]
            time.sleep(1.0)

    def twice(self, cooldown=COOLDOWN):
        """The guests that changed host twice within cooldown s."""
        with self.lock:
            return {n: m for n, m in self.moves.items()
                    if any(b[0] - a[0] < cooldown for a, b in zip(m, m[1:]))}

    def count(self, n):
        with self.lock:
            return len(self.moves.get(n, []))


def done_twice():
    """Guests with done migrations, from both directors' events, that are
    more than one move: the follower reporting the move the other started
    is the same move (same from and to)."""
    seen = {}
    for r in allruns:
        with r.lock:
            ds = [e for t, e in r.events if e["event"] == "migration" and e["status"] == "done"]
        for e in ds:
            seen.setdefault(e["vm"], set()).add((e["from"], e["to"]))
    return {v: sorted(m) for v, m in seen.items() if len(m) > 1}


def body():
    t_all = time.monotonic()
    blocks = H.doc_blocks()
    names = ("keepalived.conf", "conntrackd.conf", "notify.sh", "vmbal.yaml")
    try:
        filled = {n: H.fill(blocks[n], H.values(k)) for n in names for k in (0, 1)}
        err = None
    except (KeyError, RuntimeError) as ex:
        filled, err = {}, str(ex)
    left = [n for n in names for k in (0, 1)
            if __import__("re").search(r"@[A-Z_]+@", filled.get(n, ""))] if filled else []
    check(err is None and not left,
          "docs/ha.md holds keepalived.conf, conntrackd.conf, notify.sh and vmbal.yaml; "
          "every placeholder is in its table", err or repr(left))
    if err is not None:
        raise SystemExit

    if LAB:
        labtest.lab("down", LABDIR)
        rc, o, e = labtest.lab("up", "2", LABDIR)
        if rc != 0:
            check(False, "lab: two libvirt hosts up", e[-600:])
            raise SystemExit
        with open("/dev/urandom", "rb") as src, open(os.path.join(LABDIR, "fill.bin"), "wb") as dst:
            for _ in range(FILL_MIB):
                dst.write(src.read(1 << 20))
    H.setup(blocks, mgmt="vbha-br" if LAB else None)
    ok = H.start_conntrackd(0) and H.start_conntrackd(1)
    H.start_keepalived(0)
    t1 = H.wait_addrs(0, {H.VIP, H.GW}, 10)
    H.start_keepalived(1)
    time.sleep(1.0)
    check(ok and t1 is not None and H.addrs(0) == {H.VIP, H.GW} and H.addrs(1) == set(),
          "keepalived: d1 master with the VIP and the gateway, d2 backup with neither; "
          "conntrackd runs on both", "%s %s" % (H.addrs(0), H.addrs(1)))

    if HA:
        with open(CFG, "w") as f:
            f.write(config(blocks))
        guests = ["g1", "g2", "g3", "g4"]
        e = template()
        for g in guests:
            e = e or filled_guest(1, g)
            if e:
                check(False, "guest %s on h1" % g, e)
                raise SystemExit
        out("# lab up, 4 guests on h1 (%.0f s)" % (time.monotonic() - t_all))
        places = Places(guests)
        start_vmbal(0)
        start_vmbal(1)
        wait_ev(0, lambda e: e["event"] == "dnat" and e.get("status") == "applied", 20)
        wait_ev(1, lambda e: e["event"] == "dnat" and e.get("status") == "applied", 20)
    else:
        st = "service web %s %d tcp round-robin 0 0\n" % (H.VIP, H.PORT) + \
             "".join("backend %s %d 1 up\n" % (a, H.BPORT) for a in H.BADDR)
        for d in H.DS:
            H.must(d, TOOL, "-t", H.TAG, "apply", "-", inp=st)
    n0, n1 = H.nat(0), H.nat(1)
    check(n0 and n0 == n1 and "-j DNAT" in n0,
          "the standby's nat table holds the same VMBAL- rules as the active's (%s)"
          % ("vmbal on both" if HA else "dnat_tool on both; vmbal has no ha: yet"),
          n0 + "\n--\n" + n1)

    # the client, then a migration under way
    cl = H.Client(150)
    time.sleep(1.5)
    # the long-lived one: the oldest established (a short request may be
    # established at this instant too)
    age = lambda l: int(l.split("active since ")[1].split("s")[0]) if "active since " in l else -1
    held = sorted((l for l in H.conns(1, "-e") if "ESTABLISHED" in l), key=age, reverse=True)[:1]
    check(held and age(held[0]) >= 1, "d2's conntrackd holds the long-lived connection in its "
          "external cache (FTFW sync)", "\n".join(H.conns(1, "-e")[:5]))

    moving = None
    if HA:
        ts, st_ev = wait_ev(0, lambda e: e["event"] == "migration" and e["status"] == "started", 60)
        moving = st_ev["vm"] if st_ev else None
        if ts is not None:      # 3 s into the migration (of about 12)
            time.sleep(max(0.0, ts + 3.0 - time.monotonic()))
        roles = [[e.get("role") for t, e in evs(k, "sample")][-1:] for k in (0, 1)]
        check(moving is not None and not started(1) and roles == [["active"], ["standby"]],
              "before the failure only the active's vmbal starts migrations (d1 moves %s; "
              "sample roles %s)" % (moving, roles),
              json.dumps([e for t, e in evs(0, "migration")]) + runs[0].err[-300:])
    else:
        skip("before the failure only the active's vmbal starts migrations", "vmbal: " + HA_WHY)

    # d1 dies
    wall = time.time()
    if HA:
        os.kill(runs[0].p.pid, signal.SIGKILL)
    t_kill = H.die(0)
    t_take = H.wait_addrs(1, {H.VIP, H.GW}, 5)
    take = (t_take - t_kill) if t_take else None
    port_of = lambda l: l.split("sport=")[1].split()[0] if "sport=" in l else None
    hport = port_of(held[0]) if held else None
    kern = []
    for _ in range(50):         # the notify hook's commit, as it lands
        kern = [l for l in H.conns(1, "kernel") if port_of(l) == hport]
        if kern:
            break
        time.sleep(0.02)
    figures["takeover_ms"] = take * 1e3 if take else None
    check(take is not None and take <= 1.0,
          "d1 killed: the VIP and the gateway are on d2 within 1 s (%.0f ms)"
          % (take * 1e3 if take else -1), "%s" % H.addrs(1))

    if HA:
        th, eh = wait_ev(1, lambda e: e["event"] == "ha" and e.get("role") == "active", 5,
                         t_kill)
        check(th is not None and t_take is not None and th - t_take <= ANALYSE + 0.2,
              "d2's vmbal becomes active within one analysis tick of the address (%.0f ms)"
              % ((th - t_take) * 1e3 if th and t_take else -1), json.dumps(eh))
        # d2 holds d1's move in flight (its record in the VM's metadata) until it lands
        tp, ep = wait_ev(1, lambda e: e["event"] == "plan" and any(
            h.get("vm") == moving for h in e.get("held", [])), 10, t_kill)
        end = time.monotonic() + 40
        while time.monotonic() < end and where(moving) != ["h2"]:
            time.sleep(0.5)
        time.sleep(1.0)
        check(ep is not None and where(moving) == ["h2"] and places.count(moving) == 1
              and not [e for e in started(1) if e["vm"] == moving],
              "d2 follows d1's migration of %s to its end (its plan holds it: %s; it lands "
              "on h2) and does not start it again"
              % (moving, next((h.get("why") for h in (ep or {}).get("held", [])
                               if h.get("vm") == moving), None)),
              json.dumps([e for t, e in evs(1, "migration")]) + runs[1].err[-300:])
        tb, eb = wait_ev(1, lambda e: e["event"] == "migration" and e["status"] == "done"
                         and e.get("vm") != moving, 60, t_kill)
        time.sleep(5.0)         # anything more it would start
        open_ = [e["vm"] for e in started(1, t_kill)
                 if not [d for d in done(1, t_kill) if d["vm"] == e["vm"]]]
        if open_:
            wait_ev(1, lambda e: e["event"] == "migration" and e.get("vm") == open_[0]
                    and e["status"] != "started", 40, t_kill)
        on2 = [g for g in guests if where(g) == ["h2"]]
        check(eb is not None and len(on2) == 2 and not places.twice(),
              "balancing goes on to the target: d2 moves %s; two guests on each host; "
              "no VM moved twice" % (eb["vm"] if eb else None),
              json.dumps([e for t, e in evs(1, "migration")]) + json.dumps(places.moves)
              + "\nd2's first plan after the takeover: "
              + json.dumps(next((e for t, e in evs(1, "plan", t_kill)), None)))
    else:
        for n in ("d2's vmbal becomes active within one analysis tick",
                  "d2 follows d1's migration to its end and does not start it again",
                  "balancing goes on to the target"):
            skip(n, "vmbal: " + HA_WHY)

    # d1 comes back, and stays backup
    time.sleep(1.0)
    t_back = time.monotonic()
    wall_back = time.time()
    ok = H.revive(0)
    if HA:
        start_vmbal(0)
    flap, end = [], time.monotonic() + 6
    while time.monotonic() < end:
        a0, a1 = H.addrs(0), H.addrs(1)
        if a0 or a1 != {H.VIP, H.GW}:
            flap.append((round(time.monotonic() - t_back, 2), sorted(a0), sorted(a1)))
        time.sleep(0.05)
    res = cl.wait(120)
    hold = res["hold"]
    fails = [(t0, t1) for t0, t1, ok_ in res["reqs"] if not ok_]
    after = [(t0, t1) for t0, t1 in fails if t0 >= wall]
    # the outage: the span of the requests after the kill that failed or
    # took over 0.5 s (a lost SYN is sent again after 1 s and may just make
    # the 1 s timeout), plus one interval
    bad = sorted(t0 for t0, t1, ok_ in res["reqs"] if t0 >= wall and (not ok_ or t1 - t0 > 0.5))
    outage = (bad[-1] - bad[0] + 0.05) if bad else 0.0
    figures.update(failed=len(after), slow=len(bad) - len(after), requests=len(res["reqs"]),
                   outage_ms=outage * 1e3, kept=hold.get("error") is None,
                   maxgap_ms=(hold.get("maxgap") or 0) * 1e3)
    check(len(fails) == len(after) and outage <= 1.0,
          "requests every 50 ms: %d of %d failed (%d more slow), all after the kill, for "
          "%.0f ms (at most 1 s)" % (len(after), len(res["reqs"]), figures["slow"],
                                     outage * 1e3), json.dumps(fails[:5]))
    bk = H.BADDR[int(hold["backend"][1:]) - 1] if (hold.get("backend") or "")[1:].isdigit() else "?"
    check(hold.get("error") is None and hold.get("echoed", 0) == hold.get("sent", -1)
          and hold.get("echoed", 0) > 100 and kern and "src=%s " % bk in kern[0],
          "the long-lived connection survives the takeover (%d bytes echoed by %s, longest "
          "gap %.0f ms): d2's notify hook committed it to the kernel, DNAT to %s kept"
          % (hold.get("echoed", 0), hold.get("backend"), (hold.get("maxgap") or 0) * 1e3, bk),
          json.dumps(hold) + "\n" + "\n".join(kern))
    back_fail = [f for f in fails if f[0] >= wall_back]
    check(ok and not flap and not back_fail,
          "d1 comes back as backup: the addresses stay on d2 (no flap) and no request fails",
          json.dumps(flap[:5]) + json.dumps(back_fail[:3]))
    if HA:
        tb2, eb2 = wait_ev(0, lambda e: e["event"] == "ha", 5, t_back)
        time.sleep(3)
        check(eb2 is not None and eb2.get("role") == "standby" and not started(0, t_back),
              "d1's vmbal starts standby and does not act (no second actor)",
              json.dumps(eb2) + runs[0].err[-300:])
    else:
        skip("d1's vmbal starts standby and does not act", "vmbal: " + HA_WHY)
    resync = [l for l in H.conns(0, "-e")]
    check(ok, "d1's conntrackd runs again (external cache: %d entries after the resync)"
          % len(resync))

    # split brain: the sync link cut
    t_cut = time.monotonic()
    H.cut_sync()
    t_both = H.wait_addrs(0, {H.VIP, H.GW}, 5)
    both = H.addrs(1) == {H.VIP, H.GW}
    figures["split_ms"] = (t_both - t_cut) * 1e3 if t_both else None
    check(t_both is not None and both,
          "sync link cut: both directors hold the VIP and the gateway (d1 after %.0f ms)"
          % ((t_both - t_cut) * 1e3 if t_both else -1), "%s %s" % (H.addrs(0), H.addrs(1)))
    if HA:
        ha0 = wait_ev(0, lambda e: e["event"] == "ha" and e.get("role") == "active", 5, t_cut)[1]
        # new load on h2, not in cooldown: both directors want to move it
        for g in ("g5", "g6"):
            e = filled_guest(2, g)
            if e:
                out("# guest %s on h2: %s" % (g, e.strip()[-200:]))
            places.add(g)
        time.sleep(SPLIT_S)
        twice = places.twice()
        twice.update({"events:" + v: m for v, m in done_twice().items()})
        moved = {n: places.count(n) for n in places.names}
        s0, s1 = started(0, t_cut), started(1, t_cut)
        figures["split"] = {"d1_started": [e["vm"] for e in s0], "d2_started": [e["vm"] for e in s1],
                            "d1_done": [e["vm"] for e in done(0, t_cut)],
                            "d2_done": [e["vm"] for e in done(1, t_cut)],
                            "moves": moved}
        out("# split brain %d s: %s" % (SPLIT_S, json.dumps(figures["split"])))
        check(ha0 is not None and not twice and any(moved[g] for g in ("g5", "g6")),
              "split brain for %d s, both vmbal active: g5/g6 (new load on h2) moved, "
              "no VM moves twice within vm_cooldown_s (moves: %s)"
              % (SPLIT_S, json.dumps(moved, sort_keys=True)), json.dumps(twice)
              + json.dumps([e for t, e in evs(0, "migration", t_cut)])
              + json.dumps([e for t, e in evs(1, "migration", t_cut)]))
        places.stop = True
    else:
        skip("split brain for %d s, both vmbal active: no VM moves twice within "
             "vm_cooldown_s" % SPLIT_S, "vmbal: " + HA_WHY)
    H.heal_sync()
    end, one = time.monotonic() + 5, None
    while time.monotonic() < end:
        a0, a1 = H.addrs(0), H.addrs(1)
        if (a0 == {H.VIP, H.GW}) != (a1 == {H.VIP, H.GW}) and not (a0 and a1):
            one = "d1" if a0 else "d2"
            break
        time.sleep(0.05)
    check(one is not None, "sync link back: one director holds the addresses again (%s)" % one,
          "%s %s" % (H.addrs(0), H.addrs(1)))

    out("# figures: takeover %.0f ms; requests every 50 ms: %d of %d failed (%d slow) over %.0f ms; "
        "long-lived connection %s (longest gap %.0f ms); split brain: second master "
        "after %.0f ms"
        % (figures.get("takeover_ms") or -1, figures["failed"], figures["requests"], figures["slow"],
           figures["outage_ms"], "kept" if figures["kept"] else "LOST",
           figures["maxgap_ms"], figures.get("split_ms") or -1))
    out("# whole test %.0f s" % (time.monotonic() - t_all))


labtest.tap(PLANNED, body, cleanup)
