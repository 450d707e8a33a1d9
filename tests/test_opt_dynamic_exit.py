"""Calls a trace pushes a frame for without following the callee: ``_PUSH_FRAME`` then
``_EXIT_TRACE`` (recursive call, callee whose ``__code__`` changed) or ``_DYNAMIC_EXIT``
(a callee the trace cannot know), as CPython's translate_bytecode_to_trace does; and the
per-uop exit counts of ``--stats``.

In-process tests look at the executors (as test_capi/test_opt.py does); the subprocess
tests compare with CPython and read the stats (the corpus programs 90_* and 91_* run in
every mode in test_differential.py).
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from cpjit import config as _config
from cpjit import optimizer
from test_opt_helpers import call, first_executor, run_source, tier2, uop_names

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINES = ["interp", "jit"]


@pytest.fixture(params=ENGINES)
def engine(request):
    """Each in-process test runs with the reference interpreter and with the JIT."""
    if request.param == "jit":
        with tier2(mode="jit"):
            if optimizer._state.engine.name != "jit":
                pytest.skip("no stencil table: the JIT is not available here")
    return request.param


def _tier1_takes_every_call():
    # Callees are profiled (and so inlined) only when tier 1 runs them.
    _config.current.tier1 = "all"


def _pairs(names, first, second):
    """Indexes i with names[i] == first and names[i + 1] == second."""
    return [i for i in range(len(names) - 1) if names[i] == first and names[i + 1] == second]


def _all_executors(root):
    """The executor and every side trace linked from it (transitively)."""
    seen, todo = [], [root]
    while todo:
        ex = todo.pop()
        if ex is None or any(ex is s for s in seen):
            continue
        seen.append(ex)
        todo.extend(e.executor for e in ex.exits)
    return seen


RECURSIVE = """
    def fact(n):
        if n <= 1:
            return 1
        return n * fact(n - 1)

    def loop(n):
        t = 0
        for i in range(n):
            t += fact(10)
        return t
"""


def test_recursive_call_pushes_the_frame_and_exits_at_the_callee_start(engine):
    with tier2(mode=engine):
        _tier1_takes_every_call()
        g = run_source(RECURSIVE)
        assert call(g["loop"], 200) == 200 * 3628800
        names = uop_names(first_executor(g["loop"]))
        ex = first_executor(g["loop"])
        # fact is inlined once; its call to itself pushes the frame and ends the trace
        # there, with an exit to the callee's first instruction (byte offset 0).
        assert names.count("_PUSH_FRAME") == 2
        ends = _pairs(names, "_PUSH_FRAME", "_EXIT_TRACE")
        assert len(ends) == 1
        assert ex[ends[0] + 1][2] == 0
        assert names[ends[0] - 4:ends[0]] == ["_CHECK_FUNCTION_EXACT_ARGS", "_CHECK_STACK_SPACE",
                                               "_INIT_CALL_PY_EXACT_ARGS", "_SAVE_RETURN_OFFSET"]
        stats = optimizer.get_stats()
        assert stats["recursive_call"] >= 1
        # No call is left to the generic _CALL (which deopts for Python functions).
        assert "_CALL" not in names
        assert stats["exits"]["deopt"] == 0


PER_ITERATION_CALLEE = """
    def loop(n):
        t = 0
        for i in range(n):
            g = lambda v: v * 2 + i
            t += g(i)
        return t
"""


def test_callee_the_profile_lost_is_inlined_by_its_code(engine):
    with tier2(mode=engine, side_exit=4):
        _tier1_takes_every_call()
        g = run_source(PER_ITERATION_CALLEE)
        assert call(g["loop"], 300) == sum(3 * i for i in range(300))
        ex = first_executor(g["loop"])
        names = uop_names(ex)
        # A new function every iteration: the profile cannot keep it (tier 1 holds
        # callees weakly) but keeps its code, which is inlined behind a guard on the
        # code, as CPython's projection inlines the code it finds by function version.
        guard = names.index("_CHECK_PY_FUNCTION_EXACT_ARGS")
        lambda_code = [c for c in g["loop"].__code__.co_consts if hasattr(c, "co_code")]
        assert ex[guard][3] is lambda_code[0]
        assert names[guard + 4] == "_PUSH_FRAME" and "_RETURN_VALUE" in names[guard:]
        assert "_DYNAMIC_EXIT" not in names
        stats = optimizer.get_stats()
        assert stats["callee_inlined_by_code"] >= 1
        assert stats["exits"]["deopt"] == 0 and stats["exits"]["dynamic"] == 0


CODE_SWAP = """
    def before(x):
        return x + 100

    def after(x):
        return x - 100

    def loop(n, swap):
        t = 0
        for i in range(n):
            t += before(i)
            if i == 0 and swap:
                before.__code__ = after.__code__
        return t
