"""Disassembly of stitched traces, with stencil boundaries and patched holes marked
(CPython has no counterpart at run time; Tools/jit keeps a disassembly of each
stencil in jit_stencils.h comments).

capstone (a runtime dependency) is used when importable; otherwise objdump when
it is on PATH; otherwise a hex dump that still shows boundaries and holes.
"""

# Guest programs may rebind or delete builtins (builtins.len = ...); cpjit's own code
# keeps the ones it saw at import, as tier 1 does.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import os
import shutil
import subprocess
import tempfile


def _capstone_lines(code, address):
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.skipdata = True
    for insn in md.disasm(code, address):
        yield insn.address, bytes(insn.bytes), ("%s %s" % (insn.mnemonic, insn.op_str)).strip()


def _objdump_lines(code, address):
    objdump = shutil.which("objdump")
    if objdump is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(code)
        path = f.name
    try:
        out = subprocess.run(
            [objdump, "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel",
             "--adjust-vma=%#x" % address, path],
            capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    lines = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip().endswith(":"):
            continue
        try:
            where = int(parts[0].strip()[:-1], 16)
        except ValueError:
            continue
        raw = bytes.fromhex(parts[1].replace(" ", ""))
        text = parts[2].strip() if len(parts) > 2 else "(continued)"
        lines.append((where, raw, text))
    return lines


def _hex_lines(code, address):
    for i in range(0, len(code), 8):
        yield address + i, code[i:i + 8], ".byte"


def instructions(code, address, tool=None):
    """[(address, bytes, text)] of `code` as if mapped at `address`; tool: 'capstone',
    'objdump' or 'hex' (default: the first available)."""
    if tool in (None, "capstone"):
        try:
            return list(_capstone_lines(code, address))
        except ImportError:
            if tool == "capstone":
                raise
    if tool in (None, "objdump"):
        lines = _objdump_lines(code, address)
        if lines is not None:
            return lines
        if tool == "objdump":
            raise FileNotFoundError("objdump is not on PATH")
    return list(_hex_lines(code, address))


def _describe(instruction):
    if instruction is None:
        return ""
    fields = ["oparg=%d" % instruction.oparg, "target=%d" % instruction.target]
    if instruction.operand:
        fields.append("operand=%#x" % instruction.operand)
    if instruction.jump_target:
        fields.append("jump_target=%d" % instruction.jump_target)
    if instruction.error_target:
        fields.append("error_target=%d" % instruction.error_target)
    if instruction.exit_index:
        fields.append("exit_index=%d" % instruction.exit_index)
    return " (" + " ".join(fields) + ")"


def disassemble_jit_code(jit_code, tool=None):
    """Text listing of a cpjit.jit.JitCode: one block per uop, holes annotated."""
    layout = jit_code.layout
    blob = jit_code.machine_code()
    base = jit_code.entry
    patches_at = {}
    for patch in jit_code.patches:
        if patch.section == "code":
            start = patch.rewrote_from if patch.rewrote_from >= 0 else patch.offset
            patches_at.setdefault(start, []).append(patch)
    out = ["; trace of %d uops at %#x: %d code bytes, %d bytes in all (data at +%#x, "
           "GOT at +%#x with %d slots, %d veneers)"
           % (len(jit_code.trace), base, layout.code_end, layout.size,
              min((p.data_offset for p in layout.placements if p.data_size),
                  default=layout.data_end),
              layout.got_offset, len(layout.got), len(layout.veneers))]
    for placement in layout.placements:
        out.append("")
        out.append("; [%d] %s%s  +%#x, %d bytes"
                   % (placement.index, placement.name, _describe(placement.instruction),
                      placement.code_offset, placement.code_size))
        code = blob[placement.code_offset:placement.code_offset + placement.code_size]
        for address, raw, text in instructions(code, base + placement.code_offset, tool):
            offset = address - base
            notes = []
            for o in range(offset, offset + len(raw)):
                for patch in patches_at.get(o, ()):
                    notes.append("hole %s -> %s %#x" % (patch.what.split(": ", 1)[-1],
                                                          patch.how, patch.value))
            line = "  %#014x +%04x  %-30s %s" % (address, offset, raw.hex(" "), text)
            if notes:
                line += "    ; " + "; ".join(notes)
            out.append(line)
    if layout.veneers:
        out.append("")
        out.append("; veneers")
        code = blob[layout.veneer_offset:layout.size]      # veneers come after the GOT
        for address, raw, text in instructions(code, base + layout.veneer_offset, tool):
            out.append("  %#014x +%04x  %-30s %s" % (address, address - base, raw.hex(" "), text))
    if layout.got:
        out.append("")
        out.append("; GOT")
        for index in range(len(layout.got)):
            offset = layout.got_offset + 8 * index
            value = int.from_bytes(blob[offset:offset + 8], "little")
            out.append("  %#014x +%04x  slot %d = %#x" % (base + offset, offset, index, value))
    return "\n".join(out) + "\n"
