"""The tier-2 uop stencils (stencils/uops/tier2_*.c) run real programs as machine code.

Each program exercises one family of uops in a hot loop.  It runs under
``cpjit exec --tier2=jit`` with thresholds of 1 (everything is traced) and must print
exactly what ``python`` prints; the optimized traces (``CPJIT_LLTRACE=2``) must contain
the family's uops, and the stats must show every executor compiled to machine code
(no fallback to the reference interpreter) and entered.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

PROGRAMS = {
    "iteration": ("""
        def f(xs, t):
            total = 0
            for x in xs:
                total += x
            for y in t:
                total += y
            for c in "abc" * 20:
                total += len(c)
            return total
        print(f(list(range(100)), tuple(range(50))))
        """, ["_FOR_ITER_TIER_TWO", "_GET_ITER"]),
    "globals_and_attributes": ("""
        SCALE = 3
        class Point:
            def __init__(self, x):
                self.x = x
        def f(n):
            p = Point(0)
            for i in range(n):
                p.x = p.x + i * SCALE
                p.tmp = i
                del p.tmp
            return p.x
        class Dynamic:
            def __getattr__(self, name):      # not a generic getattro: stays generic
                return 1
        def g(n):
            d = Dynamic()
            for i in range(n):
                d.y = d.x + i
            return d.y
        print(f(100), g(100))
        """, ["_LOAD_GLOBAL_MODULE", "_GUARD_TYPE_VERSION", "_LOAD_ATTR_INSTANCE_VALUE",
              "_STORE_ATTR_INSTANCE_VALUE", "_LOAD_ATTR", "_STORE_ATTR", "_DELETE_ATTR"]),
    "module_level_names": ("""
        total = 0
        for i in range(100):
            total = total + i
        print(total, i)
        """, ["_LOAD_NAME", "_STORE_NAME"]),
    "subscripts": ("""
        def f(n):
            xs = [0] * 10
            t = tuple(range(10))
            d = {}
            for i in range(n):
                xs[i % 10] = xs[i % 10] + t[-1 - i % 10]
                d[i % 5] = d.get(i % 5, 0) + xs[i % 10]
                k = d[i % 5] + len("abc"[i % 3])
                del xs[0]
                xs.append(k)
            return xs, sorted(d.items())
        print(f(100))
        """, ["_BINARY_SUBSCR", "_DELETE_SUBSCR", "_GUARD_NOS_LIST", "_GUARD_NOS_TUPLE",
              "_GUARD_NOS_DICT", "_BINARY_SUBSCR_LIST_INT", "_BINARY_SUBSCR_TUPLE_INT",
              "_BINARY_SUBSCR_DICT", "_STORE_SUBSCR_LIST_INT", "_STORE_SUBSCR_DICT"]),
    "operators": ("""
        def f(n):
            acc = []
            d = {1: 2}
            for i in range(n):
                acc.append((-i, +i, ~i, not i, i in d, i not in d, i is None,
                            i is not None, "a" + str(i), "b" < "a" + str(i)))
            return acc[-1], len(acc)
        print(f(100))
        """, ["_UNARY_NEGATIVE", "_UNARY_INVERT", "_UNARY_NOT", "_CONTAINS_OP", "_IS_OP"]),
    "builders": ("""
        def f(n):
            out = None
            xs = [1, 2, 3]
            for i in range(n):
                out = ([i, 2], (i, 3), {i, 4}, {"k": i, i: 5}, {"a": 1, "b": i},
                       f"{i}-{i!r:>5}", xs[1:i], xs[::2], [j * 2 for j in xs])
            return out
        print(f(100))
        """, ["_BUILD_LIST", "_BUILD_TUPLE", "_BUILD_SET", "_BUILD_MAP",
              "_BUILD_CONST_KEY_MAP", "_BUILD_STRING", "_FORMAT_VALUE", "_BUILD_SLICE"]),
    "unpacking": ("""
        def f(pairs):
            total = 0
            for p in pairs:
                a, b = p
                c, d, e = [a, b, a]
                g, *h = (a, b, c)
                s, t = "xy"
                total += a + b + c + d + e + g + len(h) + len(s + t)
            return total
        print(f([(i, i + 1) for i in range(100)]))
        """, ["_UNPACK_SEQUENCE", "_UNPACK_EX", "_GUARD_TOS_TUPLE_LEN",
              "_UNPACK_SEQUENCE_TWO_TUPLE", "_GUARD_TOS_LIST_LEN", "_UNPACK_SEQUENCE_LIST"]),
    "cells": ("""
        def f(n):
            c = 0
            def get():
                return c
            for i in range(n):
                c = c + i
            return get()
        print(f(100))
        """, ["_LOAD_DEREF", "_STORE_DEREF"]),
    "calls": ("""
        def f(n):
            out = []
            for i in range(n):
                out.append(len(out) + abs(-i) + max(i, 2))
                out.append(isinstance(i, int))
                out.append(sorted([3, 1, i], reverse=True))
                out.append(str(i).zfill(4))
            return out[-8:]
        print(f(100))
        """, ["_CALL", "_PRECALL", "_KW_NAMES", "_LOAD_METHOD", "_GUARD_CALLABLE_LEN",
              "_CALL_LEN", "_GUARD_CALLABLE_ISINSTANCE", "_CALL_ISINSTANCE"]),
    "errors": ("""
        def f(xs):
            t = 0
            for x in xs:
                try:
                    t += 10 // x
                except ZeroDivisionError as e:
                    print("caught", e)
                try:
                    a, b = x, {}[x]
                except KeyError as e:
                    print("missing", e)
            return t
        print(f([1, 2, 0, 3] * 10))
        def g(n):
            for i in range(n):
                if i == n - 1:
                    print(undefined_name)
        g(50)
        """, ["_BINARY_OP", "_BINARY_SUBSCR_DICT", "_LOAD_GLOBAL"]),
}

TRACE_EVERYTHING = {"CPJIT_BACKEDGE_THRESHOLD": "1", "CPJIT_SIDE_EXIT_THRESHOLD": "1"}


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPJIT_")}
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra)
    return env


def _run(argv, cwd, env):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=120)
    return proc.stdout, proc.stderr, proc.returncode


@pytest.fixture(scope="module")
def stencil_table():
    """Build the table once up front, so the runs below do not race to build it."""
    from cpjit.stencil_build import load_stencils
    return load_stencils()


@pytest.mark.parametrize("family", sorted(PROGRAMS))
def test_family_runs_as_machine_code(family, stencil_table, tmp_path):
    source, uops = PROGRAMS[family]
    program = tmp_path / ("%s.py" % family)
    program.write_text(textwrap.dedent(source))
    for uop in uops:
        assert uop in stencil_table.stencils, uop
    expected = _run([sys.executable, str(program)], tmp_path, _env())
    stats_file = tmp_path / "stats.json"
    jit = [sys.executable, "-m", "cpjit", "exec", "--tier2=jit", "--tier1=all", str(program)]
    got = _run(jit, tmp_path, _env(CPJIT_STATS_FILE=str(stats_file), **TRACE_EVERYTHING))
    assert got == expected
    stats = json.loads(stats_file.read_text())
    stats = stats.get("cpjit_stats", stats)["optimizer"]
    assert stats["executors_created"] > 0
    assert stats["jit_compiled"] == stats["executors_created"], stats["jit_fallbacks"]
    assert stats["jit_entries"] > 0 and stats["executions"] > 0
    # The family's uops are in the traces that were compiled (LLTRACE=2 prints them).
    traced = _run(jit, tmp_path, _env(CPJIT_LLTRACE="2", **TRACE_EVERYTHING))
    assert traced[0] == expected[0]
    optimized = set(re.findall(r"OPTIMIZED: (_[A-Z0-9_]+)", traced[1].decode()))
    missing = [u for u in uops if u not in optimized]
    assert not missing, "uops never traced: %s" % missing


# ---- hand-built traces: uops the projection does not reach from a program today ----

class _Null:
    def __repr__(self):
        return "NULL"


def _run_trace(uops, stack, stack_capacity=8, localsplus=None, func=None):
    """Stitch ``uops`` (then a _DEOPT at offset 100 and an _EXIT_TRACE at 50) and run
    them once on ``stack`` (and ``localsplus``); returns the exit record."""
    from cpjit import jit
    from cpjit.jit import UopInstruction as U
    null = _Null()
    stack[:] = [null if item is None and i == 0 else item for i, item in enumerate(stack)]
    body = [U("_START_EXECUTOR")] + [U(name, oparg, jump_target=len(uops) + 2)
                                     for name, oparg in uops]
    trace = body + [U("_DEOPT", target=100), U("_EXIT_TRACE", target=50, exit_index=0)]
    code = jit.compile_trace(trace, jit.new_executor(1, [50]))
    try:
        if localsplus is not None:
            localsplus[:] = [null if v is None else v for v in localsplus]
        record = code.run([] if localsplus is None else localsplus, stack,
                          _run_trace.__code__, globals(), __builtins__ if
                          isinstance(__builtins__, dict) else __builtins__.__dict__,
                          func=func, null=null, stack_capacity=stack_capacity)
    finally:
        code.free()
    return record, null


@pytest.mark.parametrize("method_form", [False, True])
def test_list_append_stencils(method_form, stencil_table):
    from cpjit import jit
    target = [1]
    arg = object()
    refs = sys.getrefcount(arg)
    # 3.11 LOAD_METHOD leaves (list.append descriptor, list); LOAD_ATTR + PUSH_NULL
    # leaves (NULL, bound method).
    stack = [list.append, target, arg] if method_form else [None, target.append, arg]
    record, _ = _run_trace([("_GUARD_CALLABLE_LIST_APPEND", 1), ("_CALL_LIST_APPEND", 1)],
                           stack)
    assert record.kind == jit.abi().EXIT_DEOPT and record.target == 100
    assert stack == [None] and target == [1, arg]
    target.pop()
    assert sys.getrefcount(arg) == refs


def test_list_append_guard_exits_for_other_callables(stencil_table):
    from cpjit import jit
    d = {}
    stack = [None, d.get, 1]
    record, null = _run_trace([("_GUARD_CALLABLE_LIST_APPEND", 1), ("_CALL_LIST_APPEND", 1)],
                              stack)
    assert record.kind == jit.abi().EXIT_SIDE and record.target == 50
    assert stack == [null, d.get, 1]


def test_make_cell_and_copy_free_vars(stencil_table):
    """The prologue uops of an inlined callee: cells for locals, closure cells copied."""
    import types
    from cpjit import jit

    def outer():
        a = b = 1

        def inner():
            return a + b
        return inner
    inner = outer()
    value = object()
    localsplus = [value, None, None, None]
    record, null = _run_trace([("_MAKE_CELL", 0), ("_MAKE_CELL", 1), ("_COPY_FREE_VARS", 2)],
                              [], localsplus=localsplus, func=inner)
    assert record.kind == jit.abi().EXIT_DEOPT
    assert type(localsplus[0]) is types.CellType and localsplus[0].cell_contents is value
    assert type(localsplus[1]) is types.CellType and localsplus[1] == types.CellType()
    assert localsplus[2:] == list(inner.__closure__)


# ---- exceptions raised by machine code: CPython's exact traceback ----

ERROR_PROGRAM = """
class O:
    def __init__(self, v):
        self.valu = v
