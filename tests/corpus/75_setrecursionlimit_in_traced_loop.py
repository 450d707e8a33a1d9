"""sys.setrecursionlimit probed in a hot loop at several depths, then recursion up to
the new limit: machine code must see the recursion budget python has (a limit lowered
thanks to the JIT engine's headroom used to kill the process at the next exit)."""
import sys
def probe_limit():
    # The lowest recursion limit sys.setrecursionlimit accepts here (the current depth + 1).
    depth = 1
    while True:
        try:
            sys.setrecursionlimit(depth)
        except RecursionError:
            depth += 1
        else:
            return depth
def count_down(n):
    return 0 if n == 0 else 1 + count_down(n - 1)
def at_depth(k):
    if k:
        return at_depth(k - 1)
    old = sys.getrecursionlimit()
    base = probe_limit()
    sys.setrecursionlimit(old)
    results = []
    for extra in (5, 20, 40):
        sys.setrecursionlimit(base + extra)
        try:
            results.append(count_down(extra - 3))
        except RecursionError:
            results.append("RecursionError")
        sys.setrecursionlimit(old)
    return results
print(at_depth(0))
print(at_depth(30))
