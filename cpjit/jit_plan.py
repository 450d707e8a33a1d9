"""Fast stitching: per-stencil patch plans decided once, applied per trace
(CPython counterpart: the emit_* functions Tools/jit generates into
jit_stencils.h, which _PyJIT_Compile calls; everything about a stencil that
does not depend on the trace is decided at build time there, at first use here).

cpjit.jit's reference stitcher (_Layout/_render) decodes instructions, resolves
symbols and builds a Patch object for every hole of every trace.  A plan does
that once per stencil and splits the holes in three:

* lanes: holes whose value is a constant plus at most one per-placement
  variable with coefficient +-1 (external symbols called or loaded
  PC-relatively, CONTINUE/CODE, DATA, jump tables in data).  The stencil's bytes
  are held as one integer (little-endian) with those fields zeroed, each
  lane's constant stored biased so it is non-negative; a placement adds
  ``variable * R`` per group (R = sum of 1 << 8*field) and flips the bias bits
  back (xor).  With every lane's range checked first no carry crosses a lane,
  so a stencil is patched by a few big-integer operations, whatever its hole
  count.  GOT-kind holes on external symbols are relaxed the way the reference
  would relax them in range (imm32 decided by the symbol alone, lea / direct
  call otherwise); their rewritten opcode bytes are part of the integer.
* dynamic holes: values of the uop instruction (oparg, operand, target, exit
  index, executor), jump/error targets, and external symbols read through a
  GOT slot whatever the placement (``cmp reg, [rip+G]`` with a 64-bit address),
  patched per trace with pack_into in hole order (the order GOT slots are
  handed out), each with its relaxation form precomputed (imm32 / lea / slot).
* anything else (kinds or values the plan does not model, unresolvable
  symbols, holes too near the stencil start): the stencil has no plan and a
  trace using it takes the reference path, which also raises the errors.

A stencil placed out of rel32 reach of some external symbol it loads or calls
through the GOT uses its plan's `far` variant, where those holes are dynamic too
(direct when in reach, else a GOT slot, as the reference decides per hole).
Whenever a placement breaks any other assumption (a lane out of range), the
trace is rendered by the reference path instead.  The bytes are the reference's, byte
for byte (tests/test_jit_plan.py compares both on random traces of every real
stencil, at addresses near, below and far from libpython).
"""

from __future__ import annotations

# Guest programs may rebind or delete builtins (builtins.len = ...); cpjit's own code
# keeps the ones it saw at import, as tier 1 does.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import struct

from cpjit import jit_memory, jit_plan_cache
from cpjit.jit_relocations import (
    GOT_SLOT_SIZE, SUPPORTED_KINDS, _relax_got_load, instruction_at,
)
from cpjit.jit_symbols import UnresolvedSymbolError, resolve_symbol

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
_PACK_I = struct.Struct("<i").pack_into
_PACK_U = struct.Struct("<I").pack_into

# Placement variables a lane may depend on (with coefficient +1).
AT_NEG = 0       # -(address of this stencil's code)        external pc32 in code
DELTA = 1        # data_offset - code_offset                 DATA pc32 in code
BACK = 2         # code_offset - data_offset                 CODE pc32 in data
DATA_ABS = 3     # address of this stencil's data            DATA abs64 in data
_VARIABLES = 4

# Dynamic hole modes.
JUMP = 0         # pc32 to the code of uop `index` (JUMP_TARGET / ERROR_TARGET / TOP)
GOT_LOAD = 1     # GOT-kind load of an instruction value: imm32 / direct / GOT slot

_SIGNED32, _UNSIGNED64 = (INT32_MIN, INT32_MAX, 1 << 31, 4), (0, (1 << 64) - 1, 0, 8)
_PC_KINDS = ("R_X86_64_PC32", "R_X86_64_PLT32")
_RELAXABLE_GOT_KINDS = ("R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX")
_VALUE_FIELDS = {"OPARG": "oparg", "OPERAND": "operand", "TARGET": "target",
                 "EXIT_INDEX": "exit_index"}
