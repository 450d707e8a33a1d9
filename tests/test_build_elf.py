"""ELF object -> Stencil: holes, refusals, fall-through removal (small objects)."""

import struct

import pytest

from cpjit.stencil_build.elf import remove_trailing_continue_jump, stencil_from_elf
from cpjit.stencil_build.errors import BuildError
from cpjit.stencil_build.stencils import Hole, HoleValue, Stencil
from cpjit.stencil_build.target import X86_64_LINUX


@pytest.fixture(scope="module")
def toolchain():
    from cpjit.stencil_build.toolchain import find_toolchain
    try:
        return find_toolchain()
    except BuildError as error:
        pytest.skip("no clang >= 19: %s" % error)


def compile_source(toolchain, tmp_path, text, suffix=".c"):
    import subprocess
    source = tmp_path / ("t" + suffix)
    source.write_text(text)
    output = tmp_path / "t.o"
    flags = list(X86_64_LINUX.flags) if suffix == ".c" else ["-target", "x86_64-linux-gnu"]
    subprocess.run(list(toolchain.command) + flags + ["-c", str(source), "-o", str(output)],
                   check=True, capture_output=True)
    return output.read_bytes()


TINY = r"""
typedef struct _object PyObject;
extern PyObject _Py_NoneStruct;
extern char _JIT_OPARG[];
extern __attribute__((preserve_none)) int _JIT_CONTINUE(void *, PyObject **, void *)
    __attribute__((visibility("hidden")));
extern int external_function(long);
static const double table[4] = {1.5, 2.5, 3.5, 4.5};
__attribute__((preserve_none)) int
_JIT_ENTRY(void *frame, PyObject **sp, void *state)
{
    long oparg = (long)(unsigned long)_JIT_OPARG;
    sp[0] = &_Py_NoneStruct;
    sp[1] = (PyObject *)(long)(table[oparg & 3] * external_function(oparg));
    __attribute__((musttail)) return _JIT_CONTINUE(frame, sp + 2, state);
}
"""


def test_tiny_object_becomes_a_stencil_with_every_kind_of_hole(toolchain, tmp_path):
    stencil = stencil_from_elf("tiny", compile_source(toolchain, tmp_path, TINY), X86_64_LINUX)
    by_what = {(h.value, h.symbol): h for h in stencil.holes}
    assert (HoleValue.OPARG, None) in by_what
    assert by_what[(HoleValue.OPARG, None)].kind in ("R_X86_64_REX_GOTPCRELX", "R_X86_64_GOTPCRELX")
    assert (HoleValue.ZERO, "_Py_NoneStruct") in by_what
    assert (HoleValue.ZERO, "external_function") in by_what
    assert by_what[(HoleValue.ZERO, "external_function")].kind == "R_X86_64_GOTPCRELX"  # -fno-plt
    cont = by_what[(HoleValue.CONTINUE, None)]
    assert cont.kind in ("R_X86_64_PLT32", "R_X86_64_PC32") and cont.addend == -4
    # the constant table lives in the stencil's data and is reached PC-relatively
    data_refs = [h for h in stencil.holes if h.value is HoleValue.DATA]
    assert data_refs and struct.pack("<4d", 1.5, 2.5, 3.5, 4.5) in stencil.data
    assert all(0 <= h.addend + 4 <= len(stencil.data) for h in data_refs)
    for hole in stencil.holes:          # RELA: the patched fields hold zeros
        assert stencil.code[hole.offset:hole.offset + 4] == b"\0\0\0\0"
    # ends with `jmp _JIT_CONTINUE`: removing it leaves the fall-through
    trimmed = remove_trailing_continue_jump(stencil, X86_64_LINUX)
    assert trimmed.fallthrough_bytes_removed == 5
    assert trimmed.code == stencil.code[:-5]
    assert all(h.value is not HoleValue.CONTINUE for h in trimmed.holes)


def test_unknown_relocation_fails_naming_stencil_and_relocation(toolchain, tmp_path):
    blob = compile_source(toolchain, tmp_path, """
        .text
        .globl _JIT_ENTRY
        _JIT_ENTRY:
            movabsq $some_symbol@GOTOFF, %rax
            ret
    """, suffix=".s")
    with pytest.raises(BuildError, match=r"stencil _MY_UOP: unsupported relocation "
                                         r"R_X86_64_GOTOFF64 against 'some_symbol'"):
        stencil_from_elf("_MY_UOP", blob, X86_64_LINUX)


def test_writable_data_is_refused(toolchain, tmp_path):
    blob = compile_source(toolchain, tmp_path, """
        int counter;
        int _JIT_ENTRY(void) { return ++counter; }
    """.replace("int counter;", "int counter = 1;"))
    with pytest.raises(BuildError, match=r"stencil _COUNT: unsupported section \.data"):
        stencil_from_elf("_COUNT", blob, X86_64_LINUX)


def test_constant_table_of_function_pointers_is_data_with_holes(toolchain, tmp_path):
    blob = compile_source(toolchain, tmp_path, """
        extern int first(int), second(int);
        static int (*const table[])(int) = {first, second};
        int _JIT_ENTRY(int x) { return table[x & 1](x); }
    """)
    stencil = stencil_from_elf("_TABLE", blob, X86_64_LINUX)
    assert len(stencil.data) == 16
    assert sorted((h.offset, h.kind, h.symbol) for h in stencil.data_holes) == [
        (0, "R_X86_64_64", "first"), (8, "R_X86_64_64", "second")]
    assert any(h.value is HoleValue.DATA for h in stencil.holes)


