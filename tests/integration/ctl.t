#!/usr/bin/env python3
# ctl.t - the control socket and `vmbal ctl` (issue 16): a headless run of
# the demo scenario (slow migrations, its journal and socket in a temporary
# directory) driven through every command, each reply's JSON, its journal
# line (phase "command", who "ctl:root"), the command event in the
# `events` stream, exit statuses 0/1/2; the same commands refused in
# observe mode; a client that is neither root nor in group vmbal refused
# (a test user made here, as root); a stale socket replaced and a live one
# left alone; and a console run in tmux that `ctl maintenance` changes
# while `ctl status` answers. Prints TAP.
import json, os, pwd, re, shutil, signal, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
os.chdir(ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "tui"))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
results = []
procs = []
TMP = tempfile.mkdtemp(prefix="vmbal-ctl-")
os.chmod(TMP, 0o755)	# the test user must reach the socket's directory
LEASE = os.path.join(TMP, "lease")
os.makedirs(LEASE)
ENV = dict(os.environ, VMBAL_LEASE_DIR=LEASE)


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))
    return ok


def scenario(name, sock, journal=True):
    """The demo with slow, never-failing migrations (long enough to abort),
    its journal and control socket in TMP."""
    with open(os.path.join(ROOT, "scenarios", "demo.yaml")) as f:
        demo = f.read()
    slow = re.sub(r"migration: \{[^}]*\}",
                  "migration: {bandwidth_mbps: 100, fail_rate: 0, seed: 7}", demo)
    assert slow != demo
    slow += "\ncontrol_socket: %s\n" % sock
    if journal:
        slow += "journal: %s\n" % os.path.join(TMP, name + ".jsonl")
    path = os.path.join(TMP, name + ".yaml")
    with open(path, "w") as f:
        f.write(slow)
    return path


