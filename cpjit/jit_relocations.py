"""x86-64 ELF relocation patching (CPython counterpart: patch_* in Python/jit.c).

This module is the target layer for x86-64: the only place that knows the
relocation formulas, the instruction encodings the GOT relaxations rewrite, and
the veneer used when a call is out of rel32 range.  aarch64 would be another
module with the same `apply_relocation` entry point.

Notation as in the psABI and cpjit.stencil_build.stencils:
    S  the value the hole denotes (for the GOT kinds: what the GOT slot holds)
    A  the addend
    P  the address of the patched field
    G  the address of the GOT slot holding S

Every result is range-checked: a value that does not fit its field raises
RelocationRangeError; nothing is truncated silently.
"""

# Guest programs may rebind or delete builtins (builtins.len = ...); cpjit's own code
# keeps the ones it saw at import, as tier 1 does.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import bisect
import functools
import struct

from cpjit import jit_plan_bounds_cache

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
UINT32_MAX = (1 << 32) - 1
MASK64 = (1 << 64) - 1

# Relocation kinds whose field holds G + A - P (the GOT slot is ours, same allocation).
GOT_KINDS = frozenset({
    "R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX",
    "R_X86_64_GOTPCREL64",
})
# Kinds a direct call/jump may use; when out of range they go through a veneer.
BRANCH_KINDS = frozenset({"R_X86_64_PLT32"})
SUPPORTED_KINDS = GOT_KINDS | BRANCH_KINDS | frozenset({
    "R_X86_64_64", "R_X86_64_32", "R_X86_64_32S", "R_X86_64_PC32", "R_X86_64_PC64",
    "R_X86_64_GOTPC32", "R_X86_64_GOTPC64", "R_X86_64_GOTOFF64",
})

# jmp qword ptr [rip+0]; .quad target  (14 bytes, padded to 16)
VENEER_SIZE = 16
GOT_SLOT_SIZE = 8


class RelocationError(Exception):
    """A relocation that cannot be patched; the message names stencil and relocation."""


class UnknownRelocationError(RelocationError):
    """A relocation kind this target does not implement."""


class RelocationRangeError(RelocationError):
    """The value does not fit the relocated field."""


def signed64(value):
    """Interpret a value modulo 2**64 as a signed 64-bit integer."""
    value &= MASK64
    return value - (1 << 64) if value >> 63 else value


def fits_int32(value):
    return INT32_MIN <= value <= INT32_MAX


class Patch:
    """One applied relocation, for introspection (disassembly marks these).

    A plain class with a dataclass's __init__, __eq__ and __repr__ (this module is
    imported by the first compile, where @dataclass's code generation costs ~0.4 ms).
    """

    _FIELDS = ("offset", "size", "kind", "how", "value", "what", "rewrote_from", "section",
               "placement")
    __hash__ = None          # mutable, compared by value (as the dataclass was)

    def __init__(self, offset, size, kind, how, value, what, rewrote_from=-1,
                 section="code", placement=None):
        self.offset = offset              # of the patched field, from the region start
        self.size = size                  # bytes of the field
        self.kind = kind                  # the ELF relocation
        # abs64 | abs32 | pc32 | pc64 | got | lea | imm32 | call | jmp | veneer | gotoff
        self.how = how
        self.value = value                # the value written (after relaxation)
        self.what = what                  # "<stencil>: <hole description>"
        self.rewrote_from = rewrote_from  # first byte a relaxation rewrote, else -1
        self.section = section            # "code" or "data" (set by the stitcher)
        self.placement = placement        # the cpjit.jit.StencilPlacement it belongs to

    def _values(self):
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self):
        return "Patch(%s)" % ", ".join("%s=%r" % (name, getattr(self, name))
                                       for name in self._FIELDS)


def needs_got_slot(kind):
    return kind in GOT_KINDS


def may_need_veneer(kind):
    return kind in BRANCH_KINDS


def check_kind(kind, what):
    """Refuse a relocation kind this target cannot patch (before anything is mapped)."""
    if kind not in SUPPORTED_KINDS:
        raise UnknownRelocationError("%s: unsupported relocation %s" % (what, kind))


