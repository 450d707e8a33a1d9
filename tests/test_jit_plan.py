"""The fast stitcher (cpjit.jit_plan) gives the reference stitcher's bytes, byte for
byte, on traces of every real stencil, at addresses near and far from libpython;
placements it does not model fall back to the reference."""

import random

import pytest

from cpjit import jit, jit_memory, jit_plan
from cpjit.stencil_build.stencils import Hole, HoleValue, Stencil
from cpjit.jit import UopInstruction, compile_trace


@pytest.fixture(scope="module")
def table():
    from cpjit.stencil_build import load_stencils
    return load_stencils().stencils


@pytest.fixture(scope="module")
def near_base():
    """An address where this process's mmap puts JIT code (near libpython)."""
    address = jit_memory._map(jit_memory.PAGE_SIZE, jit_memory.PROT_READ)
    jit_memory._unmap(address, jit_memory.PAGE_SIZE)
    return address


def uop_names(table):
    return sorted(name for name in table if name != jit.TRAMPOLINE)


def random_trace(rng, table, names, length, near):
    operands = [0, 1, 7, -1, -(1 << 31), (1 << 31) - 1, 1 << 31, (1 << 32) + 5, 1 << 63,
                (1 << 64) - 1, near + 4096 * rng.randrange(64), near - (1 << 33),
                0x5555_0000_1230, id(table)]
    trace = []
    for _ in range(length):
        trace.append(UopInstruction(
            rng.choice(names), oparg=rng.choice([0, 1, 3, 255, 70000, 1 << 31]),
            target=rng.randrange(0, 4000, 2), operand=rng.choice(operands),
            jump_target=rng.randrange(length), error_target=rng.randrange(length),
            exit_index=rng.randrange(8)))
    return trace


def reference_bytes(stencils, trace, executor_address, base):
    layout = jit._Layout(stencils, trace, executor_address)
    buffer, _ = jit._render(layout, base)
    return layout, bytes(buffer)


def test_every_real_stencil_has_a_plan(table):
    # Not correctness (a stencil without a plan stitches by the reference path),
    # but a stencil that loses its plan makes every trace using it ~15x slower.
    reasons = {}
    for name, stencil in table.items():
        if jit_plan.plan_of(stencil) is None:
            try:
                jit_plan.StencilPlan(stencil)
            except jit_plan.NoPlan as why:
                reasons[name] = str(why)
    assert reasons == {}, "stencils stitched by the slow reference path (teach " \
        "cpjit/jit_plan.py their holes): %s" % reasons


def test_plans_match_the_reference_on_random_traces(table, near_base):
    rng = random.Random(1234)
    names = uop_names(table)
    rendered = fell_back = far_variants = 0
    executors = [near_base + 0x1000, 0x5555_0000_2000, 48]
    # every stencil appears several times, in traces of different shapes
    for round_ in range(40):
        trace = random_trace(rng, table, names, rng.randrange(1, 40), near_base)
        stencils = [table[i.name] for i in trace]
        executor = rng.choice(executors)
        planned = jit_plan.plan_trace(stencils, trace, executor)
        assert planned is not None
        for base in (near_base + 64 * rng.randrange(1 << 14),
                     near_base - 64 * rng.randrange(1 << 14),
                     0x5555_5555_0000 + 64 * rng.randrange(1 << 10),   # far: GOT for externals
                     0x10000):                                          # below 2 GiB
            layout, expected = reference_bytes(stencils, trace, executor, base)
            assert planned.max_size == layout.max_size
            result = jit_plan.render_trace(planned, base)
            if result is None:
                fell_back += 1
                continue
            rendered += 1
            far_variants += any(plan.far is not None for plan in planned.plans)
            assert bytes(result[0]) == expected, (round_, hex(base))
            assert len(result[1]) == len(layout.got)
    # externals out of reach (far, low) take the plans' far variants, not the
    # reference: only a lane out of range would (none here)
    assert fell_back == 0 and rendered == 160 and far_variants > 0


def test_compile_trace_fast_and_reference_give_the_same_code(table):
    rng = random.Random(99)
    names = uop_names(table)
    memory = jit_memory.ExecutableMemory()
    codes = []
    for _ in range(6):
        trace = random_trace(rng, table, names, 25, memory.mapped_ranges()[0][0]
                             if memory.mapped_ranges() else 0x7f00_0000_0000)
        for reference in (False, True):
            code = compile_trace(trace, jit.new_executor(8), stencils=table, memory=memory,
                                 reference=reference)
            codes.append(code)
            stencils = [table[i.name] for i in trace]
            layout, expected = reference_bytes(stencils, trace, code.executor_address,
                                               code.entry)
            assert code.machine_code() == expected
            assert code.code_size == layout.code_end
            assert code.code_bytes() == expected[:layout.code_end]
            # introspection is the reference's, also when stitched by the plans
            assert [p.code_offset for p in code.placements] == [
                p.code_offset for p in layout.placements]
            assert [(p.offset, p.how) for p in code.patches] == [
                (p.offset, p.how) for p in jit._render(layout, code.entry)[1]]
    for code in codes:
        code.free()
    assert memory.mapping_count() == 0


def test_a_placement_the_plans_do_not_model_is_rendered_by_the_reference(table, monkeypatch):
    monkeypatch.setattr(jit_plan, "render_trace", lambda trace, base: None)
    trace = [UopInstruction("_LOAD_FAST", oparg=1), UopInstruction("_STORE_FAST", oparg=0),
             UopInstruction("_JUMP_TO_TOP")]
    memory = jit_memory.ExecutableMemory()
    code = compile_trace(trace, stencils=table, memory=memory)
    assert code._layout is not None         # kept from the reference render
    _, expected = reference_bytes([table[i.name] for i in trace], trace,
                                  code.executor_address, code.entry)
    assert code.machine_code() == expected
    code.free()


def test_a_bad_jump_index_still_raises_before_mapping(table):
    memory = jit_memory.ExecutableMemory()
    name = next(n for n in uop_names(table)
                if any(h.value is HoleValue.JUMP_TARGET for h in table[n].holes))
    with pytest.raises(jit.JitError, match="outside the trace"):
        compile_trace([UopInstruction(name, jump_target=5)], stencils=table, memory=memory)
    assert memory.mapping_count() == 0


def test_a_stencil_replaced_in_its_table_gets_a_new_plan():
    code = b"\x90" * 8 + b"\xe9\x00\x00\x00\x00"
    first = Stencil("_OP", code, b"", [Hole(9, "R_X86_64_PC32", HoleValue.CONTINUE, None, -4)],
                    [])
    plan = jit_plan.plan_of(first)
    assert plan is not None and jit_plan.plan_of(first) is plan
    first.holes = [Hole(9, "R_X86_64_PC32", HoleValue.CODE, None, -4)]
    assert jit_plan.plan_of(first) is not plan
    memory = jit_memory.ExecutableMemory()
    jc = compile_trace([UopInstruction("_OP")], stencils={"_OP": first}, memory=memory)
    assert jc.machine_code()[9:13] == (-4 - 9).to_bytes(4, "little", signed=True)
    jc.free()


def test_a_lane_out_of_range_is_left_to_the_reference(table):
    # a jump table's absolute addresses (R_X86_64_64 to DATA) cannot exceed 2**64
    name = next(n for n in uop_names(table)
                if any(h.kind == "R_X86_64_64" for h in table[n].data_holes))
    trace = [UopInstruction(name)]
    planned = jit_plan.plan_trace([table[name]], trace, 0)
    assert planned is not None
    assert jit_plan.render_trace(planned, (1 << 64) - 64) is None
