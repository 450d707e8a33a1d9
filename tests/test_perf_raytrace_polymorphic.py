"""A polymorphic call site inside a call machine code inlined (raytrace's
``obj.normal_at(point)`` in ``Scene.trace``, inlined into ``render``'s loop) gets a side
trace per callee instead of a ``_DYNAMIC_EXIT`` (cpjit/optimizer.py, _plan_python_call;
docs/tier2.md, "Calls").

A dynamic exit there cost a trip through Python at every call and left every caller of
the callee in tier 1 (the trace found at the callee cannot return into frames it did not
push).  The assertions are on --stats counts and on the executors' uops, never on time.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# `shade` has a loop, so tier 1 runs it and profiles `obj.val(i)`; `loop`'s trace inlines
# `shade` and A.val.  From i = 200 the site alternates between B.val and C.val with no
# branch in `loop`: the inlined guard fails at the CALL inside `shade`, and when that
# exit is hot the profile names the callee of the previous exit, not the one on the stack.
POLYMORPHIC_IN_CALLEE = """
    class A:
        def val(self, x):
            return x + 1


    class B:
        def val(self, x):
            return x * 2


    class C:
        def val(self, x):
            return x - 3


    def shade(obj, i):
        v = obj.val(i)
        for k in (1, 2):
            v += k
        return v


    def loop(n):
        objs = [A(), B(), C()]
        t = 0
        for i in range(n):
            obj = objs[(i >= 200) * (1 + i % 2)]
            t += shade(obj, i)
        return t


    print(loop(3000))
"""


@pytest.fixture(scope="module")
def stencil_table():
    """Build the table once up front, so the runs below do not race to build it."""
    from cpjit.stencil_build import load_stencils
    return load_stencils()


def _run_with_stats(tmp_path, source, mode):
    program = tmp_path / "program.py"
    program.write_text(textwrap.dedent(source))
    stats_file = tmp_path / "stats.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPJIT_")}
    env.update(PYTHONPATH=str(REPO_ROOT), PYTHONHASHSEED="0",
               CPJIT_STATS_FILE=str(stats_file))
    proc = subprocess.run([sys.executable, "-m", "cpjit", "exec", "--tier2=" + mode,
                           "--stats=json", str(program)], cwd=tmp_path, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    expected = subprocess.run([sys.executable, str(program)], capture_output=True,
                              timeout=60).stdout
    assert proc.stdout == expected
    stats = json.loads(stats_file.read_text())
    return stats.get("cpjit_stats", stats)["optimizer"]


@pytest.mark.parametrize("mode", ["jit", "interp"])
def test_polymorphic_site_in_an_inlined_callee_gets_a_side_trace_per_callee(
        tmp_path, mode, stencil_table):
    stats = _run_with_stats(tmp_path, POLYMORPHIC_IN_CALLEE, mode)
    assert stats["engine"] == mode
    # B.val and C.val each inlined by a side trace of the guard that failed.
    assert stats.get("polymorphic_callee_inlined", 0) >= 2
    # Before: ~2,700 dynamic exits and ~8,000 machine-code entries (2,800 iterations
    # left machine code at the callee, then again at its return into `shade`).
    assert stats["exits"]["dynamic"] == 0, stats.get("dynamic by uop")
    entries = stats["jit_entries"] if mode == "jit" else stats["executions"]
    assert entries < 1000


def test_the_side_traces_guard_each_callee(stencil_table):
    from cpjit import optimizer
    from test_opt_helpers import call, first_executor, run_source, tier2

    with tier2(mode="interp", side_exit=16):
        g = run_source(POLYMORPHIC_IN_CALLEE.replace("print(loop(3000))", ""))
        call(g["shade"], g["A"](), 1)        # quickened, as 3.11 needs before a trace
        assert call(g["loop"], 1200) == sum(
            (i + 1 if i < 200 else (i - 3 if i % 2 else i * 2)) + 3 for i in range(1200))
        seen, todo = [], [first_executor(g["loop"])]
        while todo:
            ex = todo.pop()
            if ex is None or any(ex is s for s in seen):
                continue
            seen.append(ex)
            todo.extend(e.executor for e in ex.exits)
        guarded = {operand[0] for ex in seen for name, _oparg, _target, operand in ex
                   if name == "_CHECK_FUNCTION_EXACT_ARGS"}
        for cls in ("A", "B", "C"):
            assert g[cls].val in guarded, (cls, guarded)
        assert not any(name == "_DYNAMIC_EXIT" for ex in seen for name, *_ in ex)
        assert optimizer.get_stats()["exits"]["dynamic"] == 0


def _megamorphic_source(callees, n):
    classes = "".join("class K%d:\n    def val(self, x):\n        return x + %d\n\n\n"
                      % (k, k * k + 1) for k in range(callees))
    return classes + textwrap.dedent("""
        def shade(obj, i):
            v = obj.val(i)
            for k in (1, 2):
                v += k
            return v


        def loop(n):
            objs = [%s]
            t = 0
            for i in range(n):
                obj = objs[(i >= 200) * (i %% %d)]
                t += shade(obj, i)
            return t


        print(loop(%d))
        """) % (", ".join("K%d()" % k for k in range(callees)), callees, n)


@pytest.mark.parametrize("mode", ["jit", "interp"])
def test_a_megamorphic_site_ends_its_chain_with_a_dynamic_push(tmp_path, mode,
                                                                stencil_table):
    from cpjit.optimizer import MAX_CHAIN_LENGTH
    callees = MAX_CHAIN_LENGTH + 4
    stats = _run_with_stats(tmp_path, _megamorphic_source(callees, 6000), mode)
    # One side trace per callee up to the chain's last one, which pushes any callee
    # and ends in _DYNAMIC_EXIT (rather than leave the site to tier 1 once the chain
    # is full: side_chain_too_long).
    assert 2 <= stats.get("polymorphic_callee_inlined", 0) < MAX_CHAIN_LENGTH
    assert stats.get("dynamic_call", 0) >= 1
    assert stats["exits"]["dynamic"] > 0
    assert stats.get("side_chain_too_long", 0) == 0
