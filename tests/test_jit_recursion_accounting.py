"""Machine code counts recursion as CPython 3.11 does (cpjit/uops/call_checks.py).

The programs read ``tstate->recursion_remaining`` from Python callbacks that builtins
and operations call natively, where cpjit runs nothing of its own: the count there must
be python's exactly, under the JIT and the reference uop interpreter, with the default
and the lowest thresholds. Unit tests check the projection's choice per call site.
"""


import pytest

from _interp_util import run_program

from cpjit import optimizer
from test_opt_helpers import call, first_executor, run_source, tier2, uop_names


# Absolute counts, read where CPython runs the callback natively (offsets of
# recursion_remaining / recursion_limit in 3.11's PyThreadState on 64-bit Linux).
COUNTS = """
import ctypes
_get = ctypes.pythonapi.PyThreadState_Get
_get.restype = ctypes.c_void_p
_TS = _get()
REMAINING = ctypes.c_int.from_address(_TS + 32)
LIMIT = ctypes.c_int.from_address(_TS + 36)
seen = []

def cb(*args):
    seen.append(LIMIT.value - REMAINING.value)
    return 0

class P:
    def __eq__(self, other):
        cb()
        return True
    def __len__(self):
        return cb()
    def __hash__(self):
        return cb()

p = P()
D = {}

def helper(x):
    return sorted([1], key=cb)

def helper_raising(x):
    sorted([1], key=cb)
    if x % 7 == 3:
        raise KeyError(x)
    return x

def run(kind, n):
    seen.clear()
    for i in range(n):
        if kind == "sorted_key":
            sorted([1], key=cb)
        elif kind == "min_key":
            min([1], key=cb)
        elif kind == "operator":
            p == 1
        elif kind == "len":
            len(p)
        elif kind == "inlined_callee":
            helper(i)
        elif kind == "map":
            list(map(cb, [1]))
        elif kind == "dict_get":
            D.get(p)
        elif kind == "exit_in_callee":
            try:
                helper_raising(i)
            except KeyError:
                pass
        elif kind == "callable_changes":
            (sorted if i < 150 else min)([1], key=cb)
    # the distinct counts, in the order they first appear, and the last one
    order = []
    for c in seen:
        if c not in order:
            order.append(c)
    return order, seen[-1]

for kind in ("sorted_key", "min_key", "operator", "len", "inlined_callee", "map",
             "dict_get", "exit_in_callee", "callable_changes"):
    print(kind, run(kind, 300))
cb()
print("after", seen[-1])
"""


def _run(tmp_path, source, cpjit_args=None, env_extra=None):
    return run_program(tmp_path, source, cpjit_args, env_extra)


TRACED = {"CPJIT_BACKEDGE_THRESHOLD": "1", "CPJIT_SIDE_EXIT_THRESHOLD": "1"}


@pytest.mark.parametrize("traced", [False, True], ids=["default", "traced"])
@pytest.mark.parametrize("engine", ["jit", "interp"])
def test_counts_in_native_callbacks_are_pythons(tmp_path, engine, traced):
    expected, _ = _run(tmp_path, COUNTS)
    assert expected[0] == 0, expected
    got, stats = _run(tmp_path, COUNTS, ["--tier2=" + engine], TRACED if traced else None)
    assert got == expected
    assert stats["engine"] == engine and stats["executions"] > 0


def test_the_counts_program_sees_the_differences(tmp_path):
    """The program would notice a level off: python's counts differ between kinds."""
    (status, out, _), _ = _run(tmp_path, COUNTS)
    assert status == 0
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    # sorted(key=) gets one level more once its site is specialized; min(key=) never
    assert lines["sorted_key"] != lines["min_key"]
    assert len(eval(lines["sorted_key"])[0]) == 2 and len(eval(lines["min_key"])[0]) == 1


SORTED_LOOP = """
    def key(v):
        return v
    def loop(n):
        t = 0
        for i in range(n):
            t += sorted([2, 1], key=key)[0]
        return t
"""

MIN_LOOP = """
    def key(v):
        return v
    def loop(n):
        t = 0
        for i in range(n):
            t += min([2, 1], key=key)
        return t
"""

DICT_GET_LOOP = """
    D = {1: 5}
    def loop(n):
        t = 0
        for i in range(n):
            t += D.get(1)
        return t
"""


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_check_free_builtin_call_is_guarded(engine):
    """sorted() is PRECALL_BUILTIN_FAST_WITH_KEYWORDS in 3.11: check-free, behind a guard."""
    with tier2(mode=engine):
        g = run_source(SORTED_LOOP)
        assert call(g["loop"], 200) == 200
        names = uop_names(first_executor(g["loop"]))
        assert "_GUARD_CALLABLE_IS" in names and "_CALL_CHECK_FREE" in names
        assert "_CALL" not in names


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_method_descriptor_call_is_guarded_by_descriptor(engine):
    with tier2(mode=engine):
        g = run_source(DICT_GET_LOOP)
        assert call(g["loop"], 200) == 1000
        ex = first_executor(g["loop"])
        names = uop_names(ex)
        assert "_GUARD_CALLABLE_METHOD" in names and "_CALL_CHECK_FREE" in names
        assert ex[names.index("_GUARD_CALLABLE_METHOD")][3] is dict.get


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_checking_builtin_call_stays_generic(engine):
    """min() never specializes in 3.11: the generic _CALL, which checks."""
    with tier2(mode=engine):
        g = run_source(MIN_LOOP)
        assert call(g["loop"], 200) == 200
        names = uop_names(first_executor(g["loop"]))
        assert "_CALL" in names and "_CALL_CHECK_FREE" not in names


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_guard_miss_is_a_side_exit_with_the_right_result(engine):
    with tier2(mode=engine):
        g = run_source("""
            def loop(n):
                t = 0
                f = sorted
                for i in range(n):
                    if i == 150:
                        f = list
                    t += f([2, 1])[0]
                return t
        """)
        assert call(g["loop"], 300) == 150 * 1 + 150 * 2
        stats = optimizer.get_stats()
        assert stats["side by uop"].get("_GUARD_CALLABLE_IS", 0) >= 1


def test_code_not_quickened_gets_no_trace():
    """3.11 quickens on the 8th RESUME/JUMP_BACKWARD: machine code does not count them,
    so the projection waits (back-edge threshold 1 here)."""
    with tier2(backedge=1):
        g = run_source("""
            def loop(n):
                t = 0
                for i in range(n):
                    t += i
                return t
        """)
        assert call(g["loop"], 3) == 3
        assert first_executor(g["loop"]) is None
        assert optimizer.get_stats()["code_not_quickened"] >= 1
        assert call(g["loop"], 20) == 190
        assert first_executor(g["loop"]) is not None


def test_call_form_follows_the_emulated_precall_cache():
    from cpjit.interpreter import profile
    from cpjit.uops import call_checks
    with tier2():
        g = run_source(SORTED_LOOP)
        code = g["loop"].__code__
        info = profile.get_code_info(code)
        call_index = [i for i, (op, _) in enumerate(info.instructions)
                      if profile.OPNAME[op] == "CALL"][-1]       # (the first is range())
        oparg = info.instructions[call_index][1]
        # not quickened yet: tier 1 makes the call (it may quicken the code meanwhile)
        assert call_checks.call_form(code, call_index, oparg) == ("stop", None)
        call(g["loop"], 40)
        kind, guard = call_checks.call_form(code, call_index, oparg)
        assert kind == "check_free" and guard == ("_GUARD_CALLABLE_IS", sorted)
