#!/usr/bin/env python3
"""Tier 1's speed against CPython's, in bytecode instructions per second.

For each program (default: the hot-loop programs of tests/corpus), in this process:
1. count the instructions CPython executes for it, with ``sys.settrace`` and
   ``frame.f_trace_opcodes`` (one 'opcode' event per instruction; generator and
   coroutine frames, which tier 1 leaves to CPython, are not counted);
2. time it under CPython (``exec``) and under tier 1 (``cpjit.interpreter.exec_code``
   with ``--tier1=all`` and tier 2 off), best of N, stdout discarded;
3. report instructions/second for both and the slowdown.

Tier 1 does not expose an instruction counter, so the count is CPython's; both engines
run the same bytecode, so it is the same work.

    python3 tools/tier1_speed.py [program.py ...] [--repeat N] [--json FILE]
"""

import argparse
import contextlib
import io
import json
import os
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(REPO_ROOT, "tests", "corpus")
DEFAULT_PROGRAMS = ["32_hot_int_loop.py", "33_hot_float_loop.py", "34_zero_division_loop.py",
                    "35_loop_shapes.py", "36_calls_in_loops.py"]

_NATIVE_ONLY = 0x20 | 0x80 | 0x100 | 0x200   # generator, coroutine, iterable coroutine, async gen


def fresh_globals(path):
    return {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}


def count_instructions(code, path):
    """Instructions CPython executes for ``code`` (settrace 'opcode' events)."""
    count = 0

    def local_trace(frame, event, arg):
        nonlocal count
        if event == "opcode":
            count += 1
        return local_trace

    def global_trace(frame, event, arg):
        if frame.f_code.co_flags & _NATIVE_ONLY:
            return None
        frame.f_trace_opcodes = True
        return local_trace

    old_cwd = os.getcwd()
    os.chdir(os.path.dirname(path))
    sys.settrace(global_trace)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, fresh_globals(path))
    finally:
        sys.settrace(None)
        os.chdir(old_cwd)
    return count


def best_time(run, repeat):
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            run()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def measure(path, repeat):
    from cpjit import config
    from cpjit.interpreter import exec_code
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    sys.path.insert(0, os.path.dirname(path))
    try:
        instructions = count_instructions(code, path)
        cpython_s = best_time(lambda: exec(code, fresh_globals(path)), repeat)
        saved = config.current
        config.current = config.Config(tier1="all", tier2="off")
        try:
            tier1_s = best_time(lambda: exec_code(code, fresh_globals(path)), repeat)
        finally:
            config.current = saved
    finally:
        sys.path.remove(os.path.dirname(path))
    return {
        "program": os.path.basename(path),
        "instructions": instructions,
        "cpython_s": cpython_s,
        "tier1_s": tier1_s,
        "cpython_ips": instructions / cpython_s,
        "tier1_ips": instructions / tier1_s,
        "slowdown": tier1_s / cpython_s,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("programs", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    programs = args.programs or [os.path.join(CORPUS, p) for p in DEFAULT_PROGRAMS]
    rows = []
    print("%-26s %12s %14s %14s %9s" % ("program", "instructions", "CPython ins/s",
                                         "tier 1 ins/s", "slowdown"))
    for path in programs:
        row = measure(os.path.abspath(path), args.repeat)
        rows.append(row)
        print("%-26s %12d %14.3g %14.3g %8.1fx" % (row["program"], row["instructions"],
                                                   row["cpython_ips"], row["tier1_ips"],
                                                   row["slowdown"]), flush=True)
    total_ins = sum(r["instructions"] for r in rows)
    cp = total_ins / sum(r["cpython_s"] for r in rows)
    t1 = total_ins / sum(r["tier1_s"] for r in rows)
    print("%-26s %12d %14.3g %14.3g %8.1fx" % ("all", total_ins, cp, t1, cp / t1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
