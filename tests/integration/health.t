#!/usr/bin/env python3
# health.t - backend health checks against real servers on loopback: an
# HTTP and a TCP backend come up; a killed backend is said down within a
# second with the default settings; restarted, it is up again after
# `rise` passing checks. The cluster itself is libvirt's test driver.
import json, os, socket, subprocess, sys, tempfile, threading, time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
results = []

def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

def http_server(port):
    return subprocess.Popen([sys.executable, "-m", "http.server", str(port),
                             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())

def wait_listening(port, secs=10):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False

p1, p2 = free_port(), free_port()
cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("""hosts:
  - {name: t1, uri: "test:///default"}
policy: {mode: observe, probe_interval_s: 1, analyse_interval_s: 1}
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    health: {type: http, path: /}
    backends:
      - {address: 127.0.0.1, port: %d}
  - name: raw
    vip: 192.0.2.10
    port: 81
    backends:
      - {address: 127.0.0.1, port: %d}
""" % (p1, p2))
cfg.close()
s1, s2 = http_server(p1), http_server(p2)
vm = None
events = []
lock = threading.Lock()

def reader(proc):
    for line in proc.stdout:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        with lock:
            events.append((time.monotonic(), ev))

def wait_for(pred, secs, after=0.0):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        with lock:
            for t, ev in events:
                if t >= after and pred(ev):
                    return t, ev
        time.sleep(0.01)
    return None, None

def health(backend, state):
    return lambda ev: (ev.get("event") == "health" and ev.get("backend") == backend
                       and ev.get("state") == state)

try:
    check(wait_listening(p1) and wait_listening(p2), "two backends listen on loopback")
    vm = subprocess.Popen([VMBAL, "--headless", "-c", cfg.name], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    threading.Thread(target=reader, args=(vm,), daemon=True).start()
    b1, b2 = "127.0.0.1:%d" % p1, "127.0.0.1:%d" % p2
    t, ev = wait_for(health(b1, "up"), 5)
    check(ev and ev["service"] == "web" and isinstance(ev["latency_ms"], (int, float))
          and ev["latency_ms"] >= 0, "HTTP backend comes up with a latency", json.dumps(ev))
    t, ev = wait_for(health(b2, "up"), 5)
    check(ev and ev["service"] == "raw", "TCP backend comes up", json.dumps(ev))
    killed = time.monotonic()
    s1.kill()
    s1.wait()
    t, ev = wait_for(health(b1, "down"), 5, killed)
    check(t is not None and t - killed < 1.0,
          "killed backend is down within 1 s with the defaults (%.0f ms)"
          % ((t - killed) * 1e3 if t else -1), json.dumps(ev))
    check(ev and ev.get("latency_ms") is None and ev.get("error"),
          "a down event says why", json.dumps(ev))
    with lock:
        n_before = len([e for _, e in events if e.get("backend") == b2])
    s1 = http_server(p1)
    wait_listening(p1)
    back = time.monotonic()
    t, ev = wait_for(health(b1, "up"), 5, back)
    # rise 2 at 200 ms: the second passing check is 200 ms after the first
    check(t is not None and 0.15 <= t - back < 1.5,
          "restarted backend is up after rise checks (%.0f ms)" % ((t - back) * 1e3 if t else -1))
    with lock:
        n_after = len([e for _, e in events if e.get("backend") == b2])
    check(n_after == n_before, "the other backend never flapped")
    t, ev = wait_for(lambda e: e.get("event") == "sample" and e.get("ts") >= 3, 6)
    with lock:
        samples = [e["ts"] for _, e in events if e.get("event") == "sample"]
    check(samples[:3] == [1, 2, 3], "samples go on every tick while checks run",
          repr(samples))
finally:
    if vm is not None:
        vm.terminate()
        try:
            vm.wait(timeout=10)
        except subprocess.TimeoutExpired:
            vm.kill()
    for s in (s1, s2):
        s.kill()
        s.wait()
    os.unlink(cfg.name)
check(vm is not None and vm.returncode == 0, "vmbal ends cleanly on SIGTERM")
with lock:
    last = events[-1][1] if events else {}
check(last.get("event") == "end", "the last line is end")

print("1..%d" % len(results))
for i, (ok, name, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and diag:
        print("#   " + str(diag)[:300])
