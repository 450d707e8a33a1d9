"""Attribute stores on instances of a class with its own __setattr__ inside a hot loop
whose receiver changes type: the store must always go through __setattr__ (CPython
3.11 never specializes STORE_ATTR for such a class), also in a side trace made after the
loop has seen a plain class at the same site."""


class Doubler:
    def __setattr__(self, name, value):
        object.__setattr__(self, name, value * 2)


class SlottedDoubler:
    __slots__ = ("val",)

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value * 2)


def store_then_load(n, other_kind):
    acc = 0
    big = 1

    class Plain:                  # a new class on every call
        def __init__(self):
            self.val = 1

    po = Plain()
    for i in range(n):
        big = big * 3 + i - (1 << 65)     # side exits: big leaves the small-int range
        if i == 1:
            po = other_kind()
        po.val = i
        acc += po.val
    return acc


for kind in (Doubler, SlottedDoubler):
    print(kind.__name__, store_then_load(150, kind), store_then_load(150, kind),
          store_then_load(150, kind))
