"""The stencil table: what the build produces and the JIT consumes.

CPython counterpart: Tools/jit/_stencils.py (Hole, HoleValue, Stencil,
StencilGroup), whose output CPython bakes into jit_stencils.h; cpjit keeps the
same information as Python objects, pickled into a cached table file.

A *stencil* is the machine code of one uop (or of the trampoline), copied
verbatim at run time, with *holes* the runtime patches:

    Stencil.code        bytes of .text (trailing jump to _JIT_CONTINUE removed)
    Stencil.data        bytes of the read-only data the code refers to
                        (.rodata*, concatenated, each section aligned)
    Stencil.holes       patches inside ``code``
    Stencil.data_holes  patches inside ``data`` (e.g. jump tables)

A hole is patched exactly as the ELF relocation ``Hole.kind`` says (raw
relocation name, e.g. ``R_X86_64_PC32``), with

    S = the address ``(Hole.value, Hole.symbol)`` denotes (table below)
    A = Hole.addend
    P = address of the patched field (stencil base + Hole.offset)

For the GOT kinds (``R_X86_64_GOTPCREL``, ``R_X86_64_GOTPCRELX``,
``R_X86_64_REX_GOTPCRELX``, ``R_X86_64_GOTPCREL64`` ...) S is the value a GOT
slot must *hold*: the runtime owns the GOT (slots in the same allocation,
field = G + A - P) and may relax the instruction to a direct form when the
value fits, as Python/jit.c does.  The table never pre-applies anything.

    HoleValue      S is ...
    CODE           the start of this stencil's code (addend = offset in it)
    DATA           the start of this stencil's data (addend = offset in it)
    CONTINUE       the start of the next uop's code (the fall-through)
    EXECUTOR       the address of the trace's _cpjit_executor
    GOT            the start of the trace's GOT (rare; _GLOBAL_OFFSET_TABLE_)
    OPARG          UopInstruction.oparg
    OPERAND        UopInstruction.operand
    TARGET         UopInstruction.target
    JUMP_TARGET    the code of the uop at index UopInstruction.jump_target
    ERROR_TARGET   the code of the uop at index UopInstruction.error_target
    EXIT_INDEX     UopInstruction.exit_index
    TOP            the code of the first uop of the trace
    ZERO           0 -- with a ``symbol``: the address of that external symbol
                   in the running process (dlsym; e.g. ``PyFloat_Type``)

Values (OPARG, OPERAND, TARGET, EXIT_INDEX) are "addresses of symbols" in C
(``(uintptr_t)&_JIT_OPARG``), so they appear as ordinary relocations.
Use ``cpjit.stencil_build.load_stencils()`` to get the table for the running Python.
"""

from __future__ import annotations

import dataclasses
import enum


class HoleValue(enum.Enum):
    """What a hole receives (CPython: Tools/jit/_stencils.py HoleValue)."""

    CODE = enum.auto()
    CONTINUE = enum.auto()
    DATA = enum.auto()
    EXECUTOR = enum.auto()
    GOT = enum.auto()
    OPARG = enum.auto()
    OPERAND = enum.auto()
    TARGET = enum.auto()
    JUMP_TARGET = enum.auto()
    ERROR_TARGET = enum.auto()
    EXIT_INDEX = enum.auto()
    TOP = enum.auto()
    ZERO = enum.auto()


# The C symbols that stand for holes (stencils/cpjit.h declares them).
HOLE_SYMBOLS = {
    "_JIT_CONTINUE": HoleValue.CONTINUE,
    "_JIT_EXECUTOR": HoleValue.EXECUTOR,
    "_JIT_OPARG": HoleValue.OPARG,
    "_JIT_OPERAND": HoleValue.OPERAND,
    "_JIT_TARGET": HoleValue.TARGET,
    "_JIT_JUMP_TARGET": HoleValue.JUMP_TARGET,
    "_JIT_ERROR_TARGET": HoleValue.ERROR_TARGET,
    "_JIT_EXIT_INDEX": HoleValue.EXIT_INDEX,
    "_JIT_TOP": HoleValue.TOP,
    "_GLOBAL_OFFSET_TABLE_": HoleValue.GOT,
}


@dataclasses.dataclass(frozen=True)
class Hole:
    """One relocation to apply (CPython: _stencils.Hole)."""

    offset: int            # byte offset of the patched field in code (or data)
    kind: str              # raw ELF relocation type, e.g. "R_X86_64_PLT32"
    value: HoleValue
    symbol: str | None     # external symbol name (value is ZERO) or None
    addend: int

    def describe(self) -> str:
        what = self.symbol if self.symbol else self.value.name
        return "%#x %s %s%+d" % (self.offset, self.kind, what, self.addend)


@dataclasses.dataclass
class Stencil:
    """Machine code of one uop, or of the trampoline (CPython: _stencils.StencilGroup)."""

    name: str
    code: bytes
    data: bytes
    holes: list[Hole]
    data_holes: list[Hole]
    code_alignment: int = 16
    data_alignment: int = 8
    # bytes removed from the end of code because the last instruction was a
    # jump to _JIT_CONTINUE (the next stencil is placed right after)
    fallthrough_bytes_removed: int = 0

    def external_symbols(self) -> set[str]:
        return {h.symbol for h in self.holes + self.data_holes if h.symbol}


@dataclasses.dataclass
class StencilTable:
    """Every stencil for one (target, Python ABI, inputs digest)."""

    stencils: dict[str, Stencil]   # uop name -> stencil; also "trampoline"
    target: str                    # e.g. "x86_64-linux-musl"
    python_abi: str                # e.g. "cpython-311-x86_64-linux-gnu"
    digest: str                    # sha256 of every input + the compiler (cpjit.stencil_build.cache)
    toolchain: str                 # e.g. "clang 22.1.8 (ziglang)"
    flags: list[str]               # clang flags the objects were compiled with
    build_seconds: float = 0.0
    format_version: int = 1
    inputs_digest: str = ""        # digest without the compiler (checked on load)

    @property
    def trampoline(self) -> Stencil:
        return self.stencils[TRAMPOLINE]

    def code_bytes(self) -> int:
        return sum(len(s.code) for s in self.stencils.values())

    def fallthrough_bytes_removed(self) -> int:
        return sum(s.fallthrough_bytes_removed for s in self.stencils.values())


TRAMPOLINE = "trampoline"
TABLE_FORMAT_VERSION = 1
