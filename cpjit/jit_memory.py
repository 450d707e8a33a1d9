"""Executable memory for stitched traces, W^X (CPython counterpart: jit_alloc /
mark_executable / jit_free in Python/jit.c).

Rules this module keeps:

* No mapping is ever writable and executable at once.  Code is written into a
  read+write mapping, which is then ``mprotect``-ed to read+execute.
* Small traces share pages.  A page that already holds live (possibly running)
  code is never made writable again: the next trace placed on it is written into
  a fresh read+write *staging* page (a copy of the live page plus the new bytes),
  which is sealed read+execute and then moved over the live page with
  ``mremap(MREMAP_FIXED)``.  The bytes of the code already there are identical at
  the same addresses, so a thread that is inside that code (or has a return
  address in it) never sees the page missing, writable or different.
* A page goes back to the OS (``munmap``) when every trace on it has been freed;
  a trace larger than a page gets its own mapping, unmapped when it is freed.
  While any thread is inside machine code (``ACTIVE_ENTRIES`` non-empty), unmaps
  are deferred: a freed trace may still be on some C stack (invalidation from a
  call made by the very code being freed).
* Fresh read+write pages (new mappings, staging copies) come from a reserve
  mapped RESERVE_PAGES at a time and prefaulted (MAP_POPULATE): one system call
  and one batch of faults for many traces.  The reserve is never executable and
  is unmapped when the allocator holds no code.  ``mprotect`` (sealing) and
  ``mremap`` (swapping a staged page in) stay per trace: W^X forbids batching
  them, since a trace must be executable when compile_trace returns.

libc is reached through cffi in ABI mode (``ffi.dlopen(None)``): typed
declarations check every argument, ``ffi.errno`` gives the failure reason, and
releasing the GIL around these system calls is harmless (they touch no Python
object and, with the staging scheme above, no live code page changes state).
Machine code itself is *never* called through cffi (see cpjit.jit).
"""

# Guest programs may rebind or delete builtins (builtins.len = ...); cpjit's own code
# keeps the ones it saw at import, as tier 1 does.
from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import os
import threading

from cpjit.ffi_cache import load_ffi

# Linux x86-64/aarch64 values (asm-generic/mman-common.h, linux/mman.h).  Another OS is
# another module.
PROT_NONE = 0
PROT_READ = 1
PROT_WRITE = 2
PROT_EXEC = 4
MAP_PRIVATE = 0x02
MAP_ANONYMOUS = 0x20
MAP_POPULATE = 0x8000
MREMAP_MAYMOVE = 1
MREMAP_FIXED = 2

_ffi = load_ffi("libc", """
    void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset);
    int mprotect(void *addr, size_t length, int prot);
    int munmap(void *addr, size_t length);
    void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...);
""")
_libc = _ffi.dlopen(None)
_MAP_FAILED = 2 ** 64 - 1

PAGE_SIZE = os.sysconf("SC_PAGESIZE")

# Code placement granule: a trace starts on a 64-byte boundary (a cache line), as
# compilers align hot function entries.
ALIGNMENT = 64

# Fresh read+write pages (for new mappings and staging copies) are mapped this
# many at a time, prefaulted, and handed out from a reserve: one mmap and one
# batch of page faults instead of one of each per trace.  Reserve pages are
# never executable; they are unmapped when the allocator holds no code.
RESERVE_PAGES = 16

# One element per entry currently inside machine code, in any thread (list.append /
# pop are atomic under the GIL, unlike `counter += 1`).  cpjit.jit.JitCode.run pushes
# and pops, and calls release_all_deferred() when it finds PENDING non-empty and
# ACTIVE_ENTRIES empty.
ACTIVE_ENTRIES = []
# Allocators holding freed mappings whose unmapping waits for ACTIVE_ENTRIES to empty.
PENDING = []


def release_all_deferred():
    """Unmap everything freed while machine code was running (no-op while some runs)."""
    for allocator in list(PENDING):
        allocator.release_deferred()


class JitMemoryError(MemoryError):
    """A memory system call failed (the message names the call and errno)."""


def _check(result, what):
    if result != 0:
        errno = _ffi.errno
        raise JitMemoryError("%s failed: %s" % (what, os.strerror(errno)))


def _map(size, prot, flags=0):
    """mmap anonymous private memory; returns its address."""
    pointer = _libc.mmap(_ffi.NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0)
    address = int(_ffi.cast("uintptr_t", pointer))
    if address == _MAP_FAILED:
        errno = _ffi.errno
        raise JitMemoryError("mmap of %d bytes failed: %s" % (size, os.strerror(errno)))
    return address


