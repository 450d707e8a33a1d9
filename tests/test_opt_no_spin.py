"""Traces linked to each other must make progress: programs the fuzzer found spinning
in machine code (tools/fuzz_tier2.py, thresholds 3 and 2 with --tier1=all).

A side trace made where another executor's ENTER_EXECUTOR stands, with nothing before
it, was only that back edge's periodic check and an exit to its own start; the exit it
was made for found it again (side anchors) and machine code looped there forever.  Such
a trace is not made now (translate_bytecode_to_trace, the ENTER_EXECUTOR stitch).
"""

import pytest

from _interp_util import run_program

PARTIAL_AND_GLOBAL = """
import functools
M = 1000003
G1 = 3
def set_g1(v):
    global G1
    G1 = v
def f_exact(a, b):
    return a + b
def case_2(n):
    acc = 0
    part = functools.partial(f_exact, 5)
    for i in range(n):
        if i == 0:
            set_g1(i * 0.5)
        acc += G1
        acc += part(i)
        if i % 7 == 3:
            continue
        acc = acc % M
    return acc
print(case_2(100))
print(case_2(100))
"""

METHOD_DELETED = """
class Base:
    def m(self, v):
        return v + 2
class A(Base):
    def m(self, v):
        return v * 2
def loop(n):
    acc = 0
    d = {0: 1}
    o = A()
    i = -1
    while i < n - 1:
        i += 1
        if i == 95:
            del A.m
        acc += o.m(i)
        if i % 7 == 3:
            continue
        acc += d.get(i % 4, 0)
    return acc
print(loop(100))
try:
    print(loop(100))
except AttributeError as e:
    print("AttributeError", e)
"""


def _run(tmp_path, source, cpjit_args=None, env_extra=None):
    env = {"PYTHONHASHSEED": "0"}
    env.update(env_extra or {})
    return run_program(tmp_path, source, cpjit_args, env)[0]


@pytest.mark.parametrize("thresholds", [("3", "2"), ("3", "3"), ("1", "1")])
@pytest.mark.parametrize("program", ["PARTIAL_AND_GLOBAL", "METHOD_DELETED"])
def test_linked_traces_make_progress(tmp_path, program, thresholds):
    source = globals()[program]
    expected = _run(tmp_path, source)
    env = {"CPJIT_BACKEDGE_THRESHOLD": thresholds[0],
           "CPJIT_SIDE_EXIT_THRESHOLD": thresholds[1]}
    got = _run(tmp_path, source, ["--tier2=jit", "--tier1=all"], env)
    assert got == expected
