# raise from, implicit chaining, suppress_context, formatted with the traceback module.
import traceback

def low():
    return {}["missing"]

def mid():
    try:
        low()
    except KeyError as e:
        raise ValueError("mid failed") from e

def top():
    try:
        mid()
    except ValueError:
        raise RuntimeError("top failed")

try:
    top()
except RuntimeError as e:
    print("".join(traceback.format_exception(e)))
    print(type(e.__context__).__name__, type(e.__context__.__cause__).__name__)

try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise TypeError("no context") from None
except TypeError as e:
    print(e.__suppress_context__, repr(e.__context__), e.__cause__)
    print("".join(traceback.format_exception(e)))

def in_finally():
    try:
        raise KeyError("first")
    finally:
        pass
try:
    in_finally()
except KeyError as e:
    print(traceback.format_exc())

def nested_calls(n):
    if n == 0:
        raise IndexError("bottom %d" % n)
    return nested_calls(n - 1) + 1
try:
    nested_calls(3)
except IndexError:
    print(traceback.format_exc())
tb_lines = []
try:
    x = [1, 2, 3]
    y = x[1] + x[10] * 2
except IndexError as e:
    for fs in traceback.extract_tb(e.__traceback__):
        tb_lines.append((fs.name, fs.lineno, fs.line))
print(tb_lines)