def write_veneer(buffer, offset, target):
    """An indirect jump to `target` (an absolute address), for out-of-range calls."""
    buffer[offset:offset + VENEER_SIZE] = (
        b"\xff\x25\x00\x00\x00\x00" + struct.pack("<Q", target & MASK64) + b"\xcc\xcc")


def write_got_slot(buffer, offset, value):
    struct.pack_into("<Q", buffer, offset, value & MASK64)


def _put32(buffer, offset, value, signed, kind, what):
    if signed:
        if not fits_int32(value):
            raise RelocationRangeError("%s: %s value %#x does not fit in a signed 32-bit field"
                                       % (what, kind, value))
        struct.pack_into("<i", buffer, offset, value)
    else:
        if not 0 <= value <= UINT32_MAX:
            raise RelocationRangeError("%s: %s value %#x does not fit in an unsigned 32-bit field"
                                       % (what, kind, value))
        struct.pack_into("<I", buffer, offset, value)


def relaxes(buffer, offset, kind, S, A, P, instruction=None):
    """Whether a GOT-kind relocation will be relaxed (so needs no GOT slot)."""
    if kind == "R_X86_64_GOTPCREL64":
        return False
    return _relax_got_load(buffer, offset, kind, S, A, P, instruction, write=False) is not None


@functools.lru_cache(maxsize=4096)
def instruction_starts(code):
    """Start offsets of the instructions of `code` (a linear sweep with capstone, exact
    for compiler output, which has no data in .text), then its length; None without
    capstone or when the sweep fails.  Sweeps are remembered on disk
    (cpjit.jit_plan_bounds_cache): a process whose stencils were all swept before
    does not import capstone."""
    starts = jit_plan_bounds_cache.lookup(code)
    if starts is jit_plan_bounds_cache.MISSING:
        try:
            starts = _sweep(code)
        except ImportError:
            return None
        jit_plan_bounds_cache.store(code, starts)
    return starts


def _sweep(code):
    """instruction_starts with capstone (ImportError without it)."""
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    starts, end = [], 0
    for address, size, _, _ in md.disasm_lite(code, 0):
        if address != end:
            break
        starts.append(address)
        end = address + size
    if end != len(code):
        return None                   # undecodable bytes: do not trust the sweep
    return tuple(starts) + (end,)


def instruction_at(code, offset):
    """(start, length) of the instruction of `code` containing byte `offset`, or None."""
    starts = instruction_starts(bytes(code))
    if starts is None:
        return None
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0 or i + 1 >= len(starts):
        return None
    return starts[i], starts[i + 1] - starts[i]


# "op r, r/m" ALU instructions -> the /digit of "81 /digit id" (op r/m, imm32).
_ALU_TO_IMMEDIATE = {0x03: 0, 0x0B: 1, 0x13: 2, 0x1B: 3, 0x23: 4, 0x2B: 5, 0x33: 6, 0x3B: 7}


def _signed32(value):
    value &= UINT32_MAX
    return value - (1 << 32) if value >> 31 else value


def _relax_to_immediate(buffer, offset, S, instruction, write):
    """movsxd / ALU op / test / mov with a [rip+G] operand -> the imm32 form, same length.

    Needs the instruction's exact bounds (so a REX prefix is told apart from the last
    byte of the previous instruction); the field must be its last four bytes.
    """
    start, length = instruction
    if start + length != offset + 4 or offset - 2 - start not in (0, 1):
        return None
    has_rex = offset - 2 - start == 1
    rex = buffer[start] if has_rex else 0
    if has_rex and rex & 0xF0 != 0x40:
        return None
    opcode, modrm = buffer[offset - 2], buffer[offset - 1]
    if modrm & 0xC7 != 0x05:                 # not [rip+disp32]
        return None
    wide = bool(rex & 0x08)
    S_signed = signed64(S)
    if opcode == 0x63:                       # movsxd r64, dword [G] -> mov r64, simm32
        if not wide:
            return None
        new_opcode, digit, imm = 0xC7, 0, _signed32(S)
    elif opcode in (0x8B, 0x85) or opcode in _ALU_TO_IMMEDIATE:
        if wide and not fits_int32(S_signed):
            return None
        imm = S_signed if wide else _signed32(S)   # a 32-bit op reads the slot's low half
        new_opcode, digit = {0x8B: (0xC7, 0), 0x85: (0xF7, 0)}.get(
            opcode, (0x81, _ALU_TO_IMMEDIATE.get(opcode)))
    else:
        return None
    if write:
        if has_rex:
            buffer[start] = 0x40 | (rex & 0x08) | ((rex >> 2) & 1)   # REX.R -> REX.B
        buffer[offset - 2] = new_opcode
        buffer[offset - 1] = 0xC0 | (digit << 3) | ((modrm >> 3) & 7)
        struct.pack_into("<i", buffer, offset, imm)
    return "imm32", imm, start