_INDEX_FIELDS = {"JUMP_TARGET": "jump_target", "ERROR_TARGET": "error_target"}
_FAR = 1 << 40   # a value that fits no imm32, used to classify relaxation forms
# Where a GOT load's value comes from: a str names a field of the UopInstruction,
# an int is a constant (an external symbol's address), _EXECUTOR the executor.
_EXECUTOR = None
_NOT_BUILT = object()


class NoPlan(Exception):
    """The stencil has a hole the plan does not model (the reference path handles it)."""


class _Lanes:
    """Fields of one section (code or data) patched as big-integer lanes."""

    def __init__(self, raw):
        self.size = len(raw)
        self.bytes = bytearray(raw)
        self.base = 0                       # biased constants, in place of the fields
        self.xor = 0                        # bias bits to flip back
        self.repeat = [0] * _VARIABLES      # R per variable
        self.low = [None] * _VARIABLES      # smallest / largest constant per variable
        self.high = [None] * _VARIABLES
        self.fields = []                    # (start, end) of every lane, for overlap checks

    def add(self, offset, constant, variable, form):
        low, high, bias, width = form
        if offset < 0 or offset + width > self.size:
            raise NoPlan("field outside its section")
        self.fields.append((offset, offset + width))
        self.bytes[offset:offset + width] = bytes(width)
        shift = 8 * offset
        if variable is None:
            if not low <= constant <= high:
                raise NoPlan("constant out of range")
            self.base += (constant + bias) << shift
        else:
            if form is not self._form_of(variable):
                raise NoPlan("mixed field forms for one variable")
            self.base += (constant + bias) << shift
            self.repeat[variable] += 1 << shift
            self.low[variable] = constant if self.low[variable] is None else min(
                self.low[variable], constant)
            self.high[variable] = constant if self.high[variable] is None else max(
                self.high[variable], constant)
        if bias:
            self.xor |= bias << shift

    @staticmethod
    def _form_of(variable):
        return _UNSIGNED64 if variable == DATA_ABS else _SIGNED32

    def finish(self):
        """(static integer, xor mask, [(variable, R, lowest, highest allowed value)])."""
        ends = sorted(self.fields)
        for (_, end), (start, _) in zip(ends, ends[1:]):
            if start < end:
                raise NoPlan("overlapping fields")
        groups = []
        for variable in range(_VARIABLES):
            if self.repeat[variable]:
                low, high, _, _ = self._form_of(variable)
                groups.append((variable, self.repeat[variable],
                               low - self.low[variable], high - self.high[variable]))
        static = int.from_bytes(self.bytes, "little") + self.base
        return static, self.xor, tuple(groups)


class _SymbolNotes:
    """Where the near code variant depends on external symbols' addresses, noted
    while it is planned, so that cpjit.jit_plan_cache can move a plan to another
    process (libraries elsewhere) without planning the stencil again."""

    def __init__(self):
        self.addresses = {}     # name -> address used
        self.lanes = []         # (offset, constant, name): AT_NEG lanes, constant = S + d
        self.loads = {}         # field offset -> name: GOT loads whose source is S
        self.movable = True

    def lane(self, offset, constant, name, address):
        self.addresses[name] = address
        self.lanes.append((offset, constant, name))

    def load(self, offset, name, address):
        self.addresses[name] = address
        self.loads[offset] = name

    def address_in_code(self):
        """An imm32 relaxation wrote (part of) a symbol's address into the code."""
        self.movable = False

    def finish(self, got_keys, loads):
        """StencilPlan.symbols: None when the plan cannot move, else (((name, address),
        ...), lanes, ((load index, name), ...), (GOT name, ...))."""
        if not self.movable:
            return None
        for name, address in got_keys:
            if self.addresses.setdefault(name, address) != address:
                return None
        load_names = tuple((index, self.loads[load[0]]) for index, load in enumerate(loads)
                           if load[0] in self.loads)
        return (tuple(sorted(self.addresses.items())), tuple(self.lanes), load_names,
                tuple(sorted(name for name, _ in got_keys)))


