"""vip_scale.py - the body of vip_scale.sh: 1,000 services (VIPs
198.18.200.1 up, port 80, round-robin over two backends) programmed in one
apply by build/lab/dnat_tool (vmbal's libiptc programmer) in a balancer
namespace; new TCP connections/s (build/bench/bench_connrate) from a
client namespace to the first service, the last service, and straight to
a backend (which crosses the balancer's nat table too, matching no
service), taken in turns, best of several rounds. IPVS for the same
services when the kernel has it (ipvsadm), else the reason it skipped.

Namespaces vbbn-cli, vbbn-lb, vbbn-b1; links in 198.18.196.0/22, VIPs in
198.18.200.0/22. Environment: VIP_SCALE_N (services, default 1000),
VIP_SCALE_SECS (seconds a run, 0.5), VIP_SCALE_ROUNDS (16),
VIP_SCALE_THREADS (client threads, 2), VIP_SCALE_TOOL (the dnat_tool to
program with: another build's, to compare layouts)."""
import ipaddress, os, re, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lab"))
from benchlib import result, skip, verdict  # noqa: E402
from labtest import run, nsx, must, stop_lab  # noqa: E402

TOOL = os.environ.get("VIP_SCALE_TOOL", os.path.join(ROOT, "build", "lab", "dnat_tool"))
RATE = os.path.join(ROOT, "build", "bench", "bench_connrate")
CLI, LB, B1 = "vbbn-cli", "vbbn-lb", "vbbn-b1"
NSS = [CLI, LB, B1]
BACKENDS = ["198.18.197.2", "198.18.197.3"]     # both in vbbn-b1
PORT, BPORT = 80, 8080
VIP0 = ipaddress.ip_address("198.18.200.1")
TAG = "vbbn"
N = int(os.environ.get("VIP_SCALE_N", "1000"))
SECS = float(os.environ.get("VIP_SCALE_SECS", "0.5"))
ROUNDS = int(os.environ.get("VIP_SCALE_ROUNDS", "16"))
THREADS = int(os.environ.get("VIP_SCALE_THREADS", "2"))
procs = []


def teardown():
    stop_lab(procs, NSS)


