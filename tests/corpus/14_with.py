# with statements: __enter__/__exit__, suppression, exceptions in __exit__, contextlib.
import contextlib

class CM:
    def __init__(self, name, suppress=False):
        self.name = name
        self.suppress = suppress
    def __enter__(self):
        print("enter", self.name)
        return self.name.upper()
    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None, ev)
        return self.suppress

with CM("a") as v:
    print("body", v)
with CM("b", suppress=True):
    raise ValueError("suppressed")
print("after b")
try:
    with CM("c"):
        raise KeyError("propagates")
except KeyError as e:
    print("caught", repr(e))
with CM("d") as x, CM("e") as y:
    print("two", x, y)

def early_return():
    with CM("f"):
        return "returned"
print(early_return())
for i in range(3):
    with CM("loop%d" % i):
        if i == 1:
            continue
        if i == 2:
            break

@contextlib.contextmanager
def managed(tag):
    print("setup", tag)
    try:
        yield tag * 2
    except ZeroDivisionError:
        print("handled in generator")
    finally:
        print("cleanup", tag)

with managed("m") as mm:
    print("inside", mm)
with managed("z"):
    1 / 0
with contextlib.suppress(IndexError):
    [][0]
print("suppress ok")
with contextlib.ExitStack() as stack:
    for n in range(3):
        stack.enter_context(CM("stack%d" % n))
    stack.callback(print, "callback")

class BadExit:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        raise RuntimeError("from __exit__")
try:
    with BadExit():
        raise ValueError("original")
except RuntimeError as e:
    print(repr(e), repr(e.__context__))
try:
    with 42:
        pass
except (TypeError, AttributeError) as e:
    print(type(e).__name__, e)
