"""CPython 3.11's instruction set, in one place (Include/opcode.h, Objects/exception_handling_notes.txt).

Everything version-specific about the bytecode format lives here, so that 3.12 support is
an added module rather than edits everywhere.
"""

# Our functions keep CPython's builtins even if the guest replaces one (builtins.len = ...).
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import dis
import opcode as _opcode

OPMAP = dict(dis.opmap)
OPNAME = list(dis.opname)
CACHE_ENTRIES = list(_opcode._inline_cache_entries)

# cpjit's own instruction, as in 3.12+: replaces a JUMP_BACKWARD once an executor exists.
ENTER_EXECUTOR = 255
OPNAME[ENTER_EXECUTOR] = "ENTER_EXECUTOR"

CACHE = OPMAP["CACHE"]
EXTENDED_ARG = OPMAP["EXTENDED_ARG"]
JUMP_BACKWARD = OPMAP["JUMP_BACKWARD"]

FORWARD_JUMPS = frozenset(OPMAP[n] for n in (
    "JUMP_FORWARD", "JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP",
    "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE",
    "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_FORWARD_IF_NONE", "FOR_ITER", "SEND"))
BACKWARD_JUMPS = frozenset(OPMAP[n] for n in (
    "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
    "POP_JUMP_BACKWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_NONE",
    "POP_JUMP_BACKWARD_IF_FALSE", "POP_JUMP_BACKWARD_IF_TRUE"))
# Back edges tier 1 counts for the optimizer: JUMP_BACKWARD and the conditional back
# edges that end 3.11's `while cond:` loops (JUMP_BACKWARD_NO_INTERRUPT only appears in
# generator code).
CONDITIONAL_BACK_EDGES = frozenset(OPMAP[n] for n in (
    "POP_JUMP_BACKWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_NONE",
    "POP_JUMP_BACKWARD_IF_FALSE", "POP_JUMP_BACKWARD_IF_TRUE"))
COUNTED_BACK_EDGES = CONDITIONAL_BACK_EDGES | {OPMAP["JUMP_BACKWARD"]}
CONDITIONAL_JUMPS = frozenset(OPMAP[n] for n in (
    "JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP",
    "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE",
    "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_FORWARD_IF_NONE",
    "POP_JUMP_BACKWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_NONE",
    "POP_JUMP_BACKWARD_IF_FALSE", "POP_JUMP_BACKWARD_IF_TRUE"))

# BINARY_OP's oparg indexes this list (NB_ADD, NB_AND, ...), as dis shows it.
NB_OPS = [name for name, _symbol in dis._nb_ops]
COMPARE_OPS = list(dis.cmp_op)

CO_OPTIMIZED = 0x1
CO_NEWLOCALS = 0x2
CO_VARARGS = 0x4
CO_VARKEYWORDS = 0x8
CO_NESTED = 0x10
CO_GENERATOR = 0x20
CO_COROUTINE = 0x80
CO_ITERABLE_COROUTINE = 0x100
CO_ASYNC_GENERATOR = 0x200
# Code with any of these flags runs natively (a generator needs a real frame to suspend).
CO_NATIVE_ONLY = 0x20 | 0x80 | 0x100 | 0x200

TPFLAGS_SEQUENCE = 1 << 5
TPFLAGS_MAPPING = 1 << 6
TPFLAGS_BASETYPE = 1 << 10


def decode_instructions(co_code):
    """The instruction stream as ``[(opcode, oparg)]`` per code unit, EXTENDED_ARG folded in.

    Like the decoding loop of ``dis._unpack_opargs``: the EXTENDED_ARG entries stay, the
    prefixed instruction carries the full oparg, CACHE entries keep offsets exact.
    """
    out = []
    extended = 0
    caches_left = 0
    for offset in range(0, len(co_code), 2):
        op = co_code[offset]
        if caches_left:
            caches_left -= 1
            out.append((CACHE, 0))
            continue
        arg = co_code[offset + 1] | extended
        extended = (arg << 8) if op == EXTENDED_ARG else 0
        caches_left = CACHE_ENTRIES[op]
        out.append((op, arg))
    return out


def _read_varint(data, pos):
    value = data[pos] & 63
    while data[pos] & 64:
        pos += 1
        value = (value << 6) | (data[pos] & 63)
    return value, pos + 1


def parse_exception_table(table):
    """``co_exceptiontable`` as ``[(start, end, target, depth, push_lasti)]`` in code units.

    The 3.11 format (Objects/exception_handling_notes.txt): varints of 6 bits, bit 6 says
    "more", bit 7 marks the first byte of an entry.
    """
    entries = []
    pos = 0
    while pos < len(table):
        start, pos = _read_varint(table, pos)
        length, pos = _read_varint(table, pos)
        target, pos = _read_varint(table, pos)
        depth_lasti, pos = _read_varint(table, pos)
        entries.append((start, start + length, target, depth_lasti >> 1, bool(depth_lasti & 1)))
    return entries


def jump_target(index, op, arg):
    """The code-unit index a jump at ``index`` goes to (relative to the next instruction)."""
    after = index + 1 + CACHE_ENTRIES[op]
    if op in BACKWARD_JUMPS:
        return after - arg
    return after + arg
