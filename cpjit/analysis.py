"""Trace analysis passes (CPython: ``Python/optimizer_analysis.c``).

Minimal for now, and switched off with ``CPJIT_UOPS_OPTIMIZE=0`` (``PYTHON_UOPS_OPTIMIZE``):

- ``remove_redundant_to_bool``: ``_TO_BOOL`` after a uop whose result is an exact bool
  (int/float/str comparisons, ``is``, ``in``, ``not``) is dropped.
- ``remove_unneeded_local_checks``: ``_LOAD_FAST_CHECK`` becomes ``_LOAD_FAST`` for
  arguments and locals stored earlier in the trace (never deleted in the code).
- ``remove_unneeded_set_ip``: ``_CHECK_VALIDITY_AND_SET_IP`` before an instruction whose
  uops can neither exit, deopt nor raise, nor escape into arbitrary code, becomes a NOP
  when nothing since the previous check could have invalidated the executor
  (CPython's ``remove_unneeded_uops``).

Type propagation (``optimizer_bytecodes.c``), constant folding and dead-code
elimination are not written yet.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

# Uops whose output is an exact bool.
_BOOL_PRODUCERS = frozenset(["_COMPARE_OP_INT", "_COMPARE_OP_FLOAT", "_COMPARE_OP_STR",
                             "_IS_OP", "_CONTAINS_OP", "_UNARY_NOT", "_TO_BOOL",
                             "_CALL_ISINSTANCE"])

# Uops that cannot run arbitrary Python code (no escapes): nothing they do can
# invalidate an executor.
_NO_ESCAPE = frozenset([
    "_NOP", "_LOAD_FAST", "_LOAD_FAST_CHECK", "_STORE_FAST", "_LOAD_CONST", "_LOAD_CONST_INLINE", "_PUSH_NULL",
    "_COPY", "_SWAP", "_GUARD_BOTH_INT", "_GUARD_BOTH_FLOAT", "_GUARD_TOS_INT",
    "_BINARY_OP_ADD_INT", "_BINARY_OP_SUBTRACT_INT", "_BINARY_OP_MULTIPLY_INT",
    "_BINARY_OP_ADD_FLOAT", "_BINARY_OP_SUBTRACT_FLOAT", "_BINARY_OP_MULTIPLY_FLOAT",
    "_COMPARE_OP_INT", "_COMPARE_OP_FLOAT", "_GUARD_IS_TRUE_POP", "_GUARD_IS_FALSE_POP",
    "_GUARD_IS_NONE_POP", "_GUARD_IS_NOT_NONE_POP", "_ITER_CHECK_RANGE",
    "_GUARD_NOT_EXHAUSTED_RANGE", "_ITER_NEXT_RANGE", "_IS_OP", "_TO_BOOL_BOOL",
    "_BUILD_TUPLE", "_BUILD_LIST", "_LIST_APPEND",
])

def analyze_and_optimize(frame, buffer, dependencies):
    """``_Py_uop_analyze_and_optimize``: run the passes in order; returns the buffer."""
    remove_redundant_to_bool(buffer)
    remove_unneeded_local_checks(frame, buffer)
    remove_unneeded_set_ip(buffer)
    return buffer


def _nop(inst):
    inst.name = "_NOP"
    inst.oparg = 0
    inst.operand = 0


def remove_redundant_to_bool(buffer):
    """Drop ``_TO_BOOL`` whose input is already an exact bool."""
    previous = None
    for inst in buffer:
        if inst.name == "_CHECK_VALIDITY_AND_SET_IP":
            continue
        if inst.name == "_TO_BOOL" and previous in _BOOL_PRODUCERS:
            _nop(inst)
            continue
        if inst.name != "_NOP":
            previous = inst.name


def remove_unneeded_local_checks(frame, buffer):
    """``_LOAD_FAST_CHECK`` -> ``_LOAD_FAST`` where the local is surely bound.

    In the trace's own frame (before any ``_PUSH_FRAME``), a local is bound when it is
    an argument or was stored earlier in the trace, and the code never deletes it.
    """
    code = frame.code
    deleted = _deleted_locals(code)
    nargs = code.co_argcount + code.co_kwonlyargcount
    nargs += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
    bound = set(i for i in range(nargs) if i not in deleted and i not in _cells(code))
    for inst in buffer:
        name = inst.name
        if name == "_PUSH_FRAME":
            break
        if name == "_STORE_FAST" and inst.oparg not in deleted:
            bound.add(inst.oparg)
        elif name == "_LOAD_FAST_CHECK" and inst.oparg in bound:
            inst.name = "_LOAD_FAST"


def _deleted_locals(code):
    import dis
    return set(i.arg for i in dis.get_instructions(code) if i.opname == "DELETE_FAST")


def _cells(code):
    """Argument slots that MAKE_CELL turns into cells (LOAD_FAST never reads them)."""
    return set(i for i, name in enumerate(code.co_varnames) if name in code.co_cellvars)


def remove_unneeded_set_ip(buffer):
    """``remove_unneeded_uops``: keep a validity check only where it can matter.

    A check is needed before the first instruction, after anything that may run
    arbitrary code (which may invalidate the executor), and before any uop that can
    leave the trace (the exit needs the check's ``target``, which our stubs carry
    themselves, but a deopt after an invalidation must happen before side effects).
    """
    may_be_invalid = True
    for inst in buffer:
        name = inst.name
        if name == "_CHECK_VALIDITY_AND_SET_IP":
            if not may_be_invalid:
                _nop(inst)
            else:
                may_be_invalid = False
            continue
        if name in ("_START_EXECUTOR", "_NOP"):
            continue
        if name not in _NO_ESCAPE:
            may_be_invalid = True
    # The first check (index 1, where _JUMP_TO_TOP lands) always stays.
    return buffer