def test_entry_must_start_the_code(toolchain, tmp_path):
    blob = compile_source(toolchain, tmp_path, """
        __attribute__((noinline)) int helper(int x) { return x * 3 + 1; }
        int _JIT_ENTRY(int x) { return helper(x) + 2; }
    """)
    with pytest.raises(BuildError, match="_JIT_ENTRY must start .text"):
        stencil_from_elf("_HELPER", blob, X86_64_LINUX)


def _synthetic(code, holes):
    return Stencil("s", bytes(code), b"", list(holes), [])


def test_fall_through_only_removes_a_final_jump_to_the_continuation():
    jmp = b"\xe9\0\0\0\0"
    body = b"\x48\x89\xc0"   # mov rax, rax
    cont = Hole(len(body) + 1, "R_X86_64_PLT32", HoleValue.CONTINUE, None, -4)
    trimmed = remove_trailing_continue_jump(_synthetic(body + jmp, [cont]), X86_64_LINUX)
    assert trimmed.code == body and trimmed.holes == [] and trimmed.fallthrough_bytes_removed == 5
    # a final jump somewhere else stays
    other = Hole(len(body) + 1, "R_X86_64_PLT32", HoleValue.JUMP_TARGET, None, -4)
    kept = remove_trailing_continue_jump(_synthetic(body + jmp, [other]), X86_64_LINUX)
    assert kept.code == body + jmp and kept.fallthrough_bytes_removed == 0
    # a continuation jump that is not last stays (nothing to fall through to)
    tail = b"\xc3"
    middle = Hole(len(body) + 1, "R_X86_64_PLT32", HoleValue.CONTINUE, None, -4)
    kept = remove_trailing_continue_jump(_synthetic(body + jmp + tail, [middle]), X86_64_LINUX)
    assert kept.fallthrough_bytes_removed == 0


HOT_IN_THE_MIDDLE = """\
\t.text
\t.globl\t_JIT_ENTRY
_JIT_ENTRY:                             # @_JIT_ENTRY
# %bb.0:
\tpushq\t%rbp
\ttestq\t%rbp, %rbp
\tje\t.LBB0_2
# %bb.1:
\tpopq\t%rbp
\tjmp\t_JIT_CONTINUE                   # TAILCALL
.LBB0_2:
\tpopq\t%rbp
\tjmp\t_JIT_ERROR_TARGET               # TAILCALL
.Lfunc_end0:
\t.size\t_JIT_ENTRY, .Lfunc_end0-_JIT_ENTRY
"""


def test_hot_block_moves_last_with_the_branch_inverted():
    from cpjit.stencil_build.asm import move_continue_block_last
    out = move_continue_block_last(HOT_IN_THE_MIDDLE)
    instructions = [l.split("#")[0].strip() for l in out.splitlines()
                    if l.startswith("\t") and not l.strip().startswith(".")]
    assert instructions == ["pushq\t%rbp", "testq\t%rbp, %rbp", "jne\t.Lcpjit_continue",
                            "popq\t%rbp", "jmp\t_JIT_ERROR_TARGET",
                            "popq\t%rbp", "jmp\t_JIT_CONTINUE"]
    assert out.index(".Lcpjit_continue:") > out.index("_JIT_ERROR_TARGET")
    assert out.index(".Lfunc_end0:") > out.index("jmp\t_JIT_CONTINUE")
    # unsafe shapes are left alone: the branch does not jump over the hot block
    other = HOT_IN_THE_MIDDLE.replace("je\t.LBB0_2", "je\t.LBB0_9")
    assert move_continue_block_last(other) == other
    # already last: nothing to do
    done = move_continue_block_last(out)
    assert done == out


def test_compiled_stencil_falls_through_after_reordering(toolchain, tmp_path):
    """A body whose hot path clang places before its cold path still ends in the
    continuation jump after the build's reordering."""
    from cpjit.stencil_build.asm import move_continue_block_last
    import subprocess
    source = tmp_path / "t.c"
    source.write_text(r'''
        typedef struct _object PyObject;
        extern PyObject *make(long);
        extern __attribute__((preserve_none)) int _JIT_CONTINUE(void *, PyObject **, void *)
            __attribute__((visibility("hidden")));
        extern __attribute__((preserve_none)) int _JIT_ERROR_TARGET(void *, PyObject **, void *)
            __attribute__((visibility("hidden")));
        __attribute__((preserve_none)) int _JIT_ENTRY(void *f, PyObject **sp, void *s) {
            PyObject *r = make((long)sp[-1]);
            if (__builtin_expect(r == 0, 0)) {
                __attribute__((musttail)) return _JIT_ERROR_TARGET(f, sp, s);
            }
            sp[-1] = r;
            __attribute__((musttail)) return _JIT_CONTINUE(f, sp, s);
        }''')
    asm = tmp_path / "t.s"
    obj = tmp_path / "t.o"
    cc = list(toolchain.command)
    subprocess.run(cc + list(X86_64_LINUX.flags) + ["-S", str(source), "-o", str(asm)],
                   check=True, capture_output=True)
    asm.write_text(move_continue_block_last(asm.read_text()))
    subprocess.run(cc + list(X86_64_LINUX.assemble_flags) + ["-c", str(asm), "-o", str(obj)],
                   check=True, capture_output=True)
    stencil = stencil_from_elf("t", obj.read_bytes(), X86_64_LINUX)
    assert remove_trailing_continue_jump(stencil, X86_64_LINUX).fallthrough_bytes_removed == 5
