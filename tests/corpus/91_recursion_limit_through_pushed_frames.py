# Recursion to the limit through calls a trace pushes a frame for and then leaves
# (a recursive call: _PUSH_FRAME + _EXIT_TRACE; a callee made anew on every call:
# _PUSH_FRAME + _DYNAMIC_EXIT), after hot loops have made traces for them.  The
# RecursionError must come at CPython's depth; the last one is not caught, so its
# traceback ("[Previous line repeated N more times]") must be CPython's too.
import sys

sys.setrecursionlimit(400)
depth = 0


def down(n):
    global depth
    depth += 1
    if n == 0:
        return 0
    return down(n - 1) + 1


def warm(n):
    t = 0
    for i in range(n):
        t += down(30 + i % 5)
    return t


print(warm(400))
depth = 0
try:
    down(10 ** 6)
except RecursionError as e:
    print("RecursionError", e, depth)


def loop_then_dive(n):
    global depth
    t = 0
    for i in range(n):
        depth = 0
        try:
            t += down(10 ** 6)
        except RecursionError:
            t += depth
    return t


print(loop_then_dive(40))


def dyn_down(n):
    global depth
    depth += 1
    step = lambda k: dyn_down(k)
    if n == 0:
        return 0
    return step(n - 1) + 1


def dyn_warm(n):
    t = 0
    for i in range(n):
        t += dyn_down(10 + i % 4)
    return t


print(dyn_warm(400))
for attempt in range(3):
    depth = 0
    try:
        dyn_down(10 ** 6)
    except RecursionError as e:
        print("RecursionError", e, depth)

depth = 0
down(10 ** 6)
