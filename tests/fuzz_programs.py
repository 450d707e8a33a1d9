"""Seeded generator of random, deterministic Python programs aimed at tier 2.

Each program is a fixed prelude (classes with slots/dicts/properties/__getattr__,
functions taking defaults, keywords, *args/**kwargs, closures, recursion, generators)
followed by a few ``case_N`` functions.  A case is one hot loop (for over range, list,
tuple, dict or a generator; a while loop) whose body is a random mix of statement
templates: calls of every shape, attribute loads and stores, globals and builtins
rebound mid-loop, values whose type changes mid-loop (int -> float -> bool -> big
int), subscripts, list.append, nested loops with break/continue/else, try/except/
finally around errors raised in the middle of a trace (or inside an inlined callee),
generators, comprehensions and ``print``.  ``main`` runs every case twice (the second
run goes through the executors the first one made) and reports what a case raised,
traceback included; some programs end with an exception that nobody catches.

The program is kept as structure (``Program`` -> ``Case`` -> ``Stmt``) so that a
mismatch can be minimised by dropping cases and statements (see tools/fuzz_tier2.py).
Everything is a pure function of the seed: ``generate(seed)`` is the same program on
every machine, and every program's output is deterministic (no ids, no set order of
objects, no time).
"""

import random
from dataclasses import dataclass, field, replace

# Accumulators are reduced modulo this prime every iteration so that no loop builds
# huge numbers (big ints appear on purpose, in their own statements).
MODULUS = 1000003

PRELUDE = '''\
import sys
import traceback
import builtins

M = 1000003
G1 = 3
G2 = 1.5
_real_len = len


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


def f_defaults(a, b=3, c=4):
    return a * b + c


def f_kw(a, *, key=2):
    return a - key


def f_star(*args, **kwargs):
    return _real_len(args) + _real_len(kwargs)


def f_mixed(a, b=1, *rest, flag=False, **extra):
    return a + b + _real_len(rest) + (10 if flag else 0) + _real_len(extra)


def rec(k):
    if k <= 0:
        return 1
    return k + rec(k - 1)


def make_adder(c):
    def add(v):
        return v + c
    return add


adder = make_adder(5)


def div_at(i, k):
    return 100 // (i - k)


def index_at(seq, i):
    return seq[i]


def outer_call(i, k):
    return div_at(i, k) + 1


def gen(n):
    for v in range(n):
        yield v * 2


def gen_range(n):
    i = 0
    while i < n:
        yield i
        i += 1


def set_g1(v):
    global G1
    G1 = v


def shadow_len():
    globals()["len"] = lambda seq: 7


def unshadow_len():
    globals().pop("len", None)


def other_m(self, v):
    return v + 100


def bump_k(v):
    Base.k = v


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


def closing_gen(k):
    try:
        for j in range(k):
            yield j
    finally:
        print("gen closed", k)


def raise_at(i, k):
    if i == k:
        raise KeyError(i)
    return i


def catch_inside(i, k):
    try:
        return raise_at(i, k) + 1
    except KeyError:
        print("caught inside", i)
        return -1
    finally:
        if i % 16 == 0:
            print("finally inside", i)


def finally_inside(i, k):
    try:
        return raise_at(i, k)
    finally:
        if i == k:
            print("finally on the way out", i)


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


def exit_from_callee(code):
    print("exiting with", code)
    sys.exit(code)


def exit_at(i, k):
    if i == k:
        raise SystemExit("exit message %d" % i)
    return i


def rebind_f_exact(kind):
    global f_exact
    if kind == 0:
        f_exact = lambda a, b=0: a - b
    elif kind == 1:
        f_exact = max
    else:
        f_exact = lambda a: a


def replace_code():
    f_defaults.__code__ = f_kw.__code__

'''

def _prelude_blocks(text):
    """The prelude's top-level statements (decorators and all), one source text each."""
    import ast
    lines = text.splitlines()
    blocks = []
    for node in ast.parse(text).body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        blocks.append("\n".join(lines[first - 1:node.end_lineno]))
    return tuple(blocks)


# The minimiser drops the blocks a repro does not need (Program.dropped).
PRELUDE_BLOCKS = _prelude_blocks(PRELUDE)

MAIN_TEMPLATE = '''\

def main():
    for name, case, n in CASES:
        for run in (1, 2):
            try:
                print(name, run, case(n))
            except Exception as exc:
                print(name, run, "raised", type(exc).__name__, exc)
                traceback.print_exc()


main()
'''


@dataclass(frozen=True)
class Stmt:
    """One statement template instance: lines before the loop and lines in its body."""
    setup: tuple
    body: tuple
    kind: str


@dataclass(frozen=True)
class Case:
    """One ``case_N(n)`` function: a loop of statements, its trip count, its results."""
    name: str
    loop: str
    n: int
    stmts: tuple


@dataclass(frozen=True)
class Program:
    """A whole program: prelude, cases, and what happens at the end."""
    seed: int
    cases: tuple
    ending: tuple = field(default=())
    module_case: object = None      # a Case run at module level after main(), or None
    dropped: frozenset = frozenset()    # indices of PRELUDE_BLOCKS left out (minimising)

    def source(self):
        return render(self)


