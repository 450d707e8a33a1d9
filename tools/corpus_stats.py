#!/usr/bin/env python3
"""Run the differential corpus under one cpjit mode and add up tier 2's statistics.

    python3 tools/corpus_stats.py [--traced] [--mode jit|interp]

Prints the totals the issue notes quote: traces (and side traces), executors
invalidated, exits by kind, uops run by the uop interpreter and (estimated from
counters) as machine code, machine-code bytes, exits per uop, and the instructions run in
tier 1 beside those run in tier 2 (see ``work_share`` in docs/usage.md). Each program runs
in its own process with
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
            return json.load(f)["cpjit_stats"]
    except (OSError, ValueError, KeyError):
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("jit", "interp"), default="jit")
    parser.add_argument("--traced", action="store_true",
                        help="thresholds 1 and --tier1=all (trace everything)")
    args = parser.parse_args(argv)
    totals, exits, programs_with_traces, missing = Counter(), Counter(), 0, []
    by_uop = {}          # "deopt by uop" -> Counter (the per-uop exit counts)
    work = Counter()     # instructions: tier-1 dispatches, tier-2 uops converted
    with tempfile.TemporaryDirectory() as tmp:
        for program in sorted(CORPUS.glob("[0-9][0-9]_*.py")):
            everything = run_one(program, args.mode, args.traced, os.path.join(tmp, "s.json"))
            if everything is None:
                missing.append(program.name)
                continue
            stats = everything.get("optimizer", {})
            share = everything.get("work_share") or {}
            work["tier 1"] += share.get("tier1_dispatches") or 0
            ratio = share.get("tier2_uops_per_instruction")
            if ratio:
                work["machine code"] += share["tier2_uops_machine_code"] / ratio
                work["tier-2 interpreter"] += share["tier2_uops_interp"] / ratio
            for key, value in stats.items():
                if key.endswith(" by uop") and isinstance(value, dict):
                    by_uop.setdefault(key, Counter()).update(value)
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
    for key, counts in sorted(by_uop.items()):
        top = ", ".join("%s %d" % item for item in counts.most_common(8))
        print("  %-24s %s" % (key, top or "-"))
    total_work = sum(work.values())
    if total_work:
        print("  instructions run (tier-2 uops / uops per instruction of each program's traces):")
        for where in ("tier 1", "tier-2 interpreter", "machine code"):
            print("    %-20s %12d  %5.1f %%" % (where, work[where], 100.0 * work[where] / total_work))
    if missing:
        print("  no stats from: %s" % ", ".join(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
