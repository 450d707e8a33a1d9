"""Executable memory: W^X at every step (/proc/self/maps), page sharing, unmapping."""

import ctypes
import struct

import pytest

from cpjit import jit_memory
from cpjit.jit_memory import ACTIVE_ENTRIES, ExecutableMemory


def maps():
    """[(start, end, perms)] of every mapping of this process."""
    result = []
    with open("/proc/self/maps") as f:
        for line in f:
            span, perms = line.split()[:2]
            start, end = (int(x, 16) for x in span.split("-"))
            result.append((start, end, perms))
    return result


def perms_at(address):
    for start, end, perms in maps():
        if start <= address < end:
            return perms
    return None


def assert_no_writable_executable_mapping():
    bad = [(hex(s), hex(e), p) for s, e, p in maps() if "w" in p and "x" in p]
    assert not bad, bad


def returner(value):
    """mov eax, value ; ret"""
    return b"\xb8" + struct.pack("<I", value) + b"\xc3"


def call(address):
    return ctypes.PYFUNCTYPE(ctypes.c_int)(address)()


def test_written_read_write_then_sealed_read_execute():
    m = ExecutableMemory()
    seen = []

    def render(address):
        seen.append(perms_at(address))
        assert_no_writable_executable_mapping()
        return returner(7) + bytes(58)

    region = m.place(64, render)
    assert seen == ["rw-p"]
    assert perms_at(region.address) == "r-xp"
    assert_no_writable_executable_mapping()
    assert call(region.address) == 7
    region.free()


def test_small_traces_share_a_page_and_live_code_is_never_made_writable():
    m = ExecutableMemory()
    first = m.place(100, lambda a: returner(1) + bytes(94))
    page = first.address
    during = []

    def render(address):
        # the page with live code stays read+execute while the next trace is written
        during.append(perms_at(page))
        assert_no_writable_executable_mapping()
        return returner(2) + bytes(194)

    second = m.place(200, render)
    assert during == ["r-xp"]
    assert second.address // m.page_size == page // m.page_size     # same page
    assert second.address - first.address == 128                      # 64-byte aligned
    assert m.mapping_count() == 1
    assert (m.bytes_used, m.bytes_mapped) == (300, m.page_size)
    assert (call(first.address), call(second.address)) == (1, 2)
    assert first.read()[:6] == returner(1)
    assert_no_writable_executable_mapping()
    first.free()
    assert m.mapping_count() == 1 and call(second.address) == 2
    second.free()
    assert m.mapping_count() == 0 and m.bytes_mapped == 0 and m.bytes_used == 0


def test_page_full_opens_another_and_big_trace_gets_its_own_mapping():
    m = ExecutableMemory()
    regions = [m.place(1000, lambda a, i=i: returner(i) + bytes(994)) for i in range(5)]
    assert m.mapping_count() == 2         # 4 x 1024 per page, then a second page
    big = m.place(3 * m.page_size + 5, lambda a: returner(99) + bytes(3 * m.page_size - 1))
    assert big.mapping.size == 4 * m.page_size
    assert m.mapping_count() == 3
    assert [call(r.address) for r in regions] == [0, 1, 2, 3, 4]
    assert call(big.address) == 99
    assert m.bytes_used == 5000 + 3 * m.page_size + 5
    for r in regions + [big]:
        r.free()
    assert m.mapping_count() == 0


def test_memory_returned_to_the_os_mapping_count_back_to_start():
    def anonymous_executable():
        return sorted((s, e) for s, e, p in maps() if "x" in p)

    def count_not_heap():
        # Python's allocator may map or unmap read+write arenas at any time; every
        # other mapping (and every one this allocator makes once sealed) is counted.
        return sum(1 for s, e, p in maps() if p != "rw-p")

    before_count = count_not_heap()
    before_exec = anonymous_executable()
    m = ExecutableMemory()
    regions = [m.place(size, lambda a, size=size: returner(size) + bytes(size - 6))
               for size in (64, 700, 3000, 5000, 9000, 64)]
    ranges = m.mapped_ranges()
    assert len(anonymous_executable()) > len(before_exec)
    for r in regions:
        r.free()
        r.free()                           # idempotent
    assert m.mapping_count() == 0
    for start, end in ranges:
        assert perms_at(start) is None     # really unmapped
    assert anonymous_executable() == before_exec
    assert count_not_heap() == before_count


def test_unmap_deferred_while_machine_code_runs():
    m = ExecutableMemory()
    region = m.place(64, lambda a: returner(3) + bytes(58))
    ACTIVE_ENTRIES.append(None)
    try:
        region.free()
        assert m.has_deferred and perms_at(region.address) == "r-xp"
        m.release_deferred()                # still running: nothing happens
        assert perms_at(region.address) == "r-xp"
    finally:
        ACTIVE_ENTRIES.pop()
    m.release_deferred()
    assert not m.has_deferred and perms_at(region.address) is None
    assert m.bytes_mapped == 0


def test_render_failure_gives_the_page_back():
    m = ExecutableMemory()

    def broken(address):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        m.place(64, broken)
    with pytest.raises(ValueError, match="rendered"):
        m.place(64, lambda a: bytes(65))      # more than reserved
    with pytest.raises(ValueError, match="rendered"):
        m.place(64, lambda a: b"")
    with pytest.raises(RuntimeError):
        m.place(3 * m.page_size, broken)
    assert m.mapping_count() == 0


def test_render_may_use_less_than_reserved():
    m = ExecutableMemory()
    region = m.place(256, lambda a: returner(5))
    assert region.size == 6 and m.bytes_used == 6
    after = m.place(64, lambda a: returner(6) + bytes(58))
    assert after.address == region.address + 64        # the unused tail is reused
    assert (call(region.address), call(after.address)) == (5, 6)
    region.free()
    after.free()


def test_read_of_freed_region_refused():
    m = ExecutableMemory()
    region = m.place(64, lambda a: returner(1) + bytes(58))
    region.free()
    with pytest.raises(ValueError):
        region.read()
    with pytest.raises(ValueError):
        m.place(0, lambda a: b"")


def test_process_allocator_statistics():
    from cpjit import jit
    stats = jit.memory_stats()
    assert set(stats) == {"bytes_used", "bytes_mapped", "mappings"}
    assert stats["bytes_used"] <= stats["bytes_mapped"]
    assert jit_memory.memory.bytes_mapped == sum(e - s for s, e in jit_memory.memory.mapped_ranges())


def test_fresh_pages_come_from_a_read_write_reserve_given_back_with_the_code():
    m = ExecutableMemory()
    first = m.place(5000, lambda a: returner(1) + bytes(4994))       # maps a batch
    assert m._reserve, "the batch's other pages are kept for the next traces"
    spare, spare_size = m._reserve[0]
    assert perms_at(spare) == "rw-p"                                # never executable
    second = m.place(5000, lambda a: returner(2) + bytes(4994))
    assert second.address == spare                                  # no new mmap
    small = [m.place(300, lambda a, i=i: returner(i)) for i in range(3)]   # staging copies
    assert [call(r.address) for r in small] == [0, 1, 2]
    assert (call(first.address), call(second.address)) == (1, 2)
    assert_no_writable_executable_mapping()
    reserve = list(m._reserve)
    for region in [first, second] + small:
        region.free()
    assert m._reserve == [] and m.mapping_count() == 0
    for address, size in reserve:
        assert perms_at(address) is None                            # unmapped too
