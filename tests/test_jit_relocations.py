"""Relocation patching on synthetic stencils: exact bytes for every kind, GOT slots,
relaxations, veneers, range and unknown-kind refusals, unresolvable symbols."""

import ctypes
import struct

import pytest

from cpjit import jit, jit_memory
from cpjit.stencil_build.stencils import Hole, HoleValue, Stencil
from cpjit.jit import UopInstruction, compile_trace
from cpjit.jit_symbols import resolve_symbol

V = HoleValue


def stencil(name, code, holes=(), data=b"", data_holes=(), data_alignment=8):
    return Stencil(name, bytes(code), bytes(data), list(holes), list(data_holes),
                   data_alignment=data_alignment)


def build(stencils, trace, memory=None):
    table = {s.name: s for s in stencils}
    return compile_trace(trace, stencils=table, memory=memory or jit_memory.ExecutableMemory())


def field(code, jit_code, offset, fmt="<i"):
    region = jit_code.machine_code()
    return struct.unpack_from(fmt, region, offset)[0]


@pytest.fixture
def memory():
    m = jit_memory.ExecutableMemory()
    yield m
    for lo, hi in m.mapped_ranges():
        pass
    assert m.bytes_used >= 0


def one(code, holes, instruction=None, data=b"", data_holes=(), memory=None):
    s = stencil("_OP", code, holes, data, data_holes)
    return build([s], [instruction or UopInstruction("_OP")], memory)


def got_slots(jc):
    lay = jc.layout
    blob = jc.machine_code()
    return [struct.unpack_from("<Q", blob, lay.got_offset + 8 * i)[0] for i in range(len(lay.got))]


# ---- absolute kinds -------------------------------------------------------------------

def test_abs64_external_symbol_plus_addend():
    jc = one(b"\x48\xb8" + bytes(8) + b"\xc3",
             [Hole(2, "R_X86_64_64", V.ZERO, "PyFloat_Type", 16)])
    assert field(None, jc, 2, "<Q") == resolve_symbol("PyFloat_Type") + 16
    assert jc.patches[0].how == "abs64"


def test_abs64_negative_operand_wraps_to_two_complement():
    jc = one(b"\x48\xb8" + bytes(8) + b"\xc3", [Hole(2, "R_X86_64_64", V.OPERAND, None, 0)],
             UopInstruction("_OP", operand=-3))
    assert field(None, jc, 2, "<Q") == 2 ** 64 - 3


def test_abs32_oparg_executes():
    # mov eax, imm32 ; ret  -- the oparg lands in the immediate, and the code runs
    jc = one(b"\xb8\x00\x00\x00\x00\xc3", [Hole(1, "R_X86_64_32", V.OPARG, None, 2)],
             UopInstruction("_OP", oparg=40))
    assert jc.code_bytes() == b"\xb8" + struct.pack("<I", 42) + b"\xc3"
    assert ctypes.PYFUNCTYPE(ctypes.c_int)(jc.entry)() == 42


def test_abs32_refuses_negative_and_too_large():
    code = b"\xb8\x00\x00\x00\x00\xc3"
    with pytest.raises(jit.RelocationRangeError, match="_OP.*R_X86_64_32"):
        one(code, [Hole(1, "R_X86_64_32", V.OPERAND, None, 0)],
            UopInstruction("_OP", operand=1 << 32))
    with pytest.raises(jit.RelocationRangeError):
        one(code, [Hole(1, "R_X86_64_32", V.OPARG, None, -1)], UopInstruction("_OP", oparg=0))
    # an absolute address of the process is far above 4 GiB
    with pytest.raises(jit.RelocationRangeError):
        one(code, [Hole(1, "R_X86_64_32", V.ZERO, "PyFloat_Type", 0)])


def test_abs32s_sign_extended_range():
    code = b"\x48\xc7\xc0\x00\x00\x00\x00\xc3"     # mov rax, simm32 ; ret
    jc = one(code, [Hole(3, "R_X86_64_32S", V.OPERAND, None, 0)],
             UopInstruction("_OP", operand=2 ** 64 - 7))      # -7 as an unsigned operand
    assert field(None, jc, 3) == -7
    assert ctypes.PYFUNCTYPE(ctypes.c_int64)(jc.entry)() == -7
    with pytest.raises(jit.RelocationRangeError, match="R_X86_64_32S"):
        one(code, [Hole(3, "R_X86_64_32S", V.OPERAND, None, 0)],
            UopInstruction("_OP", operand=1 << 31))


