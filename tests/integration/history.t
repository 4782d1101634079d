#!/usr/bin/env python3
# history.t - issue 17's history: after 10 simulated minutes of the demo
# (auto mode, so that VMs move) the RRD files exist and `rrdtool fetch`
# gives back the sample events' numbers; an hour later the files are the
# same size; `vmbal chart` draws PNG and SVG images of the size asked for
# a host, a VM and the cluster, the run's migrations marked in the SVG
# (VRULE lines at their times), and under ASan+UBSan with no leak of
# vmbal's (tests/lsan.supp);
# the directory's defaults and errors. Prints TAP.
import json, os, re, shutil, struct, subprocess, sys, tempfile

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
VMBAL = os.path.abspath(os.environ.get("VMBAL", "./vmbal"))
EPOCH = 1767225600      # actions/history_rrd.h: HISTORY_SIM_EPOCH
results = []

def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))

def done():
    print("1..%d" % len(results))
    for i, (ok, name, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok and diag:
            for l in str(diag).splitlines()[:12]:
                print("#   " + l)
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0)

if shutil.which("rrdtool") is None:
    print("1..0 # skip rrdtool is not installed (mk/deps.sh)")
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix="vmbal-history-")
env = dict(os.environ)
env["VMBAL_LEASE_DIR"] = os.path.join(tmp, "lease")   # nothing shared
env.pop("VMBAL_CONFIG", None)
hist = os.path.join(tmp, "hist")
scen = os.path.join(tmp, "demo-hist.yaml")
with open("scenarios/demo.yaml") as f:
    text = f.read()
with open(scen, "w") as f:
    f.write(text + "\nhistory_dir: %s\n" % hist)
os.chmod(scen, 0o644)

def vmbal(*args, timeout=300):
    return subprocess.run([VMBAL, *args], capture_output=True, text=True,
                          timeout=timeout, env=env)

def run_demo(duration):
    p = vmbal("--headless", "--scenario", scen, "--fast", "--mode", "auto",
              "--duration", str(duration))
    evs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p, evs

def fetch(path, start, end):
    p = subprocess.run(["rrdtool", "fetch", path, "AVERAGE", "-r", "10",
                        "-s", str(start), "-e", str(end)],
                       capture_output=True, text=True, timeout=60)
    lines = p.stdout.splitlines()
    names = lines[0].split() if lines else []
    rows = {}
    for l in lines[1:]:
        if ":" not in l:
            continue
        t, vals = l.split(":", 1)
        rows[int(t)] = dict(zip(names, (float(v) for v in vals.split())))
    return rows

def nan(x):
    return x != x

def esc(name):
    # history_file_name: [A-Za-z0-9._-] kept (not a leading '.'), %xx else
    return "".join(c if (c.isascii() and (c.isalnum() or c in "_-" or
                                          (c == "." and i > 0)))
                   else "".join("%%%02x" % b for b in c.encode())
                   for i, c in enumerate(name))

# ---- ten simulated minutes -------------------------------------------
p, evs = run_demo(600)
check(p.returncode == 0 and p.stderr == "", "600 s of the demo: exit 0, nothing on stderr",
      p.stderr)
samples = [e for e in evs if e.get("event") == "sample"]
moves = [e for e in evs if e.get("event") == "migration" and e.get("status") == "done"]
check(len(samples) >= 55, "%d sample events" % len(samples))
check(len(moves) > 0, "the run moved VMs (%d migrations done)" % len(moves))
last = samples[-1] if samples else {"hosts": [], "vms": []}
files = (["host-%s.rrd" % esc(h["name"]) for h in last["hosts"]] +
         ["vm-%s.rrd" % esc(v["name"]) for v in last["vms"]] +
         ["cluster.rrd"] +
         ["svc-%s.rrd" % esc("%s/%s" % (s["name"], b["backend"]))
          for s in last.get("services", []) for b in s["backends"]])
missing = [f for f in files if not os.path.isfile(os.path.join(hist, f))]
check(len(files) == 3 + 14 + 1 + 3 and not missing,
      "the RRD files exist: %d (3 hosts, 14 VMs, the cluster, 3 backends)" % len(files),
      "missing: %r; there: %r" % (missing, sorted(os.listdir(hist)) if os.path.isdir(hist) else None))

# the numbers back from rrdtool fetch, at each sample's stamp
bad, compared, known = [], 0, 0
hrows = {h["name"]: fetch(os.path.join(hist, "host-%s.rrd" % esc(h["name"])), EPOCH, EPOCH + 600)
         for h in last["hosts"]}
