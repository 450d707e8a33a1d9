"""The uop DSL: parsing, flag inference, stack effects, generated C."""

import pytest

from cpjit import uops
from cpjit.uops import UOPS, replicated_name
from cpjit.uops.analysis import analyze
from cpjit.uops.generator import generate_case
from cpjit.uops.parser import DSLError, StackItem, parse_text


def one(text):
    parsed = parse_text(text, "test.c")
    return analyze(list(parsed.ops))


def test_parse_op_with_annotations_arrays_and_comments():
    parsed = parse_text("""
        #include "helpers.h"
        // a comment with op(_FAKE, (a -- b)) { } inside
        /* and { braces } in a block comment */
        pure replicate(4) op(_THING, (a, unused[oparg*2], b -- c)) {
            const char *s = "}{ not a brace";
            c = a;  /* } */
        }
    """, "x.c")
    assert parsed.includes == ('#include "helpers.h"',)
    (op,) = parsed.ops
    assert op.name == "_THING" and op.replicate == 4 and op.annotations == ("pure",)
    assert op.inputs == (StackItem("a"), StackItem("unused", "oparg*2"), StackItem("b"))
    assert op.outputs == (StackItem("c"),)
    assert '"}{ not a brace"' in op.body
    assert op.line == 5


def test_malformed_definitions_are_refused_with_location():
    with pytest.raises(DSLError, match="test.c:1.*needs '--'"):
        parse_text("op(_X, (a, b)) { }", "test.c")
    with pytest.raises(DSLError, match="expected '\\{'"):
        parse_text("op(_X, (a -- b));", "test.c")
    with pytest.raises(DSLError, match="defined twice"):
        parse_text("op(_X, (--)) { }\nop(_X, (--)) { }", "test.c")
    with pytest.raises(DSLError, match="bad stack item"):
        parse_text("op(_X, (a+b -- )) { }", "test.c")
    with pytest.raises(DSLError, match="test.c:2: unexpected text outside an op"):
        parse_text("op(_X, (--)) { }\nstatic int helper(void) { return 1; }\n", "test.c")


def test_flags_are_inferred_from_the_body():
    info = one("""
        op(_A, (left, right -- res)) {
            DEOPT_IF(left == NULL);
            EXIT_IF(right == NULL);
            res = PyNumber_Add(left, right);
            DECREF_INPUTS();
            ERROR_IF(res == NULL, error);
        }
        op(_B, (-- value)) { value = (PyObject *)CURRENT_OPERAND(); Py_INCREF(value); }
        op(_C, (--)) { if (x) { ERROR_NO_POP(); } }
        op(_D, (--)) { CPJIT_EXIT_TO_TIER1(CPJIT_EXIT_DEOPT, CURRENT_TARGET(), -1); }
        op(_E, (values[oparg] --)) { }
    """)
    assert {"HAS_DEOPT", "HAS_EXIT", "HAS_ERROR", "HAS_ESCAPES"} <= info["_A"].flags
    assert "HAS_ARG" not in info["_A"].flags and "ERROR_NO_POP" not in info["_A"].flags
    assert info["_B"].flags == {"HAS_OPERAND"}
    assert info["_C"].flags >= {"HAS_ERROR", "ERROR_NO_POP"}
    assert info["_D"].flags >= {"LEAVES_TRACE", "IS_TERMINATOR", "HAS_TARGET"}
    assert "HAS_ARG" in info["_E"].flags           # oparg only in a stack size


def test_stack_effect_and_replicas():
    info = one("replicate(3) op(_R, (a, unused[oparg-1] -- a, unused[oparg-1], b)) { b = a; }")
    assert set(info) == {"_R", "_R_0", "_R_1", "_R_2"}
    assert info["_R"].num_popped(5) == 5 and info["_R"].num_pushed(5) == 6
    assert info["_R"].stack_effect(5) == 1
    assert info["_R_2"].fixed_oparg == 2 and info["_R_2"].num_popped(99) == 2
    assert "HAS_ARG" in info["_R"].flags and "HAS_ARG" not in info["_R_2"].flags
    assert info["_R_1"].replica_of == "_R"


