"""Instruction bounds swept once are read back from disk (cpjit.jit_plan_bounds_cache):
same starts, no capstone sweep, and a damaged file is only a cache miss."""

import pytest

from cpjit import jit_plan_bounds_cache as bounds_cache
from cpjit import jit_relocations

# mov rax, [rip+0]; call [rip+0]; ret; lea rcx, [rax+rbx*4+8]
CODE = bytes.fromhex("488b0500000000" "ff1500000000" "c3" "488d4c9808")
STARTS = (0, 7, 13, 14, 19)


@pytest.fixture
def cache_file(tmp_path, monkeypatch):
    path = tmp_path / "bounds.marshal"
    monkeypatch.setattr(bounds_cache, "_path", str(path))
    monkeypatch.setattr(bounds_cache, "_entries", None)
    jit_relocations.instruction_starts.cache_clear()
    yield path
    jit_relocations.instruction_starts.cache_clear()


def forget_this_process(monkeypatch):
    """As a new process would start: nothing in memory, only the file."""
    monkeypatch.setattr(bounds_cache, "_entries", None)
    jit_relocations.instruction_starts.cache_clear()


def refuse_sweeps(monkeypatch):
    def sweep(code):
        raise AssertionError("swept again instead of reading the cache")
    monkeypatch.setattr(jit_relocations, "_sweep", sweep)


def test_a_sweep_is_read_back_without_sweeping(cache_file, monkeypatch):
    assert bounds_cache.lookup(CODE) is bounds_cache.MISSING
    assert jit_relocations.instruction_starts(CODE) == STARTS     # swept with capstone
    assert cache_file.exists()
    forget_this_process(monkeypatch)
    refuse_sweeps(monkeypatch)
    assert jit_relocations.instruction_starts(CODE) == STARTS
    assert jit_relocations.instruction_at(CODE, 9) == (7, 6)


def test_a_failed_sweep_is_remembered_as_none(cache_file, monkeypatch):
    undecodable = b"\x0f\xff\xff\xff"
    bounds_cache.store(undecodable, None)
    forget_this_process(monkeypatch)
    refuse_sweeps(monkeypatch)
    assert jit_relocations.instruction_starts(undecodable) is None


def test_entries_of_other_processes_are_kept(cache_file, monkeypatch):
    bounds_cache.store(CODE, STARTS)
    forget_this_process(monkeypatch)
    other = b"\xc3\xc3"
    bounds_cache.store(other, (0, 1, 2))        # a second process adds one
    forget_this_process(monkeypatch)
    assert bounds_cache.lookup(CODE) == STARTS
    assert bounds_cache.lookup(other) == (0, 1, 2)


def test_a_damaged_file_or_entry_is_a_miss(cache_file, monkeypatch):
    cache_file.write_bytes(b"\x00not marshal")
    assert bounds_cache.lookup(CODE) is bounds_cache.MISSING
    assert jit_relocations.instruction_starts(CODE) == STARTS    # swept, file rewritten
    forget_this_process(monkeypatch)
    assert bounds_cache.lookup(CODE) == STARTS
    # lengths that do not add up to the code's size are not trusted
    bounds_cache._entries[bounds_cache._key(CODE)] = b"\x07\x06"
    assert bounds_cache.lookup(CODE) is bounds_cache.MISSING


def test_an_unwritable_cache_still_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds_cache, "_path", str(tmp_path / "missing-dir" / "bounds"))
    monkeypatch.setattr(bounds_cache, "_entries", None)
    bounds_cache.store(CODE, STARTS)
    assert bounds_cache.lookup(CODE) == STARTS


def test_the_file_keeps_at_most_max_entries(cache_file, monkeypatch):
    monkeypatch.setattr(bounds_cache, "MAX_ENTRIES", 2)
    codes = [b"\xc3" * n for n in range(1, 5)]
    for code in codes:
        bounds_cache.store(code, tuple(range(len(code) + 1)))
    forget_this_process(monkeypatch)
    assert [bounds_cache.lookup(code) is bounds_cache.MISSING for code in codes] == [
        True, True, False, False]
