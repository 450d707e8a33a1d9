"""Side traces of a steady-state loop: bounded chains, linked back to the loop's executor.

A guard that fails at every iteration from some point on (ints outgrowing the compact
range in machine code, an int accumulator turning into a float, a branch that flips for
good) must give a small, fixed set of executors: the side trace starts with the generic
form of the failing instruction, ends at the loop's back edge and links straight to the
loop's executor (CPython: projection stops at ENTER_EXECUTOR, ``_EXIT_TRACE`` links to
it), and a progress-making side trace at an exit's target is reused by later exits there.
"""

import pytest

from cpjit import optimizer
from test_opt_helpers import call, run_source, tier2, uop_names

SUM_OF_SQUARES = """
    def sum_of_squares(n):
        total = 0
        for i in range(n):
            total += i * i
        return total
"""

INT_THEN_FLOAT = """
    def int_then_float(n):
        x = 0
        for i in range(n):
            x += i
            if i == 100:
                x = x + 0.5
        return x
"""

PHASE_CHANGE = """
    def phase_change(n):
        x = 0
        for i in range(n):
            if i < n // 2:
                x += i
            else:
                x += i / 2
        return x
"""


def _plain(source, name, n):
    g = {}
    exec(compile(__import__("textwrap").dedent(source), "<plain>", "exec"), g)
    return g[name](n)


def _run(source, name, n, mode, side_exit=1, backedge=4):
    """(result, stats, the loop's executor) of ``name(n)`` under tier 2."""
    with tier2(mode=mode, backedge=backedge, side_exit=side_exit):
        if mode == "jit" and optimizer._state.engine.name != "jit":
            pytest.skip("no stencil table: the JIT is not available here")
        g = run_source(source)
        result = call(g[name], n)
        stats = optimizer.get_stats()
        executors = optimizer.get_executors(g[name])
        links = _link_summary(executors)
        return result, stats, executors, links


def _link_summary(executors):
    """For each side trace reachable from the loop executors: (its first uops, the
    executors its exits link to), computed while they are alive."""
    seen, out = set(), []
    todo = [exit.executor for ex in executors for exit in ex.exits if exit.executor]
    while todo:
        side = todo.pop()
        if id(side) in seen or any(side is ex for ex in executors):
            continue
        seen.add(id(side))
        targets = [exit.executor for exit in side.exits if exit.executor is not None]
        out.append((side, uop_names(side), targets))
        todo.extend(targets)
    return out


def _leads_to(executor, loop, links):
    """``executor`` is ``loop``, or a trace that only does a back edge's periodic check
    and was linked to ``loop`` (machine code: a branch exit landing on the back edge)."""
    if executor is loop:
        return True
    return any(side is executor and names[1:3] == ["_CHECK_PERIODIC", "_EXIT_TRACE"]
               and any(t is loop for t in targets) for side, names, targets in links)


@pytest.mark.parametrize("mode", ["interp", "jit"])
def test_int_turning_float_gives_one_generic_side_trace_linked_back(mode):
    n = 3000
    result, stats, executors, links = _run(INT_THEN_FLOAT, "int_then_float", n, mode)
    assert result == _plain(INT_THEN_FLOAT, "int_then_float", n)
    assert len(executors) == 1
    loop = executors[0]
    # One side trace for the permanently failing int guard of ``x += i``: it starts
    # with the generic BINARY_OP (no guard to fail again) and links back to the loop.
    # (The loop's exhaustion and what follows get one each too: threshold 1; in machine
    # code the branch exit to the back edge gets a periodic check, one more.)
    starts = [(side.start_offset, names[2]) for side, names, _ in links]
    assert len(starts) == len(set(starts)), starts       # no chain at one offset
    assert stats["side_traces"] == len(links) <= 4, stats
    generic = [(side, targets) for side, names, targets in links
               if names[2] == "_BINARY_OP"]
    assert len(generic) == 1, [names for _, names, _ in links]
    side, targets = generic[0]
    assert targets and all(_leads_to(t, loop, links) for t in targets), targets
    assert "_JUMP_TO_TOP" not in uop_names(side)


@pytest.mark.parametrize("mode", ["interp", "jit"])
def test_executor_count_does_not_grow_with_iterations(mode):
    counts = []
    for n in (400, 4000):
        result, stats, _, _ = _run(PHASE_CHANGE, "phase_change", n, mode)
        assert result == _plain(PHASE_CHANGE, "phase_change", n)
        counts.append(stats["executors_created"])
    assert counts[0] == counts[1], counts
    assert counts[1] <= 2 * optimizer.MAX_CHAIN_DEPTH, counts


