"""Tier 2 with the JIT engine, `cpjit dis`, and the stats keys."""

import os
import subprocess
import sys
import textwrap

import pytest

from cpjit import optimizer
from test_opt_helpers import call, first_executor, run_source, tier2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _jit_or_skip():
    if optimizer._state.engine.name != "jit":
        pytest.skip("no stencil table: the JIT is not available here")


def test_jit_compiles_links_and_frees():
    with tier2(mode="jit", backedge=4, side_exit=4):
        _jit_or_skip()
        g = run_source("""
            def loop(n):
                t = 0
                for i in range(n):
                    if i < 100:
                        t += 1
                    else:
                        t += 2
                return t
        """)
        assert call(g["loop"], 400) == 100 + 600
        ex = first_executor(g["loop"])
        assert ex.get_jit_code()            # machine code bytes
        code = ex.jit_code
        linked = [e for x in optimizer.get_executors(g["loop"]) for e in x.exits
                  if e.executor is not None]
        assert linked and linked[0].executor.jit_code is not None
        assert optimizer.get_stats()["jit_compiled"] >= 2
        optimizer.invalidate_dependency(g["loop"].__code__)
        assert not ex.is_valid()
        assert ex.jit_code is None and code.freed
        assert call(g["loop"], 50) == 50


def test_jit_error_exit_and_global_rebinding():
    with tier2(mode="jit", backedge=2, side_exit=2):
        _jit_or_skip()
        g = run_source("""
            K = 3
            def loop(values):
                out = 0
                for v in values:
                    try:
                        out += K // v
                    except ZeroDivisionError:
                        out += 1000
                return out
        """)
        values = [1, 2, 3, 0, 1] * 20
        assert call(g["loop"], values) == sum(3 // v if v else 1000 for v in values)
        g["K"] = 6
        assert call(g["loop"], values) == sum(6 // v if v else 1000 for v in values)


def test_cpjit_dis_lists_executors(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        t = 0
        for i in range(200):
            t += i
        print(t)
    """))
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "cpjit", "dis", "--tier2=interp", str(script)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("19900\n")
    assert "cpjit dis: 1 executor(s)" in out.stdout
    assert "_JUMP_TO_TOP" in out.stdout and "_START_EXECUTOR" in out.stdout


def test_stats_keys():
    with tier2():
        g = run_source("""
            def loop(n):
                for i in range(n):
                    pass
        """)
        call(g["loop"], 100)
        stats = optimizer.get_stats()
    for key in ("attempts", "traces_created", "trace_too_short", "inner_loop",
                "recursive_call", "low_confidence", "trace_stack_overflow",
                "trace_stack_underflow", "unsupported_opcodes", "trace_length_hist",
                "executors_created", "executors_invalidated", "exits", "side_traces",
                "jit_code_bytes", "uops_interp", "uops_jit", "time_projection_s"):
        assert key in stats, key
    assert stats["traces_created"] == 1 and stats["uops_interp"] > 0


def test_other_thread_runs_while_a_traced_loop_spins(tmp_path):
    """The periodic check at back edges lets another thread take the GIL."""
    script = tmp_path / "spin.py"
    script.write_text(textwrap.dedent("""
        import threading, time
        done = []
        def other():
            time.sleep(1.0)
            done.append(sum(range(1000)))
        t = threading.Thread(target=other)
        t.start()
        x = 0
        while True:
            if done:
                break
            x += 1
        t.join()
        print(done[0], x > 16)
    """))
    env = dict(os.environ, PYTHONPATH=ROOT)
    for mode in ("interp", "jit"):
        out = subprocess.run([sys.executable, "-m", "cpjit", "exec", "--tier2=" + mode,
                              str(script)], capture_output=True, text=True, env=env,
                             timeout=120)
        assert (out.returncode, out.stdout) == (0, "499500 True\n"), (mode, out.stderr)