def ctl(*args, sock=None, user=None, timeout=30):
    cmd = [VMBAL, "ctl"] + (["-S", sock] if sock else []) + list(args)
    if user:
        pw = pwd.getpwnam(user)
        cmd = ["setpriv", "--reuid", str(pw.pw_uid), "--regid", str(pw.pw_gid),
               "--init-groups"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    try:
        p.json = json.loads(p.stdout.splitlines()[0]) if p.stdout else None
    except ValueError:
        p.json = None
    return p


def start(args, out):
    f = open(out, "w")
    p = subprocess.Popen([VMBAL] + args, stdout=f, stderr=subprocess.PIPE, text=True,
                         env=ENV)
    procs.append(p)
    return p


def wait_for(pred, timeout=30, interval=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return None


def journal_lines(name):
    try:
        with open(os.path.join(TMP, name + ".jsonl")) as f:
            return [json.loads(l) for l in f if l.strip()]
    except OSError:
        return []


def journaled(name, action, **kw):
    return [j for j in journal_lines(name) if j.get("phase") == "command"
            and j.get("who") == "ctl:root" and j.get("action") == action
            and all(j.get(k) == v for k, v in kw.items())]


def done(p, msg_re=None):
    """A command that was carried out: exit 0, ok true, a message."""
    return (p.returncode == 0 and p.json is not None and p.json.get("ok") is True
            and isinstance(p.json.get("result"), dict) and p.stderr == ""
            and (msg_re is None or re.search(msg_re, p.json.get("message", ""))))


def refused(p, err_re):
    return (p.returncode == 1 and p.json is not None and p.json.get("ok") is False
            and re.search(err_re, p.json.get("error", ""))
            and p.stderr.startswith("vmbal: "))


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def finish():
    cleanup()
    shutil.rmtree(TMP, ignore_errors=True)
    print("1..%d" % len(results))
    bad = 0
    for i, (ok, name, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            bad += 1
            for l in str(diag).splitlines()[:30]:
                print("#   " + l)
    sys.exit(1 if bad else 0)


if not os.access(VMBAL, os.X_OK):
    print("1..0 # skip %s not built" % VMBAL)
    sys.exit(0)

# ---- 1. without a running vmbal: help, usage, no socket --------------------
p = ctl("help")
names = [c.get("name") for c in (p.json or {}).get("result", {}).get("commands", [])]
check(p.returncode == 0 and set(names) >= {"status", "plan", "confirm", "dismiss", "mode",
      "pause", "resume", "maintenance", "drain", "migrate", "abort", "reload", "events",
      "help"} and all(isinstance(c.get("args"), str) and c.get("help")
                      for c in p.json["result"]["commands"]),
      "ctl help: the command table as JSON, without a running vmbal", p.stdout[:300])
p = ctl("--human", "help")
check(p.returncode == 0 and re.search(r"maintenance +HOST on\|off", p.stdout),
      "ctl --human help: name, arguments, help line", p.stdout[:300])
usage = [[], ["bogus"], ["maintenance", "atlas"], ["maintenance", "atlas", "maybe"],
         ["mode", "sideways"], ["confirm", "0"], ["confirm", "all", "2"], ["status", "x"],
         ["drain", "web", "198.18.1.11", "on"], ["migrate", "web1"], ["abort"], ["--nope", "status"]]
bad = [(u, ctl(*u, sock=os.path.join(TMP, "none.sock"))) for u in usage]
check(all(q.returncode == 2 and q.stdout == "" and q.stderr.startswith("vmbal: ") for _, q in bad),
      "usage errors exit 2, on stderr, before any connection",
      "; ".join("%s -> %d %s" % (u, q.returncode, q.stderr[:80]) for u, q in bad
                if q.returncode != 2))
p = ctl("status", sock=os.path.join(TMP, "none.sock"))
check(p.returncode == 1 and os.path.join(TMP, "none.sock") in p.stderr
      and "No such file or directory" in p.stderr,
      "no vmbal listening: exit 1 with the path and errno text", p.stderr)

# ---- 2. a headless run ---------------------------------------------------
SOCK = os.path.join(TMP, "run.sock")
S = scenario("run", SOCK)
run = start(["--headless", "--scenario", S, "--speed", "20"], os.path.join(TMP, "run.out"))
check(wait_for(lambda: os.path.exists(SOCK), 10), "the socket appears at control_socket")
st = os.stat(SOCK) if os.path.exists(SOCK) else None
check(st is not None and (st.st_mode & 0o777) == 0o660,
      "the socket is mode 0660", oct(st.st_mode) if st else "")
p = ctl("--scenario", S, "status")	# found through the scenario's control_socket
r = (p.json or {}).get("result", {})
check(done(p) and r.get("role") == "active" and r.get("mode") == "manual"
      and r.get("paused") is False and isinstance(r.get("spread"), (int, float))
      and r.get("threshold") == 20 and r.get("state") in ("balanced", "imbalanced")
      and [h.get("name") for h in r.get("hosts", [])] == ["atlas", "boreas", "castor"]
      and all(set(h) >= {"name", "state", "cpu_pct", "vms"} for h in r["hosts"])
      and r.get("flights") == [] and "offer" in r
      and (r.get("offer") is None) == bool(re.match(r"(measuring|holding|below threshold)",
                                                     r.get("no_suggestion") or "")),
      "ctl --scenario FILE status: role, mode, paused, spread, threshold, state, hosts, "
      "flights, offer, or no_suggestion in the console's words", p.stdout[:600])

ev_out = os.path.join(TMP, "events.out")
evf = open(ev_out, "w")
events = subprocess.Popen([VMBAL, "ctl", "-S", SOCK, "events"], stdout=evf,
                          stderr=subprocess.PIPE, text=True, env=ENV)
procs.append(events)
check(wait_for(lambda: open(ev_out).read().startswith('{"ok":true'), 10),
      "ctl events: {\"ok\":true} first")

# migrate then abort, before any plan is in hand
p = ctl("migrate", "dns1", "atlas", sock=SOCK)
check(done(p, "dns1 migrates to atlas") and journaled("run", "migrate", vm="dns1", to="atlas"),
      "migrate VM HOST: done, journaled (phase command, who ctl:root)",
      p.stdout + p.stderr)
fl = ctl("status", sock=SOCK)
flights = (fl.json or {}).get("result", {}).get("flights", [])
check(any(f.get("vm") == "dns1" and f.get("from") == "castor" and f.get("to") == "atlas"
          and "elapsed_s" in f and "progress" in f for f in flights),
      "status lists the migration in flight", fl.stdout[:400])
p = ctl("abort", "dns1", sock=SOCK)
check(done(p, "aborting") and journaled("run", "abort", vm="dns1"),
      "abort VM: done, journaled", p.stdout + p.stderr)
p = ctl("abort", "nosuchvm", sock=SOCK)
check(refused(p, "."), "abort of a VM not migrating: exit 1, the reason on stderr",
      p.stdout + p.stderr)
p = ctl("migrate", "nosuchvm", "atlas", sock=SOCK)
check(refused(p, "."), "migrate of an unknown VM: exit 1", p.stdout + p.stderr)

# the offer: plan, confirm N, dismiss, confirm all with nothing offered
def offered():
    q = ctl("status", sock=SOCK)
    o = (q.json or {}).get("result", {}).get("offer")
    if o and len([m for m in o["moves"] if m["state"] == "offered"]) >= 2:
        return o
    return None
offer = wait_for(offered, 40, 0.3)
check(offer and isinstance(offer.get("spread_before"), (int, float))
      and [m["n"] for m in offer["moves"]] == list(range(1, len(offer["moves"]) + 1))
      and all(set(m) >= {"n", "vm", "from", "to", "reason", "spread_after", "state"}
              for m in offer["moves"]),
      "an offer in status: spread_before, moves numbered from 1", json.dumps(offer)[:400])
offer = offer or {"moves": []}
p = ctl("plan", sock=SOCK)
pr = (p.json or {}).get("result", {})
check(done(p) and [(m["vm"], m["from"], m["to"]) for m in pr.get("moves", [])][:1]
      == [(m["vm"], m["from"], m["to"]) for m in offer["moves"]][:1]
      and "min_moves" in pr and "spread_before" in pr,
      "plan: the plan in hand", p.stdout[:400])
first = offer["moves"][0] if offer["moves"] else {}
p = ctl("confirm", "1", sock=SOCK)
check(done(p, "confirmed") and (p.json.get("result", {}).get("moves") ==
      [{"vm": first.get("vm"), "from": first.get("from"), "to": first.get("to")}])
      and journaled("run", "confirm"),
      "confirm 1: exactly the first offered move, journaled", p.stdout + p.stderr)
p = ctl("confirm", "1", sock=SOCK)
check(refused(p, "not offered") or (p.returncode == 1 and "not offered" in p.stderr),
      "confirm 1 again: that move is no longer offered, exit 1", p.stdout + p.stderr)
p = ctl("dismiss", sock=SOCK)
check(done(p, "dismissed") and journaled("run", "dismiss"),
      "dismiss: done, journaled", p.stdout + p.stderr)
p = ctl("confirm", "all", sock=SOCK)
check(p.returncode == 1 and "no suggestion" in p.stderr,
      "confirm all with nothing offered: exit 1", p.stdout + p.stderr)
p = ctl("abort", first.get("vm", "?"), sock=SOCK)
check(done(p), "the confirmed move aborted", p.stdout + p.stderr)

# maintenance, drain, mode, pause, resume
p = ctl("maintenance", "castor", "on", sock=SOCK)
q = ctl("status", sock=SOCK)
check(done(p, "castor in maintenance") and journaled("run", "maintenance", host="castor", on=True)
      and [h["state"] for h in q.json["result"]["hosts"] if h["name"] == "castor"] == ["maintenance"],
      "maintenance HOST on: done, journaled, status shows it", p.stdout + p.stderr)
p = ctl("maintenance", "castor", "on", sock=SOCK)
check(refused(p, "already"), "maintenance on twice: refused, exit 1", p.stdout + p.stderr)
p = ctl("maintenance", "nosuchhost", "on", sock=SOCK)
check(refused(p, "no host named nosuchhost"), "maintenance of an unknown host: exit 1",
      p.stdout + p.stderr)
p = ctl("maintenance", "castor", "off", sock=SOCK)
check(done(p, "out of maintenance") and journaled("run", "maintenance", host="castor", on=False),
      "maintenance HOST off: done, journaled", p.stdout + p.stderr)
p = ctl("drain", "web", "198.18.1.11:8080", "on", sock=SOCK)
check(done(p, "drained") and journaled("run", "drain", service="web",
                                        backend="198.18.1.11:8080", on=True),
      "drain SERVICE ADDRESS:PORT on: done, journaled", p.stdout + p.stderr)
p = ctl("drain", "web", "198.18.1.11:8080", "off", sock=SOCK)
check(done(p, "restored") and journaled("run", "drain", service="web", on=False),
      "drain ... off: done, journaled", p.stdout + p.stderr)
p = ctl("drain", "web", "198.18.9.9:1", "on", sock=SOCK)
check(refused(p, "no backend"), "drain of an unknown backend: exit 1", p.stdout + p.stderr)
p = ctl("mode", "auto", sock=SOCK)
q = ctl("status", sock=SOCK)
check(done(p, "AUTO") and journaled("run", "mode", mode="auto")
      and q.json["result"]["mode"] == "auto", "mode auto: done, journaled, status says auto",
      p.stdout + p.stderr)
p = ctl("mode", "manual", sock=SOCK)
check(done(p, "manual") and journaled("run", "mode", mode="manual"), "mode manual: done",
      p.stdout + p.stderr)
p = ctl("pause", sock=SOCK)
q = ctl("status", sock=SOCK)
check(done(p, "paused") and journaled("run", "pause") and q.json["result"]["paused"] is True,
      "pause: done, journaled, status says paused", p.stdout + p.stderr)
p = ctl("pause", sock=SOCK)
check(refused(p, "paused already"), "pause twice: refused", p.stdout + p.stderr)
p = ctl("resume", sock=SOCK)
check(done(p, "resumed") and journaled("run", "resume"), "resume: done, journaled",
      p.stdout + p.stderr)
p = ctl("reload", sock=SOCK)
check(done(p) and journaled("run", "reload"),
      "reload: the scenario read again, done, journaled", p.stdout + p.stderr)
p = ctl("--human", "status", sock=SOCK)
check(p.returncode == 0 and re.search(r"^active, manual mode; spread [\d.]+% \(threshold 20\.0%\)",
                                      p.stdout) and "castor" in p.stdout,
      "--human status: text", p.stdout[:300])

# malformed requests on the socket itself
import socket
s = socket.socket(socket.AF_UNIX)
s.connect(SOCK)
fr = s.makefile("rwb")
answers = []
for line in [b"not json", b"[1]", b"{}", b'{"cmd":"nope"}', b'{"cmd":"maintenance","host":"castor"}',
             b'{"cmd":"confirm","moves":[{"vm":"a"}]}', b'{"cmd":"mode","mode":"x"}',
             b'{"cmd":"status"}']:
    fr.write(line + b"\n")
    fr.flush()
    answers.append(json.loads(fr.readline()))
check(all(a.get("ok") is False and a.get("error") for a in answers[:-1])
      and answers[-1].get("ok") is True,
      "malformed lines, unknown commands, bad arguments: an error each, and the "
      "connection goes on", json.dumps(answers)[:500])
fr.write(b"x" * 70000 + b"\n")
fr.flush()
try:
    last = json.loads(fr.readline())
except (OSError, ValueError):
    last = {}
check(last.get("ok") is False and "too long" in last.get("error", ""),
      "a line past the cap: an error, then closed", json.dumps(last))
s.close()
check(run.poll() is None, "vmbal still runs after all that")

# the events stream saw each command
events.send_signal(signal.SIGINT)
try:
    events.wait(10)
except subprocess.TimeoutExpired:
    events.kill()
evf.close()
with open(ev_out) as f:
    evs = [json.loads(l) for l in f if l.strip()]
cmds = [e for e in evs if e.get("event") == "command"]
check(events.returncode == 0, "ctl events ends with 0 on SIGINT", str(events.returncode))
check(any(e.get("event") == "sample" for e in evs)
      and any(e.get("who") == "ctl:root" and e.get("command") == "maintenance"
              and e.get("args") == "castor on" and e.get("status") == "done" for e in cmds)
      and any(e.get("command") == "pause" and e.get("status") == "refused" for e in cmds)
      and {"migrate", "abort", "confirm", "dismiss", "drain", "mode", "resume"}
      <= {e.get("command") for e in cmds},
      "the stream has samples and a command event per command (done or refused)",
      json.dumps(cmds)[:600])

# a client neither root nor in group vmbal
if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("setpriv") is None:
    check(True, "# skip: the other-user check needs root, useradd and setpriv")
else:
    user = "vmbalctl%d" % os.getpid()
    subprocess.run(["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", user],
                   capture_output=True)
    try:
        pwd.getpwnam(user)
        p = ctl("status", sock=SOCK, user=user)
        check(p.returncode == 1 and "Permission denied" in p.stderr,
              "another user cannot even connect to the 0660 socket", p.stdout + p.stderr)
        os.chmod(SOCK, 0o666)	# loosened by hand: the server still checks
        p = ctl("status", sock=SOCK, user=user)
        check(refused(p, "^permission denied: %s \\(uid \\d+\\) is neither root nor in group vmbal"
                      % user), "with the file opened to all, the server refuses that user "
              "(SO_PEERCRED)", p.stdout + p.stderr)
        p = ctl("maintenance", "castor", "on", sock=SOCK, user=user)
        q = ctl("status", sock=SOCK)
        check(p.returncode == 1 and q.json["result"]["hosts"][2]["state"] != "maintenance",
              "... and nothing it asks is done", p.stdout + p.stderr)
        os.chmod(SOCK, 0o660)
    except KeyError:
        check(False, "useradd %s" % user)
    finally:
        subprocess.run(["userdel", user], capture_output=True)

# a member of group vmbal is served (the group made here when there is
# none, for a moment, and removed again; the socket made before it
# existed is given to it by hand, as a start after groupadd would)
if os.geteuid() != 0 or shutil.which("groupadd") is None or shutil.which("setpriv") is None:
    check(True, "# skip: the group check needs root, groupadd and setpriv")
else:
    import grp
    made = subprocess.run(["groupadd", "vmbal"], capture_output=True).returncode == 0
    member = "vmbalgrp%d" % os.getpid()
    subprocess.run(["useradd", "-M", "-N", "-G", "vmbal", "-s", "/usr/sbin/nologin", member],
                   capture_output=True)
    try:
        os.chown(SOCK, -1, grp.getgrnam("vmbal").gr_gid)
        p = ctl("status", sock=SOCK, user=member)
        check(done(p), "a member of group vmbal is served", p.stdout + p.stderr)
        os.chown(SOCK, -1, 0)
    except KeyError:
        check(False, "groupadd vmbal / useradd -G vmbal %s" % member)
    finally:
        subprocess.run(["userdel", member], capture_output=True)
        if made:
            subprocess.run(["groupdel", "vmbal"], capture_output=True)

# a second instance: the socket is another's; it runs on without serving
second = start(["--headless", "--scenario", S, "--speed", "20", "--duration", "20"],
               os.path.join(TMP, "second.out"))
try:
    _, err2 = second.communicate(timeout=30)
except subprocess.TimeoutExpired:
    second.kill()
    _, err2 = second.communicate()
check(second.returncode == 0 and "another vmbal serves this socket" in err2
      and done(ctl("status", sock=SOCK)) and os.path.exists(SOCK),
      "a second vmbal on a live socket says so, runs, and leaves it to the first", err2)

# operator state that lasts: set through ctl, then vmbal is killed
BK = "198.18.1.11:8080"
p1 = ctl("maintenance", "castor", "on", sock=SOCK)
p2 = ctl("drain", "web", BK, "on", sock=SOCK)
check(done(p1) and done(p2), "before the kill: castor into maintenance, %s drained" % BK,
      p1.stdout + p1.stderr + p2.stdout + p2.stderr)

# killed: the stale socket is replaced at the next start
run.kill()
run.wait()
check(os.path.exists(SOCK), "a killed vmbal leaves its socket file behind")
run2 = start(["--headless", "--scenario", S, "--speed", "20"], os.path.join(TMP, "run2.out"))
p = wait_for(lambda: (lambda q: q if done(q) else None)(ctl("status", sock=SOCK)), 10, 0.2)
check(p is not None, "the next start replaces the stale socket and serves")


def run2_events():
    try:
        with open(os.path.join(TMP, "run2.out")) as f:
            return [json.loads(l) for l in f if l.strip().startswith("{")]
    except (OSError, ValueError):
        return []


def backend_of(sample):
    return [b for s in sample.get("services", []) if s["name"] == "web"
            for b in s["backends"] if b["backend"] == BK]


smp = wait_for(lambda: next((e for e in run2_events() if e["event"] == "sample"), None), 15)
restored = [e for e in run2_events() if e["event"] == "command" and e.get("who") == "journal"]
castor = [h["state"] for h in ((p.json or {}).get("result", {}) if p else {}).get("hosts", [])
          if h["name"] == "castor"]
check(castor == ["maintenance"] and smp is not None and
      [h["state"] for h in smp["hosts"] if h["name"] == "castor"] == ["maintenance"] and
      [(b["drained"], b["weight"]) for b in backend_of(smp)] == [(True, 0)] and
      {(e["command"], e["args"], e["status"]) for e in restored} >=
      {("maintenance", "castor on", "done"), ("drain", "web %s on" % BK, "done")},
      "killed and started again: castor still in maintenance, %s still drained "
      "(restored from the journal, said in command events)" % BK,
      json.dumps([castor, smp and smp["hosts"], smp and backend_of(smp), restored]))
run2.send_signal(signal.SIGTERM)
try:
    _, err = run2.communicate(timeout=10)
except subprocess.TimeoutExpired:
    run2.kill()
    _, err = run2.communicate()
with open(os.path.join(TMP, "run2.out")) as f:
    tail = f.read().splitlines()[-1:]
check(run2.returncode == 0 and tail and json.loads(tail[0]).get("event") == "end"
      and not os.path.exists(SOCK),
      "SIGTERM still ends the run cleanly (end event), and the socket is removed", err)

# ---- 3. observe mode: every changing command refused ------------------------
OSOCK = os.path.join(TMP, "obs.sock")
OS_ = scenario("obs", OSOCK, journal=True)
obs = start(["--headless", "--scenario", OS_, "--speed", "20", "--mode", "observe"],
            os.path.join(TMP, "obs.out"))
wait_for(lambda: os.path.exists(OSOCK), 10)
changing = [["confirm", "1"], ["dismiss"], ["mode", "auto"], ["pause"], ["resume"],
            ["maintenance", "castor", "on"], ["drain", "web", "198.18.1.11:8080", "on"],
            ["migrate", "dns1", "atlas"], ["abort", "dns1"]]
wait_for(lambda: ctl("status", sock=OSOCK).returncode == 0, 10)
outs = [(c, ctl(*c, sock=OSOCK)) for c in changing]
check(all(q.returncode == 1 for _, q in outs)
      and all("observe mode" in q.stderr or "no suggestion" in q.stderr
              or "no move" in q.stderr for _, q in outs),
      "observe mode: each changing command refused, exit 1",
      "; ".join("%s -> %d %s" % (c, q.returncode, q.stderr.strip()) for c, q in outs))
check(all(refused(q, "observe mode") for c, q in outs if c[0] != "confirm"),
      "... with \"observe mode\" as the error", "")
# reload changes what this vmbal reads, not the cluster: an observer may
q = ctl("reload", sock=OSOCK)
check(done(q, "no change|reloaded|change"), "observe: reload is served (an observer re-reads "
      "its file too)", q.stdout + q.stderr)
q = ctl("status", sock=OSOCK)
check(done(q) and q.json["result"]["mode"] == "observe"
      and all(h["state"] == "up" for h in q.json["result"]["hosts"]),
      "observe: status answers, nothing changed", q.stdout[:300])
check(journal_lines("obs") == [], "observe: nothing journaled")
obs.send_signal(signal.SIGINT)
try:
    obs.wait(10)
except subprocess.TimeoutExpired:
    obs.kill()
check(obs.returncode == 0, "SIGINT ends the observing run with 0", str(obs.returncode))

# ---- 4. a console in tmux -------------------------------------------------
if shutil.which("tmux") is None:
    check(True, "# skip: tmux is not installed")
else:
    from tmuxconsole import Console, Timeout
    CSOCK = os.path.join(TMP, "con.sock")
    CS = scenario("con", CSOCK)
    c = Console(["--scenario", CS, "--speed", "20"], 120, 36, lease_dir=LEASE)
    try:
        c.wait_text("castor")
        ok = wait_for(lambda: os.path.exists(CSOCK), 10)
        p = ctl("status", sock=CSOCK)
        check(ok and done(p) and len(p.json["result"]["hosts"]) == 3,
              "ctl status answers while the console runs", p.stdout + p.stderr)
        offer = wait_for(lambda: (lambda q: q.json["result"]["offer"] if done(q)
                                  and q.json["result"]["offer"] and any(
                                      m["state"] == "offered" for m in
                                      q.json["result"]["offer"]["moves"]) else None)(
            ctl("status", sock=CSOCK)), 40, 0.3)
        if offer is None:
            check(False, "an offer on the console's run")
        else:
            p = ctl("confirm", "all", sock=CSOCK)
            want = [{"vm": m["vm"], "from": m["from"], "to": m["to"]}
                    for m in offer["moves"] if m["state"] == "offered"]
            check(done(p, "confirmed") and p.json["result"]["moves"] == want,
                  "confirm all on the console's run: the offered moves, as status showed them",
                  p.stdout + p.stderr)
            try:
                c.wait(lambda s: "ctl:root: confirm" in s, 10, "confirm shown")
                check(True, "... said in the console's Events")
            except Timeout as e:
                check(False, "... said in the console's Events", e.screen)
        p = ctl("maintenance", "castor", "on", sock=CSOCK)
        check(done(p, "castor in maintenance") and journaled("con", "maintenance", host="castor"),
              "ctl maintenance castor on, to a console: done, journaled", p.stdout + p.stderr)
        try:
            scr = c.wait(lambda s: "ctl:root: maintenance castor on done" in s
                         and re.search(r"castor.*maint", s), 10, "maintenance shown")
            check(True, "the console shows it in Events and in Hosts")
        except Timeout as e:
            check(False, "the console shows it in Events and in Hosts", e.screen)
        c.keys("q")
        try:
            c.wait(lambda s: "Quit" in s or c.exited(), 5, "quit dialog")
            if not c.exited():
                c.keys("y")
        except Timeout:
            pass
        wait_for(lambda: c.exited(), 10)
        check(c.exited() == "vmbal exited 0" and not os.path.exists(CSOCK),
              "the console quits with 0 and removes its socket", str(c.exited()))
    finally:
        c.close()

finish()
