"""_GUARD_CALLER: a side trace that starts inside an inlined call may return into the
caller it was projected for (docs/performance.md, "JIT: where the time goes").

The machine-code stencil and the reference body are checked on hand-built frames and
traces; the end-to-end effect is in tests/test_perf_exits.py.
"""

import sys
import types

import pytest

CALL_OFFSET = 40          # the byte offset of the caller's CALL in these traces
RETURN_AT = 4             # the byte offset of _callee's RETURN_VALUE (3.11)


# ---- the reference body ---------------------------------------------------------------

def _frames(caller_code, caller_lasti, depth):
    caller = types.SimpleNamespace(code=caller_code, lasti=caller_lasti, back=None)
    callee = types.SimpleNamespace(code=None, lasti=0, back=caller)
    return callee, types.SimpleNamespace(depth=depth)


def _inst(expected_code, call_offset=CALL_OFFSET):
    return types.SimpleNamespace(operand=expected_code, oparg=call_offset, jump_target=7)


def test_reference_body_is_registered_with_a_side_exit():
    from cpjit import uop_interpreter as uint
    from cpjit.uops import caller_guard
    from cpjit.uops import UOPS
    d = uint.UOP_DEFS[caller_guard.GUARD_CALLER]
    assert d.flags == uint.HAS_EXIT
    assert "HAS_EXIT" in UOPS[caller_guard.GUARD_CALLER].flags
    assert d.impl is caller_guard.guard_caller


@pytest.mark.parametrize("case,expected", [
    ("same caller", None),
    ("other code", 7),
    ("other call site", 7),
    ("entry frame (no frame pushed by this run)", 7),
])
def test_reference_body(case, expected):
    from cpjit.uops.caller_guard import guard_caller
    code = test_reference_body.__code__
    callee, st = _frames(code, CALL_OFFSET, depth=1)
    inst = _inst(code)
    if case == "other code":
        inst = _inst(_frames.__code__)
    elif case == "other call site":
        inst = _inst(code, CALL_OFFSET + 2)
    elif case.startswith("entry frame"):
        st.depth = 0
    assert guard_caller(callee, inst, st) == expected


def test_reference_body_without_a_caller_exits():
    from cpjit.uops.caller_guard import guard_caller
    f = types.SimpleNamespace(code=None, lasti=0, back=None)
    assert guard_caller(f, _inst(None), types.SimpleNamespace(depth=1)) == 7


# ---- the stencil ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def stencil_table():
    from cpjit.stencil_build import load_stencils
    return load_stencils()


class _Null:
    def __repr__(self):
        return "NULL"


def _callee(x):
    return x


def _caller_code():
    """The code object the hand-built traces' entry frame runs."""
    return _run_guarded_return.__code__


def _run_guarded_return(expected_code, call_offset, arg):
    """Push a frame for ``_callee(arg)`` (saving CALL_OFFSET in the caller), then
    ``_GUARD_CALLER(call_offset, expected_code)`` and ``_RETURN_VALUE``, then a _DEOPT
    at offset 100; the guard's side exit goes to RETURN_AT.  Returns (exit record,
    entry stack, inlined frames taken at the exit)."""
    from cpjit import jit
    from cpjit.jit import UopInstruction as U
    null = _Null()
    deopt, side_exit = 7, 8
    trace = [
        U("_START_EXECUTOR"),
        U("_INIT_CALL_PY_EXACT_ARGS", 1, jump_target=deopt),
        U("_SAVE_RETURN_OFFSET", (CALL_OFFSET + 10) // 2, target=CALL_OFFSET),
        U("_PUSH_FRAME", 1),
        U("_LOAD_FAST_CHECK", 0, jump_target=deopt),
        U("_GUARD_CALLER", call_offset, operand=id(expected_code), jump_target=side_exit),
        U("_RETURN_VALUE"),
        U("_DEOPT", target=100),
        U("_EXIT_TRACE", target=RETURN_AT, exit_index=0),
    ]
    code = jit.compile_trace(trace, jit.new_executor(1, [RETURN_AT]))
    stack = [null, _callee, arg]
    try:
        record = code.run([], stack, _caller_code(), globals(),
                          __builtins__ if isinstance(__builtins__, dict)
                          else __builtins__.__dict__, null=null, stack_capacity=4)
    finally:
        code.free()
    inlined = jit.take_inlined_frames(record) if record.frame else []
    return record, stack, inlined


def test_stencil_returns_into_the_expected_caller(stencil_table):
    from cpjit import jit
    arg = object()
    refs = sys.getrefcount(arg)
    record, stack, inlined = _run_guarded_return(_caller_code(), CALL_OFFSET, arg)
    assert record.kind == jit.abi().EXIT_DEOPT and record.target == 100
    assert record.frame == 0 and inlined == []
    assert stack == [arg]
    del stack
    assert sys.getrefcount(arg) == refs


@pytest.mark.parametrize("mismatch", ["code", "call offset"])
def test_stencil_exits_in_the_callee_for_another_caller(mismatch, stencil_table):
    from cpjit import jit
    arg = object()
    refs = sys.getrefcount(arg)
    expected_code = _callee.__code__ if mismatch == "code" else _caller_code()
    call_offset = CALL_OFFSET + (2 if mismatch == "call offset" else 0)
    record, stack, inlined = _run_guarded_return(expected_code, call_offset, arg)
    assert record.kind == jit.abi().EXIT_SIDE and record.target == RETURN_AT
    assert record.index == 0
    # Left in the callee, before the return: its frame (x bound, x on its stack) is
    # handed to Python, the caller's stack is empty (the call's inputs moved).
    assert record.frame != 0 and len(inlined) == 1
    frame = inlined[0]
    assert frame.code is _callee.__code__ and frame.caller_lasti == CALL_OFFSET
    assert frame.localsplus[0] is arg and frame.stack == [arg]
    assert stack == []
    del frame, inlined
    assert sys.getrefcount(arg) == refs


def test_stencil_exits_in_the_entry_frame(stencil_table):
    """Entered from Python in the callee (previous == NULL): tier 1 does the return."""
    from cpjit import jit
    from cpjit.jit import UopInstruction as U
    null = _Null()
    trace = [U("_START_EXECUTOR"),
             U("_GUARD_CALLER", CALL_OFFSET, operand=id(_caller_code()), jump_target=3),
             U("_DEOPT", target=100),
             U("_EXIT_TRACE", target=RETURN_AT, exit_index=0)]
    code = jit.compile_trace(trace, jit.new_executor(1, [RETURN_AT]))
    stack = [7]
    try:
        record = code.run([null], stack, _callee.__code__, globals(), {}, null=null,
                          stack_capacity=2)
    finally:
        code.free()
    assert record.kind == jit.abi().EXIT_SIDE and record.target == RETURN_AT
    assert record.frame == 0 and stack == [7]
