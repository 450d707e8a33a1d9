"""Tier 1's side tables: decoded instructions, branch history, specialized forms,
back-edge counters calling the optimizer, ENTER_EXECUTOR."""

import dis

import pytest

from cpjit import config
from cpjit.interpreter import get_code_info, run_function, set_optimizer
from cpjit.interpreter.opcodes311 import ENTER_EXECUTOR


def forms(func):
    """{opname: {forms}} observed in func's code."""
    info = get_code_info(func.__code__)
    out = {}
    for offset, rec in info.profile.items():
        op = dis.opname[info.instructions[offset // 2][0]]
        out.setdefault(op, set()).add(rec["form"])
    return out


class Point:
    def __init__(self, x):
        self.x = x

    def get(self):
        return self.x


def workload(n):
    total = 0
    f = 0.5
    items = [1, 2, 3]
    d = {}
    p = Point(1)
    for i in range(n):
        total = total + i
        f = f * 1.5
        if i < 3:
            total += items[i]
        d["k"] = i
        a, b = pair = (i, total)
        p.x = p.x + 1
        total += len(items) + abs(-1) + p.get()
        total += helper(i)
    return total


def helper(v):
    return v


def test_instructions_fold_extended_arg_and_keep_caches():
    src = "x = 0\n" + "".join("v%d = %d\n" % (i, i) for i in range(300)) + "y = v299.real\n"
    code = compile(src, "<t>", "exec")
    info = get_code_info(code)
    assert len(info.instructions) == len(code.co_code) // 2
    by_offset = {i.offset: (i.opcode, i.arg or 0) for i in dis.get_instructions(code)}
    for offset, (op, arg) in by_offset.items():
        assert info.instructions[offset // 2] == (op, arg)
    assert any(op == dis.opmap["EXTENDED_ARG"] for op, _ in info.instructions)
    assert any(op == dis.opmap["CACHE"] for op, _ in info.instructions)


def test_specialized_forms_are_recorded():
    run_function(workload, (20,))
    seen = forms(workload)
    assert "BINARY_OP_ADD_INT" in seen["BINARY_OP"]
    assert "BINARY_OP_MULTIPLY_FLOAT" in seen["BINARY_OP"]
    assert seen["COMPARE_OP"] == {"COMPARE_OP_INT_JUMP"}
    assert seen["BINARY_SUBSCR"] == {"BINARY_SUBSCR_LIST_INT"}
    assert seen["STORE_SUBSCR"] == {"STORE_SUBSCR_DICT"}
    assert seen["UNPACK_SEQUENCE"] == {"UNPACK_SEQUENCE_TWO_TUPLE"}
    assert seen["FOR_ITER"] == {"FOR_ITER_RANGE"}
    assert seen["LOAD_ATTR"] == {"LOAD_ATTR_INSTANCE_VALUE"}
    assert seen["STORE_ATTR"] == {"STORE_ATTR_INSTANCE_VALUE"}
    assert seen["LOAD_METHOD"] == {"LOAD_METHOD_WITH_VALUES"}
    assert {"LOAD_GLOBAL_MODULE", "LOAD_GLOBAL_BUILTIN"} <= seen["LOAD_GLOBAL"]
    assert {"PRECALL_NO_KW_LEN", "CALL_PY_EXACT_ARGS", "PRECALL_BUILTIN_CLASS"} <= seen["CALL"]
    info = get_code_info(workload.__code__)
    rec = next(r for r in info.profile.values() if r["form"] == "CALL_PY_EXACT_ARGS"
               and r["code"] is helper.__code__)
    assert rec["func"]() is helper
    rec = next(r for r in info.profile.values() if r["form"] == "LOAD_ATTR_INSTANCE_VALUE")
    assert rec["type"] is Point and rec["type_version"] != 0 and rec["index"] == 0


def test_megamorphic_site_is_dropped():
    def poly(values):
        out = []
        for v in values:
            out.append(v + v)
        return out
    run_function(poly, ([1, 2],))
    info = get_code_info(poly.__code__)
    assert any(r["form"] == "BINARY_OP_ADD_INT" for r in info.profile.values())
    assert run_function(poly, ([1, 1.5, "s", b"b", (1,), [2]],)) == \
        [2, 3.0, "ss", b"bb", (1, 1), [2, 2]]
    assert not any(r["form"].startswith("BINARY_OP") for r in info.profile.values())
    # the instruction now runs its unprofiled handler (no more observations)
    add = next(i for i, (op, arg) in enumerate(info.instructions)
               if op == dis.opmap["BINARY_OP"])
    assert info.dispatch[add][0].__name__ == "op_BINARY_OP_NB_ADD"
    assert "observe" not in info.dispatch[add][0].__code__.co_names
    assert run_function(poly, ([1, "s"],)) == [2, "ss"]


def test_branch_history_is_16_bits_newest_in_bit_0():
    def branches(n):
        hits = 0
        for i in range(n):
            if i % 2:
                hits += 1
        return hits
    assert run_function(branches, (40,)) == 20
    info = get_code_info(branches.__code__)
    jumps = [off for off, _ in info.branch_history.items()
             if dis.opname[info.instructions[off // 2][0]] == "POP_JUMP_FORWARD_IF_FALSE"]
    assert len(jumps) == 1
    # i % 2 is false (jump taken, bit 1) for even i; the last i (39) is odd: not taken.
    assert info.branch_history[jumps[0]] == 0b1010101010101010


class RecordingOptimizer:
    def __init__(self, install=None):
        self.calls = []
        self.install = install

    def optimize(self, frame, start, src, chain_depth=0):
        self.calls.append((frame.code.co_name, start, src, frame.lasti, chain_depth))
        if self.install is not None:
            frame.info.insert_executor(src, self.install)
            return 1
        return 0


def counted_loop(n):
    total = 0
    for i in range(n):
        total += i
    return total


def _back_edge_offset(func):
    info = get_code_info(func.__code__)
    return [i * 2 for i, (op, _) in enumerate(info.instructions)
            if op in (dis.opmap["JUMP_BACKWARD"], ENTER_EXECUTOR)]


@pytest.fixture
def threshold4():
    old = config.current.backedge_threshold
    config.current.backedge_threshold = 4
    yield
    config.current.backedge_threshold = old
    set_optimizer(None)


def test_backedge_counter_calls_optimizer_with_backoff(threshold4):
    def loop(n):
        total = 0
        for i in range(n):
            total += i
        return total
    opt = RecordingOptimizer()
    set_optimizer(opt)
    assert run_function(loop, (30,)) == sum(range(30))
    (src,) = _back_edge_offset(loop)
    # trigger on the 4th back edge, then (each attempt failed) on the 12th and the 28th
    assert len(opt.calls) == 3
    name, start, at, lasti, depth = opt.calls[0]
    assert (name, at, lasti, depth) == ("loop", src, src, 0)
    assert dis.opname[loop.__code__.co_code[start]] == "FOR_ITER"
    info = get_code_info(loop.__code__)
    counter = info.backedge_counter[src]
    assert counter == [29, 5]   # backoff exponent grew three times from 2; 2 edges since
    opt.calls.clear()
    run_function(loop, (30,))   # 29 more decrements, then the 30th back edge triggers
    assert len(opt.calls) == 1


def test_backedge_threshold_one_triggers_every_time():
    old = config.current.backedge_threshold
    config.current.backedge_threshold = 1

    def loop1(n):
        for _ in range(n):
            pass
    try:
        opt = RecordingOptimizer()
        set_optimizer(opt)
        run_function(loop1, (1,))
        assert len(opt.calls) == 1
    finally:
        config.current.backedge_threshold = old
        set_optimizer(None)


class CountingExecutor:
    """Does no work itself: resumes tier 1 at the loop head, counting entries."""

    def __init__(self, start):
        self.start = start
        self.entries = 0
        self.valid = True

    def execute(self, frame):
        self.entries += 1
        return frame, self.start


def test_enter_executor_runs_installed_executor(threshold4):
    def loop2(n):
        total = 0
        for i in range(n):
            total += i
        return total
    info = get_code_info(loop2.__code__)
    src = _back_edge_offset(loop2)[0]
    start = next(i.offset for i in dis.get_instructions(loop2) if i.opname == "FOR_ITER")
    ex = CountingExecutor(start)
    opt = RecordingOptimizer(install=ex)
    set_optimizer(opt)
    assert run_function(loop2, (10,)) == 45
    assert len(opt.calls) == 1
    assert info.instructions[src // 2] == (ENTER_EXECUTOR, 0)
    assert (ex.original_opcode, ex.original_oparg) == (
        dis.opmap["JUMP_BACKWARD"], loop2.__code__.co_code[src + 1])
    # back edges 4..9: the 4th runs ENTER_EXECUTOR right after installation
    assert ex.entries == 10 - 3
    assert run_function(loop2, (5,)) == 10
    assert ex.entries == 7 + 5
    ex.valid = False          # invalidated: the original JUMP_BACKWARD semantics again
    assert run_function(loop2, (5,)) == 10
    assert ex.entries == 12
    info.remove_executor(src)
    assert info.instructions[src // 2][0] == dis.opmap["JUMP_BACKWARD"]


class FailingExecutor:
    def __init__(self):
        self.valid = True

    def execute(self, frame):
        # as an error exit: frame.lasti at the failing instruction, the stack as tier 1 has it
        raise ZeroDivisionError("from the executor")


def test_executor_error_unwinds_with_exception_table(threshold4):
    def unguarded(n):
        for i in range(n):
            pass
    set_optimizer(RecordingOptimizer(install=FailingExecutor()))
    with pytest.raises(ZeroDivisionError, match="from the executor") as info:
        run_function(unguarded, (10,))
    tb = info.value.__traceback__
    while tb.tb_frame.f_code.co_name != "unguarded":
        tb = tb.tb_next
    assert tb.tb_lasti == _back_edge_offset(unguarded)[0]
    # then the executor's own frame (a Python executor outside cpjit/ is not stripped)
    assert tb.tb_next.tb_frame.f_code.co_name == "execute"


class ConditionalJumpExecutor:
    """Installed on a `while` loop's conditional back edge: evaluates the jump itself."""

    def __init__(self, target, after):
        self.target, self.after = target, after
        self.entries = 0
        self.valid = True

    def execute(self, frame):
        self.entries += 1
        taken = frame.stack.pop()
        return frame, (self.target if taken else self.after)


def test_while_loop_back_edge_is_counted_and_takes_executors(threshold4):
    def countdown(n):
        total = 0
        while n > 0:
            total += n
            n -= 1
        return total
    info = get_code_info(countdown.__code__)
    assert info.has_loop            # the "loops" policy runs it in tier 1
    (edge,) = [i for i in dis.get_instructions(countdown)
               if i.opname == "POP_JUMP_BACKWARD_IF_TRUE"]
    after = edge.offset + 2
    ex = ConditionalJumpExecutor(edge.argval, after)
    opt = RecordingOptimizer(install=ex)
    set_optimizer(opt)
    old = config.current.tier1
    config.current.tier1 = "loops"
    try:
        from cpjit.interpreter import exec_code
        g = {"countdown": countdown}
        exec_code(compile("r = countdown(10)", "<w>", "exec"), g)
    finally:
        config.current.tier1 = old
    assert g["r"] == 55
    assert len(opt.calls) == 1
    name, start, src, lasti, _ = opt.calls[0]
    assert (name, start, src, lasti) == ("countdown", edge.offset, edge.offset, edge.offset)
    # 9 taken back edges; the 4th triggers and enters the executor, which then also
    # runs at every later edge, the last (not taken) included
    assert ex.entries == 10 - 3
    assert info.instructions[edge.offset // 2][0] == ENTER_EXECUTOR
    ex.valid = False
    assert run_function(countdown, (4,)) == 10      # the original conditional jump again
    assert ex.entries == 7
