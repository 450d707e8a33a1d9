"""Tier-1 instruction forms -> uop sequences (CPython: ``_PyOpcode_macro_expansion``).

CPython generates this table from ``bytecodes.c``: each (specialized) instruction is a
macro of uops, and each uop says where its operand comes from (the oparg, a cache
entry, the top or bottom half of a super-instruction's oparg, the return offset, or a
tier-2 replacement).  cpjit targets CPython 3.11, whose bytecode is not built from uops,
so the expansion is written out here by hand, once, for the 3.11 instruction set.

The specialized 3.11 names come from tier 1's profile (``CodeInfo.profile[offset]``);
the operand sources that read cache values name the profile key instead of a cache
offset.  Everything version-specific about 3.11 bytecode that tier 2 needs lives here.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import dis
import opcode as _opcode
import weakref

OPMAP = dict(_opcode.opmap)
OPNAME = list(_opcode.opname)

# Number of CACHE code units after each 3.11 instruction (``_PyOpcode_Caches``).
CACHE_ENTRIES = {name: n for name, n in zip(_opcode.opname, _opcode._inline_cache_entries)}

# Operand sources (CPython: OPARG_FULL, OPARG_CACHE_*, OPARG_TOP, OPARG_BOTTOM,
# OPARG_SAVE_RETURN_OFFSET, OPARG_REPLACED).  ``("profile", key)`` reads a cache
# value that tier 1 recorded for the specialized form.
FULL = "full"
REPLACED = "replaced"
RETURN_OFFSET = "return_offset"


def profile(key):
    """An operand read from the instruction's profile (cache) entry ``key``."""
    return ("profile", key)


# The uop that replaces an OPARG_REPLACED uop in a trace (``_PyUOp_Replacements``).
UOP_REPLACEMENTS = {
    "_FOR_ITER": "_FOR_ITER_TIER_TWO",
    "_ITER_JUMP_RANGE": "_GUARD_NOT_EXHAUSTED_RANGE",
    "_ITER_JUMP_LIST": "_GUARD_NOT_EXHAUSTED_LIST",
}

# Uops whose exit target is the FOR_ITER exhaustion target (``is_for_iter_test``).
FOR_ITER_TESTS = frozenset(["_FOR_ITER_TIER_TWO", "_GUARD_NOT_EXHAUSTED_RANGE",
                            "_GUARD_NOT_EXHAUSTED_LIST"])

# Conditional jumps of 3.11 (both directions), to the kind of branch they are.
# The kind indexes BRANCH_TO_GUARD.
POP_JUMPS = {
    "POP_JUMP_FORWARD_IF_FALSE": "FALSE", "POP_JUMP_BACKWARD_IF_FALSE": "FALSE",
    "POP_JUMP_FORWARD_IF_TRUE": "TRUE", "POP_JUMP_BACKWARD_IF_TRUE": "TRUE",
    "POP_JUMP_FORWARD_IF_NONE": "NONE", "POP_JUMP_BACKWARD_IF_NONE": "NONE",
    "POP_JUMP_FORWARD_IF_NOT_NONE": "NOT_NONE", "POP_JUMP_BACKWARD_IF_NOT_NONE": "NOT_NONE",
}

# (branch kind, jump likely) -> guard uop (``BRANCH_TO_GUARD``).
BRANCH_TO_GUARD = {
    ("FALSE", False): "_GUARD_IS_TRUE_POP", ("FALSE", True): "_GUARD_IS_FALSE_POP",
    ("TRUE", False): "_GUARD_IS_FALSE_POP", ("TRUE", True): "_GUARD_IS_TRUE_POP",
    ("NONE", False): "_GUARD_IS_NOT_NONE_POP", ("NONE", True): "_GUARD_IS_NONE_POP",
    ("NOT_NONE", False): "_GUARD_IS_NONE_POP", ("NOT_NONE", True): "_GUARD_IS_NOT_NONE_POP",
}

BACKWARD_JUMPS = frozenset(["JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT"])