class StencilPlan:
    """Everything about one stencil that does not depend on the trace."""

    __slots__ = ("stencil", "code", "holes", "data_holes", "code_size", "data_size",
                 "data_alignment", "near", "data_static", "data_xor", "data_groups",
                 "jumps", "got_static", "load_fields", "uses_executor", "index_fields",
                 "symbols", "_far", "_notes", "near_bytes", "trace_needs")

    def __init__(self, stencil):
        self.stencil = stencil
        self.code, self.holes, self.data_holes = stencil.code, stencil.holes, stencil.data_holes
        self.code_size, self.data_size = len(stencil.code), len(stencil.data)
        self.data_alignment = max(stencil.data_alignment, 1)
        if self.data_alignment > jit_memory.ALIGNMENT:
            raise NoPlan("data alignment")
        for hole in stencil.holes:
            if hole.kind not in SUPPORTED_KINDS:
                raise NoPlan("kind")
        # Two variants of the code: `near` relaxes the external GOT loads to lea /
        # direct calls as lanes (the usual case: code is mapped near libpython);
        # `far` (None when it would be the same) patches them one by one, for a
        # placement where some are out of rel32 reach and take a GOT slot.
        got_keys = set()
        self._notes = _SymbolNotes()
        self.near, dynamic = self._code_variant(got_keys, far=False)
        self._far = _NOT_BUILT     # built when a placement first needs it (rarely)
        data = _Lanes(stencil.data)
        for hole in stencil.data_holes:
            self._plan_data_hole(hole, data)
        self.data_static, self.data_xor, self.data_groups = data.finish()
        # jumps: (offset, addend - offset, index field or None for TOP)
        self.jumps = tuple(hole[1:] for hole in dynamic if hole[0] == JUMP)
        self.index_fields = tuple(hole[2] for hole in self.jumps if hole[2] is not None)
        # what the GOT may have to hold (the reference sizes the region with it)
        self.got_static = frozenset(symbol for _, symbol in got_keys)
        loads = self.near[3]
        self.load_fields = tuple(hole[2] for hole in loads if hole[2].__class__ is str)
        self.uses_executor = any(hole[2] is _EXECUTOR for hole in loads)
        self.symbols = self._notes.finish(got_keys, loads)
        self._notes = None
        self._derive()

    def _derive(self):
        """Shortcuts for the per-trace functions, derived from the fields above."""
        static, xor, groups, loads = self.near
        # no placement variable: the near code's bytes are the same in every trace
        self.near_bytes = None if groups else (static ^ xor).to_bytes(self.code_size, "little")
        needs = (self.got_static, self.load_fields, self.index_fields, self.uses_executor)
        self.trace_needs = needs if any(needs) else None

    @property
    def far(self):
        """The code variant for placements out of reach of some external: None when
        it is the near one (or could not be planned: the reference renders then)."""
        if self._far is _NOT_BUILT:
            try:
                far, _ = self._code_variant(set(), far=True)
            except NoPlan:
                far = None
            self._far = None if far is None or far[3] == self.near[3] else far
        return self._far

    def _code_variant(self, got_keys, far):
        """(static integer, xor mask, lane groups, loads) of the code, and the
        dynamic holes.  loads, in hole order (the order GOT slots are handed out):
        (offset, addend - offset, source, imm_always, imm_start, imm_prefix,
        direct_start, direct_prefix, addend)."""
        code = _Lanes(self.code)
        patched_code = bytearray(self.code)   # opcode rewrites of relaxed GOT loads
        rewritten = set()                     # ... at these offsets
        dynamic = []
        for hole in self.holes:
            self._plan_code_hole(hole, code, patched_code, rewritten, dynamic, got_keys, far)
        # opcode bytes rewritten by relaxations (outside every lane's field)
        for offset in sorted(rewritten):
            if any(start <= offset < end for start, end in code.fields):
                raise NoPlan("a rewrite inside a lane")
            code.bytes[offset] = patched_code[offset]
        static, xor, groups = code.finish()
        loads = tuple(hole[1:] for hole in dynamic if hole[0] == GOT_LOAD)
        return (static, xor, groups, loads), dynamic

    # ---- code holes -----------------------------------------------------------------
    def _plan_code_hole(self, hole, code, patched, rewritten_at, dynamic, got_keys, far):
        kind, value, offset, addend = hole.kind, hole.value.name, hole.offset, hole.addend
        if kind in _PC_KINDS:
            if hole.symbol and value == "ZERO":
                symbol = _resolve(hole.symbol)
                if kind == "R_X86_64_PLT32":
                    raise NoPlan("external PLT32 (veneer candidate)")
                code.add(offset, symbol + addend - offset, AT_NEG, _SIGNED32)
                if not far:
                    self._notes.lane(offset, symbol + addend - offset, hole.symbol, symbol)
            elif hole.symbol:
                raise NoPlan("symbol on a region value")
            elif value == "CODE":
                code.add(offset, addend - offset, None, _SIGNED32)
            elif value == "CONTINUE":
                code.add(offset, self.code_size + addend - offset, None, _SIGNED32)
            elif value == "DATA":
                code.add(offset, addend - offset, DELTA, _SIGNED32)
            elif value in _INDEX_FIELDS or value == "TOP":
                dynamic.append((JUMP, offset, addend - offset, _INDEX_FIELDS.get(value)))
            else:
                raise NoPlan("pc-relative %s" % value)
            return
        if kind not in _RELAXABLE_GOT_KINDS:
            raise NoPlan("GOT or absolute kind")
        bounds = instruction_at(self.code, offset)
        # The relaxation reads the instruction's bytes before the field: with its
        # bounds known they are in this stencil; without, a REX prefix is looked
        # for at offset - 3, which must not be the previous stencil's last byte.
        if offset < 2 or (bounds is None and offset < 3):
            raise NoPlan("field too near the stencil start")
        if value == "ZERO" and hole.symbol:
            symbol = _resolve(hole.symbol)
            got_keys.add((hole.symbol, symbol))
            near = self._relax(kind, offset, symbol, addend, bounds, direct=0)
            far_form = self._relax(kind, offset, symbol, addend, bounds, direct=1 << 33)
            if near is None:
                if far_form is not None:
                    raise NoPlan("relaxes only out of range")
                # never relaxes (e.g. cmp reg, [rip+G] with a 64-bit address): a GOT
                # slot, whose index depends on the trace's other GOT holes
                dynamic.append((GOT_LOAD, offset, addend - offset, symbol, False, None,
                                None, None, None, addend))
                if not far:
                    self._notes.load(offset, hole.symbol, symbol)
                return
            how, rewritten = near
            if how == "imm32":
                if far_form is None or far_form[1] != rewritten:
                    raise NoPlan("imm32 that depends on the placement")
                if not far:
                    self._notes.address_in_code()
                _copy_changes(patched, rewritten_at, self.code, rewritten, len(rewritten), offset)
            else:
                if far_form is not None:
                    raise NoPlan("direct form out of range")
                if far:
                    start = _first_changed(self.code, rewritten, offset)
                    dynamic.append((GOT_LOAD, offset, addend - offset, symbol, False, None,
                                    None, start, bytes(rewritten[start:offset]), addend))
                    return
                # field = S + A - P, P = stencil address + offset
                _copy_changes(patched, rewritten_at, self.code, rewritten, offset, offset)
                code.add(offset, symbol + addend - offset, AT_NEG, _SIGNED32)
                if not far:
                    self._notes.lane(offset, symbol + addend - offset, hole.symbol, symbol)
            return
        if hole.symbol:
            raise NoPlan("symbol on an instruction value")
        if value in _VALUE_FIELDS or value == "EXECUTOR":
            field = _VALUE_FIELDS.get(value, _EXECUTOR)
            small = self._relax(kind, offset, 1, addend, bounds, direct=0)
            big_near = self._relax(kind, offset, _FAR, addend, bounds, direct=0)
            big_far = self._relax(kind, offset, _FAR, addend, bounds, direct=1 << 33)
            imm_prefix = imm_start = direct_prefix = direct_start = None
            imm_always = False
            if small is not None and small[0] == "imm32":
                imm_start = _first_changed(self.code, small[1], offset)
                imm_prefix = bytes(small[1][imm_start:offset])
                imm_always = big_near is not None and big_near[0] == "imm32"
                if imm_always and (big_far is None or big_far[0] != "imm32"
                                   or big_near[1][imm_start:offset] != imm_prefix):
                    raise NoPlan("imm32 form that depends on the placement")
            elif small is not None:
                raise NoPlan("small value not relaxed to imm32")
            if not imm_always and big_near is not None:
                if big_near[0] not in ("lea", "call", "jmp") or big_far is not None:
                    raise NoPlan("unexpected relaxation form")
                direct_start = _first_changed(self.code, big_near[1], offset)
                direct_prefix = bytes(big_near[1][direct_start:offset])
            elif not imm_always and big_far is not None:
                raise NoPlan("relaxes out of range")
            dynamic.append((GOT_LOAD, offset, addend - offset, field, imm_always, imm_start,
                            imm_prefix, direct_start, direct_prefix, addend))
            return
        raise NoPlan("GOT-kind %s" % value)

    def _relax(self, kind, offset, S, A, bounds, direct):
        """The reference's relaxation of one hole on a copy of the stencil, for a
        field address P making S + A - P == `direct`: (how, rewritten code) or None."""
        buffer = bytearray(self.code)
        P = S + A - direct
        result = _relax_got_load(buffer, offset, kind, S, A, P, bounds, write=True)
        if result is None:
            return None
        return result[0], buffer

    # ---- data holes -----------------------------------------------------------------
    def _plan_data_hole(self, hole, data):
        kind, value, offset, addend = hole.kind, hole.value.name, hole.offset, hole.addend
        if hole.symbol:
            raise NoPlan("symbol in data")
        if kind in _PC_KINDS and value == "CODE":
            data.add(offset, addend - offset, BACK, _SIGNED32)
        elif kind == "R_X86_64_64" and value == "DATA":
            data.add(offset, addend, DATA_ABS, _UNSIGNED64)
        else:
            raise NoPlan("data hole %s %s" % (kind, value))