"""


def test_callee_code_changed_since_profiling_exits_at_the_callee_start(engine):
    with tier2(mode=engine, backedge=1):
        g = run_source(CODE_SWAP)
        # Natively first, so that 3.11 has quickened both codes (traces only run
        # quickened code): the first back edge in tier 1 then makes the trace.
        g["loop"](10, False)
        assert call(g["loop"], 50, True) == 100 + sum(i - 100 for i in range(1, 50))
        ex = first_executor(g["loop"])
        names = uop_names(ex)
        ends = _pairs(names, "_PUSH_FRAME", "_EXIT_TRACE")
        assert len(ends) == 1 and ex[ends[0] + 1][2] == 0
        assert "_CHECK_FUNCTION_EXACT_ARGS" in names
        assert optimizer.get_stats()["callee_code_changed"] == 1


PHASES = """
    def one(x):
        return x + 1

    def two(x):
        return x * 3

    def three(x):
        return x - 7

    def loop(n, alternate):
        t = 0
        f = one
        for i in range(n):
            if i >= 100:
                f = three if alternate and i % 2 else two
            t += f(i)
        return t
"""


def _phases_result(n, alternate):
    t = 0
    for i in range(n):
        if i < 100:
            t += i + 1
        elif alternate and i % 2:
            t += i - 7
        else:
            t += i * 3
    return t


def test_site_with_a_new_callee_gets_a_side_trace_inlining_it(engine):
    # Tier 1 re-profiles the call at each exit: the side trace for the failed guard
    # inlines the new callee (the first instruction's de-specialization does not apply
    # to a call whose profile is fresh), so the loop stays in tier 2.
    with tier2(mode=engine, side_exit=4):
        _tier1_takes_every_call()
        g = run_source(PHASES)
        assert call(g["loop"], 400, False) == _phases_result(400, False)
        root = first_executor(g["loop"])
        sides = _all_executors(root)[1:]
        inlined = [ex for ex in sides if any(
            name == "_CHECK_FUNCTION_EXACT_ARGS" and operand[0] is g["two"]
            for name, _oparg, _target, operand in ex)]
        assert inlined, [uop_names(ex) for ex in sides]
        stats = optimizer.get_stats()
        assert stats["exits"]["deopt"] == 0 and stats["exits"]["dynamic"] == 0


def test_site_alternating_callees_gets_a_dynamic_side_trace(engine):
    with tier2(mode=engine, side_exit=4):
        _tier1_takes_every_call()
        g = run_source(PHASES)
        assert call(g["loop"], 400, True) == _phases_result(400, True)
        root = first_executor(g["loop"])
        assert "_CHECK_FUNCTION_EXACT_ARGS" in uop_names(root)     # `one`, inlined
        sides = [uop_names(ex) for ex in _all_executors(root)[1:]]
        # The profile's callee is not the one on the stack when the exit gets hot: a
        # side trace that starts at the CALL pushes whichever Python function comes,
        # and ends in its frame; one that starts earlier (where the branches' history
        # ends the first trace) reaches the site once its profile is gone and calls
        # through the generic _CALL, natively.  Either way no call leaves tier 2.
        dynamic = [n for n in sides if _pairs(n, "_PUSH_FRAME", "_DYNAMIC_EXIT")]
        native = [n for n in sides if "_CALL" in n]
        assert dynamic or native, sides
        for names in dynamic:
            assert "_CHECK_PY_FUNCTION_EXACT_ARGS" in names
        stats = optimizer.get_stats()
        assert stats["exits"]["deopt"] == 0
        assert stats["deopt by uop"].get("_CALL", 0) == 0


GENERATOR_CALLEE = """
    def gen(k):
        yield k

    def loop(n):
        t = 0
        for i in range(n):
            t += next(gen(i))
        return t
