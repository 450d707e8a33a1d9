# Calls to functions with default arguments from hot loops (3.11's
# CALL_PY_WITH_DEFAULTS, inlined by tier 2): defaults filled in the callee's frame,
# __defaults__ replaced mid-loop (more, fewer, none), a mutable default, errors
# raised in the callee with a default argument, and a call that becomes invalid.


def h(x, y=1, z=2):
    return x + y * z


def defaults_loop(n):
    total = 0
    for i in range(n):
        if i == 1000:
            h.__defaults__ = (50, 3)
        if i == 1500:
            h.__defaults__ = (7, 8)
        total += h(i) + h(i, 5) + h(i, 1, 1)
    return total


print(defaults_loop(2000))


def remember(a, seen=[]):
    seen.append(a)
    return len(seen)


def mutable_default(n):
    t = 0
    for i in range(n):
        t += remember(i)
    return t


print(mutable_default(500))


class Box:
    def __init__(self, v):
        self.v = v

    def get(self, scale=2, offset=0):
        return self.v * scale + offset


def method_defaults(n):
    b = Box(3)
    t = 0
    for i in range(n):
        t += b.get() + b.get(i) + b.get(1, i)
    return t


print(method_defaults(1500))


def divide(a, b=1):
    return a // b


def error_in_callee(n):
    t = 0
    for i in range(n):
        if i == 300:
            divide.__defaults__ = (0,)
        try:
            t += divide(i)
        except ZeroDivisionError as e:
            print("caught", e, i)
            divide.__defaults__ = (3,)
    return t


print(error_in_callee(400))


def becomes_required(n):
    t = 0
    for i in range(n):
        if i == n - 1:
            h.__defaults__ = (7,)
        t += h(i)
    return t


print(becomes_required(300))