def f(n):
    lst = list(range(n))
    d = {k: k for k in range(n - 1)}
    objs = [O(k) for k in range(n - 1)] + [object()]
    seqs = [(1, 2)] * (n - 1) + [(1, 2, 3)]
    items = ["ab"] * (n - 1) + [5]
    for i in range(n):
        %s
f(60)
"""


@pytest.mark.parametrize("statement", [
    "y = lst[i + 1]", "y = d[i]", "y = objs[i].valu", "a, b = seqs[i]",
    "y = len(items[i])", "y = items[i] + 'x'"])
def test_uncaught_error_in_machine_code(statement, stencil_table, tmp_path):
    program = tmp_path / "err.py"
    program.write_text(ERROR_PROGRAM % statement)
    expected = _run([sys.executable, str(program)], tmp_path, _env())
    assert expected[2] == 1 and b"Traceback" in expected[1]
    stats_file = tmp_path / "stats.json"
    jit = [sys.executable, "-m", "cpjit", "exec", "--tier2=jit", "--tier1=all", str(program)]
    got = _run(jit, tmp_path, _env(CPJIT_STATS_FILE=str(stats_file), **TRACE_EVERYTHING))
    assert got == expected
    stats = json.loads(stats_file.read_text())
    stats = stats.get("cpjit_stats", stats)["optimizer"]
    assert stats["exits"]["error"] >= 1      # raised by a stencil, not by tier 1