# A relaxation rewrites only the bytes of the instruction holding the field (at
# most 15 before it, x86's longest instruction) and the field: the byte-by-byte
# comparisons below look there once memcmp has seen the rest is unchanged.
_WINDOW_BEFORE, _WINDOW_AFTER = 16, 8


def _changed_span(original, rewritten, near=None):
    """(lo, hi): `rewritten` equals `original` outside [lo, hi).  `near`: the field
    offset a relaxation rewrote around (a small span), None: anywhere."""
    size = len(original)
    if near is not None:
        lo, hi = max(0, near - _WINDOW_BEFORE), min(size, near + _WINDOW_AFTER)
        if original[:lo] == rewritten[:lo] and original[hi:] == rewritten[hi:]:
            return lo, hi
        return 0, size
    # the first and last differing bytes, found by halving with memcmp
    if original == rewritten:
        return 0, 0
    lo, hi = 0, size
    while hi - lo > 32:
        middle = (lo + hi) // 2
        if original[lo:middle] == rewritten[lo:middle]:
            lo = middle
        else:
            hi = middle
    first = lo
    lo, hi = first, size
    while hi - lo > 32:
        middle = (lo + hi) // 2
        if original[middle:hi] == rewritten[middle:hi]:
            hi = middle
        else:
            lo = middle
    return first, hi


