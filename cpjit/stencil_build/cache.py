"""The stencil table on disk: digest, atomic write, validated load, lazy build.

CPython counterpart: the digest line at the top of jit_stencils.h that lets
Tools/jit/build.py skip work (``_Target._compute_digest``).

File: ``<cache dir>/stencils-<triple>-<SOABI>.table`` (cache dir: see
cpjit.stencil_build.paths), made of

    line 1  b"CPJIT-STENCIL-TABLE\\n"
    line 2  JSON header: format, inputs_digest, digest, toolchain, payload_sha256
    rest    pickle of a StencilTable

Two digests.  ``inputs_digest`` covers everything but the compiler: every file
under stencils/, the generator and build modules, the Python headers, the
target flags, the Python version/ABI and the set of uops.  ``digest`` adds the
compiler's identity (--version).  Loading checks ``inputs_digest`` only (no
compiler start-up on import; any valid clang produces a valid table), while
``cpjit build-stencils`` compares the full ``digest`` and rebuilds if the
compiler changed.  A file that fails any check (magic, JSON, sha256 of the
payload, format, digest, unpickling, type) is never used: it is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import sys

from cpjit.stencil_build import paths
from cpjit.stencil_build.errors import BuildError
from cpjit.stencil_build.stencils import TABLE_FORMAT_VERSION, StencilTable
from cpjit.stencil_build.target import Target, host_target

MAGIC = b"CPJIT-STENCIL-TABLE\n"
_PACKAGE = pathlib.Path(__file__).resolve().parent.parent


def python_abi() -> str:
    return paths.python_soabi()


def table_path(target: Target, cache_dir: pathlib.Path | None = None) -> pathlib.Path:
    directory = pathlib.Path(cache_dir) if cache_dir else paths.cache_dir()
    return directory / ("stencils-%s-%s.table" % (target.triple, python_abi()))


def _scan(root, suffix, recursive):
    """``(name relative to root, path, os.stat_result)`` of the files under ``root``
    whose names end in ``suffix``, in the order ``sorted(pathlib.Path.rglob(...))``
    gives (by path components).

    os.scandir, not pathlib: listing and stat-ing the ~240 inputs through pathlib
    (rglob, relative_to) cost ~10 ms of each start, more than the hashing it guards.
    """
    found = []
    pending = [("", str(root))]
    while pending:
        prefix, directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        for entry in entries:
            name = prefix + entry.name
            if entry.is_dir():
                if recursive:
                    pending.append((name + "/", entry.path))
            elif entry.name.endswith(suffix) and entry.is_file():
                found.append((name.split("/"), name, entry.path))
    found.sort()
    return [(name, path, os.stat(path)) for _, name, path in found]


def _input_files():
    """Every input file except the compiler, as ``(name in the digest, path, stat)``,
    in a fixed order."""
    files = _scan(paths.stencils_dir(), (".c", ".h"), True)
    package = str(_PACKAGE)
    for sub in ("uops", "stencil_build"):
        for name, path, st in _scan(os.path.join(package, sub), ".py", False):
            if name != "expansion.py":      # the optimizer's, not an input
                files.append((sub + "/" + name, path, st))
    for include in paths.python_include_dirs():
        files.extend(_scan(include, ".h", True))
    return files


def _settings(target: Target) -> bytes:
    return ("format %d\n%s\n%s\n%s\n%s\n" % (
        TABLE_FORMAT_VERSION, target.triple, " ".join(target.flags), python_abi(),
        sys.version)).encode()


def inputs_digest(target: Target, uop_names=None) -> str:
    """sha256 over every input except the compiler (see module docstring).

    Reading and hashing every input (the Python headers included) costs ~20 ms at each
    start, so the answer is remembered next to the table under a fingerprint of the
    inputs' names, sizes and modification times (what make trusts); any change to a file
    changes the fingerprint and the contents are hashed again.
    """
    files = _input_files()
    fingerprint = hashlib.sha256(_settings(target))
    for name, path, st in files:
        fingerprint.update(("%s\0%d\0%d\n" % (name, st.st_size, st.st_mtime_ns)).encode())
    if uop_names is not None:
        fingerprint.update(("uops " + ",".join(sorted(uop_names))).encode())
    fingerprint = fingerprint.hexdigest()
    memo = table_path(target).with_suffix(".inputs")
    try:
        remembered, digest = memo.read_text().split()
        if remembered == fingerprint and len(digest) == 64:
            return digest
    except (OSError, ValueError):
        pass
    hasher = hashlib.sha256()
    hasher.update(_settings(target))
    for name, path, _ in files:
        hasher.update(name.encode() + b"\0")
        with open(path, "rb") as file:
            hasher.update(file.read())
        hasher.update(b"\0")
    if uop_names is not None:
        hasher.update(("uops " + ",".join(sorted(uop_names))).encode())
    digest = hasher.hexdigest()
    try:
        tmp = memo.with_name(memo.name + ".%d.tmp" % os.getpid())
        tmp.write_text("%s %s\n" % (fingerprint, digest))
        os.replace(tmp, memo)
    except OSError:
        pass     # a read-only cache: hash the contents each time
    return digest


def full_digest(inputs: str, toolchain_version_text: str) -> str:
    return hashlib.sha256((inputs + "\n" + toolchain_version_text).encode()).hexdigest()


def write_table(table: StencilTable, path: pathlib.Path, inputs: str) -> None:
    """Write atomically (temp file + rename), so readers never see half a table."""
    import json
    import pickle
    payload = pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)
    header = {
        "format": TABLE_FORMAT_VERSION,
        "inputs_digest": inputs,
        "digest": table.digest,
        "toolchain": table.toolchain,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".%d.tmp" % os.getpid())
    with open(temp, "wb") as file:
        file.write(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    os.replace(temp, path)


class StaleTable(Exception):
    """The file is missing, corrupt or built from other inputs (reason in args)."""


def read_header(path: pathlib.Path) -> tuple[dict, bytes]:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise StaleTable("no table at %s" % path)
    if not blob.startswith(MAGIC):
        raise StaleTable("not a stencil table (bad magic)")
    end = blob.find(b"\n", len(MAGIC))
    end = len(blob) if end < 0 else end + 1
    import json      # here, not at import: ``cpjit exec`` may never load a table
    try:
        header = json.loads(blob[len(MAGIC):end])
    except ValueError:
        raise StaleTable("corrupt header")
    if not isinstance(header, dict):
        raise StaleTable("corrupt header")
    return header, blob[end:]


def read_table(path: pathlib.Path, expected_inputs: str) -> StencilTable:
    """The table at ``path`` if valid for ``expected_inputs``, else StaleTable."""
    header, payload = read_header(path)
    if header.get("format") != TABLE_FORMAT_VERSION:
        raise StaleTable("format %r, expected %d" % (header.get("format"), TABLE_FORMAT_VERSION))
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise StaleTable("corrupt payload (checksum mismatch)")
    if header.get("inputs_digest") != expected_inputs:
        raise StaleTable("built from other inputs (digest mismatch)")
    import pickle
    try:
        table = pickle.loads(payload)
    except Exception as error:  # a checksummed payload that still fails: treat as corrupt
        raise StaleTable("corrupt payload (%s)" % error)
    if not isinstance(table, StencilTable):
        raise StaleTable("payload is not a StencilTable")
    return table


class build_lock:
    """Serialize builds of one table between processes (pytest -n 2, threads)."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.lock = None

    def __enter__(self):
        import fcntl
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = open(self.path.with_name(self.path.name + ".lock"), "a+")
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX)
        except BaseException:
            self.lock.close()
            raise
        return None

    def __exit__(self, *exc_info):
        import fcntl
        try:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
        finally:
            self.lock.close()
        return False


