"""Real stencils, hand-written uop traces of real functions, run as machine code.

The traces mirror what the optimizer projects for a `for i in range(n)` loop
entered at its FOR_ITER (the range iterator on the stack); the targets are the
real bytecode offsets (dis), so an exit names the instruction tier 1 resumes at.
A tiny stand-in for tier 1 (`finish_*`) completes the loop in Python after an
exit, so every result can be compared with the function's own answer.
"""

import dis
import gc
import sys
import threading

import pytest

from cpjit import jit
from cpjit.jit import UopInstruction as U


class _Null:
    def __repr__(self):
        return "NULL"


NULL = _Null()          # the tier-1 NULL sentinel stand-in (any unique object works)
BUILTINS = __builtins__ if isinstance(__builtins__, dict) else __builtins__.__dict__


@pytest.fixture(scope="module")
def table():
    from cpjit.stencil_build import load_stencils
    return load_stencils()


@pytest.fixture(scope="module")
def abi():
    return jit.abi()


def summing(n, total):
    for i in range(n):
        total += i
    return total


def floor_summing(n, total, d):
    for i in range(n):
        total += i // d
    return total


def offsets(func):
    """{opname: [offsets]} and {varname: index} of a function."""
    ops = {}
    for ins in dis.get_instructions(func):
        ops.setdefault(ins.opname, []).append(ins.offset)
    names = {name: i for i, name in enumerate(func.__code__.co_varnames)}
    return ops, names


def loop_trace(func, body):
    """The trace of a `for i in range(n)` loop: header uops, `body`, back edge,
    then the exit stubs.  `body` is built by a callback that receives
    (ops, names, side_exit(target) -> index, error(target) -> index)."""
    ops, names = offsets(func)
    for_iter, back = ops["FOR_ITER"][0], ops["JUMP_BACKWARD"][0]
    stubs, exits = [], []

    def side_exit(target):
        stubs.append(("_EXIT_TRACE", target, len(exits)))
        exits.append(target)
        return len(stubs) - 1

    def error(target, popped=0):
        # popped: the failing uop's inputs, which _ERROR_POP_N releases (as the
        # optimizer's prepare_for_execution sets it: the uop's num_popped)
        stubs.append(("_ERROR_POP_N", target, popped))
        return len(stubs) - 1

    head = [U("_START_EXECUTOR", target=for_iter),
            U("_ITER_CHECK_RANGE", target=for_iter, jump_target=side_exit(for_iter)),
            U("_GUARD_NOT_EXHAUSTED_RANGE", target=for_iter, jump_target=0),
            U("_ITER_NEXT_RANGE", target=for_iter, error_target=error(for_iter)),
            U("_STORE_FAST", oparg=names["i"], target=for_iter + 2)]
    head[2] = U("_GUARD_NOT_EXHAUSTED_RANGE", target=for_iter, jump_target=head[1].jump_target)
    middle = body(ops, names, side_exit, error)
    tail = [U("_CHECK_PERIODIC", target=back, error_target=error(back)),
            U("_JUMP_TO_TOP", target=back)]
    trace = head + middle + tail
    base = len(trace)

    def fix(uop):
        changes = {}
        if uop.name.startswith(("_GUARD", "_ITER_CHECK")):
            changes["jump_target"] = uop.jump_target + base
        if uop.name in ("_ITER_NEXT_RANGE", "_BINARY_OP_ADD_INT", "_BINARY_OP", "_CHECK_PERIODIC"):
            changes["error_target"] = uop.error_target + base
        return U(uop.name, uop.oparg, uop.target, uop.operand,
                 changes.get("jump_target", uop.jump_target),
                 changes.get("error_target", uop.error_target), uop.exit_index)

    trace = [fix(u) for u in trace]
    for name, target, extra in stubs:
        if name == "_EXIT_TRACE":
            trace.append(U(name, target=target, exit_index=extra))
        else:
            trace.append(U(name, target=target, oparg=extra))
    return trace, exits, ops


