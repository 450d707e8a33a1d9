"""RecursionError under --tier2=interp comes where CPython raises it.

Each program runs under CPython and under `cpjit exec --tier2=interp` (back-edge
thresholds 1 and the default, tier 1 taking loops or every call); stdout, stderr (the
traceback with its "[Previous line repeated N more times]") and the exit status must be
identical, and the stats must show that executors ran.
"""

import pytest

from _interp_util import run_program
from test_opt_helpers import RECURSION_THROUGH_TRACED_LOOPS


def _run(tmp_path, source, cpjit_args=None, tier1="all"):
    return run_program(tmp_path, source, cpjit_args, {"CPJIT_TIER1": tier1})


def _same_as_python(tmp_path, source, threshold, tier1):
    expected, _ = _run(tmp_path, source)
    args = ["--tier2=interp"] + (["--backedge-threshold=%d" % threshold] if threshold else [])
    got, stats = _run(tmp_path, source, args, tier1)
    assert got == expected
    assert stats["engine"] == "interp" and stats["executions"] >= 1
    return expected


# Python calls from traced loops at every level of a recursion that reaches the limit
# (it used to fail three frames early, with "while calling a Python object", as the
# engine's own host calls ran out of room); shared with test_opt_jit_calls.py.
PYTHON_RECURSION = RECURSION_THROUGH_TRACED_LOOPS


@pytest.mark.parametrize("tier1", ["all", "loops"])
@pytest.mark.parametrize("threshold", [1, None])
def test_recursion_through_traced_loops(tmp_path, threshold, tier1):
    rc, out, err = _same_as_python(tmp_path, PYTHON_RECURSION, threshold, tier1)
    assert rc == 1 and "RecursionError maximum recursion depth exceeded 298" in out
    assert "[Previous line repeated 294 more times]" in err


# Guest code run natively from inside a trace (a builtin calling back, an operator
# slot): the uops give the engine's headroom back, so the limit is CPython's.
NATIVE_RECURSION = """
    import sys
    sys.setrecursionlimit(300)
    depth = 0

    def dive(n):
        global depth
        depth += 1
        t = 0
        for i in range(30):
            t = t + 1
            if i == 29:
                t += max(map(dive, [n + 1]))
        return t

    try:
        dive(0)
    except RecursionError as e:
        print("map", e, depth)

    class R:
        def __init__(self, n):
            self.n = n

        def __add__(self, o):
            return dive2(self.n + 1)

    def dive2(n):
        global depth
        depth += 1
        t = 0
        r = R(n)
        for i in range(30):
            t = t + 1
            if i == 29:
                t = r + t
        return t

    depth = 0
    try:
        dive2(0)
    except RecursionError as e:
        print("add", e, depth)
"""


@pytest.mark.parametrize("tier1", ["all", "loops"])
def test_native_recursion_from_traces(tmp_path, tier1):
    # Threshold 1 only: with the default threshold the recursion runs in tier 1, whose
    # message for the operator case differs from CPython's (not tier 2's business).
    rc, out, err = _same_as_python(tmp_path, NATIVE_RECURSION, 1, tier1)
    assert "map maximum recursion depth exceeded in comparison 150" in out
    assert "add maximum recursion depth exceeded while calling a Python object 150" in out
