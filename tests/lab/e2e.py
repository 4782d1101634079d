"""e2e.py - the lab end to end, shared by e2e_lab.t and e2e_restart_lab.t:
three lab libvirtd hosts of unequal size (cpus 4, 2, 1 in the
configuration), six guests of different duty cycles all started on h1,
and the VIP of viplab.py with six HTTP backends, backend k belonging to
guest ek (`vm: ek`; the backend processes live in their own namespaces).
vmbal runs in the balancer namespace, which gets a leg on the lab's
bridge to reach the libvirtd hosts. A client sends a steady, bounded
stream of requests through the VIP, each carrying its wall-clock start
(t=), and every backend logs each connection with its accept time.

Also here: the contract's checks of every event, the journal against the
events, the optimum number of migrations (exhaustive search over the
placements of the guests' measured loads, scored as vmbal's spread), and
the drain check (no new connection at a backend while its VM migrates).

Use: e2e.main(DIR, PLANNED, body): the lab set up, body(T0) run, and
everything cleaned up however it ends."""
import itertools, json, os, shutil, signal, subprocess, sys, tempfile, time

import labtest
from labtest import out, check, results, sh, lab, Run, VMBAL, ENV  # noqa: F401
import viplab

HOSTS = [("h1", 4), ("h2", 2), ("h3", 1)]            # name, cpus (config)
GUESTS = [("e1", 30), ("e2", 24), ("e3", 20), ("e4", 16), ("e5", 12), ("e6", 8)]
UPLINK = "198.18.10.250"                            # the balancer on the lab bridge
POLICY = dict(threshold=10, hold=6, probe=1, analyse=2, window=5, cooldown=600)
INTERVAL = 0.05                                     # the client: a request every 50 ms
EVENTS = {"sample", "imbalance", "plan", "migration", "health", "dnat", "error", "end"}

tmp = None          # a private directory: config, journal, lease dir, logs
cfg = journal = None
runs, procs = [], []
_dir = None


def uri(k):
    return "qemu+tcp://198.18.10.%d/system" % (10 + k)


def start(lab_dir):
    """Skip unless root and the tools; take the lab lock."""
    global _dir
    _dir = lab_dir
    labtest.start(lab_dir)
    missing = [t for t in ("iptables-legacy", "iptables-legacy-save")
               if shutil.which(t) is None]
    if missing:
        out("1..0 # SKIP missing: " + " ".join(missing))
        sys.exit(0)


def config_text():
    hosts = "\n".join('  - {name: %s, uri: "%s", migration_uri: "tcp://198.18.10.%d", cpus: %d}'
                      % (n, uri(k), 10 + k, c) for k, (n, c) in enumerate(HOSTS, 1))
    backs = "\n".join("      - {address: %s, port: %d, vm: %s}" % (a, viplab.BPORT, g)
                      for a, (g, _d) in zip(viplab.BADDR, GUESTS))
    return """journal: %s
hosts:
%s
policy:
  mode: manual
  threshold_pct: %d
  hold_s: %d
  probe_interval_s: %d
  analyse_interval_s: %d
  window: %d
  vm_cooldown_s: %d
  min_gain_pct: 2
  max_concurrent_migrations: 1
  migration_timeout_s: 60
  weights: {cpu: 1.0, memory: 0.0}
services:
  - name: web
    vip: %s
    port: %d
    algorithm: round-robin
    drain_on_migrate: true
    health: {type: http, path: /, interval_ms: 500, timeout_ms: 400, fall: 2, rise: 2}
    backends:
%s
""" % (journal, hosts, POLICY["threshold"], POLICY["hold"], POLICY["probe"],
       POLICY["analyse"], POLICY["window"], POLICY["cooldown"], viplab.VIP, viplab.PORT, backs)


