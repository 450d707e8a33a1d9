# The traceback module looking at the live stack: format_stack, extract_stack, print_stack.
import traceback
import sys

def level3():
    stack = traceback.extract_stack()
    print([(fs.name, fs.lineno, fs.line) for fs in stack])
    print("".join(traceback.format_stack(limit=2)))
    traceback.print_stack(file=sys.stdout)

def level2():
    for i in range(1):
        level3()

def level1():
    level2()

level1()
def catch_and_print():
    try:
        level_fail()
    except Exception:
        traceback.print_exc(file=sys.stdout)
        traceback.print_exc()
def level_fail():
    d = {"a": [1, 2]}
    return d["a"][5]
catch_and_print()
try:
    catch_and_print.__code__.co_code[10000]
except IndexError as e:
    print(traceback.format_exception_only(e))
