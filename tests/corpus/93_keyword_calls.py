# Keyword arguments, keyword-only parameters, positional-only parameters and
# __kwdefaults__ in calls from hot loops (tier 2 binds them with _INIT_CALL_PY_GENERAL),
# binding errors (CPython's TypeError messages), __kwdefaults__ replaced mid-loop.

def kw(a, b=1, *, c=2):
    return a + b * c

def run(n):
    t = 0
    for i in range(n):
        t += kw(i, c=3) + kw(i, 2) + kw(b=i, a=1) + kw(i, c=i, b=2)
    return t
print(run(3000))

class P:
    def __init__(self, x):
        self.x = x
    def m(self, y, *, scale=1):
        return (self.x + y) * scale
def meth(n):
    p = P(2)
    t = 0
    for i in range(n):
        t += p.m(i) + p.m(y=i, scale=2)
    return t
print(meth(2000))

def posonly(a, b, /, c=5):
    return a - b + c
def po(n):
    t = 0
    for i in range(n):
        t += posonly(i, 1) + posonly(i, 2, c=1)
    return t
print(po(1000))

def errors(n):
    t = 0
    for i in range(n):
        try:
            if i == n - 5:
                t += kw(i, d=1)
            elif i == n - 4:
                t += kw(i, a=1)
            elif i == n - 3:
                t += kw(c=1)
            elif i == n - 2:
                t += posonly(a=1, b=2)
            else:
                t += kw(i, c=i)
        except TypeError as e:
            print("TypeError", e)
    return t
print(errors(500))

def kwdefaults_change(n):
    t = 0
    for i in range(n):
        if i == 100:
            kw.__kwdefaults__ = {"c": 10}
        if i == 200:
            kw.__kwdefaults__ = None
        t += kw(i)
    return t
try:
    print(kwdefaults_change(300))
except TypeError as e:
    print("TypeError", e)
