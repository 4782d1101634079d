#!/usr/bin/env python3
# health_udp.t - UDP and DNS health checks against real servers on
# loopback (probes/health.c): a UDP service with no health key is checked
# over UDP (silence passes, as keepalived's UDP_CHECK without
# require_reply); send/expect needs the reply; a closed port fails at once
# on the ICMP port unreachable; a wrong reply fails; a DNS server that
# answers passes, one that says SERVFAIL fails. The cluster is libvirt's
# test driver, observe mode (no rules touched).
import json, os, socket, struct, subprocess, sys, tempfile, threading, time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
results = []
stop = threading.Event()


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))


def udp_server(handler):
    """A UDP socket on loopback answering each datagram with handler(data)
    (None: no answer). Returns its port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.1)

    def run():
        while not stop.is_set():
            try:
                data, peer = s.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            r = handler(data)
            if r is not None:
                s.sendto(r, peer)
        s.close()
    threading.Thread(target=run, daemon=True).start()
    return s.getsockname()[1]


def closed_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def dns_answer(rcode):
    """A DNS server: the query's id and question back, QR set, rcode."""
    def h(q):
        if len(q) < 12:
            return None
        qid, = struct.unpack("!H", q[:2])
        flags = 0x8000 | 0x0400 | 0x0100 | rcode      # QR AA RD rcode
        return struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0) + q[12:]
    return h


seen = []
p_silent = udp_server(lambda d: (seen.append(d), None)[1])
p_ping = udp_server(lambda d: b"PONG " + d if d == b"PING" else None)
p_wrong = udp_server(lambda d: b"NOPE")
p_closed = closed_port()
p_dns = udp_server(dns_answer(0))
p_servfail = udp_server(dns_answer(2))
dns_q = []
p_dns_seen = udp_server(lambda q: (dns_q.append(q), dns_answer(3)(q))[1])

cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: observe, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: syslog
    vip: 192.0.2.10
    port: 514
    protocol: udp
    backends:
      - {address: 127.0.0.1, port: %d}
  - name: ping
    vip: 192.0.2.10
    port: 7
    protocol: udp
    health: {type: udp, send: PING, expect: PONG}
    backends:
      - {address: 127.0.0.1, port: %d}
      - {address: 127.0.0.1, port: %d}
      - {address: 127.0.0.1, port: %d}
  - name: dns
    vip: 192.0.2.10
    port: 53
    protocol: udp
    health: {type: dns, name: www.example.org}
    backends:
      - {address: 127.0.0.1, port: %d}
      - {address: 127.0.0.1, port: %d}
      - {address: 127.0.0.1, port: %d}
""" % (p_silent, p_ping, p_wrong, p_closed, p_dns, p_servfail, p_dns_seen))
cfg.close()
os.chmod(cfg.name, 0o600)
events, lock = [], threading.Lock()


def reader(proc):
    for line in proc.stdout:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        with lock:
            events.append((time.monotonic(), ev))


def first(backend, state, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        with lock:
            for t, ev in events:
                if (ev.get("event") == "health" and ev.get("backend") == backend
                        and ev.get("state") == state):
                    return t, ev
        time.sleep(0.01)
    return None, None


def b(port):
    return "127.0.0.1:%d" % port


vm = None
try:
    start = time.monotonic()
    vm = subprocess.Popen([VMBAL, "--headless", "-c", cfg.name], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    threading.Thread(target=reader, args=(vm,), daemon=True).start()
    t, ev = first(b(p_silent), "up", 5)
    check(ev and ev["service"] == "syslog",
          "a UDP service without a health key is checked over UDP: a silent "
          "listener is up", json.dumps(ev))
    check(len(seen) > 0 and seen[0] == b"",
          "it was sent empty datagrams (%d)" % len(seen), repr(seen[:3]))
    t, ev = first(b(p_ping), "up", 5)
    check(ev and isinstance(ev.get("latency_ms"), (int, float)) and ev["latency_ms"] < 100,
          "send PING, expect PONG: the echo backend is up with the reply's latency",
          json.dumps(ev))
    t, ev = first(b(p_wrong), "down", 5)
    check(ev and ev.get("error") == "unexpected reply",
          "a backend that answers something else is down: unexpected reply", json.dumps(ev))
    t, ev = first(b(p_closed), "down", 5)
    check(ev and "port unreachable" in (ev.get("error") or ""),
          "a closed port is down on the ICMP port unreachable", json.dumps(ev))
    # fall 2 at 200 ms: the second failure 200 ms after the first, not the
    # 150 ms timeout each: the ICMP error ends each check at once
    check(t is not None and t - start < 3.0, "said down %.2f s after start" %
          ((t - start) if t else -1))
    t, ev = first(b(p_dns), "up", 5)
    check(ev is not None, "a DNS server that answers NOERROR is up", json.dumps(ev))
    t, ev = first(b(p_servfail), "down", 5)
    check(ev and "SERVFAIL" in (ev.get("error") or ""),
          "one that answers SERVFAIL is down, and says so", json.dumps(ev))
    t, ev = first(b(p_dns_seen), "up", 5)
    check(ev is not None, "NXDOMAIN is an answer: up", json.dumps(ev))
    q = dns_q[0] if dns_q else b""
    check(b"\x03www\x07example\x03org\x00\x00\x01\x00\x01" in q,
          "the query asks for www.example.org, type A, class IN", repr(q[:40]))
    with lock:
        n = len([e for _, e in events if e.get("backend") == b(p_ping)])
    time.sleep(1.0)
    with lock:
        n2 = len([e for _, e in events if e.get("backend") == b(p_ping)])
    check(n == n2 == 1, "the echo backend never flapped (%d events)" % n2)
finally:
    if vm is not None:
        vm.terminate()
        try:
            vm.wait(timeout=10)
        except subprocess.TimeoutExpired:
            vm.kill()
    stop.set()
    os.unlink(cfg.name)
check(vm is not None and vm.returncode == 0, "vmbal ends cleanly on SIGTERM",
      vm.stderr.read()[-300:] if vm else "")

print("1..%d" % len(results))
for i, (ok, name, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and diag:
        print("#   " + str(diag)[:300])