# The generic form of every 3.11 instruction that has a tier-2 expansion.  Generator,
# coroutine, exception-handling and import instructions are absent on purpose: a trace
# ends before them (``unsupported opcode``) and tier 1 runs them.
GENERIC = {
    "NOP": [("_NOP", FULL)],
    "POP_TOP": [("_POP_TOP", FULL)],
    "PUSH_NULL": [("_PUSH_NULL", FULL)],
    "UNARY_POSITIVE": [("_UNARY_POSITIVE", FULL)],
    "UNARY_NEGATIVE": [("_UNARY_NEGATIVE", FULL)],
    "UNARY_NOT": [("_UNARY_NOT", FULL)],
    "UNARY_INVERT": [("_UNARY_INVERT", FULL)],
    "BINARY_SUBSCR": [("_BINARY_SUBSCR", FULL)],
    "STORE_SUBSCR": [("_STORE_SUBSCR", FULL)],
    "DELETE_SUBSCR": [("_DELETE_SUBSCR", FULL)],
    "GET_ITER": [("_GET_ITER", FULL)],
    "GET_LEN": [("_GET_LEN", FULL)],
    "LIST_TO_TUPLE": [("_LIST_TO_TUPLE", FULL)],
    "LOAD_ASSERTION_ERROR": [("_LOAD_ASSERTION_ERROR", FULL)],
    "STORE_NAME": [("_STORE_NAME", FULL)],
    "DELETE_NAME": [("_DELETE_NAME", FULL)],
    "LOAD_NAME": [("_LOAD_NAME", FULL)],
    "UNPACK_SEQUENCE": [("_UNPACK_SEQUENCE", FULL)],
    "UNPACK_EX": [("_UNPACK_EX", FULL)],
    "FOR_ITER": [("_FOR_ITER", REPLACED)],
    "STORE_ATTR": [("_STORE_ATTR", FULL)],
    "DELETE_ATTR": [("_DELETE_ATTR", FULL)],
    "STORE_GLOBAL": [("_STORE_GLOBAL", FULL)],
    "DELETE_GLOBAL": [("_DELETE_GLOBAL", FULL)],
    "SWAP": [("_SWAP", FULL)],
    "COPY": [("_COPY", FULL)],
    "LOAD_CONST": [("_LOAD_CONST", FULL)],
    "BUILD_TUPLE": [("_BUILD_TUPLE", FULL)],
    "BUILD_LIST": [("_BUILD_LIST", FULL)],
    "BUILD_SET": [("_BUILD_SET", FULL)],
    "BUILD_MAP": [("_BUILD_MAP", FULL)],
    "BUILD_CONST_KEY_MAP": [("_BUILD_CONST_KEY_MAP", FULL)],
    "BUILD_STRING": [("_BUILD_STRING", FULL)],
    "BUILD_SLICE": [("_BUILD_SLICE", FULL)],
    "LOAD_ATTR": [("_LOAD_ATTR", FULL)],
    "LOAD_METHOD": [("_LOAD_METHOD", FULL)],
    "COMPARE_OP": [("_COMPARE_OP", FULL)],
    "IS_OP": [("_IS_OP", FULL)],
    "CONTAINS_OP": [("_CONTAINS_OP", FULL)],
    "BINARY_OP": [("_BINARY_OP", FULL)],
    "LOAD_GLOBAL": [("_LOAD_GLOBAL", FULL)],
    "LOAD_FAST": [("_LOAD_FAST_CHECK", FULL)],
    "STORE_FAST": [("_STORE_FAST", FULL)],
    "DELETE_FAST": [("_DELETE_FAST", FULL)],
    "MAKE_FUNCTION": [("_MAKE_FUNCTION", FULL)],
    "LOAD_CLOSURE": [("_LOAD_CLOSURE", FULL)],
    "LOAD_DEREF": [("_LOAD_DEREF", FULL)],
    "STORE_DEREF": [("_STORE_DEREF", FULL)],
    "DELETE_DEREF": [("_DELETE_DEREF", FULL)],
    "LIST_APPEND": [("_LIST_APPEND", FULL)],
    "SET_ADD": [("_SET_ADD", FULL)],
    "MAP_ADD": [("_MAP_ADD", FULL)],
    "FORMAT_VALUE": [("_FORMAT_VALUE", FULL)],
    "KW_NAMES": [("_KW_NAMES", FULL)],
    "PRECALL": [("_PRECALL", FULL)],
    "CALL": [("_CALL", FULL)],
    "RETURN_VALUE": [("_RETURN_VALUE", FULL)],
    "COPY_FREE_VARS": [("_COPY_FREE_VARS", FULL)],
    "MAKE_CELL": [("_MAKE_CELL", FULL)],
    "JUMP_IF_FALSE_OR_POP": None,   # handled by the projection (branch)
    "JUMP_IF_TRUE_OR_POP": None,
}

