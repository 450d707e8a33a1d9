"""RecursionError through dunder methods, properties and generators that operations call:
a recursive function performs the operation at every level and the callee recurses
further (natively), so the depth the recursion reaches, how far the callee's own
recursion got and the message all depend on the exact count the callee runs at."""
import sys

reached = [0]


def deep(n):
    reached[0] = n
    return 0 if n == 0 else 1 + deep(n - 1)


class V:
    def __init__(self, k):
        self.k = k
    def __lt__(self, o): return deep(self.k // 3) < 0
    def __add__(self, o): return deep(self.k // 3)
    def __getitem__(self, i): return deep(self.k // 3)
    def __contains__(self, x): return deep(self.k // 3) < 0
    def __bool__(self): return deep(self.k // 3) < 0
    def __iter__(self): deep(self.k // 3); return iter((1, 2))
    def __format__(self, spec): deep(self.k // 3); return "v"
    def __enter__(self): deep(self.k // 3); return self
    def __exit__(self, *a): return False
    def __getattr__(self, name): return deep(self.k // 3)
    def __eq__(self, o): return deep(self.k // 3) < 0
    __hash__ = object.__hash__
    @property
    def size(self): return deep(self.k // 3)


def countdown(k):
    deep(k // 3)
    yield 1


OPERATIONS = {
    "compare": "if v < 1: pass",
    "add": "t = v + 1",
    "subscript": "v[0]",
    "contains": "t = 1 in v",
    "truth": "if v: pass",
    "iterate": "for _ in v: pass",
    "generator": "for _ in countdown(k): pass",
    "format": "t = f'{v:>4}'",
    "with": "with v: pass",
    "getattr": "t = v.missing",
    "property": "t = v.size",
    "unpack": "a, b = v",
    "list_eq": "t = [v] == [w]",
}

TEMPLATE = """
def rec_{name}(k, out):
    out[0] = k
    v = V(k)
    w = V(k)
    for _ in (0, 1):
        {op}
    return rec_{name}(k + 1, out)
"""

for name, op in OPERATIONS.items():
    exec(TEMPLATE.format(name=name, op=op))

sys.setrecursionlimit(130)
for name in OPERATIONS:
    out = [0]
    reached[0] = -1
    try:
        globals()["rec_" + name](0, out)
        message = "no error"
    except RecursionError as e:
        message = str(e)
    print("%-10s depth %3d  callee reached %3d  %s" % (name, out[0], reached[0], message))