_loaded: dict[str, StencilTable] = {}


def load_stencils(rebuild_if_needed: bool = True, cache_dir=None, cc: str | None = None,
                  verbose: bool = False) -> StencilTable:
    """The stencil table for the running Python and host target.

    Built on first use (and whenever missing, corrupt or stale), then cached on
    disk and in this process.  ``table.toolchain`` names the clang that built
    it.  Raises ToolchainNotFound (no clang, message says how to get one) or
    BuildError; with ``rebuild_if_needed=False`` raises StaleTable instead of
    building.
    """
    target = host_target()
    path = table_path(target, cache_dir)
    inputs = inputs_digest(target)
    memo = _loaded.get(str(path))
    if memo is not None and memo.inputs_digest == inputs:
        return memo
    try:
        table = read_table(path, inputs)
    except StaleTable:
        if not rebuild_if_needed:
            raise
        from cpjit.stencil_build.build import build_table
        with build_lock(path):
            try:   # another process may have built it while we waited
                table = read_table(path, inputs)
            except StaleTable:
                table = build_table(target=target, table_file=path, cc=cc, verbose=verbose)
    table.inputs_digest = inputs
    _loaded[str(path)] = table
    return table


__all__ = ["load_stencils", "table_path", "inputs_digest", "read_table", "write_table",
           "StaleTable", "BuildError"]