def setup():
    """The lab, the guests on h1, the VIP and its backends, the config.
    Raises RuntimeError with the reason when a step fails."""
    global tmp, cfg, journal
    tmp = tempfile.mkdtemp(prefix="vmbal-e2e-")
    os.chmod(tmp, 0o755)
    journal = os.path.join(tmp, "journal.jsonl")
    os.mkdir(os.path.join(tmp, "lease"))
    ENV["VMBAL_LEASE_DIR"] = os.path.join(tmp, "lease")
    lab("down", _dir)
    rc, o, e = lab("up", str(len(HOSTS)), _dir)
    if rc != 0:
        raise RuntimeError("lab up: " + e[-600:])
    for name, duty in GUESTS:
        rc, o, e = lab("guest", "1", name, str(duty))
        if rc != 0:
            raise RuntimeError("guest %s: %s" % (name, e[-400:]))
    viplab.use_backends(len(GUESTS))
    viplab.setup(logdir=tmp)
    # the balancer's leg on the lab bridge, to reach the libvirtd hosts
    viplab.must(None, "ip", "link", "add", "vdnu0", "type", "veth", "peer", "name",
                "vdnu1", "netns", viplab.LB)
    viplab.must(None, "ip", "link", "set", "vdnu0", "master", "vmbal-lab-br", "up")
    viplab.must(viplab.LB, "ip", "addr", "add", UPLINK + "/24", "dev", "vdnu1")
    viplab.must(viplab.LB, "ip", "link", "set", "vdnu1", "up")
    cfg = os.path.join(tmp, "lab.yaml")
    with open(cfg, "w") as f:
        f.write(config_text())
    rc, o, e = sh([VMBAL, "--check-config", "-c", cfg])
    if rc != 0:
        raise RuntimeError("config: " + e)


def main(lab_dir, planned, body, cleanup=None):
    """A TAP test of `planned` checks on a fresh lab: skips unless it can
    run, sets the lab up (the first check), runs body(t0) (t0: the
    monotonic start), reports an exception as a failed check, always
    runs cleanup() and tears the lab down, and fails the checks not
    reached."""
    start(lab_dir)

    def run():
        t0 = time.monotonic()
        setup()
        check(True, "lab: 3 hosts (cpus %s), %d guests on h1, a VIP with %d backends (%.0f s)"
              % (", ".join(str(c) for _, c in HOSTS), len(GUESTS), len(GUESTS),
                 time.monotonic() - t0))
        body(t0)

    def clean():
        if cleanup is not None:
            cleanup()
        teardown()
    labtest.tap(planned, run, clean)


