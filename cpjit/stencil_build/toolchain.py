"""Finding a clang >= 19 (preserve_none) to compile the stencils with.

CPython counterpart: Tools/jit/_llvm.py (which looks for clang-N / llvm
tools on PATH and in Homebrew).  Order, first hit wins:

1. ``--cc CLANG`` or ``$CPJIT_CC`` (a command, may contain arguments:
   ``"python3 -m ziglang cc"``);
2. the ``ziglang`` wheel from PyPI (its ``zig cc`` is clang; we call the
   bundled ``zig`` binary directly, which is what ``python -m ziglang cc``
   does without the extra Python start-up per compile);
3. ``clang-19`` (and newer numbered names), then ``clang`` on PATH.

Each candidate must answer ``--version`` with a clang >= 19.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import sys

from cpjit.stencil_build.errors import ToolchainNotFound

MINIMUM_CLANG = 19

NOT_FOUND_MESSAGE = """\
cpjit: no clang >= {minimum} found to build the JIT stencils. Any one of these works:
  1. pass --cc /path/to/clang (or set CPJIT_CC=/path/to/clang)
  2. pip install ziglang          (clang from PyPI, used as 'python -m ziglang cc')
  3. install clang-19 or newer so that 'clang-19' or 'clang' is on PATH
     (Debian/Ubuntu: apt-get install clang-19)
Tried: {tried}"""


@dataclasses.dataclass(frozen=True)
class Toolchain:
    command: tuple[str, ...]     # argv prefix that behaves like `clang`
    version: tuple[int, ...]     # e.g. (22, 1, 8)
    origin: str                  # "ziglang", "$CPJIT_CC", "--cc", "PATH"
    version_text: str            # first line of --version

    def describe(self) -> str:
        """Like 'clang 22.1.8 (ziglang)'."""
        return "clang %s (%s)" % (".".join(map(str, self.version)), self.origin)


def _clang_version(command: list[str]) -> tuple[tuple[int, ...], str] | None:
    try:
        result = subprocess.run(command + ["--version"], capture_output=True, text=True,
                                timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    first = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    match = re.search(r"clang version (\d+)\.(\d+)(?:\.(\d+))?", result.stdout)
    if not match:
        return None
    version = tuple(int(g) for g in match.groups() if g is not None)
    return version, first


def _ziglang_command() -> list[str] | None:
    try:
        import importlib.util
        spec = importlib.util.find_spec("ziglang")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    zig = os.path.join(os.path.dirname(spec.origin), "zig")
    if os.path.isfile(zig) and os.access(zig, os.X_OK):
        return [zig, "cc"]
    return [sys.executable, "-m", "ziglang", "cc"]


def _path_candidates() -> list[list[str]]:
    names = ["clang-%d" % v for v in range(30, MINIMUM_CLANG - 1, -1)] + ["clang"]
    found = []
    for name in names:
        path = shutil.which(name)
        if path:
            found.append([path])
    return found


def find_toolchain(cc: str | None = None, environ=None, use_ziglang: bool = True,
                   use_path: bool = True) -> Toolchain:
    """The clang to use (see module docstring); ToolchainNotFound if none."""
    environ = os.environ if environ is None else environ
    tried: list[str] = []
    explicit = [(cc, "--cc")] if cc else []
    if not explicit and environ.get("CPJIT_CC"):
        explicit = [(environ["CPJIT_CC"], "$CPJIT_CC")]
    for text, origin in explicit:
        command = shlex.split(text)
        found = _clang_version(command)
        if found is None:
            raise ToolchainNotFound("cpjit: %s=%r is not a working clang (no 'clang version' "
                                    "in its --version output)" % (origin, text))
        if found[0][0] < MINIMUM_CLANG:
            raise ToolchainNotFound("cpjit: %s=%r is clang %s; clang >= %d is needed "
                                    "(preserve_none)" % (origin, text,
                                                         ".".join(map(str, found[0])),
                                                         MINIMUM_CLANG))
        return Toolchain(tuple(command), found[0], origin, found[1])
    candidates: list[tuple[list[str], str]] = []
    if use_ziglang:
        zig = _ziglang_command()
        if zig:
            candidates.append((zig, "ziglang"))
        else:
            tried.append("ziglang (not installed)")
    if use_path:
        candidates.extend((c, "PATH") for c in _path_candidates())
        if not any(origin == "PATH" for _, origin in candidates):
            tried.append("clang-19/clang on PATH (none)")
    for command, origin in candidates:
        found = _clang_version(command)
        if found is None:
            tried.append("%s (not a working clang)" % " ".join(command))
            continue
        if found[0][0] < MINIMUM_CLANG:
            tried.append("%s (clang %s, too old)" % (" ".join(command),
                                                     ".".join(map(str, found[0]))))
            continue
        return Toolchain(tuple(command), found[0], origin, found[1])
    raise ToolchainNotFound(NOT_FOUND_MESSAGE.format(minimum=MINIMUM_CLANG,
                                                     tried="; ".join(tried) or "nothing"))

