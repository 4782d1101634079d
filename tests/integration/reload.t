#!/usr/bin/env python3
# reload.t - SIGHUP reads the configuration again, headless, plain and
# under ASan+UBSan: a scenario run at --speed 20 gets a host (with a VM),
# a lower threshold and one backend fewer; the reload event lists the
# changes and the next sample shows the host and not the backend. Then a
# bad value and broken YAML: each refused with FILE:LINE:COL while the run
# goes on with what was in force (samples continue, the host still there,
# the backend still gone). --demo refuses a reload (no file) and goes on.
# SIGTERM then ends each run cleanly. Prints TAP.
import json, os, re, shutil, signal, subprocess, sys, tempfile, threading, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
n = 0


def check(ok, name, diag=""):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok:
        for l in str(diag).splitlines()[-15:]:
            print("#   " + l)
    sys.stdout.flush()


SCEN = """hosts:
  - {name: h1, cpus: 4, memory_mib: 16384}
  - {name: h2, cpus: 4, memory_mib: 16384}
%(h4)s
vms:
  - {name: v1, host: h1, vcpus: 2, memory_mib: 1024, load: 150}
  - {name: v2, host: h2, vcpus: 2, memory_mib: 1024, load: 50}
%(v4)s
policy:
  mode: manual
  threshold_pct: %(thr)s
  probe_interval_s: 5
  analyse_interval_s: 10
services:
  - name: web
    vip: 198.18.0.10
    port: 80
    backends:
      - {address: 198.18.1.1, port: 8080}
      - {address: 198.18.1.2, port: 8080}
%(b3)s
"""
B3 = "      - {address: 198.18.1.3, port: 8080}"


def write(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)