def test_generated_c_loads_runs_and_stores():
    info = one("""
        op(_ADD, (left, right -- res)) {
            res = f(left, right);
            DECREF_INPUTS();
            ERROR_IF(res == NULL, error);
        }
        op(_KEEP, (left, right -- left, right)) { DEOPT_IF(left != right); }
        op(_POP_GUARD, (flag --)) { Py_DECREF(flag); SYNC_SP(); EXIT_IF(flag != Py_True); }
        op(_NEXT, (iter -- iter, next)) { next = g(iter); ERROR_IF(next == NULL, error); }
    """)
    add = generate_case(info["_ADD"])
    assert "PyObject *left = stack_pointer[-(2) + 0];" in add
    assert "Py_DECREF(left); Py_DECREF(right);" in add
    assert "stack_pointer += -(2); JUMP_TO_ERROR();" in add     # inputs popped on error
    assert "stack_pointer[-(2) + 0] = res;" in add
    assert "stack_pointer += (1) - (2);" in add
    keep = generate_case(info["_KEEP"])
    assert "JUMP_TO_JUMP_TARGET()" in keep
    assert "= left;" not in keep and "stack_pointer +=" not in keep  # nothing to store/move
    guard = generate_case(info["_POP_GUARD"])
    assert guard.index("stack_pointer += -(1);") < guard.index("JUMP_TO_JUMP_TARGET")
    nxt = generate_case(info["_NEXT"])
    # iter is preserved: an error pops nothing
    assert "if (UNLIKELY(next == NULL)) { JUMP_TO_ERROR(); }" in nxt


def test_core_uops_required_by_the_issue_exist_with_cpython_names():
    required = """_NOP _LOAD_FAST _LOAD_FAST_0 _LOAD_FAST_7 _LOAD_FAST_CHECK _STORE_FAST _LOAD_CONST
        _POP_TOP _COPY _SWAP _PUSH_NULL _GUARD_BOTH_INT _BINARY_OP_ADD_INT
        _BINARY_OP_SUBTRACT_INT _BINARY_OP_MULTIPLY_INT _GUARD_NOS_INT _GUARD_TOS_INT
        _GUARD_BOTH_FLOAT _BINARY_OP_ADD_FLOAT _BINARY_OP_SUBTRACT_FLOAT
        _BINARY_OP_MULTIPLY_FLOAT _COMPARE_OP_INT _COMPARE_OP_FLOAT _BINARY_OP _COMPARE_OP
        _GUARD_IS_TRUE_POP _GUARD_IS_FALSE_POP _GUARD_IS_NONE_POP _GUARD_IS_NOT_NONE_POP
        _TO_BOOL _ITER_CHECK_RANGE _GUARD_NOT_EXHAUSTED_RANGE _ITER_NEXT_RANGE
        _START_EXECUTOR _CHECK_VALIDITY _SET_IP _CHECK_VALIDITY_AND_SET_IP _JUMP_TO_TOP
        _EXIT_TRACE _DEOPT _ERROR_POP_N _CHECK_PERIODIC""".split()
    missing = [name for name in required if name not in UOPS]
    assert not missing
    assert UOPS["_GUARD_BOTH_INT"].has(uops.HAS_EXIT)
    assert UOPS["_BINARY_OP"].has(uops.HAS_ERROR) and UOPS["_BINARY_OP"].has(uops.HAS_ARG)
    assert UOPS["_CHECK_PERIODIC"].has(uops.ERROR_NO_POP)
    assert UOPS["_EXIT_TRACE"].has(uops.HAS_EXIT_INDEX) and UOPS["_EXIT_TRACE"].has(uops.IS_TERMINATOR)
    assert UOPS["_ITER_NEXT_RANGE"].stack_effect() == 1
    assert UOPS["_GUARD_IS_TRUE_POP"].stack_effect() == -1
    assert UOPS["_SWAP"].stack_effect(3) == 0 and UOPS["_COPY"].stack_effect(2) == 1
    assert UOPS["_ERROR_POP_N"].num_popped(3) == 3
    assert replicated_name("_LOAD_FAST", 3) == "_LOAD_FAST_3"
    assert replicated_name("_LOAD_FAST", 8) == "_LOAD_FAST"


