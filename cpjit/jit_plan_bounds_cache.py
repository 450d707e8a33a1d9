"""Instruction bounds of stencil code, kept on disk between processes (no CPython
counterpart: CPython's build decodes nothing at run time, Tools/jit emits the
patch functions with every decision already taken).

cpjit.jit_relocations.instruction_starts sweeps a stencil's code with capstone to
know where the instruction holding a GOT-kind hole starts (the relaxations need it).
Importing capstone costs ~20 ms and the sweep ~70 us per stencil, paid by every
process that stitches a trace: most of the stitching time of a short run.  The
result depends on the code bytes alone, so it is stored here, keyed by a digest of
the bytes, in the stencil cache directory (cpjit.stencil_build.paths.cache_dir);
a process that finds every stencil it uses there never imports capstone.

The file is one marshal'd dict {digest: lengths}, lengths being the instruction
lengths as a bytes object (x86-64 instructions are 1..15 bytes), or None when the
sweep found undecodable bytes.  Writers merge with what is on disk and replace the
file atomically, keeping at most MAX_ENTRIES (the oldest go first); a lost race
only loses entries, recomputed later.  Any failure
(read-only directory, corrupt file) just means no cache.
"""

from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import hashlib
import itertools
import marshal

# Bump when the stored format or the meaning of an entry changes.
_FILE_NAME = "instruction-bounds-v1.marshal"

MAX_ENTRIES = 4096
MISSING = object()
_entries = None          # digest -> lengths (bytes), loaded on first lookup
_path = None


def _cache_path():
    global _path
    if _path is None:
        from cpjit.stencil_build.paths import cache_file_path
        _path = cache_file_path(_FILE_NAME)
    return _path


def _read(path):
    try:
        with open(path, "rb") as file:
            entries = marshal.loads(file.read())   # load(file) reads in tiny pieces
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return entries


def _key(code):
    return hashlib.blake2b(code, digest_size=16).digest()


def lookup(code):
    """The instruction starts of `code` (tuple ending with its length), None when
    the sweep failed, or MISSING when this code was never swept."""
    global _entries
    if _entries is None:
        path = _cache_path()
        _entries = _read(path) if path else {}
    lengths = _entries.get(_key(code), MISSING)
    if lengths is MISSING:
        return MISSING
    if lengths is None:
        return None
    starts = (0,) + tuple(itertools.accumulate(lengths))
    if starts[-1] != len(code):      # a digest collision or a damaged entry: resweep
        return MISSING
    return starts


def store(code, starts):
    """Remember the sweep of `code` (starts as instruction_starts returns them)."""
    global _entries
    if _entries is None:
        _entries = {}
    if starts is None:
        lengths = None
    else:
        try:
            lengths = bytes(b - a for a, b in zip(starts, starts[1:]))
        except ValueError:           # not an x86 instruction length: keep it out
            return
    key = _key(code)
    _entries[key] = lengths
    path = _cache_path()
    if not path:
        return
    try:
        merged = _read(path)
        merged.update(_entries)
        while len(merged) > MAX_ENTRIES:        # the oldest first (stencils rebuilt since)
            del merged[next(iter(merged))]
        _entries = merged
        data = marshal.dumps(merged)
        from cpjit.stencil_build.paths import write_atomically
        write_atomically(path, data)
    except OSError:
        pass
