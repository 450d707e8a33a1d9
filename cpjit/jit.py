"""The JIT backend: stitch stencils into executable memory and enter the result
(CPython counterpart: Python/jit.c, _PyJIT_Compile / _PyJIT_Free).

A trace is laid out in one region of executable memory (cpjit.jit_memory):

    [ code of uop 0 | code of uop 1 | ... | data of each uop | GOT | veneers ]

Code is contiguous with no padding, because a stencil whose continuation is the
next stencil falls through into it (the build removed its trailing jump).  Data
(read-only constants, jump tables) and the GOT live in the same region, so every
PC-relative reference inside a trace is in rel32 range.  Each GOT-kind
relocation either gets a slot in that GOT or is relaxed to a direct form
(cpjit.jit_relocations); a direct call to a far external symbol goes through a
veneer.  Which holes relax depends on where the region lands, so the GOT and
the veneers are sized after placement: only slots actually used take room.

The trampoline (the one C-ABI door, ``int trampoline(_cpjit_state *)``) is
stitched once per stencil table into its own region and shared by all traces: it
reads the entry address from the state, so traces need no per-trace prologue
and a linked side trace is just another entry address.  Python calls it through
ctypes ``PYFUNCTYPE``, which keeps the GIL held (cffi and ``CFUNCTYPE`` release
it) and raises the exception machine code left set.  The state struct comes
from ``stencils/cpjit_abi.h`` via ``ffi.cdef``; its field offsets are taken from
cffi, never written down here.
"""

from __future__ import annotations

# Guest programs may rebind or delete builtins (builtins.len = ...); cpjit's own code
# keeps the ones it saw at import, as tier 1 does.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import collections
import ctypes
import dataclasses
import platform
import struct
import sys
import threading

from cpjit.ffi_cache import load_ffi

from cpjit import jit_memory, jit_plan
from cpjit.jit_relocations import (
    GOT_SLOT_SIZE, VENEER_SIZE, RelocationError, RelocationRangeError,
    UnknownRelocationError, apply_relocation, check_kind, may_need_veneer,
    instruction_at, needs_got_slot, needs_veneer, relaxes, write_got_slot, write_veneer,
)
from cpjit.jit_symbols import UnresolvedSymbolError, resolve_symbol

__all__ = [
    "UopInstruction", "ExitRecord", "JitCode", "compile_trace", "new_executor",
    "RelocationError", "RelocationRangeError", "UnknownRelocationError",
    "UnresolvedSymbolError", "JitError", "abi", "memory_stats", "take_inlined_frames",
    "live_frame", "live_slots", "live_inlined_frames",
]

TRAMPOLINE = "trampoline"


class JitError(RuntimeError):
    """A trace cannot be compiled (unknown uop, bad jump index, ...) or entered."""


@dataclasses.dataclass(frozen=True, slots=True)
class UopInstruction:
    """One uop of a trace, as _PyUOpInstruction."""

    name: str
    oparg: int = 0
    target: int = 0          # tier-1 byte offset this uop belongs to (exits resume there)
    operand: int = 0         # 64-bit operand (cache value, pointer, version)
    jump_target: int = 0     # index in the trace (_JIT_JUMP_TARGET)
    error_target: int = 0    # index in the trace (_JIT_ERROR_TARGET)
    exit_index: int = 0      # index into the executor's exits (_JIT_EXIT_INDEX)


# ---------------------------------------------------------------------------------
# The ABI (stencils/cpjit_abi.h through cffi)