@pytest.mark.parametrize("mode", ["interp", "jit"])
def test_branch_flip_chain_ends_in_a_reused_side_trace(mode):
    n = 2000
    result, stats, executors, links = _run(PHASE_CHANGE, "phase_change", n, mode)
    assert result == _plain(PHASE_CHANGE, "phase_change", n)
    # The side trace at the flipped branch's target runs the else branch and comes back
    # to the branch only after the back edge's periodic check: its own exit there (and
    # any other) links to it, so the chain stops at one trace.
    at_target = [(side, targets) for side, _, targets in links if side.start_offset == 70]
    assert len(at_target) == 1, at_target
    side, targets = at_target[0]
    assert any(t is side for t in targets)
    assert stats["side_traces_reused"] >= 1, stats


def test_compact_int_guard_in_machine_code_settles():
    """examples/sum_loop.py: ``total`` outgrows compact ints, so the machine code's
    _GUARD_BOTH_INT fails every iteration; one side trace, linked back to the loop."""
    n = 20000
    result, stats, executors, links = _run(SUM_OF_SQUARES, "sum_of_squares", n, "jit",
                                           side_exit=64, backedge=16)
    assert result == _plain(SUM_OF_SQUARES, "sum_of_squares", n)
    assert stats["side_traces"] == 1, stats
    assert stats["executors_created"] == 2, stats
    (side, names, targets), = links
    assert "_BINARY_OP" in names and "_GUARD_BOTH_INT" not in names[:4]
    assert targets == [executors[0]]
    # ~18500 iterations fail the guard; after the side trace is made (64 exits), the
    # machine code jumps through the links and no longer comes back to Python.
    assert stats["exits"]["side"] < 64 + 10, stats


def test_chain_length_is_bounded_when_nothing_can_be_reused():
    """A chain whose progress-making trace cannot be reused stops at MAX_CHAIN_LENGTH."""
    with tier2(mode="interp", backedge=4, side_exit=1):
        g = run_source(PHASE_CHANGE)
        saved = optimizer._progresses_before_reentry
        optimizer._progresses_before_reentry = lambda executor: False
        try:
            result = call(g["phase_change"], 2000)
        finally:
            optimizer._progresses_before_reentry = saved
        stats = optimizer.get_stats()
        lengths = [ex.chain_length for ex in optimizer._state.executors]
        at_target = [ex for ex in optimizer._state.executors if ex.start_offset == 70]
    assert result == _plain(PHASE_CHANGE, "phase_change", 2000)
    assert max(lengths) <= optimizer.MAX_CHAIN_LENGTH, lengths
    # Chains reach that offset from more than one exit; each stops at the bound.
    assert optimizer.MAX_CHAIN_LENGTH - 1 <= len(at_target) <= 2 * optimizer.MAX_CHAIN_LENGTH
    assert stats["side_chain_too_long"] >= 1, stats
    assert stats.get("side_traces_reused", 0) == 0, stats


NESTED_WHILE = """
    def nested_hot_inner(n):
        total = 0
        for i in range(n):
            j = 0
            while j < 50:
                total += j * i
                j += 1
        return total
"""


@pytest.mark.parametrize("source, name, n", [(INT_THEN_FLOAT, "int_then_float", 3000),
                                             (NESTED_WHILE, "nested_hot_inner", 200)])
def test_machine_code_links_into_a_loop_only_after_its_periodic_check(source, name, n):
    """An exit linked straight to a loop's executor is one that did the back edge's
    _CHECK_PERIODIC just before; other exits landing there (a branch guard's) go
    through a side trace that does it (no loop through links without an eval-breaker
    check), and the program still settles in machine code."""
    with tier2(mode="jit", backedge=1, side_exit=1):
        if optimizer._state.engine.name != "jit":
            pytest.skip("no stencil table: the JIT is not available here")
        g = run_source(source)
        result = call(g[name], n)
        stats = optimizer.get_stats()
        into_loops = [(ex, exit) for ex in optimizer._state.executors for exit in ex.exits
                      if exit.executor is not None and exit.executor.code_offset is not None]
        assert into_loops
        assert all(exit.after_periodic for _, exit in into_loops), \
            [(uop_names(ex), exit) for ex, exit in into_loops if not exit.after_periodic]
    assert result == _plain(source, name, n)
    assert stats["exits"]["side"] < 20, stats
