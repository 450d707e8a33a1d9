"""Where the stencil sources and the generated table live.

Sources: an installed wheel carries them inside the package as
``cpjit/_stencils/`` (copied there by setup.py's build_py); a source checkout
or an editable install uses ``<repo>/stencils/``.

Table: ``cpjit/_generated/`` next to the package when that directory is
writable (git-ignored), otherwise ``$XDG_CACHE_HOME/cpjit`` (default
``~/.cache/cpjit``).  ``$CPJIT_STENCIL_CACHE`` overrides both (tests use it).
"""

from __future__ import annotations

import os
import sysconfig
import pathlib

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent.parent   # .../cpjit


def stencils_dir() -> pathlib.Path:
    """Directory holding template.c, the headers and uops/*.c."""
    installed = PACKAGE_DIR / "_stencils"
    if (installed / "template.c").is_file():
        return installed
    checkout = PACKAGE_DIR.parent / "stencils"
    if (checkout / "template.c").is_file() or (checkout / "cpjit_abi.h").is_file():
        return checkout
    raise FileNotFoundError(
        "cpjit: stencil sources not found (looked in %s and %s)" % (installed, checkout))


def uop_source_files() -> list[pathlib.Path]:
    """Every uop definition file, in a stable order (core.c first)."""
    files = sorted((stencils_dir() / "uops").glob("*.c"))
    files.sort(key=lambda p: (p.name != "core.c", p.name))
    return files


def abi_header_text() -> str:
    """The frame/state ABI header, ready for cffi.FFI().cdef()."""
    return (stencils_dir() / "cpjit_abi.h").read_text()


def _writable_dir(path: pathlib.Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def python_include_dirs() -> list[str]:
    """The running Python's headers (internal ones are under include/internal)."""
    dirs = [sysconfig.get_paths()["include"], sysconfig.get_paths()["platinclude"]]
    return list(dict.fromkeys(dirs))


def cache_dir() -> pathlib.Path:
    """Directory for the stencil table (created if needed)."""
    override = os.environ.get("CPJIT_STENCIL_CACHE")
    if override:
        path = pathlib.Path(override)
        path.mkdir(parents=True, exist_ok=True)
        return path
    in_package = PACKAGE_DIR / "_generated"
    if _writable_dir(in_package):
        return in_package
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = pathlib.Path(base) / "cpjit"
    path.mkdir(parents=True, exist_ok=True)
    return path