class _Abi:
    """The cdef'd header plus the struct layouts the entry path packs and unpacks."""

    # The inputs the entry path writes, in the header's order, followed by exit_kind
    # (reset to CPJIT_EXIT_NONE on each entry).  Checked against cffi's layout below.
    INPUT_FIELDS = ("entry", "executor", "code", "func", "globals", "builtins", "locals",
                    "localsplus", "stack", "null", "stack_capacity", "instr_offset",
                    "exit_kind")
    EXIT_FIELDS = ("exit_kind", "exit_target", "exit_stack_depth", "exit_index",
                   "exit_executor", "exit_frame")

    def __init__(self, header_text):
        self.ffi = load_ffi("abi", header_text)     # parsed once (cpjit/ffi_cache.py)
        self.lib = self.ffi.dlopen(None)   # only for the enum constants
        self.input_offset, self.input_format = self._contiguous("_cpjit_state", self.INPUT_FIELDS)
        self.exit_offset, self.exit_format = self._contiguous("_cpjit_state", self.EXIT_FIELDS)
        self.EXIT_NONE = self.lib.CPJIT_EXIT_NONE
        self.EXIT_SIDE = self.lib.CPJIT_EXIT_SIDE
        self.EXIT_DEOPT = self.lib.CPJIT_EXIT_DEOPT
        self.EXIT_ERROR = self.lib.CPJIT_EXIT_ERROR
        self.EXIT_PERIODIC = self.lib.CPJIT_EXIT_PERIODIC
        self.EXIT_DYNAMIC = self.lib.CPJIT_EXIT_DYNAMIC

    def _contiguous(self, struct_name, names):
        """(offset, struct format) of consecutive 8-byte fields, from cffi's layout."""
        fields = dict(self.ffi.typeof(struct_name).fields)
        start = fields[names[0]].offset
        codes = []
        for i, name in enumerate(names):
            field = fields.get(name)
            if field is None or field.offset != start + 8 * i or self.ffi.sizeof(field.type) != 8:
                raise JitError("cpjit_abi.h: %s.%s is not where the entry path expects it "
                               "(8-byte fields %s in this order)" % (struct_name, name, names))
            # pointers unsigned, int64_t signed
            codes.append("Q" if field.type.kind == "pointer" else "q")
        return start, "<" + "".join(codes)


_abi = None
_abi_lock = threading.Lock()


def abi():
    """The shared cffi view of cpjit_abi.h (use its ffi for _cpjit_executor structs)."""
    global _abi
    if _abi is None:
        with _abi_lock:
            if _abi is None:
                from cpjit.stencil_build.paths import abi_header_text
                _abi = _Abi(abi_header_text())
    return _abi


def new_executor(exit_count, targets=()):
    """A zeroed, valid _cpjit_executor with `exit_count` exits (owned by the caller).

    `targets[i]`, when given, is stored as exits[i].target.
    """
    a = abi()
    executor = a.ffi.new("_cpjit_executor *", {"exits": max(exit_count, 0)})
    executor.valid = 1
    executor.exit_count = exit_count
    for i, target in enumerate(targets):
        executor.exits[i].target = target
    return executor


def _address_of(pointer):
    if pointer is None:
        return 0
    if isinstance(pointer, int):
        return pointer
    return int(abi().ffi.cast("uintptr_t", pointer))


# ---------------------------------------------------------------------------------
# Stitching

@dataclasses.dataclass
class StencilPlacement:
    """Where one stencil of a trace went (offsets from the region start)."""

    index: int                   # position in the trace (-1 for the trampoline)
    name: str
    code_offset: int
    code_size: int
    data_offset: int
    data_size: int
    instruction: UopInstruction | None


