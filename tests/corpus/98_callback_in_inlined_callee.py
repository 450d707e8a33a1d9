"""A callback that a builtin calls from inside a function the trace inlined reads the
frames above it: the inlined callee's name, line and locals, then its caller's."""

import sys


def where(x):
    f = sys._getframe(1)
    return (f.f_code.co_name, f.f_lineno, sorted(f.f_locals), f.f_back.f_code.co_name,
            f.f_back.f_lineno)


def helper(i):
    local = i * 2
    return list(map(where, [local]))[0]


def loop():
    out = []
    for i in range(400):
        out.append(helper(i))
    return out


def inner(j):
    return sorted([j], key=lambda v: where(v)[:2])[0] + len(where(j)[2])


def middle(j):
    k = inner(j) + 1
    return k


def loop2():
    total = 0
    for j in range(300):
        total += middle(j)
    return total


r = loop()
print(r[0], r[200], r[-1])
print(loop2())
