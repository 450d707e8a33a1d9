"""One compiled ELF object -> one Stencil (pyelftools).

CPython counterpart: Tools/jit/_targets.py ``_ELF._handle_section`` /
``_handle_relocation`` (which read llvm-readobj's JSON; cpjit reads the
object directly with pyelftools).

Rules (anything else fails the build, naming the stencil and the culprit):
* exactly one executable section, ``.text``, whose offset 0 is ``_JIT_ENTRY``;
* read-only data from ``.rodata*`` and ``.data.rel.ro*`` (concatenated, aligned);
* no writable or zero-filled sections (``.data``, ``.bss``, ...);
  ``.eh_frame`` and non-allocated sections are ignored;
* RELA relocations of a supported kind against: a hole symbol (``_JIT_*``),
  a symbol of .text / .rodata*, a section symbol of those, or an undefined
  external symbol (resolved at run time).
"""

from __future__ import annotations

import io

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from cpjit.stencil_build.errors import BuildError
from cpjit.stencil_build.stencils import HOLE_SYMBOLS, Hole, HoleValue, Stencil
from cpjit.stencil_build.target import Target

_IGNORED_ALLOC_SECTIONS = (".eh_frame", ".note", ".llvm_addrsig")


def _is_rodata(name: str) -> bool:
    """Read-only data.  ``.data.rel.ro*`` is read-only too once relocated (it holds
    constant tables of addresses, e.g. an array of function pointers under -fpic);
    the runtime patches its holes before the code can run."""
    return name in (".rodata", ".data.rel.ro") or name.startswith((".rodata.", ".data.rel.ro."))


def stencil_from_elf(name: str, blob: bytes, target: Target) -> Stencil:
    """Parse one object file's bytes into a Stencil (fall-through not yet removed)."""
    elf = ELFFile(io.BytesIO(blob))
    if elf["e_machine"] != target.machine:
        raise BuildError("stencil %s: object is for %s, expected %s"
                         % (name, elf["e_machine"], target.machine))
    code = bytearray()
    data = bytearray()
    data_alignment = 1
    code_alignment = 1
    # section index -> (HoleValue.CODE | HoleValue.DATA, base offset)
    placed: dict[int, tuple[HoleValue, int]] = {}
    for index, section in enumerate(elf.iter_sections()):
        flags = section["sh_flags"]
        secname = section.name
        if not flags & SH_FLAGS.SHF_ALLOC:
            continue
        if secname.startswith(_IGNORED_ALLOC_SECTIONS):
            continue
        if flags & SH_FLAGS.SHF_EXECINSTR:
            if secname != ".text" or code:
                raise BuildError("stencil %s: unexpected code section %s (only one .text "
                                 "is supported)" % (name, secname))
            code_alignment = max(1, section["sh_addralign"])
            placed[index] = (HoleValue.CODE, 0)
            code.extend(section.data())
        elif _is_rodata(secname) and section["sh_type"] == "SHT_PROGBITS":
            align = max(1, section["sh_addralign"])
            data_alignment = max(data_alignment, align)
            data.extend(b"\0" * (-len(data) % align))
            placed[index] = (HoleValue.DATA, len(data))
            data.extend(section.data())
        else:
            raise BuildError("stencil %s: unsupported section %s (%s, flags %#x): stencils "
                             "may only have .text and read-only data (.rodata*, .data.rel.ro*)"
                             % (name, secname, section["sh_type"], flags))
    if not placed or all(v is not HoleValue.CODE for v, _ in placed.values()):
        raise BuildError("stencil %s: no .text section" % name)

    symtab = elf.get_section_by_name(".symtab")
    if symtab is None:
        raise BuildError("stencil %s: no symbol table" % name)
    entry = [s for s in symtab.iter_symbols() if s.name == "_JIT_ENTRY"]
    text_index = next(i for i, (v, _) in placed.items() if v is HoleValue.CODE)
    if not entry or entry[0]["st_shndx"] != text_index or entry[0]["st_value"] != 0:
        raise BuildError("stencil %s: _JIT_ENTRY must start .text (found %s)"
                         % (name, [(s["st_shndx"], s["st_value"]) for s in entry]))

    holes: list[Hole] = []
    data_holes: list[Hole] = []
    for section in elf.iter_sections():
        if section["sh_type"] == "SHT_REL":
            raise BuildError("stencil %s: REL section %s (without addends) is not supported"
                             % (name, section.name))
        if section["sh_type"] != "SHT_RELA":
            continue
        applies_to = section["sh_info"]
        if applies_to not in placed:
            continue  # e.g. .rela.eh_frame: relocations of a section we drop
        where, base = placed[applies_to]
        out = holes if where is HoleValue.CODE else data_holes
        for relocation in section.iter_relocations():
            out.append(_hole(name, relocation, base, symtab, placed, target))
    holes.sort(key=lambda h: h.offset)
    data_holes.sort(key=lambda h: h.offset)
    return Stencil(name=name, code=bytes(code), data=bytes(data), holes=holes,
                   data_holes=data_holes, code_alignment=code_alignment,
                   data_alignment=data_alignment)