class _Layout:
    """Offsets of everything in a trace's region; independent of where it lands.

    Order: code of every stencil (contiguous), data of every stencil (each aligned),
    GOT, veneers.  A hole's S is kept as (base, value) with base one of ABSOLUTE,
    REGION (add the region's address) or GOT (add the GOT's address), so that GOT
    slots can be shared and counted before the region is placed.
    """

    def __init__(self, stencils, instructions, executor_address):
        self.stencils = stencils
        self.instructions = instructions
        self.executor_address = executor_address
        self.placements = []
        offset = 0
        for index, (stencil, instruction) in enumerate(zip(stencils, instructions)):
            self.placements.append(StencilPlacement(
                index if instruction is not None else -1, stencil.name, offset,
                len(stencil.code), 0, len(stencil.data), instruction))
            offset += len(stencil.code)
        self.code_end = offset
        for placement, stencil in zip(self.placements, stencils):
            alignment = max(stencil.data_alignment, 1)
            if alignment > jit_memory.ALIGNMENT:
                raise JitError("%s: data alignment %d exceeds the region alignment %d"
                               % (stencil.name, alignment, jit_memory.ALIGNMENT))
            if stencil.data:
                offset = _round_up(offset, alignment)
            placement.data_offset = offset
            offset += len(stencil.data)
        self.data_end = offset
        # Resolve every hole now: unknown kinds and symbols fail before any mapping.
        self.holes = []          # (section, placement, hole, target, what, instruction)
        got_candidates, veneer_candidates = set(), set()
        for placement, stencil in zip(self.placements, stencils):
            for section, holes in (("code", stencil.holes), ("data", stencil.data_holes)):
                for hole in holes:
                    what = "%s%s: %s" % (stencil.name, "" if section == "code" else " (data)",
                                         hole.describe())
                    check_kind(hole.kind, what)
                    target = self._target_of(placement, hole, what)
                    instruction = None
                    if section == "code" and needs_got_slot(hole.kind):
                        bounds = instruction_at(stencil.code, hole.offset)
                        if bounds is not None:
                            instruction = (placement.code_offset + bounds[0], bounds[1])
                    self.holes.append((section, placement, hole, target, what, instruction))
                    if needs_got_slot(hole.kind):
                        got_candidates.add(target)
                    elif may_need_veneer(hole.kind) and target[0] == ABSOLUTE:
                        veneer_candidates.add(target[1])
        # The most the region can need; _render trims what relaxations make useless.
        self.got_offset = _round_up(self.data_end, GOT_SLOT_SIZE)
        self.max_size = (_round_up(self.got_offset + GOT_SLOT_SIZE * len(got_candidates), 16)
                         + VENEER_SIZE * len(veneer_candidates))
        # Filled by _render once the address is known:
        self.got = {}            # target -> slot index
        self.veneers = {}        # absolute target -> veneer index
        self.veneer_offset = self.size = None

    def _code_of(self, index, what):
        if not 0 <= index < len(self.placements) or self.placements[index].instruction is None:
            raise JitError("%s: uop index %d is outside the trace (length %d)"
                           % (what, index, len(self.placements)))
        return self.placements[index].code_offset

    def _target_of(self, placement, hole, what):
        """(base, value) of S for a hole (the table in cpjit.stencil_build.stencils)."""
        kind = hole.value.name
        instruction = placement.instruction
        base, value = ABSOLUTE, 0
        if kind == "ZERO":
            pass
        elif kind == "CODE":
            base, value = REGION, placement.code_offset
        elif kind == "DATA":
            base, value = REGION, placement.data_offset
        elif kind == "CONTINUE":
            base, value = REGION, placement.code_offset + placement.code_size
        elif kind == "EXECUTOR":
            value = self.executor_address
        elif kind == "GOT":
            base = GOT
        elif kind == "TOP":
            base, value = REGION, self._code_of(0, what)
        elif instruction is None:
            raise JitError("%s: hole %s needs a uop instruction (the trampoline has none)"
                           % (what, kind))
        elif kind == "OPARG":
            value = instruction.oparg
        elif kind == "OPERAND":
            value = instruction.operand
        elif kind == "TARGET":
            value = instruction.target
        elif kind == "EXIT_INDEX":
            value = instruction.exit_index
        elif kind == "JUMP_TARGET":
            base, value = REGION, self._code_of(instruction.jump_target, what)
        elif kind == "ERROR_TARGET":
            base, value = REGION, self._code_of(instruction.error_target, what)
        else:
            raise JitError("%s: unknown hole value %s" % (what, kind))
        if hole.symbol:
            value += resolve_symbol(hole.symbol)
        return (base, value)


ABSOLUTE, REGION, GOT = 0, 1, 2


def _round_up(value, granule):
    return (value + granule - 1) // granule * granule


