"""How much recursion room a Python callback has when a builtin calls it from a function
tier 1 runs, call after call: CPython 3.11 quickens the calling code after a few calls and
then calls some builtins through specialized forms that skip a recursion check, so the
room grows by one from then on for sorted(key=), len(), str(), isinstance(), iter(),
dict.get(), list.sort(), sum(), print(), but not for min(key=), repr(), hash(), map(),
functools.reduce, str.join, list(), classes or keyword calls of method descriptors."""
import functools
import sys

sys.setrecursionlimit(160)


def room():
    """Python frames that still fit on top of the caller."""
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


def cb(*args):
    seen.append(room())
    return 0


class Probe:
    def __len__(self):
        return cb()

    def __str__(self):
        cb()
        return "p"

    def __repr__(self):
        cb()
        return "p"

    def __hash__(self):
        return cb()

    def __eq__(self, other):
        return cb() != 0

    def __lt__(self, other):
        return cb() != 0

    def __iter__(self):
        cb()
        return iter(())

    def __getattr__(self, name):
        return cb()


class Meta(type):
    def __instancecheck__(cls, obj):
        return cb() != 0


class Checked(metaclass=Meta):
    pass


class Built:
    def __init__(self, x):
        cb()


class Sink:
    def write(self, s):
        cb()


P = Probe()
SINK = Sink()


def gen():
    cb()
    yield "x"


def numbers():
    cb()
    yield 1


CALLS = {
    "sorted_key": "sorted([1], key=cb)",
    "min_key": "min([1], key=cb)",
    "max_iter": "max(gen())",
    "len": "len(P)",
    "str": "str(P)",
    "repr": "repr(P)",
    "hash": "hash(P)",
    "isinstance": "isinstance(1, Checked)",
    "iter": "iter(P)",
    "getattr": "getattr(P, 'zz')",
    "dict_get": "{}.get(P)",
    "dict_get_bound": "d_get(P)",
    "list_count": "[P].count(0)",
    "list_sort": "[P, P].sort()",
    "list_sort_key": "[1].sort(key=cb)",
    "sum_gen": "sum(numbers())",
    "any_gen": "any(gen())",
    "join_gen": "''.join(gen())",
    "map": "list(map(cb, [1]))",
    "reduce": "functools.reduce(cb, [1, 2])",
    "list_class": "list(P)",
    "tuple_class": "tuple(P)",
    "python_class": "Built(1)",
    "print_kw": "print(P, end='', file=SINK)",
}

SITE = """
def site_{name}(d_get):
    for _ in range(1):
        {call}
"""

for name, call in CALLS.items():
    exec(SITE.format(name=name, call=call))

for name in CALLS:
    site = globals()["site_" + name]
    seen.clear()
    for i in range(12):
        site({}.get)
    base = seen[0]
    print("%-15s" % name, [r - base for r in seen])
