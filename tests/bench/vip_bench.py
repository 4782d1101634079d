"""vip_bench.py - the body of vip.sh: builds the namespaces of
tests/lab/viplab.py, starts an HTTP server in each backend, programs
round-robin DNAT with build/lab/dnat_tool, and compares wrk through the
VIP with wrk straight to one backend (three rounds each, best kept)."""
import os, re, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))
import viplab  # noqa: E402
from viplab import (CLI, LB, BS, BADDR, VIP, PORT, BPORT, ROOT, must, nsx,  # noqa: E402
                    setup, teardown, state, apply, procs)

sys.path.insert(0, HERE)
from benchlib import result, skip, verdict, ratio  # noqa: E402

if os.geteuid() != 0 or shutil.which("wrk") is None:
    why = ("needs root (network namespaces and netfilter)" if os.geteuid() != 0
           else "needs wrk (apt-get install wrk)")
    print("vip: skipped (%s)" % why)
    skip("vip", why)
    sys.exit(0)

HTTP = r"""
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        body = sys.argv[1].encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
S(("0.0.0.0", %d), H).serve_forever()
""" % BPORT


def wrk_once(url):
    rc, o, e = nsx(CLI, "wrk", "-t1", "-c8", "-d3s", url, timeout=30)
    m = re.search(r"Requests/sec:\s+([\d.]+)", o)
    return float(m.group(1)) if m else 0.0


def wrk(url):
    return max(wrk_once(url) for _ in range(3))


def wrk_pair(a, b, rounds=4):
    """Best of rounds for a and b, taken in turns so both meet the same
    machine."""
    ba = bb = 0.0
    for _ in range(rounds):
        ba = max(ba, wrk_once(a))
        bb = max(bb, wrk_once(b))
    return ba, bb


try:
    setup()
    for p in procs:             # the name servers make way for HTTP ones
        p.kill()
        p.wait()
    del procs[:]
    for k, ns in enumerate(BS, 1):
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", HTTP,
                                       "b%d" % k], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    time.sleep(1.0)
    rc, o, e = apply(state("round-robin"))
    if rc != 0:
        print("vip: apply failed: " + e)
        sys.exit(1)
    via3 = wrk("http://%s:%d/" % (VIP, PORT))
    apply(state("round-robin", up=(True, False, False)))    # the VIP on b1 alone
    via1, direct = wrk_pair("http://%s:%d/" % (VIP, PORT),
                            "http://%s:%d/" % (BADDR[0], BPORT))
    print("== vip: wrk -t1 -c8 -d3s, best of 4 taken in turns, HTTP backends in namespaces")
    print("   direct to backend b1:         %8.0f req/s (baseline)" % direct)
    print("   through the VIP, b1 alone:    %8.0f req/s (%.2fx direct; target >= 0.9)"
          % (via1, via1 / direct if direct else 0))
    print("   through the VIP, 3 backends:  %8.0f req/s (%.2fx direct)"
          % (via3, via3 / direct if direct else 0))
    # wrk that got no answer measured nothing: that is a FAIL, never a pass
    result("vip", "through the VIP, b1 alone (DNAT round-robin, 1 backend up)",
           "%.0f req/s (%.2fx direct)" % (via1, via1 / direct if direct else 0),
           "direct to b1: %.0f req/s" % direct, ">= 0.9x direct",
           verdict(via1 / direct, ">=", 0.9) if direct > 0 and via1 > 0 else "FAIL")
    result("vip", "through the VIP, 3 backends (DNAT round-robin)",
           "%.0f req/s (%s direct)" % (via3, ratio(via3, direct)),
           "direct to b1: %.0f req/s" % direct, "-",
           "info" if via3 > 0 else "FAIL")
finally:
    teardown()