def _copy_changes(target, changed, original, rewritten, limit, field):
    """Copy into `target` the bytes before `limit` that `rewritten` changed (by
    relaxing the hole at `field`), adding their offsets to the set `changed`."""
    lo, hi = _changed_span(original, rewritten, near=field)
    for index in range(lo, min(hi, limit)):
        if original[index] != rewritten[index]:
            if target[index] not in (original[index], rewritten[index]):
                raise NoPlan("two relaxations rewrite one byte")
            target[index] = rewritten[index]
            changed.add(index)


def _first_changed(original, rewritten, limit=None):
    """Offset of the first byte `rewritten` changed before `limit` (the field)."""
    lo, hi = _changed_span(original, rewritten, near=limit)
    for index in range(lo, hi):
        a, b = original[index], rewritten[index]
        if a != b:
            return index if limit is None or index < limit else limit
    return limit if limit is not None else len(original)


def _resolve(name):
    try:
        return resolve_symbol(name)
    except UnresolvedSymbolError:
        raise NoPlan("unresolvable symbol") from None


_plans = {}        # id(stencil) -> (stencil, StencilPlan or None when it has none)


def plan_of(stencil):
    """The stencil's plan (built on first use, once per stencil object), or None."""
    entry = _plans.get(id(stencil))
    if entry is not None and entry[0] is stencil:
        plan = entry[1]
        if plan is None or (plan.code is stencil.code and plan.holes is stencil.holes
                            and plan.data_holes is stencil.data_holes):
            return plan
    key = jit_plan_cache.key_of(stencil)
    plan = None if key is None else _stored_plan(stencil, key)
    if plan is None:
        try:
            plan = StencilPlan(stencil)
        except NoPlan:
            plan = None
        if plan is not None and key is not None and plan.symbols is not None:
            jit_plan_cache.store(key, _entry_of(plan))
    _plans[id(stencil)] = (stencil, plan)      # the stencil is kept alive: ids stay unique
    return plan


