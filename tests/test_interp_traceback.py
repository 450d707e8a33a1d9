"""Tracebacks of exceptions leaving tier-1 frames: byte for byte CPython's (run as scripts)."""

import textwrap

import pytest

from _interp_util import run_both

PROGRAMS = {
    "markers": """
        def add(a, b):
            return a + b
        def middle(x):
            values = [add(x, i) for i in range(3)]
            return values
        print(middle(1))
        middle("s")
    """,
    "chained": """
        def parse(s):
            try:
                return int(s)
            except ValueError as e:
                raise RuntimeError("bad input") from e
        def load():
            try:
                {}["k"]
            except KeyError:
                parse("x")
        load()
    """,
    "group": """
        def f():
            raise ExceptionGroup("many", [ValueError(1), TypeError("t"),
                                          ExceptionGroup("inner", [KeyError(3)])])
        try:
            f()
        except* TypeError:
            print("handled TypeError")
    """,
    "recursion": """
        def down(n):
            while False:
                pass
            return down(n + 1)
        down(0)
    """,
    "recursion_native": """
        def down(n):
            return down(n + 1)
        down(0)
    """,
    "suggestion": """
        import collections
        def f():
            counter_value = 1
            return counter_valu + 1
        try:
            f()
        except NameError as e:
            print("caught", e)
        class A:
            size = 1
        print(A().sizee)
    """,
    "class_body_and_with": """
        class CM:
            def __enter__(self): return self
            def __exit__(self, *a):
                raise OSError("in exit")
        class Broken:
            x = 1
            for i in range(2):
                pass
            with CM():
                y = x / 0
    """,
    "system_exit": """
        import sys
        print("out")
        sys.exit("bye")
    """,
    "deep_call_error_message": """
        def f(a, b): pass
        def g():
            for _ in range(1):
                f(1, 2, 3)
        g()
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_script_output_is_identical(name, tmp_path):
    path = tmp_path / (name + ".py")
    path.write_text(textwrap.dedent(PROGRAMS[name]))
    policies = ["all", "loops"] if name in ("markers", "recursion", "group") else ["all"]
    for policy in policies:
        native, tier1 = run_both(path, policy)
        assert tier1.stdout == native.stdout
        assert tier1.stderr == native.stderr
        assert tier1.returncode == native.returncode
    if name.startswith("recursion"):
        assert "[Previous line repeated" in native.stderr
        assert "RecursionError: maximum recursion depth exceeded" in native.stderr


def test_exception_traceback_entries_inside_handler():
    """In an except block, e.__traceback__ already lists the tier-1 frames, as in CPython."""
    from _interp_util import native, tier1
    src = """
        import traceback
        def inner():
            raise ValueError("x")
        def outer():
            for _ in range(1):
                inner()
        try:
            outer()
        except ValueError as e:
            for fs in traceback.extract_tb(e.__traceback__):
                print(fs.name, fs.lineno, fs.line, fs.colno, fs.end_colno)
    """
    assert tier1(src) == native(src)
    assert tier1(src, "loops") == native(src)