def test_every_uop_file_is_read(tmp_path, monkeypatch):
    """A tier2*.c file dropped next to core.c is picked up without code changes."""
    from cpjit.stencil_build import paths
    stencils = tmp_path / "stencils"
    (stencils / "uops").mkdir(parents=True)
    (stencils / "template.c").write_text("")
    (stencils / "uops" / "core.c").write_text("op(_NOP, (--)) { }\n")
    (stencils / "uops" / "tier2_extra.c").write_text("op(_EXTRA, (a -- )) { Py_DECREF(a); }\n")
    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "cpjit")
    found, _ = uops.load_definitions()
    assert list(found) == ["_NOP", "_EXTRA"]
    (stencils / "uops" / "tier2_dup.c").write_text("op(_NOP, (--)) { }\n")
    with pytest.raises(DSLError, match="already defined"):
        uops.load_definitions()


def test_cache_entries_and_conditional_items():
    info = one("""
        op(_LOAD_GLOBALISH, (ptr/4 -- res, null if (oparg & 1))) {
            res = (PyObject *)ptr;
            Py_INCREF(res);
        }
        op(_MAYBE_POP, (self if (oparg & 1), callable -- res)) {
            res = callable;
            Py_XDECREF(self);
        }
    """)
    glob = info["_LOAD_GLOBALISH"]
    assert glob.definition.caches == (("ptr", 4),) and not glob.inputs
    assert {"HAS_OPERAND", "HAS_ARG"} <= glob.flags
    assert glob.num_pushed(0) == 1 and glob.num_pushed(1) == 2
    text = generate_case(glob)
    assert "uintptr_t ptr = CURRENT_OPERAND();" in text
    assert "PyObject *null = NULL;" in text
    assert "if (oparg & 1) { stack_pointer[-(0) + 1] = null; }" in text
    assert "stack_pointer += (1 + ((oparg & 1) ? 1 : 0)) - (0);" in text
    maybe = info["_MAYBE_POP"]
    assert maybe.num_popped(2) == 1 and maybe.num_popped(3) == 2
    text = generate_case(maybe)
    assert "PyObject *self = (oparg & 1) ? stack_pointer[-(1 + ((oparg & 1) ? 1 : 0)) + 0] : NULL;" in text
    with pytest.raises(DSLError, match="one operand"):
        parse_text("op(_X, (a/4, b/4 --)) { }", "t.c")


def test_generated_dsl_features_compile_with_the_template(tmp_path):
    """Arrays, conditional items, cache entries, SYNC_SP and ERROR_IF all give C
    that clang accepts in the real template."""
    import subprocess
    from cpjit.stencil_build.compile import common_flags
    from cpjit.stencil_build.errors import BuildError
    from cpjit.stencil_build.paths import stencils_dir
    from cpjit.stencil_build.target import X86_64_LINUX
    from cpjit.stencil_build.toolchain import find_toolchain
    try:
        toolchain = find_toolchain()
    except BuildError as error:
        pytest.skip(str(error))
    info = one("""
        op(_ALL, (ptr/4, self if (oparg & 1), args[oparg >> 1], callable -- res, extra if (oparg & 1))) {
            res = (PyObject *)ptr;
            Py_INCREF(res);
            extra = NULL;
            DECREF_INPUTS();
            ERROR_IF(res == NULL, error);
        }
    """)
    case = tmp_path / "case.c.h"
    case.write_text(generate_case(info["_ALL"]))
    result = subprocess.run(
        list(toolchain.command) + common_flags(X86_64_LINUX, stencils_dir()) +
        ['-DCPJIT_UOP_CASE="%s"' % case, "-Werror=implicit-function-declaration",
         "-c", str(stencils_dir() / "template.c"), "-o", str(tmp_path / "t.o")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
