"""Tier 1's emulation of 3.11's quickening and PRECALL specialization (profile.PrecallSite).

A native call from tier-1 code gives one recursion level back exactly when CPython 3.11
would run a specialized PRECALL form that skips the recursion check. These tests check the
emulation against CPython itself: the same call sequence is run natively (its real inline
cache is read from ``code._co_code_adaptive``) and through the emulation, step by step.
They also check the depth of RecursionError through tier 1 against python's.
"""

import dis
import functools
import random
import sys
import types

import pytest

from cpjit.interpreter import objlayout
from cpjit.interpreter import profile as prof
from cpjit.interpreter import run_function


def _precall_offset(code):
    for ins in dis.get_instructions(code):
        if ins.opname == "PRECALL":
            return ins.offset
    raise AssertionError("no PRECALL")


def _real_state(code, offset):
    """(opname, counter) of CPython's own cache for the PRECALL at ``offset``."""
    raw = code._co_code_adaptive
    return dis._all_opname[raw[offset]], raw[offset + 2] | (raw[offset + 3] << 8)


def _make_site(source):
    namespace = {}
    exec(compile(source, "<site>", "exec"), namespace)
    return namespace["site"]


class _Listish(list):
    pass


class _Dictish(dict):
    pass


class _WithMethods:
    def append(self, x):
        return x

    def get(self, x):
        return x

    def copy(self):
        return self


def _bound_builtin_holder():
    return types.SimpleNamespace(append=len, get=abs, copy=list)


# (source of a function with one PRECALL, pool of argument tuples,
#  function giving (callable, is_meth, args, kwnames) as CPython's PRECALL sees them)
def _plain(fn, a):
    return fn, False, [a], None


def _plain2(fn, a):
    return fn, False, [a, int], None


def _keyword(fn, a):
    return fn, False, [a, None], ("key",)


def _method(o, a):
    attr = type(o).__dict__.get("append") if not isinstance(o, types.SimpleNamespace) else None
    for klass in type(o).__mro__:
        if "append" in klass.__dict__:
            attr = klass.__dict__["append"]
            break
    if isinstance(attr, (types.FunctionType, types.MethodDescriptorType)):
        return attr, True, [o, a], None
    return o.append, False, [a], None


def _method_get(o, a):
    for klass in type(o).__mro__:
        if "get" in klass.__dict__ and not isinstance(o, types.SimpleNamespace):
            attr = klass.__dict__["get"]
            if isinstance(attr, (types.FunctionType, types.MethodDescriptorType)):
                return attr, True, [o, a], None
    return o.get, False, [a], None


def _method_noargs(o, a):
    for klass in type(o).__mro__:
        if "copy" in klass.__dict__ and not isinstance(o, types.SimpleNamespace):
            attr = klass.__dict__["copy"]
            if isinstance(attr, (types.FunctionType, types.MethodDescriptorType)):
                return attr, True, [o], None
    return o.copy, False, [], None


def _py(x, y=None):
    return x


_CALLABLES_1 = [len, abs, sorted, min, max, str, type, tuple, list, dict.fromkeys, iter,
                repr, _py, functools.partial(_py), object, int, _Listish, bool,
                [].count, "".join, isinstance, getattr, hash, types.MethodType(_py, 1)]

SHAPES = {
    "call_one_arg": ("def site(fn, a):\n    return fn(a)\n", _CALLABLES_1, _plain),
    "call_two_args": ("def site(fn, a):\n    return fn(a, int)\n",
                      [isinstance, getattr, divmod, _py, len, sorted, max, hasattr,
                       dict.fromkeys, slice, range], _plain2),
    "call_keyword": ("def site(fn, a):\n    return fn(a, key=None)\n",
                     [sorted, min, max, _py, dict, str, list, print], _keyword),
    "method_statement": ("def site(o, a):\n    o.append(a)\n",
                         [[], _Listish(), _WithMethods(), _bound_builtin_holder(),
                          bytearray()], _method),
    "method_expression": ("def site(o, a):\n    return o.append(a)\n",
                          [[], _Listish(), _WithMethods(), bytearray()], _method),
    "method_fast": ("def site(o, a):\n    return o.get(a)\n",
                    [{}, _Dictish(), _WithMethods(), _bound_builtin_holder()], _method_get),
    "method_noargs": ("def site(o, a):\n    return o.copy()\n",
                      [[], {}, _Listish(), _WithMethods(), set(), _bound_builtin_holder()],
                      _method_noargs),
}


