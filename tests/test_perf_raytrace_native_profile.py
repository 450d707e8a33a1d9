"""Functions tier 1 never ran (loop-free callees run natively) are inlined with the forms
CPython specialized them to (cpjit/opt_native_profile.py), not as generic uops:
raytrace's ``Vec.dot``, ``Vec.__sub__``, ... became ``_LOAD_ATTR`` / ``_BINARY_OP`` C
calls before.  Structural assertions on the executors; the results are checked against
plain Python, also when the guards fail.
"""

import pytest

from cpjit import config as _config
from cpjit import optimizer
from cpjit.opt_native_profile import native_entry
from test_opt_helpers import call, first_executor, run_source, tier2, uop_names

SOURCE = """
    class Vec:
        __slots__ = ("x", "y")

        def __init__(self, x, y):
            self.x, self.y = x, y

        def dot(self, o):
            return self.x * o.x + self.y * o.y


    class Point:
        def __init__(self, x, y):
            self.x, self.y = x, y

        def dot(self, o):
            return self.x * o.x + self.y * o.y


    def loop(a, b, n):
        t = 0.0
        for i in range(n):
            t += a.dot(b)
        return t
"""


@pytest.fixture(params=["interp", "jit"])
def engine(request):
    if request.param == "jit":
        with tier2(mode="jit"):
            if optimizer._state.engine.name != "jit":
                pytest.skip("no stencil table: the JIT is not available here")
    return request.param


def _quickened_natively(g):
    """Run ``Vec.dot`` natively (CPython specializes it), as a loop-free callee is."""
    v = g["Vec"](1.5, 2.5)
    for _ in range(200):
        v.dot(v)


def _offsets(code, opname):
    import dis
    return [(i.offset, i.arg) for i in dis.get_instructions(code) if i.opname == opname]


def test_native_entry_reads_cpythons_cache():
    g = run_source(SOURCE)
    dot = g["Vec"].dot
    load_attrs = _offsets(dot.__code__, "LOAD_ATTR")
    offset, arg = load_attrs[0]
    assert native_entry(dot.__code__, dot, offset, arg) is None    # not quickened yet
    _quickened_natively(g)
    entry = native_entry(dot.__code__, dot, offset, arg)
    assert entry["form"] == "LOAD_ATTR_SLOT" and entry["type"] is g["Vec"]
    assert entry["descr"] is g["Vec"].__dict__["x"]
    offset, arg = _offsets(dot.__code__, "BINARY_OP")[0]
    assert native_entry(dot.__code__, dot, offset, arg) == {"form": "BINARY_OP_MULTIPLY_FLOAT"}
    # Instance values: the form and the class (the projection finds the index).
    point_dot = g["Point"].dot
    p = g["Point"](1.0, 2.0)
    for _ in range(200):
        p.dot(p)
    offset, arg = _offsets(point_dot.__code__, "LOAD_ATTR")[0]
    entry = native_entry(point_dot.__code__, point_dot, offset, arg)
    assert entry["form"] == "LOAD_ATTR_INSTANCE_VALUE" and entry["type"] is g["Point"]
    # A class the function's globals do not name: no entry (the load stays generic).
    local = run_source("""
        def make():
            class Hidden:
                def __init__(self):
                    self.x = 1.0

                def get(self):
                    return self.x
            return Hidden()
    """)["make"]()
    for _ in range(200):
        local.get()
    get = type(local).get
    offset, arg = _offsets(get.__code__, "LOAD_ATTR")[0]
    assert _native_form(get.__code__, offset) == "LOAD_ATTR_INSTANCE_VALUE"
    assert native_entry(get.__code__, get, offset, arg) is None


def _native_form(code, offset):
    import dis
    return dis._all_opname[code._co_code_adaptive[offset]]


def test_inlined_native_callee_gets_specialized_uops(engine):
    with tier2(mode=engine):
        _config.current.tier1 = "loops"
        g = run_source(SOURCE)
        _quickened_natively(g)
        a, b = g["Vec"](1.5, 2.5), g["Vec"](0.5, -1.0)
        assert call(g["loop"], a, b, 300) == sum(a.dot(b) for _ in range(300))
        names = uop_names(first_executor(g["loop"]))
        assert "_CHECK_FUNCTION_EXACT_ARGS" in names          # Vec.dot inlined
        assert names.count("_LOAD_ATTR_SLOT") == 4, names
        assert "_BINARY_OP_MULTIPLY_FLOAT" in names and "_LOAD_ATTR" not in names
        assert optimizer.get_stats()["native_profile_used"] >= 6
        # The guards hold the trace to what CPython saw: other types still compute
        # what Python computes (ints fail _GUARD_BOTH_FLOAT, a Point fails the type
        # version guard... after the call guard, which a Vec's dot passes).
        ints = g["Vec"](3, 4)
        assert call(g["loop"], ints, ints, 300) == 300 * 25
        assert call(g["loop"], a, g["Point"](2.0, 2.0), 300) == sum(
            1.5 * 2.0 + 2.5 * 2.0 for _ in range(300))
