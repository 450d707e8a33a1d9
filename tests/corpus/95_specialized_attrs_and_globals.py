"""Attribute and global loads/stores that tier 2 specializes (__slots__, instance
values, module globals, builtins), and every way the specialization can go stale inside
a hot loop: the class changes, an attribute is deleted or added, a global is rebound or
deleted, a builtin is shadowed by a global and unshadowed, the instance dict is replaced."""

import builtins


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y


class Plain:
    def __init__(self, a, b):
        self.a = a
        self.b = b


SCALE = 2


def slots_loop(n):
    p = Slotted(1, 2)
    total = 0
    for i in range(n):
        p.x = p.x + p.y
        total += p.x % 7
        if i == n // 2:
            del p.y                      # an empty slot: AttributeError below
    return total


def instance_loop(n):
    objs = [Plain(i, i + 1) for i in range(4)]
    total = 0
    for i in range(n):
        o = objs[i % 4]
        o.a = o.a + o.b * SCALE
        total += o.a % 11
        if i == n // 3:
            Plain.b = property(lambda self: -1)    # the class changes: a data descriptor
        if i == n // 2:
            del Plain.b
            objs[1].__dict__ = {"a": 5, "b": 6}     # a new dict, not the shared keys
        if i == 2 * n // 3:
            objs[2].c = 9                           # a new attribute on one instance
    return total, [vars(o) for o in objs]


def globals_loop(n):
    global SCALE
    total = 0
    for i in range(n):
        total += SCALE + len("abc") + abs(-i)
        if i == n // 4:
            SCALE = 3                    # rebinding a global read by the trace
        if i == n // 2:
            globals()["len"] = lambda s: 100      # a global shadows the builtin
        if i == 3 * n // 4:
            del globals()["len"]                  # and is gone again
    return total


def builtin_replaced(n):
    total = 0
    original = builtins.abs
    try:
        for i in range(n):
            total += abs(-i)
            if i == n // 2:
                builtins.abs = lambda v: 0        # the builtin itself is rebound
    finally:
        builtins.abs = original
    return total


def missing_global(n):
    total = 0
    for i in range(n):
        total += i
        if i == n - 5:
            globals().pop("VANISHING", None)
        total += VANISHING
    return total


VANISHING = 1

try:
    print(slots_loop(400))
except AttributeError as e:
    print("AttributeError:", e)
print(instance_loop(400))
print(globals_loop(400))
print(builtin_replaced(400))
try:
    print(missing_global(400))
except NameError as e:
    print("NameError:", e)