def _run_site(site, first, a):
    try:
        site(first, a)
    except Exception:
        pass


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_emulated_precall_cache_matches_cpython(shape, seed):
    """A random sequence of callables through one call site: after every call the
    emulated PRECALL (form and 16-bit counter) equals CPython's real inline cache."""
    source, pool, view = SHAPES[shape]
    site = _make_site(source)
    code = site.__code__
    offset = _precall_offset(code)
    pop_after = _pop_after(code, offset)
    oparg = code.co_code[offset + 1]
    pc = prof.PrecallSite(oparg, pop_after=pop_after)
    warmup = objlayout.code_warmup(code)
    assert warmup == -prof.QUICKENING_WARMUP_DELAY
    rng = random.Random(seed)
    # runs of the same callable (so that specializations, misses and deopts happen)
    sequence = []
    while len(sequence) < 400:
        sequence += [rng.choice(pool)] * rng.choice([1, 2, 5, 40, 60])
    for step, first in enumerate(sequence):
        a = [3, 1] if shape.startswith("call") else 7
        callable_, is_meth, args, kwnames = view(first, a)
        if shape.startswith("call"):
            callable_ = first
        # the native run: RESUME (warm-up), then the PRECALL
        warmup += 1 if warmup else 0
        if warmup == 0 and pc.form == "PRECALL":
            pc.quicken()
        prof.precall(pc, callable_, is_meth, args, kwnames)
        _run_site(site, first, a)
        real = _real_state(code, offset)
        assert (pc.opname, pc.counter) == real, (step, first, sequence[max(0, step - 3):step])


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_tier1_call_sites_match_cpython(shape):
    """The same, through tier 1's own CALL (fast paths, LOAD_METHOD views): a site run by
    tier 1 and its twin run natively have the same PRECALL cache after every call."""
    from cpjit.interpreter import ceval
    source, pool, view = SHAPES[shape]
    native = _make_site(source)
    guest = _make_site(source)
    offset = _precall_offset(native.__code__)
    rng = random.Random(7)
    sequence = []
    while len(sequence) < 300:
        sequence += [rng.choice(pool)] * rng.choice([1, 2, 5, 40, 60])
    info = None
    for step, first in enumerate(sequence):
        a = [3, 1] if shape.startswith("call") else 7
        _run_site(native, first, a)
        try:
            run_function(guest, (first, a))
        except Exception:
            pass
        if info is None:
            info = ceval.code_info(guest.__code__)
        pc = info.precall_sites[offset + 4]
        assert (pc.opname, pc.counter) == _real_state(native.__code__, offset), (
            step, first, sequence[max(0, step - 3):step])


def _pop_after(code, offset):
    # PRECALL, its cache, CALL, 4 caches, then the next instruction
    return dis._all_opname[code.co_code[offset + 14]] == "POP_TOP"


def test_check_free_forms_are_the_ones_without_recursion_check():
    """What a callee sees of the recursion count, before and after the site specializes:
    one level more exactly for the CHECK_FREE forms (measured natively)."""
    cell = objlayout.recursion_remaining_cell()
    seen = []

    class Probe:
        def __len__(self):
            seen.append(cell.value)
            return 0

        def __str__(self):
            seen.append(cell.value)
            return ""

        def __repr__(self):
            seen.append(cell.value)
            return ""

        def __hash__(self):
            seen.append(cell.value)
            return 0

        def __eq__(self, other):
            seen.append(cell.value)
            return False

        def __lt__(self, other):
            seen.append(cell.value)
            return False

        def __iter__(self):
            seen.append(cell.value)
            return iter(())

    p = Probe()

    def key(v):
        seen.append(cell.value)
        return 0

    cases = {
        "PRECALL_BUILTIN_FAST_WITH_KEYWORDS": ("sorted([1], key=key)", True),
        "PRECALL_NO_KW_LEN": ("len(p)", True),
        "PRECALL_NO_KW_STR_1": ("str(p)", True),
        "PRECALL_NO_KW_BUILTIN_FAST": ("iter(p)", True),
        "PRECALL_NO_KW_BUILTIN_O": ("repr(p)", False),
        "PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST": ("d.get(p)", True),
        "PRECALL_NO_KW_METHOD_DESCRIPTOR_O": ("l.count(0)", False),
        "PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS": ("l2.sort()", True),
    }
    for form, (expr, check_free) in cases.items():
        assert (form in prof.CHECK_FREE) == check_free, form
        src = "def site(p, key, d, l, l2):\n    return %s\n" % expr
        site = _make_site(src)
        depths = []
        for _ in range(10):
            seen.clear()
            base = cell.value
            site(p, key, {}, [p], [p, p])
            depths.append(base - seen[0])
        # calls 1-7 generic; the 8th quickens the code and specializes the site
        assert len(set(depths[:7])) == 1 and len(set(depths[7:])) == 1, (form, depths)
        assert depths[0] - depths[-1] == (1 if check_free else 0), (form, depths)
        assert _real_state(site.__code__, _precall_offset(site.__code__))[0] == form