# Specialized 3.11 forms (names from tier 1's profile) -> uops with guards.
SPECIALIZED = {
    "BINARY_OP_ADD_INT": [("_GUARD_BOTH_INT", FULL), ("_BINARY_OP_ADD_INT", FULL)],
    "BINARY_OP_SUBTRACT_INT": [("_GUARD_BOTH_INT", FULL), ("_BINARY_OP_SUBTRACT_INT", FULL)],
    "BINARY_OP_MULTIPLY_INT": [("_GUARD_BOTH_INT", FULL), ("_BINARY_OP_MULTIPLY_INT", FULL)],
    "BINARY_OP_ADD_FLOAT": [("_GUARD_BOTH_FLOAT", FULL), ("_BINARY_OP_ADD_FLOAT", FULL)],
    "BINARY_OP_SUBTRACT_FLOAT": [("_GUARD_BOTH_FLOAT", FULL),
                                 ("_BINARY_OP_SUBTRACT_FLOAT", FULL)],
    "BINARY_OP_MULTIPLY_FLOAT": [("_GUARD_BOTH_FLOAT", FULL),
                                 ("_BINARY_OP_MULTIPLY_FLOAT", FULL)],
    "BINARY_OP_ADD_UNICODE": [("_GUARD_BOTH_UNICODE", FULL), ("_BINARY_OP_ADD_UNICODE", FULL)],
    "BINARY_OP_INPLACE_ADD_UNICODE": [("_GUARD_BOTH_UNICODE", FULL),
                                      ("_BINARY_OP_ADD_UNICODE", FULL)],
    "COMPARE_OP_INT_JUMP": [("_GUARD_BOTH_INT", FULL), ("_COMPARE_OP_INT", FULL)],
    "COMPARE_OP_FLOAT_JUMP": [("_GUARD_BOTH_FLOAT", FULL), ("_COMPARE_OP_FLOAT", FULL)],
    "COMPARE_OP_STR_JUMP": [("_GUARD_BOTH_UNICODE", FULL), ("_COMPARE_OP_STR", FULL)],
    "BINARY_SUBSCR_LIST_INT": [("_GUARD_NOS_LIST", FULL), ("_GUARD_TOS_INT", FULL),
                               ("_BINARY_SUBSCR_LIST_INT", FULL)],
    "BINARY_SUBSCR_TUPLE_INT": [("_GUARD_NOS_TUPLE", FULL), ("_GUARD_TOS_INT", FULL),
                                ("_BINARY_SUBSCR_TUPLE_INT", FULL)],
    "BINARY_SUBSCR_DICT": [("_GUARD_NOS_DICT", FULL), ("_BINARY_SUBSCR_DICT", FULL)],
    "STORE_SUBSCR_LIST_INT": [("_GUARD_NOS_LIST", FULL), ("_GUARD_TOS_INT", FULL),
                              ("_STORE_SUBSCR_LIST_INT", FULL)],
    "STORE_SUBSCR_DICT": [("_GUARD_NOS_DICT", FULL), ("_STORE_SUBSCR_DICT", FULL)],
    "UNPACK_SEQUENCE_TWO_TUPLE": [("_GUARD_TOS_TUPLE_LEN", FULL),
                                  ("_UNPACK_SEQUENCE_TWO_TUPLE", FULL)],
    "UNPACK_SEQUENCE_TUPLE": [("_GUARD_TOS_TUPLE_LEN", FULL), ("_UNPACK_SEQUENCE_TUPLE", FULL)],
    "UNPACK_SEQUENCE_LIST": [("_GUARD_TOS_LIST_LEN", FULL), ("_UNPACK_SEQUENCE_LIST", FULL)],
    "PRECALL_NO_KW_LIST_APPEND": [("_GUARD_CALLABLE_LIST_APPEND", FULL),
                                  ("_CALL_LIST_APPEND", FULL)],
    "PRECALL_NO_KW_LEN": [("_GUARD_CALLABLE_LEN", FULL), ("_CALL_LEN", FULL)],
    "PRECALL_NO_KW_ISINSTANCE": [("_GUARD_CALLABLE_ISINSTANCE", FULL), ("_CALL_ISINSTANCE", FULL)],
    # CALL_PY_EXACT_ARGS: the callee is inlined (the projection follows _PUSH_FRAME).
    "CALL_PY_EXACT_ARGS": [("_CHECK_FUNCTION_EXACT_ARGS", profile("func")),
                           ("_CHECK_STACK_SPACE", FULL),
                           ("_INIT_CALL_PY_EXACT_ARGS", FULL),
                           ("_SAVE_RETURN_OFFSET", RETURN_OFFSET),
                           ("_PUSH_FRAME", FULL)],
}

