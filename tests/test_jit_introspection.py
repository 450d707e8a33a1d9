"""Introspection of a frame whose locals are in machine code (cpjit.jit.live_frame).

While a trace runs, the trampoline has moved the entry frame's references into a C
frame (stencils/cpjit_abi.h): the tier-1 lists hold only the NULL sentinel.  A Python
callback that a builtin calls from the trace (map(f, ...), a key= function, a dunder
of an operand) and reads its caller's frame must still see the live values, as in
CPython.  Two levels: hand-built traces entered directly (the state bookkeeping), and
whole programs under `cpjit exec --tier2=jit` compared with python.
"""

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from cpjit import jit
from test_jit_integration import (  # noqa: F401  (fixtures)
    NULL, abi, enter, floor_code, floor_summing, table,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Frame:
    """The part of a tier-1 Frame live_frame looks at: its localsplus list."""

    def __init__(self, localsplus):
        self.localsplus = localsplus


def _run_floor(floor_code, abi, n, divisor, localsplus=None):
    jit_code, ops = floor_code
    localsplus = [n, 0, divisor, NULL] if localsplus is None else localsplus
    stack = [iter(range(n))]
    record = enter(jit_code, floor_summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    assert record.exception is None, record.exception
    return localsplus, record


def test_callback_sees_the_values_of_the_current_iteration(floor_code, abi, monkeypatch):
    monkeypatch.setattr(jit, "_default_null", lambda: NULL)
    seen = []

    class Divisor:
        def __rfloordiv__(self, other):
            # the trace is inside _BINARY_OP: i is this iteration's, total the sum so far
            seen.append((other, list(frame.localsplus), jit.live_frame(frame)))
            return other

    localsplus = [30, 0, Divisor(), NULL]
    frame = _Frame(localsplus)
    assert jit.live_frame(frame) is None
    _, record = _run_floor(floor_code, abi, 30, localsplus[2], localsplus)
    jit_code, ops = floor_code
    assert len(seen) == 30
    total = 0
    for i, (other, listed, live) in enumerate(seen):
        assert other == i
        assert listed == [NULL] * 4          # the references are in the C frame
        values, lasti = live
        assert values == [30, total, localsplus[2], i]
        assert lasti == ops["FOR_ITER"][0]   # no _SET_IP in this hand-built trace
        total += i
    # after the exit the tier-1 lists are the truth again
    assert jit.live_frame(frame) is None and localsplus[1] == total == sum(range(30))
    assert not jit._ACTIVE


def test_unbound_slot_reads_as_null(floor_code, abi, monkeypatch):
    monkeypatch.setattr(jit, "_default_null", lambda: NULL)
    seen = []

    class Divisor:
        def __rfloordiv__(self, other):
            seen.append(jit.live_slots(frame))
            return 0

    localsplus = [1, 0, Divisor(), NULL]
    frame = _Frame(localsplus)
    # a frame whose lists merely look like another's is not confused with it
    other = _Frame([1, 0, localsplus[2], NULL])
    _run_floor(floor_code, abi, 1, localsplus[2], localsplus)
    assert seen == [[1, 0, localsplus[2], 0]]
    assert jit.live_slots(other) is None


def test_nested_entries_each_find_their_own_frame(floor_code, abi, monkeypatch):
    """A callback of the outer trace enters the trace again (as tier 1 would for a
    callee's loop): both frames are live at once, each read from its own C frame."""
    monkeypatch.setattr(jit, "_default_null", lambda: NULL)
    inner_seen = []

    class Inner:
        def __rfloordiv__(self, other):
            inner_seen.append((jit.live_slots(outer_frame), jit.live_slots(inner_frame)))
            return 1

    class Outer:
        def __rfloordiv__(self, other):
            if other == 2:
                _run_floor(floor_code, abi, 3, inner_frame.localsplus[2],
                           inner_frame.localsplus)
            return 10

    outer_frame = _Frame([4, 0, Outer(), NULL])
    inner_frame = _Frame([3, 0, Inner(), NULL])
    outer_values, _ = _run_floor(floor_code, abi, 4, outer_frame.localsplus[2],
                                 outer_frame.localsplus)
    assert outer_values[1] == 40 and inner_frame.localsplus[1] == 3
    outer_div, inner_div = outer_frame.localsplus[2], inner_frame.localsplus[2]
    assert inner_seen == [([4, 20, outer_div, 2], [3, k, inner_div, k]) for k in range(3)]
    assert not jit._ACTIVE


def test_entries_of_two_threads_finishing_out_of_order(floor_code, abi, monkeypatch):
    """Thread A's callback lets thread B enter machine code, and A's entry ends while B
    is still inside: B's frame must stay findable (the entry path removes its own state,
    not whichever is last)."""
    monkeypatch.setattr(jit, "_default_null", lambda: NULL)
    b_inside, a_done, b_may_finish = (threading.Event() for _ in range(3))
    b_frame = _Frame(None)
    seen = []

    class BDivisor:
        def __rfloordiv__(self, other):
            if other == 1:
                b_inside.set()
                b_may_finish.wait(30)
            return 0

    class ADivisor:
        def __rfloordiv__(self, other):
            if other == 0:
                thread.start()
                assert b_inside.wait(30)
            return 0

    def run_b():
        _run_floor(floor_code, abi, 3, b_frame.localsplus[2], b_frame.localsplus)

    b_frame.localsplus = [3, 0, BDivisor(), NULL]
    thread = threading.Thread(target=run_b)
    a_frame = _Frame([2, 0, ADivisor(), NULL])
    _run_floor(floor_code, abi, 2, a_frame.localsplus[2], a_frame.localsplus)
    try:
        seen.append((jit.live_slots(a_frame), jit.live_slots(b_frame)))
    finally:
        b_may_finish.set()
        thread.join(30)
    assert seen == [(None, [3, 0, b_frame.localsplus[2], 1])]
    assert not jit._ACTIVE


PROGRAM = """
import os
import sys

SEEN = []
IN_MACHINE_CODE = []


def _in_machine_code():
    jit = sys.modules.get("cpjit.jit")
    return bool(jit is not None and jit._ACTIVE)


def probe(tag):
    # Called by map() on every iteration (so that it is on the trace); records some.
    f = sys._getframe(1)
    if f.f_locals["i"] % 40 in (0, 7):
        IN_MACHINE_CODE.append(_in_machine_code())
        shown = {k: (v if type(v) in (int, str) else type(v).__name__)
                 for k, v in f.f_locals.items()}
        SEEN.append((tag, f.f_code.co_name, f.f_lineno, sorted(shown.items())))
    return tag


def plain_loop(n):
    total = 0
    out = []
    for i in range(n):
        total += i
        out.extend(map(probe, ["after add"]))
        total *= 3
        out.extend(map(probe, ["after mul"]))
        total //= 3
    del out
    return total


def with_cell(n):
    cell = -1
    def read():
        return cell
    out = []
    for i in range(n):
        cell = i * 2
        out.extend(map(probe, ["cell"]))
    return read()


def kept_frame(n):
    frames = []
    x = 0
    for i in range(n):
        x = i + 1
        frames.extend(map(lambda _: sys._getframe(1), [0]))
        if len(frames) > 1:
            del frames[0]
        if i == n // 2:
            kept = frames[0]
            during = kept.f_locals["x"]
    # the frame read again after the loop: the values at the end, as in python
    after = {k: v for k, v in kept.f_locals.items() if type(v) is int}
    return during, sorted(after.items()), sorted(locals())


print(plain_loop(300))
print(with_cell(300))
for row in SEEN:
    print(row)
print(kept_frame(300))
with open(os.environ["CPJIT_TEST_LOG"], "w") as log:
    print(sum(IN_MACHINE_CODE), len(IN_MACHINE_CODE), file=log)
"""


INLINED_PROGRAM = """
import os
import sys

IN_MACHINE_CODE = []


def probe(x):
    # The caller chain as python shows it: the inlined callees (C frames only, in
    # machine code) included, each with its current locals and line.
    jit = sys.modules.get("cpjit.jit")
    IN_MACHINE_CODE.append(bool(jit is not None and jit._ACTIVE))
    f = sys._getframe(1)
    chain = []
    while f is not None and f.f_code.co_name != "<module>":
        shown = {k: (v if type(v) is int else type(v).__name__) for k, v in f.f_locals.items()}
        chain.append((f.f_code.co_name, f.f_lineno, sorted(shown.items())))
        f = f.f_back
    return chain


def inner(a, b):
    c = a * b
    out = []
    out.extend(map(probe, [c]))
    return out[0]


def helper(i):
    k = i + 1
    return inner(i, k)


def loop():
    r = []
    t = 0
    for i in range(300):
        t += i
        r.append(helper(i))
    return r


for row in loop()[::37]:
    print(row)
with open(os.environ["CPJIT_TEST_LOG"], "w") as log:
    print(sum(IN_MACHINE_CODE), len(IN_MACHINE_CODE), file=log)
"""


def _run(tmp_path, *cpjit_args, program=PROGRAM, tier1="loops"):
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(program))
    log = tmp_path / "log.txt"
    env = dict(os.environ, PYTHONPATH=ROOT, CPJIT_TEST_LOG=str(log), CPJIT_TIER1=tier1)
    argv = [sys.executable] + (["-m", "cpjit", "exec", *cpjit_args] if cpjit_args else [])
    proc = subprocess.run(argv + [str(path)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    in_machine_code, probes = map(int, log.read_text().split())
    return (proc.returncode, proc.stdout, proc.stderr), in_machine_code, probes


def test_program_reading_its_callers_frame_matches_python(tmp_path, table):
    expected, _, probes = _run(tmp_path)
    assert expected[0] == 0 and probes == 48
    got, in_machine_code, _ = _run(tmp_path, "--tier2=jit", "--backedge-threshold=16")
    assert got == expected
    # most probes ran while the loop was machine code (the first iterations are tier 1's)
    assert in_machine_code >= probes // 2


def test_frames_inlined_in_machine_code_are_seen_by_a_callback(tmp_path, table):
    """The callee's callee calls map(probe): python's caller chain is inner -> helper ->
    loop; in machine code inner and helper are inlined (C frames pushed by _PUSH_FRAME)
    and must still appear, with their live locals and lines.  (Not f_lasti: tier 1
    reports a caller's CALL offset where CPython 3.11 reports its last cache entry.)"""
    expected, _, probes = _run(tmp_path, program=INLINED_PROGRAM)
    assert expected[0] == 0 and probes == 300
    # tier 1 takes every call, so the callees are profiled and the trace inlines them
    got, in_machine_code, _ = _run(tmp_path, "--tier2=jit", "--backedge-threshold=16",
                                   program=INLINED_PROGRAM, tier1="all")
    assert got == expected
    assert in_machine_code >= probes // 2
