# Recursion through functions that contain hot loops, to the recursion limit: the
# RecursionError must come at CPython's depth, with CPython's message, whichever tier
# (tier 1, a tier-2 trace in the reference interpreter or in machine code) is running
# the loop when the limit is reached. The last one is not caught: the traceback, with
# its "[Previous line repeated N more times]", must be CPython's too.
#
# (Loop lengths matter: with tier 2 off and a back-edge threshold of 1, tier 1 alone
# raises one level early if a back-edge counter fires in the deepest frame, as
# _hot_backedge's call of the no-op optimizer and restart_backoff get no headroom. With
# 25 iterations in dive() the second measure hits that; 24 does not.)
import sys

sys.setrecursionlimit(250)


def leaf(n):
    return n + 1


def step(n):
    return leaf(n)


depth = 0


def dive(n):
    """A loop with inlinable calls, then the recursive call after it."""
    global depth
    depth += 1
    t = 0
    for i in range(24):
        t = step(t)
    return dive(n + 1) + t


def dive_in_loop(n):
    """The recursive call made from inside the loop (the trace exits to tier 1 for it)."""
    global depth
    depth += 1
    t = 0
    for i in range(25):
        t = step(t)
        if i == 24:
            t += dive_in_loop(n + 1)
    return t


def dive_while(n):
    """A while loop with list work and a handled exception in its body."""
    global depth
    depth += 1
    items = []
    k = 0
    while k < 20:
        try:
            items.append(k * 2)
        except IndexError:
            pass
        k += 1
    return dive_while(n + 1) + len(items)


class Walker:
    def __init__(self):
        self.depth = 0

    def walk(self, n):
        """Recursion through a bound method whose loop reads and writes attributes."""
        self.depth += 1
        total = 0
        for i in range(15):
            total += self.depth & i
        return self.walk(n + 1) + total


def measure(fn):
    global depth
    depth = 0
    try:
        fn(0)
    except RecursionError as e:
        print(fn.__name__, "RecursionError:", e, "at depth", depth)


for fn in (dive, dive_in_loop, dive_while):
    measure(fn)
    measure(fn)        # again, now that the loops have executors

w = Walker()
try:
    w.walk(0)
except RecursionError as e:
    print("walk RecursionError:", e, "at depth", w.depth)


def bounded(n):
    """Deep but within the limit: every level returns normally."""
    t = 0
    for i in range(10):
        t = step(t)
    if n == 0:
        return t
    return bounded(n - 1) + t


print("bounded", bounded(200))

# Recursing again after the errors: the recursion count must be back where it was.
measure(dive)

# Uncaught: the program ends with CPython's traceback and exit status.
bounded(400)
