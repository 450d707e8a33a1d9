# sys._getframe, inspect.currentframe, f_back chains, f_code, f_lineno, f_locals, f_globals.
import sys
import inspect

def names_up_the_stack():
    names = []
    f = sys._getframe()
    while f is not None:
        names.append((f.f_code.co_name, f.f_lineno))
        f = f.f_back
    return names

def caller():
    return names_up_the_stack()

print(caller())
def who_called_me():
    return sys._getframe(1).f_code.co_name

def some_function():
    return who_called_me()
print(some_function())
def with_locals(a, b=2):
    c = a + b
    frame = inspect.currentframe()
    return sorted(frame.f_locals.items(), key=lambda kv: kv[0] if kv[0] != "frame" else "~")[:3]
print(with_locals(1))
def globals_check():
    return sys._getframe().f_globals is globals(), sys._getframe(0).f_code is globals_check.__code__
print(globals_check())
def line_numbers():
    f = sys._getframe()
    first = f.f_lineno
    x = 1
    second = f.f_lineno
    return second - first
print(line_numbers())
print(__name__, sys._getframe().f_code.co_name, sys._getframe().f_back)
def stack_info():
    return [(fi.function, fi.lineno) for fi in inspect.stack()]
def stack_outer():
    for _ in range(2):
        pass
    return stack_info()
print(stack_outer())
try:
    sys._getframe(50)
except ValueError as e:
    print("ValueError:", e)
def loop_frame():
    seen = []
    for i in range(3):
        seen.append(sys._getframe().f_lineno)
    return seen
print(loop_frame())
class K:
    where = sys._getframe().f_code.co_name
    back = sys._getframe().f_back.f_code.co_name
print(K.where, K.back)
print(inspect.getframeinfo(inspect.currentframe()).lineno)
def gen_frame():
    yield sys._getframe().f_back.f_code.co_name
print(next(gen_frame()))