"""


def test_generator_callee_keeps_the_generic_call(engine):
    # Tier 1 runs generator code natively: a call only makes the generator object, no
    # tier-1 frame would run the body, so no frame is pushed for it.
    with tier2(mode=engine):
        _tier1_takes_every_call()
        g = run_source(GENERATOR_CALLEE)
        assert call(g["loop"], 100) == sum(range(100))
        names = uop_names(first_executor(g["loop"]))
        assert "_PUSH_FRAME" not in names and "_CALL" in names


MEGAMORPHIC = """
    def f1(x): return x + 1
    def f2(x): return x + 2
    def f3(x): return x + 3
    def f4(x): return x + 4
    def f5(x): return x + 5
    def f6(x): return x + 6

    def loop(n):
        fs = [f1, f2, f3, f4, f5, f6]
        t = 0
        for i in range(n):
            t += fs[i % 6](i)
            t += 10 // (i - 150) if i != 150 else 0
        return t
"""


def test_exits_are_counted_by_uop(engine):
    with tier2(mode=engine):
        assert optimizer._state.stats.per_uop
        g = run_source(MEGAMORPHIC)
        expected = sum(i + 1 + i % 6 + (10 // (i - 150) if i != 150 else 0) for i in range(300))
        assert call(g["loop"], 300) == expected
        stats = optimizer.get_stats()
        # Every kind's per-uop counts add up to its exits.
        for kind in ("deopt", "side", "error", "dynamic"):
            assert sum(stats["%s by uop" % kind].values()) == stats["exits"][kind], kind
        # A megamorphic call site: the generic _CALL, which calls each Python function
        # natively in both engines, as tier 1 does with functions its policy leaves
        # native (no deopt).
        assert stats["deopt by uop"].get("_CALL", 0) == 0
        assert sum(stats["exits"].values()) > 0


def test_per_uop_counts_are_off_unless_stats_are_on():
    with tier2(per_uop_stats=False):
        g = run_source(MEGAMORPHIC)
        call(g["loop"], 300)
        stats = optimizer.get_stats()
        assert sum(stats["exits"].values()) > 0
        for kind in ("deopt", "side", "error", "dynamic"):
            assert stats["%s by uop" % kind] == {}


def test_exit_uop_names_shared_stubs():
    """Neighbours share a stub: rare leavers (validity checks) are left out, the others
    named together."""
    U = optimizer.UopInstruction
    trace = [U("_START_EXECUTOR"), U("_CHECK_VALIDITY_AND_SET_IP", 0, 4, 4),
             U("_GUARD_NOS_LIST", 0, 0, 4), U("_GUARD_TOS_INT", 0, 0, 4),
             U("_BINARY_SUBSCR_LIST_INT", 0, 0, 4), U("_JUMP_TO_TOP", 0, 0, 0)]
    buffer = optimizer.prepare_for_execution(trace)
    with tier2():
        ex = optimizer.make_executor_from_uops(buffer, optimizer.BloomFilter(),
                                               optimizer._Watches(), None)
        by_name = {inst.name: inst for inst in ex.trace}
        guard = by_name["_GUARD_NOS_LIST"]
        assert optimizer.exit_uop_name(ex, "side", stub=guard.jump_target) == \
            "_GUARD_NOS_LIST|_GUARD_TOS_INT"
        assert optimizer.exit_uop_name(ex, "deopt", target=4) == "_CHECK_VALIDITY_AND_SET_IP"
        optimizer.invalidate_executor(ex)


def _run(tmp_path, source, *cpjit_args):
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=ROOT, CPJIT_BACKEDGE_THRESHOLD="1",
               CPJIT_SIDE_EXIT_THRESHOLD="1")
    for key in ("CPJIT_STATS", "CPJIT_TIER1", "CPJIT_TIER2"):
        env.pop(key, None)
    stats_path = tmp_path / "stats.json"
    env["CPJIT_STATS_FILE"] = str(stats_path)
    if cpjit_args:
        argv = [sys.executable, "-m", "cpjit", "exec", "--stats=json", "--tier1=all",
                *cpjit_args, str(path)]
    else:
        argv = [sys.executable, str(path)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    result = (proc.returncode, proc.stdout, proc.stderr.replace(str(path), "prog.py"))
    if not cpjit_args:
        return result, None
    return result, json.loads(stats_path.read_text())["cpjit_stats"]["optimizer"]


DYNAMIC_PROGRAM = """
    def work(n):
        t = 0
        for i in range(n):
            g = lambda v: v * 2 + i
            t += g(i)
        return t

    print(work(3000))

    def fact(n):
        return 1 if n <= 1 else n * fact(n - 1)

    def loop(n):
        t = 0
        for i in range(n):
            t += fact(12)
        return t

    print(loop(500))

    def one(x):
        return x + 1

    def two(x):
        return x * 3

    def three(x):
        return x - 7

    def phases(n):
        t = 0
        f = one
        for i in range(n):
            if i >= 100:
                f = three if i % 2 else two
            t += f(i)
        return t

    print(phases(3000))

    def last(n):
        t = 0
        for i in range(n):
            d = lambda v: v // (n - 1 - i)
            t += d(i)
        return t

    print(last(2000))