def summing_trace():
    def body(ops, names, side_exit, error):
        binop = ops["BINARY_OP"][0]
        return [U("_LOAD_FAST", oparg=names["total"], target=binop - 4),
                U("_LOAD_FAST", oparg=names["i"], target=binop - 2),
                U("_GUARD_BOTH_INT", target=binop, jump_target=side_exit(binop)),
                U("_BINARY_OP_ADD_INT", target=binop, oparg=13, error_target=error(binop)),
                U("_STORE_FAST", oparg=names["total"], target=binop + 4)]
    return loop_trace(summing, body)


def floor_summing_trace():
    def body(ops, names, side_exit, error):
        div, add = ops["BINARY_OP"]
        return [U("_LOAD_FAST", oparg=names["total"], target=div - 6),
                U("_LOAD_FAST", oparg=names["i"], target=div - 4),
                U("_LOAD_FAST", oparg=names["d"], target=div - 2),
                U("_BINARY_OP", oparg=2, target=div, error_target=error(div, 2)),   # //
                U("_BINARY_OP", oparg=13, target=add, error_target=error(add, 2)),   # +=
                U("_STORE_FAST", oparg=names["total"], target=add + 4)]
    return loop_trace(floor_summing, body)


def enter(jit_code, func, localsplus, stack, for_iter, abi):
    """Run the trace, re-entering after periodic exits (as tier 1 would at the back edge)."""
    code = func.__code__
    while True:
        record = jit_code.run(localsplus, stack, code, func.__globals__, BUILTINS, func=func,
                              null=NULL, instr_offset=for_iter)
        if record.kind != abi.EXIT_PERIODIC:
            return record


def finish_summing(record, localsplus, stack, ops, abi):
    """Tier 1's part after the exit: resume at record.target with the exit's stack."""
    for_iter, binop = ops["FOR_ITER"][0], ops["BINARY_OP"][0]
    assert record.kind == abi.EXIT_SIDE and record.exception is None
    assert record.stack_depth == len(stack)
    if record.target == for_iter:
        (it,) = stack
        assert record.index == 0
        assert list(it) == []                     # exhausted: FOR_ITER jumps out
        return localsplus[1]
    assert record.target == binop and record.index == 1
    it, total, i = stack
    assert localsplus[2] is i
    total += i
    for i in it:
        total += i
    return total


@pytest.fixture(scope="module")
def summing_code(table):
    trace, exits, ops = summing_trace()
    executor = jit.new_executor(len(exits), exits)
    code = jit.compile_trace(trace, executor, stencils=table)
    yield code, ops
    code.free()


def run_summing(summing_code, abi, n, start):
    jit_code, ops = summing_code
    it = iter(range(n))
    localsplus, stack = [n, start, NULL], [it]
    record = enter(jit_code, summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    return record, localsplus, stack, finish_summing(record, localsplus, stack, ops, abi)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 100, 1000, 12345])
@pytest.mark.parametrize("start", [0, -7, 1000003])
def test_summing_loop_gives_pythons_answer(summing_code, abi, n, start):
    record, localsplus, stack, result = run_summing(summing_code, abi, n, start)
    assert result == summing(n, start)
    assert record.target == summing_code[1]["FOR_ITER"][0]      # ran to exhaustion
    assert stack == [stack[0]] and localsplus[0] == n
    assert localsplus[2] is (NULL if n == 0 else localsplus[2])
    if n:
        assert localsplus[2] == n - 1


def test_overflow_into_big_int_exits_at_the_binary_op(summing_code, abi):
    n = 50000                                    # the sum passes 2**30 at i = 46341
    record, localsplus, stack, result = run_summing(summing_code, abi, n, 0)
    assert result == summing(n, 0)
    _, ops = summing_code
    assert record.target == ops["BINARY_OP"][0] and record.index == 1
    it, total, i = stack
    assert total >= 2 ** 30 > total - (i - 1)    # the first total that is not compact
    assert total == sum(range(i)) and localsplus[1] is total


