# Calls that a trace pushes a frame for but does not follow (tier 2's _PUSH_FRAME then
# _EXIT_TRACE or _DYNAMIC_EXIT): recursive calls from hot loops, a callee made anew on
# every iteration (the profile cannot keep it), a call site whose callee changes, a
# function whose __code__ is reassigned mid-loop; errors raised inside such callees.
# Output and tracebacks must be CPython's in every mode.


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def fact_loop(n):
    t = 0
    for i in range(n):
        t += fact(12 + i % 3)
    return t


print(fact_loop(2000))


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fib_loop(n):
    return [fib(k % 15) for k in range(n)][-5:]


print(fib_loop(600))


def closures(n):
    t = 0
    for i in range(n):
        g = lambda v: v * 2 + i
        t += g(i)
    return t


print(closures(3000))


def one(x):
    return x + 1


def two(x):
    return x * 3


def three(x):
    return x - 7


def phases(n):
    """One callee for a while, then another: the inlined call's guard fails."""
    t = 0
    f = one
    for i in range(n):
        if i == n // 3:
            f = two
        if i == 2 * n // 3:
            f = three
        t += f(i)
    return t


print(phases(3000))


def before(x):
    return x + 100


def after(x):
    return x - 100


def code_swap(n):
    t = 0
    for i in range(n):
        t += before(i)
        if i == 500:
            before.__code__ = after.__code__
    return t


print(code_swap(2000))


def countdown(n):
    if n == 0:
        raise ValueError("bottom reached")
    return countdown(n - 1) + 1


def recursion_raises(n):
    caught = 0
    for i in range(n):
        try:
            countdown(i % 20)
        except ValueError as e:
            caught += len(str(e))
    return caught


print(recursion_raises(1500))


def dyn_raises(n):
    t = 0
    for i in range(n):
        h = lambda v: 1000 // (v - 2500)
        try:
            t += h(i)
        except ZeroDivisionError as e:
            print("caught", type(e).__name__, e, i)
    return t


print(dyn_raises(3000))


def make_divider(k):
    return lambda v: v // k


def last_dyn(n):
    t = 0
    for i in range(n):
        d = make_divider(n - 1 - i)
        t += d(i)
    return t


print(last_dyn(3000))
