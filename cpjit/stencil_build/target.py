"""What the build knows about one target: triple, clang flags, relocations.

CPython counterpart: Tools/jit/_targets.py (the per-target classes and
their ``args``).  Only x86-64 Linux (ELF) exists today; another target is a
new ``Target`` instance here plus its relocation table, nothing else.

Why these flags (measured on this machine with clang 22.1.8 from ziglang,
8 representative stencils; see docs/DESIGN.md "Stencil build"):

* ``-target x86_64-linux-gnu -fpic`` rather than CPython's
  ``-fno-pic -mcmodel=medium -mlarge-data-threshold=0``.  zig's clang
  refuses ``-fno-pic`` for ``linux-gnu``; with ``linux-musl`` it accepts it,
  but (1) the musl target compiles Python's *glibc-built* headers against
  musl's libc headers, so any libc type inside a CPython struct (the internal
  headers we need for the eval breaker contain pthread types) could change
  layout silently; (2) under -fno-pic, switch jump tables and constant-pool
  loads use ``R_X86_64_32S`` absolute 32-bit addresses, which cannot be
  patched once the code lives above 2 GiB (where mmap puts it).  With -fpic
  every reference is PC-relative or through the GOT: patchable anywhere,
  and the runtime relaxes GOT loads of small values into ``mov $imm32`` and
  GOT calls into direct calls when in range (as Python/jit.c does).  Code size
  was the same within 3 % (1239 vs 1280 bytes for the sample).  A system
  clang gets the same flags, so every toolchain builds the same table.
* ``-Os`` (as CPython): -O2/-O3 add tail duplication and alignment padding
  that only cost bytes when stencils are laid end to end (1239 vs 1276).
* ``-fno-plt``: external calls become ``call *sym@GOTPCREL(%rip)``
  (relaxable) instead of PLT32 calls that would need range trampolines.
* ``-fno-asynchronous-unwind-tables -fno-unwind-tables -g0``: no .eh_frame
  or debug sections to drop; ``-fno-stack-protector``, ``-fno-builtin``:
  no calls to helpers we cannot resolve.
"""

from __future__ import annotations

import os
import sys

from cpjit.stencil_build.stencils import FrozenRecord, _REQUIRED

# ELF x86-64 relocation numbers (System V x86-64 psABI, table 4.9).  Kept here,
# not taken from pyelftools, whose names lag behind (it lacks GOTPCRELX).
X86_64_RELOCATIONS = {
    0: "R_X86_64_NONE", 1: "R_X86_64_64", 2: "R_X86_64_PC32", 3: "R_X86_64_GOT32",
    4: "R_X86_64_PLT32", 5: "R_X86_64_COPY", 6: "R_X86_64_GLOB_DAT",
    7: "R_X86_64_JUMP_SLOT", 8: "R_X86_64_RELATIVE", 9: "R_X86_64_GOTPCREL",
    10: "R_X86_64_32", 11: "R_X86_64_32S", 12: "R_X86_64_16", 13: "R_X86_64_PC16",
    14: "R_X86_64_8", 15: "R_X86_64_PC8", 16: "R_X86_64_DTPMOD64",
    17: "R_X86_64_DTPOFF64", 18: "R_X86_64_TPOFF64", 19: "R_X86_64_TLSGD",
    20: "R_X86_64_TLSLD", 21: "R_X86_64_DTPOFF32", 22: "R_X86_64_GOTTPOFF",
    23: "R_X86_64_TPOFF32", 24: "R_X86_64_PC64", 25: "R_X86_64_GOTOFF64",
    26: "R_X86_64_GOTPC32", 27: "R_X86_64_GOT64", 28: "R_X86_64_GOTPCREL64",
    29: "R_X86_64_GOTPC64", 30: "R_X86_64_GOTPLT64", 31: "R_X86_64_PLTOFF64",
    32: "R_X86_64_SIZE32", 33: "R_X86_64_SIZE64", 34: "R_X86_64_GOTPC32_TLSDESC",
    35: "R_X86_64_TLSDESC_CALL", 36: "R_X86_64_TLSDESC", 37: "R_X86_64_IRELATIVE",
    38: "R_X86_64_RELATIVE64", 41: "R_X86_64_GOTPCRELX", 42: "R_X86_64_REX_GOTPCRELX",
}


class Target(FrozenRecord):
    """One host the JIT can emit code for (CPython: _targets._Target)."""

    FIELDS = (
        ("triple", _REQUIRED),                   # str
        ("machine", _REQUIRED),                  # ELF e_machine as pyelftools names it
        ("relocation_names", _REQUIRED),         # dict[int, str]
        ("supported_relocations", _REQUIRED),    # frozenset[str]: what cpjit.jit patches
        ("flags", _REQUIRED),                    # tuple[str, ...]
        ("nop", _REQUIRED),                      # bytes
        # A trailing `jmp rel32` to the continuation: opcode bytes and the offset
        # of its 32-bit field from the start of the instruction.
        ("jump_opcode", _REQUIRED),              # bytes
        ("jump_field_offset", _REQUIRED),        # int
        ("jump_size", _REQUIRED),                # int
        ("jump_relocations", frozenset()),       # kinds of that 32-bit field
        ("assemble_flags", ()),                  # for assembling a rewritten .s
    )

    def __hash__(self):
        # relocation_names is a dict: hash what identifies the target
        return hash((self.triple, self.machine, self.flags))

    def relocation_name(self, number: int) -> str:
        return self.relocation_names.get(number, "R_UNKNOWN_%d" % number)


X86_64_LINUX = Target(
    triple="x86_64-linux-gnu",
    machine="EM_X86_64",
    relocation_names=X86_64_RELOCATIONS,
    supported_relocations=frozenset({
        "R_X86_64_64", "R_X86_64_32", "R_X86_64_32S", "R_X86_64_PC32",
        "R_X86_64_PLT32", "R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX",
        "R_X86_64_REX_GOTPCRELX",
    }),
    flags=(
        "-target", "x86_64-linux-gnu",
        "-fpic",
        "-Os",
        "-fno-plt",
        "-fomit-frame-pointer",
        "-fno-asynchronous-unwind-tables",
        "-fno-unwind-tables",
        "-g0",
        "-fno-stack-protector",
        "-fno-builtin",
        "-std=c11",
        "-DNDEBUG",
    ),
    nop=b"\x90",
    jump_opcode=b"\xe9",
    jump_field_offset=1,
    jump_size=5,
    jump_relocations=frozenset({"R_X86_64_PC32", "R_X86_64_PLT32"}),
    assemble_flags=("-target", "x86_64-linux-gnu"),
)


def host_target() -> Target:
    """The target of the running interpreter (error for unsupported hosts)."""
    # sysconfig.get_platform()'s answer without importing sysconfig at each start: a
    # 64-bit Python on an x86-64 Linux kernel is 'linux-x86_64'.
    if sys.platform == "linux" and sys.maxsize > 2**32 and os.uname().machine == "x86_64":
        return X86_64_LINUX
    import sysconfig
    platform = sysconfig.get_platform()          # e.g. 'linux-x86_64'
    if platform == "linux-x86_64":
        return X86_64_LINUX
    from cpjit.stencil_build.errors import BuildError
    raise BuildError("cpjit: no stencil target for platform %r (supported: linux-x86_64)"
                     % platform)
