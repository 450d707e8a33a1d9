"""Trace analysis passes (CPython: ``Python/optimizer_analysis.c``).

Minimal for now, and switched off with ``CPJIT_UOPS_OPTIMIZE=0`` (``PYTHON_UOPS_OPTIMIZE``):

- ``remove_redundant_to_bool``: ``_TO_BOOL`` after a uop whose result is an exact bool
  (int/float/str comparisons, ``is``, ``in``, ``not``) is dropped.
- ``remove_unneeded_set_ip``: ``_CHECK_VALIDITY_AND_SET_IP`` before an instruction whose
  uops can neither exit, deopt nor raise, nor escape into arbitrary code, becomes a NOP
  when nothing since the previous check could have invalidated the executor
  (CPython's ``remove_unneeded_uops``).

Type propagation (``optimizer_bytecodes.c``), constant folding and dead-code
elimination are not written yet.
"""

# Uops whose output is an exact bool.
_BOOL_PRODUCERS = frozenset(["_COMPARE_OP_INT", "_COMPARE_OP_FLOAT", "_COMPARE_OP_STR",
                             "_IS_OP", "_CONTAINS_OP", "_UNARY_NOT", "_TO_BOOL",
                             "_CALL_ISINSTANCE"])

# Uops that cannot run arbitrary Python code (no escapes): nothing they do can
# invalidate an executor.
_NO_ESCAPE = frozenset([
    "_NOP", "_LOAD_FAST", "_STORE_FAST", "_LOAD_CONST", "_LOAD_CONST_INLINE", "_PUSH_NULL",
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
