"""Python calls inlined in machine code (_PUSH_FRAME & co.) under --tier2=jit.

Each program runs under CPython and under `cpjit exec --tier2=jit` (back-edge
thresholds 1 and the default); stdout, stderr (tracebacks) and the exit status must
be identical, and the stats must show the calls ran inlined in machine code.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from cpjit import optimizer
from test_opt_helpers import RECURSION_THROUGH_TRACED_LOOPS as RECURSION, tier2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module", autouse=True)
def _jit_available():
    with tier2(mode="jit"):
        if optimizer._state.engine.name != "jit":
            pytest.skip("no stencil table: the JIT is not available here")


def _run(tmp_path, source, *cpjit_args, tier1="all"):
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("CPJIT_STATS", None)
    # Tier 1 takes every call (not just loops), so nested callees are profiled and
    # the projection inlines them too.
    env["CPJIT_TIER1"] = tier1
    if cpjit_args:
        stats = tmp_path / "stats.json"
        env["CPJIT_STATS_FILE"] = str(stats)
        argv = [sys.executable, "-m", "cpjit", "exec", "--stats=json", *cpjit_args, str(path)]
    else:
        argv = [sys.executable, str(path)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    result = (proc.returncode, proc.stdout, proc.stderr)
    if not cpjit_args:
        return result, None
    return result, json.loads(stats.read_text())["cpjit_stats"]["optimizer"]


def _same_as_python(tmp_path, source, threshold, tier1="all"):
    expected, _ = _run(tmp_path, source)
    args = ["--tier2=jit"] + (["--backedge-threshold=%d" % threshold] if threshold else [])
    got, stats = _run(tmp_path, source, *args, tier1=tier1)
    assert got == expected
    assert stats["engine"] == "jit" and stats["jit_compiled"] >= 1
    return stats


HOT_CALLS = """
    def add(a, b):
        c = a + b
        return c

    def twice(x):
        return add(x, x) + 1

    def run(n):
        total = 0
        for i in range(n):
            total = add(total, i)
            total = total + twice(i)
        return total

    print(run(3000))
"""


@pytest.mark.parametrize("threshold", [1, None])
def test_hot_calls_run_inlined_in_machine_code(tmp_path, threshold):
    stats = _same_as_python(tmp_path, HOT_CALLS, threshold)
    # No exit per iteration: the calls (two levels deep) stay in machine code.  (With
    # threshold 1 a few hundred exits at most happen while the callees warm up: traces
    # only run code 3.11 would have quickened, so tier 1 runs their first calls.)
    exits = sum(stats["exits"].values())
    assert exits < 300, stats["exits"]
    assert stats["jit_fallbacks"] == {}
    assert not any(k.startswith("no_stencil _") and "FRAME" in k for k in stats)
    # Estimated from counters: ~3000 iterations of a loop body of 100+ uops.
    assert stats["uops_jit"] > 3000 * 50
    assert stats["uops_machine_code_share"] > 0.9


def test_hot_calls_with_loops_only_tier1(tmp_path):
    # Tier 1 runs only loops: `twice`'s own call is never profiled; the projection
    # resolves the global it calls (`add`), so it is inlined too.
    stats = _same_as_python(tmp_path, HOT_CALLS, None, tier1="loops")
    assert stats["unprofiled_call_resolved"] >= 1
    assert stats["exits"]["deopt"] == 0


HOT_CALLS_THROUGH_A_LOCAL = HOT_CALLS.replace(
    "return add(x, x) + 1", "op = add\n        return op(x, x) + 1")
HOT_CALLS_READING_LOCALS = HOT_CALLS.replace(
    "return add(x, x) + 1", "return add(x, x) + len(vars())")


def test_call_through_a_local_runs_in_machine_code(tmp_path):
    # `twice` calls through a local: unprofiled and not resolvable, so not inlined; the
    # generic _CALL calls the Python function natively, as tier 1 would, no deopt.
    assert "op(x, x)" in HOT_CALLS_THROUGH_A_LOCAL
    stats = _same_as_python(tmp_path, HOT_CALLS_THROUGH_A_LOCAL, None, tier1="loops")
    assert stats["exits"]["deopt"] == 0


def test_deopt_two_frames_deep(tmp_path):
    # `twice` calls vars(), which reads its caller's frame: the _CALL inside the
    # inlined `twice` deopts there (an exit two frames deep), every iteration.
    stats = _same_as_python(tmp_path, HOT_CALLS_READING_LOCALS, None, tier1="loops")
    assert stats["exits"]["deopt"] >= 1


CALLEE_RAISES = """
    def div(a, b):
        return a // b

    def middle(x):
        return div(100, x - 1500) + 1

    def run():
        t = 0
        for i in range(3000):
            t += middle(i)
        return t

    print(run())
"""


@pytest.mark.parametrize("threshold", [1, None])
def test_exception_in_inlined_callee_has_cpythons_traceback(tmp_path, threshold):
    stats = _same_as_python(tmp_path, CALLEE_RAISES, threshold)
    assert stats["exits"]["error"] >= 1


CAUGHT_IN_CALLER = """
    def check(x):
        if x % 7 == 3:
            raise ValueError("bad %d" % x)
        return x

    out = []
    for i in range(500):
        try:
            out.append(check(i))
        except ValueError as e:
            out.append(str(e))
    print(len(out), out[:12], out[-3:])
"""


def test_exception_in_callee_caught_by_the_loop(tmp_path):
    _same_as_python(tmp_path, CAUGHT_IN_CALLER, 1)


SIDE_EXIT_IN_CALLEE = """
    def pick(x):
        if x < 700:
            return x * 2
        return x - 1

    def run():
        t = 0
        for i in range(2000):
            t += pick(i)
        return t

    print(run())
"""


@pytest.mark.parametrize("threshold", [1, None])
def test_side_exit_inside_callee_resumes(tmp_path, threshold):
    stats = _same_as_python(tmp_path, SIDE_EXIT_IN_CALLEE, threshold)
    assert stats["exits"]["side"] + stats["exits"]["deopt"] >= 1


@pytest.mark.parametrize("threshold", [1, None])
def test_recursion_through_traced_loops(tmp_path, threshold):
    _same_as_python(tmp_path, RECURSION, threshold)


METHOD_CALLS = """
    class Point:
        def __init__(self, x):
            self.x = x
        def scaled(self, k):
            return self.x * k

    p = Point(3)
    total = 0
    for i in range(1000):
        total += p.scaled(i)
    print(total)
"""


def test_method_calls_in_hot_loop(tmp_path):
    _same_as_python(tmp_path, METHOD_CALLS, 1)


CLOSURES_AND_CELLS = """
    def make(k):
        def inner(x):
            return x * k
        return inner

    f = make(3)

    def cells(x):
        y = x + 1
        g = lambda: y * 2        # a new function per call: a generic _CALL, deopts
        return g()

    t = 0
    for i in range(2000):
        t += f(i) + cells(i)
        if i == 1500:
            try:
                f(None)
            except TypeError as e:
                print(e)
    print(t)
"""


@pytest.mark.parametrize("threshold", [1, None])
def test_closure_and_cell_callees(tmp_path, threshold):
    # inner's free variable (_COPY_FREE_VARS reads the inlined frame's f_func) and
    # cells' cell (_MAKE_CELL) in frames made by machine code.
    _same_as_python(tmp_path, CLOSURES_AND_CELLS, threshold)