vrows = {v["name"]: fetch(os.path.join(hist, "vm-%s.rrd" % esc(v["name"])), EPOCH, EPOCH + 600)
         for v in last["vms"]}
crows = fetch(os.path.join(hist, "cluster.rrd"), EPOCH, EPOCH + 600)
for s in samples:
    t = EPOCH + int(round(s["ts"]))
    for h in s["hosts"]:
        row = hrows.get(h["name"], {}).get(t)
        if row is None:
            bad.append("no row %d for host %s" % (t, h["name"]))
            continue
        for ds, key in (("cpu", "cpu_pct"), ("demand", "demand_pct"),
                        ("mem", "mem_used_mib"), ("vms", "vms")):
            compared += 1
            if nan(row[ds]) or abs(row[ds] - h[key]) > 0.006:
                bad.append("host %s at %d: %s %r, sample %r" % (h["name"], s["ts"], ds, row[ds], h[key]))
            else:
                known += 1
    for v in s["vms"]:
        row = vrows.get(v["name"], {}).get(t)
        if row is None:
            bad.append("no row %d for VM %s" % (t, v["name"]))
            continue
        for ds, key in (("cpu", "cpu_pct"), ("demand", "demand_pct"), ("mem", "mem_mib")):
            compared += 1
            if nan(row[ds]) or abs(row[ds] - v[key]) > 0.006:
                bad.append("VM %s at %d: %s %r, sample %r" % (v["name"], s["ts"], ds, row[ds], v[key]))
            else:
                known += 1
    row = crows.get(t)
    compared += 1
    if row is None or nan(row["spread"]) or abs(row["spread"] - s["spread"]) > 0.006:
        bad.append("cluster at %d: %r, sample %r" % (s["ts"], row, s["spread"]))
    else:
        known += 1
check(compared > 1000 and not bad,
      "rrdtool fetch: %d of %d values as the sample events said (within rounding)" % (known, compared),
      "\n".join(bad[:12]))
allnan = [n for n, rows in list(hrows.items()) + list(vrows.items())
          if all(nan(x) for r in rows.values() for x in r.values())]
check(not allnan, "no file holds only unknown values", repr(allnan))
# backends: connections and latency as the samples said (the simulator
# measures none: null there, unknown here)
bad, compared = [], 0
for sv in last.get("services", []):
    for b in sv["backends"]:
        f = os.path.join(hist, "svc-%s.rrd" % esc("%s/%s" % (sv["name"], b["backend"])))
        rows = fetch(f, EPOCH, EPOCH + 600)
        for s in samples:
            row = rows.get(EPOCH + int(round(s["ts"])))
            sb = [x for y in s["services"] if y["name"] == sv["name"]
                  for x in y["backends"] if x["backend"] == b["backend"]]
            if row is None or not sb:
                bad.append("no row %d in %s" % (s["ts"], f))
                continue
            for ds, key in (("conns", "connections"), ("latency", "latency_ms")):
                compared += 1
                want = sb[0][key]
                if (want is None) != nan(row[ds]) or (want is not None and abs(row[ds] - want) > 0.006):
                    bad.append("%s at %d: %s %r, sample %r" % (f, s["ts"], ds, row[ds], want))
check(compared >= 300 and not bad,
      "backends' connections and latency as the samples said (%d values)" % compared,
      "\n".join(bad[:8]))
marks = open(os.path.join(hist, "marks.tsv")).read().splitlines() \
    if os.path.exists(os.path.join(hist, "marks.tsv")) else []
check(len(marks) == len(moves) and all(l.split("\t")[1] == "migration" for l in marks),
      "marks.tsv: a line per migration done (%d)" % len(marks), "\n".join(marks[:5]))
sizes = {f: os.path.getsize(os.path.join(hist, f)) for f in files if f not in missing}

# ---- charts of the 600 s run ------------------------------------------
W, H = 640, 240
moved = {}
for m in moves:
    moved[m["vm"]] = moved.get(m["vm"], 0) + 1
vm = max(moved, key=moved.get) if moved else "web1"
host = moves[0]["to"] if moves else "atlas"

def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])

def svg_size(text):
    m = re.search(r"<svg[^>]*>", text)
    if not m:
        return None
    w = re.search(r'\swidth="([0-9.]+)(pt|px)?"', m.group(0))
    h = re.search(r'\sheight="([0-9.]+)(pt|px)?"', m.group(0))
    return (int(float(w.group(1))), int(float(h.group(1)))) if w and h else None

