# sys.exc_info() and sys.exception() in handlers, nested functions, and after handling.
import sys

def show(tag):
    t, v, tb = sys.exc_info()
    print(tag, t.__name__ if t else None, repr(v), tb is not None, repr(sys.exception()))

show("start")
try:
    raise ValueError("one")
except ValueError:
    show("in handler")
    try:
        raise KeyError("two")
    except KeyError:
        show("nested handler")
    show("back in outer")
show("after")
def handler_calls():
    try:
        1 / 0
    except ZeroDivisionError:
        helper()
def helper():
    show("helper sees")
handler_calls()
def gen():
    try:
        raise TypeError("in gen")
    except TypeError:
        yield sys.exc_info()[0].__name__
    yield sys.exc_info()[0]
print(list(gen()))
try:
    raise RuntimeError("outer")
except RuntimeError:
    def inner_func():
        return sys.exc_info()[1]
    print("inner func sees", repr(inner_func()))
try:
    raise IndexError("x")
except IndexError:
    pass
finally:
    show("finally")
def in_finally():
    try:
        raise OSError("f")
    finally:
        show("finally during propagation")
try:
    in_finally()
except OSError:
    pass
tb_info = None
try:
    [].pop()
except IndexError:
    tb_info = sys.exc_info()[2]
print(tb_info.tb_lineno, tb_info.tb_frame.f_code.co_name, tb_info.tb_next)