def _indent(lines, levels):
    pad = "    " * levels
    return [pad + line if line else line for line in lines]


LOOP_HEADERS = {
    "range": ("for i in range(n):",),
    "list": ("for i in list(range(n)):",),
    "tuple": ("for i in tuple(range(n)):",),
    "dict": ("for i in dict.fromkeys(range(n)):",),
    "gen": ("for i in gen_range(n):",),
    "enumerate": ("for _pos, i in enumerate(range(n)):",),
    "while": None,     # written out in render_case: the counter moves first
}


def _case_body(case):
    """The statements of a case: its variables, the statements' set-up, the loop."""
    body = ["acc = 0", "x = 1", "s = 'ab'", "lst = [1, 2, 3]", "d = {0: 1, 1: 2}",
            "t = (4, 5, 6)", "fx = 0.5", "big = 1", "flag = False", "o = A()"]
    for stmt in case.stmts:
        body += list(stmt.setup)
    loop_body = []
    for stmt in case.stmts:
        loop_body += list(stmt.body)
    loop_body.append("acc = acc % M")
    if case.loop == "while":
        body += ["i = -1", "while i < n - 1:"]
        body += _indent(["i += 1"] + loop_body, 1)
    else:
        body += list(LOOP_HEADERS[case.loop])
        body += _indent(loop_body, 1)
    if any(s.kind == "break" for s in case.stmts):
        body += ["else:", "    print('no break', acc)"]
    return body


_RESULTS = "acc, x, fx, big % 1000, s[-4:], _real_len(lst), flag"


def render_case(case):
    """``def case_N(n): ...`` returning the case's results."""
    body = _case_body(case) + ["return " + _RESULTS]
    return ["def %s(n):" % case.name] + _indent(body, 1)


def render_module_case(case):
    """The same loop at module level: every variable is a global (LOAD_NAME,
    STORE_NAME, LOAD_GLOBAL in the trace); what escapes it is uncaught."""
    return ["n = %d" % case.n] + _case_body(case) + ["print('module', %s)" % _RESULTS]


def render(program):
    if program.dropped:
        lines = ["\n\n".join(block for i, block in enumerate(PRELUDE_BLOCKS)
                              if i not in program.dropped) + "\n\n"]
    else:
        lines = [PRELUDE]
    for case in program.cases:
        lines += render_case(case)
        lines.append("")
        lines.append("")
    lines.append("CASES = [%s]" % ", ".join(
        "(%r, %s, %d)" % (c.name, c.name, c.n) for c in program.cases))
    lines.append(MAIN_TEMPLATE)
    if program.module_case is not None:
        lines += render_module_case(program.module_case)
    lines += list(program.ending)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# Statement templates.  Each takes (rng, n) and returns a Stmt.  ``k`` values are
# iterations at which something changes; some land outside the loop (never happens).

def _k(rng, n):
    return rng.choice([rng.randrange(max(n, 1)), rng.randrange(max(n, 1)), n + 3, 1, 0])


def st_arith(rng, n):
    op = rng.choice(["+", "-", "*", "//", "%", "&", "|", "^", "<<"])
    rhs = rng.choice(["i", "x", "(i + 1)", "3", "G1", "(i % 5 + 1)", "-2"])
    if op in ("//", "%"):
        rhs = rng.choice(["(i % 7 + 1)", "3", "x", "(i - %d)" % _k(rng, n)])
    if op == "<<":
        rhs = "(i % 4)"
    return Stmt((), ("acc = (acc %s %s) %% M" % (op, rhs),), "arith")


def st_type_change(rng, n):
    value = rng.choice(["1.5", "True", "False", "10 ** 20", "-3", "2.0 ** 0.5", "7",
                        "(1 << 70)", "'s'", "None"])
    use = rng.choice(["acc = acc + x", "acc = acc + x * 2", "acc += x - 1",
                      "fx = fx + x", "acc = acc + (x if x else 1)",
                      "acc = acc + (1 if x > 2 else 0)", "acc = acc + lst[x % 3]"])
    return Stmt((), ("if i == %d:" % _k(rng, n), "    x = %s" % value, use), "type_change")


def st_float(rng, n):
    expr = rng.choice(["fx = fx * 0.5 + i", "fx = fx + i * 0.25", "fx = fx - 1.0 / (i + 1)",
                       "fx = (fx * 3.0) % 17.0", "acc = acc + int(fx) % 5",
                       "fx = fx + (i if i % 2 else 0.5)"])
    return Stmt((), (expr,), "float")


def st_big(rng, n):
    return Stmt((), (rng.choice(["big = (big * 1000003 + i) % (1 << 100)",
                                 "big = big * 3 + i - (1 << 65)",
                                 "big = (big << 2) % (10 ** 25) + x"]),), "big")


