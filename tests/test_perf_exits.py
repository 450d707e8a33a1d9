"""Exits to tier 1 that cost the JIT its speed (docs/performance.md, "JIT: where the
time goes"), counted on small programs: the assertions are on --stats counts, never on
time. Both were strict xfails until the changes they waited for landed (side traces
seeded with their callers; the generic _CALL calling Python functions natively).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


class TooManyExits(Exception):
    """The counts a test waits for are not reached yet (the only failure its xfail
    accepts: a crash or an output that differs from python's still fails the test)."""


def _expect_fewer(counts, name, limit):
    if counts >= limit:
        raise TooManyExits("%s: %d (wanted < %d)" % (name, counts, limit))


@pytest.fixture(scope="module")
def stencil_table():
    """Build the table once up front, so the runs below do not race to build it."""
    from cpjit.stencil_build import load_stencils
    return load_stencils()


# ---- end to end: exits per call of a callee with a loop -------------------------------

CALLEE_LOOP = """
    def inner(p):
        n = 0
        for x in p:
            n += x
        return n


    def outer(k):
        total = 0
        for i in range(k):
            total += inner([i, 1, 2])
        return total


    print(outer(3000))
"""


def _jit_stats(tmp_path, source):
    program = tmp_path / "program.py"
    program.write_text(textwrap.dedent(source))
    stats_file = tmp_path / "stats.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPJIT_")}
    env.update(PYTHONPATH=str(REPO_ROOT), PYTHONHASHSEED="0",
               CPJIT_STATS_FILE=str(stats_file))
    proc = subprocess.run([sys.executable, "-m", "cpjit", "exec", "--tier2=jit",
                           "--stats=json", str(program)], cwd=tmp_path, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    expected = subprocess.run([sys.executable, str(program)], capture_output=True,
                              timeout=60).stdout
    assert proc.stdout == expected
    stats = json.loads(stats_file.read_text())
    return stats.get("cpjit_stats", stats)["optimizer"]


def test_side_trace_in_an_inlined_callee_returns_in_machine_code(tmp_path,
                                                                  stencil_table):
    stats = _jit_stats(tmp_path, CALLEE_LOOP)
    # Today: one entry (and one exit to tier 1 at inner's RETURN_VALUE) per call.
    _expect_fewer(stats["jit_entries"], "machine-code entries", 300)
    _expect_fewer(stats.get("trace_stack_underflow", 0), "trace_stack_underflow", 5)


# ---- end to end: a polymorphic method call in a loop (raytrace's Scene.nearest) --------

POLYMORPHIC_CALL = """
    class A:
        def f(self, x):
            return x + 1


    class B:
        def f(self, x):
            return x + 2


    def run(n):
        objs = [A(), B(), A(), A()]
        total = 0
        for i in range(n):
            total += objs[i % 4].f(i)
        return total


    print(run(4000))
"""


def test_polymorphic_python_call_does_not_deopt_every_iteration(tmp_path, stencil_table):
    stats = _jit_stats(tmp_path, POLYMORPHIC_CALL)
    _expect_fewer(stats["exits"]["deopt"], "deopts", 400)
