"""Generate one C source per uop and compile them all with clang, in parallel.

CPython counterpart: Tools/jit/_targets.py ``_compile`` / ``_build_stencils``.
Each uop's body (cpjit.uops.generator) goes to ``<work>/cases/<uop>.c.h`` and
template.c is compiled with ``-DCPJIT_UOP_CASE="<that file>"``; the
trampoline is compiled from trampoline.c.  ``compile_commands.json`` records
the exact commands so clangd understands the sources.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import pathlib
import subprocess
import sysconfig

from cpjit.stencil_build.asm import move_continue_block_last
from cpjit.stencil_build.errors import BuildError
from cpjit.stencil_build.stencils import TRAMPOLINE
from cpjit.stencil_build.target import Target
from cpjit.stencil_build.toolchain import Toolchain


@dataclasses.dataclass(frozen=True)
class CompileJob:
    name: str                  # uop name or "trampoline"
    source: pathlib.Path       # the .c file given to clang
    output: pathlib.Path       # the .o file
    arguments: tuple[str, ...]  # full argv of the one-step compile (compile_commands.json)
    compiler: tuple[str, ...] = ()       # argv prefix (the toolchain command)
    assemble_flags: tuple[str, ...] = ()  # flags for assembling the rewritten .s
    reorder: bool = False      # compile to .s, move the continuation block last, assemble

    def to_assembly(self) -> tuple[str, ...]:
        """argv producing the .s file instead of the object."""
        argv = list(self.arguments)
        index = argv.index("-c")
        argv[index] = "-S"
        argv[argv.index("-o") + 1] = str(self.assembly)
        return tuple(argv)

    @property
    def assembly(self) -> pathlib.Path:
        return self.output.with_suffix(".s")

    def from_assembly(self) -> tuple[str, ...]:
        return self.compiler + self.assemble_flags + (
            "-c", str(self.assembly), "-o", str(self.output))


from cpjit.stencil_build.paths import python_include_dirs  # noqa: E402,F401  (its home)


def common_flags(target: Target, stencils: pathlib.Path) -> list[str]:
    """Flags shared by every stencil (part of the table digest)."""
    flags = list(target.flags)
    for include in python_include_dirs():
        flags.append("-I" + include)
    flags.append("-I" + str(stencils))
    flags.append("-I" + str(stencils / "uops"))
    return flags


def write_sources(uops, includes, work: pathlib.Path) -> dict[str, pathlib.Path]:
    """Write <work>/prelude.h and <work>/cases/<uop>.c.h; return uop -> case file."""
    from cpjit.uops.generator import generate_case, generate_includes
    cases = work / "cases"
    cases.mkdir(parents=True, exist_ok=True)
    _write_if_changed(work / "prelude.h", generate_includes(includes))
    files = {}
    for name, info in uops.items():
        path = cases / ("%s.c.h" % name)
        _write_if_changed(path, generate_case(info))
        files[name] = path
    return files


def _write_if_changed(path: pathlib.Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def plan(toolchain: Toolchain, target: Target, stencils: pathlib.Path, case_files,
         work: pathlib.Path) -> list[CompileJob]:
    """Every compile job: the trampoline first, then one per uop."""
    objects = work / "objects"
    objects.mkdir(parents=True, exist_ok=True)
    flags = common_flags(target, stencils)
    jobs = [CompileJob(TRAMPOLINE, stencils / "trampoline.c", objects / "trampoline.o",
                       tuple(list(toolchain.command) + flags + [
                           "-c", str(stencils / "trampoline.c"),
                           "-o", str(objects / "trampoline.o")]))]
    template = stencils / "template.c"
    for name, case in case_files.items():
        output = objects / ("%s.o" % name)
        jobs.append(CompileJob(name, template, output, tuple(
            list(toolchain.command) + flags + [
                '-DCPJIT_UOP_CASE="%s"' % case,
                '-DCPJIT_UOP_PRELUDE="%s"' % (work / "prelude.h"),
                "-c", str(template), "-o", str(output)]),
            compiler=tuple(toolchain.command), assemble_flags=target.assemble_flags,
            reorder=True))
    return jobs


def run_jobs(jobs: list[CompileJob], parallel: int, verbose: bool = False,
             log=print) -> dict[str, bytes]:
    """Compile every job; name -> object bytes.  Any failure fails the build."""

    def call(job: CompileJob, argv) -> None:
        if verbose:
            log(" ".join(argv))
        try:
            result = subprocess.run(argv, capture_output=True, text=True)
        except OSError as error:
            raise BuildError("stencil %s: cannot run the compiler: %s" % (job.name, error))
        if result.returncode != 0:
            raise BuildError("stencil %s: clang failed (exit %d):\n%s%s"
                             % (job.name, result.returncode, result.stderr, result.stdout))
        if result.stderr.strip() and verbose:
            log(result.stderr.rstrip())

    def run(job: CompileJob) -> tuple[str, bytes]:
        if job.reorder:
            call(job, job.to_assembly())
            text = job.assembly.read_text()
            job.assembly.write_text(move_continue_block_last(text))
            call(job, job.from_assembly())
        else:
            call(job, job.arguments)
        return job.name, job.output.read_bytes()

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return dict(pool.map(run, jobs))


def write_compile_commands(jobs: list[CompileJob], path: pathlib.Path) -> None:
    """compile_commands.json: one entry per compiled source (clangd's input).

    Every uop compiles the same template.c; clangd reads the first entry for a
    file, so the template entry names a real uop's case file."""
    entries = []
    for job in jobs:
        entries.append({
            "directory": str(path.parent.resolve()),
            "file": str(job.source),
            "arguments": list(job.arguments),
            "output": str(job.output),
        })
    path.write_text(json.dumps(entries, indent=1) + "\n")


def default_jobs() -> int:
    return os.cpu_count() or 1