def _hole(stencil: str, relocation, base: int, symtab, placed, target: Target) -> Hole:
    """CPython counterpart: _ELF._handle_relocation."""
    kind = target.relocation_name(relocation["r_info_type"])
    offset = base + relocation["r_offset"]
    addend = relocation["r_addend"]
    symbol = symtab.get_symbol(relocation["r_info_sym"])
    symbol_name = symbol.name if symbol is not None else ""
    description = "%s against %r at %#x%+d" % (kind, symbol_name or "<section>", offset, addend)
    if kind not in target.supported_relocations:
        raise BuildError("stencil %s: unsupported relocation %s (the runtime cannot patch "
                         "it; change the C or teach cpjit.jit and cpjit.stencil_build.target)"
                         % (stencil, description))
    if symbol is None:
        raise BuildError("stencil %s: relocation without symbol: %s" % (stencil, description))
    shndx = symbol["st_shndx"]
    if symbol["st_info"]["type"] == "STT_SECTION" or (
            shndx != "SHN_UNDEF" and isinstance(shndx, int)):
        if shndx not in placed:
            raise BuildError("stencil %s: relocation into a dropped section: %s"
                             % (stencil, description))
        value, section_base = placed[shndx]
        local = 0 if symbol["st_info"]["type"] == "STT_SECTION" else symbol["st_value"]
        return Hole(offset, kind, value, None, addend + section_base + local)
    if shndx != "SHN_UNDEF":
        raise BuildError("stencil %s: relocation against symbol in section %s: %s"
                         % (stencil, shndx, description))
    hole_value = HOLE_SYMBOLS.get(symbol_name)
    if hole_value is not None:
        return Hole(offset, kind, hole_value, None, addend)
    if symbol_name.startswith("_JIT_"):
        raise BuildError("stencil %s: unknown hole symbol %s" % (stencil, description))
    return Hole(offset, kind, HoleValue.ZERO, symbol_name, addend)


def remove_trailing_continue_jump(stencil: Stencil, target: Target) -> Stencil:
    """Drop a final ``jmp _JIT_CONTINUE``: the next stencil is laid out right after.

    CPython counterpart: the fall-through handling in Tools/jit/_optimizers.py.
    """
    size = target.jump_size
    code = stencil.code
    if len(code) < size or code[len(code) - size:len(code) - size + len(target.jump_opcode)] \
            != target.jump_opcode:
        return stencil
    field = len(code) - size + target.jump_field_offset
    last = [h for h in stencil.holes if h.offset == field]
    if len(last) != 1 or last[0].value is not HoleValue.CONTINUE \
            or last[0].kind not in target.jump_relocations \
            or last[0].addend != -(size - target.jump_field_offset):
        return stencil
    return Stencil(
        name=stencil.name,
        code=code[:len(code) - size],
        data=stencil.data,
        holes=[h for h in stencil.holes if h is not last[0]],
        data_holes=stencil.data_holes,
        code_alignment=stencil.code_alignment,
        data_alignment=stencil.data_alignment,
        fallthrough_bytes_removed=stencil.fallthrough_bytes_removed + size,
    )