def st_str(rng, n):
    expr = rng.choice(["s = (s + chr(97 + i % 26))[-8:]", "acc += s.count('a')",
                       "s = s[1:] + s[0]", "acc += ord(s[i % _real_len(s)])",
                       "s = f'{i}:{s}'[:10]", "acc += (s == 'ab')", "s = s + 'xy' * (i % 2)",
                       "acc += _real_len(s[:i])"])
    return Stmt((), (expr,), "str")


def st_bool(rng, n):
    return Stmt((), (rng.choice(["flag = not flag", "flag = i % 3 == 0",
                                 "acc += flag", "flag = flag or i > %d" % _k(rng, n)]),),
                "bool")


def st_call(rng, n):
    call = rng.choice([
        "f_exact(i, 2)", "f_exact(x, i)", "f_defaults(i)", "f_defaults(i, 2)",
        "f_defaults(i, c=1)", "f_defaults(a=i, b=1)", "f_kw(i, key=i % 3)", "f_kw(i)",
        "f_star(i, i)", "f_star(*t)", "f_star(*lst, key=1)", "f_star(**d_kw)",
        "f_mixed(i)", "f_mixed(i, 2, 3, 4, flag=True, z=1)", "f_mixed(*t, **d_kw)",
        "rec(i % 6)", "adder(i)", "inner(i)", "(lambda v: v + 1)(i)",
        "f_exact(*(i, 1))",
    ])
    setup = ()
    if "d_kw" in call:
        setup = ("d_kw = {'q': 1, 'r': 2}",)
    if call == "inner(i)":
        setup = ("scale = 1", "def inner(v):", "    return v * scale")
        return Stmt(setup, ("if i == %d:" % _k(rng, n), "    scale = 3",
                            "acc += inner(i)"), "call")
    return Stmt(setup, ("acc += %s" % call,), "call")


def st_method(rng, n):
    classes = rng.sample(["A", "B", "C", "D", "Base"], rng.randint(1, 4))
    setup = ("objs = [%s]" % ", ".join(c + "()" for c in classes),)
    form = rng.choice(["acc += objs[i %% %d].m(i)" % len(classes),
                       "acc += objs[i %% %d].val" % len(classes),
                       "acc += objs[i %% %d].k" % len(classes),
                       "bm = objs[i %% %d].m\nacc += bm(i)" % len(classes),
                       "acc += o.m(i)", "acc += o.val + o.w"])
    return Stmt(setup, tuple(form.split("\n")), "method")


def st_attr_store(rng, n):
    cls = rng.choice(["A", "B", "C", "Dyn"])
    attr = "val" if cls != "Dyn" else "val"
    setup = ("ao = %s()" % cls,)
    if cls == "Dyn":
        setup += ("ao.val = 0",)
    body = rng.choice([
        ("ao.%s = i" % attr, "acc += ao.%s" % attr),
        ("ao.%s += 1" % attr, "acc += ao.%s" % attr),
        ("if i == %d:" % _k(rng, n), "    ao.extra = i",
         "try:", "    acc += ao.extra", "except AttributeError:", "    acc += 1"),
        ("if i == %d:" % _k(rng, n), "    ao.__dict__.clear() if hasattr(ao, '__dict__') "
         "else None", "try:", "    acc += ao.val", "except AttributeError as e:",
         "    acc += 2"),
    ])
    return Stmt(setup, body, "attr_store")


def st_class_rebind(rng, n):
    body = rng.choice([
        ("if i == %d:" % _k(rng, n), "    Base.k = i % 5", "acc += o.k + objs2[i % 2].k"),
        ("if i == %d:" % _k(rng, n), "    A.m = other_m", "acc += o.m(i)"),
        ("if i == %d:" % _k(rng, n), "    bump_k(3)", "acc += objs2[i % 2].m(i)"),
        ("if i == %d:" % _k(rng, n), "    o.m = lambda v: 9", "acc += o.m(i)"),
        ("if i == %d:" % _k(rng, n), "    o = C()", "acc += o.m(i) + o.val"),
        ("if i == %d:" % _k(rng, n), "    o.__class__ = C", "acc += o.m(i)"),
        ("if i == %d:" % _k(rng, n), "    f_defaults.__defaults__ = (1, 1)",
         "acc += f_defaults(i)"),
    ])
    return Stmt(("objs2 = [Base(), A()]",), body, "class_rebind")


def st_globals(rng, n):
    body = rng.choice([
        ("if i == %d:" % _k(rng, n), "    set_g1(i * 0.5)", "acc += G1"),
        ("if i == %d:" % _k(rng, n), "    shadow_len()", "if i == %d:" % _k(rng, n),
         "    unshadow_len()", "acc += len(lst)"),
        ("if i == %d:" % _k(rng, n), "    builtins.abs = lambda v: 1",
         "if i == %d:" % _k(rng, n), "    builtins.abs = _real_abs", "acc += abs(i - 5)"),
        ("acc += G1 + int(G2)",),
        ("if i == %d:" % _k(rng, n), "    set_g1('str')", "acc += _real_len(str(G1))"),
        ("acc += isinstance(x, int) + isinstance(fx, float)",),
    ])
    setup = ("_real_abs = builtins.abs",) if any("builtins.abs" in line for line in body) else ()
    return Stmt(setup, body, "globals")


