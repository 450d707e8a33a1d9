# NameError/UnboundLocalError/AttributeError messages, including 3.11's suggestions.
import traceback

def show():
    print(traceback.format_exc().splitlines()[-1])

def local_typo():
    counter_value = 1
    try:
        return counter_valeu
    except NameError:
        show()
local_typo()
global_thing = 3
try:
    global_thng
except NameError:
    show()
try:
    lenn([])
except NameError:
    show()
class Obj:
    attribute_name = 1
try:
    Obj().atribute_name
except AttributeError:
    show()
try:
    import collections
    collections.OrderDict
except AttributeError:
    show()
def free_var():
    def inner():
        return captured
    try:
        inner()
    except NameError:
        show()
    captured = 1
free_var()
try:
    from math import sqr
except ImportError:
    show()
