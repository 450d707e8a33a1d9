"""Recursion room of a Python dunder method that an operation in tier-1 code calls
(comparison, arithmetic, subscription, `in`, truth test, iteration, instance call,
f-string formatting, `with`, __getattr__, property, __index__, unpacking): CPython's
count at the callee, call after call (the calling code quickens on the way).
Tier 1's handlers run one level above CPython's frame and give it back around operations
that can call Python code (docs/tier1.md, "Recursion counts of operations that call
Python code"); tier-2 traces do not yet (strict xfails in the tier-2 modes)."""
import sys
sys.setrecursionlimit(160)
def room():
    n = 0
    def dive():
        nonlocal n
        n += 1
        dive()
    try:
        dive()
    except RecursionError:
        pass
    return n
seen = []
class P:
    def __lt__(self, o): seen.append(room()); return False
    def __eq__(self, o): seen.append(room()); return False
    def __hash__(self): return 1
    def __add__(self, o): seen.append(room()); return 0
    def __iadd__(self, o): seen.append(room()); return self
    def __neg__(self): seen.append(room()); return 0
    def __getitem__(self, k): seen.append(room()); return 0
    def __setitem__(self, k, v): seen.append(room())
    def __contains__(self, k): seen.append(room()); return False
    def __bool__(self): seen.append(room()); return True
    def __iter__(self): seen.append(room()); return iter(())
    def __call__(self, *a): seen.append(room()); return 0
    def __format__(self, spec): seen.append(room()); return ""
    def __str__(self): seen.append(room()); return ""
    def __enter__(self): seen.append(room()); return self
    def __exit__(self, *a): return False
    def __getattr__(self, name): seen.append(room()); return 0
    def __index__(self): seen.append(room()); return 0
class Q:
    @property
    def prop(self): seen.append(room()); return 0
p = P(); p2 = P(); q = Q()
OPS = {
  "lt": "p < 1", "eq": "p == 1", "add": "p + 1", "iadd": "x = p; x += 1", "neg": "-p",
  "getitem": "p[1]", "setitem": "p[1] = 2", "contains": "1 in p", "bool": "if p: pass",
  "for": "for _ in p: pass", "call": "p()", "fstring": "f'{p}'", "fstr": "f'{p!s}'",
  "with": "with p: pass", "getattr": "p.zz", "prop": "q.prop", "index": "[1][p]",
"unpack": "*a, = p", "list_lt": "[p] < [p2]",
}
SITE = """
def site_{name}():
    for _ in ONCE:
        {op}
"""
ONCE = (0,)
for name, op in OPS.items():
    exec(SITE.format(name=name, op=op))
for name in OPS:
    site = globals()["site_" + name]
    seen.clear()
    for i in range(12):
        site()
    print("%-10s" % name, seen[:12])