def needs_veneer(kind, S, A, P):
    """Whether a branch relocation is out of rel32 range (so needs a veneer)."""
    return kind in BRANCH_KINDS and not fits_int32(S + A - P)


def _relax_got_load(buffer, offset, kind, S, A, P, instruction=None, write=True):
    """Try the relaxations of a GOT-relative load, ALU operand or branch.

    Returns (how, value, first_byte_offset) with the instruction rewritten in
    `buffer` (unless write is false), or None when no relaxation applies (the GOT
    slot is then used).
    The same rewrites GNU ld does, and Python/jit.c's patch_x86_64_32rx:
      mov reg, [rip+G]    ->  mov reg, imm32   when S fits the immediate
      mov reg, [rip+G]    ->  lea reg, [rip+S] when S is within rel32 range
      call [rip+G]        ->  addr32 call S     (0x67 prefix keeps the length)
      jmp  [rip+G]        ->  nop; jmp S
    and, when `instruction` gives the exact bounds of the instruction (so its form
    is certain even for plain GOTPCREL, which the assembler does not mark relaxable):
      op reg, [rip+G]     ->  op reg, imm32     (add/or/adc/sbb/and/sub/xor/cmp/test)
      movsxd reg, [rip+G] ->  mov reg, simm32
    """
    if offset < 2:
        return None
    if A != -4:
        # The instruction reads the slot at G + A + 4, not at its start (clang does this
        # for the high half of a 64-bit value: `cmp eax, [rip + G+4]` for `x >> 32`): the
        # rewrites below all assume the whole of S, so keep the GOT load.
        return None
    if instruction is not None:
        relaxed = _relax_to_immediate(buffer, offset, S, instruction, write)
        if relaxed is not None:
            return relaxed
        start, length = instruction
        if start + length != offset + 4:
            return None                      # the field is not the instruction's last: keep G
    elif kind == "R_X86_64_GOTPCREL":
        return None                          # form unknown: only the marked kinds relax blind
    opcode, modrm = buffer[offset - 2], buffer[offset - 1]
    direct = S + A - P
    if opcode == 0x8B and (modrm & 0xC7) == 0x05:          # mov r, [rip+disp32]
        rex_offset = offset - 3
        has_rex = (kind == "R_X86_64_REX_GOTPCRELX" if instruction is None
                   else offset - 2 - instruction[0] == 1)
        if has_rex and (rex_offset < 0 or buffer[rex_offset] & 0xF0 != 0x40):
            return None
        rex = buffer[rex_offset] if has_rex else 0
        wide = bool(rex & 0x08)
        S_signed = signed64(S)
        if not wide or fits_int32(S_signed):
            # C7 /0 id: mov r/m, imm32 (sign-extended to 64 bits under REX.W;
            # a 32-bit mov loads the low half of the slot, exactly what imm32 gives).
            imm = S_signed if wide else S & UINT32_MAX
            if not write:
                return "imm32", imm, offset - 2 - has_rex
            if has_rex:
                buffer[rex_offset] = 0x40 | (rex & 0x08) | ((rex >> 2) & 1)   # REX.R -> REX.B
            buffer[offset - 2] = 0xC7
            buffer[offset - 1] = 0xC0 | ((modrm >> 3) & 7)
            struct.pack_into("<i" if wide else "<I", buffer, offset, imm)
            return "imm32", imm, offset - 2 - has_rex
        if fits_int32(direct):
            if not write:
                return "lea", direct, offset - 2 - has_rex
            buffer[offset - 2] = 0x8D
            struct.pack_into("<i", buffer, offset, direct)
            return "lea", direct, offset - 2 - has_rex
        return None
    no_prefix = (kind == "R_X86_64_GOTPCRELX" if instruction is None
                 else offset - 2 == instruction[0])
    if no_prefix and opcode == 0xFF and modrm in (0x15, 0x25):
        if not fits_int32(direct):
            return None
        if not write:
            return ("call" if modrm == 0x15 else "jmp"), direct, offset - 2
        if modrm == 0x15:
            buffer[offset - 2], buffer[offset - 1] = 0x67, 0xE8
            how = "call"
        else:
            buffer[offset - 2], buffer[offset - 1] = 0x90, 0xE9
            how = "jmp"
        struct.pack_into("<i", buffer, offset, direct)
        return how, direct, offset - 2
    return None