def _render(layout, base):
    """The region's bytes when mapped at `base`, and the list of applied patches.

    First decides which GOT-kind holes relax and which calls need a veneer (that
    depends on the distances, hence on `base`), so that only the GOT slots and
    veneers actually used are laid out: [code | data | GOT | veneers].
    """
    buffer = bytearray(layout.max_size)
    for placement, stencil in zip(layout.placements, layout.stencils):
        buffer[placement.code_offset:placement.code_offset + len(stencil.code)] = stencil.code
        buffer[placement.data_offset:placement.data_offset + len(stencil.data)] = stencil.data
    got_base = base + layout.got_offset
    bases = (0, base, got_base)

    def field_of(section, placement, hole):
        return hole.offset + (placement.code_offset if section == "code"
                              else placement.data_offset)

    got, veneers = {}, {}
    for section, placement, hole, target, what, instruction in layout.holes:
        S = bases[target[0]] + target[1]
        field = field_of(section, placement, hole)
        if needs_got_slot(hole.kind):
            if not relaxes(buffer, field, hole.kind, S, hole.addend, base + field, instruction):
                got.setdefault(target, len(got))
        elif target[0] == ABSOLUTE and needs_veneer(hole.kind, S, hole.addend, base + field):
            veneers.setdefault(target[1], len(veneers))
    layout.got, layout.veneers = got, veneers
    layout.veneer_offset = _round_up(layout.got_offset + GOT_SLOT_SIZE * len(got), 16)
    layout.size = layout.veneer_offset + VENEER_SIZE * len(veneers)
    if not veneers:
        layout.size = layout.veneer_offset = layout.got_offset + GOT_SLOT_SIZE * len(got)
    del buffer[layout.size:]
    for target, index in got.items():
        write_got_slot(buffer, layout.got_offset + GOT_SLOT_SIZE * index,
                       bases[target[0]] + target[1])
    for target, index in veneers.items():
        write_veneer(buffer, layout.veneer_offset + VENEER_SIZE * index, target)
    patches = []
    for section, placement, hole, target, what, instruction in layout.holes:
        S = bases[target[0]] + target[1]
        field = field_of(section, placement, hole)
        got_slot = veneer = None
        if target in got and needs_got_slot(hole.kind):
            got_slot = got_base + GOT_SLOT_SIZE * got[target]
        elif target[0] == ABSOLUTE and target[1] in veneers and may_need_veneer(hole.kind):
            veneer = base + layout.veneer_offset + VENEER_SIZE * veneers[target[1]]
        patch = apply_relocation(buffer, field, hole.kind, S, hole.addend, base + field,
                                 got_slot=got_slot, got_base=got_base, veneer=veneer,
                                 instruction=instruction, what=what)
        patch.section = section
        patch.placement = placement
        patches.append(patch)
    return buffer, patches


# The relocation layer (cpjit.jit_relocations) and the memory layer (cpjit.jit_memory)
# are x86-64 Linux; another host is another pair of modules, chosen here.
SUPPORTED_HOSTS = {("Linux", "x86_64")}


def _check_host():
    host = (platform.system(), platform.machine())
    if host not in SUPPORTED_HOSTS:
        raise JitError("cpjit's JIT backend supports %s; this host is %s %s"
                       % (", ".join("%s %s" % h for h in sorted(SUPPORTED_HOSTS)), *host))


def _stitch(stencils, instructions, executor_address, memory):
    """The reference stitcher: (region, layout, patches)."""
    _check_host()
    layout = _Layout(stencils, instructions, executor_address)
    if layout.code_end == 0:
        raise JitError("trace %s has no machine code at all (every stencil is empty)"
                       % [s.name for s in stencils])
    rendered = {}

    def render(base):
        buffer, patches = _render(layout, base)
        rendered["patches"] = patches
        return buffer

    region = memory.place(layout.max_size, render)
    return region, layout, rendered["patches"]


def _stitch_planned(stencils, instructions, executor_address, memory):
    """The fast stitcher (cpjit.jit_plan): (region, layout or None, patches or None),
    or None when the trace needs the reference stitcher.  Same bytes at the same
    address; the layout and patches are then recomputed by JitCode on demand."""
    _check_host()
    trace = jit_plan.plan_trace(stencils, instructions, executor_address)
    if trace is None:
        return None
    if trace.code_end == 0:
        raise JitError("trace %s has no machine code at all (every stencil is empty)"
                       % [s.name for s in stencils])
    fallback = []

    def render(base):
        rendered = jit_plan.render_trace(trace, base)
        if rendered is not None:
            return rendered[0]
        # This placement breaks a plan's assumption: the reference renders it.
        layout = _Layout(stencils, instructions, executor_address)
        assert layout.max_size == trace.max_size, (layout.max_size, trace.max_size)
        buffer, patches = _render(layout, base)
        fallback[:] = [layout, patches]
        return buffer

    region = memory.place(trace.max_size, render)
    if fallback:
        return region, fallback[0], fallback[1], trace.code_end
    return region, None, None, trace.code_end


# ---------------------------------------------------------------------------------
# The stencil table and the trampoline

