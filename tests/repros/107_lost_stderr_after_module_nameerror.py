"""Found by tools/fuzz_tier2.py (seed 41080, minimised): after the uncaught NameError of
a module-level loop (its global x deleted mid-loop) is printed, cpjit also prints
"object address ... lost sys.stderr" (PyErr_Display with no sys.stderr, during
finalization) and the traceback loses its last newline; python prints the traceback only."""
import traceback

import builtins

M = 1000003

G1 = 3

G2 = 1.5

class Base:
    k = 2
    val = 0
    w = 0

    def m(self, v):
        return v + self.k

class A(Base):
    def __init__(self):
        self.val = 1
        self.w = 2

    def m(self, v):
        return v * 2 + self.val

class B(Base):
    __slots__ = ("val", "w")

    def __init__(self):
        self.val = 3
        self.w = 4

class C(A):
    @property
    def val(self):
        return 5

    @val.setter
    def val(self, v):
        pass

    def m(self, v, extra=1):
        return v - extra

class D:
    k = 7
    val = 11
    w = 1

    def __getattr__(self, name):
        return _real_len(name)

    def m(self, v):
        return -v

class Dyn:
    pass

def f_exact(a, b):
    return a + b

def f_kw(a, *, key=2):
    return a - key

def make_adder(c):
    def add(v):
        return v + c
    return add

adder = make_adder(5)

def div_at(i, k):
    return 100 // (i - k)

class V:
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __repr__(self):
        return "V(%r)" % (self.v,)

    def __add__(self, other):
        return V(self.v + (other.v if isinstance(other, V) else other))

    def __radd__(self, other):
        return self.v + other

    def __eq__(self, other):
        return isinstance(other, V) and self.v == other.v

    __hash__ = None

    def __lt__(self, other):
        return self.v < other

    def __index__(self):
        return self.v % 3

    def __bool__(self):
        return self.v % 2 == 0

    def __len__(self):
        return self.v % 4

    def __getitem__(self, key):
        if key > 5:
            raise IndexError(key)
        return key * self.v

class MyList(list):
    pass

class MyDict(dict):
    def __missing__(self, key):
        return -1

class Ctx:
    def __init__(self, swallow):
        self.swallow = swallow
        self.entered = 0

    def __enter__(self):
        self.entered += 1
        return self

    def __exit__(self, kind, value, tb):
        return self.swallow

def fold(v):
    """Any number -> a small int, deterministically (NaN hashes by identity)."""
    if v != v:
        return 7
    return hash(v) % M

class Noisy:
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __del__(self):
        print("del", self.v)

class Callable:
    def __call__(self, v):
        return v + 1

    @classmethod
    def cm(cls, v):
        return v * 2

    @staticmethod
    def sm(v):
        return v * 3

class SubCallable(Callable):
    def up(self, v):
        return super().__call__(v) + 1

class Doubler:
    def __setattr__(self, name, value):
        object.__setattr__(self, name, value * 2)

class IntSub(int):
    def __add__(self, other):
        return IntSub(int(self) + int(other) + 1000)

    def __radd__(self, other):
        return int(self) + int(other) + 2000

    def __sub__(self, other):
        return 7

    def __lt__(self, other):
        return True

    __hash__ = int.__hash__

    def __bool__(self):
        return False

class FloatSub(float):
    def __add__(self, other):
        return -1.0

    def __mul__(self, other):
        return FloatSub(2.0)

class StrSub(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__

    def __add__(self, other):
        return "plus"

class ListSub(list):
    def __getitem__(self, index):
        return 99

    def __iter__(self):
        return iter((5, 5))

    def __len__(self):
        return 42


def case_0(n):
    acc = 0
    x = 1
    s = 'ab'
    lst = [1, 2, 3]
    d = {0: 1, 1: 2}
    t = (4, 5, 6)
    fx = 0.5
    big = 1
    flag = False
    o = A()
    mixed = [A(), A(), A()]
    mixed[1].c = 1
    mixed[2].__dict__ = {'w': 9, 'val': 8}
    mixed = [A(), A(), A()]
    mixed[1].c = 1
    mixed[2].__dict__ = {'w': 9, 'val': 8}
    mixed = [A(), A(), A()]
    mixed[1].c = 1
    mixed[2].__dict__ = {'w': 9, 'val': 8}
    objs3 = [Base(), B()]
    ob = B()
    for _pos, i in enumerate(range(n)):
        ev = None
        try:
            ev = (+((-0.0 - (2 ** 63 - 1)) % (-1 + 2)))
            acc = (acc + fold(ev)) % M
        except (ArithmeticError, TypeError, ValueError) as e:
            acc += 1
            if i % 17 == 0:
                print('expr', i, type(e).__name__, e)
        if i % 33 == 1:
            print('ev', ev)
        acc += G1 + G2
        if i == 7:
            globals()[1] = 'int key'
        acc += abs(-i) + len(s)
        if i == 23:
            builtins.__dict__[7] = 'x'
        if i == 32:
            builtins.__dict__.pop(7, None)
        acc += f_exact(*(i, 1))
        if i == 23:
            x = IntSub(x if isinstance(x, int) else 3)
        acc += {x: 1}.get(x, 0)
        acc += abs(-i) + len(s)
        if i == 1:
            builtins.__dict__[7] = 'x'
        if i == 10:
            builtins.__dict__.pop(7, None)
        acc = (acc + x) % M
        if i == 0:
            ob = B()
            del ob.val
        acc += ob.w
        try:
            acc += ob.val
        except AttributeError as e:
            acc += 1
        try:
            acc += div_at(i, 23)
        except ZeroDivisionError as e:
            print('div', i, e)
        try:
            ev = ((~2) * (i - 20))
            acc = (acc + fold(ev)) % M
        except (ArithmeticError, TypeError, ValueError) as e:
            acc += 1
            if i % 17 == 0:
                print('expr', i, type(e).__name__, e)
        acc = acc % M
    return acc, x, fx, big % 1000, s[-4:], _real_len(lst), flag


def case_2(n):
    acc = 0
    x = 1
    s = 'ab'
    lst = [1, 2, 3]
    d = {0: 1, 1: 2}
    t = (4, 5, 6)
    fx = 0.5
    big = 1
    flag = False
    o = A()
    ctx = Ctx(False)
    cobj = SubCallable()
    part = __import__('functools').partial(f_exact, 5)
    aplist = []
    ap = aplist.append
    objs2 = [Base(), A()]
    for i in range(n):
        try:
            if i == 103:
                raise KeyError(i)
        finally:
            acc -= 1
        acc += cobj.up(i)
        if i == 103:
            A.m = other_m
        acc += o.m(i)
        acc = acc % M
    return acc, x, fx, big % 1000, s[-4:], _real_len(lst), flag


CASES = [('case_0', case_0, 20), ('case_2', case_2, 12)]

def main():
    for name, case, n in CASES:
        for run in (1, 2):
            try:
                print(name, run, case(n))
            except Exception as exc:
                print(name, run, "raised", type(exc).__name__, exc)
                traceback.print_exc()


main()

n = 150
acc = 0
x = 1
s = 'ab'
lst = [1, 2, 3]
d = {0: 1, 1: 2}
t = (4, 5, 6)
fx = 0.5
big = 1
flag = False
o = A()
cnt = [0]
for i in range(n):
    if i == 74:
        del x
    acc += int(x)
    acc = acc % M
print('module', acc, x, fx, big % 1000, s[-4:], _real_len(lst), flag)