"""


@pytest.mark.parametrize("mode", ["jit", "interp"])
def test_dynamic_exits_replace_deopts_and_keep_cpythons_output(tmp_path, mode):
    expected, _ = _run(tmp_path, DYNAMIC_PROGRAM)
    got, stats = _run(tmp_path, DYNAMIC_PROGRAM, "--tier2=" + mode)
    assert got == expected          # the ZeroDivisionError's traceback included
    assert "ZeroDivisionError" in expected[2]
    assert stats["engine"] == mode
    # Before, each call of a new lambda, each recursive call and each call of the
    # site with changing callees was a generic _CALL: a deopt per call (~10000
    # here).  Now the lambdas are inlined by code, the recursive call pushes the frame
    # and exits there, the changing site pushes the frame dynamically.
    assert stats["exits"]["deopt"] < 100, stats["deopt by uop"]
    assert stats["callee_inlined_by_code"] >= 1 and stats["recursive_call"] >= 1
    assert stats["exits"]["dynamic"] > 1000
    assert stats["dynamic by uop"] == {"_DYNAMIC_EXIT": stats["exits"]["dynamic"]}
    assert stats["error by uop"]


NESTED_LOOP_FREE_CALLS = """
    def leaf(n):
        return n + 1

    def step(n):
        return leaf(n)

    def loop(k):
        t = 0
        for i in range(k):
            t = step(t)
        return t
"""


def test_call_site_tier1_never_profiled_is_inlined(engine):
    # Default tier-1 policy: step has no loop, so it runs natively and its call of leaf
    # is never profiled.  The projection resolves the global the call loads (the guard
    # checks it at run time) instead of the generic _CALL that deopted every iteration.
    with tier2(mode=engine):
        assert _config.current.tier1 == "loops"
        g = run_source(NESTED_LOOP_FREE_CALLS)
        assert call(g["loop"], 300) == 300
        names = uop_names(first_executor(g["loop"]))
        assert names.count("_PUSH_FRAME") == 2 and "_CALL" not in names
        stats = optimizer.get_stats()
        assert stats["unprofiled_call_resolved"] >= 1
        assert stats["exits"]["deopt"] == 0


WITH_DEFAULTS = """
    def h(x, y=1, z=2):
        return x + y * z

    def loop(n):
        t = 0
        for i in range(n):
            if i == 150:
                h.__defaults__ = (10, 20)
            t += h(i) + h(i, 3)
        return t
