"""From parsed op definitions to uop metadata: flags, stack effect, replicas.

CPython counterpart: Tools/cases_generator/analyzer.py (flag inference) and
the generated Include/internal/pycore_uop_metadata.h (what Python sees here as
``cpjit.uops.UOPS``).
"""

from __future__ import annotations

import dataclasses
import re

from cpjit.uops.parser import OpDefinition, StackItem, _strip_comments_keep_lines

# Flags (names as CPython's HAS_*_FLAG without the _FLAG suffix).
HAS_ARG = "HAS_ARG"                  # reads oparg (or a stack size depends on it)
HAS_OPERAND = "HAS_OPERAND"          # reads CURRENT_OPERAND()
HAS_TARGET = "HAS_TARGET"            # reads CURRENT_TARGET() (tier-1 byte offset)
HAS_DEOPT = "HAS_DEOPT"              # DEOPT_IF: needs a jump target (_DEOPT stub)
HAS_EXIT = "HAS_EXIT"                # EXIT_IF: needs a jump target (_EXIT_TRACE stub)
HAS_ERROR = "HAS_ERROR"              # may raise: needs an error target (_ERROR_POP_N stub)
ERROR_NO_POP = "ERROR_NO_POP"        # raises with its inputs still on the stack
HAS_ESCAPES = "HAS_ESCAPES"          # calls out (may run arbitrary Python code)
HAS_PURE = "HAS_PURE"                # `pure` annotation: no side effects beyond its outputs
HAS_EXIT_INDEX = "HAS_EXIT_INDEX"    # reads CURRENT_EXIT_INDEX()
HAS_EXECUTOR = "HAS_EXECUTOR"        # reads CURRENT_EXECUTOR()
HAS_JUMP_TO_TOP = "HAS_JUMP_TO_TOP"  # jumps to the first uop of the trace
LEAVES_TRACE = "LEAVES_TRACE"        # returns to the trampoline (an exit record is written)
IS_TERMINATOR = "IS_TERMINATOR"      # never continues to the next uop

ALL_FLAGS = (HAS_ARG, HAS_OPERAND, HAS_TARGET, HAS_DEOPT, HAS_EXIT, HAS_ERROR,
             ERROR_NO_POP, HAS_ESCAPES, HAS_PURE, HAS_EXIT_INDEX, HAS_EXECUTOR,
             HAS_JUMP_TO_TOP, LEAVES_TRACE, IS_TERMINATOR)

# Calls that never run arbitrary code (CPython: analyzer.NON_ESCAPING_FUNCTIONS).
NON_ESCAPING = {
    "Py_INCREF", "Py_XINCREF", "Py_NewRef", "Py_XNewRef", "Py_TYPE", "Py_SIZE",
    "Py_IsTrue", "Py_IsFalse", "Py_IsNone", "Py_Is",
    "PyLong_CheckExact", "PyFloat_CheckExact", "PyBool_Check", "PyLong_Check",
    "PyFloat_Check", "PyTuple_CheckExact", "PyList_CheckExact", "PyUnicode_CheckExact",
    "PyDict_CheckExact", "PyFloat_AS_DOUBLE", "PyTuple_GET_ITEM", "PyList_GET_ITEM",
    "PyTuple_GET_SIZE", "PyList_GET_SIZE", "PyLong_FromLong", "PyFloat_FromDouble",
    "PyLong_FromSsize_t",
}

_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_LAST_STATEMENT_EXITS = re.compile(r"(CPJIT_EXIT_TO_TIER1\s*\(.*\)|JUMP_TO_TOP\s*\(\s*\))\s*;\s*$", re.S)


def _uses(clean_body: str, word: str) -> bool:
    return re.search(r"\b%s\b" % re.escape(word), clean_body) is not None