class Run:
    def __init__(self, args, env):
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
        self.events, self.lock = [], threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.p.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.events.append(ev)

    def wait(self, pred, secs=20, after=0):
        """The index and event of the first event from index `after` on
        that pred accepts, or (None, None)."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            with self.lock:
                for i in range(after, len(self.events)):
                    if pred(self.events[i]):
                        return i, self.events[i]
            if self.p.poll() is not None:
                time.sleep(0.2)
                with self.lock:
                    for i in range(after, len(self.events)):
                        if pred(self.events[i]):
                            return i, self.events[i]
                return None, None
            time.sleep(0.05)
        return None, None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        return self.p.returncode, self.p.stderr.read()


def hosts(e):
    return [h["name"] for h in e["hosts"]]


def backends(e):
    return [b["backend"] for s in e.get("services", []) for b in s["backends"]]


binaries = [b for b in (os.path.join(ROOT, "vmbal"), os.path.join(ROOT, "build", "asan", "vmbal"))
            if os.access(b, os.X_OK)]
if not binaries:
    print("1..0 # SKIP vmbal not built")
    sys.exit(0)
print("1..%d" % (10 * len(binaries)))
work = tempfile.mkdtemp(prefix="vmbal-reload-")
env = dict(os.environ, VMBAL_LEASE_DIR=os.path.join(work, "lease"),
           ASAN_OPTIONS="detect_leaks=1:halt_on_error=1",
           UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
os.makedirs(env["VMBAL_LEASE_DIR"])
is_sample = lambda e: e["event"] == "sample"
is_reload = lambda e: e["event"] == "reload"
for b in binaries:
    label = os.path.relpath(b, ROOT)
    scen = os.path.join(work, "cluster.yaml")
    write(scen, SCEN % {"h4": "", "v4": "", "thr": 20, "b3": B3})
    r = Run([b, "--headless", "--scenario", scen, "--speed", "20"], env)
    i, e = r.wait(is_sample)
    check(e is not None and hosts(e) == ["h1", "h2"] and "198.18.1.3:8080" in backends(e),
          "%s: runs: two hosts, three backends" % label, e)
    # a good change: a host with a VM, the threshold, a backend fewer
    write(scen, SCEN % {"h4": "  - {name: h4, cpus: 8, memory_mib: 32768}",
                        "v4": "  - {name: v4, host: h4, vcpus: 1, memory_mib: 1024, load: 40}",
                        "thr": 10, "b3": ""})
    with r.lock:
        mark = len(r.events)
    r.p.send_signal(signal.SIGHUP)
    i, e = r.wait(is_reload, after=mark)
    want = ["host h4 added", "vm v4 added on h4", "threshold_pct 20 -> 10",
            "backend 198.18.1.3:8080 removed from web"]
    check(e is not None and e["status"] == "applied" and e["error"] is None and
          all(w in e["changes"] for w in want) and e.get("who") == "signal",
          "%s: SIGHUP: applied, the changes listed" % label, json.dumps(e))
    j, s = r.wait(lambda e: is_sample(e) and "h4" in hosts(e), after=(i or 0) + 1)
    check(s is not None and hosts(s) == ["h1", "h2", "h4"] and
          "198.18.1.3:8080" not in backends(s) and
          sorted(backends(s)) == ["198.18.1.1:8080", "198.18.1.2:8080"],
          "%s: the next samples: h4 there, the removed backend gone" % label,
          json.dumps(s)[:600])
    k, v = r.wait(lambda e: is_sample(e) and any(x["name"] == "v4" and x["host"] == "h4"
                                                 for x in e["vms"]), after=(i or 0) + 1)
    check(v is not None, "%s: v4 appears on h4 in the simulated cluster" % label)
    d, dn = r.wait(lambda e: e["event"] == "dnat", after=(i or 0) + 1)
    check(dn is not None and dn["status"] == "applied" and
          sorted(x["backend"] for x in dn["backends"]) == ["198.18.1.1:8080", "198.18.1.2:8080"],
          "%s: the service re-programmed without the backend" % label, json.dumps(dn))
    # a bad value: refused with its position, the run goes on as it was
    bad = SCEN % {"h4": "", "v4": "", "thr": 500, "b3": B3}
    write(scen, bad)
    line = bad.splitlines().index("  threshold_pct: 500") + 1
    with r.lock:
        mark = len(r.events)
    r.p.send_signal(signal.SIGHUP)
    i, e = r.wait(is_reload, after=mark)
    check(e is not None and e["status"] == "refused" and e["changes"] == [] and
          re.match(r"^%s:%d:\d+: .*threshold_pct" % (re.escape(scen), line), e["error"] or ""),
          "%s: a bad value: refused with FILE:LINE:COL" % label, json.dumps(e))
    j, s = r.wait(is_sample, after=(i or 0) + 1)
    j2, s2 = r.wait(is_sample, after=(j or 0) + 1)
    check(s2 is not None and hosts(s2) == ["h1", "h2", "h4"] and
          "198.18.1.3:8080" not in backends(s2),
          "%s: samples go on with the configuration in force" % label, json.dumps(s2)[:400])
    # broken YAML
    write(scen, "hosts:\n  - {name: h1\npolicy: [\n")
    with r.lock:
        mark = len(r.events)
    r.p.send_signal(signal.SIGHUP)
    i, e = r.wait(is_reload, after=mark)
    j, s = r.wait(is_sample, after=(i or 0) + 1)
    check(e is not None and e["status"] == "refused" and
          re.match(r"^%s:\d+:\d+: " % re.escape(scen), e["error"] or "") and
          s is not None and "h4" in hosts(s),
          "%s: broken YAML: refused with its position, the run goes on" % label,
          json.dumps(e))
    rc, err = r.stop()
    check(rc == 0 and any(x["event"] == "end" for x in r.events),
          "%s: ends cleanly after the reloads" % label, err[-1500:])
    # the demo: no file to read again
    r = Run([b, "--headless", "--demo", "--speed", "20"], env)
    i, e = r.wait(is_sample)
    r.p.send_signal(signal.SIGHUP)
    i, e = r.wait(is_reload, after=(i or 0))
    j, s = r.wait(is_sample, after=(i or 0) + 1)
    rc, err = r.stop()
    check(e is not None and e["status"] == "refused" and "demo" in (e["error"] or "") and
          s is not None and rc == 0,
          "%s: --demo: reload refused (no file), the run goes on" % label,
          json.dumps(e) + err[-800:])
shutil.rmtree(work, ignore_errors=True)
