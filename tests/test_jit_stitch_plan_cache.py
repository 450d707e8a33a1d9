"""Stencil plans stored on disk (cpjit.jit_plan_cache) come back identical to the
plans made in process, also when the libraries moved (ASLR), and are refused when
the addresses would relax differently or the file is damaged."""

import pytest

from cpjit import jit, jit_memory, jit_plan, jit_plan_cache
from cpjit.jit import UopInstruction, compile_trace
from cpjit.jit_symbols import resolve_symbol
from cpjit.stencil_build.stencils import Hole, HoleValue, Stencil

# every field of a plan that render_trace and plan_trace read (far: built on demand)
COMPARED = [name for name in jit_plan.StencilPlan.__slots__
            if name not in ("stencil", "_far", "_notes")] + ["far"]


@pytest.fixture(scope="module")
def table():
    from cpjit.stencil_build import load_stencils
    return load_stencils().stencils


@pytest.fixture
def cache_file(tmp_path, monkeypatch):
    path = tmp_path / "plans.marshal"
    monkeypatch.setattr(jit_plan_cache, "_path", str(path))
    monkeypatch.setattr(jit_plan_cache, "_entries", None)
    return path


def new_process(monkeypatch):
    """As a new process would start: only the file is left."""
    jit_plan_cache.flush()
    monkeypatch.setattr(jit_plan_cache, "_entries", None)


def moved_libraries(monkeypatch, delta_of):
    monkeypatch.setattr(jit_plan, "resolve_symbol",
                        lambda name: resolve_symbol(name) + delta_of(name))


def store_every_plan(table):
    for stencil in table.values():
        plan = jit_plan.StencilPlan(stencil)
        assert plan.symbols is not None, stencil.name
        jit_plan_cache.store(jit_plan_cache.key_of(stencil), jit_plan._entry_of(plan))


def assert_same_plan(stored, fresh):
    assert stored is not None
    for name in COMPARED:
        assert getattr(stored, name) == getattr(fresh, name), name


@pytest.mark.parametrize("move", ["same addresses", "libraries moved"])
def test_stored_plans_are_the_plans_of_this_process(table, cache_file, monkeypatch, move):
    store_every_plan(table)
    new_process(monkeypatch)
    if move == "libraries moved":
        # each library by its own page-aligned distance, some up, some down
        moved_libraries(monkeypatch, lambda name: (len(name) % 5 - 2) * (1 << 33) + 4096)
    for stencil in table.values():
        stored = jit_plan._stored_plan(stencil, jit_plan_cache.key_of(stencil))
        assert_same_plan(stored, jit_plan.StencilPlan(stencil))


def test_addresses_that_relax_differently_are_planned_again(table, cache_file, monkeypatch):
    store_every_plan(table)
    new_process(monkeypatch)
    # below 2 GiB an address fits an imm32: GOT loads relax to immediates instead
    moved_libraries(monkeypatch, lambda name: 0x1000 - resolve_symbol(name))
    uses_symbols = [s for s in table.values() if any(h.symbol for h in s.holes)]
    assert uses_symbols
    for stencil in uses_symbols:
        assert jit_plan._stored_plan(stencil, jit_plan_cache.key_of(stencil)) is None


def test_a_new_process_stitches_with_stored_plans(table, cache_file, monkeypatch):
    names = ["_LOAD_FAST", "_GUARD_BOTH_INT", "_BINARY_OP_ADD_INT", "_STORE_FAST",
             "_JUMP_TO_TOP"]
    names = [name for name in names if name in table]
    trace = [UopInstruction(name, oparg=1) for name in names]
    stencils = [table[name] for name in names]
    for stencil in stencils:
        jit_plan_cache.store(jit_plan_cache.key_of(stencil),
                             jit_plan._entry_of(jit_plan.StencilPlan(stencil)))
    new_process(monkeypatch)
    monkeypatch.setattr(jit_plan, "_plans", {})

    def no_planning(plan, stencil):
        raise AssertionError("planned %s again instead of using the stored plan" % stencil.name)
    monkeypatch.setattr(jit_plan.StencilPlan, "__init__", no_planning)
    memory = jit_memory.ExecutableMemory()
    code = compile_trace(trace, stencils=table, memory=memory)
    assert code._layout is None                         # stitched by the (stored) plans
    layout = jit._Layout(stencils, trace, code.executor_address)
    expected, _ = jit._render(layout, code.entry)
    assert code.machine_code() == bytes(expected)
    code.free()


def test_a_changed_stencil_or_a_damaged_file_is_planned_again(cache_file, monkeypatch):
    code = b"\x90" * 8 + b"\xe9\x00\x00\x00\x00"
    stencil = Stencil("_OP", code, b"", [Hole(9, "R_X86_64_PC32", HoleValue.CONTINUE, None, -4)],
                      [])
    key = jit_plan_cache.key_of(stencil)
    jit_plan_cache.store(key, jit_plan._entry_of(jit_plan.StencilPlan(stencil)))
    new_process(monkeypatch)
    assert jit_plan._stored_plan(stencil, key) is not None
    stencil.holes = [Hole(9, "R_X86_64_PC32", HoleValue.CODE, None, -4)]
    assert jit_plan_cache.key_of(stencil) != key
    assert jit_plan_cache.lookup(jit_plan_cache.key_of(stencil)) is jit_plan_cache.MISSING
    cache_file.write_bytes(b"\x00damaged")
    monkeypatch.setattr(jit_plan_cache, "_entries", None)
    assert jit_plan_cache.lookup(key) is jit_plan_cache.MISSING
    # a damaged entry is no plan, not an error
    jit_plan_cache.store(key, ("not", "a", "plan"))
    assert jit_plan._stored_plan(stencil, key) is None
    jit_plan_cache._entries[key] = b"\xff"
    assert jit_plan_cache.lookup(key) is jit_plan_cache.MISSING


def test_the_cache_keeps_at_most_max_entries(cache_file, monkeypatch):
    monkeypatch.setattr(jit_plan_cache, "MAX_ENTRIES", 3)
    for index in range(5):
        jit_plan_cache.store(b"key%d" % index, index)
    new_process(monkeypatch)
    assert [jit_plan_cache.lookup(b"key%d" % index) for index in range(5)] == [
        jit_plan_cache.MISSING, jit_plan_cache.MISSING, 2, 3, 4]