# ---- PC-relative kinds ---------------------------------------------------------------------

def test_pc32_to_own_data():
    # lea rax, [rip+disp] ; mov rax, [rax] ; ret  -- reads 8 bytes of the stencil's data
    code = b"\x48\x8d\x05\x00\x00\x00\x00\x48\x8b\x00\xc3"
    data = struct.pack("<Q", 0x1122334455667788)
    jc = one(code, [Hole(3, "R_X86_64_PC32", V.DATA, None, -4)], data=data)
    placement = jc.placements[0]
    P = jc.entry + 3
    assert field(None, jc, 3) == jc.entry + placement.data_offset - 4 - P
    assert (jc.entry + placement.data_offset) % 8 == 0
    assert ctypes.PYFUNCTYPE(ctypes.c_uint64)(jc.entry)() == 0x1122334455667788


def test_pc32_out_of_range_is_refused():
    with pytest.raises(jit.RelocationRangeError, match="_OP.*R_X86_64_PC32"):
        one(b"\x48\x8d\x05\x00\x00\x00\x00\xc3", [Hole(3, "R_X86_64_PC32", V.OPERAND, None, -4)],
            UopInstruction("_OP", operand=0x1000))


def test_plt32_continue_and_jump_target_in_trace():
    # uop 0: jmp JUMP_TARGET (uop 2) ; uop 1: mov eax,1; ret ; uop 2: mov eax,2; ret
    jumper = stencil("_JUMPER", b"\xe9\x00\x00\x00\x00",
                     [Hole(1, "R_X86_64_PLT32", V.JUMP_TARGET, None, -4)])
    one_ = stencil("_ONE", b"\xb8\x01\x00\x00\x00\xc3")
    two = stencil("_TWO", b"\xb8\x02\x00\x00\x00\xc3")
    jc = build([jumper, one_, two], [UopInstruction("_JUMPER", jump_target=2),
                                     UopInstruction("_ONE"), UopInstruction("_TWO")])
    assert [p.code_offset for p in jc.placements] == [0, 5, 11]
    assert field(None, jc, 1) == 11 - 5
    assert ctypes.PYFUNCTYPE(ctypes.c_int)(jc.entry)() == 2
    # CONTINUE of the first uop is the second uop: a jump there returns 1
    cont = stencil("_JUMPER", b"\xe9\x00\x00\x00\x00",
                   [Hole(1, "R_X86_64_PLT32", V.CONTINUE, None, -4)])
    jc = build([cont, one_, two], [UopInstruction("_JUMPER"), UopInstruction("_ONE"),
                                   UopInstruction("_TWO")])
    assert field(None, jc, 1) == 0
    assert ctypes.PYFUNCTYPE(ctypes.c_int)(jc.entry)() == 1


def test_plt32_far_target_goes_through_a_veneer():
    far = 0x123456789A
    jc = one(b"\xe9\x00\x00\x00\x00", [Hole(1, "R_X86_64_PLT32", V.OPERAND, None, -4)],
             UopInstruction("_OP", operand=far))
    lay = jc.layout
    blob = jc.machine_code()
    veneer = jc.entry + lay.veneer_offset
    assert field(None, jc, 1) == veneer - 4 - (jc.entry + 1)
    assert blob[lay.veneer_offset:lay.veneer_offset + 6] == b"\xff\x25\x00\x00\x00\x00"
    assert struct.unpack_from("<Q", blob, lay.veneer_offset + 6)[0] == far
    assert jc.patches[0].how == "veneer"
    listing = jc.disassemble().split("; veneers\n", 1)[1]
    assert "+%04x" % lay.veneer_offset in listing.splitlines()[0]


def test_plt32_to_libc_function_runs():
    # call labs(rdi) through PLT32 (direct or veneer, whichever the distance needs)
    code = (b"\x48\x83\xec\x08"              # sub rsp, 8  (keep the call 16-byte aligned)
            b"\xe8\x00\x00\x00\x00"          # call labs
            b"\x48\x83\xc4\x08\xc3")         # add rsp, 8 ; ret
    jc = one(code, [Hole(5, "R_X86_64_PLT32", V.ZERO, "labs", -4)])
    assert ctypes.PYFUNCTYPE(ctypes.c_long, ctypes.c_long)(jc.entry)(-12345) == 12345


# ---- GOT kinds ------------------------------------------------------------------------