def st_subscript(rng, n):
    body = rng.choice([
        ("acc += lst[i % 3]",), ("acc += t[i % 3]",), ("acc += lst[-1] + t[-2]",),
        ("acc += d[i % 2]",), ("d[i % 5] = i", "acc += d.get(i % 4, 0)"),
        ("lst.append(i)", "if _real_len(lst) > 8:", "    del lst[0]"),
        ("lst[i % 3] = i",),
        ("acc += index_at(t, i % 3)",),
        ("if i == %d:" % _k(rng, n), "    lst = (9, 8, 7)", "acc += lst[i % 3]"),
        ("if i == %d:" % _k(rng, n), "    d = [5, 6]", "acc += d[i % 2]"),
        ("acc += sum(lst[1:3])",),
        ("a1, b1, *c1 = t", "acc += a1 - b1 + _real_len(c1)"),
        ("acc += (i in d) + (i in lst) + ('a' in s)",),
    ])
    return Stmt((), body, "subscript")


def st_try(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("try:", "    acc += 1000 // (i - %d)" % k, "except ZeroDivisionError:",
         "    acc -= 7"),
        ("try:", "    acc += lst[i]", "except IndexError as e:", "    acc += 1",
         "    if i == 5:", "        print('IndexError', e)"),
        ("try:", "    acc += d[i]", "except KeyError as e:", "    acc += 3",
         "finally:", "    acc += 1"),
        ("try:", "    acc += div_at(i, %d)" % k, "except ZeroDivisionError as e:",
         "    print('div', i, e)"),
        ("try:", "    acc += outer_call(i, %d)" % k, "except ArithmeticError:",
         "    acc += 5", "else:", "    acc += 1"),
        ("try:", "    if i == %d:" % k, "        raise ValueError(i)",
         "except ValueError as e:", "    print('ValueError', e)"),
        ("try:", "    acc += index_at(lst, i)", "except IndexError:", "    pass"),
        ("try:", "    acc += x + 1", "except TypeError as e:", "    acc += 1"),
    ])
    return Stmt((), body, "try")


def st_raise_unguarded(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("acc += 1000 // (i - %d)" % k,), ("acc += div_at(i, %d)" % k,),
        ("acc += outer_call(i, %d)" % k,), ("acc += lst[i - %d]" % (k - 3),),
        ("acc += index_at(t, i - %d)" % (k - 3),),
        ("if i == %d:" % k, "    acc += d['missing']"),
        ("if i == %d:" % k, "    acc += o.nope"),
        ("if i == %d:" % k, "    acc += undefined_name"),
    ])
    return Stmt((), body, "raise")


def st_nested(rng, n):
    body = rng.choice([
        ("for j in range(i % 4):", "    acc = acc + j * i"),
        ("for j in range(3):", "    if j == i % 3:", "        break",
         "    acc += j", "else:", "    acc += 100"),
        ("for j in t:", "    if j == 5:", "        continue", "    acc += j"),
        ("j = 0", "while j < i % 3:", "    j += 1", "    acc += f_exact(j, i)"),
        ("for j in range(2):", "    try:", "        acc += 10 // (j - i % 2)",
         "    except ZeroDivisionError:", "        acc += 1"),
    ])
    return Stmt((), body, "nested")


def st_control(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("if i % 7 == 3:", "    continue"),
        ("if i == %d:" % k, "    break"),
        ("if i > %d and acc %% 2:" % k, "    acc += 1", "elif i % 5 == 0:", "    acc -= 1"),
        ("acc = acc + (i if i % 2 else -i)",),
    ])
    kind = "break" if "    break" in body else "control"
    return Stmt((), body, kind)


def st_gen(rng, n):
    body = rng.choice([
        ("acc += sum(v * v for v in range(i % 5))",),
        ("acc += _real_len([v for v in range(i % 6) if v % 2])",),
        ("acc += sum({v: v + 1 for v in range(i % 3)}.values())",),
        ("for v in gen(i % 3):", "    acc += v"),
        ("acc += max(gen(i % 4 + 1))",),
        ("acc += sum(f_exact(v, i) for v in range(2))",),
        ("acc += _real_len(list(map(adder, range(i % 3))))",),
        ("acc += sorted([3, i % 5, 1], key=lambda v: -v)[0]",),
    ])
    return Stmt((), body, "gen")


def st_print(rng, n):
    p = rng.choice([3, 7, 13, 25])
    return Stmt((), ("if i %% %d == 0:" % p,
                     "    print('it', i, acc, x, fx, s[-3:])"), "print")


def st_misc(rng, n):
    body = rng.choice([
        ("acc += (x is None) + (s is not None)",),
        ("acc = -acc if i % 11 == 0 else acc",),
        ("tup = (i, x)", "acc += tup[0]"),
        ("acc += int(i % 3 == 0) * 2",),
        ("acc += hash((i, 's')) % 3",),
        ("acc += round(fx) % 7",),
        ("acc += (i // 2) ** 2 % 11",),
        ("acc += divmod(i + 7, 3)[1]",),
        ("acc += abs(-i) + min(i, 3) + max(0, x if isinstance(x, int) else 0)",),
    ])
    return Stmt((), body, "misc")


