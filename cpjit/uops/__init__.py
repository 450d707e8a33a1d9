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

Parsing and analysing every file takes ~60 ms, a fifth of ``cpjit exec``'s start-up,
so the result is pickled in the stencil cache directory under a digest of the DSL files
and of this package's parser and analysis (``_cached_definitions``).
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


def _cached_definitions():
    """``load_definitions()``, remembered on disk per digest of its inputs."""
    import hashlib
    import os
    import pickle
    from cpjit.stencil_build import paths
    sources = list(paths.uop_source_files())
    here = os.path.dirname(os.path.abspath(__file__))
    hasher = hashlib.sha256(b"cpjit uop definitions 1\n")
    for path in sources + [os.path.join(here, "parser.py"), os.path.join(here, "analysis.py")]:
        with open(path, "rb") as f:
            hasher.update(str(path).encode() + b"\0" + f.read() + b"\0")
    try:
        cache = paths.cache_dir() / ("uops-%s.pickle" % hasher.hexdigest()[:32])
    except OSError:
        return load_definitions(sources)
    try:
        with open(cache, "rb") as f:
            uops, includes = pickle.load(f)
        if type(uops) is dict and type(includes) is list:
            return uops, includes
    except Exception:   # missing, truncated or from another version: parse again
        pass
    uops, includes = load_definitions(sources)
    try:
        for old in cache.parent.glob("uops-*.pickle"):
            old.unlink()
        tmp = cache.with_name(cache.name + ".%d.tmp" % os.getpid())
        with open(tmp, "wb") as f:
            pickle.dump((uops, includes), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except OSError:
        pass     # a read-only cache: parse at each start
    return uops, includes


UOPS, _INCLUDES = _cached_definitions()


def replicated_name(name: str, oparg: int) -> str:
    """The replica of ``name`` specialised for ``oparg``, or ``name`` itself."""
    replica = "%s_%d" % (name, oparg)
    info = UOPS.get(name)
    if info is not None and info.replicate and 0 <= oparg < info.replicate:
        return replica
    return name