def teardown():
    for r in runs:
        if r.p.poll() is None:
            r.p.kill()
            r.p.wait()
    del runs[:]
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    del procs[:]
    viplab.teardown()       # namespaces (the uplink veth goes with LB's)
    lab("down", _dir)
    if tmp and os.path.isdir(tmp) and not os.environ.get("VMBAL_E2E_KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)


def vmbal(*extra):
    """vmbal --headless -c CFG EXTRA... in the balancer namespace."""
    r = Run(VMBAL, cfg, *extra, env=ENV, prefix=["ip", "netns", "exec", viplab.LB])
    runs.append(r)
    return r


def events(r, kind=None):
    with r.lock:
        return [e for _, e in r.events if kind is None or e["event"] == kind]


def timed(r, kind=None):
    """[(wall clock when it came, event)]"""
    with r.lock:
        return [(w, e) for (_, e), w in zip(r.events, r.walls)
                if kind is None or e["event"] == kind]


def wait_for(r, pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for w, e in timed(r):
            if pred(e):
                return w, e
        if r.p.poll() is not None:
            break
        time.sleep(0.05)
    return None, None


def all_up(e):
    return (e["event"] == "dnat" and e["status"] == "applied" and
            len(e["backends"]) == len(GUESTS) and
            all(b["weight"] > 0 for b in e["backends"]))


# --- the client's stream ------------------------------------------------

STREAM = r"""
import json, os, socket, sys, time
vip, port, interval, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
stop, outf = sys.argv[5], sys.argv[6]
recs, nxt = [], time.monotonic()
for i in range(limit):
    if os.path.exists(stop):
        break
    t0 = time.time()
    try:
        s = socket.create_connection((vip, port), 3)
        s.settimeout(3)
        s.sendall(b"GET /?t=%.6f HTTP/1.0\r\nHost: vip\r\n\r\n" % t0)
        data = b""
        while True:
            d = s.recv(256)
            if not d:
                break
            data += d
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        k = body.decode().strip() if head.startswith(b"HTTP/1.0 200") else ""
        recs.append([t0, k or "fail", "" if k else "answer %r" % data[:60]])
    except OSError as e:
        recs.append([t0, "fail", str(e)])
    nxt += interval
    time.sleep(max(0.0, nxt - time.monotonic()))
with open(outf, "w") as f:
    json.dump(recs, f)
"""


class Stream:
    """A steady, bounded stream of requests through the VIP."""

    def __init__(self, secs):
        self.stopf = os.path.join(tmp, "stream.stop")
        self.outf = os.path.join(tmp, "stream.json")
        self.p = subprocess.Popen(["ip", "netns", "exec", viplab.CLI, sys.executable, "-c",
                                   STREAM, viplab.VIP, str(viplab.PORT), str(INTERVAL),
                                   str(int(secs / INTERVAL)), self.stopf, self.outf],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(self.p)

    def finish(self):
        open(self.stopf, "w").close()
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        try:
            with open(self.outf) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None


def backend_log(k):
    """Backend k's client connections (the health checks come from the
    balancer): [(accept wall time, client's t0)]."""
    recs = []
    try:
        with open(os.path.join(tmp, "b%d.log" % k)) as f:
            for line in f:
                at, t0, peer = line.split()
                if peer in viplab.SRCS:
                    recs.append((float(at), float(t0) if t0 != "-" else None))
    except OSError:
        pass
    return recs


SLACK = 0.25    # accept() may lag the SYN under load: see drain_check


def drain_check(windows):
    """windows: [(vm, start, end)]: wall-clock times when the started and
    the done/failed events of vm's migration reached the test (the drain is
    applied before the started event is said, the backend restored after
    the done event). From the backend's log, returns:
    - begun: client connections the VM's backend took although the client
      began them (t0, carried in the request) inside the window: each one
      passed the DNAT rules after the drain. Exact, no tolerance.
    - late: connections it accepted inside the window more than SLACK
      after its start (a SYN that passed the rules just before the drain
      is accepted a moment later, the later the busier the machine).
    - margins: per window, the gap from the last accept before it and to
      the first accept after it, and its length (seconds)."""
    begun, late, margins = [], [], []
    for vm, s, d in windows:
        k = [g for g, _ in GUESTS].index(vm) + 1
        log = backend_log(k)
        begun += [(vm, a, t0) for a, t0 in log if t0 is not None and s <= t0 <= d]
        late += [(vm, a, t0) for a, t0 in log if s + SLACK <= a <= d]
        before = [a for a, _ in log if a < s]
        after = [a for a, _ in log if a > d]
        margins.append((vm, s - max(before) if before else None,
                        min(after) - d if after else None, d - s))
    return begun, late, margins


# --- the contract ---------------------------------------------------------

def _num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def contract_errors(evs):
    """Everything in a run's events that the contract does not allow."""
    errs = []

    def need(e, cond, what):
        if not cond:
            errs.append("%s: %s" % (what, json.dumps(e)[:300]))

    for i, e in enumerate(evs):
        k = e.get("event")
        need(e, k in EVENTS and _num(e.get("ts")), "ts/event")
        if k == "sample":
            need(e, e.get("state") in ("balanced", "imbalanced") and _num(e.get("spread")),
                 "sample state/spread")
            for h in e.get("hosts", []):
                need(e, h.get("state") in ("up", "down", "maintenance", "connecting") and
                     all(_num(h.get(f)) for f in ("cpu_pct", "load_pct", "mem_used_mib",
                                                  "mem_total_mib", "vms")) and "name" in h,
                     "sample host")
            for v in e.get("vms", []):
                need(e, all(f in v for f in ("name", "host", "cpu_pct", "mem_mib", "state")),
                     "sample vm")
            need(e, isinstance(e.get("hosts"), list) and isinstance(e.get("vms"), list),
                 "sample lists")
            for m in viplab.sample_services_errors(e):
                need(e, False, m)
        elif k == "imbalance":
            need(e, e.get("from") in ("balanced", "imbalanced") and
                 e.get("to") in ("balanced", "imbalanced") and _num(e.get("spread")), "imbalance")
        elif k == "plan":
            need(e, _num(e.get("spread_before")) and _num(e.get("spread_after")) and
                 all(all(f in m for f in ("vm", "from", "to", "reason"))
                     for m in e.get("moves", [None])), "plan")
        elif k == "migration":
            st = e.get("status")
            need(e, all(isinstance(e.get(f), str) for f in ("vm", "from", "to")) and
                 st in ("started", "done", "failed", "aborted"), "migration")
            need(e, st == "started" or _num(e.get("duration_s")), "migration duration_s")
            need(e, st != "failed" or e.get("error"), "migration error")
            # libvirt's completed job measured the pause, also of a job
            # settled by recovery (read on the destination by the probe)
            need(e, st != "done" or
                 (_num(e.get("downtime_ms")) and e["downtime_ms"] >= 0 and
                  _num(e.get("transferred_mib")) and _num(e.get("rate_mibps"))),
                 "done migration's downtime_ms, transferred_mib, rate_mibps")
        elif k == "health":
            need(e, "service" in e and ":" in e.get("backend", "") and
                 e.get("state") in ("up", "down") and "latency_ms" in e, "health")
        elif k == "dnat":
            need(e, "service" in e and e.get("status") in ("applied", "failed") and
                 all(all(f in b for f in ("backend", "weight", "state"))
                     for b in e.get("backends", [None])), "dnat")
            need(e, e.get("status") != "failed" or e.get("error"), "dnat error")
        elif k == "error":
            need(e, isinstance(e.get("message"), str), "error")
        elif k == "end":
            need(e, all(_num(e.get(f)) for f in ("migrations", "failed", "spread")), "end")
            need(e, i == len(evs) - 1, "end is the last line")
    return errs


def read_journal():
    try:
        with open(journal) as f:
            return [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError):
        return []


def journal_errors(jl, evs):
    """The journal against the migration events of the runs that wrote it,
    in order: one intent per start, one outcome per end, same VM, hosts
    and status; and who each is."""
    errs = []
    intents = [(j["vm"], j["from"], j["to"]) for j in jl if j["phase"] == "intent"]
    starts = [(e["vm"], e["from"], e["to"]) for e in evs
              if e["event"] == "migration" and e["status"] == "started"]
    if intents != starts:
        errs.append("intents %s != started events %s" % (intents, starts))
    outs = [(j["vm"], j["from"], j["to"], j["status"]) for j in jl if j["phase"] == "outcome"]
    ends = [(e["vm"], e["from"], e["to"], e["status"]) for e in evs
            if e["event"] == "migration" and e["status"] != "started"]
    if outs != ends:
        errs.append("outcomes %s != finished events %s" % (outs, ends))
    for j in jl:
        if j.get("who") not in ("auto", "recovery") or j.get("action") != "migrate":
            errs.append("who/action: %s" % j)
        if j["phase"] == "outcome" and j["status"] == "done" and not (
                _num(j.get("downtime_ms")) and _num(j.get("transferred_mib")) and
                _num(j.get("rate_mibps"))):
            errs.append("done outcome without downtime_ms, transferred_mib, rate_mibps: %s" % j)
    return errs


# --- the optimum ----------------------------------------------------------

def spread_of(place, loads):
    """vmbal's spread (weights cpu 1, memory 0: the score is the CPU
    percent): max - min over hosts of the load on it over its capacity."""
    pct = []
    for h, (_n, cpus) in enumerate(HOSTS):
        pct.append(sum(l for l, p in zip(loads, place) if p == h) / cpus)
    return max(pct) - min(pct)


def optimum(loads, start=0):
    """Exhaustive search over the placements of the guests' loads on the
    hosts, all starting on host `start`: (best spread, fewest migrations
    that reach it, fewest migrations that get below the threshold)."""
    best, fewest, below = None, None, None
    for place in itertools.product(range(len(HOSTS)), repeat=len(loads)):
        s = spread_of(place, loads)
        moves = sum(1 for p in place if p != start)
        if best is None or s < best - 1e-9 or (abs(s - best) <= 1e-9 and moves < fewest):
            best, fewest = s, moves
        if s < POLICY["threshold"] and (below is None or moves < below):
            below = moves
    return best, fewest, below


def loads_at(evs, before_ts):
    """The guests' measured loads (their averages) in the last sample
    before before_ts."""
    last = None
    for e in evs:
        if e["event"] == "sample" and e["ts"] <= before_ts:
            last = e
    if last is None:
        return None
    by = {v["name"]: v["cpu_pct"] for v in last["vms"]}
    return [by.get(g, 0.0) for g, _ in GUESTS]


def where(name):
    on = []
    for k in range(1, len(HOSTS) + 1):
        rc, o, e = sh(["virsh", "-q", "-c", uri(k), "domstate", name], timeout=20)
        if rc == 0 and o.strip().startswith("running"):
            on.append(HOSTS[k - 1][0])
    return on


def rules():
    rc, o, e = viplab.nsx(viplab.LB, "iptables-legacy-save", "-t", "nat")
    return o