def test_gotpcrel_uses_a_slot_in_the_same_allocation():
    # push qword ptr [rip+GOT(PyLong_Type)] ; pop rax ; ret  -- no direct form exists
    code = b"\xff\x35\x00\x00\x00\x00\x58\xc3"
    jc = one(code, [Hole(2, "R_X86_64_GOTPCREL", V.ZERO, "PyLong_Type", -4)])
    lay = jc.layout
    assert got_slots(jc) == [resolve_symbol("PyLong_Type")]
    slot = jc.entry + lay.got_offset
    assert field(None, jc, 2) == slot - 4 - (jc.entry + 2)
    assert jc.code_bytes()[:2] == b"\xff\x35"
    assert lay.got_offset + 8 == jc.size
    assert jc.patches[0].how == "got"
    assert ctypes.PYFUNCTYPE(ctypes.c_uint64)(jc.entry)() == resolve_symbol("PyLong_Type")


def test_plain_gotpcrel_relaxed_only_when_the_instruction_is_known():
    # mov rax, [rip+GOT(oparg)] ; ret  with plain GOTPCREL: the stitcher knows the
    # instruction bounds (capstone) so it relaxes; blind, the form is not trusted.
    code = b"\x48\x8b\x05\x00\x00\x00\x00\xc3"
    jc = one(code, [Hole(3, "R_X86_64_GOTPCREL", V.OPARG, None, -4)],
             UopInstruction("_OP", oparg=5))
    assert jc.code_bytes()[:7] == b"\x48\xc7\xc0" + struct.pack("<i", 5)
    assert ctypes.PYFUNCTYPE(ctypes.c_int64)(jc.entry)() == 5
    from cpjit.jit_relocations import apply_relocation
    buffer = bytearray(code)
    patch = apply_relocation(buffer, 3, "R_X86_64_GOTPCREL", 5, -4, 0x10003, got_slot=0x10100)
    assert patch.how == "got" and bytes(buffer[:3]) == b"\x48\x8b\x05"
    assert struct.unpack_from("<i", buffer, 3)[0] == 0x10100 - 4 - 0x10003


def test_rex_gotpcrelx_small_value_becomes_mov_imm32():
    # mov r9, [rip+GOT(oparg)] ; mov rax, r9 ; ret  ->  mov r9, imm32
    code = b"\x4c\x8b\x0d\x00\x00\x00\x00\x4c\x89\xc8\xc3"
    jc = one(code, [Hole(3, "R_X86_64_REX_GOTPCRELX", V.OPARG, None, -4)],
             UopInstruction("_OP", oparg=77))
    assert jc.code_bytes()[:7] == b"\x49\xc7\xc1" + struct.pack("<i", 77)
    assert jc.patches[0].how == "imm32"
    assert ctypes.PYFUNCTYPE(ctypes.c_int64)(jc.entry)() == 77


def test_rex_gotpcrelx_negative_operand_becomes_sign_extended_imm32():
    code = b"\x48\x8b\x05\x00\x00\x00\x00\xc3"
    jc = one(code, [Hole(3, "R_X86_64_REX_GOTPCRELX", V.OPERAND, None, -4)],
             UopInstruction("_OP", operand=2 ** 64 - 2))
    assert jc.code_bytes()[:7] == b"\x48\xc7\xc0" + struct.pack("<i", -2)
    assert ctypes.PYFUNCTYPE(ctypes.c_int64)(jc.entry)() == -2


def test_rex_gotpcrelx_address_in_range_becomes_lea():
    # mov rax, [rip+GOT(CONTINUE)] ; ret  ->  lea rax, [rip+next uop]
    first = stencil("_A", b"\x48\x8b\x05\x00\x00\x00\x00\xc3",
                    [Hole(3, "R_X86_64_REX_GOTPCRELX", V.CONTINUE, None, -4)])
    second = stencil("_B", b"\xc3")
    jc = build([first, second], [UopInstruction("_A"), UopInstruction("_B")])
    assert jc.code_bytes()[:3] == b"\x48\x8d\x05"
    assert field(None, jc, 3) == 8 - 3 - 4      # next uop at 8, field at 3, addend -4
    assert jc.patches[0].how == "lea"
    assert ctypes.PYFUNCTYPE(ctypes.c_uint64)(jc.entry)() == jc.entry + 8