_trampolines = {}          # id(table) -> (table, _Trampoline)
_trampoline_lock = threading.Lock()
_TRAMPOLINE_TYPE = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
# The same door without argtypes, called with a ready c_void_p: no argument converter
# (a Python-level call that needs recursion budget) runs on the way into machine code.
_TRAMPOLINE_TYPE_UNCHECKED = ctypes.PYFUNCTYPE(ctypes.c_int)


class _Trampoline:
    """The stitched trampoline stencil and its ctypes caller (CPython: the shim)."""

    def __init__(self, stencil, memory):
        self.region, self.layout, self.patches = _stitch([stencil], [None], 0, memory)
        self.address = self.region.address
        self.function = _TRAMPOLINE_TYPE(self.address)
        self.unchecked = _TRAMPOLINE_TYPE_UNCHECKED(self.address)


_default_table = []


def _stencil_map(stencils):
    """{name: Stencil} from a StencilTable, a mapping, or None (the process's table,
    loaded once: load_stencils() re-digests every input on each call)."""
    if stencils is None:
        if not _default_table:
            import cpjit.stencil_build as _cpjit_stencil_build
            load_stencils = _cpjit_stencil_build.load_stencils
            _default_table.append(load_stencils())
        stencils = _default_table[0]
    return getattr(stencils, "stencils", stencils)


def _trampoline_for(table):
    """The shared trampoline stitched from this {name: Stencil} table (once per table)."""
    key = id(table)
    entry = _trampolines.get(key)
    if entry is not None and entry[0] is table:
        return entry[1]
    with _trampoline_lock:
        entry = _trampolines.get(key)
        if entry is None or entry[0] is not table:
            if TRAMPOLINE not in table:
                raise JitError("the stencil table has no %r stencil" % TRAMPOLINE)
            entry = (table, _Trampoline(table[TRAMPOLINE], jit_memory.memory))
            _trampolines[key] = entry
        return entry[1]


# ---------------------------------------------------------------------------------
# Entry

class ExitRecord(collections.namedtuple(
        "ExitRecord", "kind target stack_depth index executor frame")):
    """What machine code reported when it returned (the state's exit record).

    kind: CPJIT_EXIT_* (abi().EXIT_SIDE, ...); target: tier-1 byte offset to resume at
    (or that raised); stack_depth: value-stack depth at the exit; index: exit index
    (side exits), else -1; executor: address of the _cpjit_executor whose stencil
    exited; frame: address of the innermost _cpjit_frame when the exit is inside an
    inlined call, else 0; exception: the exception of an error exit (kind ==
    EXIT_ERROR), else None.
    """

    __slots__ = ()
    exception = None


class ErrorExitRecord(ExitRecord):
    """An ExitRecord whose `exception` is set (instances carry it in their __dict__)."""


_free_states = []              # pooled _cpjit_state structs: one per concurrent entry
_ACTIVE = jit_memory.ACTIVE_ENTRIES
_PENDING = jit_memory.PENDING
_new_record = tuple.__new__
_NULL_SENTINEL = []


def _new_state():
    a = abi()
    state = a.ffi.new("_cpjit_state *")
    address = int(a.ffi.cast("uintptr_t", state))
    return (state, a.ffi.buffer(state), address, ctypes.c_void_p(address))


def _default_null():
    if not _NULL_SENTINEL:
        from cpjit.interpreter.frame import NULL
        _NULL_SENTINEL.append(NULL)
    return _NULL_SENTINEL[0]


