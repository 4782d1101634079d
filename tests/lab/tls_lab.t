#!/usr/bin/env python3
# tls_lab.t - vmbal over qemu+tls:// against real libvirtd hosts (tests/
# lab/lab.sh up 2 with VMBAL_LAB_TLS=1: listen_tls and a certtool PKI).
# 1. headless observe over qemu+tls://ADDR/system?pkipath=DIR: both hosts
#    up, a busy guest reads about 100%; a client whose certificate comes
#    from another CA (a third host entry, h1 again, with such a pkipath)
#    is refused by the host and shown down, with libvirt's message. (The
#    host asks for a certificate from its CA, the client has none to send,
#    and libvirtd logs "Failed to verify peer's certificate"; the client
#    reads "Unable to read TLS confirmation: Input/output error"; vmbal's
#    sample gives it as the host's error.)
# 2. auto mode over the TLS URIs migrates a guest h1 -> h2.
# 3. the lab's QEMU TLS directories: virsh migrate --live --tls (the data
#    over TLS, VIR_MIGRATE_TLS) moves the guest back h2 -> h1.
# Prints TAP. Needs root, the lab's packages and certtool (gnutls-bin);
# skips with the reason otherwise. VMBAL_LAB_DIR, VMBAL_LAB_NET and
# VMBAL_LAB_PREFIX choose the lab as for lab.sh, so it may run beside
# another.
import json, os, shutil, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
from labtest import *  # noqa: E402,F401,F403  (check, out, sh, lab, Run, ...)

DIR = os.environ.get("VMBAL_LAB_DIR", "/tmp/vmbal-lab-tls")
NET = os.environ.get("VMBAL_LAB_NET", "198.18.10")
PKI = os.path.join(DIR, "pki", "client")
FOREIGN = os.path.join(DIR, "foreign-client")
A1, A2 = NET + ".11", NET + ".12"
T1 = "qemu+tls://%s/system?pkipath=%s" % (A1, PKI)
T2 = "qemu+tls://%s/system?pkipath=%s" % (A2, PKI)
TX = "qemu+tls://%s/system?pkipath=%s" % (A1, FOREIGN)
if os.geteuid() == 0 and shutil.which("certtool") is None:
    out("1..0 # SKIP missing: certtool (apt-get install gnutls-bin)")
    sys.exit(0)
start(DIR)                      # skips without root or the lab's packages
labtest.ENV["VMBAL_LAB_TLS"] = "1"

JOURNAL = tempfile.mktemp(prefix="vmbal-lab-tls-journal-", suffix=".jsonl")
observe = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
observe.write("""hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h1x, uri: "%s"}
policy: {mode: observe, probe_interval_s: 1, analyse_interval_s: 2, window: 4}
""" % (T1, A1, T2, A2, TX))
observe.close()
auto = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
auto.write("""journal: %s
hosts:
  - {name: h1, uri: "%s", migration_uri: "tcp://%s"}
  - {name: h2, uri: "%s", migration_uri: "tcp://%s"}
policy: {mode: auto, probe_interval_s: 1, analyse_interval_s: 2, window: 3,
         threshold_pct: 10, hold_s: 2, min_gain_pct: 1, vm_cooldown_s: 600}
""" % (JOURNAL, T1, A1, T2, A2))
auto.close()
runs = []


def cleanup(*_):
    for r in runs:
        r.stop()
    lab("down", DIR)
    shutil.rmtree(FOREIGN, ignore_errors=True)
    for f in (observe.name, auto.name, JOURNAL):
        if os.path.exists(f):
            os.unlink(f)


STATES = {}


def where(name):    # asked over TLS too
    on = []
    for k, uri in ((1, T1), (2, T2)):
        rc, o, e = sh(["virsh", "-q", "-c", uri, "domstate", name], timeout=20)
        STATES["h%d" % k] = (o + e).strip()
        if rc == 0 and o.strip().startswith("running"):
            on.append("h%d" % k)
    return on