def test_rex_gotpcrelx_far_value_keeps_the_got_load():
    far = 0x0000123456789ABC                  # neither imm32 nor rel32 from the code
    code = b"\x48\x8b\x05\x00\x00\x00\x00\xc3"
    jc = one(code, [Hole(3, "R_X86_64_REX_GOTPCRELX", V.OPERAND, None, -4)],
             UopInstruction("_OP", operand=far))
    assert jc.code_bytes()[:3] == b"\x48\x8b\x05"
    assert got_slots(jc) == [far]
    assert jc.patches[0].how == "got"
    assert ctypes.PYFUNCTYPE(ctypes.c_uint64)(jc.entry)() == far


def test_alu_operand_from_the_got_becomes_an_immediate():
    # cmp rdi, [rip+GOT(oparg)] ; sete al ; movzx eax, al ; ret  ->  cmp rdi, 9
    code = b"\x48\x3b\x3d\x00\x00\x00\x00\x0f\x94\xc0\x0f\xb6\xc0\xc3"
    jc = one(code, [Hole(3, "R_X86_64_REX_GOTPCRELX", V.OPARG, None, -4)],
             UopInstruction("_OP", oparg=9))
    assert jc.code_bytes()[:7] == b"\x48\x81\xff" + struct.pack("<i", 9)
    assert got_slots(jc) == []
    f = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_int64)(jc.entry)
    assert (f(9), f(8)) == (1, 0)


def test_alu_operand_too_wide_for_imm32_uses_the_slot():
    far = 0x0000123456789ABC
    code = b"\x48\x3b\x3d\x00\x00\x00\x00\x0f\x94\xc0\x0f\xb6\xc0\xc3"
    jc = one(code, [Hole(3, "R_X86_64_REX_GOTPCRELX", V.OPERAND, None, -4)],
             UopInstruction("_OP", operand=far))
    assert jc.code_bytes()[:3] == b"\x48\x3b\x3d"
    assert got_slots(jc) == [far] and jc.patches[0].how == "got"
    f = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_int64)(jc.entry)
    assert (f(far), f(far - 1)) == (1, 0)


def test_32bit_sub_and_movsxd_from_the_got_become_immediates():
    # mov eax, edi ; sub eax, [rip+G(oparg)] ; ret      (32-bit ALU, no REX)
    sub = b"\x89\xf8\x2b\x05\x00\x00\x00\x00\xc3"
    jc = one(sub, [Hole(4, "R_X86_64_GOTPCRELX", V.OPARG, None, -4)],
             UopInstruction("_OP", oparg=3))
    assert jc.code_bytes()[2:8] == b"\x81\xe8" + struct.pack("<i", 3)
    assert ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_int)(jc.entry)(10) == 7
    # movsxd r9, dword [rip+G(oparg)] ; mov rax, r9 ; ret   (plain GOTPCREL, as clang emits)
    movsxd = b"\x4c\x63\x0d\x00\x00\x00\x00\x4c\x89\xc8\xc3"
    jc = one(movsxd, [Hole(3, "R_X86_64_GOTPCREL", V.OPARG, None, -4)],
             UopInstruction("_OP", oparg=0xFFFFFFFE))          # low half = -2 as int
    assert jc.code_bytes()[:7] == b"\x49\xc7\xc1" + struct.pack("<i", -2)
    assert ctypes.PYFUNCTYPE(ctypes.c_int64)(jc.entry)() == -2


def test_high_half_of_a_slot_is_read_from_the_slot_not_relaxed():
    # cmp edi, [rip+G+4] : clang reads the high half of a 64-bit operand this way
    # (``(uint32_t)(operand >> 32)``); the relocation's addend is 0, not -4. Relaxing it
    # to ``cmp edi, imm32`` with the LOW half was a bug (a guard that never held).
    operand = (0xC0000001 << 32) | 7
    code = b"\x3b\x3d\x00\x00\x00\x00\x0f\x94\xc0\x0f\xb6\xc0\xc3"
    jc = one(code, [Hole(2, "R_X86_64_GOTPCREL", V.OPERAND, None, 0)],
             UopInstruction("_OP", operand=operand))
    assert jc.patches[0].how == "got" and got_slots(jc) == [operand]
    f = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_uint32)(jc.entry)
    assert (f(0xC0000001), f(7)) == (1, 0)


def test_field_not_last_in_instruction_keeps_the_slot():
    # cmp dword ptr [rip+G], 5 : the field is followed by an immediate; not relaxable
    code = b"\x83\x3d\x00\x00\x00\x00\x05\x0f\x94\xc0\x0f\xb6\xc0\xc3"
    jc = one(code, [Hole(2, "R_X86_64_GOTPCREL", V.OPARG, None, -5)],
             UopInstruction("_OP", oparg=5))
    assert jc.patches[0].how == "got" and got_slots(jc) == [5]
    assert ctypes.PYFUNCTYPE(ctypes.c_int)(jc.entry)() == 1


