# PRINT_EXPR (via "single" mode), DELETE_*, global/nonlocal statements, assert, chained ops.
import sys

exec(compile("1 + 1", "<single>", "single"))
exec(compile("'text'", "<single>", "single"))
exec(compile("None", "<single>", "single"))
def hook(value):
    print("displayhook got", repr(value))
sys.displayhook = hook
exec(compile("[1, 2]", "<single>", "single"))
sys.displayhook = sys.__displayhook__
gvar = 1
del gvar
try:
    gvar
except NameError as e:
    print("NameError:", e)
def dels():
    a = 1
    b = [1, 2, 3]
    c = {"k": 1}
    del a, b[0], c["k"]
    try:
        return a
    except UnboundLocalError as e:
        return str(e), b, c
print(dels())
class K:
    x = 1
    del x
    y = 2
print(hasattr(K, "x"), K.y)
o = K()
o.z = 1
del o.z
print(vars(o))
def unbound():
    if False:
        q = 1
    return q
try:
    unbound()
except UnboundLocalError as e:
    print("UnboundLocalError:", e)
try:
    undefined_name_here
except NameError as e:
    print("NameError:", e)
a = b = c = 5
a, b = b + 1, a - 1
print(a, b, c)
x = [1, 2, 3]
x[0], x[2] = x[2], x[0]
print(x)
i = 0
x[i], i = 10, 2
print(x, i)
print(not not 0, -(-3), ~~7, (1, 2) < (1, 3), [1] * 3, "ab" * 2, 3 * "c")
print(type(...), ..., NotImplemented, __debug__)
def many_args(*a):
    return len(a)
print(many_args(*range(300)), (lambda: (yield))().__class__.__name__)
big = {str(k): k for k in range(300)}
print(len(big), big["299"])
