"""benchlib.py - the machine-readable lines the bench drivers print beside
their human output, for tests/bench/summary. One line per figure:

    RESULT<TAB>bench<TAB>figure<TAB>value<TAB>baseline<TAB>target<TAB>verdict

value and baseline are text with units ("0.84 ms", "greedy-2008: 0.1 ms
(ratio 240x)"), target is text ("< 2 ms") or "-", verdict is pass or FAIL
(computed from the measured number against the target) or info (no
target). A bench that cannot run here says why, once, and exits 0:

    SKIP<TAB>bench<TAB>reason

Drivers written in shell print the same lines with printf."""
import math
import sys

VERDICTS = ("pass", "FAIL", "info")


def _clean(s):
    s = str(s).replace("\t", " ").replace("\n", " ").strip()
    return s if s else "-"


def result(bench, figure, value, baseline="-", target="-", verdict="info"):
    """Print one RESULT line; verdict must be one of VERDICTS."""
    if verdict not in VERDICTS:
        raise ValueError("verdict %r not in %r" % (verdict, VERDICTS))
    print("\t".join(["RESULT"] + [_clean(x) for x in
                                  (bench, figure, value, baseline, target, verdict)]))
    sys.stdout.flush()


def skip(bench, reason):
    """Print the SKIP line (the caller then exits 0)."""
    print("SKIP\t%s\t%s" % (_clean(bench), _clean(reason)))
    sys.stdout.flush()


def verdict(x, op, limit):
    """pass when the measured x meets "x op limit", else FAIL; a missing or
    non-finite measurement is a FAIL, never a pass."""
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "FAIL"
    ok = {"<": x < limit, "<=": x <= limit, ">": x > limit, ">=": x >= limit}[op]
    return "pass" if ok else "FAIL"


def ratio(x, base):
    """x / base as text ("240x"), or "n/a" when the baseline is zero."""
    if not base or base <= 0:
        return "n/a"
    r = x / base
    return "%.0fx" % r if r >= 100 else "%.1fx" % r if r >= 10 else "%.2fx" % r