def test_gotpcrelx_32bit_mov_becomes_imm32():
    code = b"\x8b\x05\x00\x00\x00\x00\xc3"        # mov eax, [rip+GOT] ; ret
    jc = one(code, [Hole(2, "R_X86_64_GOTPCRELX", V.OPARG, None, -4)],
             UopInstruction("_OP", oparg=0x89ABCDEF))
    assert jc.code_bytes()[:6] == b"\xc7\xc0" + struct.pack("<I", 0x89ABCDEF)
    assert ctypes.PYFUNCTYPE(ctypes.c_uint32)(jc.entry)() == 0x89ABCDEF


def test_gotpcrelx_call_and_jmp_relaxed_when_in_range():
    # uop 0: call [rip+GOT(JUMP_TARGET)] ; ret ; uop 1: jmp [rip+GOT(CONTINUE)]; uop 2: mov eax,5; ret
    caller = stencil("_CALL", b"\x48\x83\xec\x08\xff\x15\x00\x00\x00\x00\x48\x83\xc4\x08\xc3",
                     [Hole(6, "R_X86_64_GOTPCRELX", V.JUMP_TARGET, None, -4)])
    jumper = stencil("_JMP", b"\xff\x25\x00\x00\x00\x00",
                     [Hole(2, "R_X86_64_GOTPCRELX", V.CONTINUE, None, -4)])
    five = stencil("_FIVE", b"\xb8\x05\x00\x00\x00\xc3")
    jc = build([caller, jumper, five], [UopInstruction("_CALL", jump_target=1),
                                        UopInstruction("_JMP"), UopInstruction("_FIVE")])
    code = jc.code_bytes()
    assert code[4:6] == b"\x67\xe8" and struct.unpack_from("<i", code, 6)[0] == 15 - 10
    assert code[15:17] == b"\x90\xe9" and struct.unpack_from("<i", code, 17)[0] == 0
    assert [p.how for p in jc.patches] == ["call", "jmp"]
    assert ctypes.PYFUNCTYPE(ctypes.c_int)(jc.entry)() == 5


def test_gotpcrelx_call_far_symbol_runs_via_slot_or_relaxed():
    # call [rip+GOT(labs)]: relaxed when libc is within rel32 of the code, else via the slot
    code = b"\x48\x83\xec\x08\xff\x15\x00\x00\x00\x00\x48\x83\xc4\x08\xc3"
    jc = one(code, [Hole(6, "R_X86_64_GOTPCRELX", V.ZERO, "labs", -4)])
    assert jc.patches[0].how in ("call", "got")
    assert ctypes.PYFUNCTYPE(ctypes.c_long, ctypes.c_long)(jc.entry)(-7) == 7


def test_got_slots_are_shared_between_holes_with_the_same_value():
    code = b"\x48\x3b\x3d\x00\x00\x00\x00\x48\x3b\x3d\x00\x00\x00\x00\xc3"
    holes = [Hole(3, "R_X86_64_GOTPCREL", V.ZERO, "PyLong_Type", -4),
             Hole(10, "R_X86_64_GOTPCREL", V.ZERO, "PyLong_Type", -4)]
    jc = one(code, holes)
    assert got_slots(jc) == [resolve_symbol("PyLong_Type")]


def test_relaxed_holes_take_no_got_slot():
    code = b"\x48\x8b\x05\x00\x00\x00\x00\x48\x3b\x05\x00\x00\x00\x00\xc3"
    holes = [Hole(3, "R_X86_64_REX_GOTPCRELX", V.OPARG, None, -4),     # relaxed: imm32
             Hole(10, "R_X86_64_REX_GOTPCRELX", V.OPERAND, None, -4)]  # far: needs a slot
    jc = one(code, holes, UopInstruction("_OP", oparg=1, operand=2 ** 40))
    assert got_slots(jc) == [2 ** 40]
    assert jc.size == jc.layout.got_offset + 8


def test_data_holes_are_patched_too():
    # a jump table in data: R_X86_64_64 to this stencil's code + 1
    data = bytes(8)
    jc = one(b"\xc3\xc3", [], data=data,
             data_holes=[Hole(0, "R_X86_64_64", V.CODE, None, 1)])
    assert field(None, jc, jc.placements[0].data_offset, "<Q") == jc.entry + 1
    assert jc.patches[0].section == "data"