def _protect(address, size, prot):
    _check(_libc.mprotect(_ffi.cast("void *", address), size, prot),
           "mprotect(%#x, %d, %d)" % (address, size, prot))


def _unmap(address, size):
    _check(_libc.munmap(_ffi.cast("void *", address), size), "munmap(%#x, %d)" % (address, size))


def _move_over(source, destination, size):
    """Atomically replace the pages at `destination` by those at `source`."""
    pointer = _libc.mremap(_ffi.cast("void *", source), _ffi.cast("size_t", size),
                           _ffi.cast("size_t", size),
                           _ffi.cast("int", MREMAP_MAYMOVE | MREMAP_FIXED),
                           _ffi.cast("void *", destination))
    if int(_ffi.cast("uintptr_t", pointer)) != destination:
        errno = _ffi.errno
        raise JitMemoryError("mremap(%#x -> %#x) failed: %s"
                             % (source, destination, os.strerror(errno)))


def _write(address, data):
    _ffi.memmove(_ffi.cast("char *", address), data, len(data))


def _copy(destination, source, size):
    """memmove between two mappings (no intermediate Python bytes)."""
    _ffi.memmove(_ffi.cast("char *", destination), _ffi.cast("char *", source), size)


def read_bytes(address, size):
    """Copy `size` bytes of memory at `address` (code must be readable, as R+X is)."""
    return bytes(_ffi.buffer(_ffi.cast("char *", address), size))


def _round_up(value, granule):
    return (value + granule - 1) // granule * granule


# Plain classes, not dataclasses: cpjit.jit (and this module) are imported by the
# first compile, and each @dataclass costs ~0.3 ms of code generation there.
class _Mapping:
    """One mmap: a shared page of small traces, or the private pages of a big one."""

    def __init__(self, address, size, shared, head=0, live=0, sealed=False, dead=False):
        self.address = address
        self.size = size
        self.shared = shared
        self.head = head         # bump pointer (offset of the next free byte)
        self.live = live         # regions placed here and not freed
        self.sealed = sealed     # True once read+execute (never writable again)
        self.dead = dead         # every region freed: unmapped, or waiting to be

    def __repr__(self):
        return ("_Mapping(address=%#x, size=%d, shared=%r, head=%d, live=%d, sealed=%r, "
                "dead=%r)" % (self.address, self.size, self.shared, self.head, self.live,
                              self.sealed, self.dead))


class Region:
    """Code placed by an ExecutableMemory: `size` bytes at `address`, read+execute."""

    def __init__(self, address, size, mapping, owner, freed=False):
        self.address = address
        self.size = size
        self.mapping = mapping
        self.owner = owner
        self.freed = freed

    def __repr__(self):
        return "Region(address=%#x, size=%d, freed=%r)" % (self.address, self.size,
                                                            self.freed)

    def read(self):
        """The bytes as they are in memory now."""
        if self.freed:
            raise ValueError("region at %#x was freed" % self.address)
        return read_bytes(self.address, self.size)

    def free(self):
        """Give the bytes back; the page is unmapped once none of its regions is live."""
        self.owner.release(self)