class JitCode:
    """A stitched trace in executable memory (the jit_code of an executor)."""

    def __init__(self, trace, region, layout, patches, executor, trampoline, *,
                 stencils=None, code_end=None):
        self.trace = tuple(trace)
        self.region = region
        # The fast stitcher keeps no layout or patches: they are recomputed by the
        # reference stitcher at the same address when introspection asks for them.
        self._layout = layout
        self._patches = patches
        self._stencils = stencils
        self._code_end = layout.code_end if code_end is None else code_end
        self.executor = executor           # the _cpjit_executor (kept alive here)
        self.executor_address = _address_of(executor)
        self.entry = region.address       # code of uop 0
        self.size = region.size
        self._trampoline = trampoline
        self._call = trampoline.function
        self._call_unchecked = trampoline.unchecked
        a = abi()
        self._pack = struct.Struct(a.input_format).pack_into
        self._input_offset = a.input_offset
        self._unpack = struct.Struct(a.exit_format).unpack_from
        self._exit_offset = a.exit_offset
        self._exit_error = a.EXIT_ERROR
        assert a.EXIT_NONE == 0

    # ---- entering ----------------------------------------------------------------
    def run(self, localsplus, stack, code, globals, builtins, *, func=None, locals=None,
            null=None, instr_offset=0, stack_capacity=None):
        """Run the trace on a tier-1 frame's lists; returns an ExitRecord.

        The references in `localsplus` and `stack` move into machine code and back
        (see cpjit_abi.h); on return they hold the state at the exit.  An error exit
        does not raise: the exception is in ExitRecord.exception (tier 1 sets lasti
        from ExitRecord.target and raises it).  `null` defaults to
        cpjit.interpreter.frame.NULL, `stack_capacity` to code.co_stacksize.
        """
        return self._enter(localsplus, stack, code, func, globals, builtins, locals,
                           _default_null() if null is None else null, instr_offset,
                           code.co_stacksize if stack_capacity is None else stack_capacity)

    def run_frame(self, frame, instr_offset=None, entry=None):
        """run() on a cpjit.interpreter.frame.Frame (at frame.lasti by default).

        `entry`: the frame tier 1 entered the executor with, when `frame` is one that
        an earlier exit of the same entry rebuilt above it (not counted by tier 1 yet):
        the frames between them count against the recursion limit here."""
        code = frame.code
        # Machine code runs guest code natively (_CALL, binary ops on Python classes,
        # sys.setrecursionlimit...): it must see the recursion budget a tier-1 handler
        # sees, as CPython would, not the engine's headroom.
        cell = getattr(frame, "rcell", None)
        debt = _native_recursion_debt() if cell is not None else 0
        if cell is None and entry is not None:
            cell = getattr(entry, "rcell", None)
            if cell is not None:
                from cpjit.interpreter.frame import frames_above
                debt = _native_recursion_debt() + frames_above(frame, entry)
        return self._enter(frame.localsplus, frame.stack, code, frame.func, frame.globals,
                           frame.builtins, frame.locals, _NULL_SENTINEL[0] if _NULL_SENTINEL
                           else _default_null(),
                           frame.lasti if instr_offset is None else instr_offset,
                           code.co_stacksize, cell, debt)

    def _enter(self, localsplus, stack, code, func, globals, builtins, locals, null,
               instr_offset, stack_capacity, cell=None, debt=0):
        """One entry through the trampoline (positional arguments: the hot path)."""
        try:
            state = _free_states.pop()
        except IndexError:
            state = _new_state()
        buffer = state[1]
        self._pack(buffer, self._input_offset, self.entry, self.executor_address, id(code),
                   0 if func is None else id(func), id(globals), id(builtins),
                   0 if locals is None else id(locals), id(localsplus), id(stack), id(null),
                   stack_capacity, instr_offset, 0)
        try:
            # inside the try: finally must pop it whatever comes.  The state itself, so
            # that live_slots() finds the C frame of a frame whose locals are in machine code.
            _ACTIVE.append(state)
            if debt:
                # Taken back only around the call itself (no argument converter
                # runs in it): machine code then counts as a tier-1 handler's callee.
                cell.value -= debt
                try:
                    self._call_unchecked(state[3])
                finally:
                    cell.value += debt
            else:
                self._call(state[2])
        except BaseException as exc:
            record = self._unpack(buffer, self._exit_offset)
            if not record[0]:
                raise                    # raised before machine code ran (async exception)
            if record[0] != self._exit_error:
                # Machine code reached a normal exit, then an asynchronous exception
                # (KeyboardInterrupt from a signal, ...) arrived on the way back: it is
                # raised at the exit's target, as if tier 1 had checked there.
                record = (self._exit_error,) + record[1:]
            tb = exc.__traceback__
            if tb is not None and tb.tb_frame is sys._getframe():
                exc.__traceback__ = tb.tb_next      # drop this function's own entry
            # (the local would keep a cycle: traceback -> this frame -> traceback, and
            # with it the tier-1 frame's lists until the cyclic collector runs)
            tb = None
            error = _new_record(ErrorExitRecord, record)
            error.exception = exc
            return error
        else:
            record = _new_record(ExitRecord, self._unpack(buffer, self._exit_offset))
            if not record[0]:
                raise JitError("machine code returned without filling the exit record")
            return record
        finally:
            top = _ACTIVE.pop()
            if top is not state:
                # Another thread entered after us and is still inside: keep its state.
                _ACTIVE.remove(state)
                _ACTIVE.append(top)
            _free_states.append(state)
            if _PENDING and not _ACTIVE:
                jit_memory.release_all_deferred()

    # ---- introspection -------------------------------------------------------------
    def _recompute_layout(self):
        """The reference layout and patches of this trace at its address."""
        layout = _Layout(self._stencils, self.trace, self.executor_address)
        buffer, patches = _render(layout, self.region.address)
        if len(buffer) != self.region.size or (
                not self.region.freed and bytes(buffer) != self.region.read()):
            raise JitError("the reference stitcher disagrees with the stitched trace "
                           "(a cpjit.jit_plan bug)")
        self._layout, self._patches = layout, patches

    @property
    def layout(self):
        """Offsets of everything in the region (the reference stitcher's _Layout)."""
        if self._layout is None:
            self._recompute_layout()
        return self._layout

    @property
    def patches(self):
        """Every applied relocation (jit_relocations.Patch), in hole order."""
        if self._patches is None:
            self._recompute_layout()
        return self._patches

    @property
    def placements(self):
        return self.layout.placements

    @property
    def code_size(self):
        return self._code_end

    def machine_code(self):
        """The bytes of the whole region as mapped (code, veneers, data, GOT)."""
        return self.region.read()

    def code_bytes(self):
        """The bytes of the uops' code only."""
        return self.region.read()[:self._code_end]

    def disassemble(self):
        """Annotated disassembly: stencil boundaries and patched holes marked."""
        from cpjit.jit_disasm import disassemble_jit_code
        return disassemble_jit_code(self)

    # ---- freeing ------------------------------------------------------------------------
    def free(self):
        """Give the memory back (_PyJIT_Free); deferred while machine code runs."""
        self._call = _refuse_freed          # later entries raise before any machine code
        self._call_unchecked = _refuse_freed
        self.region.free()

    @property
    def freed(self):
        return self.region.freed

    def __repr__(self):
        return "<JitCode %d uops, %d bytes at %#x%s>" % (
            len(self.trace), self.size, self.entry, " (freed)" if self.freed else "")


