"""Code that looks at its own frame, run by tier 1: same answers as CPython (as a script)."""

import textwrap

import pytest

from _interp_util import run_both

INTROSPECTION = """
    import sys, inspect, warnings, collections, logging, enum
    logging.basicConfig(format="%(filename)s:%(lineno)d %(funcName)s %(message)s",
                        stream=sys.stdout)
    P = collections.namedtuple("P", "a b")
    print(P.__module__, P(1, 2))
    Color = enum.Enum("Color", "RED GREEN")
    print(Color.__module__, Color.RED)
    def where():
        f = sys._getframe()
        print(f.f_code.co_name, f.f_lineno, f.f_back.f_code.co_name, f.f_back.f_lineno,
              sorted(f.f_locals))
        c = inspect.currentframe()
        print(c.f_code.co_name, c.f_lineno, c.f_back.f_code.co_name)
        logging.warning("hello %s", 1)
    def caller():
        x = 5
        for _ in range(1):
            where()
    caller()
    def deprecated():
        warnings.warn("old", DeprecationWarning, stacklevel=2)
    warnings.simplefilter("always")
    def user():
        for _ in range(1):
            deprecated()
    user()
    warnings.warn("direct")
    def lv():
        a = 1; b = [a]
        for _ in range(1):
            print(sorted(locals().items()), sorted(vars()), dir())
            print(eval("a + 1"), "__name__" in globals())
            exec("zz = 3")
            print(locals()["zz"])
    lv()
    print(sys._getframe().f_back, sys._getframe(0).f_code.co_name)
    try:
        sys._getframe(50)
    except ValueError as e:
        print(e)
    class K:
        def m(self):
            for _ in range(1):
                return __class__, super().__init__
    print(K().m()[0] is K)
    def exc_info_checks():
        print(sys.exc_info(), sys.exception())
        try:
            raise KeyError("k")
        except KeyError:
            print(sys.exc_info()[0].__name__)
            try:
                raise ValueError("v")
            except ValueError:
                print(sys.exception())
            print(repr(sys.exception()))
        print(sys.exc_info())
        for _ in range(1):
            pass
    exc_info_checks()
    import traceback
    def stack_info():
        return [(fi.function, fi.lineno) for fi in inspect.stack()]
    def stack_outer():
        for _ in range(1):
            return stack_info()
    print(stack_outer())
    traceback.print_stack(limit=2, file=sys.stdout)
    class Body:
        names = sorted(locals())
        for i in range(2):
            pass
        here = sys._getframe().f_code.co_name
    print(Body.names, Body.here)
"""


@pytest.mark.parametrize("policy", ["all", "loops"])
def test_introspection_matches_cpython(policy, tmp_path):
    path = tmp_path / "introspect.py"
    path.write_text(textwrap.dedent(INTROSPECTION))
    native, tier1 = run_both(path, policy)
    assert native.returncode == 0, native.stderr
    assert (tier1.stdout, tier1.stderr, tier1.returncode) == \
        (native.stdout, native.stderr, native.returncode)


def test_frames_are_proxies_the_documented_difference():
    """The one difference (docs/tier1.md): sys._getframe() from tier-1 code gives a proxy
    with the frame attributes; Python sees it as a frame (isinstance), C code does not."""
    import types
    from cpjit.interpreter import exec_code
    from cpjit.interpreter.introspect import FrameProxy
    g = {}
    exec_code(compile("import sys\nfr = sys._getframe()\nline = fr.f_lineno\n", "<p>", "exec"), g)
    assert type(g["fr"]) is FrameProxy and isinstance(g["fr"], types.FrameType)
    with pytest.raises(TypeError):
        types.TracebackType(None, g["fr"], 0, 1)
    assert g["line"] == 3 and g["fr"].f_globals is g and g["fr"].f_code.co_filename == "<p>"


def test_tier1_in_two_threads_keeps_each_threads_recursion_count():
    import sys
    import threading
    from cpjit.interpreter import run_function

    def depth(n):
        for _ in range(1):
            pass
        return 1 if n == 0 else 1 + depth(n - 1)

    results = []

    def worker():
        results.append(run_function(depth, (200,)))
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 3
    before = sys.getrecursionlimit()
    assert run_function(depth, (100,)) == 101
    assert sys.getrecursionlimit() == before


def test_host_recursion_count_is_restored_after_tier1():
    import sys
    from cpjit.interpreter import exec_code, objlayout

    def host_depth():
        return objlayout.recursion_limit_cell().value - objlayout.recursion_remaining_cell().value
    before = host_depth()
    limit = sys.getrecursionlimit()
    src = ("import sys\nsys.setrecursionlimit(%d)\n"
           "def f(n):\n    for _ in range(1):\n        pass\n    return f(n + 1)\n"
           "try:\n    f(0)\nexcept RecursionError:\n    pass\n" % (limit + 50))
    try:
        exec_code(compile(src, "<r>", "exec"), {})
        assert host_depth() == before
    finally:
        sys.setrecursionlimit(limit)
    assert host_depth() == before