def test_executor_and_top_and_exit_index_holes():
    code = b"\x48\xb8" + bytes(8) + b"\x48\xb8" + bytes(8) + b"\xb8\x00\x00\x00\x00\xc3"
    holes = [Hole(2, "R_X86_64_64", V.EXECUTOR, None, 0), Hole(12, "R_X86_64_64", V.TOP, None, 0),
             Hole(21, "R_X86_64_32", V.EXIT_INDEX, None, 0)]
    first = stencil("_FIRST", b"\x90")
    op = stencil("_OP", code, holes)
    executor = jit.new_executor(4)
    jc = compile_trace([UopInstruction("_FIRST"), UopInstruction("_OP", exit_index=3)], executor,
                       stencils={"_FIRST": first, "_OP": op},
                       memory=jit_memory.ExecutableMemory())
    base = jc.placements[1].code_offset
    assert field(None, jc, base + 2, "<Q") == int(jit.abi().ffi.cast("uintptr_t", executor))
    assert field(None, jc, base + 12, "<Q") == jc.entry
    assert field(None, jc, base + 21, "<I") == 3
    assert int(jit.abi().ffi.cast("uintptr_t", executor.jit_code)) == jc.entry


# ---- refusals -------------------------------------------------------------------------

def test_unknown_relocation_kind_names_stencil_and_relocation():
    m = jit_memory.ExecutableMemory()
    with pytest.raises(jit.UnknownRelocationError, match=r"_WEIRD: 0x1 R_X86_64_TPOFF32"):
        build([stencil("_WEIRD", b"\xb8\x00\x00\x00\x00\xc3",
                       [Hole(1, "R_X86_64_TPOFF32", V.OPARG, None, 0)])],
              [UopInstruction("_WEIRD")], m)
    assert m.mapping_count() == 0


def test_unresolvable_symbol_is_a_clear_error_before_mapping():
    m = jit_memory.ExecutableMemory()
    with pytest.raises(jit.UnresolvedSymbolError, match="no_such_symbol_cpjit"):
        build([stencil("_OP", b"\x48\xb8" + bytes(8) + b"\xc3",
                       [Hole(2, "R_X86_64_64", V.ZERO, "no_such_symbol_cpjit", 0)])],
              [UopInstruction("_OP")], m)
    assert m.mapping_count() == 0


def test_jump_target_outside_trace_is_refused():
    with pytest.raises(jit.JitError, match="outside the trace"):
        one(b"\xe9\x00\x00\x00\x00", [Hole(1, "R_X86_64_PLT32", V.JUMP_TARGET, None, -4)],
            UopInstruction("_OP", jump_target=5))


def test_unknown_uop_and_trampoline_holes_are_refused():
    with pytest.raises(jit.JitError, match="no stencil for uop"):
        build([stencil("_OP", b"\xc3")], [UopInstruction("_MISSING")])
    with pytest.raises(jit.JitError, match="cannot compile an empty trace"):
        build([stencil("_OP", b"\xc3")], [])


def test_64bit_pc_relative_and_got_base_kinds():
    # fields only (never executed): PC64, GOTPCREL64, GOTPC32, GOTPC64, GOTOFF64
    code = bytes(8) * 5
    holes = [Hole(0, "R_X86_64_PC64", V.DATA, None, 8),
             Hole(8, "R_X86_64_GOTPCREL64", V.ZERO, "PyLong_Type", 0),
             Hole(16, "R_X86_64_GOTPC32", V.GOT, None, 3),
             Hole(24, "R_X86_64_GOTPC64", V.GOT, None, -2),
             Hole(32, "R_X86_64_GOTOFF64", V.CODE, None, 5)]
    jc = one(code, holes, data=bytes(16))
    base, lay = jc.entry, jc.layout
    got = base + lay.got_offset
    data = base + jc.placements[0].data_offset
    assert field(None, jc, 0, "<q") == data + 8 - base
    assert got_slots(jc) == [resolve_symbol("PyLong_Type")]      # GOTPCREL64 is never relaxed
    assert field(None, jc, 8, "<q") == got - (base + 8)
    assert field(None, jc, 16, "<i") == got + 3 - (base + 16)
    assert field(None, jc, 24, "<q") == got - 2 - (base + 24)
    assert field(None, jc, 32, "<q") == base + 5 - got


def test_other_host_is_a_clear_error(monkeypatch):
    import platform
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    with pytest.raises(jit.JitError, match="supports Linux x86_64; this host is Linux aarch64"):
        one(b"\xc3", [])