def compile_trace(trace, executor=None, *, stencils=None, memory=None, reference=False):
    """Stitch a trace of UopInstructions into machine code (_PyJIT_Compile).

    executor: the _cpjit_executor the trace's _JIT_EXECUTOR holes point at (a cffi
    pointer or an address); None creates one with exit_count = 1 + the largest
    exit_index.  Its jit_code field is set to the trace's entry.
    stencils: a StencilTable or {name: Stencil}; None loads the table of the running
    Python (built lazily).  memory: an ExecutableMemory (default: the process's).
    reference: stitch with the reference algorithm (every hole decoded and patched
    one by one) instead of the per-stencil plans of cpjit.jit_plan; the bytes are
    the same, this is for tests and for telling a plan bug from anything else.
    """
    trace = list(trace)
    if not trace:
        raise JitError("cannot compile an empty trace")
    table = _stencil_map(stencils)
    try:
        chosen = [table[instruction.name] for instruction in trace]
    except KeyError as missing:
        raise JitError("no stencil for uop %s" % missing) from None
    if executor is None:
        executor = new_executor(1 + max(instruction.exit_index for instruction in trace))
    trampoline = _trampoline_for(table) if TRAMPOLINE in table else None
    memory = memory or jit_memory.memory
    stitched = None if reference else _stitch_planned(chosen, trace, _address_of(executor),
                                                      memory)
    if stitched is None:
        region, layout, patches = _stitch(chosen, trace, _address_of(executor), memory)
        code_end = layout.code_end
    else:
        region, layout, patches, code_end = stitched
    if not isinstance(executor, int):
        executor.jit_code = abi().ffi.cast("void *", region.address)
    return JitCode(trace, region, layout, patches, executor, trampoline or _NoTrampoline(),
                   stencils=chosen, code_end=code_end)


def _refuse_freed(state_address):
    raise JitError("this trace was freed")