def st_dunder(rng, n):
    body = rng.choice([
        ("acc += (V(i) + 1).v",), ("acc = V(acc) + i",), ("acc += V(i) == V(i % 3)",),
        ("acc += V(i) < 50",), ("acc += lst[V(i)]",), ("acc += 1 if V(i) else 2",),
        ("acc += _real_len(V(i)) + len(V(i))",), ("acc += V(i)[i % 7]",),
        ("for v in V(i % 5):", "    acc += v"),
        ("if i == %d:" % _k(rng, n), "    x = V(2)", "acc += x + 1"),
    ])
    return Stmt((), body, "dunder")


def st_subclass(rng, n):
    body = rng.choice([
        ("acc += ml[i % 3]",), ("ml.append(i)", "acc += ml[-1]"),
        ("acc += md[i % 4]",), ("md[i % 2] = i", "acc += md[i % 3]"),
        ("if i == %d:" % _k(rng, n), "    ml = [7, 8, 9]", "acc += ml[i % 3]"),
        ("if i == %d:" % _k(rng, n), "    lst = MyList(lst)", "acc += lst[1]"),
    ])
    return Stmt(("ml = MyList([1, 2, 3])", "md = MyDict({0: 5})"), body, "subclass")


def st_rebind_func(rng, n):
    body = rng.choice([
        ("if i == %d:" % _k(rng, n), "    rebind_f_exact(%d)" % rng.randrange(3),
         "acc += f_exact(i, 1)"),
        ("if i == %d:" % _k(rng, n), "    replace_code()", "acc += f_defaults(i)"),
        ("if i == %d:" % _k(rng, n), "    del A.m", "acc += o.m(i)"),
        ("if i == %d:" % _k(rng, n), "    del o.val", "acc += o.val"),
        ("if i == %d:" % _k(rng, n), "    ob = B()", "    del ob.val", "acc += ob.w",
         "try:", "    acc += ob.val", "except AttributeError as e:", "    acc += 1"),
        ("if i == %d:" % _k(rng, n), "    C.val = 4", "acc += C().val"),
        ("if i == %d:" % _k(rng, n), "    Base.m = lambda self, v: v * 3",
         "acc += objs3[i % 2].m(i)"),
    ])
    return Stmt(("objs3 = [Base(), B()]", "ob = B()"), body, "rebind_func")


def st_locals(rng, n):
    body = rng.choice([
        # (not `acc += x`: a failing second half of LOAD_FAST__LOAD_FAST is corpus 100)
        ("if i == %d:" % _k(rng, n), "    del x", "acc += int(x)"),
        ("if i == %d:" % _k(rng, n), "    del s", "    s = 'zz'", "acc += _real_len(s)"),
        ("a2 = b2 = i", "a2, b2 = b2 + 1, a2", "acc += a2 * b2"),
        ("def nested_fn(v, _acc=acc):", "    return v + _acc % 5", "acc += nested_fn(i)"),
        ("cnt[0] += 1", "acc += cnt[0]"),
    ])
    return Stmt(("cnt = [0]",), body, "locals")


def st_with(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("with ctx:", "    acc += 1000 // (i - %d)" % k),
        ("with ctx as c:", "    acc += c.entered % 3"),
        ("try:", "    with ctx:", "        acc += lst[i]", "except IndexError:", "    acc += 1"),
        ("try:", "    acc += 1", "    if i == %d:" % k, "        continue", "finally:",
         "    acc += 2"),
        ("try:", "    if i == %d:" % k, "        raise KeyError(i)", "finally:",
         "    acc -= 1"),
    ])
    return Stmt(("ctx = Ctx(%s)" % rng.choice(["True", "False"]),), body, "with")


def st_float_edge(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("fx = fx / (i - %d)" % k,), ("fx = fx + 1.0 / (i - %d.0)" % k,),
        ("fx = (fx + i) %% (i - %d + 0.0)" % k,),
        ("if i == %d:" % k, "    fx = float('nan')", "acc += (fx == fx) + (fx < 1.0)"),
        ("if i == %d:" % k, "    fx = -0.0", "print('fx', fx) if i == %d else None" % k),
        ("fx = fx * 1e300 if i == %d else fx" % k, "acc += fx > 1e308"),
        ("acc += 0 < i < %d" % k,), ("acc += (i + 0.5) // 2",),
    ])
    return Stmt((), body, "float_edge")


def st_next(rng, n):
    body = rng.choice([
        ("try:", "    acc += next(it)", "except StopIteration:", "    it = iter(range(4))"),
        ("acc += next(it, -1)",),
        ("acc += next(gi, 0)",),
    ])
    return Stmt(("it = iter(range(4))", "gi = gen(%d)" % rng.randrange(1, n)), body, "next")


_OPERANDS = ["i", "x", "fx", "big", "flag", "acc", "0", "1", "-1", "2", "7", "(2 ** 30 - 1)",
             "(2 ** 30)", "(-2 ** 30)", "(2 ** 62)", "(2 ** 63 - 1)", "0.5", "-0.0", "1e308",
             "2.5", "True", "(i - 20)", "(i % 3)", "(i * 0.25)"]
