#!/usr/bin/env python3
# shutdown.t - SIGTERM while a host does not answer, without root: the
# host is a loopback listener that never accepts (the kernel completes
# the handshake, so libvirt's remote driver connects and then waits for a
# reply that never comes). vmbal --headless, plain and under ASan+UBSan,
# exits with status 0 and its end event within SHUTDOWN_BOUND_S, and a
# second vmbal takes the lease right after. (tests/lab/shutdown_lab.t does
# the same with a host whose packets are dropped, and the console.)
import os, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHUTDOWN_BOUND_S = 5.0
n = 0
bad = 0


def check(ok, name, diag=""):
    global n, bad
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok:
        bad += 1
        for l in str(diag).splitlines()[-15:]:
            print("#   " + l)
    sys.stdout.flush()


binaries = [b for b in (os.path.join(ROOT, "vmbal"), os.path.join(ROOT, "build", "asan", "vmbal"))
            if os.access(b, os.X_OK)]
if not binaries:
    print("1..0 # SKIP vmbal not built")
    sys.exit(0)
print("1..%d" % (3 * len(binaries)))
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(16)
work = tempfile.mkdtemp(prefix="vmbal-shutdown-")
cfg = os.path.join(work, "cluster.yaml")
with open(cfg, "w") as f:
    f.write("journal: %s/journal.jsonl\nhosts:\n"
            "  - {name: t1, uri: \"test:///default\"}\n"
            "  - {name: s1, uri: \"qemu+tcp://127.0.0.1:%d/system\"}\n"
            "policy: {mode: manual, probe_interval_s: 0.5, analyse_interval_s: 1}\n"
            % (work, silent.getsockname()[1]))
env = dict(os.environ, VMBAL_LEASE_DIR=os.path.join(work, "lease"),
           ASAN_OPTIONS="detect_leaks=1:halt_on_error=1",
           UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
for b in binaries:
    label = os.path.relpath(b, ROOT)
    err = open(os.path.join(work, "err"), "w+")
    p = subprocess.Popen([b, "--headless", "-c", cfg], stdout=subprocess.PIPE,
                         stderr=err, env=env, text=True)
    first = p.stdout.readline()         # a sample: it runs, s1 still connecting
    time.sleep(1.0)
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        rest = p.communicate(timeout=SHUTDOWN_BOUND_S)[0]
        secs, exited = time.monotonic() - t, True
    except subprocess.TimeoutExpired:
        secs, exited, rest = time.monotonic() - t, False, ""
    try:
        q = subprocess.run([b, "--headless", "-c", cfg, "--ticks", "1"], env=env,
                           capture_output=True, text=True, timeout=15)
        second = (q.returncode == 0 and "observing" not in q.stderr, q.stderr)
    except subprocess.TimeoutExpired:
        second = (False, "the second vmbal timed out")
    if not exited:
        p.kill()
        p.communicate()
    err.seek(0)
    errs = err.read()
    print("# %s: SIGTERM to exit %.2f s" % (label, secs))
    check(exited and p.returncode == 0 and '"event":"end"' in rest.replace(" ", "")
          and '"name":"s1","state":"connecting"' in first.replace(" ", ""),
          "%s: SIGTERM while a host does not answer: exit 0 and end within %.0f s (%.2f s)"
          % (label, SHUTDOWN_BOUND_S, secs), first[:300] + errs)
    check(second[0], "%s: a second vmbal takes the lease right after" % label, second[1])
    check("Sanitizer" not in errs and "runtime error" not in errs and
          "Sanitizer" not in second[1], "%s: nothing on stderr from the sanitizers" % label,
          errs + second[1])
silent.close()
subprocess.run(["rm", "-rf", work])
sys.exit(1 if bad else 0)