# ---- plans kept between processes (cpjit.jit_plan_cache) --------------------------------
# (the order _stored_plan unpacks)
_STORED_FIELDS = ("code_size", "data_size", "data_alignment", "near", "data_static",
                  "data_xor", "data_groups", "jumps", "load_fields", "uses_executor",
                  "index_fields", "symbols")


def _entry_of(plan):
    """What jit_plan_cache stores of a plan (ints, strings, bytes, tuples)."""
    return tuple(getattr(plan, name) for name in _STORED_FIELDS)


def _address_class(address):
    """What the relaxations decide from an address alone: whether it fits an imm32."""
    return INT32_MIN <= ((address & 0xFFFFFFFFFFFFFFFF) ^ (1 << 63)) - (1 << 63) <= INT32_MAX


def _stored_plan(stencil, key):
    """The stored plan of `stencil`, moved to this process's symbol addresses, or
    None (not stored, or stored for addresses that relax differently)."""
    entry = jit_plan_cache.lookup(key)
    if entry is jit_plan_cache.MISSING:
        return None
    # (few temporaries: each container allocated here counts towards a collection
    # of the young generation, which is what loading plans mostly costs)
    try:
        (code_size, data_size, data_alignment, near, data_static, data_xor, data_groups,
         jumps, load_fields, uses_executor, index_fields, symbols) = entry
        addresses, lanes, load_names, got_names = symbols
        static, xor, groups, loads = near
        moved = {}
        for name, old in addresses:
            new = resolve_symbol(name)
            if _address_class(new) != _address_class(old):
                return None
            moved[name] = new
        if lanes or load_names:
            # AT_NEG lanes: the field holds S + d - P; the static integer holds the
            # biased S + d (exact integer arithmetic: moving S adds delta << shift)
            old_addresses = dict(addresses)
            moved_lanes = []
            for offset, constant, name in lanes:
                delta = moved[name] - old_addresses[name]
                static += delta << (8 * offset)
                moved_lanes.append((offset, constant + delta, name))
            if lanes:
                lowest = min(lane[1] for lane in moved_lanes)
                highest = max(lane[1] for lane in moved_lanes)
                groups = tuple((AT_NEG, group[1], INT32_MIN - lowest, INT32_MAX - highest)
                               if group[0] == AT_NEG else group for group in groups)
            if load_names:
                loads = list(loads)
                for index, name in load_names:
                    load = loads[index]
                    loads[index] = (load[0], load[1], moved[name]) + load[3:]
                loads = tuple(loads)
            near = (static, xor, groups, loads)
            lanes = tuple(moved_lanes)
        plan = StencilPlan.__new__(StencilPlan)
        plan.code_size, plan.data_size, plan.data_alignment = code_size, data_size, \
            data_alignment
        plan.near = near
        plan.data_static, plan.data_xor, plan.data_groups = data_static, data_xor, data_groups
        plan.jumps, plan.load_fields, plan.uses_executor, plan.index_fields = \
            jumps, load_fields, uses_executor, index_fields
        plan.symbols = (tuple(sorted(moved.items())), lanes, load_names, got_names)
        plan.got_static = frozenset([moved[name] for name in got_names])
    except (UnresolvedSymbolError, ValueError, TypeError, KeyError, IndexError):
        return None                  # a damaged entry or a symbol gone: plan it here
    plan.stencil = stencil
    plan.code, plan.holes, plan.data_holes = stencil.code, stencil.holes, stencil.data_holes
    plan._far = _NOT_BUILT
    plan._notes = None
    plan._derive()
    return plan


