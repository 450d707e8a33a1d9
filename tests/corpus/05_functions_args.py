# Positional-only, keyword-only, defaults, *args/**kwargs, CALL_FUNCTION_EX, KW_NAMES, decorators.
import functools

def f(a, b=2, /, c=3, *args, d, e=5, **kw):
    return (a, b, c, args, d, e, sorted(kw.items()))

print(f(1, d=4))
print(f(1, 2, 3, 4, 5, d=6, z=7, y=8))
print(f(*[1, 2], **{"d": 0, "c": 9}))
args = (10, 20, 30, 40)
kwargs = {"d": "D", "e": "E", "extra": 1}
print(f(*args, **kwargs))
for bad in [lambda: f(), lambda: f(1, 2), lambda: f(1, d=1, c=2, **{"c": 3}), lambda: f(a=1, d=2)]:
    try:
        bad()
    except TypeError as ex:
        print("TypeError:", ex)

def deco(tag):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*a, **k):
            return tag + ":" + str(fn(*a, **k))
        return inner
    return wrap

@deco("X")
@deco("Y")
def g(x, y=1):
    """doc of g"""
    return x + y

print(g(1), g(2, y=3), g.__name__, g.__doc__, g.__wrapped__.__name__)
def defaults(x, acc=[]):
    acc.append(x)
    return acc
print(defaults(1), defaults(2), defaults.__defaults__)
def kwonly(*, a, b=2):
    return a, b
print(kwonly(a=1), kwonly(b=3, a=4), kwonly.__kwdefaults__)
def count_calls(n):
    if n == 0:
        return 0
    return 1 + count_calls(n - 1)
print(count_calls(50))
print(max(3, 1, 2, key=lambda v: -v), sorted([3, 1, 2], reverse=True), list(map(lambda p, q: p * q, [1, 2], [3, 4])))
p = functools.partial(f, 1, 2, d=3)
print(p(4, 5))
print((lambda *a, **k: (a, k))(1, 2, x=3))
def annotated(x: int, y: "str" = "s") -> list:
    return [x, y]
print(annotated(1), annotated.__annotations__)
