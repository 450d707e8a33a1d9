"""Recursion counts of Python code that an *operation* in tier-1 code calls.

``a < b``, ``a + b``, ``a[k]``, ``k in a``, ``if a:``, ``for x in a``, ``f"{a}"``,
``with a:``, attribute hooks and properties, unpacking... reach a dunder method (or a
property, a generator's frame) through C code. Tier 1's handlers run one level above
CPython's frame (ceval._SLACK) and give it back around such operations
(ceval._giving_back_twin, prof.may_call_python): the callee must see CPython's count.

Each case runs a recursive function ``rec`` whose every level performs the operation,
whose dunder recurses natively (``deep``), natively and in tier 1 (``rec`` has a loop, so
both policies take it; with "all", tier 1 also takes what ``rec`` calls directly). The
depth ``rec`` reached, how far the last ``deep`` got and the RecursionError's message
must be python's: one level more or less anywhere changes one of them. A second test
measures, call after call, the room a dunder has below it (as corpus 80 does).
"""

import sys

import pytest

from cpjit import config
from cpjit.interpreter import run_function
from _interp_util import ROOM_PROBE

_CLASSES = '''
import sys
reached = [0]
def deep(n):
    reached[0] = n
    return 0 if n == 0 else 1 + deep(n - 1)
class L:
    def __init__(self, k):
        self.k = k
    def __lt__(self, o): return deep(self.k // 3) < 0
    def __eq__(self, o): return deep(self.k // 3) < 0
    def __hash__(self): return 1
    def __add__(self, o): return deep(self.k // 3)
    def __iadd__(self, o): deep(self.k // 3); return self
    def __neg__(self): return deep(self.k // 3)
    def __getitem__(self, i): return deep(self.k // 3)
    def __setitem__(self, i, v): deep(self.k // 3)
    def __delitem__(self, i): deep(self.k // 3)
    def __contains__(self, x): return deep(self.k // 3) < 0
    def __bool__(self): return deep(self.k // 3) < 0
    def __len__(self): return deep(self.k // 3)
    def __iter__(self): deep(self.k // 3); return iter((1, 2))
    def __call__(self): return deep(self.k // 3)
    def __format__(self, spec): deep(self.k // 3); return ""
    def __str__(self): deep(self.k // 3); return ""
    def __repr__(self): deep(self.k // 3); return ""
    def __enter__(self): deep(self.k // 3); return self
    def __exit__(self, *a): deep(self.k // 3); return False
    def __getattr__(self, name): return deep(self.k // 3)
    def __delattr__(self, name): deep(self.k // 3)
    def __index__(self): return deep(self.k // 3) * 0
    def meth(self): return deep(self.k // 3)
    @property
    def prop(self): return deep(self.k // 3)
    @prop.setter
    def prop(self, v): deep(self.k // 3)
class Stepper:
    def __init__(self, k):
        self.k = k
        self.left = 1
    def __iter__(self): return self
    def __next__(self):
        deep(self.k // 3)
        if self.left:
            self.left -= 1
            return 1
        raise StopIteration
def gen(k):
    deep(k // 3)
    yield 1
class Raising:
    def __init__(self, k):
        self.k = k
    def __exit__(self, *a): deep(self.k // 3); return True
    def __enter__(self): return self
class M:
    def __init__(self, k): self.k = k
    def keys(self): deep(self.k // 3); return ["a"]
    def __getitem__(self, key): deep(self.k // 3); return 1
def kw(**kw): return kw
class H:
    def __init__(self, k): self.k = k
    def __hash__(self): return deep(self.k // 3)
    def __eq__(self, o): return deep(self.k // 3) < 0
'''

# name -> statement run at every level of rec (o = L(k), o2 = L(k))
OPERATIONS = {
    "lt": "o < 1",
    "eq_store": "x = o == 1",
    "if_lt_fused": "if o < 1: pass",
    "if_lt_const_fused": "if o < x1: pass",
    "add": "o + 1",
    "add_store_fused": "x = o + 1",
    "iadd_fused": "x = o; x += 1",
    "neg": "-o",
    "getitem": "o[1]",
    "setitem": "o[1] = 2",
    "delitem": "del o[1]",
    "contains": "1 in o",
    "in_list": "o in [o2]",
    "not_in_tuple": "o not in (o2,)",
    "bool_if": "if o: pass",
    "bool_not": "not o",
    "bool_and": "o and 1",
    "bool_or": "o or 1",
    "while_bool": "while o: pass",
    "for_iter": "for _ in o: pass",
    "for_next": "for _ in Stepper(k): pass",
    "for_generator": "for _ in gen(k): pass",
    "fstring": "f'{o}'",
    "fstring_spec": "f'{o:>3}'",
    "fstring_str": "f'{o!s}'",
    "fstring_repr": "f'{o!r}'",
    "fstring_list": "f'{[o]}'",
    "subscript_dict_key": "d = {}; d[H(k)] = 1",
    "in_dict_hash": "H(k) in {}",
    "build_map_hash": "x = {H(k): 1}",
    "build_set_hash": "x = {H(k)}",
    "dict_unpack_hash": "x = {**{H(k): 1}}",
    "dict_comprehension_hash": "x = {H(k): 1 for _ in (1,)}",
    "call_with_mapping": "kw(**M(k))",
    "call_with_dict": "kw(**{'a': o})",
    "with": "with o: pass",
    "with_exit_on_error": "with Raising(k): raise ValueError",
    "getattr_hook": "o.zz",
    "property": "o.prop",
    "property_set": "o.prop = 1",
    "delattr": "del o.zz",
    "index": "[1][o]",
    "unpack": "a, b = o",
    "unpack_ex": "*a, = o",
    "list_lt": "[o] < [o2]",
    "tuple_eq": "(o,) == (o2,)",
    "call_instance": "o()",
    "call_method": "o.meth()",
}