@dataclasses.dataclass(frozen=True)
class UopInfo:
    """Metadata of one uop (CPython: _PyUop_Flags / _PyUop_num_popped / ...)."""

    name: str
    inputs: tuple[StackItem, ...]          # bottom first
    outputs: tuple[StackItem, ...]         # bottom first
    flags: frozenset[str]
    annotations: tuple[str, ...] = ()
    replicate: int = 0                     # N for a `replicate(N)` base uop
    replica_of: str | None = None          # base name for _LOAD_FAST_3 & co
    fixed_oparg: int | None = None         # the oparg a replica is built with
    path: str = ""
    line: int = 0
    definition: OpDefinition | None = dataclasses.field(default=None, repr=False, compare=False)

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def _oparg(self, oparg: int) -> int:
        return self.fixed_oparg if self.fixed_oparg is not None else oparg

    def num_popped(self, oparg: int = 0) -> int:
        return sum(item.count(self._oparg(oparg)) for item in self.inputs)

    def num_pushed(self, oparg: int = 0) -> int:
        return sum(item.count(self._oparg(oparg)) for item in self.outputs)

    def stack_effect(self, oparg: int = 0) -> int:
        return self.num_pushed(oparg) - self.num_popped(oparg)

    @property
    def replicas(self) -> tuple[str, ...]:
        """Names of the replicated forms (empty unless replicate(N))."""
        return tuple("%s_%d" % (self.name, i) for i in range(self.replicate))


def infer_flags(op: OpDefinition) -> frozenset[str]:
    """Flags from the body text, as CPython's analyzer does."""
    body = _strip_comments_keep_lines(op.body)
    flags = set()
    sizes = " ".join((item.size or "") + " " + (item.cond or "")
                     for item in op.inputs + op.outputs)
    if _uses(body, "oparg") or _uses(sizes, "oparg") or _uses(body, "CURRENT_OPARG"):
        flags.add(HAS_ARG)
    if _uses(body, "CURRENT_OPERAND") or op.caches:
        flags.add(HAS_OPERAND)
    if _uses(body, "CURRENT_TARGET"):
        flags.add(HAS_TARGET)
    if _uses(body, "DEOPT_IF"):
        flags.add(HAS_DEOPT)
    if _uses(body, "EXIT_IF"):
        flags.add(HAS_EXIT)
    if _uses(body, "ERROR_IF") or _uses(body, "ERROR_NO_POP") or _uses(body, "JUMP_TO_ERROR"):
        flags.add(HAS_ERROR)
    if _uses(body, "ERROR_NO_POP"):
        flags.add(ERROR_NO_POP)
    if _uses(body, "CURRENT_EXIT_INDEX"):
        flags.add(HAS_EXIT_INDEX)
    if _uses(body, "CURRENT_EXECUTOR") or _uses(body, "CPJIT_EXIT_TO_TIER1"):
        flags.add(HAS_EXECUTOR)
    if _uses(body, "JUMP_TO_TOP"):
        flags.add(HAS_JUMP_TO_TOP)
    if _uses(body, "CPJIT_EXIT_TO_TIER1"):
        flags.add(LEAVES_TRACE)
    if _LAST_STATEMENT_EXITS.search(body.rstrip()):
        flags.add(IS_TERMINATOR)
    if "pure" in op.annotations:
        flags.add(HAS_PURE)
    decrefs = _uses(body, "Py_DECREF") or _uses(body, "Py_XDECREF") or _uses(body, "DECREF_INPUTS") \
        or _uses(body, "SETLOCAL")
    calls = {name for name in _CALL.findall(body)
             if (name.startswith("Py") or name.startswith("_Py")) and name not in NON_ESCAPING
             and name not in ("Py_DECREF", "Py_XDECREF")}
    if calls or decrefs:
        # A decref can run __del__, i.e. arbitrary code (CPython treats the
        # generic decref as escaping too).
        flags.add(HAS_ESCAPES)
    return frozenset(flags)


def analyze(ops: list[OpDefinition]) -> dict[str, UopInfo]:
    """UopInfo for every op, replicas included, in definition order."""
    uops: dict[str, UopInfo] = {}
    for op in ops:
        flags = infer_flags(op)
        base = UopInfo(op.name, op.inputs, op.outputs, flags, op.annotations,
                       op.replicate, None, None, op.path, op.line, op)
        uops[op.name] = base
        for i in range(op.replicate):
            name = "%s_%d" % (op.name, i)
            if name in uops:
                raise ValueError("%s:%d: replica %s clashes with a uop" % (op.path, op.line, name))
            # A replica carries oparg in its code, not in a hole.
            uops[name] = UopInfo(name, op.inputs, op.outputs, flags - {HAS_ARG},
                                 op.annotations, 0, op.name, i, op.path, op.line, op)
    return uops
