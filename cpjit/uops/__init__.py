"""Uop metadata for Python, parsed from the uop definitions at import.

CPython counterpart: Include/internal/pycore_uop_metadata.h and
pycore_uop_ids.h (generated from Python/bytecodes.c).  Here the single source
of truth is ``stencils/uops/*.c`` (every file, so ``tier2*.c`` files added by
the optimizer need no change in this package); the same definitions produce
the C stencil sources (cpjit.uops.generator) at build time.

    UOPS: dict[str, UopInfo]      name -> inputs, outputs, flags, replication
    UopInfo.num_popped(oparg), .num_pushed(oparg), .stack_effect(oparg)
    UopInfo.has(HAS_EXIT) ...     flag names are in cpjit.uops.analysis
    replicated_name(name, oparg)  '_LOAD_FAST', 3 -> '_LOAD_FAST_3' when it exists

Parsing all files takes a few milliseconds, so it is not cached.
"""

from __future__ import annotations

from cpjit.uops.analysis import (  # noqa: F401  (re-exported flag names)
    ALL_FLAGS, ERROR_NO_POP, HAS_ARG, HAS_DEOPT, HAS_ERROR, HAS_ESCAPES, HAS_EXECUTOR,
    HAS_EXIT, HAS_EXIT_INDEX, HAS_JUMP_TO_TOP, HAS_OPERAND, HAS_PURE, HAS_TARGET,
    IS_TERMINATOR, LEAVES_TRACE, UopInfo, analyze,
)
from cpjit.uops.parser import DSLError, StackItem, parse_file


def load_definitions(paths=None):
    """Parse the DSL files (default: every stencils/uops/*.c) -> (UOPS, includes)."""
    if paths is None:
        from cpjit.stencil_build.paths import uop_source_files
        paths = uop_source_files()
    ops, includes = [], []
    seen: dict[str, str] = {}
    for path in paths:
        parsed = parse_file(path)
        for op in parsed.ops:
            if op.name in seen:
                raise DSLError("%s:%d: %s already defined in %s"
                               % (op.path, op.line, op.name, seen[op.name]))
            seen[op.name] = op.path
        ops.extend(parsed.ops)
        includes.extend(line for line in parsed.includes if line not in includes)
    return analyze(ops), includes


UOPS, _INCLUDES = load_definitions()


def replicated_name(name: str, oparg: int) -> str:
    """The replica of ``name`` specialised for ``oparg``, or ``name`` itself."""
    replica = "%s_%d" % (name, oparg)
    info = UOPS.get(name)
    if info is not None and info.replicate and 0 <= oparg < info.replicate:
        return replica
    return name
