"""Every trace a few corpus programs compile (thresholds 1, tier 1 takes every call)
is stitched by the fast stitcher (cpjit.jit_plan) with the bytes the reference
stitcher (cpjit.jit._Layout/_render) gives at the same address, byte for byte."""

import json
import subprocess
import sys

import pytest

from test_differential import (CORPUS, TRACE_EVERYTHING_ENV, base_environment, program_args,
                               program_stdin)

# Programs with many and varied traces (40 to 85 each, ~0.5 s each).
PROGRAMS = ["15_match.py", "35_loop_shapes.py", "52_mini_interpreter.py", "53_stdlib_mix.py",
            "62_invalidation.py"]

# Runs the program under cpjit exec in this process; every compile_trace result is
# re-rendered by the reference stitcher at the trace's address and compared.
DRIVER = r"""
import json, sys
import cpjit.jit as jit
import cpjit.run

report_path, arguments = sys.argv[1], sys.argv[2:]    # cpjit exec rewrites sys.argv
report = {"traces": 0, "planned": 0, "uops": 0, "mismatches": []}
original = jit.compile_trace

def checked_compile_trace(trace, executor=None, **options):
    code = original(trace, executor, **options)
    planned = code._layout is None          # the reference stitcher keeps its layout
    stencils = code._stencils
    layout = jit._Layout(stencils, code.trace, code.executor_address)
    expected, _ = jit._render(layout, code.entry)
    report["traces"] += 1
    report["planned"] += planned
    report["uops"] += len(code.trace)
    if bytes(expected) != code.machine_code():
        report["mismatches"].append([s.name for s in stencils])
    return code

jit.compile_trace = checked_compile_trace
try:
    cpjit.run.main(arguments)
except SystemExit:
    pass
with open(report_path, "w") as out:
    json.dump(report, out)
"""


@pytest.mark.parametrize("program", PROGRAMS)
def test_fast_and_reference_stitchers_agree_on_corpus_traces(program, tmp_path):
    path = CORPUS / program
    report_path = tmp_path / "report.json"
    env = base_environment()
    env.update(TRACE_EVERYTHING_ENV)
    argv = [sys.executable, "-c", DRIVER, str(report_path), "--tier2=jit", "--tier1=all",
            str(path)] + program_args(path)
    result = subprocess.run(argv, cwd=str(CORPUS), env=env, input=program_stdin(path),
                            capture_output=True, timeout=120)
    assert report_path.exists(), result.stderr.decode(errors="replace")[-2000:]
    report = json.loads(report_path.read_text())
    assert report["mismatches"] == []
    # the comparison means something: traces were compiled, most by the plans
    assert report["traces"] >= 5 and report["planned"] >= report["traces"] // 2, report
