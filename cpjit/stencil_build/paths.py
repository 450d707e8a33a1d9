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
import pathlib
import sys

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
    return python_build_facts()[1]


def python_soabi() -> str:
    """sysconfig's SOABI of the running Python (e.g. ``cpython-311-x86_64-linux-gnu``)."""
    return python_build_facts()[0]


# What sysconfig says about the running Python, remembered per cache directory next to
# the table: importing sysconfig and expanding its install paths cost ~2 ms of every
# start. The record names the interpreter it describes (fields below); another
# interpreter, or any doubt, asks sysconfig again.
_FACTS_FILE = "python-build.facts"
_facts = []


def _interpreter_identity() -> list[str]:
    return [sys.executable, sys.version, sys.prefix, sys.exec_prefix, sys.base_prefix,
            sys.base_exec_prefix, str(sys.hexversion)]


def _facts_from_sysconfig():
    import sysconfig
    soabi = sysconfig.get_config_var("SOABI") or "cpython-%d%d" % sys.version_info[:2]
    paths = sysconfig.get_paths()
    return soabi, list(dict.fromkeys([paths["include"], paths["platinclude"]]))


def python_build_facts():
    """``(SOABI, [include directories])`` of the running Python, as sysconfig gives them."""
    if _facts:
        return _facts[0]
    identity = _interpreter_identity()
    try:
        record_path = os.path.join(str(cache_dir()), _FACTS_FILE)
    except OSError:
        record_path = None
    facts = None
    if record_path is not None:
        try:
            with open(record_path, encoding="utf-8") as f:
                fields = f.read().split("\0")
            n = len(identity)
            if fields[:n] == identity and len(fields) >= n + 2:
                facts = fields[n], fields[n + 1:]
        except (OSError, ValueError):
            pass
    if facts is None:
        facts = _facts_from_sysconfig()
        if record_path is not None:
            try:
                write_atomically(record_path, "\0".join(
                    identity + [facts[0]] + facts[1]).encode("utf-8"))
            except OSError:
                pass     # a read-only cache: ask sysconfig at each start
    _facts.append(facts)
    return facts


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


def write_atomically(path, data):
    """Replace the file at ``path`` with ``data`` (bytes) in one step (a temporary file
    renamed over it), so that a reader never sees half a file. Raises OSError."""
    temporary = "%s.%d.tmp" % (path, os.getpid())
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def cache_file_path(name):
    """The path of ``name`` in the cache directory, or "" when there is no usable one
    (callers then keep their cache in memory only)."""
    try:
        return os.path.join(str(cache_dir()), name)
    except Exception:
        return ""