def setup():
    teardown()
    for ns in NSS:
        must(None, "ip", "netns", "add", ns)
        must(ns, "ip", "link", "set", "lo", "up")
    must(None, "ip", "link", "add", "vbbnc0", "netns", CLI, "type", "veth",
         "peer", "name", "vbbnl0", "netns", LB)
    must(None, "ip", "link", "add", "vbbnb1", "netns", B1, "type", "veth",
         "peer", "name", "vbbnl1", "netns", LB)
    must(CLI, "ip", "addr", "add", "198.18.196.2/24", "dev", "vbbnc0")
    must(LB, "ip", "addr", "add", "198.18.196.1/24", "dev", "vbbnl0")
    must(LB, "ip", "addr", "add", "198.18.197.1/24", "dev", "vbbnl1")
    for a in BACKENDS:
        must(B1, "ip", "addr", "add", a + "/24", "dev", "vbbnb1")
    for ns, dev in ((CLI, "vbbnc0"), (LB, "vbbnl0"), (LB, "vbbnl1"), (B1, "vbbnb1")):
        must(ns, "ip", "link", "set", dev, "up")
    must(CLI, "ip", "route", "add", "198.18.197.0/24", "via", "198.18.196.1")
    must(CLI, "ip", "route", "add", "198.18.200.0/22", "via", "198.18.196.1")
    must(B1, "ip", "route", "add", "default", "via", "198.18.197.1")
    must(LB, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    # every connection must be new to conntrack: a wide port range, and
    # closed connections forgotten within a second between runs
    must(CLI, "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65535")
    # and no TIME_WAIT in the backend: first, last and direct all end on
    # the same backend addresses, and a SYN that met a TIME_WAIT left by
    # another target (another timestamp offset) would wait for a resend
    must(B1, "sysctl", "-qw", "net.ipv4.tcp_max_tw_buckets=0")
    procs.append(subprocess.Popen(["ip", "netns", "exec", B1, RATE, "serve", str(BPORT)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for a in BACKENDS:
        for _ in range(50):
            rc, o, e = nsx(CLI, RATE, "connect", a, str(BPORT), "0.05", "1")
            if rc == 0 and not o.startswith("conns 0 "):
                break
            time.sleep(0.1)


def ct_timeouts():
    """Set once conntrack is loaded in LB (the first apply loads it)."""
    for k in ("tcp_timeout_time_wait", "tcp_timeout_close", "tcp_timeout_fin_wait",
              "tcp_timeout_close_wait", "tcp_timeout_last_ack"):
        nsx(LB, "sysctl", "-qw", "net.netfilter.nf_conntrack_%s=1" % k)


def vip(i):
    return str(VIP0 + i)


def services(n):
    lines = []
    for i in range(n):
        lines.append("service s%d %s %d tcp round-robin 0 0" % (i, vip(i), PORT))
        for a in BACKENDS:
            lines.append("backend %s %d 1 up" % (a, BPORT))
    return "\n".join(lines) + "\n"


def apply(st):
    t0 = time.monotonic()
    rc, o, e = nsx(LB, TOOL, "-t", TAG, "apply", "-", inp=st)
    return rc, o.strip(), e.strip(), (time.monotonic() - t0) * 1000.0


def rate_once(addr, port):
    """(connections per wall second, per second of the client's CPU,
    failures) of one run; zeros and -1 when it did not run."""
    rc, o, e = nsx(CLI, RATE, "connect", addr, str(port), str(SECS), str(THREADS),
                   timeout=SECS + 30)
    m = re.search(r"conns (\d+) fails (\d+) secs [\d.]+ rate ([\d.]+) cpu [\d.]+ percpu ([\d.]+)", o)
    if rc != 0 or not m:
        return 0.0, 0.0, -1
    return float(m.group(3)), float(m.group(4)), int(m.group(2))


def median(v):
    v = sorted(v)
    if not v:
        return 0.0
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def measure(targets):
    """Each (name, addr, port) ROUNDS times, in turns (the order rotated
    each round). The machine is shared, so a rate moves with the load
    from second to second: per round each target's rate is taken over
    the first target's in the same round, and the figure is the median
    of those ratios, for the wall-clock rate and for the rate per second
    of the client's CPU (bench_connrate.c: the nat walk runs in the
    client's context, and that rate hardly moves with the load).
    Returns {name: (best wall, best per-CPU, median wall ratio, median
    per-CPU ratio)} and the failures."""
    runs = {name: [] for name, _a, _p in targets}
    fails = 0
    for r in range(ROUNDS):
        got = {}
        k = r % len(targets)
        for name, addr, port in targets[k:] + targets[:k]:
            w, c, f = rate_once(addr, port)
            got[name] = (w, c)
            fails += f if f >= 0 else 1
            time.sleep(0.2)
        base = got[targets[0][0]]
        for name in got:
            runs[name].append(got[name] + ((got[name][0] / base[0] if base[0] else 0.0),
                                           (got[name][1] / base[1] if base[1] else 0.0)))
    return {name: (max(x[0] for x in v), max(x[1] for x in v),
                   median(x[2] for x in v), median(x[3] for x in v))
            for name, v in runs.items()}, fails


def ipvs_why_not():
    """None when IPVS can be used in LB, else why not."""
    cfg = ""
    try:
        import gzip
        with gzip.open("/proc/config.gz", "rt") as f:
            cfg = f.read()
    except OSError:
        pass
    nokernel = "# CONFIG_IP_VS is not set" in cfg
    if shutil.which("ipvsadm") is None:
        return "ipvsadm not installed" + ("; the kernel has no IPVS (CONFIG_IP_VS is not set)"
                                          if nokernel else "")
    rc, o, e = nsx(LB, "ipvsadm", "-Ln")
    if rc != 0:
        return "ipvsadm -Ln fails: %s%s" % (" ".join(e.split())[:120],
                                            " (CONFIG_IP_VS is not set in /proc/config.gz)"
                                            if nokernel else "")
    return None


def ipvs_measure(n):
    """IPVS NAT mode (masquerade), rr, the same services: VIPs made local
    to LB, vmbal's rules flushed first. Returns (first, last) conn/s."""
    nsx(LB, TOOL, "-t", TAG, "flush")
    must(LB, "ip", "route", "add", "local", "198.18.200.0/22", "dev", "lo")
    lines = []
    for i in range(n):
        lines.append("-A -t %s:%d -s rr" % (vip(i), PORT))
        for a in BACKENDS:
            lines.append("-a -t %s:%d -r %s:%d -m" % (vip(i), PORT, a, BPORT))
    must(LB, "ipvsadm-restore", inp="\n".join(lines) + "\n")
    m, _f = measure([("first", vip(0), PORT), ("last", vip(n - 1), PORT)])
    nsx(LB, "ipvsadm", "-C")
    return m["first"][1], m["last"][1], m["last"][3]


def main():
    if os.geteuid() != 0:
        print("vip_scale: skipped (needs root)")
        skip("vip_scale", "needs root (network namespaces and netfilter)")
        return 0
    for f in (TOOL, RATE):
        if not os.path.exists(f):
            print("vip_scale: %s missing" % f)
            return 1
    try:
        setup()
        rc, o, e, ms = apply(services(N))
        if rc != 0:
            print("vip_scale: apply failed: " + e)
            return 1
        ct_timeouts()
        rc2, o2, e2, ms2 = apply(services(N))
        rc3, sv, e3 = nsx(LB, "iptables-legacy-save", "-t", "nat")
        rules = sum(1 for l in sv.splitlines() if l.startswith("-A "))
        chains = sum(1 for l in sv.splitlines() if l.startswith(":VMBAL-"))
        first, last = vip(0), vip(N - 1)
        m, fails = measure([("first", first, PORT), ("last", last, PORT),
                            ("direct", BACKENDS[0], BPORT)])
        (fw, fc, _x, _y), (lw, lc, rlw, rl), (dw, dc, rdw, rd) = m["first"], m["last"], m["direct"]
        why = ipvs_why_not()
        ipvs = ipvs_measure(N) if why is None else None
        print("== vip_scale: %d services (VIPs %s..%s:%d, round-robin over 2 backends),"
              " %d chains, %d rules in the nat table" % (N, first, last, PORT, chains, rules))
        print("   apply, empty table (dnat_tool, one commit):  %8.1f ms (%s)" % (ms, o))
        print("   apply, same again (nothing written):         %8.1f ms (%s)" % (ms2, o2))
        print("   new connections/s, %d threads, %g s runs, %d rounds in turns (%d failed):"
              % (THREADS, SECS, ROUNDS, fails))
        print("   per second of wall time / of the client's CPU (best), median ratio to first in"
              " the same round (wall / CPU):")
        print("   to the first service %s:%d:   %6.0f / %6.0f" % (first, PORT, fw, fc))
        print("   to the last service %s:%d:    %6.0f / %6.0f   last/first %.2f / %.2f"
              " (target: CPU ratio >= 0.9)" % (last, PORT, lw, lc, rlw, rl))
        print("   direct to backend %s:%d:  %6.0f / %6.0f   direct/first %.2f / %.2f"
              % (BACKENDS[0], BPORT, dw, dc, rdw, rd))
        if ipvs:
            print("   IPVS first / last:  %6.0f / %6.0f conn/CPU-s, last/first %.2f" % ipvs)
        else:
            print("   IPVS: skipped (%s)" % why)
        ok = fc > 0 and lc > 0 and dc > 0
        result("vip_scale", "new connections per CPU second to the last of %d services" % N,
               "%.0f conn/CPU-s (median last/first %.2f; wall %.0f conn/s, %.2f)" % (lc, rl, lw, rlw),
               "first service: %.0f conn/CPU-s, %.0f conn/s" % (fc, fw), ">= 0.9x first",
               verdict(rl, ">=", 0.9) if ok else "FAIL")
        result("vip_scale", "new connections per CPU second straight to a backend, across the same nat table",
               "%.0f conn/CPU-s (median direct/first %.2f; wall %.0f conn/s, %.2f)" % (dc, rd, dw, rdw),
               "first service: %.0f conn/CPU-s, %.0f conn/s" % (fc, fw), "-", "info" if ok else "FAIL")
        result("vip_scale", "apply of %d services x 2 backends, empty table (dnat_tool, one commit)" % N,
               "%.1f ms" % ms, "same state again, nothing written: %.1f ms" % ms2, "-",
               "info" if rc2 == 0 else "FAIL")
        if ipvs:
            result("vip_scale", "IPVS (NAT, rr), last of %d services" % N,
                   "%.0f conn/CPU-s (median last/first %.2f)" % (ipvs[1], ipvs[2]),
                   "IPVS first: %.0f conn/CPU-s; iptables last: %.0f" % (ipvs[0], lc), "-", "info")
        else:
            skip("vip_scale", "IPVS comparison: " + why)
        return 0
    finally:
        teardown()


if __name__ == "__main__":
    sys.exit(main())