# Specialized forms whose uops were written for one argument count only.
_ONE_ARG_CALLS = {"PRECALL_NO_KW_LIST_APPEND": 1, "PRECALL_NO_KW_LEN": 1,
                  "PRECALL_NO_KW_ISINSTANCE": 2}


def specialized_name(entry):
    """The specialized instruction name recorded in a profile entry (or None)."""
    if entry is None:
        return None
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        return entry.get("form") or entry.get("name")
    return getattr(entry, "name", None) or getattr(entry, "specialized", None)


def profile_value(entry, key):
    """A cache value (``func``, ``type_version``, ...) from a profile entry, or None."""
    if entry is None or isinstance(entry, str):
        return None
    if isinstance(entry, dict):
        value = entry.get(key)
        if value is None and key == "func":
            value = entry.get("callee")
    else:
        value = getattr(entry, key, None)
    if type(value) is weakref.ref:     # tier 1 keeps callees weakly
        value = value()
    return value


def expand(opname, oparg, profile_entry=None, generic_only=False):
    """The uop sequence ``[(uop, operand_source), ...]`` for one 3.11 instruction, or None.

    ``generic_only`` de-specializes the instruction (the first instruction of a trace
    that must make progress, as ``_PyOpcode_Deopt`` does in ``translate_bytecode_to_trace``).
    """
    if not generic_only:
        name = specialized_name(profile_entry)
        if name in SPECIALIZED:
            wanted = _ONE_ARG_CALLS.get(name)
            if wanted is None or wanted == oparg:
                return SPECIALIZED[name]
    return GENERIC.get(opname)


def has_guard(seq):
    """Whether an expansion contains a guard (CPython: OPCODE_HAS_EXIT / HAS_DEOPT)."""
    return any(u.startswith(("_GUARD", "_CHECK_FUNCTION")) for u, _ in seq or ())


def next_instruction_index(index, opname, oparg):
    """The code-unit index after an instruction and its caches."""
    return index + 1 + CACHE_ENTRIES.get(opname, 0)


def jump_target_index(index, opname, oparg):
    """Where a relative 3.11 jump at code unit ``index`` goes."""
    after = next_instruction_index(index, opname, oparg)
    if "BACKWARD" in opname:
        return after - oparg
    return after + oparg


BINARY_OP_NAMES = [name for name, _ in dis._nb_ops]
COMPARE_OPS = list(dis.cmp_op)
