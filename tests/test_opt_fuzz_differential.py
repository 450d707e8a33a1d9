"""Generated programs (tests/fuzz_programs.py) under python and cpjit exec's tier 2.

Fixed seeds, so the run is the same every time; each program runs under python and
under ``cpjit exec`` with the reference uop interpreter and with the JIT, at the default
thresholds and with everything traced.  stdout, stderr and the exit status must be
identical byte for byte.  Longer runs with other seeds: tools/fuzz_tier2.py.
"""

import ast
import random
from pathlib import Path

import pytest

import fuzz_programs
from test_differential import cpjit_run_with_stats, describe_mode, mismatch_report, run_python

SEEDS = range(24)
FUZZ_MODES = ("tier2-interp", "tier2-jit", "tier2-interp-traced", "tier2-jit-traced")
# {seed: {mode: reason}}: programs whose mismatch is known and reported (strict xfail).
KNOWN_FUZZ_MISMATCHES = {}

@pytest.fixture(scope="session")
def reference_runs(tmp_path_factory):
    """seed -> (directory holding the seed's program as prog.py, python's run of it);
    made once per seed and test process."""
    runs = {}

    def get(seed):
        if seed not in runs:
            workdir = tmp_path_factory.mktemp("fuzz-seed%d-" % seed)
            Path(workdir, "prog.py").write_text(fuzz_programs.generate(seed).source())
            runs[seed] = (workdir, run_python(["prog.py"], workdir))
        return runs[seed]
    return get


def _params():
    for seed in SEEDS:
        for mode in FUZZ_MODES:
            reason = KNOWN_FUZZ_MISMATCHES.get(seed, {}).get(mode)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(seed, mode, marks=marks, id="seed%d-%s" % (seed, mode))


@pytest.mark.parametrize("seed,mode", list(_params()))
def test_generated_program(seed, mode, reference_runs):
    """One generated program: the same bytes and status as python, with tier 2 on."""
    workdir, expected = reference_runs(seed)
    actual, stats = cpjit_run_with_stats(mode, ["prog.py"], workdir)
    note = describe_mode(mode, stats)
    report = mismatch_report(expected, actual, note + "\nprogram: python3 "
                             "tools/fuzz_tier2.py --print %d" % seed)
    assert not report, report
    if "tier2_unavailable" in stats:
        pytest.skip(note)      # no stencil table here (conftest said why): tier 1 only
    assert stats.get("tier2_active"), note
    if mode.endswith("-traced"):
        # Everything hot at once: tier 2 must at least have been asked to trace (it may
        # decline, e.g. code that 3.11 has not quickened yet).
        assert stats["optimizer"]["attempts"] > 0, stats["optimizer"]


def test_generator_is_a_pure_function_of_the_seed():
    assert fuzz_programs.generate(5).source() == fuzz_programs.generate(5).source()
    assert fuzz_programs.generate(5).source() != fuzz_programs.generate(6).source()


def test_every_statement_template_is_used_by_the_fixed_seeds():
    """The seeds the test runs cover every kind of statement the generator knows."""
    used = {stmt.kind for seed in SEEDS for case in fuzz_programs.generate(seed).cases
            for stmt in case.stmts}
    kinds = {template(random.Random(r), 20).kind
             for template, _ in fuzz_programs.TEMPLATES for r in range(30)}
    assert kinds <= used, kinds - used


def test_generated_programs_parse_and_loops_are_long_enough_to_trace():
    for seed in range(200):
        program = fuzz_programs.generate(seed)
        ast.parse(program.source())
        assert all(case.n >= 20 for case in program.cases)


def test_shrink_candidates_are_smaller_and_valid():
    program = fuzz_programs.generate(3)
    size = len(program.source())
    candidates = list(fuzz_programs.shrink_candidates(program))
    assert candidates
    for candidate in candidates:
        ast.parse(candidate.source())
        assert len(candidate.source()) <= size