def body():
    t0 = time.monotonic()
    lab("down", DIR)
    rc, o, e = lab("up", "2", DIR)
    check(rc == 0 and T1 in o and T2 in o,
          "lab: two libvirtd hosts up, answering over TLS", (o + e)[-800:])
    if rc != 0:
        raise SystemExit
    rc, o, e = lab("tls-client", FOREIGN, "foreign")
    if rc != 0:
        check(False, "a client certificate from another CA", e[-500:])
        raise SystemExit
    for k, name, duty in ((1, "busy", 100), (1, "other", 30)):
        rc, o, e = lab("guest", str(k), name, str(duty))
        if rc != 0:
            check(False, "guest %s started" % name, e[-500:])
            raise SystemExit

    # 1. probing over TLS; the foreign certificate refused
    rc, o, e = sh(["virsh", "-c", TX, "version"], timeout=30)
    refusal = e.strip()
    check(rc != 0 and refusal, "virsh with the foreign certificate is refused: %s"
          % refusal.replace("\n", " ")[:300])
    time.sleep(3)
    r = Run(VMBAL, observe.name, "--ticks", "5")
    runs.append(r)
    r.p.wait(timeout=60)
    last = r.samples()[-1][1] if r.samples() else {}
    check(r.p.returncode == 0 and len(r.samples()) == 5, "observe --ticks 5 over TLS: five samples, exit 0",
          r.err[-500:])
    h1, h2, hx = (host(last, n) or {} for n in ("h1", "h2", "h1x"))
    check(h1.get("state") == "up" and h2.get("state") == "up" and h1.get("cpus", 0) > 0
          and h2.get("mem_total_mib", 0) > 0,
          "h1 and h2 up over qemu+tls with their node's CPUs and memory", json.dumps(last)[:600])
    b = vm(last, "busy")
    check(b and b["host"] == "h1" and 85 <= b["cpu_pct"] <= 115,
          "busy guest reads 100±15%% over TLS: %s" % (b and b["cpu_pct"]))
    states = [(host(e, "h1x") or {}).get("state") for _, e in r.samples()]
    # connecting (not reached yet) at most until the first answer, then down
    check(states and states[-1] == "down" and
          all(s == "down" for s in states[next((i for i, s in enumerate(states) if s != "connecting"),
                                               len(states)):]),
          "the host seen with the foreign certificate is down in every sample once it answered",
          repr(states))
    said = hx.get("error") or hx.get("reason") or ""
    with r.lock:    # or an event of its own that names the host
        said = said or next((e.get("message") or e.get("error") for _, e in r.events
                             if e["event"] != "sample" and "h1x" in json.dumps(e)
                             and (e.get("message") or e.get("error"))), "")
    check(said and refusal and (said in refusal or refusal.split("\n")[0] in said),
          "vmbal shows libvirt's message for it: %s" % said, refusal)

    # 2. auto mode, over TLS, moves a guest h1 -> h2
    r = Run(VMBAL, auto.name)
    runs.append(r)
    st = wait_migration(r, "started", 40)
    dn = wait_migration(r, "done", 60)
    check(st is not None and st["from"] == "h1" and st["to"] == "h2" and
          dn is not None and dn["vm"] == st["vm"],
          "auto over TLS: a migration h1 -> h2 starts and is done (%.1f s)"
          % (dn["duration_s"] if dn else -1), json.dumps(migrations(r)) + r.err[-400:])
    r.stop()
    moved = st["vm"] if st else "other"
    check(where(moved) == ["h2"], "%s runs on h2 and no longer on h1" % moved, repr(STATES))

    # 3. the data over TLS: QEMU's own certificates, back h2 -> h1
    rc, o, e = sh(["virsh", "-c", T2, "migrate", "--live", "--tls", moved, T1,
                   "--migrateuri", "tcp://%s" % A1], timeout=60)
    check(rc == 0 and where(moved) == ["h1"],
          "virsh migrate --live --tls (QEMU's TLS) takes %s back to h1" % moved,
          e[-400:] + repr(STATES))
    out("# %.0f s" % (time.monotonic() - t0))


labtest.tap(10, body, cleanup)
