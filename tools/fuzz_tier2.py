"""Differential fuzzing of tier 2: random programs under python and cpjit exec.

    python3 tools/fuzz_tier2.py --seed 0 --count 200 [--modes tier2-jit,tier2-interp]

Each seed's program (tests/fuzz_programs.py) runs under ``python`` and under ``cpjit
exec`` in every requested mode (the modes of tests/test_differential.py, and
EXTRA_MODES below); stdout, stderr and exit status must be identical.  A mismatch is
minimised (the ending, cases, statements and then the prelude's unused definitions
dropped while the same mode still mismatches, and still crashes if it crashed) and
printed with its diff; ``--save DIR`` writes each minimal repro there as
``seed<N>_<mode>.py``.  ``--print N`` shows a seed's program; ``--known`` also draws
the statement templates that hit known mismatches; ``--timeout`` (seconds) tells a
hang from a slow run.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

import fuzz_programs  # noqa: E402
import test_differential  # noqa: E402
from test_differential import MODES, mismatch_report, run_cpjit, run_python  # noqa: E402

DEFAULT_MODES = ("tier2-jit", "tier2-interp", "tier2-jit-traced", "tier2-interp-traced")
# More modes than the differential test's: other thresholds give traces that start and
# end elsewhere (a trace made on the 3rd back edge, side traces after 2 exits) and
# thresholds 1 under the default tier-1 policy (only loops in tier 1).
EXTRA_MODES = {
    "tier2-jit-warm3": (["--tier2=jit", "--tier1=all"],
                        {"CPJIT_BACKEDGE_THRESHOLD": "3", "CPJIT_SIDE_EXIT_THRESHOLD": "2"}),
    "tier2-interp-warm3": (["--tier2=interp", "--tier1=all"],
                           {"CPJIT_BACKEDGE_THRESHOLD": "3", "CPJIT_SIDE_EXIT_THRESHOLD": "2"}),
    "tier2-jit-loops-t1": (["--tier2=jit"],
                           {"CPJIT_BACKEDGE_THRESHOLD": "1", "CPJIT_SIDE_EXIT_THRESHOLD": "1"}),
}
MODES.update((name, mode) for name, mode in EXTRA_MODES.items() if name not in MODES)
PROGRAM_NAME = "prog.py"


def run_pair(source, mode, workdir):
    """(python result, cpjit result, report) for one program in one mode."""
    path = Path(workdir) / PROGRAM_NAME
    path.write_text(source, encoding="utf-8")
    expected = run_python([PROGRAM_NAME], workdir)
    actual = run_cpjit(mode, [PROGRAM_NAME], workdir)
    return expected, actual, mismatch_report(expected, actual, "mode " + mode)


def is_crash(result):
    """A signal or a timeout, rather than a wrong output."""
    return result.status == "timeout" or (isinstance(result.status, int) and result.status < 0)


def minimise(program, mode, workdir, crashing):
    """Greedy: keep taking the first smaller candidate that still mismatches in ``mode``
    (and still crashes, when the original did)."""
    changed = True
    while changed:
        changed = False
        for candidate in fuzz_programs.shrink_candidates(program):
            _, actual, report = run_pair(candidate.source(), mode, workdir)
            if report and (not crashing or is_crash(actual)):
                program = candidate
                changed = True
                break
    return program


def fuzz(seeds, modes, save_dir=None, do_minimise=True, out=sys.stdout, known=False):
    """Run every seed in every mode; return the list of (seed, mode, source, report)."""
    found = []
    with tempfile.TemporaryDirectory(prefix="cpjit-fuzz-") as workdir:
        # The first JIT run of a tree builds the stencil table (longer than a timeout):
        # do it before timing anything.
        warm = Path(workdir) / "warm.py"
        warm.write_text("print(sum(range(10)))\n")
        timeout, test_differential.TIMEOUT_S = test_differential.TIMEOUT_S, 900
        try:
            test_differential.run([sys.executable, "-m", "cpjit", "exec", "--tier2=jit",
                                   "warm.py"], workdir)
        finally:
            test_differential.TIMEOUT_S = timeout
        for seed in seeds:
            program = fuzz_programs.generate(seed, known)
            for mode in modes:
                _, actual, report = run_pair(program.source(), mode, workdir)
                if not report:
                    continue
                print("seed %d mode %s: MISMATCH%s" % (
                    seed, mode, " (crash)" if is_crash(actual) else ""), file=out, flush=True)
                small = program
                if do_minimise:
                    small = minimise(program, mode, workdir, is_crash(actual))
                _, _, report = run_pair(small.source(), mode, workdir)
                source = small.source()
                found.append((seed, mode, source, report))
                print(report, file=out)
                print("---- minimal program (seed %d, mode %s) ----" % (seed, mode), file=out)
                print(source, file=out, flush=True)
                if save_dir:
                    os.makedirs(save_dir, exist_ok=True)
                    Path(save_dir, "seed%d_%s.py" % (seed, mode)).write_text(source)
            print("seed %d done" % seed, file=out, flush=True)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--count", type=int, default=20, help="number of seeds")
    parser.add_argument("--modes", default=",".join(DEFAULT_MODES),
                        help="comma-separated modes of tests/test_differential.py")
    parser.add_argument("--save", help="directory for the minimal repros")
    parser.add_argument("--no-minimise", action="store_true")
    parser.add_argument("--known", action="store_true",
                        help="also draw the templates that hit known mismatches")
    parser.add_argument("--timeout", type=int, default=test_differential.TIMEOUT_S,
                        help="seconds before a run counts as hung (default %(default)s)")
    parser.add_argument("--print", dest="print_seed", type=int,
                        help="print the program of this seed and exit")
    args = parser.parse_args(argv)
    if args.print_seed is not None:
        sys.stdout.write(fuzz_programs.generate(args.print_seed, args.known).source())
        return 0
    test_differential.TIMEOUT_S = args.timeout
    modes = args.modes.split(",")
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error("unknown mode(s) %s; known: %s" % (", ".join(unknown), ", ".join(MODES)))
    found = fuzz(range(args.seed, args.seed + args.count), modes, args.save,
                 not args.no_minimise, known=args.known)
    print("%d seeds x %d modes: %d mismatch(es)" % (args.count, len(modes), len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