def _program(statement):
    src = _CLASSES + (
        "x1 = 1\n"
        "def rec(k, out):\n"
        "    out[0] = k\n"
        "    o = L(k)\n"
        "    o2 = L(k)\n"
        "    for i in range(2):\n"
        "        %s\n"
        "    return rec(k + 1, out)\n" % statement)
    namespace = {}
    exec(compile(src, "<operators>", "exec"), namespace)
    return namespace


def _limit(namespace, runner):
    out = [0]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(150)
    message = None
    try:
        try:
            if runner is None:
                namespace["rec"](0, out)
            else:
                runner(namespace["rec"], (0, out))
        except RecursionError as e:
            message = str(e)
    finally:
        sys.setrecursionlimit(old)
    return out[0], namespace["reached"][0], message


@pytest.fixture(params=["loops", "all"])
def policy(request):
    """Tier 1's policy for the test (the runs compared are made at the same host depth:
    the recursion limit counts the test's own frames too)."""
    old = config.current.tier1
    config.current.tier1 = request.param
    yield request.param
    config.current.tier1 = old


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_recursion_limit_depth_through_operations(name, policy):
    """RecursionError comes at the same depth, with the same message, as in python."""
    expected = _limit(_program(OPERATIONS[name]), None)
    got = _limit(_program(OPERATIONS[name]), run_function)
    assert got == expected


_ROOM = _CLASSES + ROOM_PROBE + '''
seen = []
def deep(n):
    seen.append(room())
    return 0
x1 = 1
def site(o, o2, k):
    for i in range(1):
        %s
def calls():
    for i in range(12):
        o = L(20)
        o2 = L(20)
        site(o, o2, 20)
    return seen
'''


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_room_of_callee_call_after_call(name, policy):
    """The room below a dunder, on each of 12 executions of the operation (the site is
    quickened, specialized, switched to its giving-back twin on the way)."""
    def measure(runner):
        namespace = {}
        exec(compile(_ROOM % OPERATIONS[name], "<room>", "exec"), namespace)
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(200)
        try:
            return runner(namespace["calls"]) if runner else namespace["calls"]()
        finally:
            sys.setrecursionlimit(old)

    expected = measure(None)
    got = measure(run_function)
    assert got == expected


def test_builtin_operand_sites_keep_the_plain_handlers():
    """Sites whose operands are builtins never switch to a giving-back twin (the fast
    paths stay as they were); a site that sees a Python class switches, once."""
    from cpjit.interpreter import ceval
    from cpjit.interpreter.profile import get_code_info

    src = (
        "class P:\n"
        "    def __add__(self, o): return 1\n"
        "def f(a, b):\n"
        "    for i in range(1):\n"
        "        x = a + b\n"
        "    return x\n")
    namespace = {}
    exec(compile(src, "<plain>", "exec"), namespace)
    f = namespace["f"]
    for _ in range(3):
        run_function(f, (1, 2))
    dispatch = get_code_info(f.__code__).dispatch
    handlers = {h for h, _, _ in dispatch}
    assert not handlers & set(ceval._GIVING_BACK.values())
    info = get_code_info(f.__code__)
    add_offset = next(i.offset for i in __import__("dis").get_instructions(f)
                      if i.opname == "BINARY_OP")
    assert not ceval.operation_can_call_python(info, add_offset)
    assert run_function(f, (namespace["P"](), 2)) == 1
    twins = [h for h, _, _ in dispatch if h in set(ceval._GIVING_BACK.values())]
    assert len(twins) == 2        # the fused statement and the BINARY_OP's own entry
    assert ceval.operation_can_call_python(info, add_offset)


_RAISING = ROOM_PROBE + '''
class R:
    def __lt__(self, o): raise ValueError
    def __getitem__(self, i): raise KeyError(i)
    def __iter__(self): raise TypeError
    @property
    def prop(self): raise AttributeError("prop")
def calls():
    seen = []
    r = R()
    for i in range(10):
        try:
            if r < 1: pass
        except ValueError:
            pass
        try:
            x = r[i]
        except KeyError:
            pass
        try:
            for _ in r: pass
        except TypeError:
            pass
        try:
            x = r.prop
        except AttributeError:
            pass
        seen.append(room())
    return seen
'''


def test_level_comes_back_when_the_callee_raises(policy):
    """An exception leaving a dunder (while the handler's level is given back) leaves the
    count as CPython's: the room afterwards is python's, iteration after iteration."""
    def measure(runner):
        namespace = {}
        exec(compile(_RAISING, "<raising>", "exec"), namespace)
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(200)
        try:
            return runner(namespace["calls"]) if runner else namespace["calls"]()
        finally:
            sys.setrecursionlimit(old)

    expected = measure(None)
    assert measure(run_function) == expected
