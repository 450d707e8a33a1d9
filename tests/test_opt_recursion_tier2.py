"""Recursion counts in traces (--tier2=interp and --tier2=jit) are CPython 3.11's.

Each program prints recursion room or the depth of a RecursionError, call after call,
while a trace runs the code (back-edge threshold 1 and the default): cpjit's output must
be python's, and the stats must show that executors ran. The cases are the mechanisms of
cpjit/uop_interpreter.py: a native call's level from the site's emulated PRECALL form
(ceval.native_call_slack), frames pushed by a trace taking a level, entering a trace at
the guest's recursion limit, and operations that call Python code (dunders) at CPython's
count.
"""

import pytest

from _interp_util import ROOM_PROBE, run_program


ROOM = """
import sys
sys.setrecursionlimit(160)
""" + ROOM_PROBE + """
seen = []

def cb(*args):
    seen.append(room())
    return 0
"""

# min(key=) is never check-free in 3.11, sorted(key=) is once quickened; the calls are
# made from a function that a trace inlines (_PUSH_FRAME) and from the trace's own frame.
NATIVE_CALLS = ROOM + """
def site_min():
    for _ in range(1):
        min([1], key=cb)

def site_sorted():
    for _ in range(1):
        sorted([1], key=cb)

for site in (site_min, site_sorted):
    seen.clear()
    for i in range(40):
        site()
    print(site.__name__, [r - seen[0] for r in seen])

seen.clear()
for i in range(40):
    sorted([1], key=cb)
print("loop", [r - seen[0] for r in seen])
"""

# The deepest frame enters a trace (its loop's back edge) at the recursion limit, after a
# check-free len(): the RecursionError comes at the recursive call, as in python.
ENTRY_AT_LIMIT = """
import sys

def lowest_limit():
    depth = 1
    while True:
        try:
            sys.setrecursionlimit(depth)
        except RecursionError:
            depth += 1
        else:
            return depth

def rec(k, acc, reached):
    reached[0] = k
    for _ in ONCE:
        len(acc)
    return rec(k + 1, acc, reached)

ONCE = (0,)
old = sys.getrecursionlimit()
base = lowest_limit()
sys.setrecursionlimit(old)
for headroom in (6, 9, 12, 30, 9):
    reached = [None]
    sys.setrecursionlimit(base + headroom)
    try:
        rec(0, [], reached)
    except RecursionError as e:
        tb = e.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        line = tb.tb_lineno
    sys.setrecursionlimit(old)
    print(reached[0], line)
"""

# Dunders that operations in a trace call (the loop runs them in the trace itself).
OPERATIONS = ROOM + """
class P:
    def __lt__(self, o): return cb() != 0
    def __add__(self, o): return cb()
    def __getitem__(self, k): return cb()
    def __contains__(self, k): return cb() != 0
    def __bool__(self): return cb() == 0
    def __neg__(self): return cb()
    def __format__(self, spec): cb(); return ""
    def __iter__(self): cb(); return iter(())

class Q:
    @property
    def prop(self): return cb()

p, q = P(), Q()
OPS = {"lt": "p < 1", "add": "p + 1", "getitem": "p[1]", "contains": "1 in p",
       "bool": "if p: pass", "neg": "-p", "format": "f'{p}'", "iter": "for _ in p: pass",
       "prop": "q.prop", "list_lt": "[p] < [p]"}
for name, op in OPS.items():
    exec("def site():\\n    for _ in range(30):\\n        " + op)
    seen.clear()
    site()
    print(name, [r - seen[0] for r in seen])
"""


def _run(tmp_path, source, cpjit_args=None):
    return run_program(tmp_path, source, cpjit_args)


@pytest.mark.parametrize("engine", ["interp", "jit"])
@pytest.mark.parametrize("threshold", [1, None])
@pytest.mark.parametrize("program", ["NATIVE_CALLS", "ENTRY_AT_LIMIT", "OPERATIONS"])
def test_same_recursion_counts_as_python(tmp_path, program, threshold, engine):
    source = globals()[program]
    expected, _ = _run(tmp_path, source)
    assert expected[0] == 0 and expected[1], expected
    args = ["--tier2=" + engine] + (
        ["--backedge-threshold=%d" % threshold] if threshold else [])
    got, stats = _run(tmp_path, source, args)
    assert got == expected
    assert stats["engine"] == engine and stats["executions"] >= 1


def test_the_programs_measure_something(tmp_path):
    """The room the programs print does change (a shift by one level would show)."""
    (status, out, _), _ = _run(tmp_path, NATIVE_CALLS)
    assert status == 0
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert "1" in lines["site_sorted"] and "1" not in lines["site_min"]