"""


def test_call_with_defaults_is_inlined(engine):
    # 3.11's CALL_PY_WITH_DEFAULTS: the frame gets the defaults read at the call, so a
    # replaced __defaults__ is seen at once.
    with tier2(mode=engine):
        _tier1_takes_every_call()
        g = run_source(WITH_DEFAULTS)
        expected = sum((i + 2) + (i + 6) if i < 150 else (i + 200) + (i + 60)
                       for i in range(300))
        assert call(g["loop"], 300) == expected
        names = uop_names(first_executor(g["loop"]))
        assert names.count("_CHECK_FUNCTION_DEFAULTS_ARGS") == 2
        assert names.count("_PUSH_FRAME") == 2 and "_CALL" not in names
        assert optimizer.get_stats()["exits"]["deopt"] == 0


KEYWORD_CALLS = """
    def kw(a, b=1, *, c=2):
        return a + b * c

    def loop(n):
        t = 0
        for i in range(n):
            t += kw(i, c=3) + kw(b=i, a=1) + kw(i)
        return t
"""


def test_keyword_calls_are_inlined(engine):
    # Keyword arguments and keyword-only parameters: _INIT_CALL_PY_GENERAL binds them
    # (before, the generic _CALL deopted on each of these calls).
    with tier2(mode=engine):
        _tier1_takes_every_call()
        g = run_source(KEYWORD_CALLS)
        expected = sum((i + 3) + (1 + i * 2) + (i + 2) for i in range(300))
        assert call(g["loop"], 300) == expected
        names = uop_names(first_executor(g["loop"]))
        assert names.count("_INIT_CALL_PY_GENERAL") == 3 and "_CALL" not in names
        assert optimizer.get_stats()["exits"]["deopt"] == 0


POLYMORPHIC = """
    def f1(x): return x + 1
    def f2(x): return x + 2
    def f3(x): return x + 3
    def f4(x): return x + 4
    def f5(x): return x + 5

    def loop(fs, n):
        t = 0
        for i in range(n):
            t += fs[i % len(fs)](i)
        return t
"""


def test_profile_saying_all_callees_are_python_exact_pushes_dynamically(engine):
    # Tier 1 does not record this yet (a site with more than 4 callees loses its
    # profile): the profile entry is written by hand where tier 1 would keep it.
    import dis
    with tier2(mode=engine, backedge=200):
        _tier1_takes_every_call()
        g = run_source(POLYMORPHIC)
        fs = [g["f%d" % k] for k in range(1, 6)]
        assert call(g["loop"], fs, 10) == sum(i + 1 + i % 5 for i in range(10))
        code = g["loop"].__code__
        offset = [ins.offset for ins in dis.get_instructions(code)
                  if ins.opname == "CALL" and ins.arg == 1][-1]      # fs[...](i)
        info = optimizer._tier1().get_code_info(code)
        info.profile[offset] = {"form": "CALL", optimizer._ALL_PY_EXACT: True}
        assert call(g["loop"], fs, 400) == sum(i + 1 + i % 5 for i in range(400))
        names = uop_names(first_executor(g["loop"]))
        ends = _pairs(names, "_PUSH_FRAME", "_DYNAMIC_EXIT")
        assert len(ends) == 1 and "_CHECK_PY_FUNCTION_EXACT_ARGS" in names
        stats = optimizer.get_stats()
        assert stats["exits"]["deopt"] == 0 and stats["exits"]["dynamic"] > 150


VARS_AND_DIR = """
    class P:
        def __init__(self):
            self.a = 1

    def loop(n):
        p = P()
        t = 0
        for i in range(n):
            t += len(vars(p)) + len(dir(p))
        return t

    def frame_readers(n):
        t = 0
        for i in range(n):
            t += len(vars()) + len(dir())
        return t
"""


def test_vars_and_dir_with_an_argument_are_called_from_the_trace(engine):
    # vars(x) and dir(x) do not read the caller's frame: called as they are (tier 1
    # does the same); vars() and dir() still leave the call to tier 1.
    with tier2(mode=engine):
        g = run_source(VARS_AND_DIR)
        assert call(g["loop"], 300) == 300 * (1 + len(dir(type("P", (), {"a": 1})())))
        stats = optimizer.get_stats()
        assert stats["exits"]["deopt"] == 0
        assert call(g["frame_readers"], 300) == sum(len(["n", "t", "i"]) + 3 for i in range(300))
        assert optimizer.get_stats()["deopt by uop"].get("_CALL", 0) > 250