class _NoTrampoline:
    """For tables without a trampoline (synthetic tests): the code cannot be entered."""

    @staticmethod
    def function(state_address):
        raise JitError("this stencil table has no trampoline: the trace cannot be entered")

    unchecked = function


def memory_stats():
    """{'bytes_used', 'bytes_mapped', 'mappings'} of the process's executable memory."""
    m = jit_memory.memory
    return {"bytes_used": m.bytes_used, "bytes_mapped": m.bytes_mapped,
            "mappings": m.mapping_count()}


def live_frame(frame):
    """(localsplus values, instr_offset) of tier-1 `frame` while its locals are in machine
    code (a callback that a builtin calls from the trace reads its caller's frame), or
    None when the frame is not running as machine code (its own lists are then the
    truth).  Unbound slots hold the NULL sentinel, as in Frame.localsplus.  Only the
    entry frame of each running entry is found this way: the frames machine code
    inlined above it are live_inlined_frames()."""
    if not _ACTIVE:
        return None
    from cpjit.jit_frames import read_live_frame
    target = id(frame.localsplus)
    for state in reversed(_ACTIVE):
        cstate = state[0]
        if _address_of(cstate.localsplus) == target:
            live = read_live_frame(cstate.entry_frame, _default_null(), abi().ffi)
            if live is not None:
                return live
    return None


def live_inlined_frames(state):
    """The frames machine code pushed (inlined calls) above the entry frame of a running
    entry, outermost first (jit_frames.InlinedFrame snapshots); `state` is the pooled
    state of that entry (the `state` local of JitCode._enter)."""
    from cpjit.jit_frames import read_live_inlined_frames
    return read_live_inlined_frames(state[0], _default_null(), abi().ffi)


def live_slots(frame):
    """The localsplus values of live_frame(frame), or None."""
    live = live_frame(frame)
    return None if live is None else live[0]


def take_inlined_frames(record, null=None):
    """The frames machine code pushed above the entry frame at this exit (inlined calls),
    outermost first, as cpjit.jit_frames.InlinedFrame; their references move to Python
    and the C frames are freed.  Call once per record; [] when record.frame is 0."""
    if not record.frame:
        return []
    from cpjit.jit_frames import take_inlined_frames as take
    return take(record, _default_null() if null is None else null, abi().ffi)


# ---- the recursion budget machine code runs with ----------------------------------------
# The JIT engine (cpjit.optimizer.JitEngine.execute) adds _JIT_RECURSION_HEADROOM to
# tstate->recursion_remaining while an executor runs: room for its own Python frames
# near the guest's limit. Machine code takes it back, less those frames (the handler's
# callees down to JitCode._enter, whose cffi call runs the machine code), so that what
# it runs natively meets CPython's limit where a tier-1 handler would, and
# sys.setrecursionlimit(n) accepts the n python accepts (a lower limit, accepted only
# thanks to the headroom, made every later call fail: a crash at the exit).
# _CHECK_STACK_SPACE (tier2_calls.c) counts on this: its margin is the reference's 60.

_DEBT_CODES = []   # [tier 1's loop code, JitEngine.execute's code, headroom, real getframe]


def _debt_codes():
    if not _DEBT_CODES:
        try:
            from cpjit import optimizer
            from cpjit.interpreter import ceval, introspect
            _DEBT_CODES.extend((ceval._run.__code__, optimizer.JitEngine.execute.__code__,
                                optimizer._JIT_RECURSION_HEADROOM, introspect._real_getframe))
        except (ImportError, AttributeError):
            _DEBT_CODES.extend((None, None, 0, sys._getframe))
    return _DEBT_CODES


def _native_recursion_debt():
    """How much of the engine's headroom machine code gives back (0 outside the engine)."""
    loop_code, execute_code, headroom, getframe = _debt_codes()
    if loop_code is None:
        return 0
    fr = getframe(1)           # run_frame; _enter is one more frame
    frames = 2                 # run_frame and _enter
    in_engine = False
    while fr is not None and frames < 40:
        fr = fr.f_back
        if fr is None:
            return 0
        if fr.f_code is loop_code:
            break
        if fr.f_code is execute_code:
            in_engine = True
        frames += 1
    else:
        return 0
    if not in_engine:
        return 0
    # `frames` Python frames lie between tier 1's loop and the machine code; a tier-1
    # handler is one of them.
    return max(headroom - (frames - 1), 0)