# --- RecursionError depth through tier 1 -----------------------------------------------

def _depth_program(call_expr):
    """A recursive function whose every level makes the call ``call_expr`` (which runs
    ``deep`` natively); the depth at which RecursionError comes."""
    src = (
        "import sys\n"
        "reached = [0]\n"
        "def deep(n):\n"
        "    reached[0] = n\n"
        "    return 0 if n == 0 else 1 + deep(n - 1)\n"
        "def rec(k, out):\n"
        "    out[0] = k\n"
        "    for i in range(2):\n"
        "        %s\n"
        "    return rec(k + 1, out)\n" % call_expr)
    namespace = {}
    exec(compile(src, "<depth>", "exec"), namespace)
    return namespace


_DEPTH_CALLS = {
    "sorted_key": "sorted([3, 1], key=lambda v: deep(k // 4))",
    "min_key": "min([3, 1], key=lambda v: deep(k // 4))",
    "len_dunder": "len(L(k))",
    "str_dunder": "str(L(k))",
    "isinstance_meta": "isinstance(1, M(k))",
    "list_sort_nokw": "[L(k), L(k)].sort()",
    "dict_get_hash": "{}.get(L(k))",
    "map_list": "list(map(lambda v: deep(k // 4), [1]))",
}


def _limit_depth(namespace, runner):
    out = [0]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(150)
    try:
        try:
            if runner is None:
                namespace["rec"](0, out)      # (no frame between: run_function adds none)
            else:
                runner(namespace["rec"], (0, out))
        except RecursionError:
            pass
    finally:
        sys.setrecursionlimit(old)
    # the recursion depth of rec, and how far the last chain of deep() got: one level
    # more or less anywhere changes one of them
    return out[0], namespace["reached"][0]


_HELPERS = '''
class L:
    def __init__(self, k):
        self.k = k
    def __len__(self):
        return deep(self.k // 4)
    def __str__(self):
        deep(self.k // 4)
        return ""
    def __hash__(self):
        return deep(self.k // 4)
    def __lt__(self, other):
        return deep(self.k // 4) < 0
def M(k):
    class Meta(type):
        def __instancecheck__(cls, x):
            return deep(k // 4) < 0
    return Meta("C", (), {})
'''


@pytest.mark.parametrize("name", sorted(_DEPTH_CALLS))
def test_recursion_limit_depth_through_native_calls(name):
    """RecursionError comes at the same depth in tier 1 as natively (tier 1 takes
    ``rec``: it has a loop; the call's callees run natively)."""
    native = _depth_program(_DEPTH_CALLS[name])
    exec(_HELPERS, native)
    tier1 = _depth_program(_DEPTH_CALLS[name])
    exec(_HELPERS, tier1)
    expected = _limit_depth(native, None)
    got = _limit_depth(tier1, run_function)
    assert got == expected


def test_tier2_interface_steps_the_same_emulation():
    """ceval.warmup_tick / native_call_slack (for back edges and calls a trace runs)."""
    from cpjit.interpreter import ceval
    from cpjit.interpreter.frame import NULL

    site = _make_site("def site(fn, a):\n    return fn(a, key=None)\n")
    info = ceval.code_info(site.__code__)
    call_offset = _precall_offset(site.__code__) + 4
    frame = types.SimpleNamespace(info=info, rcell=None)
    assert ceval.native_call_slack(frame, call_offset, sorted, NULL, [[1], None],
                                   ("key",)) == 1          # not quickened: generic
    for _ in range(prof.QUICKENING_WARMUP_DELAY):
        ceval.warmup_tick(info)
    assert info.warmup == 0
    assert ceval.native_call_slack(frame, call_offset, sorted, NULL, [[1], None],
                                   ("key",)) == 0          # PRECALL_BUILTIN_FAST_WITH_KEYWORDS
    assert info.precall_sites[call_offset].opname == "PRECALL_BUILTIN_FAST_WITH_KEYWORDS"
    assert ceval.native_call_slack(frame, call_offset, min, NULL, [[1], None],
                                   ("key",)) == 1          # a miss
    assert info.precall_sites[call_offset].counter == prof.MISS_COUNTER_START - 1