_BINOPS = ["+", "-", "*", "//", "%", "&", "|", "^", "<", "<=", "==", "!=", ">", ">=",
           "+", "-", "*"]


def random_expression(rng, depth=0):
    """A random arithmetic expression over the loop's numbers (any of them may change
    type mid-loop); it may raise (ZeroDivisionError, TypeError, OverflowError)."""
    if depth >= 3 or rng.random() < 0.3:
        return rng.choice(_OPERANDS)
    roll = rng.random()
    if roll < 0.1:
        return "(%s%s)" % (rng.choice(["-", "~", "not ", "+"]), random_expression(rng, depth + 1))
    if roll < 0.15:
        return "(%s ** (i %% 3))" % random_expression(rng, depth + 1)
    if roll < 0.2:
        return "(%s << (i %% 40))" % random_expression(rng, depth + 1)
    if roll < 0.25:
        return "(%s >> 3)" % random_expression(rng, depth + 1)
    if roll < 0.3:
        return "(%s if %s else %s)" % tuple(random_expression(rng, depth + 1) for _ in "abc")
    return "(%s %s %s)" % (random_expression(rng, depth + 1), rng.choice(_BINOPS),
                           random_expression(rng, depth + 1))


def st_expr(rng, n):
    expr = random_expression(rng)
    body = ("try:", "    ev = %s" % expr, "    acc = (acc + fold(ev)) % M",
            "except (ArithmeticError, TypeError, ValueError) as e:",
            "    acc += 1",
            "    if i %% %d == 0:" % rng.choice([5, 17, 40]),
            "        print('expr', i, type(e).__name__, e)")
    if rng.random() < 0.3:
        body += ("if i %% %d == 1:" % rng.choice([9, 33]), "    print('ev', ev)")
        body = ("ev = None",) + body
    if rng.random() < 0.5:
        body += ("x = ev if isinstance(ev, (int, float)) and abs(ev) < 1e6 else x",)
    return Stmt((), body, "expr")


def st_descriptor(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("acc += po.val", "if i == %d:" % k, "    PropHost.val = property(lambda self: 42)",
         "if i == %d:" % (k + 7), "    del PropHost.val"),
        ("acc += po.val", "po.val = i", "if i == %d:" % k, "    po.__dict__ = {'val': 1000}"),
        ("if i == %d:" % k, "    po = Doubler()", "po.val = i", "acc += po.val"),
        ("if i == %d:" % k, "    PropHost.get = staticmethod(lambda: 5)",
         "acc += po.get()"),
    ])
    setup = ("class PropHost:", "    def __init__(self):", "        self.val = 1",
             "    def get(self):", "        return self.val", "po = PropHost()")
    return Stmt(setup, body, "descriptor")


def st_callables(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("acc += cobj(i) + Callable.cm(i) + cobj.sm(i)",), ("acc += cobj.up(i)",),
        ("acc += part(i)",), ("ap(i)", "acc += _real_len(aplist) % 5"),
        ("acc += SubCallable.cm(i) + SubCallable().up(1)",),
        ("if i == %d:" % k, "    f_kw.__kwdefaults__ = {'key': 100}",
         "if i == %d:" % (k + 5), "    f_kw.__kwdefaults__ = None", "acc += f_kw(i)"),
        ("if i == %d:" % k, "    f_defaults.__defaults__ = None", "acc += f_defaults(i)"),
        ("acc += catch_inside(i, %d)" % k,), ("acc += finally_inside(i, %d)" % k,),
        ("acc += f_exact(i)" if rng.random() < 0.5 else "acc += f_exact(i, 1, 2)",),
        ("acc += f_kw(i, key=1, other=2) if i == %d else 0" % k,),
    ])
    setup = ("cobj = SubCallable()", "part = __import__('functools').partial(f_exact, 5)",
             "aplist = []", "ap = aplist.append")
    return Stmt(setup, body, "callables")


def st_lifetimes(rng, n):
    body = rng.choice([
        ("nz = Noisy(i) if i % 9 == 0 else None",),
        ("acc += _real_len([Noisy(-i)]) if i % 13 == 0 else 0",),
        ("for v in closing_gen(i % 5):", "    if v == 2:", "        break", "    acc += v"),
        ("cg = closing_gen(3)", "acc += next(cg)", "if i % 11 == 0:", "    del cg"),
        ("try:", "    nz = Noisy(i)", "    acc += 10 // (i % 4)",
         "except ZeroDivisionError:", "    nz = None"),
    ])
    return Stmt(("nz = None", "cg = None"), body, "lifetimes")


