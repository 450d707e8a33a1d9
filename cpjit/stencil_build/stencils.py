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

import enum


class Record:
    """A small record class: fields from ``FIELDS`` (name, default), keyword or positional
    construction, ``==`` and ``repr`` over the fields, as the dataclass it replaces.

    Not dataclasses: creating the four dataclasses of the table (with the dataclasses and
    inspect imports they need) cost ~2.5 ms of every ``cpjit exec`` start.
    """

    FIELDS = ()
    _REQUIRED = object()

    def __init__(self, *args, **kwargs):
        fields = self.FIELDS
        if len(args) > len(fields):
            raise TypeError("%s takes at most %d arguments" % (type(self).__name__, len(fields)))
        values = {}
        for (name, _), value in zip(fields, args):
            values[name] = value
        for name, value in kwargs.items():
            if name in values:
                raise TypeError("%s got multiple values for %r" % (type(self).__name__, name))
            values[name] = value
        set_field = object.__setattr__        # frozen records refuse plain assignment
        for name, default in fields:
            if name in values:
                set_field(self, name, values.pop(name))
            elif default is Record._REQUIRED:
                raise TypeError("%s missing argument %r" % (type(self).__name__, name))
            else:
                set_field(self, name, default)
        if values:
            raise TypeError("%s got an unexpected argument %r"
                            % (type(self).__name__, next(iter(values))))

    def _values(self):
        return tuple(getattr(self, name) for name, _ in self.FIELDS)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % (name, getattr(self, name)) for name, _ in self.FIELDS))

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None     # mutable records are unhashable, as eq=True dataclasses


class FrozenRecord(Record):
    """A Record whose fields cannot be assigned after construction (hashable)."""

    def __setattr__(self, name, value):
        raise AttributeError("cannot assign to field %r of a frozen %s"
                             % (name, type(self).__name__))

    def __delattr__(self, name):
        raise AttributeError("cannot delete field %r of a frozen %s"
                             % (name, type(self).__name__))

    def __hash__(self):
        return hash(self._values())


_REQUIRED = Record._REQUIRED


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


class Hole(FrozenRecord):
    """One relocation to apply (CPython: _stencils.Hole)."""

    FIELDS = (
        ("offset", _REQUIRED),   # int: byte offset of the patched field in code (or data)
        ("kind", _REQUIRED),     # str: raw ELF relocation type, e.g. "R_X86_64_PLT32"
        ("value", _REQUIRED),    # HoleValue
        ("symbol", _REQUIRED),   # str | None: external symbol name (value is ZERO) or None
        ("addend", _REQUIRED),   # int
    )

    def describe(self) -> str:
        what = self.symbol if self.symbol else self.value.name
        return "%#x %s %s%+d" % (self.offset, self.kind, what, self.addend)


class Stencil(Record):
    """Machine code of one uop, or of the trampoline (CPython: _stencils.StencilGroup)."""

    FIELDS = (
        ("name", _REQUIRED),          # str
        ("code", _REQUIRED),          # bytes
        ("data", _REQUIRED),          # bytes
        ("holes", _REQUIRED),         # list[Hole]
        ("data_holes", _REQUIRED),    # list[Hole]
        ("code_alignment", 16),
        ("data_alignment", 8),
        # bytes removed from the end of code because the last instruction was a
        # jump to _JIT_CONTINUE (the next stencil is placed right after)
        ("fallthrough_bytes_removed", 0),
    )

    def external_symbols(self) -> set[str]:
        return {h.symbol for h in self.holes + self.data_holes if h.symbol}


class StencilTable(Record):
    """Every stencil for one (target, Python ABI, inputs digest)."""

    FIELDS = (
        ("stencils", _REQUIRED),      # dict[str, Stencil]: uop name -> stencil; also "trampoline"
        ("target", _REQUIRED),        # str, e.g. "x86_64-linux-musl"
        ("python_abi", _REQUIRED),    # str, e.g. "cpython-311-x86_64-linux-gnu"
        ("digest", _REQUIRED),        # sha256 of every input + the compiler (cpjit.stencil_build.cache)
        ("toolchain", _REQUIRED),     # str, e.g. "clang 22.1.8 (ziglang)"
        ("flags", _REQUIRED),         # list[str]: clang flags the objects were compiled with
        ("build_seconds", 0.0),
        ("format_version", 1),
        ("inputs_digest", ""),        # digest without the compiler (checked on load)
    )

    @property
    def trampoline(self) -> Stencil:
        return self.stencils[TRAMPOLINE]

    def code_bytes(self) -> int:
        return sum(len(s.code) for s in self.stencils.values())

    def fallthrough_bytes_removed(self) -> int:
        return sum(s.fallthrough_bytes_removed for s in self.stencils.values())


TRAMPOLINE = "trampoline"
TABLE_FORMAT_VERSION = 1
