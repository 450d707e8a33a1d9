"""Recursion to the limit inside key functions that C code calls back, from a function
with a loop: python raises RecursionError at the same depth whichever C function
(sorted, min, map) calls the key; so must cpjit."""
import sys

sys.setrecursionlimit(200)


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


depth = 0


def via(kind, k):
    global depth
    depth += 1
    for i in range(3):
        if kind == "sorted":
            sorted([3, 1], key=lambda v: deep(k // 4))
        elif kind == "map":
            list(map(lambda v: deep(k // 4), [1]))
        elif kind == "direct":
            (lambda v: deep(k // 4))(1)
        elif kind == "min":
            min([3, 1], key=lambda v: deep(k // 4))
    return via(kind, k + 1)


for kind in ("direct", "sorted", "map", "min"):
    depth = 0
    try:
        via(kind, 0)
    except RecursionError as e:
        print(kind, "RecursionError at depth", depth, e)