for what, args, mine in (("host " + host, ["--host", host],
                          [m for m in moves if host in (m["from"], m["to"])]),
                         ("VM " + vm, ["--vm", vm], [m for m in moves if m["vm"] == vm]),
                         ("the cluster", ["--cluster"], moves)):
    for ext in ("png", "svg"):
        out = os.path.join(tmp, "chart-%s.%s" % (args[-1].strip("-"), ext))
        p = vmbal("chart", "--scenario", scen, *args, "--since", "1h",
                  "--size", "%dx%d" % (W, H), "-o", out, timeout=120)
        ok = p.returncode == 0 and os.path.isfile(out)
        if ext == "png":
            got = png_size(out) if ok else None
            check(ok and got == (W, H) and ("%s: %dx%d," % (out, W, H)) in p.stdout,
                  "chart %s: a %dx%d PNG (and says so)" % (what, W, H),
                  "exit %d, size %r, %s%s" % (p.returncode, got, p.stderr, p.stdout))
            continue
        svg = open(out).read() if ok else ""
        got = svg_size(svg)
        check(ok and got == (W, H), "chart %s: a %dx%d SVG" % (what, W, H),
              "exit %d, size %r, %s" % (p.returncode, got, p.stderr))
        # librrd's SVG draws text as glyph paths: the marks are counted as
        # the VRULEs' vertical lines (migrations: #7f7f7f), their x in the
        # order and spacing of the migrations' times, and named on stdout
        lines = [float(m.group(1)) for m in re.finditer(
            r'stroke:rgb\(49\.80\d*%,49\.80\d*%,49\.80\d*%\)[^"]*" d="M ([0-9.]+) [0-9.]+ L \1 [0-9.]+ "',
            svg)]
        ts = sorted(m["ts"] for m in mine)
        spaced = len(lines) == len(ts) and lines == sorted(lines)
        if spaced and len(ts) > 1 and ts[-1] > ts[0] and lines[-1] > lines[0]:
            scale = (lines[-1] - lines[0]) / (ts[-1] - ts[0])
            spaced = all(abs(lines[0] + (t - ts[0]) * scale - x) <= 1.5
                         for t, x in zip(ts, lines))
        named = ["%s %s -> %s" % (m["vm"], m["from"], m["to"]) for m in mine]
        unnamed = [n for n in named if n not in p.stdout]
        check(ok and len(mine) > 0 and spaced and not unnamed and
              re.search(r", %d marks?\n" % len(mine), p.stdout),
              "chart %s: its %d migrations marked (VRULE lines at their times, named)"
              % (what, len(mine)),
              "lines at %r, migrations at %r; not named %r; stdout %r"
              % (lines, ts, unnamed, p.stdout))
        if args == ["--cluster"]:
            # HRULEs: threshold #d62728, target #2ca02c, horizontal
            hr = {c: len(re.findall(r'stroke:rgb\(%s[^"]*" d="M [0-9.]+ ([0-9.]+) L [0-9.]+ \1 "' % c, svg))
                  for c in (r"83\.92\d*%,15\.29\d*%,15\.68\d*%", r"17\.25\d*%,62\.74\d*%,17\.25\d*%")}
            check(all(n >= 1 for n in hr.values()),
                  "chart the cluster: the threshold and the target drawn (HRULE)", repr(hr))

# ---- an hour: the files do not grow --------------------------------------
p, evs = run_demo(3600)
check(p.returncode == 0 and p.stderr == "", "3600 s of the demo: exit 0", p.stderr)
after = {f: os.path.getsize(os.path.join(hist, f)) for f in sizes}
grew = {f: (sizes[f], after[f]) for f in sizes if after[f] != sizes[f]}
check(sizes and not grew, "after an hour the %d files are the same size (%d bytes in all)"
      % (len(sizes), sum(after.values())), repr(grew))
lu = subprocess.run(["rrdtool", "lastupdate", os.path.join(hist, "cluster.rrd")],
                    capture_output=True, text=True).stdout.split()
check(len(lu) >= 2 and lu[1].rstrip(":") == str(EPOCH + 3600),
      "the cluster's last update is the run's last analysis (epoch + 3600 s)", repr(lu))

# ---- the directory's default and errors -----------------------------------
p = subprocess.run([VMBAL, "--headless", "--demo", "--fast", "--duration", "60"],
                   capture_output=True, text=True, timeout=120, env=env)
priv = os.path.join(env["VMBAL_LEASE_DIR"], "history-demo")
check(p.returncode == 0 and not os.path.exists(priv),
      "--headless --demo names no history_dir: no history kept (scripts and tests leave none)",
      p.stderr + repr(os.listdir(env["VMBAL_LEASE_DIR"]) if os.path.isdir(env["VMBAL_LEASE_DIR"]) else None))
