"""``cpjit build-stencils``: compile every uop stencil and write the table.

CPython counterpart: Tools/jit/build.py (+ ``_Target.build``).

    cpjit build-stencils [--force] [--cc CLANG] [--jobs N] [--verbose]
                         [--cache-dir DIR] [--work-dir DIR]
                         [--compile-commands FILE] [--only UOP,UOP...]

Skips all work when the table on disk was built from the same inputs and the
same compiler (full digest, see cpjit.stencil_build.cache); ``--force`` rebuilds.
Ends with one summary line:
``63 stencils, 7184 code bytes, clang 22.1.8 (ziglang), 9.1 s, fall-through saved 5 bytes x 40``.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

from cpjit.stencil_build import cache, paths
from cpjit.stencil_build.compile import default_jobs, plan, run_jobs, write_compile_commands, write_sources
from cpjit.stencil_build.elf import remove_trailing_continue_jump, stencil_from_elf
from cpjit.stencil_build.errors import BuildError
from cpjit.stencil_build.stencils import TRAMPOLINE, StencilTable
from cpjit.stencil_build.target import Target, host_target
from cpjit.stencil_build.toolchain import find_toolchain


def _select_uops(uops: dict, only):
    if not only:
        return uops
    unknown = sorted(set(only) - set(uops))
    if unknown:
        raise BuildError("unknown uop(s): %s" % ", ".join(unknown))
    return {name: info for name, info in uops.items() if name in only}


def build_table(target: Target | None = None, table_file: pathlib.Path | None = None,
                cc: str | None = None, jobs: int | None = None, verbose: bool = False,
                work_dir: pathlib.Path | None = None,
                compile_commands: pathlib.Path | None = None,
                only=None, toolchain=None, log=print) -> StencilTable:
    """Compile, parse and write the table unconditionally (callers check digests)."""
    from cpjit.uops import load_definitions
    start = time.monotonic()
    target = target or host_target()
    toolchain = toolchain or find_toolchain(cc)
    uops, includes = load_definitions()
    uops = _select_uops(uops, only)
    inputs = cache.inputs_digest(target, None if not only else list(uops))
    digest = cache.full_digest(inputs, toolchain.version_text)
    stencils_dir = paths.stencils_dir()
    with tempfile.TemporaryDirectory(prefix="cpjit-stencils-") as temp:
        work = pathlib.Path(work_dir) if work_dir else pathlib.Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        case_files = write_sources(uops, includes, work)
        compile_jobs = plan(toolchain, target, stencils_dir, case_files, work)
        if compile_commands:
            write_compile_commands(compile_jobs, pathlib.Path(compile_commands))
        objects = run_jobs(compile_jobs, jobs or default_jobs(), verbose, log)
    stencils = {}
    for name in [TRAMPOLINE] + list(uops):
        stencil = stencil_from_elf(name, objects[name], target)
        if name != TRAMPOLINE:
            stencil = remove_trailing_continue_jump(stencil, target)
        stencils[name] = stencil
    table = StencilTable(stencils=stencils, target=target.triple, python_abi=cache.python_abi(),
                         digest=digest, toolchain=toolchain.describe(),
                         flags=list(target.flags), build_seconds=time.monotonic() - start,
                         inputs_digest=inputs)
    if table_file is not None:
        cache.write_table(table, pathlib.Path(table_file), inputs)
    return table


def summary(table: StencilTable) -> str:
    removed = [s for s in table.stencils.values() if s.fallthrough_bytes_removed]
    return "%d stencils, %d code bytes, %s, %.1f s, fall-through saved %d bytes in %d stencils" % (
        len(table.stencils), table.code_bytes(), table.toolchain, table.build_seconds,
        table.fallthrough_bytes_removed(), len(removed))


def _write_compile_commands(target, toolchain, only, args) -> None:
    from cpjit.uops import load_definitions
    uops, includes = load_definitions()
    uops = _select_uops(uops, only)
    work = args.work_dir or args.compile_commands.resolve().parent / "stencils"
    work.mkdir(parents=True, exist_ok=True)
    case_files = write_sources(uops, includes, work)
    jobs = plan(toolchain, target, paths.stencils_dir(), case_files, work)
    write_compile_commands(jobs, args.compile_commands)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpjit build-stencils",
        description="Compile the uop stencils with clang and write the stencil table.")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--cc", metavar="CLANG", help="clang to use (default: $CPJIT_CC, "
                        "the ziglang wheel, clang-19/clang on PATH)")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help="parallel compiles (default: CPU count)")
    parser.add_argument("--verbose", "-v", action="store_true", help="show commands")
    parser.add_argument("--cache-dir", type=pathlib.Path, help="where to write the table "
                        "(default: cpjit/_generated or ~/.cache/cpjit; $CPJIT_STENCIL_CACHE)")
    parser.add_argument("--work-dir", type=pathlib.Path,
                        help="keep generated C and objects here (default: a temp dir)")
    parser.add_argument("--compile-commands", type=pathlib.Path, metavar="FILE",
                        help="write compile_commands.json here")
    parser.add_argument("--only", metavar="UOP,...",
                        help="build only these uops (tests, debugging; needs --cache-dir)")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
    if only and not args.cache_dir:
        sys.stderr.write("cpjit build-stencils: --only needs --cache-dir (a partial table "
                         "must not replace the real one)\n")
        return 2
    try:
        target = host_target()
        toolchain = find_toolchain(args.cc)
        path = cache.table_path(target, args.cache_dir)
        from cpjit.uops import UOPS
        inputs = cache.inputs_digest(target, None if not only else
                                     [n for n in UOPS if n in set(only)])
        digest = cache.full_digest(inputs, toolchain.version_text)
        if args.compile_commands:
            # Always refresh the sources and compile_commands.json (clangd),
            # even when the table itself is up to date.
            _write_compile_commands(target, toolchain, only, args)
        with cache.build_lock(path):
            if not args.force:
                try:
                    header, _ = cache.read_header(path)
                    existing = cache.read_table(path, inputs)
                except cache.StaleTable:
                    existing = None
                if existing is not None and header.get("digest") == digest:
                    print("stencil table up to date: %s (%s)" % (path, existing.toolchain))
                    print(summary(existing))
                    return 0
            table = build_table(target=target, table_file=path, toolchain=toolchain,
                                jobs=args.jobs, verbose=args.verbose, work_dir=args.work_dir,
                                compile_commands=args.compile_commands, only=only)
    except BuildError as error:
        sys.stderr.write("%s\n" % error)
        return 1
    print("wrote %s" % path)
    print(summary(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
