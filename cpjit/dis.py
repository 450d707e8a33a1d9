"""``cpjit dis script.py``: run a program, then show each executor's uops and machine code.

CPython counterpart: what ``PYTHON_LLTRACE=2`` prints for optimized traces, plus the
disassembly of ``_PyJIT_Compile``'s output (one block per stencil).

    cpjit dis [--tier2=jit|interp] [--no-machine-code] script.py [args...]

The program runs exactly as under ``cpjit exec`` (its output first); the listing goes
to stdout after it ends, executors grouped by code object and back-edge offset.
"""

# Guest programs may rebind builtins (builtins.len = ...): cpjit's own code binds the
# ones it uses at import.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import sys

USAGE = "usage: cpjit dis [--tier2=jit|interp] [--no-machine-code] script.py [args...]\n"


def format_executor(executor, machine_code=True):
    """The text block for one executor: header, uops, exits, machine code."""
    lines = []
    code = executor.code
    where = "%s (%s:%d)" % (code.co_qualname, code.co_filename, code.co_firstlineno) \
        if code is not None else "side trace"
    lines.append("executor at offset %s of %s: %d uops, chain depth %d%s" % (
        executor.code_offset, where, len(executor), executor.chain_depth,
        "" if executor.valid else ", INVALID"))
    for i, inst in enumerate(executor.trace):
        lines.append("  %4d %r" % (i, inst))
    for exit in executor.exits:
        lines.append("  exit %d -> offset %d%s" % (
            exit.index, exit.target,
            " (linked to a side trace of %d uops)" % len(exit.executor)
            if exit.executor is not None else ""))
    jit_code = executor.jit_code
    if machine_code:
        if jit_code is None:
            lines.append("  (no machine code: run by the reference uop interpreter)")
        else:
            try:
                lines.append(jit_code.disassemble())
            except Exception as exc:      # capstone missing or similar: still list uops
                lines.append("  (machine code: %d bytes; disassembly failed: %s)"
                             % (jit_code.size, exc))
    return "\n".join(lines)


def all_executors():
    """Every live executor: installed ones and the side traces linked from them."""
    import cpjit.optimizer as optimizer
    seen = []
    for ex in optimizer._state.executors:
        if ex not in seen:
            seen.append(ex)
    return seen


def main(argv):
    """``cpjit dis``; returns the program's exit status."""
    mode = "jit"
    machine_code = True
    args = list(argv)
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt.startswith("--tier2="):
            mode = opt.split("=", 1)[1]
            if mode not in ("jit", "interp"):
                sys.stderr.write("cpjit dis: --tier2 must be jit or interp\n" + USAGE)
                return 2
        elif opt == "--no-machine-code":
            machine_code = False
        elif opt in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        else:
            sys.stderr.write("cpjit dis: unknown option %s\n%s" % (opt, USAGE))
            return 2
    if not args:
        sys.stderr.write(USAGE)
        return 2
    import cpjit.run as run
    status = 0
    try:
        status = run.main(["--tier2=" + mode] + args)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdout.flush()
        executors = all_executors()
        print("\n=== cpjit dis: %d executor(s) ===" % len(executors))
        for ex in executors:
            print(format_executor(ex, machine_code))
            print()
    return status