def st_sequences(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("acc += lst[-(i % 3) - 1]",), ("acc += lst[i % 2 == 0] + t[True]",),
        ("if i == %d:" % k, "    acc += lst[2 ** 64]"),
        ("if i == %d:" % k, "    acc += t[-2 ** 70]"),
        ("if i == %d:" % k, "    acc += d[[1]]"),
        ("pair = lst[:2] if i != %d else lst[:3]" % k, "a2, b2 = pair", "acc += a2 * b2"),
        ("pair = t[:2] if i != %d else t[:1]" % k, "a2, b2 = pair", "acc += a2 - b2"),
        ("if i == %d:" % k, "    lst[10] = 1"),
        ("if i == %d:" % k, "    acc += len(5)"),
        ("acc += isinstance(x, (str, float)) + isinstance(i, int | None)",),
        ("if i == %d:" % k, "    acc += isinstance(i, 5)"),
        # (not lst.append(): on a list subclass that names the instance's type, corpus 106)
        ("if i == %d:" % k, "    list.append(lst)"),
        ("for r in range(2 ** 63 - 2, 2 ** 63 + 1):", "    acc += r % 7"),
        ("for r in range(i % 4, -3, -2):", "    acc += r"),
        ("for r in range(-2 ** 62 - 1, -2 ** 62 + 1):", "    acc += r % 5"),
        ("for v in grow:", "    if _real_len(grow) < 12:", "        grow.append(v + 1)",
         "    acc += v", "del grow[3:]"),
        ("s2 = chr(200 + i % 60)", "acc += (s2 < 'é') + (s2 == s[-1:]) + ('ß' != s2)"),
    ])
    return Stmt(("grow = [1, 2, 3]",), body, "sequences")


def st_chain(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("try:", "    try:", "        acc += 10 // (i - %d)" % k,
         "    except ZeroDivisionError as e:", "        raise ValueError('bad %d' % i) from e",
         "except ValueError:", "    traceback.print_exc()"),
        ("try:", "    try:", "        acc += lst[i]", "    except IndexError:",
         "        acc += {}[i]", "except KeyError:",
         "    traceback.print_exc() if i == 3 else None"),
        ("try:", "    if i == %d:" % k, "        raise RuntimeError('in loop')", "finally:",
         "    acc += 1"),
    ])
    return Stmt((), body, "chain")


def st_cells(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("cell_total = bump(i)",), ("acc += cell_total + (lambda: cell_total)()",),
        ("def add(v, i=i):", "    return v + i + cell_total", "acc += add(1)"),
        ("if i == %d:" % k, "    cell_total = 100", "acc += peek()"),
        ("fns.append(lambda: i) if i % 10 == 0 else None",
         "acc += fns[-1]() if fns else 0"),
    ])
    setup = ("cell_total = 0", "fns = []", "def bump(v):", "    nonlocal cell_total",
             "    cell_total = (cell_total + v) % M", "    return cell_total",
             "def peek():", "    return cell_total")
    return Stmt(setup, body, "cells")


def st_dict_keys(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("acc += G1 + G2", "if i == %d:" % k, "    globals()[1] = 'int key'"),
        ("acc += abs(-i) + len(s)", "if i == %d:" % k, "    builtins.__dict__[7] = 'x'",
         "if i == %d:" % (k + 9), "    builtins.__dict__.pop(7, None)"),
        ("acc += o.val + o.w", "o.w = i", "if i == %d:" % k, "    o.__dict__[5] = 5"),
        ("acc += o.val + o.w", "o.val = i", "if i == %d:" % k, "    vars(o).clear()",
         "    o.w = 3", "    o.val = 1"),
        ("acc += mixed[i % 3].val * 2 + mixed[i % 3].w", "mixed[i % 3].w = i"),
    ])
    setup = ("mixed = [A(), A(), A()]", "mixed[1].c = 1",
             "mixed[2].__dict__ = {'w': 9, 'val': 8}")
    return Stmt(setup, body, "dict_keys")


def st_exit(rng, n):
    k = _k(rng, n)
    body = rng.choice([
        ("if i == %d and n > 100:" % k, "    exit_from_callee(%d)" % rng.randrange(4),),
        ("acc += exit_at(i, %d)" % k,),
    ])
    return Stmt((), body, "exit")


def st_subtypes(rng, n):
    k = _k(rng, n)
    switch = rng.choice([("x", "IntSub(x if isinstance(x, int) else 3)"),
                         ("fx", "FloatSub(fx)"), ("s", "StrSub(s)"), ("lst", "ListSub(lst)"),
                         ("x", "IntSub(2 ** 70)")])
    use = rng.choice(["acc = acc + x", "acc += (x + 1) % 7 + (1 + x) % 5 + (x - 1) % 3",
                      "acc += x < 3", "fx = fx + 1.5", "fx = fx * 2.0", "acc += int(fx) % 9",
                      "acc += s == 'zz'", "s = (s + 'q')[-6:]", "acc += lst[0] + _real_len(lst)",
                      "acc += sum(v for v in lst)", "acc += len(lst)",
                      "acc += {x: 1}.get(x, 0)", "acc += 1 if x else 2"])
    return Stmt((), ("if i == %d:" % k, "    %s = %s" % switch, use), "subtypes")