class TracePlan:
    """One trace laid out (offsets, sizes) from the plans of its stencils."""

    __slots__ = ("plans", "instructions", "code_offsets", "data_offsets", "code_end",
                 "data_end", "got_offset", "max_size", "executor_address")

    def __init__(self, plans, instructions, executor_address):
        self.plans = plans
        self.instructions = instructions
        self.executor_address = executor_address


def plan_trace(stencils, instructions, executor_address):
    """A TracePlan, or None when the reference stitcher must do it (a stencil
    without a plan, a jump index outside the trace: the reference raises)."""
    plans = []
    append = plans.append
    lookup = _plans.get
    planned = False
    for stencil in stencils:
        entry = lookup(id(stencil))
        plan = entry[1] if entry is not None and entry[0] is stencil else None
        if plan is None or plan.holes is not stencil.holes or plan.code is not stencil.code \
                or plan.data_holes is not stencil.data_holes:
            plan = plan_of(stencil)
            if plan is None:
                jit_plan_cache.flush()
                return None
            planned = True
        append(plan)
    if planned:
        jit_plan_cache.flush()        # plans made for this trace go to disk, once
    count = len(instructions)
    code_offsets = []
    offset_of = code_offsets.append
    offset = 0
    # Values the GOT may hold (the reference counts every GOT-kind hole's target,
    # whether or not it relaxes, to size the region before it is placed).
    got_values = set()
    add = got_values.add
    uses_executor = has_data = False
    for plan, instruction in zip(plans, instructions):
        offset_of(offset)
        offset += plan.code_size
        if plan.data_size:
            has_data = True
        needs = plan.trace_needs
        if needs is not None:
            got_static, load_fields, index_fields, executor = needs
            if got_static:
                got_values |= got_static
            for field in load_fields:
                add(getattr(instruction, field))
            for field in index_fields:
                if not 0 <= getattr(instruction, field) < count:
                    return None
            if executor:
                uses_executor = True
    code_end = offset
    if has_data:
        data_offsets = []
        for plan in plans:
            if plan.data_size:
                alignment = plan.data_alignment
                offset = (offset + alignment - 1) // alignment * alignment
            data_offsets.append(offset)
            offset += plan.data_size
    else:
        data_offsets = [offset] * len(plans)
    data_end = offset
    if uses_executor:
        got_values.add(executor_address)
    trace = TracePlan(plans, instructions, executor_address)
    trace.code_offsets, trace.data_offsets = code_offsets, data_offsets
    trace.code_end, trace.data_end = code_end, data_end
    trace.got_offset = (data_end + GOT_SLOT_SIZE - 1) // GOT_SLOT_SIZE * GOT_SLOT_SIZE
    end = trace.got_offset + GOT_SLOT_SIZE * len(got_values)
    trace.max_size = (end + 15) // 16 * 16      # no veneer: a plan has no far branch
    return trace


