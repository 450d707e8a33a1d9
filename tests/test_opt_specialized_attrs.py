"""Specialized attribute and global access in traces (cpjit/specialize_attrs.py,
stencils/uops/tier2_attrs.c): the uops test_opt.py-style, the values in both engines,
and staleness (class changes, new dicts, shadowed builtins) handled by guards."""

import pytest

from cpjit import optimizer
from cpjit.specialize_attrs import slot_offset, _assign_keys_version
from cpjit.interpreter import objlayout
from test_opt_helpers import call, first_executor, run_source, tier2, uop_names

SOURCE = """
class Slotted:
    __slots__ = ("x", "y")
    def __init__(self, x, y):
        self.x = x
        self.y = y

class Plain:
    def __init__(self, a, b):
        self.a = a
        self.b = b

STEP = 2

def slots(n):
    p = Slotted(1, 2)
    for i in range(n):
        p.x = p.x + p.y
    return p.x

def plain(n):
    o = Plain(1, 2)
    for i in range(n):
        o.a = o.a + o.b
    return o.a

def globals_and_builtins(n):
    total = 0
    for i in range(n):
        total += STEP + len("abcd")
    return total
"""

ENGINES = ["interp", "jit"]


def _engine_or_skip(mode):
    if mode == "jit" and optimizer._state.engine.name != "jit":
        pytest.skip("no stencil table: the JIT is not available here")


@pytest.mark.parametrize("mode", ENGINES)
@pytest.mark.parametrize("func, uops, expected", [
    ("slots", ["_GUARD_TYPE_VERSION", "_LOAD_ATTR_SLOT", "_STORE_ATTR_SLOT"], 1 + 2 * 100),
    ("plain", ["_GUARD_TYPE_VERSION", "_LOAD_ATTR_INSTANCE_VALUE",
               "_STORE_ATTR_INSTANCE_VALUE"], 1 + 2 * 100),
    ("globals_and_builtins", ["_LOAD_GLOBAL_MODULE", "_LOAD_GLOBAL_BUILTIN"], 6 * 100),
])
def test_specialized_uops_in_the_trace_and_exact_results(mode, func, uops, expected):
    with tier2(mode=mode, backedge=4):
        _engine_or_skip(mode)
        g = run_source(SOURCE)
        assert call(g[func], 100) == expected
        ex = first_executor(g[func])
        assert ex is not None
        names = uop_names(ex)
        for name in uops:
            assert name in names, (name, names)
        for generic in ("_LOAD_ATTR", "_STORE_ATTR", "_LOAD_GLOBAL"):
            assert generic not in names
        stats = optimizer.get_stats()
        assert stats["exits"]["deopt"] == 0, stats["deopt by uop"]


@pytest.mark.parametrize("mode", ENGINES)
def test_class_change_fails_the_type_guard_and_the_new_attribute_is_seen(mode):
    with tier2(mode=mode, backedge=4, side_exit=1000):
        _engine_or_skip(mode)
        g = run_source(SOURCE + """
def changing(n):
    o = Plain(1, 2)
    total = 0
    for i in range(n):
        total += o.b
        if i == 50:
            Plain.b = property(lambda self: 100)
    return total
""")
        assert call(g["changing"], 100) == 2 * 51 + 100 * 49
        stats = optimizer.get_stats()
        # the executor re-checks the class at entry (invalidated) or its guard fails
        assert stats["executors_invalidated"] >= 1 or \
            stats["side by uop"].get("_GUARD_TYPE_VERSION", 0) >= 1, stats


@pytest.mark.parametrize("mode", ENGINES)
def test_a_global_shadowing_a_builtin_is_seen_at_once(mode):
    with tier2(mode=mode, backedge=4, side_exit=1000):
        _engine_or_skip(mode)
        g = run_source("""
def shadowing(n):
    total = 0
    for i in range(n):
        total += len("ab")
        if i == 50:
            globals()["len"] = lambda s: 10
    return total
""")
        assert call(g["shadowing"], 100) == 2 * 51 + 10 * 49
        stats = optimizer.get_stats()
        assert stats["executors_invalidated"] >= 1 or \
            stats["deopt by uop"].get("_LOAD_GLOBAL_BUILTIN", 0) >= 1, stats


@pytest.mark.parametrize("mode", ENGINES)
def test_a_replaced_instance_dict_deopts_and_reads_the_new_one(mode):
    with tier2(mode=mode, backedge=4, side_exit=1000):
        _engine_or_skip(mode)
        g = run_source(SOURCE + """
def replaced(n):
    o = Plain(1, 2)
    total = 0
    for i in range(n):
        total += o.b
        if i == 50:
            o.__dict__ = {"b": 7, "a": 0}
    return total
""")
        assert call(g["replaced"], 100) == 2 * 51 + 7 * 49


def test_slot_offset_reads_the_member_definition():
    class S:
        __slots__ = ("first", "second")
    first, second = slot_offset(S.first, False), slot_offset(S.second, False)
    assert first and second and second - first == 8
    assert slot_offset(property(lambda s: 1), False) is None
    # a read-only member (type's __dict__ members such as int.real are getsets; use
    # a builtin member descriptor: function.__globals__ is READONLY)
    import types
    descr = types.FunctionType.__dict__["__globals__"]
    assert type(descr) is types.MemberDescriptorType
    assert slot_offset(descr, True) is None


def test_keys_version_is_assigned_once_and_zeroed_by_a_new_key():
    d = {"a": 1}
    version = _assign_keys_version(d)
    assert version >= 0xC0000000
    assert _assign_keys_version(d) == version
    d["a"] = 2                           # rebinding keeps the keys
    assert objlayout.dict_keys_version(d) == version
    d["b"] = 3                           # a new key: CPython zeroes dk_version
    assert objlayout.dict_keys_version(d) == 0


@pytest.mark.parametrize("mode", ENGINES)
def test_shadowing_inside_the_running_trace_is_caught_by_the_guard(mode):
    """The global is added by a dict store in the loop body itself (no branch, no exit
    before the next iteration): the executor is invalidated at once (the optimizer's
    watch on globals) or _LOAD_GLOBAL_BUILTIN's keys-version guard deopts."""
    with tier2(mode=mode, backedge=4, side_exit=1000):
        _engine_or_skip(mode)
        g = run_source("""
def shadowing_in_trace(n):
    g = globals()
    keys = ["pad"] * n
    keys[n // 2] = "len"
    vals = [0] * n
    vals[n // 2] = lambda s: 10
    g["pad"] = 0
    total = 0
    for i in range(n):
        total += len("ab")
        g[keys[i]] = vals[i]
    return total
""")
        assert call(g["shadowing_in_trace"], 100) == 2 * 51 + 10 * 49
        stats = optimizer.get_stats()
        assert stats["executors_invalidated"] >= 1 or \
            stats["deopt by uop"].get("_LOAD_GLOBAL_BUILTIN", 0) >= 1, stats