TEMPLATES = [
    (st_arith, 6), (st_type_change, 4), (st_float, 2), (st_big, 2), (st_str, 3),
    (st_bool, 1), (st_call, 6), (st_method, 4), (st_attr_store, 3), (st_class_rebind, 2),
    (st_globals, 3), (st_subscript, 4), (st_try, 4), (st_raise_unguarded, 1),
    (st_nested, 2), (st_control, 3), (st_gen, 2), (st_print, 1), (st_misc, 2),
    (st_dunder, 2), (st_subclass, 2), (st_rebind_func, 2), (st_locals, 2), (st_with, 2),
    (st_float_edge, 2), (st_next, 1), (st_expr, 6), (st_descriptor, 2), (st_callables, 3),
    (st_sequences, 4), (st_chain, 1), (st_cells, 2), (st_dict_keys, 2), (st_exit, 1),
    (st_subtypes, 3),
]
# Templates that hit known, reported mismatches: only with ``generate(seed, known=True)``
# (tools/fuzz_tier2.py --known), so that the fixed-seed test keeps finding new things
# instead of the same ones.  Object lifetimes: a returning frame's locals die in the
# wrong order (corpus 102), so a __del__ and a generator's finally print in the wrong order.
KNOWN_MISMATCH_TEMPLATES = [(st_lifetimes, 2)]


def random_case(rng, index, templates=TEMPLATES):
    loop = rng.choice(["range"] * 4 + ["list", "tuple", "dict", "gen", "enumerate",
                                        "while", "while"])
    n = rng.choice([20, 40, 70, 100, 150])
    # now and then a body longer than a trace can hold (trace_too_long, a trace that
    # ends mid-body and continues in tier 1)
    count = rng.randint(2, 7) if rng.random() < 0.9 else rng.randint(15, 30)
    funcs = rng.choices([f for f, _ in templates], weights=[w for _, w in templates],
                        k=count)
    return Case("case_%d" % index, loop, n, tuple(f(rng, n) for f in funcs))


ENDINGS = [
    (),
    (),
    (),
    ("print('uncaught next')", "case_0(CASES[0][2])"),
    ("print(div_at(3, 3))",),
    ("sys.exit(3)",),
    ("for _i in range(50):", "    r = outer_call(_i, 40)"),
    ("for _i in range(30):", "    print(index_at((1, 2, 3), _i % 5))"),
    # Module-level loops: LOAD_NAME/STORE_NAME, builtins shadowed at module level.
    ("tot = 0", "for _i in range(60):", "    tot += len([_i]) + G1",
     "    if _i == 30:", "        len = lambda s: 2", "    if _i == 45:", "        del len",
     "print('tot', tot)"),
    ("tot = 0", "for _i in range(60):", "    tot += abs(-_i)", "    if _i == 20:",
     "        builtins.abs = lambda v: 0", "print('tot', tot)"),
    ("tot = 0.0", "_j = 0", "while _j < 80:", "    _j += 1", "    tot = tot + _j / 3",
     "    if _j == 70:", "        tot = tot + 1 // (_j - 70)", "print(tot)"),
    ("tot = 0", "for _i in range(40):", "    tot += rec(_i % 4) + f_defaults(_i)",
     "    if _i == 25:", "        raise SystemExit(tot % 256)"),
]


def generate(seed, known=False):
    """The program for ``seed``: pure function of the seed (and of ``known``: whether
    templates hitting known mismatches may be drawn)."""
    rng = random.Random(seed)
    templates = TEMPLATES + KNOWN_MISMATCH_TEMPLATES if known else TEMPLATES
    cases = tuple(random_case(rng, i, templates) for i in range(rng.randint(1, 4)))
    ending = rng.choice(ENDINGS)
    module_case = None
    if rng.random() < 0.35:
        # (no closures over the loop's variables at module level: no nonlocal there)
        module_templates = [(f, w) for f, w in templates if f is not st_cells]
        module_case = random_case(rng, len(cases), module_templates)
    return Program(seed, cases, ending, module_case)


def shrink_candidates(program):
    """Smaller programs, biggest cuts first: drop the ending, a case, a statement, or
    shorten a loop.  Used by the minimiser in tools/fuzz_tier2.py."""
    if program.ending:
        yield replace(program, ending=())
    if program.module_case is not None:
        yield replace(program, module_case=None)
        case = program.module_case
        for j in range(len(case.stmts)):
            yield replace(program, module_case=replace(
                case, stmts=case.stmts[:j] + case.stmts[j + 1:]))
    if len(program.cases) > 1:
        for index in range(len(program.cases)):
            yield replace(program, cases=program.cases[:index] + program.cases[index + 1:])
    for index, case in enumerate(program.cases):
        def with_case(new_case, index=index):
            return replace(program, cases=program.cases[:index] + (new_case,)
                           + program.cases[index + 1:])
        for j in range(len(case.stmts)):
            yield with_case(replace(case, stmts=case.stmts[:j] + case.stmts[j + 1:]))
        if case.loop != "range":
            yield with_case(replace(case, loop="range"))
        if case.n > 20:
            yield with_case(replace(case, n=case.n // 2))
    # last: the prelude's definitions the program does not need
    for i in range(len(PRELUDE_BLOCKS)):
        if i not in program.dropped:
            yield replace(program, dropped=program.dropped | {i})