# the console's demo keeps it in history-demo under the lease directory
# (tests/tui/history.t); here a headless run writes that directory as
# the console's would, for vmbal chart --demo to read
scen_d = os.path.join(tmp, "demo-as-console.yaml")
with open(scen_d, "w") as f:
    f.write(text + "\nhistory_dir: %s\n" % priv)
p = subprocess.run([VMBAL, "--headless", "--scenario", scen_d, "--fast", "--duration", "60"],
                   capture_output=True, text=True, timeout=120, env=env)
check(p.returncode == 0 and os.path.isfile(os.path.join(priv, "cluster.rrd")),
      "the demo's history in history-demo under the lease directory", p.stderr)
out = os.path.join(tmp, "demo.png")
p = vmbal("chart", "--demo", "--host", "castor", "-o", out)
check(p.returncode == 0 and png_size(out) == (800, 300),
      "vmbal chart --demo reads it (default size 800x300)", p.stderr)
bad_dir = os.path.join(tmp, "a-file")
open(bad_dir, "w").close()
scen2 = os.path.join(tmp, "demo-nohist.yaml")
with open(scen2, "w") as f:
    f.write(text + "\nhistory_dir: %s/sub\n" % bad_dir)
p = subprocess.run([VMBAL, "--headless", "--scenario", scen2, "--fast", "--duration", "30"],
                   capture_output=True, text=True, timeout=120, env=env)
said = [l for l in p.stderr.splitlines() if "history" in l]
check(p.returncode == 0 and len(said) == 1 and "no history this run" in said[0],
      "a history directory that cannot be made: said once, the run goes on", p.stderr)
scen3 = os.path.join(tmp, "demo-badhist.yaml")
with open(scen3, "w") as f:
    f.write(text + "\nhistory_dir: [1, 2]\n")
nlines = text.count("\n") + 2
p = vmbal("--check-config", "--scenario", scen3)
check(p.returncode == 2 and ("%s:%d:14:" % (scen3, nlines)) in p.stderr and "history_dir" in p.stderr,
      "history_dir: not a string: FILE:LINE:COL, exit 2", p.stderr)

# ---- the chart under ASan+UBSan: LeakSanitizer finds nothing of vmbal's
# (tests/lsan.supp names the libraries whose caches outlive a graph)
ASAN = os.path.abspath("build/asan/vmbal")
if os.path.exists(ASAN):
    for ext in ("png", "svg"):
        out = os.path.join(tmp, "asan.%s" % ext)
        # the slow unwinder: librrd has no frame pointers, and its
        # vasprintf blocks must show it on their stacks to be matched
        aenv = dict(env, ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:fast_unwind_on_malloc=0",
                    LSAN_OPTIONS="suppressions=%s:print_suppressions=0" % os.path.abspath("tests/lsan.supp"))
        p = subprocess.run([ASAN, "chart", "--scenario", scen, "--cluster", "-o", out],
                           capture_output=True, text=True, timeout=300, env=aenv)
        check(p.returncode == 0 and os.path.getsize(out) > 0 and "Sanitizer" not in p.stderr,
              "chart --cluster %s under ASan+UBSan: exit 0, no leak or error of vmbal's" % ext.upper(),
              p.stderr[-1500:])
else:
    check(False, "build/asan/vmbal is built (make check builds it)")

# ---- chart's exit statuses --------------------------------------------------
for args, rc, what in ((["--host", "nosuch"], 1, "an unknown host: 1"),
                       (["--vm", "nosuch"], 1, "a VM without history: 1"),
                       (["--since", "3x"], 2, "a bad --since: 2"),
                       (["--size", "10x10"], 2, "a bad --size: 2"),
                       (["--host", "atlas", "--vm", "web1"], 2, "two subjects: 2")):
    p = vmbal("chart", "--scenario", scen, *args, "-o", os.path.join(tmp, "x.png"))
    check(p.returncode == rc and p.stderr.startswith("vmbal chart: "),
          "vmbal chart %s" % what, "exit %d %s" % (p.returncode, p.stderr))
p = vmbal("chart", "--scenario", scen, "--cluster", "-o", os.path.join(tmp, "x.gif"))
check(p.returncode == 2, "vmbal chart -o FILE.gif: 2", p.stderr)
p = vmbal("chart", "--scenario", scen, "--cluster")
check(p.returncode == 2, "vmbal chart without -o: 2", p.stderr)
done()
