"""Tier 1 against CPython, snippet by snippet, per opcode family (same output, same error)."""

import pytest

from _interp_util import native, tier1

SNIPPETS = {
    "arith": """
        a, b = 7, 3
        print(a + b, a - b, a * b, a / b, a // b, a % b, a ** b, a << b, a >> 1, a & b, a | b, a ^ b)
        x = 2.5; x += 1; x -= 0.5; x *= 2; x /= 3; x //= 1; x **= 2; print(x)
        s = "ab"; s *= 3; print(s, -a, +a, ~a, not a, [1] * 2, 3 @ Mat() if False else 0)
        import operator; print(1 if 2 > 1 else 0, 1 < 2 <= 2, 1 == 1.0, 1 != 2, "a" < "b")
        print(1 is None, 1 is not None, 3 in [3], 3 not in (3,))
    """.replace("Mat()", "None"),
    "binop_errors": """
        try:
            1 + "a"
        except TypeError as e:
            print(e)
        try:
            [] - []
        except TypeError as e:
            print(e)
        try:
            1 / 0
        except ZeroDivisionError as e:
            print(e)
        try:
            None()
        except TypeError as e:
            print(e)
        try:
            5 in 3
        except TypeError as e:
            print(e)
    """,
    "build": """
        a = 1
        print((a, 2), [a, 2], {a, 2}, {a: 2, "k": a}, {**{"x": 1}, "y": 2}, [*range(3), *"ab"],
              (*[1, 2],), {*[1, 1, 2]}, "x%sy" % a, f"{a}-{a!r}-{a!s}-{a!a}-{a:>4}-{'s'}")
        l = [1, 2, 3, 4]; print(l[1:3], l[::2], l[-1], l[1:], "abc"[::-1])
        d = dict(a=1); d["b"] = 2; del d["a"]; print(d)
        l[0] = 9; del l[1]; l[1:2] = [7, 7]; print(l)
    """,
    "unpack": """
        a, b = 1, 2; print(a, b)
        a, *b = [1, 2, 3]; print(a, b)
        *a, b = "xyz"; print(a, b)
        a, *b, c = range(5); print(a, b, c)
        (a, b), c = (1, 2), 3; print(a, b, c)
        for bad in ([1, 2, 3], (1,), 5, iter([1, 2, 3]), {1: 2, 3: 4, 5: 6}):
            try:
                a, b = bad
            except (TypeError, ValueError) as e:
                print(type(e).__name__, e)
        try:
            a, b, *c = [1]
        except ValueError as e:
            print(e)
    """,
    "names": """
        x = 1
        def f():
            global x
            x += 1
            return x
        print(f(), x)
        def g():
            print(y)
            y = 1
        try:
            g()
        except UnboundLocalError as e:
            print(e)
        try:
            undefined
        except NameError as e:
            print(e, e.name)
        del x
        try:
            x
        except NameError as e:
            print(e)
        def h():
            z = 1
            del z
            return z
        try:
            h()
        except UnboundLocalError as e:
            print(e)
    """,
    "closures": """
        def outer():
            a = 1
            def mid():
                nonlocal a
                a += 1
                def inner():
                    return a
                return inner
            return mid()()
        print(outer())
        def unbound():
            def inner():
                return v
            try:
                inner()
            except NameError as e:
                print(e)
            v = 1
            del v
            try:
                print(v)
            except NameError as e:
                print(type(e).__name__, e)
        unbound()
        class C:
            y = 5
            def m(self):
                return __class__
            z = [y for _ in range(1)] if False else 1
        print(C().m() is C)
        def cd():
            x = 1
            class D:
                x = 2
                def g(self): return x
                w = x
            return D.w, D().g()
        print(cd())
    """,
    "calls": """
        def f(a, b=2, *args, c, d=4, **kw):
            return a, b, args, c, d, kw
        print(f(1, c=3), f(1, 2, 3, 4, c=5, e=6), f(*[1, 2], **{"c": 0}))
        def g(a, /, b): return a, b
        print(g(1, b=2))
        for call in (lambda: f(), lambda: f(1), lambda: g(a=1, b=2), lambda: f(1, c=1, a=2),
                     lambda: g(1, 2, 3), lambda: f(*1), lambda: f(**1), lambda: f(1, c=1, **{"c": 2})):
            try:
                call()
            except TypeError as e:
                print(e)
        class A:
            def m(self, x): return x * 2
            @staticmethod
            def s(x): return x
            @classmethod
            def c(cls): return cls.__name__
        a = A()
        print(a.m(3), A.m(a, 4), a.s(5), A.c(), sorted([3, 1, 2], key=lambda v: -v), list(map(abs, [-1])))
        print(max(1, 2, key=None), dict(a=1, **{"b": 2}), "-".join(str(i) for i in range(3)))
    """,
    "exceptions": """
        import sys
        def f():
            try:
                raise ValueError("v")
            except ValueError as e:
                print("caught", e, sys.exc_info()[0].__name__)
                try:
                    raise KeyError("k")
                except KeyError as k:
                    print(repr(k.__context__))
                print(sys.exc_info()[1])
            finally:
                print("finally", sys.exc_info())
        f()
        try:
            try:
                1 / 0
            except ZeroDivisionError:
                raise RuntimeError("r") from None
        except RuntimeError as e:
            print(e.__cause__, e.__suppress_context__, type(e.__context__).__name__)
        try:
            raise TypeError("t") from ValueError("c")
        except TypeError as e:
            print(repr(e.__cause__))
        try:
            raise
        except RuntimeError as e:
            print(e)
        def loop():
            for i in range(3):
                try:
                    if i == 1:
                        continue
                    if i == 2:
                        break
                finally:
                    print("fin", i)
            return i
        print(loop())
        try:
            try:
                raise ValueError(1)
            except 5:
                pass
        except TypeError as e:
            print(e)
        def reraiser():
            try:
                raise OSError("o")
            except OSError:
                raise
        try:
            reraiser()
        except OSError as e:
            print("reraised", e)
        assert True
        try:
            assert 1 == 2, "nope"
        except AssertionError as e:
            print(e)
    """,
    "except_star": """
        try:
            raise ExceptionGroup("g", [ValueError(1), TypeError(2), ValueError(3)])
        except* ValueError as e:
            print("V", repr(e))
        except* TypeError as e:
            print("T", repr(e))
        try:
            try:
                raise ExceptionGroup("g", [ValueError(1), KeyError(2)])
            except* ValueError:
                raise
        except ExceptionGroup as eg:
            print(repr(eg))
        try:
            try:
                raise ValueError(5)
            except* ValueError as e:
                print("naked", repr(e))
                raise KeyError(6)
        except ExceptionGroup as eg:
            print(repr(eg), repr(eg.exceptions[0].__context__))
        try:
            try:
                raise ExceptionGroup("h", [OSError(1)])
            except* OSError:
                raise TypeError("new")
        except ExceptionGroup as eg:
            print(repr(eg))
    """,
    "with": """
        class CM:
            def __init__(self, name, swallow=False):
                self.name, self.swallow = name, swallow
            def __enter__(self):
                print("enter", self.name); return self.name
            def __exit__(self, t, v, tb):
                print("exit", self.name, t.__name__ if t else None); return self.swallow
        with CM("a") as x, CM("b") as y:
            print(x, y)
        with CM("c", True):
            raise ValueError
        try:
            with CM("d"):
                raise KeyError("k")
        except KeyError as e:
            print("out", e)
        def r():
            with CM("e"):
                return 5
        print(r())
        for bad in (1, type("E", (), {"__enter__": lambda s: 1})()):
            try:
                with bad:
                    pass
            except TypeError as e:
                print(e)
    """,
    "match": """
        class P:
            __match_args__ = ("x", "y")
            def __init__(self, x, y): self.x, self.y = x, y
        for v in [1, "s", [1, 2], [1, 2, 3, 4], (1,), {"a": 1, "b": 2}, P(1, 2), P(0, 5), 3.5, None, {1}]:
            match v:
                case 1: print("one")
                case str() as s: print("str", s)
                case [a, b]: print("pair", a, b)
                case [a, *rest]: print("seq", a, rest)
                case {"a": 1, **kw}: print("map", kw)
                case P(x=0, y=yy): print("P0", yy)
                case P(a, b): print("P", a, b)
                case float(f) if f > 3: print("float", f)
                case None | {1}: print("none-or-set")
                case _: print("other", v)
        try:
            match P(1, 2):
                case P(1, 2, 3): pass
        except TypeError as e:
            print(e)
        try:
            match {"a": 1}:
                case {"a": 1, "a": 2}: pass
        except (SyntaxError, ValueError) as e:
            print(type(e).__name__)
    """,
    "comprehensions_classes": """
        print([x * y for x in range(3) for y in range(2) if x], {x: x for x in "ab"},
              {x % 2 for x in range(5)}, list(x for x in range(3)), sum(x for x in range(4)))
        class Base:
            def hello(self): return "base"
        class Meta(type):
            def __new__(m, name, bases, ns, **kw):
                ns["made_by"] = "meta" + str(kw)
                return super().__new__(m, name, bases, ns)
        class Child(Base, metaclass=Meta, flag=1):
            attr: int = 3
            def hello(self): return "child+" + super().hello()
            for i in range(2):
                locals()["gen%d" % i] = i
        print(Child().hello(), Child.made_by, Child.__annotations__, Child.gen1, Child.__qualname__)
        class Slots:
            __slots__ = ("a",)
        s = Slots(); s.a = 3; print(s.a)
        try:
            class Bad(1, 2): pass
        except TypeError as e:
            print(e)
    """,
    "imports": """
        import os.path as osp, collections.abc
        from json import dumps, loads as L
        from os import *
        print(osp.join("a", "b"), dumps([1]), L("2"), callable(getcwd), collections.abc.Sized)
        try:
            from os import nonexistent_name_xyz
        except ImportError as e:
            print(e)
        try:
            import nonexistent_module_xyz
        except ModuleNotFoundError as e:
            print(e)
    """,
    "loops_and_branches": """
        total = 0
        i = 0
        while i < 50:
            if i % 3 == 0 and i % 5:
                total += i
            elif i % 7 == 0 or not i:
                total -= 1
            else:
                total += i is None
            i += 1
        print(total, [x for x in range(10) if x % 2 or x > 7], 0 or None, 1 and "y", None is None)
        x = None
        print(x if x is not None else "none", [v for v in (None, 1) if v is None])
    """,
    "frame_reading_builtins": """
        A = type("A", (), {})
        B = type("B", (A,), {"x": 1})
        print(A.__module__, B.__module__, type(3), type(A))
        def inner():
            for _ in range(1):
                C = type("C", (), {})
            return C.__module__
        print(inner())
        class Evil:
            def __hash__(self):
                return hash("attr")
            def __eq__(self, other):
                print("Evil.__eq__ ran")
                return False
        class D:
            attr = 7
        d = D()
        d.__dict__[Evil()] = 0
        print(d.attr)
    """,
    "annotations_and_misc": """
        x: int = 5
        y: "str"
        print(__annotations__, x)
        def f(a: int, *, b: str = "q") -> bool: return a
        print(f.__annotations__, f.__kwdefaults__, f.__defaults__, f(1))
        print(type(lambda: 0).__name__, (lambda *a, **k: (a, k))(1, z=2))
        big = list(range(300)); print(sum(big[0:300:7]), "%s" % [300, 256][0], 1_000_000)
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
@pytest.mark.parametrize("policy", ["all", "loops"])
def test_snippet_matches_cpython(name, policy):
    src = SNIPPETS[name]
    assert tier1(src, policy) == native(src)


def test_escaping_exception_is_the_same():
    src = """
        def f(n):
            return {}[n]
        print("before")
        f("missing")
    """
    assert tier1(src) == native(src)
    assert tier1(src)[1] == "KeyError: 'missing'"


def test_unknown_opcode_is_an_internal_error():
    from cpjit.interpreter import ceval, InternalError, NULL
    from cpjit.interpreter.frame import Frame
    code = compile("x = 1", "<t>", "exec")
    info = ceval.code_info(code)
    f = Frame(code, None, {}, {}, {}, info)
    with pytest.raises(InternalError, match="unknown opcode <254>"):
        ceval.op_unknown(f, 254, 1)
    assert NULL is not None


def test_profiling_runs_no_user_code():
    src = """
        class Sneaky:
            @property
            def __dict__(self):
                print("user __dict__ called")
                return {}
            def m(self):
                return 1
            x = 5
        class BadKey:
            def __eq__(self, other):
                raise RuntimeError("eq")
            __hash__ = object.__hash__
        s = Sneaky()
        total = 0
        for i in range(3):
            total += s.x + s.m()
            s.y = i
        print(total, {BadKey(): 1}.get(3))
    """
    assert tier1(src) == native(src)
    assert "user __dict__" not in tier1(src)[0]


def test_fused_statements_raise_at_the_right_instruction():
    src = """
        import traceback
        class B:
            def __bool__(self):
                raise ValueError("no bool")
            def __lt__(self, other):
                return self
        def f(kind):
            one = 1
            s = "s"
            b = B()
            if kind == 0:
                x = s + one
            elif kind == 1:
                if b < one:
                    pass
            elif kind == 2:
                del one
                x = one + 1
            elif kind == 3:
                y = s
                y = y - 2
            while one < 3:
                one += 1
            return one
        for k in range(4):
            try:
                f(k)
            except Exception as e:
                fs = traceback.extract_tb(e.__traceback__)[-1]
                print(type(e).__name__, e, fs.lineno, fs.colno, fs.end_colno)
        print(f(5))
    """
    assert tier1(src) == native(src)
    assert tier1(src, "loops") == native(src)