class ExecutableMemory:
    """Allocator of W^X executable regions over page-sized mmaps (jit_alloc's role)."""

    def __init__(self, page_size=PAGE_SIZE):
        self.page_size = page_size
        self._lock = threading.RLock()
        self._open_pages = []        # shared pages with room left
        self._mappings = set()       # every mapping not yet unmapped
        self.deferred = []           # dead mappings to unmap when no code runs
        self.bytes_used = 0          # sum of live region sizes
        self._reserve = []           # [address, size] of mapped read+write pages not in use

    # ---- statistics -------------------------------------------------------------
    @property
    def bytes_mapped(self):
        """Bytes currently mapped by this allocator (deferred unmaps included)."""
        return sum(m.size for m in self._mappings)

    def mapping_count(self):
        return len(self._mappings)

    def mapped_ranges(self):
        """[(start, end)] of every mapping this allocator holds."""
        return sorted((m.address, m.address + m.size) for m in self._mappings)

    # ---- allocation ---------------------------------------------------------------
    def place(self, size, render):
        """Reserve `size` bytes, write `render(address)` there, seal it read+execute.

        `render` receives the final address (the code is position dependent) and
        returns at most `size` bytes (it may need less once it knows where it lands:
        relaxed GOT loads need no slot).  Returns the Region, sized to what was written.
        """
        if size <= 0:
            raise ValueError("cannot place %d bytes of code" % size)
        with self._lock:
            if size <= self.page_size:
                mapping, offset = self._shared_spot(size)
            else:
                mapping = _Mapping(self._fresh_pages(_round_up(size, self.page_size)),
                                   _round_up(size, self.page_size), shared=False)
                self._mappings.add(mapping)
                offset = 0
            address = mapping.address + offset
            try:
                data = bytes(render(address))
                if not 0 < len(data) <= size:
                    raise ValueError("rendered %d bytes for a %d-byte region" % (len(data), size))
                size = len(data)
                self._commit(mapping, offset, data)
            except BaseException:
                if not mapping.shared:
                    self._unmap_mapping(mapping)
                elif mapping.live == 0 and not mapping.sealed:
                    # a fresh page nobody uses: give it back at once
                    self._open_pages.remove(mapping)
                    self._unmap_mapping(mapping)
                raise
            mapping.head = max(mapping.head, _round_up(offset + size, ALIGNMENT))
            mapping.live += 1
            if mapping.shared and mapping.head >= mapping.size and mapping in self._open_pages:
                self._open_pages.remove(mapping)
            self.bytes_used += size
            return Region(address, size, mapping, self)

    def _shared_spot(self, size):
        for mapping in self._open_pages:
            if mapping.head + size <= mapping.size:
                return mapping, mapping.head
        mapping = _Mapping(self._fresh_pages(self.page_size), self.page_size,
                           shared=True)
        self._mappings.add(mapping)
        self._open_pages.append(mapping)
        return mapping, 0

    def _fresh_pages(self, size):
        """`size` bytes (whole pages) of zeroed read+write memory, from the reserve."""
        for span in self._reserve:
            if span[1] >= size:
                address = span[0]
                span[0] += size
                span[1] -= size
                if not span[1]:
                    self._reserve.remove(span)
                return address
        batch = max(size, RESERVE_PAGES * self.page_size)
        address = _map(batch, PROT_READ | PROT_WRITE, MAP_POPULATE)
        if batch > size:
            self._reserve.append([address + size, batch - size])
            if len(self._reserve) > 4:          # leftovers too small to be used: drop one
                self._reserve.sort(key=lambda span: span[1])
                small = self._reserve.pop(0)
                _unmap(small[0], small[1])
        return address

    def _release_reserve(self):
        reserve, self._reserve = self._reserve, []
        for address, size in reserve:
            _unmap(address, size)

    def _commit(self, mapping, offset, data):
        if not mapping.sealed:
            # Nobody can run code here yet: write in place, then seal.
            _write(mapping.address + offset, data)
            _protect(mapping.address, mapping.size, PROT_READ | PROT_EXEC)
            mapping.sealed = True
            return
        # Live code on this page: build the new page aside and swap it in atomically.
        staging = self._fresh_pages(mapping.size)
        try:
            _copy(staging, mapping.address, mapping.size)
            _write(staging + offset, data)
            _protect(staging, mapping.size, PROT_READ | PROT_EXEC)
            _move_over(staging, mapping.address, mapping.size)
        except BaseException:
            _unmap(staging, mapping.size)
            raise

    # ---- freeing --------------------------------------------------------------------
    def release(self, region):
        """Free a region (jit_free's role); idempotent."""
        with self._lock:
            if region.freed:
                return
            region.freed = True
            self.bytes_used -= region.size
            mapping = region.mapping
            mapping.live -= 1
            if mapping.live:
                return
            mapping.dead = True
            if mapping in self._open_pages:
                self._open_pages.remove(mapping)
            if ACTIVE_ENTRIES:
                self.deferred.append(mapping)
                if self not in PENDING:
                    PENDING.append(self)
            else:
                self._unmap_mapping(mapping)

    def _unmap_mapping(self, mapping):
        self._mappings.discard(mapping)
        _unmap(mapping.address, mapping.size)
        if not self._mappings:
            self._release_reserve()      # no code left: every page goes back to the OS

    def release_deferred(self):
        """Unmap what was freed while machine code was running (call when none is)."""
        with self._lock:
            if ACTIVE_ENTRIES:
                return
            deferred, self.deferred = self.deferred, []
            if self in PENDING:
                PENDING.remove(self)
            for mapping in deferred:
                self._unmap_mapping(mapping)

    @property
    def has_deferred(self):
        return bool(self.deferred)


# The process-wide allocator used by cpjit.jit.
memory = ExecutableMemory()