def apply_relocation(buffer, offset, kind, S, A, P, *, got_slot=None, got_base=None,
                     veneer=None, instruction=None, what=""):
    """Patch one relocation into `buffer` (which is mapped at P - offset).

    got_slot: address G of the slot holding S (GOT kinds); got_base: the address
    of the trace's GOT (GOTPC*/GOTOFF*); veneer: address of a veneer that jumps
    to S (branch kinds; used only when S is out of rel32 range); instruction: (start,
    length) in `buffer` of the instruction holding the field, when known.
    Returns a Patch.
    """
    check_kind(kind, what)
    if kind == "R_X86_64_64":
        value = (S + A) & MASK64
        struct.pack_into("<Q", buffer, offset, value)
        return Patch(offset, 8, kind, "abs64", value, what)
    if kind == "R_X86_64_32":
        _put32(buffer, offset, S + A, False, kind, what)
        return Patch(offset, 4, kind, "abs32", S + A, what)
    if kind == "R_X86_64_32S":
        _put32(buffer, offset, signed64(S + A), True, kind, what)
        return Patch(offset, 4, kind, "abs32", S + A, what)
    if kind == "R_X86_64_PC32":
        _put32(buffer, offset, S + A - P, True, kind, what)
        return Patch(offset, 4, kind, "pc32", S + A - P, what)
    if kind == "R_X86_64_PC64":
        value = (S + A - P) & MASK64
        struct.pack_into("<Q", buffer, offset, value)
        return Patch(offset, 8, kind, "pc64", S + A - P, what)
    if kind == "R_X86_64_PLT32":
        value = S + A - P
        if fits_int32(value):
            struct.pack_into("<i", buffer, offset, value)
            return Patch(offset, 4, kind, "pc32", value, what)
        if veneer is None:
            raise RelocationRangeError("%s: %s target %#x is out of rel32 range of %#x and no "
                                       "veneer was reserved" % (what, kind, S, P))
        _put32(buffer, offset, veneer + A - P, True, kind, what)
        return Patch(offset, 4, kind, "veneer", veneer + A - P, what)
    if kind in GOT_KINDS:
        if kind != "R_X86_64_GOTPCREL64":
            relaxed = _relax_got_load(buffer, offset, kind, S, A, P, instruction)
            if relaxed is not None:
                how, value, first = relaxed
                return Patch(offset, 4, kind, how, value, what, rewrote_from=first)
        if got_slot is None:
            raise RelocationError("%s: %s needs a GOT slot and none was reserved" % (what, kind))
        if kind == "R_X86_64_GOTPCREL64":
            value = (got_slot + A - P) & MASK64
            struct.pack_into("<Q", buffer, offset, value)
            return Patch(offset, 8, kind, "got", got_slot + A - P, what)
        _put32(buffer, offset, got_slot + A - P, True, kind, what)
        return Patch(offset, 4, kind, "got", got_slot + A - P, what)
    # The remaining kinds refer to the GOT's base (_GLOBAL_OFFSET_TABLE_).
    if got_base is None:
        raise RelocationError("%s: %s needs the GOT base and none was given" % (what, kind))
    if kind == "R_X86_64_GOTPC32":
        _put32(buffer, offset, got_base + A - P, True, kind, what)
        return Patch(offset, 4, kind, "pc32", got_base + A - P, what)
    if kind == "R_X86_64_GOTPC64":
        value = (got_base + A - P) & MASK64
        struct.pack_into("<Q", buffer, offset, value)
        return Patch(offset, 8, kind, "pc64", got_base + A - P, what)
    assert kind == "R_X86_64_GOTOFF64"
    value = (S + A - got_base) & MASK64
    struct.pack_into("<Q", buffer, offset, value)
    return Patch(offset, 8, kind, "gotoff", S + A - got_base, what)
