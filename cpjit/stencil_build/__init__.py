"""Build-time half of the JIT: stencils compiled with clang, read with pyelftools.

CPython counterpart: Tools/jit/ (build.py, _targets.py, _stencils.py,
_schema.py).  Entry points:

    load_stencils(rebuild_if_needed=True) -> StencilTable
        the table for the running Python and target; built lazily (and cached)
        on first use if missing, stale or corrupt.  ``table.toolchain`` tells
        which clang built it.  Raises ToolchainNotFound / BuildError.
    abi_header_text() -> str
        stencils/cpjit_abi.h, ready for cffi.FFI().cdef().
    cpjit.stencil_build.build.main(argv)
        ``cpjit build-stencils [--force] [--cc CLANG] [--jobs N] [--verbose]``.
"""

from cpjit.stencil_build.stencils import Hole, HoleValue, Stencil, StencilTable, TRAMPOLINE
from cpjit.stencil_build.paths import abi_header_text, stencils_dir
from cpjit.stencil_build.errors import BuildError, ToolchainNotFound


def load_stencils(*args, **kwargs):
    """The stencil table for the running Python (see cpjit.stencil_build.cache.load_stencils)."""
    from cpjit.stencil_build.cache import load_stencils as _load
    return _load(*args, **kwargs)

__all__ = [
    "Hole", "HoleValue", "Stencil", "StencilTable", "TRAMPOLINE",
    "abi_header_text", "stencils_dir", "BuildError", "ToolchainNotFound",
    "load_stencils",
]
