"""Recursion that reaches the limit in a function tier 1 runs, with a builtin call at every
level before the recursive call: in the deepest frame CPython's generic call checks the
limit at the builtin (RecursionError on that line), while a specialized form of a quickened
site (list.append as a statement, len, isinstance, divmod, str, dict.get, ...) does not
(RecursionError at the recursive call instead). Run with limits a few frames above the
current depth, so that the code is quickened before, at, or after the deepest frame."""
import sys


def lowest_limit():
    depth = 1
    while True:
        try:
            sys.setrecursionlimit(depth)
        except RecursionError:
            depth += 1
        else:
            return depth


CALLS = {
    "append_statement": "acc.append(k)",
    "append_expression": "x = acc.append(k)",
    "len": "len(acc)",
    "isinstance": "isinstance(k, int)",
    "type": "type(k)",
    "str": "str(k)",
    "tuple": "tuple(acc)",
    "abs": "abs(k)",
    "divmod": "divmod(k, 3)",
    "min": "min(k, 3)",
    "sorted_key": "sorted(acc, key=abs)",
    "count": "acc.count(0)",
    "dict_get": "d.get(k)",
    "copy": "acc.copy()",
    "list_class": "list(acc)",
}

TEMPLATE = """
def rec_{name}(k, acc, d, reached):
    reached[0] = k
    for _ in ONCE:
        {call}
    return rec_{name}(k + 1, acc, d, reached)
"""

ONCE = (0,)    # (not range(1): making a range compares, which checks the limit)
for name, call in CALLS.items():
    exec(TEMPLATE.format(name=name, call=call))

old = sys.getrecursionlimit()
base = lowest_limit()
sys.setrecursionlimit(old)

for name in CALLS:
    rec = globals()["rec_" + name]
    results = []
    for headroom in (6, 9, 12, 30, 9):
        reached = [None]
        sys.setrecursionlimit(base + headroom)
        try:
            rec(0, [], {}, reached)
        except RecursionError as e:
            tb = e.__traceback__
            while tb.tb_next is not None:
                tb = tb.tb_next
            line = tb.tb_lineno
        sys.setrecursionlimit(old)
        results.append((reached[0], line))
    print("%-18s" % name, results)
