#!/usr/bin/env python3
"""Run the differential corpus under one cpjit mode and add up tier 2's statistics.

    python3 tools/corpus_stats.py [--traced] [--mode jit|interp]

Prints the totals the issue notes quote: traces (and side traces), executors
invalidated, exits by kind, uops run by the uop interpreter and (estimated from
counters) as machine code, machine-code bytes. Each program runs in its own process with
``CPJIT_STATS_FILE`` set, so the program's own stderr is untouched.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SUMMED = ("attempts", "traces_created", "side_traces_created", "executors_created",
          "executors_invalidated", "trace_too_short", "jit_compiled", "jit_entries",
          "uops_interp", "uops_jit", "jit_code_bytes", "executions")


def run_one(program, mode, traced, stats_path):
    env = dict(os.environ, CPJIT_STATS_FILE=stats_path)
    args = [sys.executable, "-m", "cpjit", "exec", "--tier2=" + mode, "--stats=json"]
    if traced:
        env.update(CPJIT_BACKEDGE_THRESHOLD="1", CPJIT_SIDE_EXIT_THRESHOLD="1")
        args.append("--tier1=all")
    subprocess.run(args + [program.name], cwd=CORPUS, env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    try:
        with open(stats_path) as f:
            return json.load(f)["cpjit_stats"].get("optimizer", {})
    except (OSError, ValueError, KeyError):
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("jit", "interp"), default="jit")
    parser.add_argument("--traced", action="store_true",
                        help="thresholds 1 and --tier1=all (trace everything)")
    args = parser.parse_args(argv)
    totals, exits, programs_with_traces, missing = Counter(), Counter(), 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for program in sorted(CORPUS.glob("[0-9][0-9]_*.py")):
            stats = run_one(program, args.mode, args.traced, os.path.join(tmp, "s.json"))
            if stats is None:
                missing.append(program.name)
                continue
            for key in SUMMED:
                totals[key] += stats.get(key, 0) or 0
            exits.update(stats.get("exits", {}))
            programs_with_traces += bool(stats.get("traces_created"))
    print("mode: %s%s, %d programs, %d with traces"
          % (args.mode, " (traced)" if args.traced else "",
             len(list(CORPUS.glob("[0-9][0-9]_*.py"))), programs_with_traces))
    for key in SUMMED:
        print("  %-24s %d" % (key, totals[key]))
    print("  exits by kind:          %s" % dict(sorted(exits.items())))
    run_as_uops = totals["uops_interp"] + totals["uops_jit"]
    if run_as_uops:
        print("  share of tier-2 uops run as machine code: %.3f"
              % (totals["uops_jit"] / run_as_uops))
    if missing:
        print("  no stats from: %s" % ", ".join(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