def test_float_appearing_exits_at_the_binary_op_with_the_right_stack(summing_code, abi):
    record, localsplus, stack, result = run_summing(summing_code, abi, 10, 0.5)
    assert result == summing(10, 0.5)
    _, ops = summing_code
    assert record.target == ops["BINARY_OP"][0]
    assert stack[1:] == [0.5, 0] and localsplus[1:] == [0.5, 0]


def test_not_a_range_iterator_exits_at_for_iter(summing_code, abi):
    jit_code, ops = summing_code
    it = iter([1, 2, 3])
    localsplus, stack = [3, 0, NULL], [it]
    record = enter(jit_code, summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    assert (record.kind, record.target, record.index) == (abi.EXIT_SIDE, ops["FOR_ITER"][0], 0)
    assert stack == [it] and localsplus[2] is NULL and list(it) == [1, 2, 3]


def test_reference_counts_unchanged(summing_code, abi):
    n, start = 5000, 1000003                     # not a cached small int
    gc.collect()
    it = iter(range(n))
    localsplus, stack = [n, start, NULL], [it]
    before = [sys.getrefcount(x) for x in (n, start, it, NULL, summing.__globals__, BUILTINS,
                                           summing.__code__, summing)]
    jit_code, ops = summing_code
    record = enter(jit_code, summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    total = localsplus[1]
    after = [sys.getrefcount(x) for x in (n, start, it, NULL, summing.__globals__, BUILTINS,
                                          summing.__code__, summing)]
    # `start` left the locals (one reference fewer); the NULL slot of `i` was filled.
    expected = list(before)
    expected[1] -= 1
    expected[3] -= 1
    assert after == expected
    assert total == summing(n, start) and sys.getrefcount(total) == 3   # list + local + arg
    assert record.kind == abi.EXIT_SIDE


def test_many_entries_do_not_leak(summing_code, abi):
    n, start = 50, 2000003
    gc.collect()
    refs = sys.getrefcount(start), sys.getrefcount(n)
    for _ in range(300):
        run_summing(summing_code, abi, n, start)
    assert (sys.getrefcount(start), sys.getrefcount(n)) == refs


@pytest.fixture(scope="module")
def floor_code(table):
    trace, exits, ops = floor_summing_trace()
    code = jit.compile_trace(trace, jit.new_executor(len(exits), exits), stencils=table)
    yield code, ops
    code.free()


def test_generic_binary_op_loop(floor_code, abi):
    jit_code, ops = floor_code
    for n, d in [(0, 3), (10, 3), (100, -7), (50, 2.5)]:
        it = iter(range(n))
        localsplus, stack = [n, 0, d, NULL], [it]
        record = enter(jit_code, floor_summing, localsplus, stack, ops["FOR_ITER"][0], abi)
        assert record.target == ops["FOR_ITER"][0] and record.exception is None
        assert localsplus[1] == floor_summing(n, 0, d)


def test_c_api_error_surfaces_as_the_python_exception(floor_code, abi):
    jit_code, ops = floor_code
    div = ops["BINARY_OP"][0]
    it = iter(range(5))
    d = 0
    localsplus, stack = [5, 0, d, NULL], [it]
    refs = sys.getrefcount(it)
    record = enter(jit_code, floor_summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    assert record.kind == abi.EXIT_ERROR and record.target == div
    assert isinstance(record.exception, ZeroDivisionError)
    with pytest.raises(ZeroDivisionError) as python_error:
        floor_summing(5, 0, 0)
    assert str(record.exception) == str(python_error.value)
    assert record.exception.__traceback__ is None     # raised in C: no Python frame
    assert sys.exc_info() == (None, None, None)
    # the inputs of // were popped (released); total and the iterator stay
    assert stack == [it, 0] and record.stack_depth == 2 and localsplus[3] == 0
    assert sys.getrefcount(it) == refs


def test_exception_from_python_code_called_by_machine_code(floor_code, abi):
    class Divisor:
        def __rfloordiv__(self, other):
            raise ValueError("no division by %r" % other)

    jit_code, ops = floor_code
    it = iter(range(5))
    localsplus, stack = [5, 0, Divisor(), NULL], [it]
    record = enter(jit_code, floor_summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    assert record.kind == abi.EXIT_ERROR and isinstance(record.exception, ValueError)
    assert str(record.exception) == "no division by 0"
    tb = record.exception.__traceback__
    assert tb.tb_frame.f_code.co_name == "__rfloordiv__" and tb.tb_next is None


def test_second_thread_running_while_jit_code_runs(summing_code, abi):
    """The GIL is held in machine code and handed over at _CHECK_PERIODIC exits."""
    progress = []
    stop = threading.Event()
    failures = []

    def other():
        try:
            while not stop.is_set():
                progress.append(sum(range(200)))
                if len(progress) % 50 == 0:
                    # the other thread enters machine code too (its own state struct)
                    _, _, _, result = run_summing(summing_code, abi, 300, 1)
                    assert result == summing(300, 1)
        except BaseException as exc:                 # pragma: no cover - reported below
            failures.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    thread = threading.Thread(target=other)
    thread.start()
    try:
        periodic = 0
        jit_code, ops = summing_code
        for n in (20000, 40000, 40000, 3000, 40000):
            it = iter(range(n))
            localsplus, stack = [n, 3, NULL], [it]
            while True:
                record = jit_code.run(localsplus, stack, summing.__code__, summing.__globals__,
                                      BUILTINS, null=NULL, instr_offset=ops["FOR_ITER"][0])
                if record.kind != abi.EXIT_PERIODIC:
                    break
                periodic += 1
                assert record.target == ops["JUMP_BACKWARD"][0] and stack == [it]
            assert finish_summing(record, localsplus, stack, ops, abi) == summing(n, 3)
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert not failures, failures
    assert progress                                 # the other thread ran meanwhile


def test_disassembly_marks_stencils_and_holes(summing_code):
    jit_code, _ = summing_code
    text = jit_code.disassemble()
    for uop in ("_START_EXECUTOR", "_ITER_NEXT_RANGE", "_BINARY_OP_ADD_INT", "_JUMP_TO_TOP",
                "_EXIT_TRACE", "_ERROR_POP_N"):
        assert "] %s" % uop in text
    assert "; hole " in text
    assert jit_code.code_bytes() == jit_code.machine_code()[:jit_code.code_size]


def test_no_mapping_is_writable_and_executable(summing_code, floor_code):
    with open("/proc/self/maps") as f:
        bad = [line for line in f if "w" in line.split()[1] and "x" in line.split()[1]]
    assert not bad
    for jit_code, _ in (summing_code, floor_code):
        with open("/proc/self/maps") as f:
            for line in f:
                span, perms = line.split()[:2]
                lo, hi = (int(x, 16) for x in span.split("-"))
                if lo <= jit_code.entry < hi:
                    assert perms == "r-xp"


def test_freed_trace_memory_goes_back(table, abi):
    from cpjit import jit_memory
    memory = jit_memory.ExecutableMemory()
    trace, exits, _ = summing_trace()
    codes = [jit.compile_trace(trace, jit.new_executor(len(exits), exits), stencils=table,
                               memory=memory) for _ in range(4)]
    assert memory.bytes_used == sum(c.size for c in codes)
    assert memory.bytes_mapped >= memory.bytes_used
    for c in codes:
        c.free()
    assert memory.mapping_count() == 0 and memory.bytes_mapped == 0
    with pytest.raises(jit.JitError, match="freed"):
        codes[0].run([], [], summing.__code__, {}, {}, null=NULL)


def test_async_exception_around_the_call(summing_code, abi, monkeypatch):
    """KeyboardInterrupt arriving just before or just after machine code runs."""
    from cpjit import jit_memory
    jit_code, ops = summing_code
    real_call = jit_code._call

    def interrupted_before(address):
        raise KeyboardInterrupt

    def interrupted_after(address):
        real_call(address)
        raise KeyboardInterrupt

    it = iter(range(3))
    localsplus, stack = [3, 0, NULL], [it]
    monkeypatch.setattr(jit_code, "_call", interrupted_before)
    with pytest.raises(KeyboardInterrupt):
        jit_code.run(localsplus, stack, summing.__code__, summing.__globals__, BUILTINS, null=NULL)
    assert stack == [it] and localsplus == [3, 0, NULL]       # nothing moved
    assert jit_memory.ACTIVE_ENTRIES == []
    monkeypatch.setattr(jit_code, "_call", interrupted_after)
    record = jit_code.run(localsplus, stack, summing.__code__, summing.__globals__, BUILTINS,
                          null=NULL)
    # the loop ran to its exhaustion exit; the interrupt is raised at that target
    assert record.kind == abi.EXIT_ERROR and record.target == ops["FOR_ITER"][0]
    assert isinstance(record.exception, KeyboardInterrupt)
    assert localsplus[1] == 3 and stack == [it]
    assert jit_memory.ACTIVE_ENTRIES == []


def test_freeing_a_trace_while_it_runs_defers_the_unmap(table, abi):
    """Invalidation from inside the trace (a call it makes frees it): no crash, and the
    memory goes back when machine code has left."""
    from cpjit import jit_memory
    memory = jit_memory.ExecutableMemory()
    trace, exits, ops = floor_summing_trace()
    jit_code = jit.compile_trace(trace, jit.new_executor(len(exits), exits), stencils=table,
                                 memory=memory)
    seen = []

    class FreeingDivisor:
        def __rfloordiv__(self, other):
            if not jit_code.freed:
                jit_code.free()
                seen.append((memory.mapping_count(), len(memory.deferred)))
            return other

    it = iter(range(100))
    localsplus, stack = [100, 0, FreeingDivisor(), NULL], [it]
    record = enter(jit_code, floor_summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    assert record.kind == abi.EXIT_SIDE and localsplus[1] == sum(range(100))
    assert seen == [(1, 1)]                 # still mapped while the loop kept running
    assert memory.mapping_count() == 0 and not memory.deferred


def test_nested_entries_use_their_own_state(summing_code, floor_code, abi):
    """Machine code calls Python code that enters machine code again (each entry has
    its own _cpjit_state; the outer one resumes intact)."""
    inner_results = []

    class NestingDivisor:
        def __rfloordiv__(self, other):
            _, _, _, result = run_summing(summing_code, abi, other + 10, other)
            inner_results.append(result)
            return other

    jit_code, ops = floor_code
    it = iter(range(20))
    localsplus, stack = [20, 0, NestingDivisor(), NULL], [it]
    record = enter(jit_code, floor_summing, localsplus, stack, ops["FOR_ITER"][0], abi)
    assert record.kind == abi.EXIT_SIDE and record.target == ops["FOR_ITER"][0]
    assert localsplus[1] == sum(range(20))
    assert inner_results == [summing(i + 10, i) for i in range(20)]


@pytest.mark.parametrize("tool", ["capstone", "objdump", "hex"])
def test_disassembly_fallbacks(summing_code, tool):
    import shutil
    from cpjit import jit_disasm
    if tool == "objdump" and shutil.which("objdump") is None:
        with pytest.raises(FileNotFoundError):
            jit_disasm.disassemble_jit_code(summing_code[0], tool=tool)
        return
    text = jit_disasm.disassemble_jit_code(summing_code[0], tool=tool)
    assert "] _BINARY_OP_ADD_INT" in text and "; hole " in text
    if tool != "hex":
        assert "ret" in text or "jmp" in text
