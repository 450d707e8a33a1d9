"""Stencil plans kept on disk between processes (CPython counterpart: none at run
time; Tools/jit takes these decisions once, when python is built, and emits them
as C in jit_stencils.h).

Planning a stencil (cpjit.jit_plan.StencilPlan) tries the GOT relaxations of each
hole on copies of its code: ~50 us per stencil, paid again by every process for
every stencil its traces use, which is most of the stitching time of a short run.
A plan depends on the stencil's bytes and holes, on the planner's own code, and on
the external symbols' addresses, which move from process to process (ASLR); the
plan records where those addresses went (StencilPlan.symbols) and
cpjit.jit_plan rebinds a stored plan to this process's addresses.  The entries
are keyed by a digest of the stencil and of the planner's source, so a changed
stencil or planner never meets an old plan.

One marshal'd dict {key: marshal'd entry} in the stencil cache directory
(cpjit.stencil_build.paths.cache_dir): a process decodes the entries of the
stencils it uses, not those of every table the file has seen.  Entries added are
written out by flush() (cpjit.jit_plan calls it once per trace that planned
something), replacing the file atomically; at most MAX_ENTRIES are kept (the
oldest go first).  Any failure (read-only directory, damaged file) only means
planning in process, as without a cache.
"""

from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import hashlib
import marshal

_FILE_NAME = "stencil-plans-v2.marshal"
MAX_ENTRIES = 512          # ~3 stencil tables (~156 stencils each)
MISSING = object()

_entries = None           # key -> marshal'd entry, loaded on first use
_dirty = False            # entries stored since the last flush
_path = None
_source_digest = None     # of the planner's modules (a changed planner = new keys)


def _cache_path():
    global _path
    if _path is None:
        from cpjit.stencil_build.paths import cache_file_path
        _path = cache_file_path(_FILE_NAME)
    return _path


def _planner_digest():
    global _source_digest
    if _source_digest is None:
        from cpjit import jit_memory, jit_plan, jit_relocations
        digest = hashlib.blake2b(digest_size=16)
        try:
            for module in (jit_plan, jit_relocations):
                with open(module.__file__, "rb") as file:
                    digest.update(file.read())
            digest.update(b"alignment %d" % jit_memory.ALIGNMENT)   # a plan checks it
            _source_digest = digest.digest()
        except (OSError, TypeError, AttributeError):
            _source_digest = b""      # no source to tell versions apart: no cache
    return _source_digest


def _holes_bytes(holes):
    # text, not tuples (no container per hole); _name_: the enum's plain attribute
    # (.name is a slower descriptor)
    return "".join(["%d %s %s %s %d;" % (h.offset, h.kind, h.value._name_, h.symbol, h.addend)
                    for h in holes]).encode()


def key_of(stencil):
    """The digest naming a stencil's plan (None when plans cannot be cached)."""
    planner = _planner_digest()
    if not planner:
        return None
    digest = hashlib.blake2b(planner, digest_size=20)
    digest.update(len(stencil.code).to_bytes(8, "little"))
    digest.update(stencil.code)
    digest.update(len(stencil.data).to_bytes(8, "little"))
    digest.update(stencil.data)
    digest.update(b"%d|" % stencil.data_alignment)
    digest.update(_holes_bytes(stencil.holes))
    digest.update(b"|")
    digest.update(_holes_bytes(stencil.data_holes))
    return digest.digest()


def _read(path):
    try:
        with open(path, "rb") as file:
            entries = marshal.loads(file.read())   # load(file) reads in tiny pieces
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return entries if isinstance(entries, dict) else {}


def lookup(key):
    """The entry stored under `key`, or MISSING."""
    global _entries
    if _entries is None:
        path = _cache_path()
        _entries = _read(path) if path else {}
    blob = _entries.get(key)
    if blob is None:
        return MISSING
    try:
        return marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return MISSING


def store(key, entry):
    """Keep `entry` (marshal-able) under `key`; on disk at the next flush()."""
    global _entries, _dirty
    if _entries is None:
        lookup(key)
    try:
        blob = marshal.dumps(entry)
    except ValueError:
        return
    _entries.pop(key, None)
    _entries[key] = blob
    while len(_entries) > MAX_ENTRIES:
        del _entries[next(iter(_entries))]
    _dirty = True


def flush():
    """Write the entries stored since the last flush (a no-op when there are none)."""
    global _dirty
    if not _dirty:
        return
    _dirty = False
    path = _cache_path()
    if not path:
        return
    try:
        data = marshal.dumps(_entries)      # whole, under the GIL: threads may store
        from cpjit.stencil_build.paths import write_atomically
        write_atomically(path, data)
    except (OSError, ValueError):
        pass