def render_trace(trace, base):
    """The region's bytes at `base` and the GOT ({value: slot}), or None when this
    placement breaks an assumption of the plans (the reference renders it then)."""
    parts = []
    append = parts.append
    plans, code_offsets, data_offsets = trace.plans, trace.code_offsets, trace.data_offsets
    # the loads of the variant chosen for each stencil (appending an existing tuple
    # allocates nothing: fewer collections of the young generation while stitching)
    chosen_loads = []
    chosen = chosen_loads.append
    for plan, code_offset, data_offset in zip(plans, code_offsets, data_offsets):
        fixed = plan.near_bytes
        if fixed is not None:
            append(fixed)
            chosen(plan.near[3])
            continue
        variant = plan.near
        while True:
            static, xor, groups, loads = variant
            value = static
            for variable, repeat, low, high in groups:
                x = -(base + code_offset) if variable == AT_NEG else data_offset - code_offset
                if not low <= x <= high:
                    break
                value += x * repeat
            else:
                break
            if variant is plan.far or plan.far is None:
                return None
            variant = plan.far          # externals out of reach: relaxed one by one
        append((value ^ xor).to_bytes(plan.code_size, "little"))
        chosen(loads)
    offset = trace.code_end
    for plan, code_offset, data_offset in zip(plans, code_offsets, data_offsets):
        if not plan.data_size:
            continue
        if data_offset != offset:
            append(bytes(data_offset - offset))
        value = plan.data_static
        for variable, repeat, low, high in plan.data_groups:
            x = code_offset - data_offset if variable == BACK else base + data_offset
            if not low <= x <= high:
                return None
            value += x * repeat
        append((value ^ plan.data_xor).to_bytes(plan.data_size, "little"))
        offset = data_offset + plan.data_size
    got_offset = trace.got_offset
    if got_offset != offset:
        append(bytes(got_offset - offset))
    buffer = bytearray().join(parts)
    got, slots = {}, []
    got_minus_base = got_offset     # G - base for slot 0
    executor_address = trace.executor_address
    try:
        for plan, code_offset, instruction, loads in zip(plans, code_offsets,
                                                         trace.instructions, chosen_loads):
            jumps = plan.jumps
            if not jumps and not loads:
                continue
            for offset, relative, field in jumps:
                index = 0 if field is None else getattr(instruction, field)
                _PACK_I(buffer, code_offset + offset,
                        code_offsets[index] + relative - code_offset)
            for (offset, relative, source, imm_always, imm_start, imm_prefix, direct_start,
                 direct_prefix, addend) in loads:
                if source.__class__ is str:
                    S = getattr(instruction, source)
                elif source is _EXECUTOR:
                    S = executor_address
                else:
                    S = source
                position = code_offset + offset
                if imm_always or imm_prefix is not None and INT32_MIN <= (
                        (S & 0xFFFFFFFFFFFFFFFF) ^ (1 << 63)) - (1 << 63) <= INT32_MAX:
                    buffer[code_offset + imm_start:position] = imm_prefix
                    _PACK_U(buffer, position, S & 0xFFFFFFFF)
                    continue
                if direct_prefix is not None:
                    direct = S + relative - base - code_offset
                    if INT32_MIN <= direct <= INT32_MAX:
                        buffer[code_offset + direct_start:position] = direct_prefix
                        _PACK_I(buffer, position, direct)
                        continue
                slot = got.get(S)
                if slot is None:
                    slot = got[S] = len(got)
                    slots.append(S & 0xFFFFFFFFFFFFFFFF)
                # G + A - P, all relative to base
                _PACK_I(buffer, position,
                        got_minus_base + GOT_SLOT_SIZE * slot + addend - position)
    except struct.error:
        return None                  # a field out of range: the reference decides / raises
    if slots:
        buffer += struct.pack("<%dQ" % len(slots), *slots)
    return buffer, got
